// CHANGELOG.md records what changes for users: it must name every finding id of the built-in
// rules (a new id needs its line) and the version each JSON output carries today.
import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { COMPARE_JSON_VERSION } from '../../src/compare/render.ts';
import { builtinRuleSet } from '../../src/diagnose/rule-loader.ts';
import { JSON_REPORT_VERSION } from '../../src/report/json.ts';
import { repo } from './support.ts';

describe('CHANGELOG.md', () => {
  const text = readFileSync(join(repo, 'CHANGELOG.md'), 'utf8');

  it('names every finding id of the built-in rules', () => {
    const ids = builtinRuleSet().rules.map((r) => r.id);
    expect(ids.length).to.be.greaterThan(30);
    expect(ids.filter((id) => !text.includes(`\`${id}\``))).to.deep.equal([]);
  });

  it('names the current JSON report versions', () => {
    expect(text).to.include(`"reportVersion": ${JSON_REPORT_VERSION}`);
    expect(text).to.include(`"version": ${COMPARE_JSON_VERSION}`);
  });

  it('has a section for the version in package.json', () => {
    const { version } = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { version: string };
    expect(text).to.match(new RegExp(`^## ${version.replace(/\./g, '\\.')}\\b`, 'm'));
  });
});
