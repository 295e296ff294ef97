// Live capture backends measured side by side on loopback: node --import tsx bench/live-backends.ts
// (root needed). Each scenario runs a traffic generator in a child process (a TCP client and
// server on 127.0.0.1, so the capturing process does nothing but capture) while two captures
// run: the backend under test, through openLive, and a reference tcpdump writing straight to a
// file with a 128 MiB kernel ring. Segments are matched across the two by TCP key, giving:
// frames delivered vs the reference, frame-time error vs the kernel's timestamp, and frames cut
// (capLen below the reference's wire length).
// The last rows check what each backend does when the interface disappears (in a private
// network namespace: unshare -n), and what cap's API carries (evidence for cap-backend.ts).
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { readCapture } from '../src/capture/read.ts';
import { openLive } from '../src/capture/live/index.ts';
import type { BackendChoice } from '../src/capture/live/types.ts';
import { peekTcp, segmentKey } from '../test/live/tcp-peek.ts';

const repo = fileURLToPath(new URL('../', import.meta.url));

export interface Scenario {
  name: string;
  mode: 'stream' | 'pingpong'; // stream: client writes, server reads; pingpong: server echoes each
  //                              write and the client waits for the echo before the next one
  messages: number; //    client writes
  size: number; //        bytes per write
  rate: number; //        writes per second; 0 = as fast as the socket (or the echo) allows
  sinkWorkUs: number; //  busy-wait per frame in onFrame, µs (an analysis stage that is slow)
}

export const SCENARIOS: Scenario[] = [
  { name: 'paced 2000 writes/s', mode: 'stream', messages: 3000, size: 200, rate: 2000, sinkWorkUs: 0 },
  { name: 'ping-pong, max rate', mode: 'pingpong', messages: 5000, size: 200, rate: 0, sinkWorkUs: 0 },
  { name: 'paced 2000/s, sink 200 µs/frame', mode: 'stream', messages: 2000, size: 200, rate: 2000, sinkWorkUs: 200 },
  { name: 'bulk 16 MB (64 KiB frames)', mode: 'stream', messages: 80000, size: 200, rate: 0, sinkWorkUs: 0 },
];

export interface Figures {
  backend: string;
  scenario: string;
  reference: number; //    frames the reference tcpdump recorded
  refDropped: number | null;
  delivered: number; //    frames the backend delivered
  matched: number; //      delivered frames found in the reference
  missing: number; //      reference frames the backend did not deliver
  missingAtEnd: number; // of those, the ones after the last frame delivered (lost at stop)
  medianErrUs: number; //  |frame time - kernel time|, median, µs
  p99ErrUs: number;
  maxErrUs: number;
  cut: number; //          delivered frames shorter than the reference's wire length
  maxCapLen: number; //    bytes
  maxRefLen: number; //    bytes, the reference's largest wire length
  kernelDropped: number | null;
}

// Generator: server and client on 127.0.0.1 in one child; prints the port, waits for "go",
// sends, prints "done" once the server has read everything and both sides closed.
const GENERATOR = String.raw`
const net = require('net');
const [messages, size, rate, mode] = [Number(process.env.N), Number(process.env.SIZE), Number(process.env.RATE), process.env.MODE];
const total = messages * size;
let got = 0;
const srv = net.createServer((s) => {
  s.setNoDelay(true);
  s.on('data', (d) => { got += d.length; if (mode === 'pingpong') s.write(d); });
  s.on('end', () => s.end());
  s.on('close', () => { process.stdout.write('done ' + got + '\n'); srv.close(); });
});
srv.listen(0, '127.0.0.1', () => {
  process.stdout.write('port ' + srv.address().port + '\n');
  process.stdin.once('data', () => {
    const buf = Buffer.alloc(size, 0x61);
    const c = net.connect(srv.address().port, '127.0.0.1', () => {
      c.setNoDelay(true);
      if (mode === 'pingpong') { c.write(buf); return; }
      const t0 = performance.now();
      let i = 0;
      const pump = () => {
        while (i < messages) {
          if (rate > 0 && performance.now() - t0 < (i * 1000) / rate) { setTimeout(pump, 0); return; }
          i++;
          if (!c.write(buf) && rate === 0) { c.once('drain', pump); return; }
        }
        c.end();
      };
      pump();
    });
    let echoed = 0, sent = 1;
    c.on('data', (d) => {
      if (mode !== 'pingpong') return;
      echoed += d.length;
      if (echoed === sent * size) { if (sent < messages) { sent++; c.write(buf); } else c.end(); }
    });
    c.on('close', () => {});
  });
});`;

function lines(stream: NodeJS.ReadableStream, onLine: (l: string) => void): void {
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (s: string) => {
    buf += s;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      onLine(buf.slice(0, i));
      buf = buf.slice(i + 1);
    }
  });
}

function busyWait(us: number): void {
  if (us <= 0) return;
  const end = performance.now() + us / 1000;
  while (performance.now() < end);
}

interface Seen {
  sec: number; //     frame time: s since 1970
  nsec: number; //    ns within sec
  capLen: number;
  origLen: number;
}

export async function runScenario(backend: BackendChoice, sc: Scenario, toolDirs?: string[], bufferBytes?: number): Promise<Figures> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftpdiag-live-bench-'));
  const gen = spawn(process.execPath, ['-e', GENERATOR], {
    env: { ...process.env, N: String(sc.messages), SIZE: String(sc.size), RATE: String(sc.rate), MODE: sc.mode },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let ref: ReturnType<typeof spawn> | null = null;
  try {
    const port = await new Promise<number>((resolve) => lines(gen.stdout!, (l) => l.startsWith('port ') && resolve(Number(l.slice(5)))));
    const finished = new Promise<void>((resolve) => lines(gen.stdout!, (l) => l.startsWith('done') && resolve()));
    const filter = `tcp port ${port}`;
    // reference capture
    const refFile = path.join(dir, 'ref.pcap');
    ref = spawn('tcpdump', ['-i', 'lo', '--immediate-mode', '-U', '--time-stamp-precision=nano', '-B', '131072', '-w', refFile, filter], { stdio: ['ignore', 'ignore', 'pipe'] });
    let refErr = '';
    await new Promise<void>((resolve) => ref!.stderr!.on('data', (d) => ((refErr += d), /listening on/.test(refErr) && resolve())));
    // backend under test
    const seen = new Map<string, Seen>();
    let delivered = 0;
    let maxCapLen = 0;
    const live = await openLive({
      iface: 'lo',
      filter,
      backend,
      toolDirs,
      bufferBytes,
      onFrame: (f) => {
        delivered++;
        maxCapLen = Math.max(maxCapLen, f.capLen);
        const p = peekTcp(f.data);
        if (p !== null) seen.set(segmentKey(p), { sec: f.tsSec, nsec: f.tsNsec, capLen: f.capLen, origLen: f.origLen });
        busyWait(sc.sinkWorkUs);
      },
    });
    gen.stdin!.write('go\n');
    await finished;
    const summary = await live.stop();
    const refClosed = new Promise<void>((r) => ref!.on('close', () => r()));
    ref.kill('SIGINT');
    await refClosed;
    const refDropped = /(\d+) packets? dropped by kernel/.exec(refErr)?.[1];
    // compare with the reference
    let reference = 0;
    let matched = 0;
    let cut = 0;
    let maxRefLen = 0;
    let missingAtEnd = 0; // reference frames since the last matched one
    const errs: number[] = [];
    await readCapture(refFile, (f) => {
      reference++;
      maxRefLen = Math.max(maxRefLen, f.origLen);
      const p = peekTcp(f.data);
      if (p === null) return;
      const s = seen.get(segmentKey(p));
      if (s === undefined) {
        missingAtEnd++;
        return;
      }
      missingAtEnd = 0;
      matched++;
      if (s.capLen < f.origLen) cut++;
      errs.push(Math.abs((s.sec - f.tsSec) * 1e6 + (s.nsec - f.tsNsec) / 1000));
    });
    errs.sort((a, b) => a - b);
    const q = (p: number) => (errs.length ? errs[Math.min(errs.length - 1, Math.floor(p * errs.length))]! : NaN);
    return {
      backend: summary.backend,
      scenario: sc.name,
      reference,
      refDropped: refDropped !== undefined ? Number(refDropped) : null,
      delivered,
      matched,
      missing: reference - matched,
      missingAtEnd,
      medianErrUs: q(0.5),
      p99ErrUs: q(0.99),
      maxErrUs: errs.at(-1) ?? NaN,
      cut,
      maxCapLen,
      maxRefLen,
      kernelDropped: summary.kernel.dropped,
    };
  } finally {
    gen.kill('SIGKILL');
    ref?.kill('SIGKILL');
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** What happens when the captured interface is deleted mid-capture, in a private netns. */
export function interfaceGoneCheck(backend: 'tcpdump' | 'cap'): string {
  const script = path.join(os.tmpdir(), `ftpdiag-gone-${process.pid}.mts`);
  fs.writeFileSync(
    script,
    `import { execSync } from 'node:child_process';
import { openLive } from ${JSON.stringify(path.join(repo, 'src/capture/live/index.ts'))};
execSync('ip link add ftpgone0 type veth peer name ftpgone1 && ip link set ftpgone0 up && ip link set ftpgone1 up');
const live = await openLive({ iface: 'ftpgone0', filter: '', backend: '${backend}', onFrame: () => {} });
setTimeout(() => execSync('ip link del ftpgone0'), 300);
const timer = setTimeout(() => { console.log('still running 3 s after the interface was deleted'); process.exit(0); }, 3300);
const s = await live.done;
clearTimeout(timer);
console.log('done: endedBy=' + s.endedBy + ' code=' + s.error?.code + ' message=' + s.error?.message);
`,
  );
  try {
    const r = spawnSync('unshare', ['-n', process.execPath, '--import', 'tsx', script], { cwd: repo, encoding: 'utf8', timeout: 15000 });
    if (r.error) return `not run: ${r.error.message}`;
    const out = r.stdout.trim();
    if (r.signal) return `node killed by ${r.signal}${/Assertion[^\n]*/.exec(r.stderr)?.[0] ? `: ${/Assertion[^\n]*/.exec(r.stderr)![0]}` : ''}`;
    return out || `exit ${r.status}: ${r.stderr.trim().split('\n').at(-1)}`;
  } finally {
    fs.rmSync(script, { force: true });
  }
}

/** cap's destructor after a failed open(): the uv_poll handle was never initialised, yet
 *  ~Pcap -> close() stops it. Run in a child so the crash is only reported. */
export function capFailedOpenGcCheck(): string {
  const capDir = path.join(repo, 'node_modules/cap');
  if (!fs.existsSync(capDir)) return 'cap not installed';
  const code = `const {Cap}=require(${JSON.stringify(capDir)}); { let c=new Cap(); try { c.open('lo','tcp and bogus',1<<20,Buffer.alloc(65535)); } catch {} c=null; } gc(); setTimeout(()=>{ gc(); console.log('alive'); }, 100);`;
  const r = spawnSync(process.execPath, ['--expose-gc', '-e', code], { encoding: 'utf8', timeout: 10000 });
  if (r.signal) return `node killed by ${r.signal}: ${r.stderr.trim().split('\n').at(-1)}`;
  return r.stdout.trim() === 'alive' ? 'survived' : `exit ${r.status}`;
}

/** Evidence from cap's own source: what its 'packet' event passes and its snaplen. */
export function capApiEvidence(): string[] {
  const src = path.join(repo, 'node_modules/cap/src/binding.cc');
  if (!fs.existsSync(src)) return ['cap not installed'];
  const text = fs.readFileSync(src, 'utf8').split('\n');
  const out: string[] = [];
  text.forEach((l, i) => {
    if (/pcap_set_snaplen|Nan::New<Number>\(copy_len\)|Nan::New<Boolean>\(truncated\)|Assertion|assert\(status == 0\)/.test(l)) out.push(`binding.cc:${i + 1}: ${l.trim()}`);
  });
  return out;
}

/** Sums a scenario's runs: counts add up, the time error keeps the median of the medians and
 *  the worst p99 and max. */
function combine(runs: Figures[]): Figures {
  const sum = (k: keyof Figures) => runs.reduce((a, f) => a + ((f[k] as number | null) ?? 0), 0);
  const meds = runs.map((f) => f.medianErrUs).sort((a, b) => a - b);
  return {
    ...runs[0]!,
    reference: sum('reference'),
    refDropped: sum('refDropped'),
    delivered: sum('delivered'),
    matched: sum('matched'),
    missing: sum('missing'),
    missingAtEnd: sum('missingAtEnd'),
    medianErrUs: meds[Math.floor(meds.length / 2)]!,
    p99ErrUs: Math.max(...runs.map((f) => f.p99ErrUs)),
    maxErrUs: Math.max(...runs.map((f) => f.maxErrUs)),
    cut: sum('cut'),
    maxCapLen: Math.max(...runs.map((f) => f.maxCapLen)),
    maxRefLen: Math.max(...runs.map((f) => f.maxRefLen)),
    kernelDropped: runs.some((f) => f.kernelDropped !== null) ? sum('kernelDropped') : null,
  };
}

async function main(): Promise<void> {
  if (process.getuid?.() !== 0) {
    console.log('bench/live-backends.ts: skipped, capturing on lo needs root (or CAP_NET_RAW for tcpdump and node)');
    return;
  }
  const runsArg = process.argv.indexOf('--runs');
  const runs = runsArg > 0 ? Number(process.argv[runsArg + 1]) : 3;
  const loadBefore = os.loadavg();
  // dumpcap is measured through the tcpdump backend's fallback: a directory holding only dumpcap
  const onlyDumpcap = fs.mkdtempSync(path.join(os.tmpdir(), 'ftpdiag-dumpcap-'));
  const dumpcap = ['/usr/bin/dumpcap', '/usr/sbin/dumpcap'].find((p) => fs.existsSync(p));
  if (dumpcap) fs.symlinkSync(dumpcap, path.join(onlyDumpcap, 'dumpcap'));
  const table = new Table({
    style: { head: [], border: [] },
    head: ['scenario', 'backend', 'ref frames', 'delivered', 'missing', 'time err µs med/p99/max', 'cut', 'max capLen/ref len', 'drops'],
  });
  try {
    for (const sc of SCENARIOS) {
      const backends: [BackendChoice, string[] | undefined, string][] = [['tcpdump', undefined, 'tcpdump'], ['cap', undefined, 'cap']];
      if (dumpcap) backends.push(['tcpdump', [onlyDumpcap], 'dumpcap']);
      for (const [b, dirs, label] of backends) {
        try {
          const results: Figures[] = [];
          for (let r = 0; r < runs; r++) results.push(await runScenario(b, sc, dirs));
          const f = combine(results);
          table.push([
            `${sc.name} x${runs}`,
            f.backend,
            `${f.reference}${f.refDropped ? ` (ref dropped ${f.refDropped})` : ''}`,
            f.delivered,
            `${f.missing}${f.missing > 0 ? ` (${f.missingAtEnd} at stop)` : ''}`,
            `${f.medianErrUs.toFixed(1)} / ${f.p99ErrUs.toFixed(0)} / ${f.maxErrUs.toFixed(0)}`,
            f.cut,
            `${f.maxCapLen}/${f.maxRefLen}`,
            f.kernelDropped ?? 'n/a',
          ]);
        } catch (e) {
          table.push([sc.name, label, { colSpan: 7, content: `failed: ${(e as Error).message}` }]);
        }
      }
    }
  } finally {
    fs.rmSync(onlyDumpcap, { recursive: true, force: true });
  }
  console.log(`load average before: ${loadBefore.map((l) => l.toFixed(1)).join(' ')} on ${os.cpus().length} cores`);
  console.log(table.toString());
  console.log('time err: |frame time - reference tcpdump kernel time|; a second kernel socket stamps ~1 µs apart');
  console.log('drops: the tool\'s "dropped by kernel" count (lo counts each packet twice); cap has none');
  console.log('interface deleted mid-capture (private netns):');
  for (const b of ['tcpdump', 'cap'] as const) console.log(`  ${b}: ${interfaceGoneCheck(b)}`);
  console.log(`cap, Cap with a failed open() garbage-collected: ${capFailedOpenGcCheck()}`);
  console.log("cap's API (node_modules/cap/src/binding.cc):");
  for (const l of capApiEvidence()) console.log(`  ${l}`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
