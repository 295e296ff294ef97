// Bounded reassembly of fragmented IP datagrams that carry TCP (RFC 791 §3.2, RFC 8200 §4.5).
// Rare in FTP captures (PMTU discovery sets DF), but a VPN or tunnel MTU mismatch produces them,
// and without reassembly those segments would vanish from the TCP stage.
//
// Memory bound: at most `maxDatagrams` datagrams in progress and `maxBytes` of fragment data in
// total; the oldest datagram is dropped to make room. A datagram not completed within
// `timeoutSeconds` (capture time) is dropped, like Linux's ipfrag_time.

export interface FragmentLimits {
  maxDatagrams: number; //   datagrams in progress
  maxBytes: number; //       bytes of buffered fragment data, all datagrams together
  timeoutSeconds: number; // seconds of capture time a datagram may stay incomplete
}

export const DEFAULT_FRAGMENT_LIMITS: FragmentLimits = {
  maxDatagrams: 256,
  maxBytes: 4 * 1024 * 1024,
  timeoutSeconds: 30,
};

/** Largest reassembled payload: fragment offsets are 13 bits of 8-byte units, lengths 16 bits. */
const MAX_DATAGRAM_PAYLOAD = 65535;

// Fragments per datagram
// Definition: a datagram still incomplete after this many fragments is dropped, as FreeBSD does
// (net.inet.ip.maxfragsperpacket, default 16). A TCP segment fragments into a handful of pieces
// (32 for 1500 bytes at the 68-byte minimum IPv4 MTU). Without a bound, a datagram that never
// completes kept every repeated fragment, and each add re-sorted them all: quadratic time, seconds
// for a few thousand frames (found probing for slow inputs, test/fuzz/regressions.test.ts).
const MAX_FRAGMENTS_PER_DATAGRAM = 64;

/** Two fragments of one datagram that overlap with different bytes (RFC 5722 forbids overlaps
 *  in IPv6; RFC 1858 describes the IPv4 attacks). Reassembly keeps the first copy. */
export interface FragmentConflict {
  offset: number; //     payload offset where the two overlap
  firstFrame: number; // frame of the fragment that came first (its bytes are the ones kept)
  frame: number; //      frame of the later one
  first: string; //      the first copy's bytes there, Latin-1, at most 256
  second: string; //     the later copy's
}

/** Fragment conflicts kept (all are counted). */
const MAX_FRAGMENT_CONFLICTS = 20;

interface Pending {
  first: number; //     capture time of the first fragment seen, seconds
  chunks: Array<{ offset: number; data: Buffer; frame: number }>; // copies, in arrival order
  bytes: number; //     bytes held in chunks
  total: number; //     payload length once the last fragment (MF clear) was seen, else -1
  header: Buffer | null; // copy of the network header to put in front of the result (from offset 0's fragment)
  next: number; //      protocol / next header after reassembly (from offset 0's fragment), -1 until seen
}

/** The outcome of adding a fragment when the datagram became complete. */
export interface Reassembled {
  packet: Buffer; //    header + payload
  headerLength: number; // where the payload starts in `packet`
  next: number; //      protocol / next header of the payload
}

export class FragmentReassembler {
  private readonly pending = new Map<string, Pending>(); // insertion order = age order
  private held = 0; // bytes across all pending datagrams
  dropped = 0; //     datagrams given up (limits, timeouts, bad fragments)
  frame = 0; //       frame being decoded (the decoder sets it): fragments remember where they came from
  conflicts: FragmentConflict[] = []; // the first MAX_FRAGMENT_CONFLICTS overlaps with different bytes
  conflictCount = 0; //               all of them

  constructor(readonly limits: FragmentLimits = DEFAULT_FRAGMENT_LIMITS) {}

  /** Datagrams in progress (for tests and stats). */
  get size(): number {
    return this.pending.size;
  }

  /** Bytes of fragment data held. */
  get bytes(): number {
    return this.held;
  }

  /**
   * Adds one fragment. `header` is the network header to copy if this is the offset-0 fragment
   * (only read then), `next` the protocol it announces. Returns the whole datagram when this
   * fragment completed it, else null. The buffers passed in are copied, never kept.
   */
  add(key: string, time: number, offset: number, more: boolean, payload: Buffer, header: Buffer, next: number): Reassembled | null {
    this.expire(time);
    if (offset + payload.length > MAX_DATAGRAM_PAYLOAD || (more && payload.length % 8 !== 0) || payload.length === 0) {
      this.drop(key);
      return null;
    }
    let p = this.pending.get(key);
    if (!p) {
      while (this.pending.size >= this.limits.maxDatagrams) this.dropOldest();
      p = { first: time, chunks: [], bytes: 0, total: -1, header: null, next: -1 };
      this.pending.set(key, p);
    }
    if (p.chunks.length >= MAX_FRAGMENTS_PER_DATAGRAM) {
      this.drop(key);
      return null;
    }
    while (this.held + payload.length > this.limits.maxBytes && this.pending.size > 1) this.dropOldest(key);
    if (this.held + payload.length > this.limits.maxBytes) {
      this.drop(key);
      return null;
    }
    this.compareOverlaps(p, offset, payload);
    p.chunks.push({ offset, data: Buffer.from(payload), frame: this.frame });
    p.bytes += payload.length;
    this.held += payload.length;
    if (!more) p.total = offset + payload.length;
    if (offset === 0) {
      p.header = Buffer.from(header);
      p.next = next;
    }
    if (p.total < 0 || p.header === null) return null;
    const body = assemble(p.chunks, p.total);
    if (!body) return null;
    this.remove(key);
    return { packet: Buffer.concat([p.header, body]), headerLength: p.header.length, next: p.next };
  }

  /** A fragment overlapping ones already held with other bytes is a conflict (said, not fixed:
   *  the first copy stays). */
  private compareOverlaps(p: Pending, offset: number, payload: Buffer): void {
    const end = offset + payload.length;
    for (const c of p.chunks) {
      const a = Math.max(c.offset, offset);
      const b = Math.min(c.offset + c.data.length, end);
      if (b <= a || c.data.compare(payload, a - offset, b - offset, a - c.offset, b - c.offset) === 0) continue;
      this.conflictCount++;
      if (this.conflicts.length >= MAX_FRAGMENT_CONFLICTS) return;
      const n = Math.min(b - a, 256);
      this.conflicts.push({
        offset: a,
        firstFrame: c.frame,
        frame: this.frame,
        first: c.data.toString('latin1', a - c.offset, a - c.offset + n),
        second: payload.toString('latin1', a - offset, a - offset + n),
      });
      return; // one per fragment
    }
  }

  private expire(now: number): void {
    for (const [key, p] of this.pending) {
      if (now - p.first <= this.limits.timeoutSeconds) break; // the rest are younger
      this.drop(key);
    }
  }

  private dropOldest(keep?: string): void {
    for (const key of this.pending.keys()) {
      if (key === keep) continue;
      this.drop(key);
      return;
    }
  }

  /** Gives up on a datagram (counted in `dropped`). */
  private drop(key: string): void {
    if (this.remove(key)) this.dropped++;
  }

  private remove(key: string): boolean {
    const p = this.pending.get(key);
    if (!p) return false;
    this.held -= p.bytes;
    this.pending.delete(key);
    return true;
  }
}

/** The payload when the chunks cover 0..total without a hole (overlaps: first arrival wins,
 *  the usual policy of BSD-derived stacks), else null. */
function assemble(chunks: Array<{ offset: number; data: Buffer; frame: number }>, total: number): Buffer | null {
  const order = [...chunks].sort((a, b) => a.offset - b.offset);
  let covered = 0;
  for (const c of order) {
    if (c.offset > covered) return null;
    covered = Math.max(covered, c.offset + c.data.length);
  }
  if (covered < total) return null;
  const out = Buffer.alloc(total);
  // write later arrivals first so the earliest copy of an overlapped byte is the one kept
  for (let i = chunks.length - 1; i >= 0; i--) {
    const c = chunks[i]!;
    // A fragment (MF set) lying wholly past the end the last fragment declared contradicts it;
    // its bytes are dropped. Copying it would ask for a negative length and throw (fuzzer
    // finding: test/fuzz/regressions.test.ts).
    if (c.offset >= total) continue;
    c.data.copy(out, c.offset, 0, Math.min(c.data.length, total - c.offset));
  }
  return out;
}
