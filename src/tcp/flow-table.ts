// The flow table: flows keyed by their 4-tuple in either direction, without allocating per packet.
// The key is a 30-bit hash of the raw address and port words (symmetric, so both directions land
// in the same bucket); a bucket chains the flows sharing a hash and each is confirmed by comparing
// the words. Flows are also kept on two least-recently-used lists, live and ended, so eviction
// takes an ended flow first and otherwise the live flow idle the longest.

import type { DecodedPacket } from '../decode/packet.ts';

/** What the table needs of a flow. */
export class FlowKey {
  v6 = false; //                    IPv6 addresses (16 bytes) rather than IPv4 (4)
  // side A (the first packet's source) and side B: address as 32-bit words (IPv4 uses the first
  // only, the others stay 0), big-endian, and the port
  a0 = 0;
  a1 = 0;
  a2 = 0;
  a3 = 0;
  ap = 0; //                        port of side A
  b0 = 0;
  b1 = 0;
  b2 = 0;
  b3 = 0;
  bp = 0; //                        port of side B
  hash = 0; //                      bucket key (30 bits, symmetric in A and B)
  nextInBucket: FlowKey | null = null; // next flow with the same hash
  lruPrev: FlowKey | null = null; //    neighbours on the LRU list this flow is on
  lruNext: FlowKey | null = null;
  onEndedList = false; //           on the ended (closed-out) list rather than the live one
  inTable = false; //               still reachable by its 4-tuple
}

function rd32(d: Buffer, o: number): number {
  return (d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!;
}

function mix(h: number, w: number): number {
  h = Math.imul(h ^ w, 0x9e3779b1);
  return h ^ (h >>> 15);
}

/** Bucket key: 30 bits (a small integer for the Map), the same for both directions. */
function flowHash(v6: boolean, s0: number, s1: number, s2: number, s3: number, sp: number, d0: number, d1: number, d2: number, d3: number, dp: number): number {
  const hs = mix(mix(mix(mix(sp + 1, s0), s1), s2), s3);
  const hd = mix(mix(mix(mix(dp + 1, d0), d1), d2), d3);
  return ((hs ^ hd) + (v6 ? 0x1234567 : 0)) & 0x3fffffff;
}

class LruList<T extends FlowKey> {
  head: T | null = null;
  tail: T | null = null;

  append(f: T): void {
    f.lruPrev = this.tail;
    f.lruNext = null;
    if (this.tail !== null) this.tail.lruNext = f;
    else this.head = f;
    this.tail = f;
  }

  unlink(f: T): void {
    if (f.lruPrev !== null) f.lruPrev.lruNext = f.lruNext;
    else this.head = f.lruNext as T | null;
    if (f.lruNext !== null) f.lruNext.lruPrev = f.lruPrev;
    else this.tail = f.lruPrev as T | null;
    f.lruPrev = null;
    f.lruNext = null;
  }
}

export class FlowTable<T extends FlowKey> {
  private readonly buckets = new Map<number, T>();
  private readonly live = new LruList<T>();
  private readonly ended = new LruList<T>();
  size = 0; //           flows in the table
  endedCount = 0; //     of which on the ended list
  /** After find(): the packet goes from side A to side B of the flow found. */
  fromA = true;
  private last: T | null = null; // flow of the previous lookup
  // the last packet's key, kept for insert()
  private kv6 = false;
  private s0 = 0;
  private s1 = 0;
  private s2 = 0;
  private s3 = 0;
  private sp = 0;
  private d0 = 0;
  private d1 = 0;
  private d2 = 0;
  private d3 = 0;
  private dp = 0;
  private khash = -1; // its hash, -1 until computed

  /** Looks up the flow of a decoded TCP packet; sets `fromA`. */
  find(p: DecodedPacket): T | null {
    const d = p.data;
    const so = p.addrOffsetSrc;
    const dof = p.addrOffsetDst;
    const v6 = p.addrLength === 16;
    const s0 = rd32(d, so);
    const d0 = rd32(d, dof);
    let s1 = 0;
    let s2 = 0;
    let s3 = 0;
    let d1 = 0;
    let d2 = 0;
    let d3 = 0;
    if (v6) {
      s1 = rd32(d, so + 4);
      s2 = rd32(d, so + 8);
      s3 = rd32(d, so + 12);
      d1 = rd32(d, dof + 4);
      d2 = rd32(d, dof + 8);
      d3 = rd32(d, dof + 12);
    }
    const sp = p.srcPort;
    const dp = p.dstPort;
    // kept for insert()
    this.kv6 = v6;
    this.s0 = s0;
    this.s1 = s1;
    this.s2 = s2;
    this.s3 = s3;
    this.sp = sp;
    this.d0 = d0;
    this.d1 = d1;
    this.d2 = d2;
    this.d3 = d3;
    this.dp = dp;
    this.khash = -1;
    // consecutive packets mostly belong to the same flow: try the last one before hashing
    const last = this.last;
    if (last !== null && last.inTable && last.v6 === v6) {
      if (last.ap === sp && last.bp === dp && last.a0 === s0 && last.b0 === d0 && last.a1 === s1 && last.a2 === s2 && last.a3 === s3 && last.b1 === d1 && last.b2 === d2 && last.b3 === d3) {
        this.fromA = true;
        return last;
      }
      if (last.ap === dp && last.bp === sp && last.a0 === d0 && last.b0 === s0 && last.a1 === d1 && last.a2 === d2 && last.a3 === d3 && last.b1 === s1 && last.b2 === s2 && last.b3 === s3) {
        this.fromA = false;
        return last;
      }
    }
    const hash = flowHash(v6, s0, s1, s2, s3, sp, d0, d1, d2, d3, dp);
    this.khash = hash;
    let f = this.buckets.get(hash) ?? null;
    while (f !== null) {
      if (f.v6 === v6) {
        if (f.ap === sp && f.bp === dp && f.a0 === s0 && f.b0 === d0 && f.a1 === s1 && f.a2 === s2 && f.a3 === s3 && f.b1 === d1 && f.b2 === d2 && f.b3 === d3) {
          this.fromA = true;
          this.last = f;
          return f;
        }
        if (f.ap === dp && f.bp === sp && f.a0 === d0 && f.b0 === s0 && f.a1 === d1 && f.a2 === d2 && f.a3 === d3 && f.b1 === s1 && f.b2 === s2 && f.b3 === s3) {
          this.fromA = false;
          this.last = f;
          return f;
        }
      }
      f = f.nextInBucket as T | null;
    }
    return null;
  }

  /** Adds `f` keyed by the packet last passed to find(), its source as side A. */
  insert(f: T): void {
    if (this.khash < 0) this.khash = flowHash(this.kv6, this.s0, this.s1, this.s2, this.s3, this.sp, this.d0, this.d1, this.d2, this.d3, this.dp);
    f.v6 = this.kv6;
    f.a0 = this.s0;
    f.a1 = this.s1;
    f.a2 = this.s2;
    f.a3 = this.s3;
    f.ap = this.sp;
    f.b0 = this.d0;
    f.b1 = this.d1;
    f.b2 = this.d2;
    f.b3 = this.d3;
    f.bp = this.dp;
    f.hash = this.khash;
    f.nextInBucket = this.buckets.get(this.khash) ?? null;
    this.buckets.set(this.khash, f);
    f.inTable = true;
    f.onEndedList = false;
    this.last = f;
    this.live.append(f);
    this.size++;
    this.fromA = true;
  }

  remove(f: T): void {
    if (!f.inTable) return;
    let cur = this.buckets.get(f.hash) ?? null;
    let prev: T | null = null;
    while (cur !== null && cur !== f) {
      prev = cur;
      cur = cur.nextInBucket as T | null;
    }
    if (cur === f) {
      if (prev === null) {
        if (f.nextInBucket === null) this.buckets.delete(f.hash);
        else this.buckets.set(f.hash, f.nextInBucket as T);
      } else {
        prev.nextInBucket = f.nextInBucket;
      }
    }
    f.nextInBucket = null;
    if (this.last === f) this.last = null;
    (f.onEndedList ? this.ended : this.live).unlink(f);
    if (f.onEndedList) this.endedCount--;
    f.inTable = false;
    this.size--;
  }

  /** `f` just saw a packet: it becomes the most recently used on its list. */
  touch(f: T): void {
    const list = f.onEndedList ? this.ended : this.live;
    if (list.tail === f) return;
    list.unlink(f);
    list.append(f);
  }

  /** `f` was closed out: it moves to the ended list (first in line for eviction). */
  markEnded(f: T): void {
    if (!f.inTable || f.onEndedList) return;
    this.live.unlink(f);
    f.onEndedList = true;
    this.ended.append(f);
    this.endedCount++;
  }

  /** The flow that ended longest ago, still in the table. */
  oldestEnded(): T | null {
    return this.ended.head;
  }

  /** The live flow idle the longest. */
  oldestLive(): T | null {
    return this.live.head;
  }

  /** The flow to evict next: the ended flow idle longest, else the live one. */
  evictionCandidate(): T | null {
    return this.ended.head ?? this.live.head;
  }

  /** Every flow still live (not closed out), oldest activity first. */
  liveFlows(): T[] {
    const out: T[] = [];
    for (let f = this.live.head; f !== null; f = f.lruNext as T | null) out.push(f);
    return out;
  }
}
