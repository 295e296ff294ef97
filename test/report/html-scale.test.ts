// The HTML report with many findings (issue 26): a summary by finding id with counts and links at
// the top, repeated findings grouped by id with the first few drawn, hints that name the real
// capture (shell-quoted, and they run), element ids unique, tables bounded.

import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { shellQuote } from '../../src/format/shell.ts';
import { buildHtmlReport } from '../../src/report/html-report.ts';
import { SHOWN_PER_ID } from '../../src/report/html.ts';
import { writeManySessions } from '../support/many-sessions.ts';
import { analysis } from './support.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const count = (s: string, re: RegExp) => [...s.matchAll(re)].length;

/** Every element id of a page, and the ones used more than once. */
export function duplicateIds(html: string): string[] {
  const seen = new Map<string, number>();
  for (const m of html.matchAll(/\sid="([^"]*)"/g)) seen.set(m[1]!, (seen.get(m[1]!) ?? 0) + 1);
  return [...seen].filter(([, n]) => n > 1).map(([id]) => id);
}

describe('report/html at scale', function () {
  this.timeout(120_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'ftpdiag-html-scale-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('summarises findings by id at the top, groups repeats with the first few drawn, keeps ids unique', async () => {
    const file = join(tmp, 'many.pcap');
    writeManySessions(file, 40);
    const r = await analysis(file);
    const html = await buildHtmlReport(file, r, { showPasswords: false });
    const byId = new Map<string, number>();
    for (const f of r.findings) byId.set(f.id, (byId.get(f.id) ?? 0) + 1);
    expect([...byId.values()].some((n) => n > SHOWN_PER_ID + 1), 'the capture repeats findings').to.equal(true);
    // the summary comes before the findings, one row per id with its count and a working link
    const summary = html.slice(html.indexOf('<table class="fsum" id="finding-summary">'));
    expect(html.indexOf('id="finding-summary"')).to.be.lessThan(html.indexOf('<section id="findings">'));
    const rows = [...summary.slice(0, summary.indexOf('</table>')).matchAll(/<a href="#([^"]+)">([^<]+)<\/a><\/td><td>[^<]*<\/td><td class="count">([\d,]+)<\/td>/g)];
    expect(rows.map((m) => m[2])).to.have.members([...byId.keys()]);
    for (const [, anchor, id, n] of rows) {
      expect(Number(n!.replace(/,/g, ''))).to.equal(byId.get(id!));
      expect(html).to.include(`<div class="fgroup" id="${anchor}">`);
    }
    // each id: the first SHOWN_PER_ID in full (with a ladder when they cite frames), the rest in
    // one table, a row each
    for (const [id, n] of byId) {
      const from = html.indexOf(`<div class="fgroup" id="f-${id}">`);
      const group = html.slice(from, html.indexOf('<div class="fgroup"', from + 1) > 0 ? html.indexOf('<div class="fgroup"', from + 1) : html.indexOf('</section>', from));
      expect(count(group, /<article class="finding /g), id).to.equal(Math.min(n, SHOWN_PER_ID));
      expect(count(group, /<tr id="finding-\d+">/g), id).to.equal(Math.max(0, n - SHOWN_PER_ID));
      if (n > SHOWN_PER_ID) expect(group).to.include(`${n - SHOWN_PER_ID} more ${id} findings`);
    }
    expect(count(html, /<svg class="ladder"/g)).to.be.at.most(byId.size * SHOWN_PER_ID);
    expect(duplicateIds(html)).to.deep.equal([]);
    // nothing folds a single packet as a range
    expect(html).to.not.match(/frames (\d+)–\1\b/);
  });

  it('hints name the real capture, shell-quoted, and the command they give runs', async () => {
    const file = join(tmp, "it's a capture $(x).pcap");
    writeManySessions(file, 6);
    const r = await analysis(file);
    const html = await buildHtmlReport(file, r, { showPasswords: false });
    expect(html).to.not.match(/ftpdiag ladder FILE/);
    const quoted = shellQuote(file);
    expect(quoted).to.equal(`'${file.replace("'", `'\\''`)}'`);
    const hints = [...html.matchAll(/Terminal version: (ftpdiag ladder [^<]*?)<\/figcaption>/g)].map((m) => m[1]!.replace(/&#39;/g, "'").replace(/&amp;/g, '&').replace(/&quot;/g, '"'));
    expect(hints.length).to.be.greaterThan(0);
    for (const hint of hints) expect(hint.startsWith(`ftpdiag ladder ${quoted} --`), hint).to.equal(true);
    // the shell hands ftpdiag the file's real name: the hint, pasted into sh, draws the ladder
    const out = execFileSync('sh', ['-c', hints[0]!.replace(/^ftpdiag /, `node --import tsx ${shellQuote(join(repo, 'bin/ftpdiag.js'))} `)], { cwd: repo, encoding: 'utf8' });
    expect(out).to.match(/^(Transfer|Connection) \d+:/);
  });

  it('keeps the page bounded: tables of sessions and transfers cut, with a note', async () => {
    const file = join(tmp, 'more.pcap');
    writeManySessions(file, 900);
    const r = await analysis(file);
    const html = await buildHtmlReport(file, r, { showPasswords: false });
    const sessionRows = html.slice(html.indexOf('<section id="sessions">'), html.indexOf('<section id="transfers">'));
    expect(count(sessionRows.slice(0, sessionRows.indexOf('</table>')), /<tr><td class="num">\d+<\/td>/g)).to.equal(200);
    expect(sessionRows).to.include('The first 200 of 900 sessions');
    expect(count(sessionRows, /<details><summary>Session \d+: commands/g)).to.equal(10);
    const transferRows = html.slice(html.indexOf('<section id="transfers">'), html.indexOf('<section id="time-sequence">'));
    expect(count(transferRows, /<tr><td class="num">\d+<\/td>/g)).to.equal(500);
    expect(transferRows).to.include('The first 500 of 600 transfers');
    // findings: three articles per id, at most 200 rows in each folded table
    const ids = new Set(r.findings.map((f) => f.id));
    expect(count(html, /<article class="finding /g)).to.be.at.most(ids.size * SHOWN_PER_ID);
    expect(count(html, /<tr id="finding-\d+">/g)).to.be.at.most(ids.size * 200);
    expect(html).to.match(/… and [\d,]+ more \(every one with --json/);
    expect(duplicateIds(html)).to.deep.equal([]);
  });
});
