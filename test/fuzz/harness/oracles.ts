// What must hold for ANY input, however broken: the oracles the fuzzer checks every case against.
//
// Reader contract (stages capture): every input ends either in frames + a summary (a cut capture
// flagged truncated with a warning), or in a CaptureError with a code and an offset within the
// input; never another exception, never a frame pointing outside the input, never a buffer sized
// by a length field rather than by the input; and the same frames and ending whatever the
// chunking (one push, random pushes, the file pump's reads, a stream).
// Decoder contract: decode() returns one of the six outcomes without reaching its catch-all,
// fills only offsets inside the packet it reports, and never writes into the frame's bytes.
import { Readable } from 'node:stream';
import { isDeepStrictEqual } from 'node:util';
import { CaptureError, type CaptureSummary, type Frame } from '../../../src/capture/frame.ts';
import { pumpFile, READ_CHUNK, type ReadAt } from '../../../src/capture/file-pump.ts';
import { readCapture } from '../../../src/capture/read.ts';
import { CaptureStreamParser } from '../../../src/capture/stream-parser.ts';
import type { PacketDecoder } from '../../../src/decode/decoder.ts';
import type { DecodeOutcome } from '../../../src/decode/packet.ts';
import { largestAllocation, largestAllocationSync } from './alloc-spy.ts';

/** A contract violation, with a one-line kind the campaign groups findings by. */
export class Finding extends Error {
  constructor(
    readonly kind: 'crash' | 'invariant' | 'alloc' | 'mismatch' | 'slow' | 'hang',
    message: string,
    readonly detail = '',
  ) {
    super(message);
    this.name = 'Finding';
  }
}

/** A delivered frame, copied out of the reader's reused Frame. */
export interface FrameRecord {
  number: number;
  offset: number;
  tsSec: number;
  tsNsec: number;
  time: number;
  linkType: number;
  interfaceId: number;
  capLen: number;
  origLen: number;
  data: Buffer;
}

export interface ReaderOutcome {
  frames: FrameRecord[];
  summary: CaptureSummary | null; //                        set when the read ended normally
  error: { code: string; offset: number; reason: string } | null; // set when it threw a CaptureError
  largestAlloc: number; //                                  bytes, largest single Buffer allocated
}

/** Largest single allocation the reader may make for an input of `n` bytes: the file pump's two
 *  fixed 1.5 MiB buffers, or a small multiple of the input. Anything above is sized by a field. */
export function allocBound(n: number): number {
  return 2 * 1024 * 1024 + 4 * n;
}

const READER_CODES = new Set(['not-a-capture', 'bad-record-length', 'bad-block']);
const FRAME_WORK_LIMIT = 1000; // frames whose bytes are compared with the input, per case (speed)

function copy(f: Frame): FrameRecord {
  return { ...f, data: Buffer.from(f.data) };
}

/** Turns what a read threw into an outcome, or a crash finding for anything but a CaptureError. */
function settle(frames: FrameRecord[], summary: CaptureSummary | null, thrown: unknown, largestAlloc: number): ReaderOutcome {
  if (thrown === undefined) return { frames, summary, error: null, largestAlloc };
  if (!(thrown instanceof CaptureError)) {
    const e = thrown as Error;
    throw new Finding('crash', `reader threw ${e?.name ?? typeof e}: ${e?.message ?? String(e)}`, e?.stack ?? '');
  }
  if (thrown.summary === null) throw new Finding('invariant', `CaptureError without a summary: ${thrown.message}`);
  if (thrown.summary.frames !== frames.length) {
    throw new Finding('invariant', `CaptureError summary says ${thrown.summary.frames} frames, ${frames.length} delivered`);
  }
  return { frames, summary: null, error: { code: thrown.code, offset: thrown.offset, reason: thrown.reason }, largestAlloc };
}

/** The in-memory push parser, fed `input` cut at `cuts` (ascending offsets; [] = one push). */
export function readPushed(input: Buffer, cuts: readonly number[] = []): ReaderOutcome {
  const frames: FrameRecord[] = [];
  let summary: CaptureSummary | null = null;
  let thrown: unknown = undefined;
  const { largest } = largestAllocationSync(() => {
    try {
      const p = new CaptureStreamParser('fuzz', (f) => frames.push(copy(f)));
      let at = 0;
      for (const c of [...cuts, input.length]) {
        // a fresh chunk, scribbled over after the push: the parser may not keep views into it
        const chunk = Buffer.from(input.subarray(at, c));
        p.push(chunk);
        chunk.fill(0xa5);
        at = c;
      }
      summary = p.end();
    } catch (e) {
      thrown = e;
    }
  });
  return settle(frames, summary, thrown, largest);
}

/** readCapture's fast path for files (pumpFile), over an in-memory file whose reads return at
 *  most `readSizes[i % n]` bytes each (short reads move the record boundaries around). */
export async function readPumped(input: Buffer, readSizes: readonly number[] = [READ_CHUNK]): Promise<ReaderOutcome> {
  const frames: FrameRecord[] = [];
  let summary: CaptureSummary | null = null;
  let thrown: unknown = undefined;
  let reads = 0;
  const readAt: ReadAt = async (buf, at, len, pos) => {
    const n = Math.max(0, Math.min(len, readSizes[reads++ % readSizes.length]!, input.length - pos));
    input.copy(buf, at, pos, pos + n);
    return n;
  };
  const { largest } = await largestAllocation(async () => {
    try {
      // as readCapture does for a plain file: the first read, then the pump
      const first = Buffer.allocUnsafe(READ_CHUNK);
      const n = await readAt(first, 0, READ_CHUNK, 0);
      const parser = new CaptureStreamParser('fuzz', (f) => frames.push(copy(f)));
      summary = await pumpFile(readAt, parser, first, n, () => {});
    } catch (e) {
      thrown = e;
    }
  });
  return settle(frames, summary, thrown, largest);
}

/** readCapture on a stream (standard input), given as the chunks a pipe would deliver. */
export async function readStream(chunks: readonly Buffer[]): Promise<ReaderOutcome> {
  const frames: FrameRecord[] = [];
  let summary: CaptureSummary | null = null;
  let thrown: unknown = undefined;
  const { largest } = await largestAllocation(async () => {
    try {
      summary = await readCapture('-', (f) => frames.push(copy(f)), { stdin: Readable.from(chunks, { objectMode: false }) });
    } catch (e) {
      thrown = e;
    }
  });
  return settle(frames, summary, thrown, largest);
}

/** Checks one outcome against the reader contract for `input` (the bytes the parser saw). */
export function checkReaderOutcome(input: Buffer, o: ReaderOutcome, opts: { corruptGzip?: boolean } = {}): void {
  // corruptGzip: `input` is damaged gzip data, so the bytes the parser saw are unknown: only the
  // ending and the frames' own consistency can be checked (and the gzip code is allowed)
  const raw = opts.corruptGzip !== true;
  const n = input.length;
  const bound = allocBound(n);
  if (raw && o.largestAlloc > bound) {
    throw new Finding('alloc', `allocated ${o.largestAlloc} bytes at once for a ${n}-byte input (bound ${bound})`);
  }
  if (o.error !== null) {
    const { code, offset, reason } = o.error;
    if (!READER_CODES.has(code) && !(!raw && code === 'gzip')) {
      throw new Finding('invariant', `unexpected CaptureError code ${code}: ${reason}`);
    }
    if (!Number.isInteger(offset) || offset < 0 || (raw && offset > n)) throw new Finding('invariant', `CaptureError offset ${offset} outside the ${n}-byte input`);
    if (reason === '' || /[\r\n]/.test(reason)) throw new Finding('invariant', `CaptureError reason is empty or multi-line: ${JSON.stringify(reason)}`);
  } else {
    const s = o.summary!;
    if (s.frames !== o.frames.length) throw new Finding('invariant', `summary says ${s.frames} frames, ${o.frames.length} delivered`);
    if (raw && s.bytes !== n) throw new Finding('invariant', `summary says ${s.bytes} bytes read of ${n}`);
    if (s.truncated && s.warnings.length === 0) throw new Finding('invariant', 'truncated without a warning');
    if (s.warnings.length > 100) throw new Finding('invariant', `${s.warnings.length} warnings (bounded at 100)`);
    for (const w of s.warnings) {
      if (!Number.isInteger(w.offset) || w.offset < 0 || (raw && w.offset > n)) throw new Finding('invariant', `warning offset ${w.offset} outside the input: ${w.message}`);
      if (/[\r\n]/.test(w.message)) throw new Finding('invariant', `multi-line warning ${JSON.stringify(w.message)}`);
    }
  }
  let lastNumber = 0;
  let lastOffset = -1;
  const pcapng = n >= 4 && input.readUInt32BE(0) === 0x0a0d0d0a;
  for (let i = 0; i < o.frames.length; i++) {
    const f = o.frames[i]!;
    const where = `frame ${f.number} at offset ${f.offset}`;
    if (!(f.number > lastNumber)) throw new Finding('invariant', `${where}: number not increasing (after ${lastNumber})`);
    if (!(f.offset > lastOffset) || (raw && f.offset + f.capLen > n)) throw new Finding('invariant', `${where}: record outside the input or out of order`);
    if (f.data.length !== f.capLen) throw new Finding('invariant', `${where}: ${f.data.length} data bytes for capLen ${f.capLen}`);
    if (!Number.isInteger(f.tsNsec) || f.tsNsec < 0 || f.tsNsec >= 1e9 || !Number.isFinite(f.time)) {
      throw new Finding('invariant', `${where}: bad timestamp ${f.tsSec} s + ${f.tsNsec} ns`);
    }
    if (o.summary !== null && !o.summary.linkTypes.includes(f.linkType)) throw new Finding('invariant', `${where}: link type ${f.linkType} missing from the summary`);
    if (raw && i < FRAME_WORK_LIMIT) {
      // the bytes are those of the record: pcap data at +16; pcapng EPB/PB at +28, SPB at +12
      const at = pcapng ? [28, 12] : [16];
      if (!at.some((d) => f.data.equals(input.subarray(f.offset + d, f.offset + d + f.capLen)))) {
        throw new Finding('invariant', `${where}: data is not the record's bytes`);
      }
    }
    lastNumber = f.number;
    lastOffset = f.offset;
  }
}

/** Throws a mismatch finding when two reads of the same bytes disagree (frames, ending). */
export function expectSameOutcome(a: ReaderOutcome, b: ReaderOutcome, what: string, ignoreCompressed = false): void {
  if (a.frames.length !== b.frames.length) throw new Finding('mismatch', `${what}: ${a.frames.length} vs ${b.frames.length} frames`);
  for (let i = 0; i < a.frames.length; i++) {
    if (!isDeepStrictEqual(a.frames[i], b.frames[i])) throw new Finding('mismatch', `${what}: frame ${a.frames[i]!.number} differs`);
  }
  if (!isDeepStrictEqual(a.error, b.error)) {
    throw new Finding('mismatch', `${what}: ending ${JSON.stringify(a.error)} vs ${JSON.stringify(b.error)}`);
  }
  if (a.summary !== null && b.summary !== null) {
    const strip = (s: CaptureSummary) => ({ ...s, file: '', compressed: ignoreCompressed ? null : s.compressed });
    if (!isDeepStrictEqual(strip(a.summary), strip(b.summary))) {
      throw new Finding('mismatch', `${what}: summaries differ: ${JSON.stringify(strip(a.summary))} vs ${JSON.stringify(strip(b.summary))}`);
    }
  }
}

const OUTCOMES = new Set<DecodeOutcome>(['tcp', 'not-ip', 'not-tcp', 'fragment', 'malformed', 'truncated']);

/** Decodes `frame` and checks the decoder contract; returns the outcome. */
export function checkDecode(d: PacketDecoder, frame: Frame): DecodeOutcome {
  const before = Buffer.from(frame.data);
  let out: DecodeOutcome;
  try {
    out = d.decode(frame);
  } catch (e) {
    throw new Finding('crash', `decoder threw ${(e as Error).name}: ${(e as Error).message}`, (e as Error).stack ?? '');
  }
  const p = d.packet;
  const where = `frame ${frame.number} (${out})`;
  if (!OUTCOMES.has(out)) throw new Finding('invariant', `${where}: unknown outcome`);
  if (p.malformed === 'decoder error') throw new Finding('crash', `${where}: decoder hit its catch-all (an exception inside a decoder)`);
  if ((out === 'malformed') !== (p.malformed !== null)) throw new Finding('invariant', `${where}: malformed reason ${p.malformed}`);
  if (!before.equals(frame.data)) throw new Finding('invariant', `${where}: decoder wrote into the frame's bytes`);
  const c = d.counters;
  if (c.tcp + c.notIp + c.notTcp + c.fragments + c.malformed + c.truncated !== c.frames) throw new Finding('invariant', `${where}: counters do not sum to frames`);
  if (out === 'tcp') {
    const len = p.data.length;
    if (p.ipVersion !== 4 && p.ipVersion !== 6) throw new Finding('invariant', `${where}: ipVersion ${p.ipVersion}`);
    if (p.addrOffsetSrc + p.addrLength > len || p.addrOffsetDst + p.addrLength > len) throw new Finding('invariant', `${where}: address outside the packet`);
    if (p.tcpHeaderLength < 20 || p.tcpHeaderLength > 60 || p.tcpHeaderLength % 4 !== 0) throw new Finding('invariant', `${where}: TCP header length ${p.tcpHeaderLength}`);
    if (p.payloadOffset !== p.tcpOffset + p.tcpHeaderLength) throw new Finding('invariant', `${where}: payload does not follow the TCP header`);
    if (p.payloadLength < 0 || p.payloadOffset + p.payloadLength > len) throw new Finding('invariant', `${where}: payload ${p.payloadOffset}+${p.payloadLength} outside ${len} bytes`);
    if (p.segmentLength < p.payloadLength) throw new Finding('invariant', `${where}: segment length ${p.segmentLength} < captured payload ${p.payloadLength}`);
    if (p.windowScale < -1 || p.windowScale > 14) throw new Finding('invariant', `${where}: window scale ${p.windowScale}`);
    if (p.sackBlocks.length % 2 !== 0 || p.sackBlocks.length > 8) throw new Finding('invariant', `${where}: ${p.sackBlocks.length} SACK edges`);
    p.srcAddr();
    p.dstAddr();
  }
  return out;
}
