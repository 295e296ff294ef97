// Holds the first bytes of a connection that may be an FTP control connection until the
// recogniser (detect.ts) decides, so that a connection found to be FTP can be parsed from its
// first byte (the greeting) after all. Bounded per direction.

import type { Side } from '../../tcp/types.ts';

/** Bytes kept per direction for replay; reaching it forces a decision. */
export const PROBE_LIMIT = 16 * 1024;
/** Bytes per direction the recogniser looks at. */
export const JUDGE_BYTES = 2048;

export interface ProbeChunk {
  side: Side;
  data: Buffer | null; // a copy of the delivered bytes; null for a gap
  frame: number;
  time: number;
  offset: number; //      stream offset of data[0] (NaN for a gap)
  gap: { bytes: number; acked: boolean } | null; // a gap: its length, and whether the receiver acknowledged it
}

export class Probe {
  readonly chunks: ProbeChunk[] = [];
  private readonly held: Record<Side, number> = { client: 0, server: 0 }; //    bytes kept, per direction
  // The first JUDGE_BYTES of each side: the copy of its first chunk while that holds them all
  // (most connections are judged on their first segment each way), else a buffer of its own.
  private readonly heads: Record<Side, Buffer | null> = { client: null, server: null };
  private readonly headLen: Record<Side, number> = { client: 0, server: 0 };
  private readonly headOwned: Record<Side, boolean> = { client: false, server: false }; // heads[side] is not a chunk
  private readonly frozen: Record<Side, boolean> = { client: false, server: false }; // head ends at a gap
  readonly gapSeen: Record<Side, boolean> = { client: false, server: false };
  firstFrame = 0; //  frame of the first payload byte (either direction)
  full = false; //    a direction reached PROBE_LIMIT

  /** Keeps a copy of `data`. Returns true when it added to what the recogniser looks at. */
  add(side: Side, data: Buffer, frame: number, time: number, offset = NaN): boolean {
    if (this.firstFrame === 0) this.firstFrame = frame;
    const copy = Buffer.from(data);
    this.chunks.push({ side, data: copy, frame, time, offset, gap: null });
    this.held[side] += data.length;
    if (this.held[side] >= PROBE_LIMIT) this.full = true;
    const have = this.headLen[side];
    if (have >= JUDGE_BYTES || this.frozen[side]) return this.full;
    const n = Math.min(JUDGE_BYTES - have, data.length);
    if (have === 0) {
      this.heads[side] = copy; // chunks are never written to
    } else {
      let head = this.heads[side]!;
      if (!this.headOwned[side]) {
        const own = Buffer.allocUnsafe(JUDGE_BYTES);
        head.copy(own, 0, 0, have);
        head = this.heads[side] = own;
        this.headOwned[side] = true;
      }
      data.copy(head, have, 0, n);
    }
    this.headLen[side] = have + n;
    return true;
  }

  gap(side: Side, frame: number, time: number, bytes = 0, acked = false): void {
    this.gapSeen[side] = true;
    this.chunks.push({ side, data: null, frame, time, offset: NaN, gap: { bytes, acked } });
    // what follows a gap is the tail of some line: keep the head as it was before it
    if (this.headLen[side] > 0) this.frozen[side] = true;
  }

  /** The first bytes of `side` (up to JUDGE_BYTES, up to its first gap). */
  head(side: Side): Buffer {
    const h = this.heads[side];
    return h ? h.subarray(0, this.headLen[side]) : Buffer.alloc(0);
  }
}
