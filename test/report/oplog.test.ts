// The operation log (`ftpdiag log`): records built from real traces checked against their truth
// files (what the recorder and the server saw, not the analyzer), xferlog lines checked field by
// field against xferlog(5) and against vsftpd's own log, and a crafted session with the file
// actions the captures lack (MKD, RNFR/RNTO, DELE, RMD, SITE, CWD/CDUP) and hostile file names.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import { Analysis, analyzeFile, type AnalysisResult } from '../../src/pipeline/analyze.ts';
import { buildOperations, type Operation } from '../../src/report/log/operations.ts';
import { operandPath } from '../../src/ftp/paths.ts';
import { worstFinding } from '../../src/report/log/worst-finding.ts';
import { renderCsv, renderTsv, DELIMITED_COLUMNS } from '../../src/report/log/delimited.ts';
import { renderNdjson } from '../../src/report/log/ndjson.ts';
import Table from 'cli-table3';
import { renderTable, tableCells, tableOptions } from '../../src/report/log/table.ts';
import { renderXferlog, xferlogToken } from '../../src/report/log/xferlog.ts';
import { isoTime, xferlogTime } from '../../src/report/log/times.ts';

const captures = fileURLToPath(new URL('../../captures/', import.meta.url));

// ---- truth files --------------------------------------------------------------------------------

interface TruthReply { code: number; text: string }
interface TruthSession { label: string; client: string; server: string; dialog: Array<{ command: string | null; replies: TruthReply[] }> }
interface TruthTransfer { command: string; clientRead?: number; clientWrote?: number; dataEnd?: string }
interface Truth { recordedAt: string; sessions: TruthSession[]; transfers: TruthTransfer[]; serverLog?: string[]; server: { software: string } }

const truthOf = (trace: string): Truth => JSON.parse(readFileSync(captures + trace.replace(/\.pcap(ng)?$/, '.truth.json'), 'utf8')) as Truth;

const cache = new Map<string, Promise<AnalysisResult>>();
function analysis(trace: string): Promise<AnalysisResult> {
  if (!cache.has(trace)) cache.set(trace, analyzeFile(captures + trace, { rules: loadRules() }).then((x) => x.result));
  return cache.get(trace)!;
}

interface ExpectedOp { operation: string; code: number | null; text: string | null }

const TRANSFER = new Set(['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD']);
const FILE_ACTIONS = new Set(['DELE', 'MKD', 'XMKD', 'RMD', 'XRMD', 'CWD', 'XCWD', 'CDUP', 'XCUP', 'SITE', 'MFMT', 'AUTH', 'CCC', 'REIN', 'SMNT']);

/** The operations a session's dialog (as the recording client saw it) should give: USER…PASS
 *  as one login, RNFR+RNTO as one rename, transfers and file actions one each; the final code is
 *  the last reply of 2yz or above (a transfer that only got 150 has none). */
function expectedOps(s: TruthSession): ExpectedOp[] {
  const out: ExpectedOp[] = [];
  let login: ExpectedOp | null = null;
  const final = (rs: TruthReply[]): ExpectedOp['code'] => {
    const last = rs[rs.length - 1];
    return last && last.code >= 200 ? last.code : null;
  };
  const textOf = (rs: TruthReply[]): string | null => {
    const last = rs[rs.length - 1];
    return last && last.code >= 200 && !last.text.includes('\n') ? last.text.slice(4) : null;
  };
  for (const d of s.dialog) {
    if (d.command === null || !/^[A-Za-z]/.test(d.command)) continue;
    const verb = d.command.split(' ')[0]!.toUpperCase();
    const code = final(d.replies);
    if (verb === 'PASS' || verb === 'ACCT') {
      if (login) {
        login.code = code;
        login.text = textOf(d.replies);
        if (code !== 332) login = null;
        continue;
      }
      out.push({ operation: 'login', code, text: textOf(d.replies) });
      continue;
    }
    login = null;
    if (verb === 'USER') {
      const op = { operation: 'login', code, text: textOf(d.replies) };
      out.push(op);
      if (code !== null && code >= 300 && code < 400) login = op;
    } else if (TRANSFER.has(verb) || FILE_ACTIONS.has(verb)) {
      out.push({ operation: verb, code, text: textOf(d.replies) });
    }
  }
  return out;
}

const PLAIN_TRACES = [
  'vsftpd-passive-clean.pcap', 'vsftpd-active-port20-clean.pcap', 'vsftpd-ipv6-epsv-eprt.pcap', 'pureftpd-mixed-modes-clean.pcap',
  'ftpsrv-basicftp-passive-clean.pcap', 'proftpd-basicftp-sll2-clean.pcap', 'pyftpdlib-lftp-passive-clean.pcapng',
  'pyftpdlib-rest-resume.pcap', 'pyftpdlib-missing-file-550.pcap', 'vsftpd-upload-rst.pcap', 'ftpsrv-upload-rst.pcap',
  'vsftpd-port-refused-425.pcap', 'vsftpd-wrong-password-530-sll.pcap', 'pyftpdlib-control-half-close.pcap',
];

function opsOfSession(ops: Operation[], r: AnalysisResult, truth: TruthSession, index: number): Operation[] {
  // match by the client's port when the truth file has it, else by order of the control connections
  const port = /:(\d+)$/.exec(truth.client)?.[1];
  const s = port ? r.sessions.find((x) => x.client.port === Number(port)) : r.sessions[index];
  expect(s, `session ${truth.label}`).to.not.equal(undefined);
  return ops.filter((op) => op.session === s!.id);
}

describe('report/log: operations of real traces against their truth files', function () {
  this.timeout(20_000);

  for (const trace of PLAIN_TRACES) {
    it(`${trace}: one operation per login/transfer/file action, with the truth's final codes and texts`, async () => {
      const truth = truthOf(trace);
      const r = await analysis(trace);
      const ops = buildOperations(r);
      truth.sessions.forEach((ts, i) => {
        const mine = opsOfSession(ops, r, ts, i).filter((op) => op.operation !== 'connect');
        const want = expectedOps(ts);
        expect(mine.map((op) => op.operation), ts.label).to.deep.equal(want.map((w) => w.operation));
        expect(mine.map((op) => (op.reply ? op.reply.code : null)), ts.label).to.deep.equal(want.map((w) => w.code));
        mine.forEach((op, k) => {
          if (want[k]!.text !== null) expect(op.reply?.text, `${ts.label} #${k}`).to.equal(want[k]!.text);
        });
        // client and server endpoints as the recorder knew them
        const [srvAddr, srvPort] = [ts.server.replace(/:\d+$/, '').replace(/^\[|\]$/g, ''), Number(/:(\d+)$/.exec(ts.server)![1])];
        for (const op of mine) expect([op.server.addr, op.server.port]).to.deep.equal([srvAddr, srvPort]);
        const cport = /:(\d+)$/.exec(ts.client)?.[1];
        if (cport) for (const op of mine) expect(op.client.port).to.equal(Number(cport));
      });
    });
  }

  it('transfer bytes equal what the recording client wrote, or read over a data connection that ended with FIN', async () => {
    let checked = 0;
    for (const trace of PLAIN_TRACES) {
      const truth = truthOf(trace);
      const ops = buildOperations(await analysis(trace)).filter((op) => op.transfer !== null);
      expect(ops.length, trace).to.equal(truth.transfers.length);
      truth.transfers.forEach((tt, k) => {
        const op = ops[k]!;
        expect(op.operation, trace).to.equal(tt.command.split(' ')[0]);
        if (tt.clientWrote !== undefined) {
          expect(op.bytes, `${trace} ${tt.command}`).to.equal(tt.clientWrote);
          checked++;
        } else if (tt.clientRead !== undefined && tt.dataEnd === 'fin') {
          expect(op.bytes, `${trace} ${tt.command}`).to.equal(tt.clientRead);
          checked++;
        }
      });
    }
    expect(checked).to.be.greaterThan(20);
  });

  it('the refused second client of a max_clients server is one failed "connect" operation with the 421', async () => {
    const trace = 'vsftpd-too-many-clients-421.pcap';
    const truth = truthOf(trace);
    const r = await analysis(trace);
    const ops = buildOperations(r);
    const second = truth.sessions.find((s) => s.dialog.every((d) => d.command === null))!;
    const refused = opsOfSession(ops, r, second, 1);
    expect(refused.map((op) => [op.operation, op.reply?.code, op.outcome])).to.deep.equal([['connect', second.dialog[0]!.replies[0]!.code, 'failed']]);
    expect(refused[0]!.finding?.severity).to.equal('error');
  });

  it('explicit FTPS: the AUTH in clear, then one FTPS transfer per transfer of the truth file', async () => {
    const trace = 'vsftpd-ftps-explicit.pcap';
    const truth = truthOf(trace);
    const ops = buildOperations(await analysis(trace));
    const auth = truth.sessions[0]!.dialog.find((d) => d.command?.startsWith('AUTH'))!;
    expect(ops[0]).to.include({ operation: 'AUTH', protocol: 'FTP' });
    expect(ops[0]!.reply?.code).to.equal(auth.replies[0]!.code);
    const transfers = ops.filter((op) => op.transfer !== null);
    expect(transfers).to.have.length(truth.transfers.length);
    for (const op of transfers) expect([op.protocol, op.operation, op.command]).to.deep.equal(['FTPS', 'transfer', '']);
  });

  it('paths are resolved against the working directory only when a PWD/CWD made it known', async () => {
    const withPwd = buildOperations(await analysis('vsftpd-passive-clean.pcap')).find((op) => op.operation === 'STOR')!;
    expect(withPwd.path).to.equal('/' + withPwd.arg);
    const noPwd = truthOf('vsftpd-netns-packet-loss.pcap').sessions[0]!.dialog.some((d) => d.command === 'PWD');
    expect(noPwd).to.equal(false);
    const r = await analysis('vsftpd-netns-packet-loss.pcap');
    for (const op of buildOperations(r).filter((o) => o.transfer !== null)) expect(op.path).to.equal(null);
  });
});

// ---- xferlog ------------------------------------------------------------------------------------

const DAYS = 'Sun|Mon|Tue|Wed|Thu|Fri|Sat';
const MONTHS = 'Jan|Feb|Mar|Apr|May|Jun|Jul|Aug|Sep|Oct|Nov|Dec';

/** xferlog(5), field by field (the first five words are current-time). */
const XFERLOG_FIELDS: ReadonlyArray<[string, RegExp]> = [
  ['DDD', new RegExp(`^(${DAYS})$`)],
  ['MMM', new RegExp(`^(${MONTHS})$`)],
  ['dd', /^([1-9]|[12]\d|3[01])$/],
  ['hh:mm:ss', /^([01]\d|2[0-3]):[0-5]\d:[0-5]\d$/],
  ['YYYY', /^\d{4}$/],
  ['transfer-time', /^\d+$/],
  ['remote-host', /^[0-9A-Fa-f.:]+$/],
  ['file-size', /^\d+$/],
  ['filename', /^\S+$/],
  ['transfer-type', /^[ab]$/],
  ['special-action-flag', /^([CUT]+|_)$/],
  ['direction', /^[oid]$/],
  ['access-mode', /^[agr]$/],
  ['username', /^\S+$/],
  ['service-name', /^ftp$/],
  ['authentication-method', /^[01]$/],
  ['authenticated-user-id', /^\S+$/],
  ['completion-status', /^[ci]$/],
];

/** Checks one line against the layout; returns its fields by name. */
function checkXferlogLine(line: string): Record<string, string> {
  // "DDD MMM dd hh:mm:ss YYYY": the day of the month space-padded to two characters, as ctime(3)
  expect(line).to.match(new RegExp(`^(${DAYS}) (${MONTHS}) [ 123]\\d \\d\\d:\\d\\d:\\d\\d \\d{4} \\S`));
  const words = line.trim().split(/\s+/);
  expect(words, line).to.have.length(18);
  const out: Record<string, string> = {};
  XFERLOG_FIELDS.forEach(([name, re], i) => {
    expect(words[i], `${name} in ${line}`).to.match(re);
    out[name] = words[i]!;
  });
  return out;
}

/** vsftpd's own log line for a transfer: [ftp] OK DOWNLOAD: Client "127.0.0.1", "/report.bin", 65536 bytes, … */
function vsftpdTransfers(truth: Truth): Array<{ ok: boolean; dir: 'o' | 'i'; host: string; file: string; bytes: number }> {
  const out = [];
  for (const l of truth.serverLog ?? []) {
    const m = /\] (OK|FAIL) (DOWNLOAD|UPLOAD): Client "([^"]+)", "([^"]+)"(?:, (\d+) bytes)?/.exec(l);
    if (m) out.push({ ok: m[1] === 'OK', dir: m[2] === 'DOWNLOAD' ? ('o' as const) : ('i' as const), host: m[3]!, file: m[4]!, bytes: Number(m[5] ?? 0) });
  }
  return out;
}

describe('report/log: xferlog', function () {
  this.timeout(20_000);

  it('every line of every capture has the 14 fields of xferlog(5) (18 words), each of the right syntax', async () => {
    let lines = 0;
    for (const trace of [...PLAIN_TRACES, 'vsftpd-download-rst.pcap', 'vsftpd-abor-urgent.pcap', 'vsftpd-netns-packet-loss.pcap']) {
      const { text } = renderXferlog(buildOperations(await analysis(trace)), { tz: 'utc' });
      for (const line of text.split('\n').filter((l) => l !== '')) {
        checkXferlogLine(line);
        lines++;
      }
    }
    expect(lines).to.be.greaterThan(25);
  });

  // traces where the session's working directory is known (a PWD) and the server's count of bytes
  // is what crossed the wire (the data connection was not cut with the server's buffers full)
  const VSFTPD = [
    'vsftpd-passive-clean.pcap', 'vsftpd-active-anyport-clean.pcap', 'vsftpd-active-port20-clean.pcap', 'vsftpd-ipv6-epsv-eprt.pcap',
    'vsftpd-control-half-close.pcap', 'vsftpd-pasv-wrong-address.pcap', 'vsftpd-port-refused-425.pcap', 'vsftpd-upload-rst.pcap',
    'vsftpd-download-rst-after-buffered.pcap',
  ];
  for (const trace of VSFTPD) {
    it(`${trace}: the lines say what vsftpd's own log says (host, file, bytes, direction, OK/FAIL)`, async () => {
      const truth = truthOf(trace);
      const server = vsftpdTransfers(truth);
      expect(server.length).to.be.greaterThan(0);
      const { text } = renderXferlog(buildOperations(await analysis(trace)), { tz: 'utc' });
      const mine = text.split('\n').filter((l) => l !== '').map(checkXferlogLine);
      expect(mine.map((f) => [f['remote-host'], f['filename'], Number(f['file-size']), f['direction'], f['completion-status']]))
        .to.deep.equal(server.map((s) => [s.host, s.file, s.bytes, s.dir, s.ok ? 'c' : 'i']));
      // vsftpd logs anonymous sessions with access mode 'a'; the time is the recording's (UTC)
      for (const f of mine) {
        expect(f['access-mode']).to.equal('a');
        const t = Date.parse(`${f['DDD']}, ${f['dd']} ${f['MMM']} ${f['YYYY']} ${f['hh:mm:ss']} GMT`);
        expect(Math.abs(t - Date.parse(truth.recordedAt))).to.be.lessThan(10 * 60_000);
      }
    });
  }

  it('pure-ftpd: a real (non-anonymous) user, access mode r and the user name', async () => {
    const trace = 'pureftpd-mixed-modes-clean.pcap';
    const truth = truthOf(trace);
    const user = truth.sessions[0]!.dialog.find((d) => d.command?.startsWith('USER '))!.command!.slice(5);
    const { text } = renderXferlog(buildOperations(await analysis(trace)), { tz: 'utc' });
    const lines = text.trim().split('\n').map(checkXferlogLine);
    // pure-ftpd's log: 127.0.0.1 - ftpdiag "GET /report.bin" 200 65536
    const server = (truth.serverLog ?? []).map((l) => /"(GET|PUT) (\S+)" \d+ (\d+)/.exec(l)!).filter(Boolean);
    expect(lines.map((f) => [f['filename'], Number(f['file-size']), f['direction']])).to.deep.equal(server.map((m) => [m[2], Number(m[3]), m[1] === 'GET' ? 'o' : 'i']));
    for (const f of lines) expect([f['access-mode'], f['username']]).to.deep.equal(['r', user]);
  });

  it('transfers of an encrypted session are counted, not written', async () => {
    const out = renderXferlog(buildOperations(await analysis('vsftpd-ftps-explicit.pcap')), { tz: 'utc' });
    expect(out.text).to.equal('');
    expect(out.skippedEncrypted).to.equal(truthOf('vsftpd-ftps-explicit.pcap').transfers.length);
  });

  it('current-time is ctime-style with a space-padded day; UTC by default, local on request', () => {
    expect(xferlogTime(1795267535, 'utc')).to.equal('Sat Nov 21 13:25:35 2026');
    expect(xferlogTime(1793523600, 'utc')).to.equal('Sun Nov  1 09:00:00 2026');
    const saved = process.env['TZ'];
    try {
      process.env['TZ'] = 'America/New_York';
      expect(xferlogTime(1793523600, 'local')).to.equal('Sun Nov  1 04:00:00 2026');
      expect(isoTime(1793523600.25, 'local')).to.equal('2026-11-01T04:00:00.250-05:00');
    } finally {
      if (saved === undefined) delete process.env['TZ'];
      else process.env['TZ'] = saved;
    }
    expect(isoTime(1793523600.25, 'utc')).to.equal('2026-11-01T09:00:00.250Z');
  });

  it('a file name never splits a field: whitespace and control characters become _', () => {
    expect(xferlogToken('my file\tname\x1b[2J.txt')).to.equal('my_file_name_[2J.txt');
    expect(xferlogToken('\u202eevil')).to.equal('_evil');
  });
});

// ---- a crafted session ------------------------------------------------------------------------

const C = '192.0.2.10';
const S = '192.0.2.20';

function say(ctl: TcpLadder, cmd: string, ...replies: string[]): number {
  const f = ctl.client('PA', `${cmd}\r\n`);
  for (const r of replies) ctl.server('PA', `${r}\r\n`);
  return f;
}

/** Alice's session: navigation, directory and file actions, a rename, and a download of a file
 *  whose name holds a space, an ESC sequence and a comma-and-quote. */
function craftedSession(): AnalysisResult {
  const t = new TraceBuilder({ start: 1_793_523_600 });
  const ctl = t.tcp({ client: `${C}:50000`, server: `${S}:21` });
  ctl.handshake();
  ctl.server('PA', '220 ready\r\n');
  say(ctl, 'USER alice', '331 Password required.');
  say(ctl, 'PASS s3cret', '230 Logged in.');
  say(ctl, 'PWD', '257 "/home/alice" is the current directory');
  say(ctl, 'CWD docs', '250 OK.');
  say(ctl, 'MKD new dir', '257 "/home/alice/docs/new dir" created');
  say(ctl, 'RNFR old name.txt', '350 Ready for RNTO.');
  say(ctl, 'RNTO new,"name".txt', '250 Renamed.');
  say(ctl, 'DELE junk.txt', '250 Deleted.');
  say(ctl, 'DELE missing.txt', '550 missing.txt: No such file or directory');
  say(ctl, 'RMD new dir', '250 Removed.');
  say(ctl, 'SITE CHMOD 644 report.txt', '200 SITE CHMOD command ok.');
  say(ctl, 'CDUP', '250 OK.');
  say(ctl, 'TYPE A', '200 Type set to A.');
  say(ctl, 'X\x1b[2JY now', '500 Unknown command.'); // a verb holding an ESC sequence
  say(ctl, 'PASV', '227 Entering Passive Mode (192,0,2,20,195,80).');
  const d = t.tcp({ client: `${C}:50001`, server: `${S}:50000` });
  say(ctl, 'RETR docs/my file\x1b[2J.txt', '150 Opening ASCII mode data connection.');
  d.handshake();
  d.stream('server', 3000);
  d.send('client', 'A');
  d.send('server', 'FA');
  d.send('client', 'FA');
  d.send('server', 'A');
  ctl.server('PA', '226 Transfer complete.\r\n');
  say(ctl, 'QUIT', '221 Goodbye.');
  ctl.close();
  const a = new Analysis({ rules: loadRules() });
  for (const frame of t.captureFrames()) a.frame(frame);
  return a.finish();
}

describe('report/log: a crafted session with file actions and hostile names', () => {
  const r = craftedSession();
  const ops = buildOperations(r);
  const shownOps = () => buildOperations(r, { showPasswords: true });

  it('groups USER+PASS and RNFR+RNTO, resolves every path against the replayed working directory', () => {
    expect(ops.map((op) => [op.operation, op.path, op.pathTo, op.reply?.code, op.outcome])).to.deep.equal([
      ['login', null, null, 230, 'complete'],
      ['CWD', '/home/alice/docs', null, 250, 'complete'],
      ['MKD', '/home/alice/docs/new dir', null, 257, 'complete'],
      ['rename', '/home/alice/docs/old name.txt', '/home/alice/docs/new,"name".txt', 250, 'complete'],
      ['DELE', '/home/alice/docs/junk.txt', null, 250, 'complete'],
      ['DELE', '/home/alice/docs/missing.txt', null, 550, 'failed'],
      ['RMD', '/home/alice/docs/new dir', null, 250, 'complete'],
      ['SITE', '/home/alice/docs/report.txt', null, 200, 'complete'],
      ['CDUP', '/home/alice', null, 250, 'complete'],
      ['RETR', '/home/alice/docs/my file\x1b[2J.txt', null, 226, 'complete'],
    ]);
    const login = ops[0]!;
    expect([login.user, login.arg, login.command, login.password]).to.deep.equal(['alice', 'alice', 'USER', 'REDACTED']);
    expect(shownOps()[0]!.password).to.equal('s3cret');
    expect(login.frames.length).to.equal(4); // USER, 331, PASS, 230
    const retr = ops[ops.length - 1]!;
    expect([retr.bytes, retr.type, retr.direction, retr.protocol]).to.deep.equal([3000, 'A', 'download', 'FTP']);
    expect(retr.dataChannel).to.deep.equal({ passive: true, origH: C, respH: S, respP: 50000 });
  });

  it('--all adds every other command, keeping the groups', () => {
    const all = buildOperations(r, { all: true }).map((op) => op.operation);
    expect(all).to.include.members(['PWD', 'TYPE', 'PASV', 'QUIT', 'X\x1b[2JY']);
    expect(all.filter((o) => o === 'login')).to.have.length(1);
    expect(all).to.not.include('PASS');
    expect(all).to.not.include('RNTO');
  });

  it('xferlog: the ASCII download and the successful delete, file names as single tokens', () => {
    const lines = renderXferlog(ops, { tz: 'utc' }).text.trim().split('\n').map(checkXferlogLine);
    expect(lines.map((f) => [f['filename'], f['direction'], f['transfer-type'], f['file-size'], f['transfer-time'], f['access-mode'], f['username'], f['completion-status']])).to.deep.equal([
      ['/home/alice/docs/junk.txt', 'd', 'b', '0', '0', 'r', 'alice', 'c'],
      ['/home/alice/docs/my_file_[2J.txt', 'o', 'a', '3000', '1', 'r', 'alice', 'c'],
    ]);
  });

  it('table: wire strings escaped, no colour unless asked, password nowhere', () => {
    const plain = renderTable(ops, { tz: 'utc', color: false, width: 200 });
    expect(plain).to.not.include('\x1b');
    expect(plain).to.include('my file\\x1b[2J.txt');
    expect(plain).to.not.include('s3cret');
    expect(plain.split('\n')[0]).to.match(/^10 operations; times UTC, 2026-11-01$/);
    const coloured = renderTable(ops, { tz: 'utc', color: true, width: 200 });
    for (const seq of coloured.match(/\x1b[^m]*m?/g) ?? []) expect(seq).to.match(/^\x1b\[[0-9;]*m$/);
    expect(coloured).to.include('\x1b[');
  });

  it('table: clips the path and reply columns to fit the width', () => {
    const narrow = renderTable(ops, { tz: 'utc', color: false, width: 120 });
    const wide = renderTable(ops, { tz: 'utc', color: false, width: 400 });
    const longest = (s: string) => Math.max(...s.split('\n').slice(1).map((l) => l.length));
    expect(longest(narrow)).to.be.lessThan(longest(wide));
    expect(narrow).to.include('…');
  });

  it('table: the one cli-table3 draws from all rows at once, for many rows of wide, coloured and hostile cells', () => {
    // renderTable measures and pads the rows itself (cli-table3's layout is quadratic in rows)
    const names = ['日本語ファイル.txt', 'émoji 😀 name', 'x'.repeat(90), 'tab\there', 'd\u0301e'];
    const verbs = ['RETR', 'X\x1b[31mY', 'A\nB', '日本', '\x1b[32mZ\x1b[0m', 'SITE'];
    const base = buildOperations(r, { all: true });
    const many: Operation[] = [];
    for (let i = 0; i < 400; i++) {
      const op = base[i % base.length]!;
      many.push({
        ...op,
        time: op.time + i * (i % 7 === 0 ? 40_000 : 3),
        operation: i % 9 === 0 ? verbs[i % verbs.length]! : op.operation,
        path: i % 3 === 0 ? `/${names[i % names.length]!}` : op.path,
        user: i % 11 === 0 ? 'ユーザー' : op.user,
        client: i % 5 === 0 ? { addr: '2001:db8::7', port: 50000 + i } : op.client,
        bytes: i % 4 === 0 ? i * 1234567 : op.bytes,
        finding: i % 6 === 0 ? { id: i % 12 === 0 ? 'no-\x1b[1mbold' : 'login-failed', severity: i % 4 === 0 ? 'error' : 'info' } : op.finding,
      });
    }
    for (const color of [false, true]) {
      for (const width of [100, 240]) {
        const { caption, rows } = tableCells(many, { tz: 'utc', color, width });
        const t = new Table(tableOptions(color));
        t.push(...rows);
        const body = t.toString().split('\n').map((l) => l.replace(/ +$/, '')).join('\n');
        expect(renderTable(many, { tz: 'utc', color, width }), `color ${color}, width ${width}`).to.equal(`${caption}\n${body}\n`);
      }
    }
  });

  it('--all: a verb from the wire is escaped in the table, TSV and CSV', () => {
    const all = buildOperations(r, { all: true });
    for (const [name, text] of [
      ['table', renderTable(all, { tz: 'utc', color: false, width: 200 })],
      ['table, coloured', renderTable(all, { tz: 'utc', color: true, width: 200 }).replace(/\x1b\[[0-9;]*m/g, '')],
      ['TSV', renderTsv(all, { tz: 'utc' })],
      ['CSV', renderCsv(all, { tz: 'utc' })],
    ] as const) {
      expect(text, name).to.not.include('\x1b');
      expect(text, name).to.include('X\\x1b[2JY');
    }
  });

  it('TSV: one header, the same number of fields on every line, tabs and ESC escaped', () => {
    const lines = renderTsv(ops, { tz: 'utc' }).trimEnd().split('\n');
    expect(lines[0]!.split('\t')).to.deep.equal([...DELIMITED_COLUMNS]);
    for (const l of lines) expect(l.split('\t')).to.have.length(DELIMITED_COLUMNS.length);
    expect(lines.join('\n')).to.not.include('\x1b');
    const row = (op: string) => Object.fromEntries(DELIMITED_COLUMNS.map((c, i) => [c, lines.find((l) => l.split('\t')[9] === op)!.split('\t')[i]]));
    expect(row('login')['password']).to.equal('REDACTED');
    expect(row('RETR')).to.include({ path: '/home/alice/docs/my file\\x1b[2J.txt', reply_code: '226', bytes: '3000', time: isoTime(ops[ops.length - 1]!.time, 'utc') });
    expect(renderTsv(shownOps(), { tz: 'utc' })).to.include('\ts3cret\t');
  });

  it('CSV: RFC 4180 quoting (comma and quote in a file name), CRLF line ends', () => {
    const csv = renderCsv(ops, { tz: 'utc' });
    expect(csv.endsWith('\r\n')).to.equal(true);
    expect(csv.split('\r\n').slice(0, -1).every((l) => !l.includes('\n'))).to.equal(true);
    expect(csv).to.include('"/home/alice/docs/new,""name"".txt"');
    // parse it back (quoted fields may hold commas) and compare the rename's target
    const parse = (line: string) => [...line.matchAll(/("(?:[^"]|"")*"|[^,]*)(,|$)/g)].slice(0, DELIMITED_COLUMNS.length).map((m) => m[1]!.startsWith('"') ? m[1]!.slice(1, -1).replace(/""/g, '"') : m[1]!);
    const rows = csv.split('\r\n').slice(1, -1).map(parse);
    for (const row of rows) expect(row).to.have.length(DELIMITED_COLUMNS.length);
    const rename = rows.find((row) => row[9] === 'rename')!;
    expect(rename[DELIMITED_COLUMNS.indexOf('path_to')]).to.equal('/home/alice/docs/new,"name".txt');
  });

  it('NDJSON: Zeek ftp.log field names, raw values, password redacted unless asked', () => {
    const lines = renderNdjson(ops).trimEnd().split('\n');
    expect(lines).to.have.length(ops.length);
    expect(lines.join('\n')).to.not.include('\x1b');
    const recs = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    const retr = recs.find((x) => x['command'] === 'RETR')!;
    expect(retr).to.include({
      'id.orig_h': C, 'id.orig_p': 50000, 'id.resp_h': S, 'id.resp_p': 21, user: 'alice', password: 'REDACTED',
      arg: 'docs/my file\x1b[2J.txt', reply_code: 226, reply_msg: 'Transfer complete.',
      'data_channel.passive': true, 'data_channel.orig_h': C, 'data_channel.resp_h': S, 'data_channel.resp_p': 50000,
      operation: 'RETR', bytes: 3000, outcome: 'complete',
    });
    expect(typeof retr['ts']).to.equal('number');
    expect(recs.find((x) => x['operation'] === 'rename')).to.include({ command: 'RNFR', path_to: '/home/alice/docs/new,"name".txt' });
    expect(renderNdjson(shownOps())).to.include('"password":"s3cret"');
  });
});

// ---- attaching findings -------------------------------------------------------------------------

function finding(over: Partial<Finding>): Finding {
  return {
    id: 'x', severity: 'info', title: 't', summary: 's', explanation: '', action: '', references: [], frames: [], connection: 0, session: 0, transfer: null, ...over,
  };
}

describe('report/log: the worst finding of an operation', () => {
  it('by transfer id first; by cited frames otherwise; never another transfer\'s finding', () => {
    const fs = [
      finding({ id: 'a-warning', severity: 'warning', transfer: 3, frames: [10] }),
      finding({ id: 'b-error-frames', severity: 'error', frames: [10, 11] }),
      finding({ id: 'c-other-transfer', severity: 'error', transfer: 4, frames: [20] }),
      finding({ id: 'd-other-session', severity: 'error', session: 1, frames: [20] }),
      finding({ id: 'e-info', severity: 'info', frames: [20] }),
    ];
    expect(worstFinding(fs, { session: 0, transfer: 3, frames: [10, 11] })).to.deep.equal({ id: 'a-warning', severity: 'warning' });
    expect(worstFinding(fs, { session: 0, transfer: null, frames: [10] })).to.deep.equal({ id: 'b-error-frames', severity: 'error' });
    expect(worstFinding(fs, { session: 0, transfer: null, frames: [20] })).to.deep.equal({ id: 'e-info', severity: 'info' });
    expect(worstFinding(fs, { session: 0, transfer: null, frames: [99] })).to.equal(null);
  });

  it('on the real traces: the failed login carries login-failed, the 550 RETR file-unavailable', async () => {
    const login = buildOperations(await analysis('vsftpd-wrong-password-530-sll.pcap'));
    expect(login.every((op) => op.finding?.id === 'login-failed')).to.equal(true);
    const retr = buildOperations(await analysis('pyftpdlib-missing-file-550.pcap')).find((op) => op.operation === 'RETR')!;
    expect(retr.finding).to.deep.equal({ id: 'file-unavailable', severity: 'error' });
  });
});

describe('ftp/paths: operandPath', () => {
  it('knows which argument is a path', () => {
    expect(operandPath('MFMT', '20240131120000 q4 final.csv', '/r')).to.equal('/r/q4 final.csv');
    expect(operandPath('SITE', 'CHMOD 644 a b', '/r')).to.equal('/r/a b');
    expect(operandPath('SITE', 'IDLE 60', '/r')).to.equal(null);
    expect(operandPath('CDUP', '', '/r/s')).to.equal('/r');
    expect(operandPath('DELE', 'x', null)).to.equal(null);
    expect(operandPath('DELE', '/abs/x', null)).to.equal('/abs/x');
  });
});
