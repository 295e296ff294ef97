// Start-up cost of the rules: the built-in catalog's templates are compiled when first rendered
// (a rule's texts are needed only when it fires), a user's rule file is compiled whole at load so
// its mistakes are reported at once, and every built-in template still compiles to what an eager
// load gives.
import { expect } from 'chai';
import * as fs from 'node:fs';
import { builtinRuleSet, builtinRulesDir, isBlank, parseRuleFile, ruleFiles } from '../../src/diagnose/rule-loader.ts';
import type { CompiledTemplate, Rule } from '../../src/diagnose/rule-types.ts';

function templates(r: Rule): Array<[string, CompiledTemplate]> {
  const out: Array<[string, CompiledTemplate]> = [];
  const add = (k: string, t: CompiledTemplate | null | undefined) => {
    if (t) out.push([k, t]);
  };
  add('summary', r.summary);
  add('explanation', r.explanation);
  add('action', r.action);
  (r.variants ?? []).forEach((v, i) => {
    add(`variant ${i} summary`, v.summary);
    add(`variant ${i} explanation`, v.explanation);
    add(`variant ${i} action`, v.action);
  });
  return out;
}

const shape = (t: CompiledTemplate) => t.parts.map((p) => ('text' in p ? { text: p.text } : { expr: p.expr.source, line: p.expr.line, max: p.max }));

describe('diagnose/rule-loader: start-up', () => {
  it('leaves the built-in templates uncompiled at load', () => {
    const lazy = builtinRuleSet().rules.flatMap(templates).filter(([, t]) => typeof Object.getOwnPropertyDescriptor(t, 'parts')?.get === 'function');
    expect(lazy.length).to.be.greaterThan(100);
  });

  it('compiles every built-in template to what an eager load of its file gives', () => {
    const eager = new Map<string, Rule>();
    for (const file of ruleFiles(builtinRulesDir)) for (const r of parseRuleFile(fs.readFileSync(file, 'utf8'), file) ?? []) eager.set(r.id, r);
    let n = 0;
    for (const r of builtinRuleSet().rules) {
      const e = templates(eager.get(r.id)!);
      const l = templates(r);
      expect(l.map(([k]) => k), r.id).to.deep.equal(e.map(([k]) => k));
      l.forEach(([k, t], i) => {
        expect(shape(t), `${r.id} ${k}`).to.deep.equal(shape(e[i]![1]));
        n++;
      });
    }
    expect(n).to.be.greaterThan(100);
  });

  it('compiles a user rule file whole at load: a bad placeholder is reported at once', () => {
    const text = ['rules:', '  - id: mine', '    severity: info', '    title: Mine', '    scope: connection', '    when: c.events["zero-window"].count > 0', '    summary: "{c.nosuchfield}"', '    explanation: Why.', '    action: What.', ''].join('\n');
    expect(() => parseRuleFile(text, 'mine.yaml')).to.throw(/mine\.yaml:7:.*nosuchfield/);
    const [r] = parseRuleFile(text.replace('{c.nosuchfield}', '{c.label}'), 'mine.yaml')!;
    expect(Object.getOwnPropertyDescriptor(r!.summary!, 'parts')?.get).to.equal(undefined);
  });

  it('tells blanks as /\\s/ does, for every UTF-16 code unit', () => {
    for (let c = 0; c <= 0xffff; c++) expect(isBlank(c), `U+${c.toString(16)}`).to.equal(/\s/.test(String.fromCharCode(c)));
  });
});
