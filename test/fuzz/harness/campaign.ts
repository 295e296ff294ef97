// One fuzzing campaign: mutate seeds, run each mutant through the oracles, report what breaks.
// Runs inside a worker (worker.ts) so the main thread can stop a case that hangs.
import * as zlib from 'node:zlib';
import type { Frame } from '../../../src/capture/frame.ts';
import { PacketDecoder } from '../../../src/decode/decoder.ts';
import { mutate } from './mutate.ts';
import {
  checkDecode,
  checkReaderOutcome,
  expectSameOutcome,
  Finding,
  readPumped,
  readPushed,
  readStream,
  type ReaderOutcome,
} from './oracles.ts';
import { checkPipeline, drawLimits, mutateFrames, type PipelineSeed } from './pipeline.ts';
import { Rng } from './rng.ts';
import * as os from 'node:os';
import { loadRules } from '../../../src/diagnose/rule-loader.ts';
import type { RuleSet } from '../../../src/diagnose/rule-types.ts';
import { checkCliCase, cliCapture } from './cli.ts';
import { checkFlowCase } from './flows.ts';
import { checkHostileSession, hostileSession } from './hostile.ts';
import { emptyStats, findingTarget } from './worker-protocol.ts';
import type { CaptureSeed, FrameSeed } from './seeds.ts';

export type Target = 'reader' | 'decoder' | 'all' | 'pipeline' | 'cli' | 'detect' | 'flows';

/** Targets whose cases are drawn from a per-case PRNG seed rather than mutated bytes: a finding
 *  is replayed with --case SEED (scripts/fuzz.ts). */
export const SEEDED_TARGETS: readonly Target[] = ['cli', 'detect', 'flows'];

/** A finding as reported to the main thread: the input is a capture file (decoder cases are
 *  written as a classic pcap of the frames decoded, so any tool can open them). */
export interface FindingReport {
  kind: Finding['kind'];
  message: string;
  detail: string; //  stack or extra context
  target: 'reader' | 'decoder' | 'pipeline' | 'cli' | 'detect' | 'flows';
  how: string; //     which read path / mutation (for the report)
  seed: string; //    name of the seed it was mutated from
  input: Uint8Array;
}

export interface CampaignStats {
  cases: number; //                   inputs run
  readerCases: number;
  decoderCases: number; //            frame groups decoded (target decoder) or frames ('all')
  pipelineCases: number; //           mutant frame sequences analysed and reported (target pipeline)
  seededCases: number; //             cli, detect and flows cases
  inputBytes: number; //              bytes of all inputs
  ms: number; //                      wall time, milliseconds
  outcomes: Record<string, number>; // 'reader:ok', 'reader:bad-block', 'decoder:tcp', …
}

export interface CampaignOptions {
  target: Target;
  seed: number; //             PRNG seed: the same seed replays the same cases
  iterations?: number; //      stop after this many cases
  seconds?: number; //         or after this long
  slowMs?: number; //          a case slower than this is a finding (default 1000)
  captures: readonly CaptureSeed[];
  frames: readonly FrameSeed[];
  pipelineSeeds?: readonly PipelineSeed[]; // target pipeline: frames of FTP captures
  scratchDir?: string; //      target cli: a directory for the case's files
  scale?: number; //           target flows: sizes up to scale × 10^5 (default 1)
  /** Called with each case's input before it runs (the worker copies it where a watchdog can
   *  read it if the case never returns). */
  beforeCase?(input: Uint8Array): void;
  onFinding(f: FindingReport): void;
  onProgress?(s: CampaignStats): void;
}

/** Encodes frames as a classic pcap (µs) into `out` (or a fresh buffer): for decoder cases. */
export function framesAsPcap(frames: readonly Frame[], linkType: number, out?: Uint8Array): Uint8Array {
  const size = 24 + frames.reduce((n, f) => n + 16 + f.data.length, 0);
  const b = out !== undefined && out.length >= size ? Buffer.from(out.buffer, out.byteOffset, size) : Buffer.alloc(size);
  b.writeUInt32LE(0xa1b2c3d4, 0);
  b.writeUInt16LE(2, 4);
  b.writeUInt16LE(4, 6);
  b.writeUInt32LE(0, 8);
  b.writeUInt32LE(0, 12);
  b.writeUInt32LE(262144, 16);
  b.writeUInt32LE(linkType >>> 0, 20);
  let o = 24;
  for (const f of frames) {
    b.writeUInt32LE(f.tsSec >>> 0, o);
    b.writeUInt32LE(Math.floor(f.tsNsec / 1000), o + 4);
    b.writeUInt32LE(f.data.length, o + 8);
    b.writeUInt32LE(f.origLen >>> 0, o + 12);
    f.data.copy(b, o + 16);
    o += 16 + f.data.length;
  }
  return b.subarray(0, size);
}

function frameOf(data: Buffer, linkType: number, number: number, origLen: number): Frame {
  const time = 1_700_000_000 + number / 1000;
  return { number, offset: 0, tsSec: Math.floor(time), tsNsec: (number % 1000) * 1_000_000, time, linkType, interfaceId: 0, capLen: data.length, origLen, data };
}

let rules: RuleSet | null = null;

/** One case of a seeded target (cli, detect, flows) from its seed; `onInput` gets the capture
 *  it runs on, when there is one (what a finding saves). Returns the outcome; throws a Finding. */
export async function runSeededCase(target: Target, caseSeed: number, o: Pick<CampaignOptions, 'scratchDir' | 'scale'>, onInput: (input: Uint8Array) => void = () => {}): Promise<string> {
  const rng = new Rng(caseSeed);
  if (target === 'detect') {
    onInput(hostileSession(new Rng(caseSeed)).trace.toPcap());
    return checkHostileSession(rng, (rules ??= loadRules()));
  }
  if (target === 'flows') return checkFlowCase(rng, o.scale ?? 1);
  const input = cliCapture(rng);
  onInput(framesAsPcap(input.frames, input.linkType));
  return checkCliCase(rng, o.scratchDir ?? os.tmpdir(), input);
}

/** Runs a campaign to its iteration or time limit; findings go to onFinding, stats are returned. */
export async function runCampaign(o: CampaignOptions): Promise<CampaignStats> {
  const rng = new Rng(o.seed);
  const slowMs = o.slowMs ?? 1000;
  const stats = emptyStats();
  const count = (k: string) => (stats.outcomes[k] = (stats.outcomes[k] ?? 0) + 1);
  const start = performance.now();
  const deadline = o.seconds !== undefined ? start + o.seconds * 1000 : Infinity;
  const maxCases = o.iterations ?? Infinity;
  let decoder = new PacketDecoder();
  let frameNo = 0;
  let lastProgress = start;

  const report = (e: unknown, target: FindingReport['target'], how: string, seed: string, input: Uint8Array) => {
    const f = e instanceof Finding ? e : new Finding('crash', `harness error ${(e as Error)?.message ?? String(e)}`, (e as Error)?.stack ?? '');
    o.onFinding({ kind: f.kind, message: f.message, detail: f.detail, target, how, seed, input: Uint8Array.from(input) });
  };

  /** The reader checks for one mutant; returns the outcome of the plain push (for 'all'). */
  const readerCase = async (input: Buffer, seed: string): Promise<ReaderOutcome | null> => {
    let how = 'push';
    try {
      const whole = readPushed(input);
      checkReaderOutcome(input, whole);
      count(`reader:${whole.error?.code ?? (whole.summary!.truncated ? 'truncated' : 'ok')}`);
      const k = stats.readerCases++;
      if (k % 4 === 1) {
        how = 'chunked push';
        const cuts = Array.from({ length: 1 + rng.int(8) }, () => rng.int(input.length + 1)).sort((a, b) => a - b);
        const chunked = readPushed(input, cuts);
        checkReaderOutcome(input, chunked);
        expectSameOutcome(whole, chunked, `pushed whole vs cut at ${cuts.join(',')}`);
      }
      if (k % 4 === 2) {
        how = 'file pump';
        const sizes = [1 + rng.int(rng.chance(0.5) ? 64 : 8192), 1 + rng.int(1 << 20)];
        const pumped = await readPumped(input, sizes);
        checkReaderOutcome(input, pumped);
        expectSameOutcome(whole, pumped, `pushed whole vs file pump with reads of ${sizes.join('/')} bytes`);
      }
      if (k % 64 === 3) {
        how = 'gzip stream';
        const gz = zlib.gzipSync(input, { level: 1 });
        const at = rng.int(gz.length);
        const viaGzip = await readStream([gz.subarray(0, at), gz.subarray(at)]);
        checkReaderOutcome(input, viaGzip);
        expectSameOutcome(whole, viaGzip, 'pushed whole vs gzip stream', true);
        how = 'corrupt gzip';
        const bad = mutate(gz, [], rng, []);
        checkReaderOutcome(bad, await readStream([bad]), { corruptGzip: true });
      }
      return whole;
    } catch (e) {
      report(e, 'reader', how, seed, input);
      return null;
    }
  };

  /** Decodes frames in order with the campaign's decoder; `input` is what a finding saves. */
  const decodeAll = (frames: readonly Frame[], seed: string, input: () => Uint8Array) => {
    try {
      for (const f of frames) {
        count(`decoder:${checkDecode(decoder, f)}`);
        stats.decoderCases++;
      }
      // fragment buffers stay within their limits whatever arrives
      const fr = decoder.fragments!;
      if (fr.bytes > fr.limits.maxBytes || fr.size > fr.limits.maxDatagrams) {
        throw new Finding('invariant', `fragment reassembly holds ${fr.bytes} bytes in ${fr.size} datagrams`);
      }
    } catch (e) {
      report(e, 'decoder', 'decode', seed, input());
      decoder = new PacketDecoder(); // its state may be what broke: start clean
    }
  };

  const decoderCase = (seed: FrameSeed) => {
    const linkType = rng.chance(0.03) ? rng.pick([0, 1, 101, 108, 113, 228, 229, 276, 147]) : seed.linkType;
    const frames: Frame[] = [];
    const order = seed.frames.map((_, i) => i);
    if (order.length > 1 && rng.chance(0.3)) {
      // fragments out of order (Fisher-Yates)
      for (let i = order.length - 1; i > 0; i--) {
        const j = rng.int(i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
    }
    for (const i of order) {
      let data = seed.frames[i]!;
      if (seed.frames.length === 1 || rng.chance(0.5)) {
        const donor = rng.pick(o.frames);
        data = mutate(data, seed.fields[i]!, rng, [donor.frames[0]!]);
      }
      let origLen = data.length;
      if (rng.chance(0.15)) {
        // a snaplen cut: fewer bytes captured than the frame had
        origLen = data.length;
        data = data.subarray(0, rng.int(data.length + 1));
      } else if (rng.chance(0.05)) origLen = rng.chance(0.5) ? rng.int(data.length + 1) : data.length + rng.int(70000);
      frames.push(frameOf(data, linkType, ++frameNo, origLen));
      if (rng.chance(0.02)) frames.push(frameOf(data, linkType, ++frameNo, origLen)); // duplicate
    }
    current = framesAsPcap(frames, linkType, scratch);
    o.beforeCase?.(current);
    decodeAll(frames, seed.name, () => framesAsPcap(frames, linkType));
  };

  /** A mutant frame sequence of an FTP capture through the whole Analysis and both reports. */
  const pipelineCase = (seeds: readonly PipelineSeed[]) => {
    const seed = rng.pick(seeds);
    const frames = mutateFrames(seed, rng, rng.pick(seeds));
    const limits = drawLimits(rng);
    current = framesAsPcap(frames, seed.linkType, scratch);
    o.beforeCase?.(current);
    try {
      count(`pipeline:${checkPipeline(frames, limits)}`);
    } catch (e) {
      report(e, 'pipeline', `analysis with limits ${JSON.stringify(limits)}`, seed.name, framesAsPcap(frames, seed.linkType));
    }
    stats.pipelineCases++;
    stats.inputBytes += frames.reduce((n, f) => n + f.data.length, 0);
    return seed.name;
  };

  /** A case of a seeded target, drawn from its own seed (replayable alone: runSeededCase). */
  const seededCase = async () => {
    const caseSeed = rng.u32();
    current = scratch.subarray(0, 0);
    o.beforeCase?.(current);
    try {
      count(`${o.target}:${await runSeededCase(o.target, caseSeed, o, (input) => (current = input))}`);
    } catch (e) {
      report(e, o.target as FindingReport['target'], `case ${caseSeed} (replay: --target ${o.target} --case ${caseSeed})`, o.target, current);
    }
    stats.seededCases++;
    return `case ${caseSeed}`;
  };

  const scratch = new Uint8Array(1 << 16);
  let current: Uint8Array = scratch.subarray(0, 0); // the running case's input
  while (stats.cases < maxCases && performance.now() < deadline) {
    const t0 = performance.now();
    let what = '';
    const doReader = o.target === 'reader' || o.target === 'all';
    if (SEEDED_TARGETS.includes(o.target)) {
      what = await seededCase();
    } else if (o.target === 'pipeline') {
      what = pipelineCase(o.pipelineSeeds ?? []);
    } else if (doReader) {
      const seed = rng.pick(o.captures);
      const donor = rng.pick(o.captures);
      const mutant = mutate(seed.bytes, seed.fields, rng, [donor.bytes]);
      current = mutant;
      what = seed.name;
      o.beforeCase?.(mutant);
      const whole = await readerCase(mutant, seed.name);
      if (o.target === 'all' && whole !== null) decodeAll(whole.frames, seed.name, () => mutant);
      stats.inputBytes += mutant.length;
    } else {
      const seed = rng.pick(o.frames);
      what = seed.name;
      decoderCase(seed);
      stats.inputBytes += seed.frames.reduce((n, f) => n + f.length, 0);
      if (stats.cases % 5000 === 4999) decoder = new PacketDecoder(); // fresh fragment tables now and then
    }
    stats.cases++;
    const dt = performance.now() - t0;
    if (dt > slowMs) {
      report(new Finding('slow', `one case took ${dt.toFixed(0)} ms (bound ${slowMs} ms)`), findingTarget(o.target), 'timing', what, current);
    }
    if (o.onProgress && t0 - lastProgress > 1000) {
      lastProgress = t0;
      stats.ms = performance.now() - start;
      o.onProgress(stats);
    }
  }
  stats.ms = performance.now() - start;
  return stats;
}
