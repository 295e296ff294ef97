import { expect } from 'chai';
import type { CliIO } from '../../src/cli/io.ts';
import * as support from '../support/cli.ts';
import { replyCatalog } from '../../src/diagnose/reply-codes.ts';
import { comparisonRows, DIFFER_MARK, parseCodeArgument } from '../../src/report/codes.ts';
import { codeSheet } from '../../src/view/reply-codes.ts';

/** The CLI on a 100-column terminal width (unless `extra` says otherwise). */
const cli = (args: string[], extra: Partial<CliIO> = {}) => support.cli(args, { columns: 100, ...extra });

/** The table's rows as [mark, field] (continuation lines of wrapped cells have an empty field). */
function markedRows(out: string): Array<[string, string]> {
  return out
    .split('\n')
    .filter((l) => l.startsWith('│'))
    .map((l) => l.split('│').map((c) => c.trim()))
    .filter((c) => c[2] !== '' && c[2] !== 'Field')
    .map((c) => [c[1]!, c[2]!]);
}

describe('cli: ftpdiag codes', () => {
  it('one code: meaning, class and group from its digits, causes and what to do from the catalog', async () => {
    const r = await cli(['codes', '425']);
    expect(r.code).to.equal(0);
    expect(r.out).to.match(/^425 {2}Can't open data connection\n/);
    expect(r.out).to.include('Class: 4yz transient negative completion');
    expect(r.out).to.include('Group: x2z connections');
    expect(r.out).to.include('firewall or NAT');
    expect(r.out).to.match(/What to do: .*passive port range/s);
    expect(r.out).to.include('See: RFC 959 §4.2.1');
    expect(r.out).to.not.include('\x1b');
  });

  it('530 is about authentication, 226 warns that it does not prove the file arrived, 534 names TLS', async () => {
    expect((await cli(['codes', '530'])).out).to.match(/Group: x3z authentication and accounting[\s\S]*wrong user name or password/);
    expect((await cli(['codes', '226'])).out).to.match(/Do not take it as proof/);
    expect((await cli(['codes', '534'])).out).to.match(/TLS/);
  });

  it('every catalog entry has causes and what to do (the catalog was completed for this command)', () => {
    for (const e of replyCatalog().values()) {
      expect(e.causes.length, String(e.code)).to.be.greaterThan(0);
      expect(e.action, String(e.code)).to.not.equal('');
    }
  });

  it('two codes side by side: rows that differ are marked, rows that agree are not', async () => {
    const r = await cli(['codes', '125', '426']);
    expect(r.code).to.equal(0);
    const rows = markedRows(r.out);
    const mark = (field: string) => rows.find(([, f]) => f === field)?.[0];
    expect(mark('Meaning')).to.equal(DIFFER_MARK);
    expect(mark('Class')).to.equal(DIFFER_MARK); //  1yz vs 4yz
    expect(mark('Group')).to.equal(''); //           both x2z connections
    expect(mark('See')).to.equal(''); //             both RFC 959 §4.2.1
    expect(r.out).to.match(/≠ marks the rows that differ: meaning, class,/);
    expect(r.out.split('\n')[1]).to.match(/│ 125 +│ 426 +│$/);
  });

  it('--json: the entries, and for several codes the fields that differ', async () => {
    const one = JSON.parse((await cli(['codes', '--json', '550'])).out);
    expect(one.codes[0]).to.include({ code: 550, known: true });
    expect(one.codes[0].class).to.include({ digit: '5', valid: true });
    expect(one.differences).to.equal(undefined);
    const two = JSON.parse((await cli(['codes', '--json', '425', '426'])).out);
    expect(two.differences).to.include.members(['meaning', 'causes']);
    expect(two.differences).to.not.include.members(['class', 'group']);
    const all = JSON.parse((await cli(['codes', '--json'])).out);
    expect(all.codes).to.have.length(replyCatalog().size);
    expect(all.classes.map((c: { digit: string }) => c.digit)).to.deep.equal(['1', '2', '3', '4', '5', '6']);
  });

  it('no code: the whole catalog, class by class', async () => {
    const r = await cli(['codes']);
    expect(r.code).to.equal(0);
    for (const code of replyCatalog().keys()) expect(r.out, String(code)).to.match(new RegExp(`│ ${code} +│`));
    expect(r.out).to.include('x5z file system');
    expect(r.out.indexOf('1yz positive preliminary')).to.be.lessThan(r.out.indexOf('5yz permanent negative completion'));
  });

  it('codes no RFC defines are explained by their digits; non-codes are a usage error (exit 2)', async () => {
    const r = await cli(['codes', '999']);
    expect(r.code).to.equal(0);
    expect(r.out).to.include('no such class');
    expect(r.out).to.include('no such group');
    const s = codeSheet(299);
    expect([s.known, s.class.valid, s.group.valid, s.class.name]).to.deep.equal([false, true, false, 'positive completion']);
    expect(codeSheet(42).class.valid).to.equal(false);
    for (const bad of ['abc', '4255', '42', '4x5']) {
      const e = await cli(['codes', bad]);
      expect(e.code, bad).to.equal(2);
      expect(e.out).to.equal('');
      expect(e.err).to.match(/^ftpdiag: "[^"]+" is not a reply code/);
    }
    expect(() => parseCodeArgument('\x1b[2J')).to.throw(/not a reply code/);
    const hostile = await cli(['codes', '\x1b[2J']);
    expect(hostile.err).to.not.include('\x1b');
  });

  it('comparisonRows marks nothing when the codes are the same entry', () => {
    const rows = comparisonRows([codeSheet(421), codeSheet(421)]);
    expect(rows.some((r) => r.differ)).to.equal(false);
  });
});
