// The built-in catalog as build-time data (catalog-data.ts, rule-catalog.ts): the data the build
// embeds gives the rules the YAML gives, field by field, and is used only while rules/ holds
// the files it was made from.
import { expect } from 'chai';
import { cpSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { builtinRulesDir, freshCatalog, type CatalogData } from '../../src/diagnose/catalog-data.ts';
import { parseReplyCodes, replyCodesPath } from '../../src/diagnose/reply-codes.ts';
import { catalogData, rulesOfData } from '../../src/diagnose/rule-catalog.ts';
import { builtinCatalogData, loadRuleSet, ruleSetOf } from '../../src/diagnose/rule-loader.ts';
import type { Rule, RuleSet } from '../../src/diagnose/rule-types.ts';
import { Analysis } from '../../src/pipeline/analyze.ts';
import { renderJson } from '../../src/report/json.ts';
import { renderText } from '../../src/report/text.ts';
import { failedLogins, manyTransfers } from '../support/crafted-sessions.ts';

/** Every own enumerable field of a rule, getters read (a lazy template's parts compile), run
 *  closures left out, and the YAML path's `ast` (only the loader reads it, for `requires`). A
 *  field the YAML path gives and the data path does not (or the reverse) shows as a difference. */
function plain(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(plain);
  if (v === null || typeof v !== 'object') return v;
  const out: Record<string, unknown> = {};
  for (const k of Object.keys(v)) {
    const x = (v as Record<string, unknown>)[k];
    if (k === 'ast' || typeof x === 'function') continue;
    out[k] = plain(x);
  }
  return out;
}

/** Through JSON, as the bundle carries it. */
const roundTrip = (d: CatalogData): CatalogData => JSON.parse(JSON.stringify(d)) as CatalogData;

describe('diagnose/rule-catalog: the built-in catalog as build-time data', () => {
  let fromYaml: Rule[] = [];
  let data: CatalogData;
  before(() => {
    fromYaml = loadRuleSet([builtinRulesDir], true).rules;
    data = roundTrip(builtinCatalogData());
  });

  it('gives every rule the YAML gives, field by field, in the same order', () => {
    const fromData = rulesOfData(data);
    expect(fromData.map((r) => r.id)).to.deep.equal(fromYaml.map((r) => r.id));
    expect(fromYaml.length).to.be.greaterThan(50);
    fromData.forEach((r, i) => expect(plain(r), r.id).to.deep.equal(plain(fromYaml[i])));
  });

  it('diagnoses a crafted capture as the YAML rules do, compiling each expression at its first run', () => {
    const rules = rulesOfData(data);
    const report = (set: RuleSet) => {
      const a = new Analysis({ rules: set });
      for (const frame of manyTransfers(10, failedLogins(3)).captureFrames()) a.frame(frame);
      const r = a.finish();
      return { text: renderText(r, { color: false }), json: renderJson(r) };
    };
    const whens = rules.map((r) => r.when.run);
    const viaData = report(ruleSetOf(rules));
    expect(viaData).to.deep.equal(report(ruleSetOf(fromYaml)));
    expect(viaData.text).to.match(/login-failed/);
    // the first run replaced each rule's lazy runner by its closure; rules that never ran kept it
    const ran = rules.filter((r, i) => r.when.run !== whens[i]).length;
    expect(ran).to.be.greaterThan(0);
    expect(ran).to.be.lessThan(rules.length);
  });

  it('carries the reply-code catalog the YAML gives', () => {
    expect(data.replyCodes).to.deep.equal([...parseReplyCodes(readFileSync(replyCodesPath, 'utf8'), replyCodesPath).values()]);
  });

  describe('staleness: the data is used only with the rules/ it was made from', () => {
    let dir = '';
    let json = '';
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'i27-catalog-'));
      cpSync(builtinRulesDir, dir, { recursive: true });
      json = JSON.stringify(catalogData(fromYaml, [], dir));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('is taken while the files are as they were', () => {
      expect(freshCatalog(json, dir)).to.not.equal(null);
    });

    it('is refused after a rules/*.yaml was edited without rebuilding', () => {
      const f = join(dir, 'capture.yaml');
      writeFileSync(f, readFileSync(f, 'utf8').replace(/title: (.)/, 'title: Edited $1'));
      expect(freshCatalog(json, dir)).to.equal(null);
    });

    it('is refused after a rule file was added, removed or renamed', () => {
      writeFileSync(join(dir, 'zz-mine.yaml'), 'rules: []\n');
      expect(freshCatalog(json, dir)).to.equal(null);
      rmSync(join(dir, 'zz-mine.yaml'));
      expect(freshCatalog(json, dir)).to.not.equal(null);
      renameSync(join(dir, 'middlebox.yaml'), join(dir, 'middlebox2.yaml'));
      expect(freshCatalog(json, dir)).to.equal(null);
    });

    it('is refused when rules/ cannot be read (the YAML path then reports it)', () => {
      rmSync(dir, { recursive: true, force: true });
      expect(freshCatalog(json, dir)).to.equal(null);
    });
  });
});
