// ftpdiag live and ftpdiag interfaces. The capture tests are real: an FTP server (ftp-srv) and
// clients (basic-ftp, and the raw client of the capture recorder for an upload cut by an RST) on
// 127.0.0.1 in this process, captured on lo with a filter restricted to the server's ports, and
// the live result checked against `analyze` of the -w file. Capturing needs root (CI runs as
// root); those tests skip with the reason otherwise.
import { expect } from 'chai';
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { Client } from 'basic-ftp';
import { FtpSrv } from 'ftp-srv';
import { runCli } from '../../src/cli/program.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { liveFindingText, liveTransferText, type LiveIO } from '../../src/cli/commands/live.ts';
import { interfacesTable } from '../../src/cli/commands/interfaces.ts';
import { readCapture } from '../../src/capture/read.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import type { TransferJson } from '../../src/contract/report.ts';
import { transferView } from '../../src/view/unit.ts';
import { transfer as transferRecord } from '../diagnose/fixtures.ts';
import { Styler } from '../../src/report/style.ts';
import { TOOL_VERSION } from '../../src/report/tool-version.ts';
import { freePort, freeRange } from '../../scripts/captures/lib/net-util.ts';
import { patternBytes, RawFtp } from '../../scripts/captures/lib/raw-ftp.ts';
import { transfer } from '../../scripts/captures/lib/session.ts';
import { readZeekLog } from '../export/zeek-reader.ts';
import { builtinCatalogData } from '../../src/diagnose/rule-loader.ts';

const require = createRequire(import.meta.url);
const repo = fileURLToPath(new URL('../../', import.meta.url));
const isRoot = process.getuid?.() === 0;
const hasSetpriv = spawnSync('setpriv', ['--version']).status === 0;
const rootNote = isRoot ? '' : ' (capture tests skipped: capturing needs root, and this is not root)';
const AS_NOBODY = ['--reuid=nobody', '--regid=nogroup', '--clear-groups', '--inh-caps=-all'];

/** Whether `nobody` can run `args` (exit status 0). */
const nobodyCan = (...args: string[]) => spawnSync('setpriv', [...AS_NOBODY, ...args], { stdio: 'ignore', cwd: '/' }).status === 0;

/**
 * Where `nobody` can run ftpdiag: the clone itself when nobody may read it, else (a clone in a
 * home directory or under `mktemp -d`, which others cannot enter) a bundle with its
 * dependencies inside, beside copies of rules/ and package.json (which the code finds relative
 * to itself), in a temporary directory everybody may read. Or why neither works.
 */
async function placeForNobody(): Promise<{ script: string; cwd: string; remove(): void } | { skip: string }> {
  if (!nobodyCan(process.execPath, '-e', '0')) return { skip: `nobody cannot run node (${process.execPath})` };
  const bin = join(repo, 'bin/ftpdiag.js');
  if (nobodyCan('test', '-r', bin)) return { script: bin, cwd: repo, remove: () => {} };
  const dir = mkdtempSync(join(tmpdir(), 'ftpdiag-nobody-'));
  const remove = () => rmSync(dir, { recursive: true, force: true });
  try {
    chmodSync(dir, 0o755);
    const script = join(dir, 'dist/cli/ftpdiag.mjs');
    const { build } = await import('esbuild');
    await build({
      entryPoints: [join(repo, 'src/cli/main.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', outfile: script, logLevel: 'error',
      external: ['cap'], // optional, native: found at run time if at all
      banner: { js: "import { createRequire as __ftpdiagRequire } from 'node:module'; const require = __ftpdiagRequire(import.meta.url);" },
      // the built-in catalog as data, as npm run build embeds it: the YAML parser is loaded at
      // run time only for YAML (src/diagnose/yaml-lib.ts), from a node_modules this place lacks
      define: { FTPDIAG_BUILTIN_CATALOG: JSON.stringify(JSON.stringify(builtinCatalogData())) },
    });
    cpSync(join(repo, 'rules'), join(dir, 'rules'), { recursive: true });
    cpSync(join(repo, 'package.json'), join(dir, 'package.json'));
    if (!nobodyCan('test', '-r', script)) {
      remove();
      return { skip: `nobody cannot read ${repo} (a directory others cannot enter) nor ${tmpdir()}` };
    }
    return { script, cwd: dir, remove };
  } catch (e) {
    remove();
    return { skip: `nobody cannot read ${repo}, and no bundle could be built for it: ${(e as Error).message}` };
  }
}

interface Run {
  code: number;
  out: string;
  err: string;
}

async function cli(args: string[], extra: Partial<LiveIO> = {}): Promise<Run> {
  let out = '';
  let err = '';
  const io: LiveIO = { out: (t) => void (out += t), err: (t) => void (err += t), stdoutIsTTY: false, columns: undefined, env: {}, ...extra };
  const code = await runCli(args, io);
  return { code, out, err };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/** Polls `cond` every 20 ms until it holds or `ms` pass; returns whether it held. */
async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) return false;
    await sleep(20);
  }
  return true;
}

interface FtpServer {
  port: number;
  pasv: [number, number];
  close(): Promise<void>;
}

/** ftp-srv on 127.0.0.1 with a passive range of its own; anonymous USER gets 230 at once. */
async function startFtpServer(root: string): Promise<FtpServer> {
  const bunyan = require('bunyan') as { createLogger(o: { name: string; level: string }): unknown };
  const port = await freePort('127.0.0.1');
  const pasv = await freeRange('127.0.0.1', 10);
  // ftp-srv installs SIGINT/SIGTERM handlers that call process.exit: taken off again at once
  const before = new Map((['SIGINT', 'SIGTERM', 'SIGQUIT'] as const).map((s) => [s, new Set(process.listeners(s))]));
  const server = new FtpSrv({
    url: `ftp://127.0.0.1:${port}`,
    pasv_url: '127.0.0.1',
    pasv_min: pasv[0],
    pasv_max: pasv[1],
    anonymous: true,
    log: bunyan.createLogger({ name: 'ftpdiag-live-test', level: 'fatal' }) as never,
  });
  for (const [sig, had] of before) for (const l of process.listeners(sig)) if (!had.has(l)) process.removeListener(sig, l);
  server.on('login', (_data, resolve) => resolve({ root, cwd: '/' }));
  await server.listen();
  return { port, pasv, close: () => Promise.race([server.close().then(() => {}), sleep(2000)]) };
}

const filterFor = (s: FtpServer) => `tcp and host 127.0.0.1 and (port ${s.port} or portrange ${s.pasv[0]}-${s.pasv[1]})`;

/** basic-ftp: a clean STOR then RETR of the same 64 KiB. */
async function cleanSession(s: FtpServer): Promise<void> {
  const client = new Client(5000);
  try {
    await client.access({ host: '127.0.0.1', port: s.port, user: 'anonymous', password: 'test@' });
    const data = patternBytes(64 * 1024);
    await client.uploadFrom(Readable.from([data]), 'clean.bin');
    const chunks: Buffer[] = [];
    await client.downloadTo(new Writable({ write: (c: Buffer, _e, cb) => void (chunks.push(c), cb()) }), 'clean.bin');
    expect(Buffer.concat(chunks).equals(data)).to.equal(true);
  } finally {
    client.close();
  }
}

/** Raw client: STOR of 128 KiB cut by an RST (SO_LINGER 0) after 48 KiB, then QUIT. */
async function resetUpload(s: FtpServer): Promise<number[]> {
  const c = await RawFtp.connect({ host: '127.0.0.1', port: s.port, timeoutMs: 5000 });
  try {
    expect((await c.login('anonymous', 'test@')).code).to.equal(230);
    await c.cmd('TYPE I');
    const t = await transfer(c, 'STOR cut.bin', { mode: 'passive', upload: patternBytes(128 * 1024), resetAfter: 48 * 1024, finalTimeoutMs: 5000 });
    await c.quit();
    return t.replies;
  } finally {
    c.socket.destroy();
  }
}

const key = (f: Pick<Finding, 'id' | 'frames'>) => `${f.id} ${f.frames.join(',')}`;

describe(`cli: ftpdiag live${rootNote}`, function () {
  this.timeout(15000);
  let tmp: string;
  let server: FtpServer | null = null;
  before(async function () {
    tmp = mkdtempSync(join(tmpdir(), 'ftpdiag-live-cli-'));
    if (!isRoot) return;
    const root = join(tmp, 'ftproot');
    mkdirSync(root);
    server = await startFtpServer(root);
  });
  after(async () => {
    await server?.close();
    rmSync(tmp, { recursive: true, force: true });
  });

  it('follows FTP on lo: the upload-reset finding while capturing, then the report; findings equal analyze of the -w file', async function () {
    if (!isRoot) this.skip();
    this.timeout(30000); // events are held 3 s of capture time so that they come in time order
    const s = server!;
    const file = join(tmp, 'live.pcap');
    const stop = new AbortController();
    const events: Array<{ line: Record<string, unknown>; stopped: boolean }> = [];
    let partial = '';
    let err = '';
    const io: LiveIO = {
      out: (t) => {
        partial += t;
        const lines = partial.split('\n');
        partial = lines.pop()!;
        for (const l of lines) events.push({ line: JSON.parse(l) as Record<string, unknown>, stopped: stop.signal.aborted });
      },
      err: (t) => void (err += t),
      stdoutIsTTY: false,
      columns: undefined,
      env: {},
      stopSignal: stop.signal,
    };
    const running = runCli(['live', '-i', 'lo', '-f', filterFor(s), '-w', file, '--json', '--fail-on', 'none'], io);
    try {
      expect(await until(() => events.some((e) => e.line['event'] === 'start') || /ftpdiag: /.test(err), 8000), 'capture started').to.equal(true);
      expect(err).to.match(/^ftpdiag: capturing on lo with (tcpdump|dumpcap|cap)/);
      await cleanSession(s);
      const replies = await resetUpload(s);
      expect(replies[0]).to.equal(150);
      // the finding must arrive while the capture still runs, not with the final report
      expect(await until(() => events.some((e) => e.line['event'] === 'finding' && e.line['id'] === 'upload-reset'), 9000), 'upload-reset streamed (held 3 s of capture time for the order)').to.equal(true);
      await sleep(150); // the QUIT exchange's last frames
    } finally {
      stop.abort();
    }
    const code = await running;
    expect(code, err).to.equal(0);
    expect(partial).to.equal('');

    const kinds = events.map((e) => e.line['event']);
    expect(kinds[0]).to.equal('start');
    expect(events[0]!.line['ftpdiag']).to.deep.equal({ version: TOOL_VERSION });
    expect(kinds.at(-1)).to.equal('report');
    expect(kinds.filter((k) => k === 'report')).to.have.length(1);
    const resetAt = events.findIndex((e) => e.line['event'] === 'finding' && e.line['id'] === 'upload-reset');
    expect(events[resetAt]!.stopped, 'upload-reset printed before the stop').to.equal(false);

    // every finding and transfer stands alone in a log pipeline: its time and addresses, in
    // time order
    const streamedEvents = events.map((e) => e.line).filter((l) => l['event'] === 'finding' || l['event'] === 'transfer');
    for (const l of streamedEvents) {
      expect(l['timestamp']).to.match(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}\+0000$/);
      expect(l['client']).to.have.keys('addr', 'port');
      expect(l['server']).to.have.keys('addr', 'port');
    }
    const ts = streamedEvents.map((l) => l['ts'] as number);
    expect(ts).to.deep.equal([...ts].sort((a, b) => a - b));

    // transfers streamed as they settled: the clean STOR and RETR, then the cut STOR
    const transfers = events.filter((e) => e.line['event'] === 'transfer').map((e) => e.line as unknown as TransferJson);
    expect(transfers.map((t) => `${t.command} ${t.argument} ${t.outcome}`)).to.deep.equal(['STOR clean.bin complete', 'RETR clean.bin complete', `STOR cut.bin ${transfers[2]?.outcome}`]);
    expect(transfers[2]!.outcome).to.not.equal('complete');

    const report = events.at(-1)!.line as { findings: Finding[]; capture: { frames: number; file: string }; live: { framesWritten: number; frames: number; error: unknown } };
    expect(report.capture.file).to.equal(file);
    expect(report.live.error).to.equal(null);
    expect(report.live.framesWritten).to.equal(report.capture.frames);
    expect(report.live.frames).to.equal(report.capture.frames);

    // the same pipeline on the -w file finds the same things at the same frames
    const again = await cli(['analyze', '--json', file]);
    expect(again.err).to.equal('');
    const doc = JSON.parse(again.out) as { findings: Finding[]; capture: { frames: number } };
    expect(doc.capture.frames).to.equal(report.capture.frames);
    expect(report.findings.map(key).sort()).to.deep.equal(doc.findings.map(key).sort());
    expect(doc.findings.map((f) => f.id)).to.include('upload-reset');
    // every finding streamed live that is not superseded in the final list is in it verbatim
    const finalKeys = new Set(doc.findings.map(key));
    const streamed = events.filter((e) => e.line['event'] === 'finding').map((e) => e.line as unknown as Finding);
    expect(streamed.filter((f) => finalKeys.has(key(f))).length).to.be.greaterThan(0);
    expect(finalKeys.has(key(streamed.find((f) => f.id === 'upload-reset')!))).to.equal(true);
  });

  it('-w survives SIGINT: the subprocess prints the report and the file holds every frame', async function () {
    if (!isRoot) this.skip();
    const s = server!;
    const file = join(tmp, 'sigint.pcap');
    const child = spawn(process.execPath, [join(repo, 'bin/ftpdiag.js'), 'live', '-i', 'lo', '-f', filterFor(s), '-w', file, '--color'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '' },
    });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (t: string) => (out += t));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    try {
      expect(await until(() => /capturing on lo/.test(err) || child.exitCode !== null, 10000), 'capture started').to.equal(true);
      expect(err).to.match(/capturing on lo/);
      const replies = await resetUpload(s);
      expect(replies[0]).to.equal(150);
      await sleep(150); // the QUIT exchange's last frames; no wait for the close grace: the
      //                   streaming itself is the first test's, this one is about SIGINT and -w
      child.kill('SIGINT');
      const code = await exited;
      expect(code, err).to.equal(1); // the upload-reset error reaches the default --fail-on error
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    // the report (coloured: --color) names the file and holds the finding
    expect(out).to.match(/ {2}\x1b\[1;31mERROR\x1b\[0m \x1b\[1mupload-reset\x1b\[0m — /);
    const summaryLine = new RegExp(`${file.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\x1b\\[0m: pcap, EN10MB, (\\d+) frames`);
    const m = summaryLine.exec(out);
    expect(m, out).to.not.equal(null);
    let frames = 0;
    const summary = await readCapture(file, () => void frames++);
    expect(summary.truncated).to.equal(false);
    expect(frames).to.equal(Number(m![1]));
    expect(frames).to.be.greaterThan(10);
    expect(err).to.match(new RegExp(`stopped after [\\d.]+ s \\(signal\\): ${frames} frames \\(\\d+ dropped by the kernel\\), ${frames} written to `));
  });

  it('-w - writes the capture to standard output (tcpdump -w -), the findings and the report to standard error', async function () {
    if (!isRoot) this.skip();
    const s = server!;
    const child = spawn(process.execPath, [join(repo, 'bin/ftpdiag.js'), 'live', '-i', 'lo', '-f', filterFor(s), '-w', '-'], {
      cwd: repo,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: { ...process.env, NO_COLOR: '1' },
    });
    const chunks: Buffer[] = [];
    let err = '';
    child.stdout.on('data', (b: Buffer) => chunks.push(b));
    child.stderr.setEncoding('utf8').on('data', (t: string) => (err += t));
    const exited = new Promise<number | null>((r) => child.on('close', (code) => r(code)));
    try {
      expect(await until(() => /capturing on lo/.test(err) || child.exitCode !== null, 10000), 'capture started').to.equal(true);
      expect(err).to.match(/capturing on lo with \w+, filter '.*', writing the capture to standard output/);
      await resetUpload(s);
      await sleep(150);
      child.kill('SIGINT');
      expect(await exited, err).to.equal(1);
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
    const file = join(tmp, 'from-stdout.pcap');
    writeFileSync(file, Buffer.concat(chunks));
    let frames = 0;
    const summary = await readCapture(file, () => void frames++);
    expect(summary.truncated).to.equal(false);
    expect(frames).to.be.greaterThan(10);
    // nothing but the capture on standard output: the report is on standard error
    expect(err).to.match(/ERROR upload-reset — /);
    expect(err).to.match(new RegExp(`live capture on lo: pcap, EN10MB, ${frames} frames`));
    expect(err).to.match(new RegExp(`stopped after [\\d.]+ s \\(signal\\): ${frames} frames \\(\\d+ dropped by the kernel\\), ${frames} written to standard output`));
  });

  it('the interface going away: reports what was captured and exits 2', async function () {
    if (!isRoot) this.skip();
    const name = `fdlv${process.pid % 100000}`;
    try {
      execFileSync('ip', ['link', 'add', name, 'type', 'veth', 'peer', 'name', `${name}p`], { stdio: 'pipe' });
    } catch {
      this.skip(); // no veth here (container without the module)
    }
    let err = '';
    let out = '';
    try {
      execFileSync('ip', ['link', 'set', name, 'up']);
      const io: Partial<LiveIO> = { out: (t) => void (out += t), err: (t) => void (err += t) };
      const running = cli(['live', '-i', name, '-f', '', '--duration', '10'], io);
      expect(await until(() => /capturing on/.test(err) || /ftpdiag: (?!capturing)/.test(err), 8000)).to.equal(true);
      execFileSync('ip', ['link', 'del', name]);
      const r = await running;
      expect(r.code).to.equal(2);
    } finally {
      spawnSync('ip', ['link', 'del', name], { stdio: 'ignore' });
    }
    expect(err).to.match(new RegExp(`ftpdiag: interface ${name} went away during the capture`));
    expect(err).to.match(/capture failed after/);
    expect(out).to.match(new RegExp(`live capture on ${name}: pcap, .*\\d+ frames?`));
    expect(out).to.include(`capture error: interface ${name} went away`);
  });

  it('no permission (run as nobody): one line saying how to fix it, exit 2', async function () {
    if (!isRoot) this.skip(); // as any other user the message is checked by the real run
    if (!hasSetpriv) this.skip(); // setpriv (util-linux) is needed to drop to nobody
    const where = await placeForNobody();
    if ('skip' in where) {
      this.test!.title += ` — skipped: ${where.skip}`;
      this.skip();
    }
    try {
      const r = spawnSync('setpriv', [...AS_NOBODY, process.execPath, where.script, 'live', '-i', 'lo'], {
        cwd: where.cwd,
        encoding: 'utf8',
        timeout: 12000,
        env: { ...process.env, HOME: where.cwd },
      });
      expect(r.status, r.stderr).to.equal(2);
      expect(r.stdout).to.equal('');
      const lines = r.stderr.trim().split('\n');
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/^ftpdiag: no permission to capture on lo.*: run as root \(sudo\), or let tcpdump capture as your user: sudo setcap cap_net_raw,cap_net_admin=eip \$\(which tcpdump\)$/);
    } finally {
      where.remove();
    }
  });

  it('unknown interface: names the real ones, exit 2', async () => {
    const r = await cli(['live', '-i', 'nosuch0']);
    expect(r.code).to.equal(2);
    expect(r.out).to.equal('');
    expect(r.err).to.match(/^ftpdiag: no interface named 'nosuch0'; interfaces: .*\blo\b.* \(ftpdiag interfaces lists them\)\n$/);
  });

  it('usage errors exit 2 before anything is captured', async () => {
    for (const bad of [['--count', '0'], ['--count', '1.5'], ['--duration', '-1'], ['--snaplen', '0'], ['--backend', 'pcapy']]) {
      const r = await cli(['live', '-i', 'lo', ...bad]);
      expect(r.code, bad.join(' ')).to.equal(2);
      expect(r.err).to.match(/^ftpdiag: /);
      expect(r.err).to.not.match(/capturing on/);
    }
    expect((await cli(['live'])).err).to.equal('ftpdiag: live needs an interface: -i NAME (ftpdiag interfaces lists them)\n');
  });

  it('--count stops the capture by itself', async function () {
    if (!isRoot) this.skip();
    const s = server!;
    const io: Partial<CliIO> = {};
    let err = '';
    let out = '';
    const running = cli(['live', '-i', 'lo', '-f', filterFor(s), '--count', '3', '--duration', '10', '--json'], { ...io, out: (t) => void (out += t), err: (t) => void (err += t) });
    expect(await until(() => /capturing on/.test(err), 8000)).to.equal(true);
    const c = await RawFtp.connect({ host: '127.0.0.1', port: s.port, timeoutMs: 5000 });
    await c.quit();
    const r = await running;
    expect(r.code).to.equal(0);
    expect(err).to.match(/stopped after [\d.]+ s \(--count\): \d+ frames/);
    const report = JSON.parse(out.trim().split('\n').at(-1)!) as { live: { stopReason: string }; capture: { frames: number } };
    expect(report.live.stopReason).to.equal('count');
    expect(report.capture.frames).to.be.at.least(3);
  });

  it('--format zeek: conn.log and ftp.log in --log-dir when the capture stops', async function () {
    if (!isRoot) this.skip();
    const s = server!;
    const dir = join(tmp, 'zeek-logs');
    let err = '';
    let out = '';
    const running = cli(['live', '-i', 'lo', '-f', filterFor(s), '--count', '8', '--duration', '10', '--format', 'zeek', '--log-dir', dir], { out: (t) => void (out += t), err: (t) => void (err += t) });
    expect(await until(() => /capturing on/.test(err), 8000)).to.equal(true);
    const c = await RawFtp.connect({ host: '127.0.0.1', port: s.port, timeoutMs: 5000 });
    await c.quit();
    const r = await running;
    expect(r.code, err).to.equal(0);
    expect(out).to.equal('');
    expect(err).to.match(/wrote conn\.log \(\d+ rows?\) and ftp\.log \(0 rows\) in /);
    const conn = readZeekLog(readFileSync(join(dir, 'conn.log'), 'utf8')).rows;
    expect(conn.some((x) => x['service'] === 'ftp' && x['id.resp_p'] === s.port)).to.equal(true);
    expect(readZeekLog(readFileSync(join(dir, 'ftp.log'), 'utf8')).header.path).to.equal('ftp');
    const bad = await cli(['live', '-i', 'lo', '--log-dir', dir]);
    expect(bad.code).to.equal(2);
    expect(bad.err).to.match(/^ftpdiag: --log-dir goes with --format zeek/);
  });
});

describe('cli: live output lines escape wire strings', () => {
  const finding: Finding = {
    id: 'upload-reset',
    severity: 'error',
    title: 'Upload ended with RST',
    summary: 'STOR evil\x1b[2J.bin (transfer 0): reset at frame 31',
    explanation: '',
    action: '',
    references: [],
    frames: [22, 31],
    connection: 1,
    session: 0,
    transfer: 0,
  };

  it('a finding line: head with frames, summary escaped and indented', () => {
    const text = liveFindingText(finding, new Styler(false), 100, '12:00:00');
    expect(text).to.equal('12:00:00 ERROR upload-reset — Upload ended with RST  [frames 22, 31]\n         STOR evil\\x1b[2J.bin (transfer 0): reset at frame 31\n');
    expect(text).to.not.include('\x1b');
  });

  it('a transfer line: argument escaped', () => {
    const t = transferRecord(3, { command: 'RETR', argument: 'a\u202eb\r\n', mode: 'passive', bytes: 10, replyCodes: [150, 226], outcome: 'complete' });
    expect(liveTransferText(transferView(t), new Styler(false), '12:00:00')).to.equal('12:00:00 transfer 3: RETR a\\u{202E}b\\x0d\\x0a, passive, 10 bytes, replies 150 226 — complete\n');
    // a transfer whose data connection is not in the capture: its bytes are not 0
    const nc = transferView(transferRecord(4, { bytesStatus: 'not-captured', replyCodes: [150, 226] }));
    expect(liveTransferText(nc, new Styler(false), '12:00:00')).to.include(', bytes not captured,');
  });
});

describe('cli: ftpdiag interfaces', () => {
  it('lists lo as up and loopback, aligned, with its address', async () => {
    const r = await cli(['interfaces']);
    expect(r.code).to.equal(0);
    const lines = r.out.trimEnd().split('\n');
    expect(lines[0]).to.match(/^NAME +STATE +TYPE +ADDRESSES$/);
    const lo = lines.find((l) => l.startsWith('lo '));
    expect(lo).to.match(/^lo +up +loopback +127\.0\.0\.1/);
    // columns line up: STATE starts at the same offset on every row
    const col = lines[0]!.indexOf('STATE');
    for (const l of lines.slice(1)) expect(l.slice(col)).to.match(/^(up|down)/);
  });

  it('--json: an array of interfaces', async () => {
    const r = await cli(['interfaces', '--json']);
    expect(r.code).to.equal(0);
    const list = JSON.parse(r.out) as Array<{ name: string; up: boolean; loopback: boolean; addresses: string[] }>;
    const lo = list.find((i) => i.name === 'lo')!;
    expect(lo).to.include({ up: true, loopback: true });
    expect(lo.addresses).to.include('127.0.0.1');
  });

  it('the table escapes names and shows descriptions for devices without addresses', () => {
    const t = interfacesTable([
      { name: 'eth\x1b0', up: false, loopback: false, addresses: [] },
      { name: 'any', up: true, loopback: false, addresses: [], description: 'Pseudo-device' },
    ]);
    expect(t).to.equal('NAME      STATE  TYPE  ADDRESSES\neth\\x1b0  down\nany       up           (Pseudo-device)\n');
  });
});
