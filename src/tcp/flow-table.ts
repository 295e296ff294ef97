// The flow table: flows keyed by their 4-tuple in either direction, without allocating per packet.
// The key is a 30-bit keyed hash of the raw address and port words (the two endpoints in a fixed
// order, so both directions land in the same bucket); a bucket chains the flows sharing a hash and
// each is confirmed by comparing the words. Flows are also kept on two least-recently-used lists,
// live and ended, so eviction takes an ended flow first and otherwise the live flow idle the
// longest.
//
// Hash flooding: a capture is untrusted input, and 4-tuples are the attacker's to choose. The
// hash is HalfSipHash-1-3 (Aumasson & Bernstein's SipHash on 32-bit words, the variant the Linux
// kernel uses for its hash tables) under a key drawn at random for each table, so which tuples
// share a bucket cannot be known in advance (the unkeyed mix this replaces put every tuple with
// equal (sport + 1) ^ srcIP in one bucket: 64,000 such SYNs took 52 s instead of 3). And the work
// per bucket is bounded: a chain longer than MAX_CHAIN gets the table a new key.

import { randomFillSync } from 'node:crypto';
import type { DecodedPacket } from '../decode/packet.ts';

/** What the table needs of a flow. */
export class FlowKey {
  // side A (the first packet's source) and side B: the first (IPv4: only) 32-bit word of the
  // address, big-endian, and the port
  a0 = 0;
  ap = 0; //                        port of side A
  b0 = 0;
  bp = 0; //                        port of side B
  /** An IPv6 key's further address words (A's second to fourth, then B's); null for IPv4. Six
   *  fields each, zero for every IPv4 flow, were 48 B of every flow. */
  v6: number[] | null = null;
  hash = 0; //                      bucket key (30 bits, symmetric in A and B)
  nextInBucket: FlowKey | null = null; // next flow with the same hash
  lruPrev: FlowKey | null = null; //    neighbours on the LRU list this flow is on
  lruNext: FlowKey | null = null;
  onEndedList = false; //           on the ended (closed-out) list rather than the live one
  inTable = false; //               still reachable by its 4-tuple
}

/** Does `f` have the key (s, sp) → (d, dp) from side A to B? `fwd`: compare A with s; else A
 *  with d (the packet goes from B to A). */
function sameKey(f: FlowKey, fwd: boolean, v6: boolean, s0: number, s1: number, s2: number, s3: number, sp: number, d0: number, d1: number, d2: number, d3: number, dp: number): boolean {
  const x = f.v6;
  if (x === null) {
    if (v6) return false;
    return fwd ? f.ap === sp && f.bp === dp && f.a0 === s0 && f.b0 === d0 : f.ap === dp && f.bp === sp && f.a0 === d0 && f.b0 === s0;
  }
  if (!v6) return false;
  return fwd
    ? f.ap === sp && f.bp === dp && f.a0 === s0 && f.b0 === d0 && x[0] === s1 && x[1] === s2 && x[2] === s3 && x[3] === d1 && x[4] === d2 && x[5] === d3
    : f.ap === dp && f.bp === sp && f.a0 === d0 && f.b0 === s0 && x[0] === d1 && x[1] === d2 && x[2] === d3 && x[3] === s1 && x[4] === s2 && x[5] === s3;
}

function rd32(d: Buffer, o: number): number {
  return (d[o]! << 24) | (d[o + 1]! << 16) | (d[o + 2]! << 8) | d[o + 3]!;
}

/** Flows sharing a bucket before the table takes a new key (by chance: never, at 30 bits). */
export const MAX_CHAIN = 8;

const rotl = (x: number, b: number): number => (x << b) | (x >>> (32 - b));

// HalfSipHash state, module-level: one hash at a time, no allocation
let v0 = 0;
let v1 = 0;
let v2 = 0;
let v3 = 0;

// v0 += v1; v1 <<<= 5; v1 ^= v0; v0 <<<= 16; v2 += v3; v3 <<<= 8; v3 ^= v2; …
function sipRound(): void {
  v0 = (v0 + v1) | 0;
  v1 = rotl(v1, 5) ^ v0;
  v0 = rotl(v0, 16);
  v2 = (v2 + v3) | 0;
  v3 = rotl(v3, 8) ^ v2;
  v0 = (v0 + v3) | 0;
  v3 = rotl(v3, 7) ^ v0;
  v2 = (v2 + v1) | 0;
  v1 = rotl(v1, 13) ^ v2;
  v2 = rotl(v2, 16);
}

/** One message word: a compression round (HalfSipHash-1-3: one). */
function absorb(m: number): void {
  v3 ^= m;
  sipRound();
  v0 ^= m;
}

/** An address's words: one for IPv4, four for IPv6. */
function absorbAddress(v6: boolean, w0: number, w1: number, w2: number, w3: number): void {
  absorb(w0);
  if (v6) {
    absorb(w1);
    absorb(w2);
    absorb(w3);
  }
}

/** Bucket key: 30 bits (a small integer for the Map), the same for both directions: the
 *  endpoint with the smaller (address, port) goes first. `k0`, `k1`: the table's key. */
function flowHash(k0: number, k1: number, v6: boolean, s0: number, s1: number, s2: number, s3: number, sp: number, d0: number, d1: number, d2: number, d3: number, dp: number): number {
  // unsigned order of (address words, port)
  const sFirst =
    s0 !== d0 ? s0 >>> 0 < d0 >>> 0 : s1 !== d1 ? s1 >>> 0 < d1 >>> 0 : s2 !== d2 ? s2 >>> 0 < d2 >>> 0 : s3 !== d3 ? s3 >>> 0 < d3 >>> 0 : sp <= dp;
  v0 = k0;
  v1 = k1;
  v2 = 0x6c796765 ^ k0;
  v3 = 0x74656462 ^ k1;
  const words = v6 ? 9 : 3;
  if (sFirst) {
    absorbAddress(v6, s0, s1, s2, s3);
    absorbAddress(v6, d0, d1, d2, d3);
    absorb((sp << 16) | dp);
  } else {
    absorbAddress(v6, d0, d1, d2, d3);
    absorbAddress(v6, s0, s1, s2, s3);
    absorb((dp << 16) | sp);
  }
  absorb((words * 4) << 24); // the final block: the message length in bytes, in the top byte
  v2 ^= 0xff;
  sipRound();
  sipRound();
  sipRound();
  return (v1 ^ v3) & 0x3fffffff;
}

/** A fresh random table key: two 32-bit words. */
function drawKey(): [number, number] {
  const k = new Int32Array(2);
  randomFillSync(k);
  return [k[0]!, k[1]!];
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

export interface FlowTableOptions {
  key?: [number, number]; // the hash key (default: drawn at random); tests fix it
  hashBits?: number; //     bits of the bucket key (default 30); tests narrow it to make chains
}

export class FlowTable<T extends FlowKey> {
  private readonly buckets = new Map<number, T>();
  private k0: number; //  hash key, drawn per table (and again when a chain grows past MAX_CHAIN)
  private k1: number;
  private readonly mask: number; // bucket key bits
  rekeys = 0; //          times the table took a new key
  longestChain = 0; //    most flows seen in one bucket (at an insert)
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

  constructor(opts: FlowTableOptions = {}) {
    [this.k0, this.k1] = opts.key ?? drawKey();
    this.mask = opts.hashBits === undefined ? 0x3fffffff : (1 << opts.hashBits) - 1;
  }

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
    if (last !== null && last.inTable) {
      if (sameKey(last, true, v6, s0, s1, s2, s3, sp, d0, d1, d2, d3, dp)) {
        this.fromA = true;
        return last;
      }
      if (sameKey(last, false, v6, s0, s1, s2, s3, sp, d0, d1, d2, d3, dp)) {
        this.fromA = false;
        return last;
      }
    }
    const hash = flowHash(this.k0, this.k1, v6, s0, s1, s2, s3, sp, d0, d1, d2, d3, dp) & this.mask;
    this.khash = hash;
    let f = this.buckets.get(hash) ?? null;
    while (f !== null) {
      if (sameKey(f, true, v6, s0, s1, s2, s3, sp, d0, d1, d2, d3, dp)) {
        this.fromA = true;
        this.last = f;
        return f;
      }
      if (sameKey(f, false, v6, s0, s1, s2, s3, sp, d0, d1, d2, d3, dp)) {
        this.fromA = false;
        this.last = f;
        return f;
      }
      f = f.nextInBucket as T | null;
    }
    return null;
  }

  /** Adds `f` keyed by the packet last passed to find(), its source as side A. */
  insert(f: T): void {
    if (this.khash < 0) this.khash = flowHash(this.k0, this.k1, this.kv6, this.s0, this.s1, this.s2, this.s3, this.sp, this.d0, this.d1, this.d2, this.d3, this.dp) & this.mask;
    f.a0 = this.s0;
    f.ap = this.sp;
    f.b0 = this.d0;
    f.bp = this.dp;
    f.v6 = this.kv6 ? [this.s1, this.s2, this.s3, this.d1, this.d2, this.d3] : null;
    f.hash = this.khash;
    f.nextInBucket = this.buckets.get(this.khash) ?? null;
    this.buckets.set(this.khash, f);
    f.inTable = true;
    f.onEndedList = false;
    this.last = f;
    this.live.append(f);
    this.size++;
    this.fromA = true;
    let chain = 1;
    for (let g = f.nextInBucket; g !== null; g = g.nextInBucket) chain++;
    if (chain > this.longestChain) this.longestChain = chain;
    if (chain > MAX_CHAIN && this.size >= 2 * this.sizeAtRekey) this.rekey();
  }

  private sizeAtRekey = 0; // table size at the last new key (rekeys are at least a doubling apart)

  /**
   * A bucket holds more than MAX_CHAIN flows: under a random 30-bit key that does not happen by
   * chance, so someone found tuples that collide (or the key leaked). A new key scatters them;
   * every flow is hashed again (O(size), at most once per doubling of the table: amortised O(1)).
   */
  private rekey(): void {
    [this.k0, this.k1] = drawKey();
    this.rekeys++;
    this.sizeAtRekey = this.size;
    const flows: T[] = [];
    for (const head of this.buckets.values()) for (let f: T | null = head; f !== null; f = f.nextInBucket as T | null) flows.push(f);
    this.buckets.clear();
    for (const f of flows) {
      const x = f.v6;
      f.hash =
        (x === null
          ? flowHash(this.k0, this.k1, false, f.a0, 0, 0, 0, f.ap, f.b0, 0, 0, 0, f.bp)
          : flowHash(this.k0, this.k1, true, f.a0, x[0]!, x[1]!, x[2]!, f.ap, f.b0, x[3]!, x[4]!, x[5]!, f.bp)) & this.mask;
      f.nextInBucket = this.buckets.get(f.hash) ?? null;
      this.buckets.set(f.hash, f);
    }
    this.khash = -1;
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
