// Text, JSON, HTML and the operation log say the same thing cell by cell (issue 24): every one of
// them maps the same views (src/view/) to its markup. For every trace of captures/ and the shared
// corpus, each transfer's byte cells, replies, outcome, label and path, each session's user,
// password and login, and each connection's role and label are read back from every output and
// compared with the view.

import { expect } from 'chai';
import { join } from 'node:path';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import type { AnalysisResult } from '../../src/pipeline/result.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { renderText } from '../../src/report/text.ts';
import { renderJson } from '../../src/report/json.ts';
import { renderHtml } from '../../src/report/html.ts';
import { buildOperations } from '../../src/report/log/operations.ts';
import { tableCells } from '../../src/report/log/table.ts';
import { DELIMITED_COLUMNS, renderTsv } from '../../src/report/log/delimited.ts';
import { escapeWire } from '../../src/report/escape.ts';
import { resultView } from '../../src/view/result.ts';
import { byteText, repliesText } from '../../src/view/unit.ts';
import { corpusIt, projectRoot, traceFiles } from '../support/trace-files.ts';

const rules = loadRules();

const unescapeHtml = (s: string) => s.replace(/<[^>]+>/g, '').replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&amp;/g, '&');

/** The text report's transfer table: id → cells. */
function textTransfers(text: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const i = text.indexOf('\nTransfers\n');
  if (i < 0) return out;
  for (const line of text.slice(i).split('\n').slice(2)) {
    if (line.startsWith('└')) break;
    if (!line.startsWith('│')) continue;
    const cells = line.split('│').slice(1, -1).map((c) => c.trim());
    if (/^\d+$/.test(cells[0]!)) out.set(Number(cells[0]), cells);
  }
  return out;
}

/** The HTML report's transfer table: id → cells (markup removed). */
function htmlTransfers(html: string): Map<number, string[]> {
  const out = new Map<number, string[]>();
  const section = html.slice(html.indexOf('<section id="transfers">'), html.indexOf('<section id="time-sequence">'));
  for (const row of section.split('<tr>').slice(2)) {
    const cells = [...row.matchAll(/<td[^>]*>([\s\S]*?)<\/td>/g)].map((m) => unescapeHtml(m[1]!).trim());
    if (cells.length > 0) out.set(Number(cells[0]), cells);
  }
  return out;
}

/** Every difference between the outputs of one result and its view. */
function disagreements(name: string, r: AnalysisResult): string[] {
  const bad: string[] = [];
  const v = resultView(r);
  const text = renderText(r, { color: false, width: 200 });
  const json = JSON.parse(renderJson(r)) as { transfers: Array<Record<string, unknown>>; sessions: Array<Record<string, unknown>>; connections: Array<Record<string, unknown>> };
  const html = renderHtml(v, { findings: new Map(), timeSequence: [], note: null });
  const ops = buildOperations(r);
  const table = tableCells(ops, { tz: 'utc', color: false, width: 1000 }).rows;
  const tsv = renderTsv(ops, { tz: 'utc' }).trimEnd().split('\n').slice(1).map((l) => l.split('\t'));
  const col = (c: (typeof DELIMITED_COLUMNS)[number]) => DELIMITED_COLUMNS.indexOf(c);
  const tt = textTransfers(text);
  const ht = htmlTransfers(html);
  const say = (what: string, got: unknown, want: unknown) => {
    if (JSON.stringify(got) !== JSON.stringify(want)) bad.push(`${name}: ${what}: ${JSON.stringify(got)} ≠ ${JSON.stringify(want)}`);
  };
  for (const tv of v.unit.transfers) {
    const t = tv.t;
    const id = `transfer ${t.id}`;
    const cells = [byteText(tv.bytes), byteText(tv.bytesAcked), t.announcedBytes === null ? '–' : String(t.announcedBytes), repliesText(t), t.outcome];
    say(`${id} text`, tt.get(t.id)?.slice(4), cells);
    const h = ht.get(t.id);
    say(`${id} html`, h && [h[6], h[7], h[8], h[9], h[12]], [byteText(tv.bytes, true), byteText(tv.bytesAcked, true), t.announcedBytes === null ? '–' : t.announcedBytes.toLocaleString('en-US'), repliesText(t), t.outcome]);
    const j = json.transfers.find((x) => x['id'] === t.id)!;
    say(`${id} json`, [j['bytes'], j['bytesAcked'], j['announcedBytes'], (j['replyCodes'] as number[]).join(' ') || '–', j['outcome'], j['label'], j['path']], [
      typeof tv.bytes === 'number' ? tv.bytes : null,
      typeof tv.bytesAcked === 'number' ? tv.bytesAcked : null,
      t.announcedBytes,
      repliesText(t),
      t.outcome,
      tv.label,
      t.path,
    ]);
    if (t.session === null) continue; // the log follows sessions
    const k = ops.findIndex((op) => op.transfer === t.id);
    if (k < 0) {
      bad.push(`${name}: ${id} not in the log`);
      continue;
    }
    const op = ops[k]!;
    say(`${id} log`, [op.bytes, op.outcome, op.path], [tv.bytes, t.outcome, t.path]);
    say(`${id} log table`, [table[k]![9], table[k]![12]], [byteText(tv.bytes), t.outcome]);
    say(`${id} log tsv`, [tsv[k]![col('bytes')], tsv[k]![col('outcome')]], [byteText(tv.bytes), t.outcome]);
  }
  for (const sv of v.unit.sessions) {
    const s = sv.s;
    const id = `session ${s.id}`;
    const j = json.sessions.find((x) => x['id'] === s.id)!;
    say(`${id} json`, [j['user'], j['password'], j['loginState']], [s.user, sv.password, s.loginState]);
    const block = text.slice(text.indexOf(`Session ${s.id}:`)).split('\n').slice(0, 2).join('\n');
    if (!block.includes(sv.login)) bad.push(`${name}: ${id} text: no '${sv.login}'`);
    if (sv.password !== null && !block.includes(`password ${escapeWire(sv.password)}`) && sv.password.length <= 100) bad.push(`${name}: ${id} text: no password ${sv.password}`);
    for (const op of ops) {
      if (op.session !== s.id || op.operation !== 'login') continue;
      const login = sv.logins.find((l) => l.user === op.user && l.password === op.password);
      if (!login) bad.push(`${name}: ${id} log: login of ${op.user} / ${op.password} is none of the session's`);
    }
  }
  for (const cv of v.unit.connections) {
    const j = json.connections.find((x) => x['id'] === cv.c.id)!;
    say(`connection ${cv.c.id} json`, [j['role'], j['label']], [cv.role, cv.label]);
  }
  return bad;
}

/** The disagreements over `paths`, and how many transfers (and of them byte cells that are not a
 *  count) were compared: a check that compared nothing would pass too. */
async function check(paths: string[]): Promise<{ bad: string[]; transfers: number; notCounted: number }> {
  const bad: string[] = [];
  let transfers = 0;
  let notCounted = 0;
  for (const p of paths) {
    const { result } = await analyzeFile(p, { rules });
    bad.push(...disagreements(p.slice(projectRoot.length - 1), result));
    transfers += result.transfers.length;
    notCounted += result.transfers.filter((t) => t.bytesStatus !== 'counted').length;
  }
  return { bad, transfers, notCounted };
}

describe('report: text, JSON, HTML and the log agree cell by cell, through the views', function () {
  this.timeout(300_000);

  it('on every trace of captures/', async () => {
    const paths = traceFiles(join(projectRoot, 'captures'));
    expect(paths.length).to.be.greaterThan(20);
    const c = await check(paths);
    expect(c.bad).to.deep.equal([]);
    expect(c.transfers).to.be.greaterThan(50);
    expect(c.notCounted).to.be.greaterThan(0);
  });

  corpusIt('on every trace of the shared corpus (public and real-world captures)', async () => {
    const paths = [...traceFiles(join(projectRoot, '..', 'shared', 'corpus', 'public')), ...traceFiles(join(projectRoot, '..', 'shared', 'corpus', 'realworld'))];
    const c = await check(paths);
    expect(c.bad).to.deep.equal([]);
    expect(c.transfers).to.be.greaterThan(100);
    expect(c.notCounted).to.be.greaterThan(0);
  });
});
