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
  scale?: number; //           target flows: sizes up to scale × 10^5
  maxSeedBytes: number; //     big traces are cut at a record boundary past this
  shared: SharedArrayBuffer; // Int32 [cases started, input length, 0, 0], then the input bytes
}

export function emptyStats(): CampaignStats {
  return { cases: 0, readerCases: 0, decoderCases: 0, pipelineCases: 0, seededCases: 0, inputBytes: 0, ms: 0, outcomes: {} };
}

/** The stage a finding of a campaign on `t` is charged to ('all' reads whole captures). */
export function findingTarget(t: Target): FindingReport['target'] {
  return t === 'all' ? 'reader' : t;
}

/** Bytes before the input in the shared buffer. */
export const SHARED_HEADER = 16;

export type WorkerMessage =
  | { type: 'ready'; captureSeeds: number; frameSeeds: number }
  | { type: 'finding'; report: FindingReport }
  | { type: 'progress'; stats: CampaignStats }
  | { type: 'done'; stats: CampaignStats };
