// End-to-end benchmark on large FTP traces (bench/big-trace.ts): `ftpdiag analyze` as a
// subprocess, the bare capture reader (the ceiling) and the baselines (tshark's TCP passes and
// `tcptrace -n -l`), each with wall time, frames/s, MB/s and peak RSS; medians over several
// interleaved runs; the targets of issue 27 checked against the baselines measured in the same run.
//
// Peak RSS comes from GNU time (`/usr/bin/time -f %M`) when installed, else from polling
// /proc/PID/status (VmHWM) of the spawned process.

import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { benchTrace, type TraceInfo, type TraceRequest } from './big-trace.ts';

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const GNU_TIME = '/usr/bin/time';

export interface E2eOptions {
  quick: boolean; //        small traces, few runs (smoke test)
  regen: boolean; //        rebuild the cached traces
  runs: number; //          runs per measurement (medians) on prefixes and the bare reader
  runsBig: number; //       runs of analyze on the full traces (minutes each)
  heapMB: number; //        also measure analyze with --max-old-space-size=heapMB on the full traces (0: no)
  runTimeout: number; //    seconds one analyze/reader run may take before it is killed (and reported failed)
  tsharkBound: number; //   seconds a tshark pass may take on the full trace before the prefix is used
  tshark: boolean; //       measure tshark at all
  tcptrace: boolean; //     measure tcptrace at all
  traces: string[] | null; // only these traces (by name), or all
  noFull: boolean; //       the sequential trace on its prefix only, and no concurrent trace (a busy machine)
  compareWith: string | null; // another tree's root (e.g. a checkout of the branch point, bundle built): its analyze is measured in the same runs
  log: (s: string) => void;
}

export interface Measured {
  failed?: string; //   the process failed (e.g. out of memory): no figures
  wallMs: number; //    median wall time, ms
  cpuMs: number; //     median user + system CPU time, ms (GNU time; NaN without it): steadier than wall time on a busy machine
  rssMB: number; //     largest peak RSS over the runs, MB (10^6 bytes)
  runs: number;
  frames: number; //    frames of the file measured
  bytes: number; //     its size
  note: string;
}

export interface TraceResult {
  trace: TraceInfo;
  reader: Measured;
  analyze: Measured;
  analyzeJson: Measured | null;
  analyzeBigHeap: Measured | null;
  analyzePrefix: Measured | null; // the sequential trace's 1M-frame prefix (scaling check)
  readerPrefix: Measured | null;
  tsharkConv: Measured | null; //         on the full trace (null: not run, see the prefix's note)
  tsharkExpert: Measured | null;
  tsharkConvPrefix: Measured | null;
  tsharkExpertPrefix: Measured | null;
  tcptrace: Measured | null; //           `tcptrace -n -l` on the full trace
  tcptracePrefix: Measured | null;
  /** Released units (sessions and lone connections, the capture's own findings included) of the
   *  file the per-unit cost is quoted for (the prefix when there is one), or null. */
  units: { file: string; count: number } | null;
  /** The text report of the tree given by --compare-with, measured in the same interleaved runs. */
  other: { analyze: Measured; analyzePrefix: Measured | null } | null;
}

interface RunOutcome {
  wallMs: number;
  cpuMs: number;
  rssKB: number;
  code: number | null;
  stdout: string;
  timedOut: boolean;
}

/** Runs `cmd args` to completion (or `timeoutMs`), stdout to /dev/null unless `keepStdout`. */
function runMeasured(cmd: string, args: string[], opts: { timeoutMs?: number; keepStdout?: boolean; env?: NodeJS.ProcessEnv | undefined } = {}): Promise<RunOutcome> {
  const haveTime = fs.existsSync(GNU_TIME);
  const timeFile = path.join(os.tmpdir(), `ftpdiag-bench-time-${process.pid}.txt`);
  const argv = haveTime ? ['-f', '%e %M %U %S', '-o', timeFile, cmd, ...args] : args;
  const exe = haveTime ? GNU_TIME : cmd;
  const devNull = opts.keepStdout ? 'pipe' : fs.openSync('/dev/null', 'w');
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    // own process group, so a timeout can end tshark (time's child) too
    const child = spawn(exe, argv, { cwd: ROOT, stdio: ['ignore', devNull, 'pipe'], detached: true, env: opts.env ?? process.env });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr!.on('data', (d: Buffer) => {
      if (stderr.length < 10_000) stderr += d.toString();
    });
    let hwmKB = 0;
    const poll = haveTime
      ? null
      : setInterval(() => {
          try {
            const m = /VmHWM:\s+(\d+)/.exec(fs.readFileSync(`/proc/${child.pid}/status`, 'utf8'));
            if (m) hwmKB = Math.max(hwmKB, Number(m[1]));
          } catch {
            // exited between polls
          }
        }, 50);
    let timedOut = false;
    const timer =
      opts.timeoutMs !== undefined
        ? setTimeout(() => {
            timedOut = true;
            try {
              process.kill(-child.pid!, 'SIGKILL');
            } catch {
              // already gone
            }
          }, opts.timeoutMs)
        : null;
    child.on('error', reject);
    child.on('close', (code) => {
      const wallMs = Number(process.hrtime.bigint() - t0) / 1e6;
      if (timer) clearTimeout(timer);
      if (poll) clearInterval(poll);
      if (typeof devNull === 'number') fs.closeSync(devNull);
      let rssKB = hwmKB;
      let cpuMs = NaN;
      if (haveTime && fs.existsSync(timeFile)) {
        const line = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
        const f = line.split(' ');
        rssKB = Number(f[1] ?? 0) || 0;
        cpuMs = (Number(f[2]) + Number(f[3])) * 1000;
        fs.rmSync(timeFile, { force: true });
      }
      if (!timedOut && code !== 0 && code !== 1) {
        const why = /heap out of memory|Invalid string length|ERR_STRING_TOO_LONG/.exec(stderr)?.[0] ?? stderr.trim().split('\n').slice(-3).join(' | ');
        reject(new Error(`exit ${code}${rssKB ? ` at ${(rssKB / 1000).toFixed(0)} MB` : ''}: ${why}`));
        return;
      }
      resolve({ wallMs, cpuMs, rssKB, code, stdout, timedOut });
    });
  });
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

/** Measures several subjects in interleaved runs (noise hits all of them alike). */
async function measureInterleaved(
  subjects: Array<{ key: string; cmd: string; args: string[]; frames: number; bytes: number; runs: number; env?: NodeJS.ProcessEnv; note?: string }>,
  log: (s: string) => void,
  timeoutMs: number,
): Promise<Map<string, Measured>> {
  const times = new Map<string, number[]>();
  const cpus = new Map<string, number[]>();
  const rss = new Map<string, number>();
  const failed = new Map<string, string>();
  const most = Math.max(...subjects.map((s) => s.runs));
  for (let i = 0; i < most; i++) {
    for (const s of subjects) {
      if (i >= s.runs || failed.has(s.key)) continue;
      try {
        const r = await runMeasured(s.cmd, s.args, { env: s.env, timeoutMs });
        if (r.timedOut) throw new Error(`killed after ${(timeoutMs / 1000).toFixed(0)} s at ${(r.rssKB / 1000).toFixed(0)} MB`);
        times.set(s.key, [...(times.get(s.key) ?? []), r.wallMs]);
        cpus.set(s.key, [...(cpus.get(s.key) ?? []), r.cpuMs]);
        rss.set(s.key, Math.max(rss.get(s.key) ?? 0, r.rssKB));
        log(`  run ${i + 1}/${s.runs} ${s.key}: ${(r.wallMs / 1000).toFixed(2)} s (CPU ${(r.cpuMs / 1000).toFixed(2)} s), ${(r.rssKB / 1000).toFixed(0)} MB`);
      } catch (e) {
        failed.set(s.key, (e as Error).message);
        const at = /at (\d+) MB/.exec((e as Error).message);
        if (at) rss.set(s.key, Math.max(rss.get(s.key) ?? 0, Number(at[1]) * 1000));
        log(`  run ${i + 1}/${s.runs} ${s.key}: FAILED ${(e as Error).message}`);
      }
    }
  }
  const out = new Map<string, Measured>();
  for (const s of subjects) {
    const t = times.get(s.key) ?? [];
    const f = failed.get(s.key);
    out.set(s.key, {
      ...(f !== undefined ? { failed: f } : {}),
      wallMs: t.length > 0 && f === undefined ? median(t) : NaN,
      cpuMs: t.length > 0 && f === undefined ? median(cpus.get(s.key)!) : NaN,
      rssMB: ((rss.get(s.key) ?? 0) * 1024) / 1e6,
      runs: t.length,
      frames: s.frames,
      bytes: s.bytes,
      note: s.note ?? '',
    });
  }
  return out;
}

const NODE = process.execPath;
// the default text report, as a user runs it (the command itself, so its shebang's V8 flags
// apply); --json is measured on the full trace as well
const analyzeCmd = (file: string, json = false, root = ROOT) => ({ cmd: path.join(root, 'bin', 'ftpdiag.js'), args: ['analyze', ...(json ? ['--json'] : []), file] });

/** bench/read-only.ts compiled to one JavaScript file (bundleReader), run by plain node like the
 *  CLI's bundle: through tsx, ~0.55 s of its ~0.77 s CPU on the bulk trace was tsx compiling the
 *  sources at start-up, and the ceiling analyze is compared with was inflated by that much. */
let readerBundle = '';

/** Bundles bench/read-only.ts as scripts/build-bundle.mjs bundles the CLI (esbuild, ESM, node20,
 *  dependencies external) into a folder of its own under the temp dir; removed at exit. */
async function bundleReader(): Promise<string> {
  if (readerBundle !== '') return readerBundle;
  const { build } = await import('esbuild');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftpdiag-bench-reader-'));
  process.on('exit', () => fs.rmSync(dir, { recursive: true, force: true }));
  const out = path.join(dir, 'read-only.mjs');
  await build({ entryPoints: [path.join(ROOT, 'bench', 'read-only.ts')], bundle: true, platform: 'node', format: 'esm', target: 'node20', packages: 'external', outfile: out, logLevel: 'warning' });
  readerBundle = out;
  return out;
}

const readerCmd = (file: string) => ({ cmd: NODE, args: [readerBundle, file] });

/** The baselines: tshark's two passes and tcptrace's TCP bookkeeping (a C tool that does only
 *  that). Output to /dev/null like analyze's report. */
const baselineCmds = (file: string) => [
  { key: 'tshark-conv', cmd: 'tshark', args: ['-q', '-z', 'conv,tcp', '-r', file] },
  { key: 'tshark-expert', cmd: 'tshark', args: ['-q', '-z', 'expert', '-r', file] },
  { key: 'tcptrace', cmd: 'tcptrace', args: ['-n', '-l', file] },
];

/** One run of a baseline on the full trace, unless the same pass on the prefix (measured in
 *  `prefix`) says it would take longer than the bound: then it is left out and the prefix's
 *  figure stands (the note says so: compare per frame). */
async function measureFullOnce(
  s: { key: string; cmd: string; args: string[] },
  trace: TraceInfo,
  prefix: Measured | null,
  opts: E2eOptions,
): Promise<Measured | null> {
  if (prefix && prefix.failed === undefined) {
    const estimate = (prefix.wallMs / 1000) * (trace.frames / prefix.frames);
    if (estimate > opts.tsharkBound) {
      prefix.note = `full trace not run: estimated at ${estimate.toFixed(0)} s > ${opts.tsharkBound} s bound; compare per frame`;
      return null;
    }
  }
  try {
    const r = await runMeasured(s.cmd, s.args, { timeoutMs: opts.tsharkBound * 1000 });
    opts.log(`  ${s.key} on ${path.basename(trace.file)}: ${(r.wallMs / 1000).toFixed(1)} s${r.timedOut ? ' (timed out)' : ''}, ${(r.rssKB / 1000).toFixed(0)} MB`);
    return {
      ...(r.timedOut ? { failed: `killed after ${opts.tsharkBound} s` } : {}),
      wallMs: r.wallMs,
      cpuMs: r.cpuMs,
      rssMB: (r.rssKB * 1024) / 1e6,
      runs: 1,
      frames: trace.frames,
      bytes: trace.bytes,
      note: '',
    };
  } catch (e) {
    opts.log(`  ${s.key} on ${path.basename(trace.file)}: FAILED ${(e as Error).message}`);
    return { failed: (e as Error).message, wallMs: NaN, cpuMs: NaN, rssMB: 0, runs: 0, frames: trace.frames, bytes: trace.bytes, note: '' };
  }
}

async function toolAvailable(cmd: string, args: string[]): Promise<boolean> {
  try {
    const r = await runMeasured(cmd, args, { keepStdout: true });
    return r.code === 0;
  } catch {
    return false;
  }
}

/** Released units of `file`, counted once in process and cached beside it (keyed by its size and
 *  time): the per-unit cost of the short-sessions target divides analyze's time by this. */
async function releasedUnits(file: string, log: (s: string) => void): Promise<number> {
  const cache = `${file}.units.json`;
  const st = fs.statSync(file);
  const key = `${st.size}|${st.mtimeMs}`;
  try {
    const c = JSON.parse(fs.readFileSync(cache, 'utf8')) as { key: string; units: number };
    if (c.key === key) return c.units;
  } catch {
    // not counted yet
  }
  log(`  counting the released units of ${path.basename(file)} (once, cached)`);
  const { analyzeFile } = await import('../src/pipeline/analyze.ts');
  const { loadRules } = await import('../src/diagnose/rule-loader.ts');
  let units = 0;
  await analyzeFile(file, { rules: loadRules([]), release: () => void units++ });
  fs.writeFileSync(cache, JSON.stringify({ key, units }));
  return units;
}

export async function benchEndToEnd(opts: E2eOptions): Promise<TraceResult[]> {
  await bundleReader();
  const requests: TraceRequest[] = opts.quick
    ? [
        { name: 'quick-seq', layout: 'sequential', frames: 200_000, prefixFrames: 20_000 },
        { name: 'quick-concurrent', layout: 'concurrent', concurrent: 5_000 },
        { name: 'quick-long-session', layout: 'long-session', transfers: 5_000, prefixFrames: 7_000 },
        { name: 'quick-bulk', layout: 'bulk', transfers: 2, segments: 50_000 },
      ]
    : [
        { name: 'ftp-10m', layout: 'sequential', frames: 10_500_000, prefixFrames: 1_000_000 },
        { name: 'ftp-concurrent', layout: 'concurrent', concurrent: 100_000 },
        // 14 frames a transfer: the prefix holds the first 10^4 transfers
        { name: 'ftp-long-session', layout: 'long-session', transfers: 100_000, prefixFrames: 140_000 },
        // 1.5 frames a segment (an ACK every second one): 3M frames, ~0.4 GB
        { name: 'ftp-bulk', layout: 'bulk', transfers: 4, segments: 500_000 },
      ];
  const withTshark = opts.tshark && (await toolAvailable('tshark', ['--version']));
  if (opts.tshark && !withTshark) opts.log('tshark not found: its rows are skipped (apt-get install tshark)');
  const withTcptrace = opts.tcptrace && (await toolAvailable('tcptrace', ['-v']));
  if (opts.tcptrace && !withTcptrace) opts.log('tcptrace not found: its rows are skipped (apt-get install tcptrace)');
  const out: TraceResult[] = [];
  for (const req of requests) {
    if (opts.traces && !opts.traces.includes(req.name)) continue;
    if (opts.noFull && req.layout === 'concurrent') continue;
    const trace = await benchTrace(req, { regen: opts.regen, log: opts.log });
    opts.log(`${trace.name}: ${trace.frames} frames, ${(trace.bytes / 1e6).toFixed(0)} MB, ${trace.maxConcurrentConnections} connections open at most`);
    // the baselines run where the targets compare with them: the short sessions and bulk data
    const baselinesHere = trace.layout === 'sequential' || trace.layout === 'bulk';
    const baselines = (file: string) => baselineCmds(file).filter((b) => baselinesHere && (b.cmd === 'tcptrace' ? withTcptrace : withTshark));
    // bulk data is small enough for medians of every subject on the full trace
    const fullRuns = trace.layout === 'bulk' ? opts.runs : opts.runsBig;
    const skipFull = opts.noFull && trace.layout === 'sequential' && trace.prefixFile !== null;
    const subjects: Parameters<typeof measureInterleaved>[0] = skipFull
      ? []
      : [
          { key: 'reader', ...readerCmd(trace.file), frames: trace.frames, bytes: trace.bytes, runs: opts.runs },
          { key: 'analyze', ...analyzeCmd(trace.file), frames: trace.frames, bytes: trace.bytes, runs: fullRuns },
          { key: 'analyze-json', ...analyzeCmd(trace.file, true), frames: trace.frames, bytes: trace.bytes, runs: opts.runsBig },
        ];
    const other = opts.compareWith;
    if (other && !skipFull) subjects.push({ key: 'other-analyze', ...analyzeCmd(trace.file, false, other), frames: trace.frames, bytes: trace.bytes, runs: fullRuns });
    if (opts.heapMB > 0 && !skipFull) {
      subjects.push({
        key: 'analyze-bigheap',
        ...analyzeCmd(trace.file),
        frames: trace.frames,
        bytes: trace.bytes,
        runs: opts.runsBig,
        env: { ...process.env, NODE_OPTIONS: `${process.env['NODE_OPTIONS'] ?? ''} --max-old-space-size=${opts.heapMB}`.trim() },
        note: `NODE_OPTIONS=--max-old-space-size=${opts.heapMB}`,
      });
    }
    // baselines interleaved with analyze on the file they are compared on: the prefix when there
    // is one (the full trace then gets one run each, below), else the full trace
    if (!trace.prefixFile) for (const b of baselines(trace.file)) subjects.push({ ...b, frames: trace.frames, bytes: trace.bytes, runs: opts.runs });
    if (trace.prefixFile) {
      const pb = fs.statSync(trace.prefixFile).size;
      subjects.push(
        { key: 'reader-prefix', ...readerCmd(trace.prefixFile), frames: trace.prefixFrames, bytes: pb, runs: opts.runs },
        { key: 'analyze-prefix', ...analyzeCmd(trace.prefixFile), frames: trace.prefixFrames, bytes: pb, runs: opts.runs },
      );
      if (other) subjects.push({ key: 'other-analyze-prefix', ...analyzeCmd(trace.prefixFile, false, other), frames: trace.prefixFrames, bytes: pb, runs: opts.runs });
      for (const b of baselines(trace.prefixFile)) subjects.push({ ...b, key: `${b.key}-prefix`, frames: trace.prefixFrames, bytes: pb, runs: opts.runs });
    }
    const units = trace.layout === 'sequential' ? (trace.prefixFile ?? trace.file) : null;
    const unitCount = units ? await releasedUnits(units, opts.log) : 0;
    const m = await measureInterleaved(subjects, opts.log, opts.runTimeout * 1000);
    if (trace.prefixFile && !skipFull) for (const b of baselines(trace.file)) {
      const full = await measureFullOnce(b, trace, m.get(`${b.key}-prefix`) ?? null, opts);
      if (full) m.set(b.key, full);
    }
    const notRun: Measured = { failed: 'not run (--no-full)', wallMs: NaN, cpuMs: NaN, rssMB: 0, runs: 0, frames: trace.frames, bytes: trace.bytes, note: '' };
    out.push({
      trace,
      reader: m.get('reader') ?? notRun,
      analyze: m.get('analyze') ?? notRun,
      analyzeJson: m.get('analyze-json') ?? null,
      analyzeBigHeap: m.get('analyze-bigheap') ?? null,
      readerPrefix: m.get('reader-prefix') ?? null,
      analyzePrefix: m.get('analyze-prefix') ?? null,
      tsharkConv: m.get('tshark-conv') ?? null,
      tsharkExpert: m.get('tshark-expert') ?? null,
      tsharkConvPrefix: m.get('tshark-conv-prefix') ?? null,
      tsharkExpertPrefix: m.get('tshark-expert-prefix') ?? null,
      tcptrace: m.get('tcptrace') ?? null,
      tcptracePrefix: m.get('tcptrace-prefix') ?? null,
      units: units ? { file: units, count: unitCount } : null,
      other: other ? { analyze: m.get('other-analyze') ?? notRun, analyzePrefix: m.get('other-analyze-prefix') ?? null } : null,
    });
  }
  return out;
}

// ---- reporting ----------------------------------------------------------------------------------

const fps = (m: Measured) => m.frames / (m.wallMs / 1000);
const mbps = (m: Measured) => m.bytes / 1e6 / (m.wallMs / 1000);

export function resultRows(results: TraceResult[]): string[][] {
  const rows: string[][] = [];
  for (const r of results) {
    const add = (subject: string, m: Measured | null) => {
      if (!m) return;
      if (m.failed !== undefined) {
        rows.push([r.trace.name, subject, `${(m.frames / 1e6).toFixed(2)}M`, (m.bytes / 1e6).toFixed(0), 'failed', '-', '-', '-', m.rssMB.toFixed(0), `${m.failed}${m.note ? `; ${m.note}` : ''}`]);
        return;
      }
      rows.push([
        r.trace.name,
        subject,
        `${(m.frames / 1e6).toFixed(2)}M`,
        (m.bytes / 1e6).toFixed(0),
        (m.wallMs / 1000).toFixed(2),
        Number.isNaN(m.cpuMs) ? '-' : (m.cpuMs / 1000).toFixed(2),
        `${(fps(m) / 1e6).toFixed(3)}M`,
        mbps(m).toFixed(1),
        m.rssMB.toFixed(0),
        `${m.runs}${m.note ? `; ${m.note}` : ''}`,
      ]);
    };
    add('bare reader (readCapture, empty sink)', r.reader);
    add('ftpdiag analyze (text report)', r.analyze);
    add('ftpdiag analyze --json', r.analyzeJson);
    add('ftpdiag analyze, bigger heap', r.analyzeBigHeap);
    add('bare reader, prefix', r.readerPrefix);
    add('ftpdiag analyze, prefix', r.analyzePrefix);
    add('tshark -q -z conv,tcp', r.tsharkConv);
    add('tshark -q -z expert', r.tsharkExpert);
    add('tshark -q -z conv,tcp, prefix', r.tsharkConvPrefix);
    add('tshark -q -z expert, prefix', r.tsharkExpertPrefix);
    add('tcptrace -n -l', r.tcptrace);
    add('tcptrace -n -l, prefix', r.tcptracePrefix);
    if (r.other) {
      add('--compare-with tree: analyze (text report)', r.other.analyze);
      add('--compare-with tree: analyze, prefix', r.other.analyzePrefix);
    }
  }
  return rows;
}

export const RESULT_HEAD = ['trace', 'subject', 'frames', 'MB', 'median s', 'median CPU s', 'frames/s', 'MB/s', 'peak RSS MB', 'runs; note'];

export const TARGET_HEAD = ['workload', 'target', 'measured', 'against the baseline (same run)', 'met'];

/** One row of issue 27's target table, as measured. */
export interface TargetCheck {
  workload: string;
  target: string;
  measured: string;
  baseline: string; //   the ratio against the baseline measured in the same run
  met: boolean | null; // null: not measured
}

/** The analyze run to quote throughput from: the default one, else the bigger-heap one. */
function analyzeRun(r: TraceResult): { m: Measured; note: string } | null {
  if (r.analyze.failed === undefined) return { m: r.analyze, note: '' };
  if (r.analyzeBigHeap && r.analyzeBigHeap.failed === undefined) return { m: r.analyzeBigHeap, note: ' (bigger heap: the default run failed)' };
  return null;
}

const ok = (m: Measured | null | undefined): m is Measured => m !== null && m !== undefined && m.failed === undefined;
const x2 = (x: number) => `${x.toFixed(2)}×`;
/** " (CPU time: N×)": the same ratio in frames per CPU-second, which other processes on a busy
 *  machine disturb less than wall time (tshark and tcptrace are single-threaded too). */
const cpuX = (a: Measured, b: Measured): string => {
  const x = b.cpuMs / b.frames / (a.cpuMs / a.frames);
  return Number.isFinite(x) ? ` (CPU time: ${x2(x)})` : '';
};

/** Issue 27's targets, one row each, with today's figure, its ratio against the baseline measured
 *  in the same run (medians), and whether it is met. `analyze` runs on one core: there is no
 *  --jobs yet, so the "both cores" rows are checked with the one-core figure. */
export function targetChecks(results: TraceResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  const notMeasured = (workload: string, target: string, why: string) => checks.push({ workload, target, measured: why, baseline: '-', met: null });

  // short sessions: the sequential trace, on its prefix (medians of --runs) when it has one
  const seq = results.find((r) => r.trace.layout === 'sequential');
  const W1 = 'short sessions (sequential trace)';
  if (seq) {
    const onPrefix = seq.analyzePrefix !== null;
    const a = onPrefix ? seq.analyzePrefix : seq.analyze;
    const expert = onPrefix ? seq.tsharkExpertPrefix : seq.tsharkExpert;
    const tcptrace = onPrefix ? seq.tcptracePrefix : seq.tcptrace;
    const where = `${frameCount(a?.frames ?? 0)} frames${onPrefix ? ' (prefix)' : ''}, median of ${a?.runs ?? 0}`;
    if (ok(a) && seq.units) {
      const us = (a.wallMs * 1000) / seq.units.count;
      const cpuUs = Number.isFinite(a.cpuMs) ? `, ${((a.cpuMs * 1000) / seq.units.count).toFixed(0)} µs of CPU` : '';
      const vsT = ok(expert) ? `tshark -z expert ${((expert.wallMs * 1000) / seq.units.count).toFixed(0)} µs per unit` : '';
      const vsC = ok(tcptrace) ? `tcptrace ${((tcptrace.wallMs * 1000) / seq.units.count).toFixed(0)} µs per unit` : '';
      checks.push({ workload: W1, target: '≤ 100 µs per released unit, one core', measured: `${us.toFixed(0)} µs per unit${cpuUs} (${seq.units.count} units, ${where})`, baseline: [vsT, vsC].filter(Boolean).join('; ') || '-', met: us <= 100 });
    } else notMeasured(W1, '≤ 100 µs per released unit, one core', `analyze failed: ${a?.failed ?? 'not run'}`);
    if (ok(a) && ok(expert)) {
      const x = fps(a) / fps(expert);
      checks.push({ workload: W1, target: '≥ 5× tshark -q -z expert, both cores', measured: `${(fps(a) / 1e6).toFixed(3)}M frames/s (one core: no --jobs)`, baseline: `${x2(x)} tshark -z expert (${(fps(expert) / 1e6).toFixed(3)}M frames/s)${cpuX(a, expert)}`, met: x >= 5 });
    } else notMeasured(W1, '≥ 5× tshark -q -z expert, both cores', 'tshark not measured');
    if (ok(a) && ok(tcptrace)) {
      const x = fps(a) / fps(tcptrace);
      checks.push({ workload: W1, target: 'faster than tcptrace -n -l, both cores', measured: `${(fps(a) / 1e6).toFixed(3)}M frames/s (one core: no --jobs)`, baseline: `${x2(x)} tcptrace (${(fps(tcptrace) / 1e6).toFixed(3)}M frames/s)${cpuX(a, tcptrace)}`, met: x > 1 });
    } else notMeasured(W1, 'faster than tcptrace -n -l, both cores', 'tcptrace not measured (apt-get install tcptrace)');
  }

  // bulk data
  for (const r of results.filter((x) => x.trace.layout === 'bulk')) {
    const W = `bulk data (${r.trace.name})`;
    const a = analyzeRun(r);
    if (!a) {
      notMeasured(W, '≥ 50% of the bare reader', `analyze failed: ${r.analyze.failed}`);
      continue;
    }
    const ratio = fps(a.m) / fps(r.reader);
    checks.push({ workload: W, target: '≥ 50% of the bare reader', measured: `${(fps(a.m) / 1e6).toFixed(2)}M frames/s, median of ${a.m.runs}${a.note}`, baseline: `${(100 * ratio).toFixed(1)}% of the reader (${(fps(r.reader) / 1e6).toFixed(2)}M frames/s)${Number.isFinite(r.reader.cpuMs / a.m.cpuMs) ? ` (CPU time: ${(100 * (r.reader.cpuMs / a.m.cpuMs)).toFixed(1)}%)` : ''}`, met: ratio >= 0.5 });
    for (const [name, t] of [
      ['expert', r.tsharkExpert],
      ['conv,tcp', r.tsharkConv],
    ] as const) {
      if (!ok(t)) {
        notMeasured(W, `≥ 12× tshark -q -z ${name}`, 'tshark not measured');
        continue;
      }
      const x = fps(a.m) / fps(t);
      checks.push({ workload: W, target: `≥ 12× tshark -q -z ${name}`, measured: `${(fps(a.m) / 1e6).toFixed(2)}M frames/s`, baseline: `${x2(x)} tshark (${(fps(t) / 1e6).toFixed(3)}M frames/s, median of ${t.runs})${cpuX(a.m, t)}`, met: x >= 12 });
    }
    if (ok(r.tcptrace)) {
      const x = fps(a.m) / fps(r.tcptrace);
      checks.push({ workload: W, target: '(no target) against tcptrace -n -l', measured: `${(fps(a.m) / 1e6).toFixed(2)}M frames/s`, baseline: `${x2(x)} tcptrace (${(fps(r.tcptrace) / 1e6).toFixed(3)}M frames/s)${cpuX(a.m, r.tcptrace)}`, met: null });
    }
  }

  const rssOf = (m: Measured | null | undefined) => (m ? m.rssMB : 0);
  const fullRss = (r: TraceResult) => Math.max(rssOf(r.analyze), rssOf(r.analyzeJson), rssOf(r.analyzeBigHeap));

  // one long session
  for (const r of results.filter((x) => x.trace.layout === 'long-session')) {
    const rss = fullRss(r);
    checks.push({
      workload: `one session of ${r.trace.transfers} transfers (${r.trace.name})`,
      target: 'peak RSS < 200 MB',
      measured: `${rss.toFixed(0)} MB (text ${rssOf(r.analyze).toFixed(0)}, --json ${rssOf(r.analyzeJson).toFixed(0)})`,
      baseline: r.analyzePrefix ? `${rssOf(r.analyzePrefix).toFixed(0)} MB at its first ${frameCount(r.analyzePrefix.frames)} frames` : '-',
      met: rss < 200,
    });
  }

  // connections open at once
  for (const r of results.filter((x) => x.trace.layout === 'concurrent')) {
    const rss = fullRss(r);
    const perConn = (rss * 1e3) / r.trace.maxConcurrentConnections;
    checks.push({
      workload: `${r.trace.maxConcurrentConnections} connections open at once (${r.trace.name})`,
      target: '≤ 6 KB per open connection',
      measured: `${perConn.toFixed(1)} KB per connection (${rss.toFixed(0)} MB peak RSS, the process's own ~80 MB included)`,
      baseline: `bare reader ${rssOf(r.reader).toFixed(0)} MB`,
      met: perConn <= 6,
    });
  }

  // any trace length: memory flat with file length, time linear
  const lengthTraces = results.filter((r) => r.trace.layout !== 'concurrent' && r.trace.layout !== 'long-session');
  for (const r of lengthTraces) {
    const rss = Math.max(fullRss(r), rssOf(r.analyzePrefix));
    const detail = `${r.analyzePrefix ? `${rssOf(r.analyzePrefix).toFixed(0)} MB at ${frameCount(r.analyzePrefix.frames)} frames, ` : ''}${fullRss(r).toFixed(0)} MB at ${frameCount(r.trace.frames)}`;
    const t = r.tsharkExpert ?? r.tsharkExpertPrefix;
    checks.push({ workload: `any trace length (${r.trace.name})`, target: 'peak RSS < 200 MB (kept)', measured: `max ${rss.toFixed(0)} MB (${detail})`, baseline: t ? `tshark -z expert ${rssOf(t).toFixed(0)} MB at ${frameCount(t.frames)} frames` : '-', met: rss < 200 });
  }
  if (seq && seq.analyzePrefix) {
    const a = analyzeRun(seq);
    if (a && ok(seq.analyzePrefix)) {
      const framesX = a.m.frames / seq.analyzePrefix.frames;
      const timeX = a.m.wallMs / seq.analyzePrefix.wallMs;
      const readerX = ok(seq.reader) && ok(seq.readerPrefix) ? `the bare reader: ${x2(seq.reader.wallMs / seq.readerPrefix.wallMs)} the time` : '-';
      checks.push({
        workload: `any trace length (${seq.trace.name})`,
        target: `${framesX.toFixed(1)}× the frames in ≤ ${(framesX * 1.1).toFixed(1)}× the time (kept)`,
        measured: `${x2(timeX)} the time${a.note}`,
        baseline: readerX,
        met: timeX <= framesX * 1.1,
      });
    }
  }
  return checks;
}

/** The same results with the --compare-with tree's analyze in place of this tree's (its --json
 *  is not measured). */
export function otherTreeResults(results: TraceResult[]): TraceResult[] | null {
  if (results.some((r) => r.other === null)) return null;
  return results.map((r) => ({ ...r, analyze: r.other!.analyze, analyzePrefix: r.other!.analyzePrefix, analyzeJson: null, analyzeBigHeap: null }));
}

export const checkCells = (c: TargetCheck): string[] => [c.workload, c.target, c.measured, c.baseline, c.met === null ? '-' : c.met ? 'met' : 'NOT MET'];

/** 10.5M, 200k */
function frameCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : `${Math.round(n / 1e3)}k`;
}

export function machineLine(): string {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}

