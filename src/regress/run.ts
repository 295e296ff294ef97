// `ftpdiag regress`: every trace in the given directories against its expectation, in parallel
// worker threads when there are several traces and more than one core.

import { Worker } from 'node:worker_threads';
import { loadRules } from '../diagnose/rule-loader.ts';
import type { AnalysisLimits } from '../pipeline/analyze.ts';
import type { TraceCase } from './discover.ts';
import { regressOne, type TraceOutcome } from './one-trace.ts';

export interface RegressOptions {
  rulePaths: string[]; //  extra rule directories (--rules)
  update: boolean; //      write expectations instead of checking them
  limits?: AnalysisLimits; // resource bounds (--max-flows …); plain data, sent to the workers
  jobs: number; //         worker threads; 1 = in this thread
  report?: boolean; //     keep each trace's text report (for --junit)
  onOutcome?(o: TraceOutcome): void; // progress, in completion order
}

/** Below this many traces, starting workers costs more than it saves. */
const MIN_TRACES_FOR_WORKERS = 4;

export async function runRegression(cases: readonly TraceCase[], opts: RegressOptions): Promise<TraceOutcome[]> {
  const jobs = Math.max(1, Math.min(opts.jobs, cases.length));
  const outcomes = jobs > 1 && cases.length >= MIN_TRACES_FOR_WORKERS
    ? await inWorkers(cases, opts, jobs)
    : await inThread(cases, opts);
  const order = new Map(cases.map((c, i) => [c.trace, i]));
  return outcomes.sort((a, b) => order.get(a.trace)! - order.get(b.trace)!);
}

async function inThread(cases: readonly TraceCase[], opts: RegressOptions): Promise<TraceOutcome[]> {
  const rules = loadRules(opts.rulePaths);
  const out: TraceOutcome[] = [];
  for (const c of cases) {
    const o = await regressOne(c, rules, opts.update, { ...(opts.limits ? { limits: opts.limits } : {}), report: opts.report ?? false });
    opts.onOutcome?.(o);
    out.push(o);
  }
  return out;
}

/** The regression worker's file name in the bundle, beside the module running this code
 *  (scripts/build-bundle.mjs defines it; absent when the sources run). */
declare const FTPDIAG_BUNDLED_REGRESS_WORKER: string | undefined;

/** The worker's entry module. Bundled (an installed package holds no sources and no tsx), the
 *  worker is its own entry of the bundle; from the sources, worker-boot.js registers tsx (worker
 *  threads do not inherit the parent's loader) and loads workerData.module, worker.ts. */
function workerEntry(): { url: URL; module: string | null } {
  if (typeof FTPDIAG_BUNDLED_REGRESS_WORKER === 'string') return { url: new URL(`./${FTPDIAG_BUNDLED_REGRESS_WORKER}`, import.meta.url), module: null };
  return { url: new URL('./worker-boot.js', import.meta.url), module: new URL('./worker.ts', import.meta.url).href };
}

type WorkerReply = { ok: true; outcome: TraceOutcome } | { ok: false; trace: string; message: string };

function inWorkers(cases: readonly TraceCase[], opts: RegressOptions, jobs: number): Promise<TraceOutcome[]> {
  return new Promise((resolve, reject) => {
    const queue = [...cases];
    const out: TraceOutcome[] = [];
    const workers: Worker[] = [];
    let failed = false;
    const stopAll = () => Promise.all(workers.map((w) => w.terminate()));
    const next = (w: Worker) => {
      const c = queue.shift();
      if (c) w.postMessage(c);
      else if (out.length === cases.length) void stopAll().then(() => resolve(out));
    };
    for (let i = 0; i < jobs; i++) {
      const entry = workerEntry();
      const w = new Worker(entry.url, {
        workerData: { module: entry.module, rulePaths: opts.rulePaths, update: opts.update, limits: opts.limits ?? {}, report: opts.report ?? false },
      });
      workers.push(w);
      w.on('message', (m: WorkerReply) => {
        if (!m.ok) {
          failed = true;
          void stopAll();
          reject(new Error(`${m.trace}: ${m.message}`));
          return;
        }
        out.push(m.outcome);
        opts.onOutcome?.(m.outcome);
        next(w);
      });
      w.on('error', (e) => {
        if (failed) return;
        failed = true;
        void stopAll();
        reject(e);
      });
      next(w);
    }
  });
}
