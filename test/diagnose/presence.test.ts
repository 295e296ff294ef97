// Skipping a rule by the presence flags (src/diagnose/presence.ts) must never change a result:
// every rule, and one rule per flag testing exactly that flag's fact, evaluated on every subject of
// every trace both ways (with each rule's derived requirements, and with none) gives the same
// outcome wherever the skipping side evaluated, and false wherever it skipped.

import { expect } from 'chai';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { builtinRuleSet, emptyRuleSet, parseRuleFile } from '../../src/diagnose/rule-loader.ts';
import { presenceFlags, requiredPresence } from '../../src/diagnose/presence.ts';
import { scopeEnvironment } from '../../src/diagnose/cel-env.ts';
import type { Rule, RuleSet } from '../../src/diagnose/rule-types.ts';
import { everyTrace } from '../support/trace-files.ts';

const flags = presenceFlags('connection');
const flagOf = (path: string): number => flags.findIndex((f) => f.path.join('.') === path);
const required = (when: string) => requiredPresence('connection', scopeEnvironment('connection').parse(when).ast);

describe('presence flags: rules a connection cannot satisfy are skipped', () => {
  it('derives what a when requires from its top-level conjuncts', () => {
    const reset = flagOf('c.reset');
    const keepAlive = flagOf('c.events.keep-alive.count');
    expect(required('c.reset != null && !c.reset.afterStrayAck')).to.deep.equal([reset]);
    expect(required('role == "control" && null != c.reset')).to.deep.equal([reset]);
    expect(required('c.events["keep-alive"].count > 0')).to.deep.equal([keepAlive]);
    expect(required('0 < c.events["keep-alive"].count && c.reset != null')).to.deep.equal([reset, keepAlive].sort((a, b) => a - b));
    expect(required('c.events["keep-alive"].count >= 1')).to.deep.equal([keepAlive]);
    expect(required('size(c.forgedResets) > 0')).to.deep.equal([flagOf('c.forgedResets')]);
    expect(required('c.evicted')).to.deep.equal([flagOf('c.evicted')]);
    // not necessary conditions: nothing required
    expect(required('c.reset != null || c.nat != null')).to.deep.equal([]);
    expect(required('c.reset == null')).to.deep.equal([]);
    expect(required('c.events["keep-alive"].count >= 0')).to.deep.equal([]);
    expect(required('c.events["keep-alive"].count > c.client.gapsReordered')).to.deep.equal([]);
    expect(required('!(c.reset != null)')).to.deep.equal([]);
    expect(required('[1].exists(x, c.reset != null)')).to.deep.equal([]);
  });

  it('every built-in connection rule requires a flag: a clean connection evaluates none', () => {
    const none = builtinRuleSet().byScope.connection.filter((r) => r.requires.length === 0).map((r) => r.id);
    expect(none).to.deep.equal([]);
  });

  it('gives the outcome of evaluating every rule on every subject of every trace', async function () {
    this.timeout(300_000);
    // the built-in rules and one rule per flag whose when is exactly the flag's fact
    const probes = parseRuleFile(
      `rules:\n${flags
        .map((f, i) => {
          const [v, ...rest] = f.path;
          const path = `${v}${rest.map((x) => (/^[A-Za-z]\w*$/.test(x) ? `.${x}` : `["${x}"]`)).join('')}`;
          const when = f.test === 'not-null' ? `${path} != null` : f.test === 'non-empty' ? `size(${path}) > 0` : f.test === 'non-zero' ? `${path} > 0` : path;
          return `  - id: flag-${i}\n    severity: info\n    title: flag ${i}\n    scope: connection\n    when: '${when}'\n    summary: x\n    explanation: x\n    action: x\n`;
        })
        .join('')}`,
      'flags.yaml',
    )!;
    for (const p of probes) expect(p.requires, p.when.source).to.have.length(1);
    const rules = [...builtinRuleSet().rules, ...probes];
    let skipped = 0;
    let evaluated = 0;
    for (const file of everyTrace()) {
      const full = new Map<string, unknown>();
      const skipping = new Map<string, unknown>();
      const a = await analyzeFile(file, { rules: logged(rules, full, true) });
      const b = await analyzeFile(file, { rules: logged(rules, skipping, false) });
      for (const [k, v] of full) {
        if (skipping.has(k)) expect(skipping.get(k), `${file}: ${k}`).to.equal(v);
        else {
          expect(v, `${file}: ${k} skipped`).to.equal(false);
          skipped++;
        }
      }
      for (const k of skipping.keys()) expect(full.has(k), `${file}: ${k}`).to.equal(true);
      evaluated += full.size;
      expect(JSON.stringify(b.result.findings), file).to.equal(JSON.stringify(a.result.findings));
    }
    // the flags do skip: most connections have few of them
    expect(skipped).to.be.greaterThan(evaluated / 4);
  });
});

/** `rules` with each `when` logging its outcome per rule and subject into `log`; `noSkips`: with
 *  no requirements, so every rule runs on every subject. */
function logged(rules: readonly Rule[], log: Map<string, unknown>, noSkips: boolean): RuleSet {
  const set = emptyRuleSet();
  for (const r of rules) {
    const run = r.when.run;
    const when = {
      ...r.when,
      run: (vars: Record<string, unknown>) => {
        const key = `${r.id}|${subjectKey(vars)}`;
        try {
          const out = run(vars);
          log.set(key, out);
          return out;
        } catch (e) {
          log.set(key, 'error');
          throw e;
        }
      },
    };
    const copy: Rule = { ...r, when, requires: noSkips ? [] : r.requires };
    set.rules.push(copy);
    set.byScope[copy.scope].push(copy);
  }
  return set;
}

const idOf = (x: unknown, k = 'id') => (x && typeof x === 'object' ? String((x as Record<string, unknown>)[k]) : '-');

function subjectKey(vars: Record<string, unknown>): string {
  return [idOf(vars['c']), idOf(vars['s']), idOf(vars['t']), idOf(vars['d']), idOf(vars['cmd'], 'index'), idOf(vars['l'], 'label'), idOf(vars['capture'], 'file')].join('/');
}
