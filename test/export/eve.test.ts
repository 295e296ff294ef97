// --format eve: every event validates against schema/eve.schema.json (Ajv, strict), jq reads
// every line as a SIEM's shipper would, the common section is Suricata's (timestamp with
// microseconds, flow_id, src/dest, proto, app_proto), events are in time order, and the uids and
// flow ids join with conn.log. live: NDJSON and eve events in time order on a crafted session
// whose refused transfer settles before the ones still closing.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { Analysis, analyzeFile } from '../../src/pipeline/analyze.ts';
import type { AnalysisResult } from '../../src/pipeline/result.ts';
import { eveLines } from '../../src/export/index.ts';
import { LiveEventStream } from '../../src/export/live-events.ts';
import { TimeOrderedOutput, type Stamp } from '../../src/export/live-order.ts';
import { zeekLogs } from '../../src/export/zeek-logs.ts';
import type { EveEvent } from '../../src/contract/eve.ts';
import { resultView } from '../../src/view/result.ts';
import { eveSchemaPath, eveSchemaText } from '../../scripts/build-schema.ts';
import { analyse } from '../support/analyse.ts';
import { cli } from '../support/cli.ts';
import { loggedIn, scratchDir } from '../support/crafted-sessions.ts';
import { corpusIt, everyTrace, traceFiles, projectRoot } from '../support/trace-files.ts';
import { readZeekLog } from './zeek-reader.ts';
import { ACCOUNT, handOverSession, PASSWORD } from './sessions.ts';

const validate = new Ajv2020({ strict: true, allErrors: true }).compile(JSON.parse(readFileSync(eveSchemaPath, 'utf8')) as object);
const hasJq = spawnSync('jq', ['--version'], { encoding: 'utf8' }).status === 0;
const NO_JQ = 'jq is not installed (.ci/run installs it: apt-get install jq)';

/** Suricata's timestamp: ISO 8601, microseconds, ±hhmm. */
const EVE_TIME = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/;

const linesOf = (r: AnalysisResult) => [...eveLines(r)];

function invalid(lines: readonly string[], name: string): string[] {
  const bad: string[] = [];
  lines.forEach((l, i) => {
    if (!validate(JSON.parse(l))) bad.push(`${name} line ${i + 1}: ${(validate.errors ?? []).slice(0, 3).map((e) => `${e.instancePath} ${e.message}`).join('; ')}`);
  });
  return bad;
}

/** jq's reading of NDJSON: `filter` applied to each line, the raw output lines. */
function jq(lines: readonly string[], filter: string): string[] {
  const r = spawnSync('jq', ['-r', filter], { input: lines.join(''), encoding: 'utf8' });
  expect(r.status, r.stderr).to.equal(0);
  return r.stdout.split('\n').filter((l) => l !== '');
}

function skipWithout(ctx: Mocha.Context, ok: boolean, reason: string): void {
  if (ok) return;
  ctx.test!.title += ` — skipped: ${reason}`;
  ctx.skip();
}

/** One passive session of four RETRs; the fourth is refused with 425 and settles at once, while
 *  the three before it wait for their data connections' close-out grace. */
function fourTransfers(): TraceBuilder {
  const t = new TraceBuilder();
  const c = loggedIn(t); // 192.0.2.10:40000 → 192.0.2.20:21
  for (let i = 0; i < 4; i++) {
    const port = 50000 + i;
    c.client('PA', 'PASV\r\n');
    c.server('PA', `227 Entering Passive Mode (192,0,2,20,${port >> 8},${port & 255})\r\n`);
    c.client('PA', `RETR f${i}\r\n`);
    if (i === 3) {
      c.server('PA', '425 Cannot open data connection\r\n');
      continue;
    }
    const d = t.tcp({ client: `192.0.2.10:${41000 + i}`, server: `192.0.2.20:${port}` });
    d.handshake();
    c.server('PA', '150 here\r\n');
    d.stream('server', 3000);
    d.close();
    c.server('PA', '226 done\r\n');
  }
  t.wait(6);
  c.client('PA', 'NOOP\r\n');
  c.server('PA', '200 ok\r\n');
  t.wait(6);
  c.client('PA', 'QUIT\r\n');
  c.server('PA', '221 bye\r\n');
  c.close();
  return t;
}

/** What `live` writes for `t`'s frames as they arrive (the same stream object live uses). */
function liveLines(t: TraceBuilder, format: 'json' | 'eve'): { lines: string[]; heldAtEnd: string[] } {
  const lines: string[] = [];
  const s = new LiveEventStream({ format, showPasswords: false, file: null, holdSeconds: 3 }, (l) => lines.push(l));
  const a = new Analysis({ rules: loadRules(), provisional: s });
  for (const f of t.captureFrames()) {
    a.frame(f);
    s.advance(f.time);
  }
  const beforeEnd = lines.length;
  a.finish();
  s.flush();
  return { lines, heldAtEnd: lines.slice(beforeEnd) };
}

/** eve: every event valid, in time order; Zeek: every line read, each ftp.log uid in conn.log. */
async function checkTrace(p: string): Promise<string[]> {
  const { result } = await analyzeFile(p, { rules: loadRules() });
  const name = p.slice(projectRoot.length);
  const lines = linesOf(result);
  const bad = invalid(lines, name);
  const times = lines.map((l) => (JSON.parse(l) as EveEvent).ftpdiag.time);
  if (times.some((t, i) => i > 0 && t < times[i - 1]!)) bad.push(`${name}: eve out of order`);
  try {
    const logs = zeekLogs(resultView(result).unit, { showPasswords: false, opened: new Date(0), closed: new Date(0) });
    const uids = new Set(readZeekLog(logs.conn).rows.map((x) => x['uid']));
    for (const x of readZeekLog(logs.ftp).rows) {
      if (!uids.has(x['uid'])) bad.push(`${name}: ftp.log uid ${x['uid']} not in conn.log`);
      if (x['ftpdiag.data_uid'] !== null && !uids.has(x['ftpdiag.data_uid'])) bad.push(`${name}: data uid not in conn.log`);
    }
  } catch (e) {
    bad.push(`${name}: ${(e as Error).message}`);
  }
  return bad;
}

describe('export/eve: eve.json-shaped events', () => {
  it('schema/eve.schema.json is what src/contract/eve.ts gives (node --import tsx scripts/build-schema.ts writes it)', () => {
    expect(readFileSync(eveSchemaPath, 'utf8')).to.equal(eveSchemaText());
  });

  it('a crafted session: flows, transfers and findings, Suricata\'s common section, in time order', () => {
    const lines = linesOf(analyse(handOverSession()));
    expect(invalid(lines, 'session')).to.deep.equal([]);
    const events = lines.map((l) => JSON.parse(l) as EveEvent);
    expect(events.map((e) => e.event_type).sort()).to.deep.equal(['flow', 'flow', 'flow', 'ftp_data', 'ftp_data', 'ftpdiag']);
    for (const e of events) {
      expect(e.timestamp).to.match(EVE_TIME);
      expect(e).to.include({ proto: 'TCP' });
      expect(e.flow_id).to.be.a('number').and.greaterThan(0).and.at.most(Number.MAX_SAFE_INTEGER);
    }
    const times = events.map((e) => e.ftpdiag.time);
    expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    const f = events.find((e) => e.event_type === 'ftpdiag')!;
    expect(f.ftpdiag.finding).to.include({ id: 'upload-reset', severity: 'error', transfer: 1 });
    expect(f.ftpdiag.finding!.frames.length).to.be.greaterThan(0);
    expect(f).to.include({ app_proto: 'ftp-data', src_ip: '192.0.2.20', src_port: 20, dest_ip: '192.0.2.10', dest_port: 40001 });
    // the finding's flow is a flow event of its own, alerted
    const flow = events.find((e) => e.event_type === 'flow' && e.flow_id === f.flow_id)!;
    expect(flow.flow).to.include({ alerted: true, state: 'closed' });
    expect(flow.ftpdiag.connection).to.include({ conn_state: 'RSTR', role: 'data' });
    const dl = events.find((e) => e.event_type === 'ftp_data' && e.ftpdiag.transfer!.id === 0)!;
    expect(dl.ftp_data).to.deep.equal({ filename: dl.ftpdiag.transfer!.path, command: 'RETR' });
    expect(dl.ftpdiag.transfer).to.include({ outcome: 'complete', bytes: 3000, direction: 'download' });
  });

  it('uids and flow ids join with conn.log, and name one connection each', () => {
    const r = analyse(handOverSession());
    const events = linesOf(r).map((l) => JSON.parse(l) as EveEvent);
    const conn = readZeekLog(zeekLogs(resultView(r).unit, { showPasswords: false, opened: new Date(0), closed: new Date(0) }).conn).rows;
    const uids = new Set(conn.map((x) => x['uid']));
    const flowOf = new Map<string, number>();
    for (const e of events) {
      expect(uids.has(e.ftpdiag.uid!), `${e.ftpdiag.uid} in conn.log`).to.equal(true);
      const seen = flowOf.get(e.ftpdiag.uid!);
      if (seen !== undefined) expect(e.flow_id).to.equal(seen);
      flowOf.set(e.ftpdiag.uid!, e.flow_id!);
      if (e.ftpdiag.transfer) expect(uids.has(e.ftpdiag.transfer.data_uid)).to.equal(true);
    }
    expect(new Set(flowOf.values()).size).to.equal(flowOf.size);
  });

  it('secrets stay hidden; wire strings are JSON-escaped and terminal-safe', () => {
    const text = linesOf(analyse(handOverSession())).join('');
    expect(text).to.not.include(PASSWORD);
    expect(text).to.not.include(ACCOUNT);
    expect(text).to.not.match(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/); // ESC and TAB escaped (\u001b, \t)
    const retr = text.split('\n').map((l) => (l ? (JSON.parse(l) as EveEvent) : null)).find((e) => e?.ftp_data?.command === 'RETR')!;
    expect(retr.ftp_data!.filename).to.include('\x1b[2J').and.include('\t');
  });

  it('jq reads every line; a SIEM query picks the findings', function () {
    skipWithout(this, hasJq, NO_JQ);
    const lines = linesOf(analyse(handOverSession()));
    expect(jq(lines, '.event_type')).to.have.length(lines.length);
    expect(jq(lines, 'select(.event_type == "ftpdiag") | [.ftpdiag.finding.id, .ftpdiag.finding.severity, .src_ip, (.dest_port|tostring)] | join(" ")')).to.deep.equal(['upload-reset error 192.0.2.20 40001']);
    expect(jq(lines, 'select(.event_type == "ftp_data") | .ftp_data.command')).to.deep.equal(['RETR', 'STOR']);
  });

  // Each trace is analysed once and checked in every hand-over format: the analysis is the cost
  // (a few seconds for the two sets), and real traffic is what the shapes must hold on.
  it('every trace of captures/ gives valid eve events and Zeek logs whose uids join', async () => {
    const bad: string[] = [];
    for (const p of traceFiles(`${projectRoot}captures`)) bad.push(...(await checkTrace(p)));
    expect(bad).to.deep.equal([]);
  });

  corpusIt('every trace of the shared corpus too', async () => {
    const bad: string[] = [];
    for (const p of everyTrace().filter((x) => !x.startsWith(`${projectRoot}captures`))) bad.push(...(await checkTrace(p)));
    expect(bad).to.deep.equal([]);
  });

  it('analyze --format eve: one event per line on standard output, exit status by --fail-on', async () => {
    const s = scratchDir('ftpdiag-eve-');
    try {
      const trace = s.file('session.pcap');
      handOverSession().writePcap(trace);
      const r = await cli(['analyze', '--format', 'eve', trace]);
      expect(r.code).to.equal(1);
      const lines = r.out.split('\n').filter((l) => l);
      expect(lines).to.have.length(6);
      expect(invalid(lines.map((l) => l + '\n'), 'cli')).to.deep.equal([]);
      expect((JSON.parse(lines[0]!) as EveEvent).pcap_filename).to.equal(trace);
    } finally {
      s.remove();
    }
  });
});

describe('export/live-order: live events in time order', () => {
  it('a transfer refused with 425 settles first but is written after the three before it', () => {
    const { lines } = liveLines(fourTransfers(), 'json');
    const events = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const transfers = events.filter((e) => e['event'] === 'transfer');
    expect(transfers.map((e) => e['id'])).to.deep.equal([0, 1, 2, 3]);
    const ts = events.map((e) => e['ts'] as number);
    expect(ts).to.deep.equal([...ts].sort((a, b) => a - b));
    for (const e of events) {
      expect(e['timestamp']).to.match(EVE_TIME);
      expect(e['client']).to.have.keys('addr', 'port');
      expect(e['server']).to.have.keys('addr', 'port');
      expect(e['uid']).to.match(/^C/);
      expect(e).to.not.have.property('late');
    }
    const failed = events.find((e) => e['event'] === 'finding' && e['id'] === 'data-connection-failed')!;
    expect(failed['server']).to.deep.equal({ addr: '192.0.2.20', port: 21 });
    // a transfer's own times: its end is the event's time
    expect(transfers.map((e) => e['ts'])).to.deep.equal(transfers.map((e) => e['endTime']));
  });

  it('--format eve: the same order, and every line valid eve', function () {
    const { lines } = liveLines(fourTransfers(), 'eve');
    expect(invalid(lines, 'live')).to.deep.equal([]);
    const events = lines.map((l) => JSON.parse(l) as EveEvent);
    expect(events.filter((e) => e.event_type === 'ftp_data').map((e) => e.ftpdiag.transfer!.id)).to.deep.equal([0, 1, 2, 3]);
    if (hasJq) expect(jq(lines, '.timestamp')).to.deep.equal(events.map((e) => e.timestamp));
  });

  it('events are written while the capture runs, once the clock is past their time by the hold', () => {
    const { lines, heldAtEnd } = liveLines(fourTransfers(), 'json');
    expect(lines.length - heldAtEnd.length, 'written before the end of the capture').to.be.greaterThan(3);
  });

  it('an event told later than the hold is written at once, stamped with the last time written, marked late', () => {
    const out: Array<[string, Stamp]> = [];
    const o = new TimeOrderedOutput<string>(3, (x, s) => out.push([x, s]));
    o.push(10, 'b');
    o.push(5, 'a');
    o.release(12);
    expect(out.map(([x]) => x)).to.deep.equal(['a']);
    o.release(12.9);
    expect(out.map(([x]) => x)).to.deep.equal(['a']);
    o.release(13);
    expect(out.map(([x]) => x)).to.deep.equal(['a', 'b']);
    o.push(7, 'late');
    o.push(20, 'c', 0);
    o.flush();
    expect(out.slice(2)).to.deep.equal([
      ['late', { time: 10, late: true }],
      ['c', { time: 20, late: false }],
    ]);
  });
});
