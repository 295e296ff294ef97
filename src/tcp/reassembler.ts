// One direction's byte stream: which bytes the capture holds (Coverage) and in-order delivery to
// the layer above (Reassembler). Offsets are relative stream offsets (first data byte = 0), plain
// numbers, so streams longer than 4 GiB are fine once sequence numbers are unwrapped.

import { copyBytes } from './bytes.ts';

/** Out-of-order segments held per direction, whatever their size: the byte cap alone let 4 M
 *  one-byte segments (each with its own record, and work per insert growing with them) be held.
 *  4,096 full-size segments are more than the default 4 MiB byte cap holds. Past it the earliest
 *  hole is given up, as for the byte cap (reassembly-overflow). */
export const MAX_HELD_SEGMENTS = 4096;

/** Holes remembered below the highest byte seen; beyond this the lowest one is forgotten (its
 *  bytes then stay counted as missing even if a late retransmission brings them). */
const MAX_HOLES = 64;

/** The hole list of a stream without holes, and the kept frames of a direction keeping nothing:
 *  one frozen empty list for all (a list each was ~0.1 KB per open connection); a list of its own
 *  is made at the first entry. */
const NONE: number[] = Object.freeze([]) as unknown as number[];

/**
 * Which bytes of a stream the capture contained, for Endpoint.bytesCaptured and to know whether an
 * acknowledgment passes over bytes never seen. O(1) for in-order traffic.
 */
export class Coverage {
  hi = 0; //                    end of the highest byte seen (relative offset)
  closed = 0; //                holes the last add() filled completely
  // Missing ranges below `hi`: flat [start, end) pairs, ascending, from index `first` of `h`.
  // Forgetting the lowest hole moves `first` rather than shifting the array: a capture cut by a
  // snapshot length leaves a hole in every data segment, so the list is full all the time.
  private h: number[] = NONE;
  private first = 0;

  /** The missing ranges below `hi`: flat [start, end) pairs, ascending. */
  get holes(): number[] {
    return this.first === 0 ? this.h : this.h.slice(this.first);
  }

  /** Records bytes [start, end) as seen; returns how many of them are new. */
  add(start: number, end: number): number {
    this.closed = 0;
    if (start < 0) start = 0;
    if (end <= start) return 0;
    const hi = this.hi;
    if (start >= hi) {
      if (start > hi) this.pushHole(hi, start);
      this.hi = end;
      return end - start;
    }
    let fresh = 0;
    if (end > hi) {
      fresh += end - hi;
      this.hi = end;
      end = hi;
    }
    const h = this.h;
    for (let i = this.first; i < h.length; ) {
      const hs = h[i]!;
      const he = h[i + 1]!;
      if (he <= start) {
        i += 2;
        continue;
      }
      if (hs >= end) break;
      const os = start > hs ? start : hs;
      const oe = end < he ? end : he;
      fresh += oe - os;
      if (os === hs && oe === he) {
        h.splice(i, 2);
        this.closed++;
      } else if (os === hs) {
        h[i] = oe;
        i += 2;
      } else if (oe === he) {
        h[i + 1] = os;
        i += 2;
      } else {
        h.splice(i + 1, 0, os, oe); // split: [hs, os) and [oe, he)
        i += 4;
      }
    }
    return fresh;
  }

  /** Start of the lowest missing range below `limit`, or -1. */
  firstHoleBelow(limit: number): number {
    const h = this.h;
    return h.length > this.first && h[this.first]! < limit ? h[this.first]! : -1;
  }

  /** Gives back the slots of forgotten holes and what push() reserved (the stream has ended). */
  trim(): void {
    if (this.h.length > 0) this.h = this.h.slice(this.first);
    this.first = 0;
  }

  private pushHole(start: number, end: number): void {
    if (this.h === NONE) this.h = [];
    const h = this.h;
    if (h.length - this.first >= MAX_HOLES * 2) {
      this.first += 2;
      // drop the forgotten slots once they outnumber the live ones: one shift per hole pushed
      if (this.first >= MAX_HOLES * 2) {
        h.splice(0, this.first);
        this.first = 0;
      }
    }
    h.push(start, end);
  }
}

/** Two copies of the same stream bytes that disagree. */
export interface StreamConflict {
  offset: number; //      stream offset of the first byte where the copies overlap
  first: Buffer; //       the copy seen first (delivered or held): the overlapping bytes, at most CONFLICT_BYTES
  second: Buffer; //      the later copy's bytes there
  firstFrame: number; //  frame that carried the first copy (of its first overlapping byte)
  frame: number; //       frame of the later copy
}

/** Bytes of each copy a conflict keeps (a command or reply line and some context). */
export const CONFLICT_BYTES = 256;

/** Delivered bytes kept until the peer acknowledges them, per direction: a copy that disagrees
 *  with them can only be told while they are kept. Past this the oldest go unkept. */
export const MAX_UNACKED_KEPT = 16 * 1024;

/** Smallest buffer kept bytes go into; kept buffers come in power-of-two sizes from here up to
 *  MAX_UNACKED_KEPT, so that a freed one fits the next connection's needs. */
const KEPT_MIN = 256;
/** Bytes of freed kept buffers held for reuse, per size: a control connection keeps each
 *  command or reply until it is acknowledged, and a fresh buffer outside the shared pool per
 *  segment (an ArrayBuffer with its own backing store) cost more than the parsing behind it. */
const KEPT_POOL_BYTES = 256 * 1024;

/** Freed kept buffers by size class (KEPT_MIN << k), at most KEPT_POOL_BYTES of each. */
const keptPool: Buffer[][] = [];
for (let size = KEPT_MIN; size <= MAX_UNACKED_KEPT; size *= 2) keptPool.push([]);

/** A buffer of at least `length` (≤ MAX_UNACKED_KEPT) bytes for kept bytes: a freed one of its
 *  size class, or a new one — not from Node's shared pool: a connection may keep these bytes for
 *  minutes, and a slice of the pool holds the whole 8 KB slab it was cut from. */
function takeKept(length: number): Buffer {
  let size = KEPT_MIN;
  let k = 0;
  while (size < length) {
    size *= 2;
    k++;
  }
  return keptPool[k]!.pop() ?? Buffer.allocUnsafeSlow(size);
}

/** Gives a kept buffer back for reuse (its bytes are not read again). */
function freeKept(buf: Buffer): void {
  const k = Math.log2(buf.length / KEPT_MIN);
  const list = keptPool[k];
  if (list !== undefined && (list.length + 1) * buf.length <= KEPT_POOL_BYTES) list.push(buf);
}

/** Lists of kept segments' (offset, frame) pairs given back when their direction's bytes were
 *  all acknowledged, for the next direction that keeps some: a control connection keeps each
 *  command or reply until it is acknowledged, and a fresh list per line was two allocations
 *  (the list, then its first growth). At most FRAME_LISTS are held, each of at most
 *  FRAME_LIST_SLOTS entries (a longer one goes to the collector). */
const frameLists: number[][] = [];
const FRAME_LISTS = 1024;
const FRAME_LIST_SLOTS = 64;

/** Where reassembled bytes go. */
export interface StreamSink {
  streamData(data: Buffer, start: number, length: number, offset: number, frame: number, time: number): void;
  streamGap(offset: number, length: number, frame: number): void;
  /** Buffered bytes changed by `delta` (for the engine's memory statistics). */
  bufferedDelta(delta: number): void;
  /** A later copy of bytes already delivered (and not yet acknowledged) or held disagrees with
   *  the first (retransmitted, or overlapping, with other content). */
  streamConflict?(c: StreamConflict): void;
}

interface Pending {
  offset: number; // relative offset of data[0]
  data: Buffer; //  a private copy (the frame buffer is reused)
  frame: number;
  time: number;
}

/** The held segments of a direction holding none: one frozen empty list for all (most directions
 *  never hold any; a list each was 32 B and an allocation per direction); its own at the first. */
const NO_PENDING: Pending[] = Object.freeze([]) as unknown as Pending[];

/**
 * In-order delivery with overlap trimming and a bounded out-of-order buffer. Overlaps: bytes
 * already delivered or already buffered win over later copies (first copy wins, as Windows and
 * the BSDs do for most overlaps); a differing retransmission is not delivered twice, but said
 * (streamConflict): delivered bytes are kept until the peer acknowledges them for that.
 */
export class Reassembler {
  next = 0; //                    offset of the next byte owed to the sink
  buffered = 0; //                bytes held out of order
  private pending: Pending[] = NO_PENDING; // sorted by offset, non-overlapping, all beyond `next`
  // Delivered bytes not yet acknowledged: [keptFrom, next) in `kept` (taken on first use, given
  // back when all is acknowledged); the first `keptPairs` slots of `keptFrames` pair (start
  // offset, frame) of the segments they came in, ascending (a list of its own, from frameLists,
  // while bytes are kept; its slots past keptPairs are stale).
  private kept: Buffer | null = null;
  private keptFrom = 0; //        stream offset of kept[0]
  private keptFrames: number[] = NONE;
  private keptPairs = 0; //       slots of keptFrames in use

  constructor(
    private readonly sink: StreamSink,
    private readonly cap: number, // most bytes held out of order
  ) {}

  /** Bytes waiting for a hole to fill. */
  get pendingSegments(): number {
    return this.pending.length;
  }

  /**
   * Takes `length` bytes of `buf` from `start`, at stream offset `offset`. Returns true when the
   * buffer cap forced a gap (reassembly overflow).
   */
  insert(offset: number, buf: Buffer, start: number, length: number, frame: number, time: number): boolean {
    let end = offset + length;
    let overflow = false;
    if (offset < 0) {
      start -= offset;
      offset = 0;
    }
    const pend = this.pending;
    while (offset < end) {
      const next = this.next;
      // bytes already delivered: a retransmission; said if it disagrees with what was kept
      if (offset < next) this.compareKept(offset, end < next ? end : next, buf, start, frame);
      if (end <= next) break; // all old (a retransmission of delivered bytes)
      if (offset < next) {
        start += next - offset;
        offset = next;
      }
      if (offset === next) {
        const stop = pend.length > 0 && pend[0]!.offset < end ? pend[0]!.offset : end;
        if (stop > offset) {
          this.sink.streamData(buf, start, stop - offset, offset, frame, time);
          this.keep(buf, start, stop - offset, offset, frame);
          start += stop - offset;
          offset = stop;
          this.next = stop;
        }
        this.drain();
        continue;
      }
      // beyond a hole: keep a copy, unless that would pass the byte or the segment cap
      if (
        (this.buffered + (end - offset) > this.cap && this.buffered + this.unheld(offset, end) > this.cap) ||
        (pend.length >= MAX_HELD_SEGMENTS && this.unheld(offset, end) > 0)
      ) {
        overflow = true;
        if (pend.length > 0) this.forceFirstHole(frame);
        else this.gapTo(offset, frame); // a single segment larger than the cap: give up the hole
        continue;
      }
      this.hold(offset, end, buf, start, frame, time);
      break;
    }
    return overflow;
  }

  /** Declares bytes before `limit` that never came as gaps and delivers what follows them. */
  flushTo(limit: number, frame: number): void {
    const pend = this.pending;
    while (this.next < limit) {
      if (pend.length > 0 && pend[0]!.offset <= this.next) {
        this.drain();
        continue;
      }
      const gapEnd = pend.length > 0 && pend[0]!.offset < limit ? pend[0]!.offset : limit;
      this.gapTo(gapEnd, frame);
    }
  }

  /** Everything still held, holes as gaps (the connection is over). */
  flushAll(limit: number, frame: number): void {
    const pend = this.pending;
    const last = pend.length > 0 ? pend[pend.length - 1]! : null;
    const end = last !== null && last.offset + last.data.length > limit ? last.offset + last.data.length : limit;
    this.flushTo(end, frame);
  }

  /** Drops everything held (delivery was switched off). */
  discard(): void {
    if (this.buffered > 0) this.sink.bufferedDelta(-this.buffered);
    this.pending = NO_PENDING;
    this.buffered = 0;
    this.dropAllKept();
  }

  private gapTo(end: number, frame: number): void {
    const next = this.next;
    if (end <= next) return;
    this.sink.streamGap(next, end - next, frame);
    this.next = end;
    this.release(end); // what was kept no longer ends at `next`
    this.drain();
  }

  /** The peer acknowledged the stream up to `offset`: kept bytes before it are let go (a later
   *  copy of them is a duplicate the receiver drops). */
  release(offset: number): void {
    if (this.kept === null) return;
    if (offset >= this.next) {
      this.dropAllKept();
      this.keptFrom = this.next;
      return;
    }
    if (offset <= this.keptFrom) return;
    this.dropKept(offset - this.keptFrom);
  }

  /** Keeps delivered bytes buf[start, start + length) at stream offset `offset` (= next, before
   *  it moves past them). */
  private keep(buf: Buffer, start: number, length: number, offset: number, frame: number): void {
    if (this.sink.streamConflict === undefined) return;
    if (length > MAX_UNACKED_KEPT) {
      // a segment longer than the cap: its last MAX_UNACKED_KEPT bytes
      start += length - MAX_UNACKED_KEPT;
      offset += length - MAX_UNACKED_KEPT;
      length = MAX_UNACKED_KEPT;
      this.dropAllKept();
    }
    if (this.kept === null) {
      this.kept = takeKept(length);
      this.keptFrom = offset;
      this.keptFrames = frameLists.pop() ?? [];
      this.keptPairs = 0;
    }
    let used = offset - this.keptFrom;
    if (used + length > MAX_UNACKED_KEPT) {
      this.dropKept(used + length - MAX_UNACKED_KEPT);
      used = offset - this.keptFrom;
    }
    if (used + length > this.kept.length) {
      const bigger = takeKept(used + length);
      this.kept.copy(bigger, 0, 0, used);
      freeKept(this.kept);
      this.kept = bigger;
    }
    copyBytes(buf, start, this.kept, used, length);
    const f = this.keptFrames;
    const n = this.keptPairs;
    // at the list's length, a write extends it (as push would); below, it reuses a stale slot
    f[n] = offset;
    f[n + 1] = frame;
    this.keptPairs = n + 2;
  }

  /** Lets every kept byte go; the buffer goes back for reuse. */
  private dropAllKept(): void {
    if (this.kept !== null) freeKept(this.kept);
    this.kept = null;
    const f = this.keptFrames;
    if (f !== NONE && f.length <= FRAME_LIST_SLOTS && frameLists.length < FRAME_LISTS) frameLists.push(f);
    this.keptFrames = NONE;
    this.keptPairs = 0;
  }

  /** Forgets the first `n` kept bytes (of those before `next`). */
  private dropKept(n: number): void {
    const kept = this.kept!;
    const used = this.next - this.keptFrom;
    if (n >= used) {
      this.keptFrom = this.next;
      this.keptPairs = 0;
      return;
    }
    kept.copy(kept, 0, n, used);
    this.keptFrom += n;
    const f = this.keptFrames;
    const pairs = this.keptPairs;
    let k = 0;
    while (k + 2 < pairs && f[k + 2]! <= this.keptFrom) k += 2;
    if (k > 0) {
      f.copyWithin(0, k, pairs);
      this.keptPairs = pairs - k;
    }
  }

  /** Compares a later copy of [from, to) (delivered bytes) with what was kept of them. */
  private compareKept(from: number, to: number, buf: Buffer, start: number, frame: number): void {
    const kept = this.kept;
    if (kept === null) return;
    const a = from > this.keptFrom ? from : this.keptFrom;
    const b = to < this.next ? to : this.next;
    if (b <= a) return;
    const bufAt = start + (a - from);
    if (kept.compare(buf, bufAt, bufAt + (b - a), a - this.keptFrom, b - this.keptFrom) === 0) return;
    this.conflict(a, b, kept, a - this.keptFrom, buf, bufAt, this.keptFrameAt(a), frame);
  }

  /** The frame that carried kept byte `offset`. */
  private keptFrameAt(offset: number): number {
    const f = this.keptFrames;
    let frame = 0;
    for (let k = 0; k < this.keptPairs && f[k]! <= offset; k += 2) frame = f[k + 1]!;
    return frame;
  }

  private conflict(from: number, to: number, first: Buffer, firstAt: number, second: Buffer, secondAt: number, firstFrame: number, frame: number): void {
    const n = Math.min(to - from, CONFLICT_BYTES);
    this.sink.streamConflict?.({
      offset: from,
      first: Buffer.from(first.subarray(firstAt, firstAt + n)),
      second: Buffer.from(second.subarray(secondAt, secondAt + n)),
      firstFrame,
      frame,
    });
  }

  /** Gives up the earliest hole: declares it a gap and delivers what follows it, freeing those
   *  held bytes. False when nothing is held. */
  forceFirstHole(frame: number): boolean {
    const first = this.pending[0];
    if (first === undefined) return false;
    this.gapTo(first.offset, frame);
    return true;
  }

  /** Delivers held segments that are now contiguous with `next`. */
  private drain(): void {
    const pend = this.pending;
    while (pend.length > 0 && pend[0]!.offset <= this.next) {
      const p = pend.shift()!;
      const len = p.data.length;
      this.buffered -= len;
      this.sink.bufferedDelta(-len);
      const pEnd = p.offset + len;
      if (pEnd > this.next) {
        const skip = this.next - p.offset;
        this.sink.streamData(p.data, skip, len - skip, this.next, p.frame, p.time);
        this.keep(p.data, skip, len - skip, this.next, p.frame);
        this.next = pEnd;
      }
    }
  }

  /** Bytes of [offset, end) not already held. */
  private unheld(offset: number, end: number): number {
    let n = end - offset;
    for (const p of this.pending) {
      const s = p.offset > offset ? p.offset : offset;
      const e = p.offset + p.data.length < end ? p.offset + p.data.length : end;
      if (e > s) n -= e - s;
    }
    return n;
  }

  /** Copies the parts of [offset, end) not already held. */
  private hold(offset: number, end: number, buf: Buffer, start: number, frame: number, time: number): void {
    if (this.pending === NO_PENDING) this.pending = [];
    const pend = this.pending;
    // insertion point: first held segment ending after `offset` (search from the end: out-of-order
    // data usually extends the tail)
    let i = pend.length;
    while (i > 0 && pend[i - 1]!.offset + pend[i - 1]!.data.length > offset) i--;
    let cur = offset;
    while (cur < end) {
      const p = i < pend.length ? pend[i]! : null;
      if (p !== null && p.offset <= cur) {
        // already held: skip over it (said if this copy disagrees with the held one)
        const heldEnd = p.offset + p.data.length;
        const to = heldEnd < end ? heldEnd : end;
        if (this.sink.streamConflict !== undefined && to > cur) {
          const at = start + (cur - offset);
          if (p.data.compare(buf, at, at + (to - cur), cur - p.offset, to - p.offset) !== 0) this.conflict(cur, to, p.data, cur - p.offset, buf, at, p.frame, frame);
        }
        cur = heldEnd;
        i++;
        continue;
      }
      const stop = p !== null && p.offset < end ? p.offset : end;
      const copy = Buffer.allocUnsafe(stop - cur);
      buf.copy(copy, 0, start + (cur - offset), start + (stop - offset));
      pend.splice(i, 0, { offset: cur, data: copy, frame, time });
      i++;
      this.buffered += copy.length;
      this.sink.bufferedDelta(copy.length);
      cur = stop;
    }
  }
}
