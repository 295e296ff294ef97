// Worker side of a fuzz run (started by pool.ts): builds the seeds, runs one campaign, and before
// each case copies its input into a SharedArrayBuffer, so that when a case never returns the
// main thread can still read the input that hung, terminate this worker and save it.
import { parentPort, workerData } from 'node:worker_threads';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { runCampaign, SEEDED_TARGETS } from './campaign.ts';
import { SHARED_HEADER, type WorkerConfig, type WorkerMessage } from './worker-protocol.ts';
import { captureSeeds, frameSeeds } from './seeds.ts';
import { CAPTURES_DIR, pipelineSeeds, warmPipelineRules } from './pipeline.ts';

const cfg = workerData as WorkerConfig;
const port = parentPort!;
const header = new Int32Array(cfg.shared, 0, 4);
const bytes = new Uint8Array(cfg.shared, SHARED_HEADER);
const post = (m: WorkerMessage) => port.postMessage(m);

// the pipeline target mutates frames of FTP captures (the project's own, plus --corpus ones)
const pipeline = cfg.target === 'pipeline';
// the seeded targets (cli, detect, flows) make their own inputs
const seeded = SEEDED_TARGETS.includes(cfg.target);
const captures = pipeline || seeded ? [] : captureSeeds({ corpus: cfg.corpus, corpusDirs: cfg.corpusDirs, maxSeedBytes: cfg.maxSeedBytes });
const frames = pipeline || seeded ? [] : frameSeeds(captures);
const seqs = pipeline ? pipelineSeeds([CAPTURES_DIR, ...(cfg.pipelineDirs ?? [])]) : [];
if (pipeline) warmPipelineRules();
const scratchDir = cfg.target === 'cli' ? fs.mkdtempSync(path.join(os.tmpdir(), 'ftpdiag-fuzz-cli-')) : undefined;
post({ type: 'ready', captureSeeds: pipeline ? seqs.length : captures.length, frameSeeds: frames.length });
const stats = await runCampaign({
  target: cfg.target,
  seed: cfg.seed,
  iterations: cfg.iterations,
  seconds: cfg.seconds,
  slowMs: cfg.slowMs,
  captures,
  frames,
  pipelineSeeds: seqs,
  ...(scratchDir ? { scratchDir } : {}),
  ...(cfg.scale ? { scale: cfg.scale } : {}),
  beforeCase(input) {
    const n = Math.min(input.length, bytes.length);
    bytes.set(input.subarray(0, n));
    Atomics.store(header, 1, n);
    Atomics.add(header, 0, 1);
  },
  onFinding: (report) => post({ type: 'finding', report }),
  onProgress: (s) => post({ type: 'progress', stats: s }),
});
if (scratchDir) fs.rmSync(scratchDir, { recursive: true, force: true });
post({ type: 'done', stats });
