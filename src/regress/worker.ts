// A regression worker thread: loads the rules once, then analyses the traces it is sent.

import { parentPort, workerData } from 'node:worker_threads';
import { loadRules } from '../diagnose/rule-loader.ts';
import { regressOne } from './one-trace.ts';
import type { TraceCase } from './discover.ts';
import type { AnalysisLimits } from '../pipeline/analyze.ts';

const { rulePaths, update, limits, report } = workerData as { rulePaths: string[]; update: boolean; limits: AnalysisLimits; report: boolean };
const rules = loadRules(rulePaths);
parentPort!.on('message', (c: TraceCase) => {
  regressOne(c, rules, update, { limits, report }).then(
    (outcome) => parentPort!.postMessage({ ok: true, outcome }),
    (e: unknown) => parentPort!.postMessage({ ok: false, trace: c.trace, message: e instanceof Error ? e.message : String(e) }),
  );
});
