// What pool.ts (main thread) and worker.ts (a campaign worker) exchange. Kept apart from
// worker.ts, whose import starts a campaign.
import type { CampaignStats, FindingReport, Target } from './campaign.ts';

export interface WorkerConfig {
  target: Target;
  seed: number;
  iterations?: number;
  seconds?: number;
  slowMs: number;
  corpus: boolean; //          add the shared corpus (and corpusDirs) to the crafted seeds
  corpusDirs?: string[];
  pipelineDirs?: string[]; //  target pipeline: capture directories besides captures/
  maxSeedBytes: number; //     big traces are cut at a record boundary past this
  shared: SharedArrayBuffer; // Int32 [cases started, input length, 0, 0], then the input bytes
}

/** Bytes before the input in the shared buffer. */
export const SHARED_HEADER = 16;

export type WorkerMessage =
  | { type: 'ready'; captureSeeds: number; frameSeeds: number }
  | { type: 'finding'; report: FindingReport }
  | { type: 'progress'; stats: CampaignStats }
  | { type: 'done'; stats: CampaignStats };
