// One direction's byte stream: which bytes the capture holds (Coverage) and in-order delivery to
// the layer above (Reassembler). Offsets are relative stream offsets (first data byte = 0), plain
// numbers, so streams longer than 4 GiB are fine once sequence numbers are unwrapped.

/** Out-of-order segments held per direction, whatever their size: the byte cap alone let 4 M
 *  one-byte segments (each with its own record, and work per insert growing with them) be held.
 *  4,096 full-size segments are more than the default 4 MiB byte cap holds. Past it the earliest
 *  hole is given up, as for the byte cap (reassembly-overflow). */
export const MAX_HELD_SEGMENTS = 4096;

/** Holes remembered below the highest byte seen; beyond this the lowest one is forgotten (its
 *  bytes then stay counted as missing even if a late retransmission brings them). */
const MAX_HOLES = 64;

/**
 * Which bytes of a stream the capture contained, for Endpoint.bytesCaptured and to know whether an
 * acknowledgment passes over bytes never seen. O(1) for in-order traffic.
 */
export class Coverage {
  hi = 0; //                    end of the highest byte seen (relative offset)
  // Missing ranges below `hi`: flat [start, end) pairs, ascending, from index `first` of `h`.
  // Forgetting the lowest hole moves `first` rather than shifting the array: a capture cut by a
  // snapshot length leaves a hole in every data segment, so the list is full all the time.
  private h: number[] = [];
  private first = 0;

  /** The missing ranges below `hi`: flat [start, end) pairs, ascending. */
  get holes(): number[] {
    return this.first === 0 ? this.h : this.h.slice(this.first);
  }

  /** Records bytes [start, end) as seen; returns how many of them are new. */
  add(start: number, end: number): number {
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

/** Where reassembled bytes go. */
export interface StreamSink {
  streamData(data: Buffer, start: number, length: number, offset: number, frame: number, time: number): void;
  streamGap(offset: number, length: number, frame: number): void;
  /** Buffered bytes changed by `delta` (for the engine's memory statistics). */
  bufferedDelta(delta: number): void;
}

interface Pending {
  offset: number; // relative offset of data[0]
  data: Buffer; //  a private copy (the frame buffer is reused)
  frame: number;
  time: number;
}

/**
 * In-order delivery with overlap trimming and a bounded out-of-order buffer. Overlaps: bytes
 * already delivered or already buffered win over later copies (first copy wins, as Windows and
 * the BSDs do for most overlaps); a differing retransmission is not delivered twice.
 */
export class Reassembler {
  next = 0; //                    offset of the next byte owed to the sink
  buffered = 0; //                bytes held out of order
  private readonly pending: Pending[] = []; // sorted by offset, non-overlapping, all beyond `next`

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
      if (end <= next) break; // all old (a retransmission of delivered bytes)
      if (offset < next) {
        start += next - offset;
        offset = next;
      }
      if (offset === next) {
        const stop = pend.length > 0 && pend[0]!.offset < end ? pend[0]!.offset : end;
        if (stop > offset) {
          this.sink.streamData(buf, start, stop - offset, offset, frame, time);
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
    this.pending.length = 0;
    this.buffered = 0;
  }

  private gapTo(end: number, frame: number): void {
    const next = this.next;
    if (end <= next) return;
    this.sink.streamGap(next, end - next, frame);
    this.next = end;
    this.drain();
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
    const pend = this.pending;
    // insertion point: first held segment ending after `offset` (search from the end: out-of-order
    // data usually extends the tail)
    let i = pend.length;
    while (i > 0 && pend[i - 1]!.offset + pend[i - 1]!.data.length > offset) i--;
    let cur = offset;
    while (cur < end) {
      const p = i < pend.length ? pend[i]! : null;
      if (p !== null && p.offset <= cur) {
        // already held: skip over it
        cur = p.offset + p.data.length;
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
