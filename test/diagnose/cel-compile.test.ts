// Compiled rule expressions (cel-compile.ts) must answer exactly as cel-js does: on hand-made
// cases that probe CEL's corners, and on every expression of the built-in rules over every real
// trace, where they must also answer nearly always by themselves (not by falling back).

import { expect } from 'chai';
import { isDeepStrictEqual } from 'node:util';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { compileCel, NOT_COMPILED } from '../../src/diagnose/cel-compile.ts';
import { scopeEnvironment } from '../../src/diagnose/cel-env.ts';
import { builtinRuleSet } from '../../src/diagnose/rule-loader.ts';
import type { Scope } from '../../src/diagnose/fact-schema.ts';
import type { CompiledExpr, CompiledTemplate, RuleSet } from '../../src/diagnose/rule-types.ts';
import { corpusIt, everyTrace } from '../support/trace-files.ts';

type Vars = Record<string, unknown>;
type Outcome = { value: unknown } | { error: true };

function outcome(f: () => unknown): Outcome {
  try {
    return { value: f() };
  } catch {
    return { error: true };
  }
}

/** What the compiled form says: a value, NOT_COMPILED (left to cel-js), or another throw. */
function compiledOutcome(fn: (v: Vars) => unknown, vars: Vars): Outcome | 'fallback' {
  try {
    return { value: fn(vars) };
  } catch (e) {
    return e === NOT_COMPILED ? 'fallback' : { error: true };
  }
}

describe('diagnose/cel-compile: compiled rule expressions answer as cel-js does', () => {
  const env = scopeEnvironment('session');
  const s = {
    gaps: 2n,
    loggedIn: true,
    name: 'héllo 𝄞',
    seconds: 1.5,
    nothing: null,
    commands: [{ verb: 'RETR', code: 226n }, { verb: 'STOR', code: 426n }, { verb: '', code: 0n }],
    frames: [3n, 9n],
    tls: { authFrame: 0n },
    events: { 'zero-window': { count: 4n } },
    big: 9223372036854775807n,
    mixed: [1n, 'a'],
  };
  const cases: [string, 'fast' | 'fallback'][] = [
    ['s.gaps > 0', 'fast'],
    ['s.gaps == 2 && s.loggedIn', 'fast'],
    ['s.gaps != 2 || !s.loggedIn', 'fast'],
    ['s.tls.authFrame > 0 || s.events["zero-window"].count >= 4', 'fast'],
    ['s.commands.exists(r, r.code == 426)', 'fast'],
    ['s.commands.all(r, r.code > 0)', 'fast'],
    ['s.commands.filter(r, r.verb != "").map(r, r.verb).join(", ")', 'fast'],
    ['s.commands.map(r, r.code >= 400, r.verb)', 'fast'],
    ['size(s.commands) - 1', 'fast'],
    ['size(s.name)', 'fast'],
    ['size(s.tls)', 'fast'],
    ['s.commands[1].verb', 'fast'],
    ['s.nothing == null && s.tls != null', 'fast'],
    ['s.gaps == s.name', 'fallback'], //             int against string
    ['s.loggedIn ? plural(size(s.frames), "reply") : "none"', 'fast'],
    ['plural(1, "entry") + " / " + plural(2, "match")', 'fast'],
    ['fmtBytes(s.gaps) + fmtFrames(s.frames) + fmtSeconds(s.seconds) + string(s.gaps)', 'fast'],
    ['replyMeaning(s.commands[0].code)', 'fast'],
    ['-s.gaps < 0 && -s.seconds < 0.0', 'fast'],
    ['s.seconds + 1.0 > 2.0', 'fast'],
    ['"RETR" in ["SIZE", "RETR"] && !(s.commands[2].verb in ["A"])', 'fast'],
    ['[s.commands[0].code, s.gaps]', 'fast'],
    ['pct(s.gaps, 8) >= 25.0', 'fast'],
    ['("RETR " + s.name).lowerAscii().contains("retr hé") && !s.commands[0].verb.lowerAscii().contains("x")', 'fast'],
    ['s.gaps.contains("2")', 'fallback'], //           a method of a string on an int
    // left to cel-js: CEL's answer (or error) is whatever cel-js says
    ['s.gaps == 2.0', 'fallback'], //                mixed int/double equality
    ['s.gaps > 1.5', 'fallback'], //                 mixed int/double order
    ['s.nothing.frame > 0', 'fallback'], //          field of null: an error in CEL
    ['s.nope > 0 || true', 'fallback'], //           error absorbed by ||
    ['s.big + 1 > 0', 'fallback'], //                int64 overflow
    ['s.commands[7].verb == ""', 'fallback'], //     index out of range
    ['s.mixed.join(",")', 'fallback'], //            join of non-strings
    ['plural(s.seconds, "x")', 'fallback'], //       wrong argument type
    ['string(s.seconds)', 'fallback'], //            double formatting is cel-js's
    ['s.name < "z"', 'fallback'], //                 string order
    ['s.frames + [s.gaps] + s.frames', 'fast'],
    ['s.gaps != null && s.name != null && s.frames != null && null == s.nothing', 'fast'],
    // field runs read as one step, literals compared at once
    ['s.events["zero-window"].count == 4 && 2 == s.gaps && s.tls.authFrame <= 0', 'fast'],
    ['s.loggedIn == true && s.name != "x" && s.seconds != 1.5', 'fast'],
    ['s.tls.nope == 0', 'fallback'], //              no such field
    ['s.tls.constructor == null', 'fallback'], //    inherited, not a field
    ['s.events["zero-window"].count.x == 1', 'fallback'], // field of an int
    ['s.gaps == "2"', 'fallback'], //                 int against a string literal
  ];
  for (const [src, expected] of cases) {
    it(`${src} → ${expected}`, () => {
      const parsed = env.parse(src);
      const fn = compileCel(parsed.ast);
      expect(fn, 'compiles').to.not.equal(null);
      const got = compiledOutcome(fn!, { s, c: null });
      const want = outcome(() => parsed({ s, c: null }));
      if (expected === 'fast') {
        expect(got).to.not.equal('fallback');
        expect(isDeepStrictEqual(got, want), `${String((got as { value?: unknown }).value)} vs ${String((want as { value?: unknown }).value)}`).to.equal(true);
      } else expect(got).to.equal('fallback');
    });
  }

  it('leaves what it does not know (map literals, other macros) to cel-js entirely', () => {
    for (const src of ['{"a": 1}["a"] == 1', 's.commands.exists_one(r, r.code == 426)', 's.name.startsWith("h")']) {
      expect(compileCel(env.parse(src).ast), src).to.equal(null);
    }
  });
});

describe('diagnose/cel-compile: the built-in rules over every trace', function () {
  this.timeout(300_000);

  corpusIt('gives cel-js answers for every expression on every subject, compiled nearly always', async () => {
    const rules = builtinRuleSet();
    let calls = 0;
    let fallbacks = 0;
    const mismatches: string[] = [];
    // every expression answered by both: compiled (without cel-js's help) and interpreted
    const check = (scope: Scope, e: CompiledExpr): CompiledExpr => {
      const interpret = scopeEnvironment(scope).parse(e.source);
      const fn = compileCel(interpret.ast);
      expect(fn, e.source).to.not.equal(null);
      return {
        ...e,
        run: (vars) => {
          calls++;
          const want = outcome(() => interpret(vars));
          const got = compiledOutcome(fn!, vars);
          if (got === 'fallback') fallbacks++;
          else if (!isDeepStrictEqual(got, want) && mismatches.length < 20) mismatches.push(`${e.source}: ${JSON.stringify(got, (_, v) => (typeof v === 'bigint' ? `${v}n` : v))}`);
          if ('error' in want) throw new Error('rule error');
          return want.value;
        },
      };
    };
    const tpl = (scope: Scope, t: CompiledTemplate | null) => t && { ...t, parts: t.parts.map((p) => ('expr' in p ? { ...p, expr: check(scope, p.expr) } : p)) };
    const checked: RuleSet = { rules: [], byScope: { capture: [], connection: [], session: [], command: [], transfer: [], client: [] } };
    for (const r of rules.rules) {
      const c = {
        ...r,
        when: check(r.scope, r.when),
        frames: r.frames && check(r.scope, r.frames),
        summary: tpl(r.scope, r.summary)!,
        explanation: tpl(r.scope, r.explanation)!,
        action: tpl(r.scope, r.action)!,
        variants: r.variants.map((v) => ({
          ...v,
          when: check(r.scope, v.when),
          frames: v.frames && check(r.scope, v.frames),
          summary: tpl(r.scope, v.summary),
          explanation: tpl(r.scope, v.explanation),
          action: tpl(r.scope, v.action),
        })),
      };
      checked.rules.push(c);
      checked.byScope[r.scope].push(c);
    }
    for (const t of everyTrace()) await analyzeFile(t, { rules: checked });
    expect(mismatches).to.deep.equal([]);
    expect(calls).to.be.greaterThan(10_000);
    expect(fallbacks / calls, `${fallbacks} of ${calls} left to cel-js`).to.be.below(0.001);
  });
});
