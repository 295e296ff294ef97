// Classes 4 and 5 of issue 23: order on the wire (data that reaches the capture point after the
// final reply still belongs to its transfer; a transfer without its data connection is "not
// captured", never 0 bytes, in every output) and captures that start or stop in the middle.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { buildOperations } from '../../src/report/log/operations.ts';
import { renderOperationLog } from '../../src/report/log/render.ts';
import { buildHtmlReport } from '../../src/report/html-report.ts';
import { analyzeTrace, byId, json, login, openPassiveRetr, passiveRetr, quit, text, worse } from './support.ts';

/** A RETR whose data connection's last segment (and FIN, as `late` says) reaches the capture
 *  point only after the server's 226. */
function lateData(late: 'segment' | 'segment-after-fin'): TraceBuilder {
  const t = new TraceBuilder();
  const c = login(t);
  const d = openPassiveRetr(t, c, 'a.bin', '150 Opening BINARY mode data connection for a.bin (3000 bytes)');
  d.server('A', 1000);
  d.server('A', 1000);
  const lastSeq = d.nextSeq('server');
  d.lose('server', 1000); // sent now, seen later
  if (late === 'segment-after-fin') d.server('FA');
  c.server('PA', '226 Transfer complete\r\n');
  d.server(late === 'segment' ? 'PA' : 'A', 1000, { seq: lastSeq, noAdvance: true });
  if (late === 'segment') d.server('FA');
  d.client('A');
  d.client('FA');
  d.server('A');
  quit(c);
  return t;
}

describe('field captures: order on the wire', () => {
  for (const late of ['segment', 'segment-after-fin'] as const) {
    it(`data reaching the capture after the 226 still counts for its transfer (${late})`, () => {
      const r = analyzeTrace(lateData(late));
      expect(r.transfers.map((x) => [x.bytes, x.outcome])).to.deep.equal([[3000, 'complete']]);
      expect(byId(r, 'transfer-truncated')).to.deep.equal([]);
    });
  }

  it('a transfer whose data connection is not in the capture is "not captured" in every output, never 0 bytes', async () => {
    const t = new TraceBuilder();
    const c = login(t);
    passiveRetr(t, c, { file: 'report.pdf', capture: false });
    quit(c);
    const r = analyzeTrace(t);
    expect(r.transfers[0]!.bytesStatus).to.equal('not-captured');
    expect(text(r)).to.match(/│ 0 │ RETR\s+│ report\.pdf │ passive │\s+n\/c │\s+n\/c │/);
    expect(json(r).transfers[0]).to.include({ bytes: null, bytesAcked: null, bytesStatus: 'not-captured' });
    const html = await buildHtmlReport(null, r, { showPasswords: false });
    expect(html).to.match(/report\.pdf<\/td>\n<td>passive<\/td><td class="num">–<\/td><td class="num">n\/c<\/td><td class="num">n\/c<\/td>/);
    const ops = buildOperations(r);
    const log = (format: 'table' | 'csv' | 'ndjson' | 'xferlog') => renderOperationLog(ops, { format, tz: 'utc', color: false });
    expect(log('table').text.split('\n').find((l) => l.includes('report.pdf'))).to.match(/\sn\/c\s/);
    const csv = log('csv').text.split('\n');
    const bytesColumn = csv[0]!.split(',').indexOf('bytes');
    expect(csv.find((l) => l.includes('report.pdf'))!.split(',')[bytesColumn]).to.equal('n/c');
    const nd = JSON.parse(log('ndjson').text.split('\n').find((l) => l.includes('report.pdf'))!);
    expect([nd.bytes, nd.bytes_status]).to.deep.equal([undefined, 'not-captured']);
    const x = log('xferlog');
    expect(x.text).to.not.include('report.pdf');
    expect(x.notes.join(' ')).to.include('1 transfer left out of the xferlog: the size is unknown');
  });
});

describe('field captures: captures that start or stop in the middle', () => {
  it('a download still running when the capture stops is "in progress" at info, not a hung server or a short file', () => {
    const t = new TraceBuilder();
    const c = login(t);
    const d = openPassiveRetr(t, c, 'big.iso', '150 Opening BINARY mode data connection for big.iso (1000000 bytes)');
    d.stream('server', 30_000);
    d.client('A');
    const r = analyzeTrace(t);
    expect(worse(r)).to.deep.equal([]);
    const [f] = byId(r, 'transfer-in-progress');
    expect(f!.summary).to.equal('RETR big.iso (transfer 0): in progress when the capture ended: 30.0 kB (30000 bytes) of 1.00 MB (1000000 bytes) so far; no final reply yet');
    expect(byId(r, 'unanswered-command')).to.deep.equal([]);
    expect(r.transfers[0]!.outcome).to.equal('unknown');
  });

  it('an upload still running with a NOOP sent during it: in progress, nothing louder', () => {
    const t = new TraceBuilder();
    const c = login(t);
    c.client('PA', 'EPSV\r\n');
    c.server('PA', '229 Entering Extended Passive Mode (|||50001|)\r\n');
    c.client('PA', 'STOR up.tar\r\n');
    const d = t.tcp({ client: '192.0.2.10:41001', server: '198.51.100.20:50001' });
    d.handshake();
    c.server('PA', '150 Ok to send data.\r\n');
    d.stream('client', 10_000);
    c.client('PA', 'NOOP\r\n');
    d.stream('client', 10_000);
    d.server('A');
    const r = analyzeTrace(t);
    expect(worse(r)).to.deep.equal([]);
    expect(byId(r, 'transfer-in-progress').map((f) => f.transfer)).to.deep.equal([0]);
  });

  it('a session captured from its middle: login state unknown, its transfers analysed', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.168.1.131:50283', server: '202.38.97.230:21' });
    c.client('PA', 'TYPE I\r\n');
    c.server('PA', '200 Switching to Binary mode.\r\n');
    passiveRetr(t, c, { file: 'putty.exe', bytes: 50_000 });
    quit(c);
    const r = analyzeTrace(t);
    const [s] = r.sessions;
    expect([s!.startedMidSession, s!.loginState]).to.deep.equal([true, 'unknown']);
    expect(text(r)).to.include('login state unknown (began before the capture)');
    expect(r.findings.filter((f) => /login/.test(f.id))).to.deep.equal([]);
    expect(r.transfers.map((x) => [x.bytes, x.outcome])).to.deep.equal([[50_000, 'complete']]);
  });
});

/** A RETR of an announced `size` bytes (150 "(N bytes)", or a SIZE answer first) of which the
 *  capture holds `held`; `end` says how its data connection ends in the capture: not at all
 *  (the capture stopped recording it), or a FIN after the bytes held. The server answers 226. */
function announcedRetr(how: '150' | 'SIZE', held: number, size: number, end: 'missing' | 'fin'): TraceBuilder {
  const t = new TraceBuilder();
  const c = login(t);
  if (how === 'SIZE') {
    c.client('PA', 'SIZE big.zip\r\n');
    c.server('PA', `213 ${size}\r\n`);
  }
  const d = openPassiveRetr(t, c, 'big.zip', how === '150' ? `150 Opening BINARY mode data connection for big.zip (${size} bytes)` : '150 Opening BINARY mode data connection');
  d.stream('server', held);
  d.client('A');
  if (end === 'fin') {
    d.server('FA');
    d.client('FA');
    d.server('A');
  } else d.lose('server', size - held); // sent, never recorded: no more of the data connection
  c.server('PA', '226 Transfer complete\r\n', { dt: 1 });
  c.client('A');
  t.wait(1.5);
  c.client('PA', 'NOOP\r\n');
  c.server('PA', '200 NOOP ok\r\n');
  return t;
}

describe('field captures: an announced size the capture does not reach', () => {
  for (const how of ['150', 'SIZE'] as const) {
    it(`announced by ${how}, the data connection's end missing: not "complete", the capture said to lack the rest`, () => {
      const r = analyzeTrace(announcedRetr(how, 14_600, 1_048_576, 'missing'));
      const t = r.transfers[0]!;
      expect([t.bytes, t.expectedBytes, t.outcome]).to.deep.equal([14_600, 1_048_576, 'unknown']);
      const [f] = byId(r, 'transfer-partly-captured');
      expect(f!.severity).to.equal('info');
      expect(f!.summary).to.include('the capture holds 14.6 kB (14600 bytes) of the 1.05 MB (1048576 bytes) the server announced');
      expect(f!.summary).to.include(how === 'SIZE' ? '(SIZE)' : '(150 reply)');
      expect(f!.summary).to.include("the data connection's end is missing (no FIN or RST");
      expect(f!.summary).to.include('although the server answered 226');
      expect(worse(r)).to.deep.equal([]);
      expect(text(r)).to.match(/RETR +│ big\.zip.*│ unknown +│/);
    });
  }

  it('the same data connection closed by FIN short of the size: still transfer-truncated (error)', () => {
    const r = analyzeTrace(announcedRetr('150', 14_600, 1_048_576, 'fin'));
    expect(r.transfers[0]!.outcome).to.equal('truncated');
    expect(byId(r, 'transfer-truncated').map((f) => f.severity)).to.deep.equal(['error']);
    expect(byId(r, 'transfer-partly-captured')).to.deep.equal([]);
  });

  it('every announced byte held but the end missing: complete, nothing said', () => {
    const r = analyzeTrace(announcedRetr('SIZE', 20_000, 20_000, 'missing'));
    expect(r.transfers[0]!.outcome).to.equal('complete');
    expect(byId(r, 'transfer-partly-captured')).to.deep.equal([]);
  });
});
