// End-to-end benchmark on large FTP traces (bench/big-trace.ts): `ftpdiag analyze --json` as a
// subprocess, the bare capture reader (the ceiling) and tshark's TCP passes, each with wall time,
// frames/s, MB/s and peak RSS; medians over several runs; ratios against the targets.
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
  log: (s: string) => void;
}

export interface Measured {
  failed?: string; //   the process failed (e.g. out of memory): no figures
  wallMs: number; //    median wall time, ms
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
}

interface RunOutcome {
  wallMs: number;
  rssKB: number;
  code: number | null;
  stdout: string;
  timedOut: boolean;
}

/** Runs `cmd args` to completion (or `timeoutMs`), stdout to /dev/null unless `keepStdout`. */
function runMeasured(cmd: string, args: string[], opts: { timeoutMs?: number; keepStdout?: boolean; env?: NodeJS.ProcessEnv | undefined } = {}): Promise<RunOutcome> {
  const haveTime = fs.existsSync(GNU_TIME);
  const timeFile = path.join(os.tmpdir(), `ftpdiag-bench-time-${process.pid}.txt`);
  const argv = haveTime ? ['-f', '%e %M', '-o', timeFile, cmd, ...args] : args;
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
      if (haveTime && fs.existsSync(timeFile)) {
        const line = fs.readFileSync(timeFile, 'utf8').trim().split('\n').pop() ?? '';
        rssKB = Number(line.split(' ')[1] ?? 0) || 0;
        fs.rmSync(timeFile, { force: true });
      }
      if (!timedOut && code !== 0 && code !== 1) {
        const why = /heap out of memory|Invalid string length|ERR_STRING_TOO_LONG/.exec(stderr)?.[0] ?? stderr.trim().split('\n').slice(-3).join(' | ');
        reject(new Error(`exit ${code}${rssKB ? ` at ${(rssKB / 1000).toFixed(0)} MB` : ''}: ${why}`));
        return;
      }
      resolve({ wallMs, rssKB, code, stdout, timedOut });
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
        rss.set(s.key, Math.max(rss.get(s.key) ?? 0, r.rssKB));
        log(`  run ${i + 1}/${s.runs} ${s.key}: ${(r.wallMs / 1000).toFixed(2)} s, ${(r.rssKB / 1000).toFixed(0)} MB`);
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
const analyzeCmd = (file: string, json = false) => ({ cmd: path.join(ROOT, 'bin', 'ftpdiag.js'), args: ['analyze', ...(json ? ['--json'] : []), file] });
const readerCmd = (file: string) => ({ cmd: NODE, args: ['--import', 'tsx', 'bench/read-only.ts', file] });

/** One tshark pass: on the prefix (when the trace has one), then on the full trace unless the
 *  prefix says it would take longer than the bound (the note says so: compare per frame). */
async function measureTshark(
  pass: 'conv,tcp' | 'expert',
  trace: TraceInfo,
  opts: E2eOptions,
): Promise<{ full: Measured | null; prefix: Measured | null }> {
  const args = (f: string) => ['-q', '-z', pass, '-r', f];
  const prefix = trace.prefixFile;
  let pre: Measured | null = null;
  if (prefix) {
    const r = await runMeasured('tshark', args(prefix), { timeoutMs: opts.tsharkBound * 1000 });
    opts.log(`  tshark ${pass} on the ${trace.prefixFrames}-frame prefix: ${(r.wallMs / 1000).toFixed(1)} s, ${(r.rssKB / 1000).toFixed(0)} MB`);
    const estimate = (r.wallMs / 1000) * (trace.frames / trace.prefixFrames);
    const skipFull = r.timedOut || estimate > opts.tsharkBound;
    pre = {
      ...(r.timedOut ? { failed: `killed after ${opts.tsharkBound} s` } : {}),
      wallMs: r.wallMs,
      rssMB: (r.rssKB * 1024) / 1e6,
      runs: 1,
      frames: trace.prefixFrames,
      bytes: fs.statSync(prefix).size,
      note: skipFull ? `full trace not run: estimated at ${estimate.toFixed(0)} s > ${opts.tsharkBound} s bound; compare per frame` : '',
    };
    if (skipFull) return { full: null, prefix: pre };
  }
  const r = await runMeasured('tshark', args(trace.file), { timeoutMs: opts.tsharkBound * 1000 });
  opts.log(`  tshark ${pass} on ${path.basename(trace.file)}: ${(r.wallMs / 1000).toFixed(1)} s${r.timedOut ? ' (timed out)' : ''}, ${(r.rssKB / 1000).toFixed(0)} MB`);
  const full: Measured = {
    ...(r.timedOut ? { failed: `killed after ${opts.tsharkBound} s` } : {}),
    wallMs: r.wallMs,
    rssMB: (r.rssKB * 1024) / 1e6,
    runs: 1,
    frames: trace.frames,
    bytes: trace.bytes,
    note: '',
  };
  return { full, prefix: pre };
}

async function tsharkAvailable(): Promise<boolean> {
  try {
    const r = await runMeasured('tshark', ['--version'], { keepStdout: true });
    return r.code === 0;
  } catch {
    return false;
  }
}

export async function benchEndToEnd(opts: E2eOptions): Promise<TraceResult[]> {
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
  const withTshark = opts.tshark && (await tsharkAvailable());
  if (opts.tshark && !withTshark) opts.log('tshark not found: its rows are skipped (apt-get install tshark)');
  const out: TraceResult[] = [];
  for (const req of requests) {
    const trace = await benchTrace(req, { regen: opts.regen, log: opts.log });
    opts.log(`${trace.name}: ${trace.frames} frames, ${(trace.bytes / 1e6).toFixed(0)} MB, ${trace.maxConcurrentConnections} connections open at most`);
    const subjects: Parameters<typeof measureInterleaved>[0] = [
      { key: 'reader', ...readerCmd(trace.file), frames: trace.frames, bytes: trace.bytes, runs: opts.runs },
      { key: 'analyze', ...analyzeCmd(trace.file), frames: trace.frames, bytes: trace.bytes, runs: opts.runsBig },
      { key: 'analyze-json', ...analyzeCmd(trace.file, true), frames: trace.frames, bytes: trace.bytes, runs: opts.runsBig },
    ];
    if (opts.heapMB > 0) {
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
    if (trace.prefixFile) {
      const pb = fs.statSync(trace.prefixFile).size;
      subjects.push(
        { key: 'reader-prefix', ...readerCmd(trace.prefixFile), frames: trace.prefixFrames, bytes: pb, runs: opts.runs },
        { key: 'analyze-prefix', ...analyzeCmd(trace.prefixFile), frames: trace.prefixFrames, bytes: pb, runs: opts.runs },
      );
    }
    const m = await measureInterleaved(subjects, opts.log, opts.runTimeout * 1000);
    const tsharkHere = withTshark && (trace.layout === 'sequential' || trace.layout === 'bulk');
    const conv = tsharkHere ? await measureTshark('conv,tcp', trace, opts) : null;
    const expert = tsharkHere ? await measureTshark('expert', trace, opts) : null;
    out.push({
      trace,
      reader: m.get('reader')!,
      analyze: m.get('analyze')!,
      analyzeJson: m.get('analyze-json') ?? null,
      analyzeBigHeap: m.get('analyze-bigheap') ?? null,
      readerPrefix: m.get('reader-prefix') ?? null,
      analyzePrefix: m.get('analyze-prefix') ?? null,
      tsharkConv: conv?.full ?? null,
      tsharkExpert: expert?.full ?? null,
      tsharkConvPrefix: conv?.prefix ?? null,
      tsharkExpertPrefix: expert?.prefix ?? null,
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
        rows.push([r.trace.name, subject, `${(m.frames / 1e6).toFixed(2)}M`, (m.bytes / 1e6).toFixed(0), 'failed', '-', '-', m.rssMB.toFixed(0), `${m.failed}${m.note ? `; ${m.note}` : ''}`]);
        return;
      }
      rows.push([
        r.trace.name,
        subject,
        `${(m.frames / 1e6).toFixed(2)}M`,
        (m.bytes / 1e6).toFixed(0),
        (m.wallMs / 1000).toFixed(2),
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
  }
  return rows;
}

export const RESULT_HEAD = ['trace', 'subject', 'frames', 'MB', 'median s', 'frames/s', 'MB/s', 'peak RSS MB', 'runs; note'];

export interface TargetCheck {
  target: string;
  measured: string;
  met: boolean | null; // null: not measured, or reported without a bound
}

/** The analyze run to quote throughput from: the default one, else the bigger-heap one. */
function analyzeRun(r: TraceResult): { m: Measured; note: string } | null {
  if (r.analyze.failed === undefined) return { m: r.analyze, note: '' };
  if (r.analyzeBigHeap && r.analyzeBigHeap.failed === undefined) return { m: r.analyzeBigHeap, note: ' (bigger heap: the default run failed)' };
  return null;
}

/** The check of analyze's frames/s against a tshark pass on the same file (none if it failed). */
function pushVsTshark(checks: TargetCheck[], target: string, a: { m: Measured; note: string }, tshark: Measured): void {
  if (tshark.failed !== undefined) return;
  const x = fps(a.m) / fps(tshark);
  checks.push({ target, measured: `${x.toFixed(2)}×${a.note}`, met: x >= 20 });
}

export function targetChecks(results: TraceResult[]): TargetCheck[] {
  const checks: TargetCheck[] = [];
  for (const r of results) {
    const a = analyzeRun(r);
    if (!a) {
      checks.push({ target: `${r.trace.name}: analyze ≥ 50% of the bare reader's frames/s`, measured: `analyze failed: ${r.analyze.failed}`, met: false });
      continue;
    }
    const ratio = fps(a.m) / fps(r.reader);
    checks.push({ target: `${r.trace.name}: analyze ≥ 50% of the bare reader's frames/s`, measured: `${(100 * ratio).toFixed(1)}%${a.note}`, met: ratio >= 0.5 });
  }
  const seq = results.find((r) => r.trace.layout === 'sequential');
  if (seq) {
    const a = analyzeRun(seq);
    if (seq.analyzePrefix && seq.readerPrefix && seq.analyzePrefix.failed === undefined) {
      const ratio = fps(seq.analyzePrefix) / fps(seq.readerPrefix);
      checks.push({ target: `${seq.trace.name} prefix: analyze ≥ 50% of the bare reader's frames/s`, measured: `${(100 * ratio).toFixed(1)}%`, met: ratio >= 0.5 });
    }
    const prefixOk = seq.analyzePrefix !== null && seq.analyzePrefix.failed === undefined;
    for (const [name, full, pre] of [
      ['conv,tcp', seq.tsharkConv, seq.tsharkConvPrefix],
      ['expert', seq.tsharkExpert, seq.tsharkExpertPrefix],
    ] as const) {
      if (full && a) pushVsTshark(checks, `analyze ≥ 20× tshark -z ${name} (frames/s, full trace)`, a, full);
      if (pre && pre.failed === undefined && prefixOk) {
        const x = fps(seq.analyzePrefix!) / fps(pre);
        checks.push({ target: `analyze ≥ 20× tshark -z ${name} (frames/s, ${pre.frames >= 1e6 ? `${pre.frames / 1e6}M` : `${pre.frames / 1e3}k`}-frame prefix)`, measured: `${x.toFixed(2)}×`, met: x >= 20 });
      }
      if (!full && !pre) checks.push({ target: `analyze ≥ 20× tshark -z ${name}`, measured: 'not measured', met: null });
    }
    if (seq.analyzePrefix && a && seq.analyzePrefix.failed === undefined) {
      const framesX = a.m.frames / seq.analyzePrefix.frames;
      const timeX = a.m.wallMs / seq.analyzePrefix.wallMs;
      checks.push({
        target: `${framesX.toFixed(1)}× the frames in ≤ ${(framesX * 1.1).toFixed(1)}× the time`,
        measured: `${timeX.toFixed(2)}× the time${a.note}`,
        met: timeX <= framesX * 1.1,
      });
    }
  }
  // the bulk trace: the same ratios, where frames of data connections decide the speed
  for (const r of results.filter((x) => x.trace.layout === 'bulk')) {
    const a = analyzeRun(r);
    for (const [name, full] of [
      ['conv,tcp', r.tsharkConv],
      ['expert', r.tsharkExpert],
    ] as const) {
      if (full && a) pushVsTshark(checks, `${r.trace.name}: analyze ≥ 20× tshark -z ${name} (frames/s)`, a, full);
    }
  }
  // The issue: "peak RSS < 200 MB on any trace length (memory grows with concurrent flows, not
  // with file length)". The sequential and long-session traces grow in length with a few
  // connections open at a time (each is measured at its prefix and in full); the concurrent one
  // measures the growth with connections open at once, which the target allows, so it is
  // reported per connection rather than checked against 200 MB.
  const rssOf = (m: Measured | null | undefined) => (m ? m.rssMB : 0);
  const fullRss = (r: TraceResult) => Math.max(rssOf(r.analyze), rssOf(r.analyzeJson), rssOf(r.analyzeBigHeap));
  for (const r of results) {
    if (r.trace.layout !== 'concurrent') {
      const rss = Math.max(fullRss(r), rssOf(r.analyzePrefix));
      const detail = `${r.analyzePrefix ? `${rssOf(r.analyzePrefix).toFixed(0)} MB at ${frameCount(r.analyzePrefix.frames)} frames, ` : ''}${fullRss(r).toFixed(0)} MB at ${frameCount(r.trace.frames)}`;
      checks.push({ target: `${r.trace.name}: analyze peak RSS < 200 MB at any trace length`, measured: `max ${rss.toFixed(0)} MB (${detail})`, met: rss < 200 });
    } else {
      const rss = fullRss(r);
      const perConn = (rss * 1e3) / r.trace.maxConcurrentConnections;
      checks.push({
        target: `${r.trace.name}: peak RSS grows with connections open at once (allowed; no bound set)`,
        measured: `${rss.toFixed(0)} MB with ${r.trace.maxConcurrentConnections} open at once: ${perConn.toFixed(1)} KB per connection, the process's own ~80 MB included`,
        met: null,
      });
    }
  }
  return checks;
}

/** 10.5M, 200k */
function frameCount(n: number): string {
  return n >= 1e6 ? `${(n / 1e6).toFixed(1)}M` : `${Math.round(n / 1e3)}k`;
}

export function machineLine(): string {
  const cpus = os.cpus();
  return `${cpus.length} cores (${cpus[0]?.model.trim() ?? 'unknown CPU'}), ${(os.totalmem() / 2 ** 30).toFixed(0)} GiB RAM, ${os.type()} ${os.release()}, Node ${process.version}`;
}

