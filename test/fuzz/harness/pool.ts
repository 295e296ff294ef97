// Main-thread side of a fuzz run: starts campaign workers, watches them for hangs, restarts them
// after a hang or a crash of the worker itself, and groups findings by signature.
//
// Heading: hang detection
// Definition: a case hangs when the worker's case counter (shared memory, bumped before each
// case) has not moved for `hangMs` while the worker is running cases. Synchronous parser code
// cannot be interrupted from inside, so the watchdog reads the stuck input from shared memory,
// terminates the worker, and reports the input as a 'hang' finding.
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import type { CampaignStats, FindingReport, Target } from './campaign.ts';
import { MAX_MUTANT_BYTES } from './mutate.ts';
import { emptyStats, findingTarget, SHARED_HEADER, type WorkerConfig, type WorkerMessage } from './worker-protocol.ts';

export interface FuzzRunOptions {
  target: Target;
  seed: number;
  seconds?: number; //      run this long (restarting workers after hangs), or
  iterations?: number; //   this many cases in total (split over the workers; no restarts)
  workers?: number; //      default 1
  hangMs?: number; //       default 10 000
  slowMs?: number; //       default 1000
  corpus?: boolean; //      default true
  corpusDirs?: string[];
  pipelineDirs?: string[]; // target pipeline: capture directories besides captures/
  scale?: number; //        target flows: sizes up to scale × 10^5 (default 1)
  maxSeedBytes?: number; // default 64 KiB
  onProgress?(cases: number, elapsedMs: number): void;
  onFinding?(group: FindingGroup, isNew: boolean): void;
}

/** Findings with the same signature (kind, target, message with numbers blanked) grouped; the
 *  smallest input is kept as the example. */
export interface FindingGroup {
  signature: string;
  kind: FindingReport['kind'];
  target: FindingReport['target'];
  message: string;
  detail: string;
  how: string;
  seed: string;
  count: number;
  input: Uint8Array;
}

export interface FuzzRunResult {
  cases: number;
  readerCases: number;
  decoderCases: number;
  pipelineCases: number;
  seededCases: number; //    cli, detect and flows cases
  inputBytes: number;
  ms: number; //             wall time of the whole run, milliseconds
  outcomes: Record<string, number>;
  findings: FindingGroup[];
  workersStarted: number;
  captureSeeds: number;
  frameSeeds: number;
}

export function signatureOf(r: Pick<FindingReport, 'kind' | 'target' | 'message'>): string {
  return `${r.kind}/${r.target}: ${r.message.replace(/\d+/g, 'N').slice(0, 200)}`;
}

/** Starts a worker running worker.ts under tsx (a worker does not inherit the --import hooks). */
function spawn(cfg: WorkerConfig): Worker {
  // The ESM entry of tsx's API, found through its package.json: mocha runs this file through
  // tsx's CommonJS loader, where import.meta.resolve does not exist and require.resolve gives the
  // CommonJS entry (whose register() cannot be used from a plain worker).
  const pkgFile = createRequire(import.meta.url).resolve('tsx/package.json');
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8')) as { exports: Record<string, { import: { default: string } }> };
  const api = pathToFileURL(path.join(path.dirname(pkgFile), pkg.exports['./esm/api']!.import.default)).href;
  const entry = new URL('./worker.ts', import.meta.url).href;
  const code = `import(${JSON.stringify(api)}).then((m) => { m.register(); return import(${JSON.stringify(entry)}); });`;
  return new Worker(code, { eval: true, workerData: cfg, resourceLimits: { maxOldGenerationSizeMb: 1024 } });
}

export async function runFuzz(o: FuzzRunOptions): Promise<FuzzRunResult> {
  const start = performance.now();
  const deadline = o.seconds !== undefined ? start + o.seconds * 1000 : Infinity;
  const hangMs = o.hangMs ?? 10_000;
  const workers = Math.max(1, o.workers ?? 1);
  const groups = new Map<string, FindingGroup>();
  const total: FuzzRunResult = {
    cases: 0, readerCases: 0, decoderCases: 0, pipelineCases: 0, seededCases: 0, inputBytes: 0, ms: 0, outcomes: {}, findings: [], workersStarted: 0, captureSeeds: 0, frameSeeds: 0,
  };
  const live: CampaignStats[] = []; // latest stats of each running worker
  let nextSeed = o.seed >>> 0;
  let harnessError: Error | null = null;

  const addFinding = (r: FindingReport) => {
    const sig = signatureOf(r);
    const g = groups.get(sig);
    if (g === undefined) {
      const ng: FindingGroup = { signature: sig, kind: r.kind, target: r.target, message: r.message, detail: r.detail, how: r.how, seed: r.seed, count: 1, input: r.input };
      groups.set(sig, ng);
      o.onFinding?.(ng, true);
    } else {
      g.count++;
      if (r.input.length < g.input.length) Object.assign(g, { input: r.input, message: r.message, detail: r.detail, how: r.how, seed: r.seed });
      o.onFinding?.(g, false);
    }
  };
  const merge = (s: CampaignStats) => {
    total.cases += s.cases;
    total.readerCases += s.readerCases;
    total.decoderCases += s.decoderCases;
    total.pipelineCases += s.pipelineCases;
    total.seededCases += s.seededCases;
    total.inputBytes += s.inputBytes;
    for (const [k, v] of Object.entries(s.outcomes)) total.outcomes[k] = (total.outcomes[k] ?? 0) + v;
  };

  /** Runs one worker to its end; resolves whether it may be replaced (time mode, after a hang/crash). */
  const runOne = (slot: number, iterations: number | undefined): Promise<boolean> =>
    new Promise((resolve) => {
      const shared = new SharedArrayBuffer(SHARED_HEADER + MAX_MUTANT_BYTES);
      const header = new Int32Array(shared, 0, 4);
      const seconds = Number.isFinite(deadline) ? Math.max(0.1, (deadline - performance.now()) / 1000) : undefined;
      const cfg: WorkerConfig = {
        target: o.target, seed: (nextSeed = (nextSeed + 0x9e3779b9) >>> 0), iterations, seconds, slowMs: o.slowMs ?? 1000,
        corpus: o.corpus !== false, corpusDirs: o.corpusDirs, pipelineDirs: o.pipelineDirs, maxSeedBytes: o.maxSeedBytes ?? 65536, shared, scale: o.scale,
      };
      const w = spawn(cfg);
      total.workersStarted++;
      let latest: CampaignStats | null = null;
      let done = false;
      let ready = false;
      let lastCount = -1;
      let lastMove = performance.now();
      const finish = (replace: boolean) => {
        if (done) return;
        done = true;
        clearInterval(watch);
        if (latest) merge(latest);
        // cases run since the last progress message (all of them when a worker hangs early)
        total.cases += Math.max(0, Atomics.load(header, 0) - (latest?.cases ?? 0));
        live[slot] = emptyStats();
        resolve(replace);
      };
      const stuckInput = () => new Uint8Array(shared, SHARED_HEADER, Atomics.load(header, 1)).slice();
      const watch = setInterval(() => {
        if (!ready) return;
        const c = Atomics.load(header, 0);
        const now = performance.now();
        if (c !== lastCount) {
          lastCount = c;
          lastMove = now;
          return;
        }
        if (now - lastMove < hangMs) return;
        addFinding({ kind: 'hang', message: `no progress for ${hangMs} ms`, detail: '', target: findingTarget(o.target), how: 'watchdog', seed: '', input: stuckInput() });
        void w.terminate();
        finish(true);
      }, Math.min(250, hangMs / 4));
      w.on('message', (m: WorkerMessage) => {
        if (m.type === 'ready') {
          ready = true;
          lastMove = performance.now();
          total.captureSeeds = m.captureSeeds;
          total.frameSeeds = m.frameSeeds;
        } else if (m.type === 'finding') addFinding(m.report);
        else if (m.type === 'progress' || m.type === 'done') {
          latest = m.stats;
          live[slot] = m.stats;
          if (o.onProgress) o.onProgress(total.cases + live.reduce((n, s) => n + s.cases, 0), performance.now() - start);
          if (m.type === 'done') {
            void w.terminate();
            finish(false);
          }
        }
      });
      w.on('error', (e) => {
        if (!ready) {
          // it never started (a harness or environment problem, not an input): fail the run
          harnessError ??= e;
          finish(false);
          return;
        }
        // the worker itself died during a case (out of memory, stack overflow)
        addFinding({ kind: 'crash', message: `worker died: ${e.message}`, detail: e.stack ?? '', target: findingTarget(o.target), how: 'worker', seed: '', input: stuckInput() });
        finish(true);
      });
      w.on('exit', () => finish(false));
    });

  const slots = Array.from({ length: workers }, async (_, slot) => {
    const share = o.iterations !== undefined ? Math.ceil(o.iterations / workers) : undefined;
    // time mode: a worker replaced after a hang or crash carries on with a fresh seed
    while ((await runOne(slot, share)) && share === undefined && performance.now() < deadline - 1000);
  });
  await Promise.all(slots);
  if (harnessError !== null) throw new Error(`fuzz worker failed to start: ${(harnessError as Error).message}`, { cause: harnessError });
  total.ms = performance.now() - start;
  total.findings = [...groups.values()];
  return total;
}
