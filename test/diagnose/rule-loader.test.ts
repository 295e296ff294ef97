import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRuleSet, loadRuleSet, loadRules, parseRuleFile, builtinRulesDir } from '../../src/diagnose/rule-loader.ts';
import { RuleFileError } from '../../src/diagnose/rule-error.ts';
import { RuleEvaluator } from '../../src/diagnose/evaluate.ts';
import { TcpEventKinds } from '../../src/tcp/types.ts';

/** A minimal valid rule; `over` replaces or adds lines (key → raw YAML value). */
function rule(over: Record<string, string> = {}, omit: string[] = []): string {
  const fields: Record<string, string> = {
    id: 'my-rule',
    severity: 'warning',
    title: 'My rule',
    scope: 'transfer',
    when: 't.bytes > 0',
    summary: "'{t.label}: {t.bytes} bytes'",
    explanation: 'Because.',
    action: 'Do something.',
    ...over,
  };
  for (const k of omit) delete fields[k];
  return 'rules:\n  - ' + Object.entries(fields).map(([k, v]) => `${k}: ${v}`).join('\n    ') + '\n';
}

function loadError(text: string, file = 'x.yaml'): RuleFileError {
  try {
    parseRuleFile(text, file);
  } catch (e) {
    if (e instanceof RuleFileError) return e;
    throw e;
  }
  throw new Error('expected a RuleFileError');
}

describe('diagnose/rule-loader', () => {
  it('loads the built-in catalog with every contract rule id', () => {
    const ids = new Set(builtinRuleSet().rules.map((r) => r.id));
    const contract = [
      ...TcpEventKinds,
      'upload-reset', 'transfer-truncated', 'transfer-aborted', 'data-connection-failed',
      'passive-address-mismatch', 'active-address-mismatch', 'login-failed', 'file-unavailable',
      'service-unavailable', 'bad-sequence', 'unanswered-command', 'control-reset', 'tls-encrypted',
      'control-line-too-long', 'invalid-reply-code',
    ];
    for (const id of contract) expect(ids.has(id), id).to.equal(true);
  });

  it('gives every built-in rule an explanation, an action and its source line', () => {
    for (const r of builtinRuleSet().rules) {
      expect(r.explanation.parts.length, r.id).to.be.greaterThan(0);
      expect(r.action.parts.length, r.id).to.be.greaterThan(0);
      expect(r.source.file.startsWith(builtinRulesDir)).to.equal(true);
      expect(r.source.line).to.be.greaterThan(1);
    }
  });

  it('accepts a valid rule and compiles its expressions', () => {
    const [r] = parseRuleFile(rule(), 'x.yaml')!;
    expect(r!.id).to.equal('my-rule');
    expect(r!.scope).to.equal('transfer');
    expect(r!.when.run({ t: { bytes: 5n } })).to.equal(true);
    expect(r!.source).to.deep.equal({ file: 'x.yaml', line: 2 });
  });

  it('reports a YAML syntax error with file and line', () => {
    const e = loadError('rules:\n  - id: a\n    title: [unclosed\n    scope: transfer\n', 'bad.yaml');
    expect(e.file).to.equal('bad.yaml');
    expect(e.line).to.be.within(3, 5);
    expect(e.message).to.match(/^bad\.yaml:\d+: YAML: /);
  });

  it('reports an unknown field at its line', () => {
    const text = rule({ colour: 'red' });
    const e = loadError(text);
    expect(e.reason).to.match(/unknown field "colour"/);
    expect(e.line).to.equal(text.split('\n').findIndex((l) => l.includes('colour:')) + 1);
  });

  it('reports a missing required field at the rule', () => {
    const e = loadError(rule({}, ['action']));
    expect(e.reason).to.match(/rule my-rule: missing required field "action"/);
    expect(e.line).to.equal(2);
  });

  it('reports an unknown scope and a bad severity', () => {
    expect(loadError(rule({ scope: 'packet' })).reason).to.match(/unknown scope "packet"/);
    expect(loadError(rule({ severity: 'fatal' })).reason).to.match(/severity must be one of error, warning, info/);
  });

  it('reports a CEL syntax error at the line of the expression inside a block scalar', () => {
    const text = 'rules:\n  - id: my-rule\n    severity: info\n    title: T\n    scope: transfer\n    when: >-\n      t.bytes > 0 &&\n      t.final === 226\n    summary: x\n    explanation: y\n    action: z\n';
    const e = loadError(text);
    expect(e.reason).to.match(/when: CEL syntax error/);
    expect(e.line).to.equal(8);
  });

  it('reports an unknown fact field, with a suggestion, at its line', () => {
    const e = loadError(rule({ when: 't.byts > 0' }));
    expect(e.reason).to.match(/Transfer has no field "byts" \(did you mean "bytes"\?\)/);
    expect(e.line).to.equal(6);
  });

  it('lints fields inside comprehensions and indexed event kinds', () => {
    expect(loadError(rule({ scope: 'session', when: 's.replies.exists(r, r.cod == 421)', summary: 'x' })).reason).to.match(/Reply has no field "cod"/);
    expect(loadError(rule({ scope: 'connection', when: 'c.events["zero-windows"].count > 0', summary: 'x' })).reason).to.match(/no key "zero-windows"/);
    expect(parseRuleFile(rule({ scope: 'connection', when: 'c.events["zero-window"].count > 0', summary: 'x' }), 'x.yaml')).to.have.length(1);
  });

  it('rejects variables of another scope', () => {
    expect(loadError(rule({ scope: 'session', when: 't.bytes > 0', summary: 'x' })).reason).to.match(/Unknown variable: t/);
  });

  it('rejects a condition that is not a bool and frames that are not a list', () => {
    expect(loadError(rule({ when: "'\"yes\"'" })).reason).to.match(/must be a condition \(bool\), but is string/);
    expect(loadError(rule({ frames: "'5'" })).reason).to.match(/frames must be a list/);
  });

  it('reports bad template placeholders at their line', () => {
    expect(loadError(rule({ summary: "'{t.bytes'" })).reason).to.match(/unterminated '\{' placeholder/);
    expect(loadError(rule({ summary: "'{t.nope}'" })).reason).to.match(/summary placeholder \{t\.nope\}: Transfer has no field "nope"/);
  });

  it('validates variants like rules', () => {
    const text = rule({}).trimEnd() + '\n    variants:\n      - when: t.final == 426\n        severity: loud\n';
    expect(loadError(text).reason).to.match(/severity must be one of/);
    const text2 = rule({}).trimEnd() + '\n    variants:\n      - summary: x\n';
    expect(loadError(text2).reason).to.match(/variant: missing required field "when"/);
  });

  it("lets a variant give its own title and likely causes (the rule's stand otherwise)", () => {
    const text = rule({ causes: '[a rule cause]' }).trimEnd() +
      "\n    variants:\n      - when: t.final == 426\n        title: Aborted\n        causes: [a variant cause]\n      - when: t.final == 425\n        severity: error\n";
    const [r] = parseRuleFile(text, 'x.yaml')!;
    expect(r!.variants.map((v) => [v.title, v.causes])).to.deep.equal([['Aborted', ['a variant cause']], [null, null]]);
    const ev = new RuleEvaluator({ rules: [r!], byScope: { capture: [], connection: [], session: [], transfer: [r!], command: [], client: [] } });
    const at = (final: bigint) => ev.evaluate('transfer', { t: { bytes: 5n, final, label: 'x' } }, { connection: null, session: null, transfer: 0 })[0]!;
    expect([at(426n).title, at(426n).causes]).to.deep.equal(['Aborted', ['a variant cause']]);
    expect([at(425n).title, at(425n).causes, at(425n).severity]).to.deep.equal(['My rule', ['a rule cause'], 'error']);
    expect(loadError(rule({}).trimEnd() + '\n    variants:\n      - when: t.final == 1\n        causes: 3\n').reason).to.match(/causes/);
  });

  it('skips the reply-code catalog that lives beside the rules', () => {
    expect(parseRuleFile('codes:\n  - code: 200\n    meaning: ok\n', 'reply-codes.yaml')).to.equal(null);
  });

  describe('rule directories', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ftpdiag-rules-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('adds user rules to the built-in ones, and lets one replace a built-in rule', () => {
      writeFileSync(join(dir, 'slow.yaml'), rule({ id: 'slow-transfer', when: 't.rate != null && t.rate < 1000000.0' }));
      writeFileSync(join(dir, 'quiet.yml'), rule({ id: 'keep-alive', scope: 'connection', severity: 'info', when: 'false', summary: 'x' }));
      const set = loadRules([dir]);
      expect(set.rules.length).to.equal(builtinRuleSet().rules.length + 1);
      expect(set.byScope.transfer.some((r) => r.id === 'slow-transfer')).to.equal(true);
      const keepAlive = set.rules.filter((r) => r.id === 'keep-alive');
      expect(keepAlive).to.have.length(1);
      expect(keepAlive[0]!.source.file).to.equal(join(dir, 'quiet.yml'));
    });

    it('refuses the same id twice within one directory, naming both places', () => {
      writeFileSync(join(dir, 'a.yaml'), rule());
      writeFileSync(join(dir, 'b.yaml'), rule());
      expect(() => loadRuleSet([dir])).to.throw(RuleFileError, /b\.yaml:2: duplicate rule id "my-rule" \(first defined at a\.yaml:2\)/);
    });

    it('names a missing directory', () => {
      expect(() => loadRules([join(dir, 'nope')])).to.throw(RuleFileError, /nope:0: cannot read: ENOENT/);
    });

    it('ignores files that are not YAML', () => {
      writeFileSync(join(dir, 'notes.txt'), 'not a rule');
      mkdirSync(join(dir, 'sub'));
      expect(loadRuleSet([dir]).rules).to.have.length(0);
    });
  });

  describe('CEL cannot escape the expression', () => {
    const attempts = [
      'require("fs") != null',
      'process.exit(1) == 0',
      'import("fs") != null',
      'globalThis.process != null',
      't.constructor.constructor("return process")() != null',
      't.__proto__ != null',
      'eval("1") == 1',
      'Function("return 1")() == 1',
      'this != null',
    ];
    for (const expr of attempts) {
      it(`rejects at load: ${expr}`, () => {
        const text = rule({ when: `'${expr.replace(/'/g, "''")}'` });
        expect(() => parseRuleFile(text, 'evil.yaml')).to.throw(RuleFileError);
      });
    }

    it('evaluates host-object lookups as missing keys, never as code', () => {
      // bypass the loader's lint and evaluate directly: CEL itself refuses prototype access
      let touched = false;
      const fact = { bytes: 1n, get sneaky() { touched = true; return 1n; } };
      const [r] = parseRuleFile(rule({ when: 't.bytes > 0' }), 'x.yaml')!;
      expect(r!.when.run({ t: fact })).to.equal(true);
      expect(touched).to.equal(false);
      const envRule = parseRuleFile(rule({ scope: 'capture', when: 'size(capture.warnings) == 0', summary: 'x' }), 'x.yaml')![0]!;
      expect(() => envRule.when.run({ capture: { warnings: { constructor: 1 } } })).to.throw();
    });
  });
});
