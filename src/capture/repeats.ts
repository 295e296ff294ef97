// A capture that repeats itself: frames seen twice, a file written twice, time going backwards.
//
// Heuristic: "a frame the capture already holds"
// Plain definition: a frame whose bytes equal those of one of the last `windowFrames` frames (what
// `editcap -d`/`-D` compares) is a copy made by the capture, not traffic, when either both copies
// carry (nearly) the same time stamp (one packet recorded twice: two interfaces, a mirror port
// that copies both directions, `mergecap a.pcap a.pcap`) or the copy's time lies before the latest
// time already seen (the capture repeats an earlier stretch: a file written twice, or two
// overlapping files concatenated). A copy is left out of the analysis but keeps its frame number,
// so frame numbers stay Wireshark's. The time condition keeps genuine repeats out: a TCP
// retransmission can be byte-identical (IPv6 without timestamps), but it comes later than its
// original by a retransmission timeout. Segments without payload are the exception: a stack
// answers each incoming segment with an RST or ACK that can equal its previous answer byte for
// byte, microseconds apart (zeek ipv6-violation.pcap: an RST for the data, the same RST for the
// FIN), and a stack that writes one IP ID into every packet (embedded stacks, IP ID 0 with DF)
// reopens a zero window with the very ACK it sent before closing it. Such a frame is taken for a
// copy at the same time only when neither side sent anything since the original
// (RepeatPolicy.answerLike, supplied by the pipeline, which decodes). Once time ran
// back, frames that go on repeating the earlier stretch are copies whatever they hold.
//
// The key is a function of the frame, replaceable (RepeatPolicy.key): the default hashes the bytes
// and lengths; the analysis pipeline hashes the inner IP packet only, without its TTL and header
// checksum (pipeline/inner-packet.ts), with a `view` of what the key leaves out (the TTL, the
// link and tunnel layers). Keys are 53-bit numbers made of two 32-bit hashes (a false match among
// 10^5 frames: ~10^-6).
//
// Heuristic: "the same packet seen at two points"
// Plain definition: a frame whose inner packet equals a recent one's (same IP ID, same TCP
// checksum and bytes) but which was seen differently — another TTL (the packet crossed routers
// between two capture points: a router captured on both interfaces, a SPAN session on two
// switches), or other link or tunnel layers at the same TTL (one packet mirrored through two
// sessions: VXLAN, GRE, ERSPAN) — within `otherPointSeconds` is one packet recorded twice. A host
// never sends a segment twice with the same IP ID and another TTL, and a retransmission by a
// stack whose IP ID is constant comes a timeout later and along the same path (same view), so
// answerLike is not asked: the view already tells the copy from traffic.
//
// Bound: only the last `windowFrames` frames are compared (memory: ~40 bytes a frame). A step
// back in time to before the oldest frame still compared is counted (`beyondWindow`): a repeat that
// far back cannot be recognised, and the report says so.

import { frameBytes, frameEnd, frameStart, type Frame } from './frame.ts';
import { wasmKeyOf, type WasmKey } from './wasm-chunks.ts';

export interface RepeatPolicy {
  /** The frame's identity: equal keys mean equal frames. */
  key(f: Frame): number;
  /** Frames compared: a copy further back than this is not recognised. */
  windowFrames: number;
  /** Two copies at most this far apart in time (seconds) are one packet recorded twice. */
  sameTimeSeconds: number;
  /** A frame its sender may legitimately send again identical, at once: a TCP segment without
   *  payload when either side sent something since frame `original`. Not taken for a copy by
   *  time alone. Default: none. */
  answerLike?: (f: Frame, original: number) => boolean;
  /** How the frame was seen, where the key does not look: its TTL or hop limit in the low 8 bits
   *  and a hash of the layers before the IP header above them. Called right after key() with the
   *  same frame. Two frames of one key seen differently are one packet seen at two points.
   *  Default: none (every frame seen alike). */
  view?: (f: Frame) => number;
  /** Two sightings of one packet with different views at most this far apart (seconds) are one
   *  packet seen at two points of its path (the delay between them). */
  otherPointSeconds: number;
}

/** What kind of copy a duplicate was. */
export const CopyKinds = ['same-point', 'two-points', 'two-mirrors', 'repeated-stretch'] as const;
//   same-point        byte-identical, at the same time: recorded twice at one point
//   two-points        the same packet with another TTL: seen before and after routers
//   two-mirrors       the same inner packet, other link or tunnel layers, same TTL: two mirror sessions
//   repeated-stretch  a copy made while time ran back: the capture repeats an earlier stretch
export type CopyKind = (typeof CopyKinds)[number];

/** What the capture's repetitions were, for the capture facts. */
export interface RepeatSummary {
  duplicates: number; //          frames left out as copies of earlier frames
  duplicateFrames: number[]; //   the first MAX_LISTED of them
  originalFrames: number[]; //    the frame each of those copies (same positions)
  stepsBack: number; //           frames whose time is earlier than the frame before them
  largestStepBack: number; //     seconds
  stepBackFrames: number[]; //    the first MAX_LISTED of those frames
  windowFrames: number; //        the comparison window (RepeatPolicy.windowFrames)
  beyondWindow: number; //        steps back to a time older than any frame still compared
  kinds: Record<CopyKind, number>; // duplicates of each kind
  ttls: number[]; //              the first two-points copy: [TTL of the original, TTL of the copy], [] none
  largestGap: number; //          seconds: the longest time between a packet and its copy at another point
}

const MAX_LISTED = 50;
/** Bytes hashed from the front and from the back of a frame: the headers (and with them the IP
 *  and TCP checksums, which cover the rest) and the payload's end. */
const HEAD_BYTES = 192;
const TAIL_BYTES = 64;

/** Default key: the frame's bytes (head and tail) with its captured and original lengths. Two
 *  32-bit hashes (FNV-1a and a multiply-rotate mix) folded into 53 bits. */
export function frameBytesKey(f: Frame): number {
  return bytesKey(frameBytes(f), frameStart(f), frameEnd(f), f.capLen, Math.imul(f.origLen, 0x9e3779b1) ^ f.linkType, -1, -1);
}

/** The ArrayBuffer bytesKey last hashed from (the reader's chunk: looked up once per chunk, not
 *  per frame): its key function in WebAssembly when it is a chunk memory (wasm-chunks.ts), else a
 *  DataView over it. */
let wordBuffer: ArrayBufferLike | null = null;
let wasmKey: WasmKey | undefined;
let words: DataView<ArrayBufferLike> = new DataView(new ArrayBuffer(0));

/** Key of d[start, end): its first HEAD_BYTES and last TAIL_BYTES with `seed1`/`seed2` (lengths,
 *  link type), the bytes at `skip` and at `skipPair`, `skipPair + 1` read as 0 (-1: none).
 *  Computed in WebAssembly where d lies in a chunk memory (the reader's chunks: every frame of a
 *  capture file), else by the JavaScript below, which is the definition (repeat-key-wat.ts is
 *  the same steps; a test holds the two to the same keys). */
export function bytesKey(d: Uint8Array, start: number, end: number, seed1: number, seed2: number, skip: number, skipPair: number): number {
  if (d.buffer !== wordBuffer) {
    wordBuffer = d.buffer;
    wasmKey = wasmKeyOf(d.buffer);
    if (wasmKey === undefined) words = new DataView(d.buffer);
  }
  if (wasmKey !== undefined) {
    const b = d.byteOffset;
    return wasmKey(b + start, b + end, seed1, seed2, skip < 0 ? -1 : b + skip, skipPair < 0 ? -1 : b + skipPair, skipPair < 0 ? -1 : b + skipPair + 1);
  }
  return jsBytesKey(d, start, end, seed1, seed2, skip, skipPair);
}

/** bytesKey in JavaScript. Hashed a 32-bit little-endian word at a time (the bytes after the
 *  last whole word one at a time): it runs on every frame. Each word is one DataView read, and
 *  only the words up to the last skipped byte are tested for skipped bytes (masked out of the
 *  word that holds them): a bulk data frame's key (146 bytes) took ~117 ns with each word made
 *  of four byte reads and three skip tests, ~95 ns so, the same key. */
function jsBytesKey(d: Uint8Array, start: number, end: number, seed1: number, seed2: number, skip: number, skipPair: number): number {
  let h1 = 0x811c9dc5 ^ seed1;
  let h2 = 0x9747b28c ^ seed2;
  const n = end - start;
  const headEnd = start + (n < HEAD_BYTES + TAIL_BYTES ? n : HEAD_BYTES);
  const tailStart = headEnd < end ? end - TAIL_BYTES : end;
  const pairEnd = skipPair >= 0 ? skipPair + 1 : -1;
  const lastSkipped = skip > pairEnd ? skip : pairEnd; // -1: none
  const dv = words;
  const base = d.byteOffset;
  for (let i = start, to = headEnd; ; to = end, i = tailStart) {
    for (; i + 4 <= to && i <= lastSkipped; i += 4) {
      let w = dv.getInt32(base + i, true);
      if (skip >= i && skip < i + 4) w &= ~(0xff << ((skip - i) << 3));
      if (skipPair >= i && skipPair < i + 4) w &= ~(0xff << ((skipPair - i) << 3));
      if (pairEnd >= i && pairEnd < i + 4) w &= ~(0xff << ((pairEnd - i) << 3));
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h1 ^= h1 >>> 15;
      h2 = Math.imul(h2 + w, 0x5bd1e995) ^ (h2 >>> 13);
    }
    for (; i + 4 <= to; i += 4) {
      const w = dv.getInt32(base + i, true);
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h1 ^= h1 >>> 15;
      h2 = Math.imul(h2 + w, 0x5bd1e995) ^ (h2 >>> 13);
    }
    for (; i < to; i++) {
      const b = i === skip || i === skipPair || i === pairEnd ? 0 : d[i]!;
      h1 = Math.imul(h1 ^ b, 0x01000193);
      h2 = Math.imul(h2 + b, 0x5bd1e995) ^ (h2 >>> 13);
    }
    if (to === end) break;
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

export const defaultRepeatPolicy: RepeatPolicy = { key: frameBytesKey, windowFrames: 100_000, sameTimeSeconds: 0.001, otherPointSeconds: 0.05 };

/** Kept frames indexed while time only moves forward (RepeatFilter): a copy then lies at most
 *  max(sameTimeSeconds, otherPointSeconds) behind, so only the latest frames need an index. Its
 *  two tables (32 K positions, 256 KB each) stay in the processor's cache where the whole
 *  window's (2 MB) does not. At ~100k frames/s (1 Gb/s of full-size segments with their ACKs)
 *  50 ms of frames fit. */
const RECENT_FRAMES = 16_384;

/** An open-addressing table (linear probing, load at most 1/2) from a key to the ring slot of its
 *  latest frame: at position i, table[2i] the slot + 1 (0: empty) and table[2i + 1] the key's low
 *  32 bits, so that probing and the deletion's cluster walk compare and rehash without reading
 *  the key ring (a cache miss per probe: with the ring it was a quarter of a bulk frame's CPU).
 *  Typed arrays, not a Map: a Map of 10^5 entries cost ~0.4 µs a frame in cache misses, more
 *  than the whole TCP stage of a bulk transfer. */
class SlotTable {
  private readonly table: Int32Array;
  private readonly mask: number;

  /** Room for `entries` keys; `keys` is the ring the slots index. */
  constructor(
    entries: number,
    private readonly keys: Float64Array,
  ) {
    let size = 2;
    while (size < 2 * entries) size *= 2;
    this.table = new Int32Array(2 * size);
    this.mask = size - 1;
  }

  /** The key's low 32 bits, as stored beside its slot; their low bits are its home position.
   *  `| 0`, not `% 2 ** 32`: a float modulo is a runtime call, and with it the table cost twice
   *  what it does now (90 → 40 ns a frame, bench/stages.ts' repeat filter less its keys). */
  private static low(key: number): number {
    return key | 0;
  }

  /** Empties the table (an epoch's table made current again: RepeatFilter). */
  clear(): void {
    this.table.fill(0);
  }

  /** Table position holding `key`, or -1. */
  find(key: number): number {
    const table = this.table;
    const mask = this.mask;
    const low = SlotTable.low(key);
    for (let i = low & mask; ; i = (i + 1) & mask) {
      const v = table[2 * i]!;
      if (v === 0) return -1;
      if (table[2 * i + 1] === low && this.keys[v - 1] === key) return i;
    }
  }

  /** The ring slot at table position `at` (from find). */
  slotAt(at: number): number {
    return this.table[2 * at]! - 1;
  }

  /** Ring slot `slot` now holds `key`; `at` is the table position holding the key (-1: none). */
  point(key: number, at: number, slot: number): void {
    const table = this.table;
    // the same key again (not a copy): it now points at the latest frame
    if (at >= 0) table[2 * at] = slot + 1;
    else {
      const low = SlotTable.low(key);
      let j = low & this.mask;
      while (table[2 * j] !== 0) j = (j + 1) & this.mask;
      table[2 * j] = slot + 1;
      table[2 * j + 1] = low;
    }
  }

  /** The ring slot `i` leaves the table: its entry (if it still points there) goes, and the
   *  entries after it in its cluster move back (deletion without tombstones). True when the
   *  table changed. */
  forget(i: number): boolean {
    const table = this.table;
    const mask = this.mask;
    let j = SlotTable.low(this.keys[i]!) & mask;
    while (table[2 * j] !== 0 && table[2 * j] !== i + 1) j = (j + 1) & mask;
    if (table[2 * j] === 0) return false; // a later frame with the same key took the entry over
    table[2 * j] = 0;
    for (let k = (j + 1) & mask; table[2 * k] !== 0; k = (k + 1) & mask) {
      const h = table[2 * k + 1]! & mask;
      // an entry stays when its home lies cyclically in (j, k]
      const stays = j <= k ? j < h && h <= k : j < h || h <= k;
      if (stays) continue;
      table[2 * j] = table[2 * k]!;
      table[2 * j + 1] = table[2 * k + 1]!;
      table[2 * k] = 0;
      j = k;
    }
    return true;
  }
}

export class RepeatFilter {
  private readonly policy: RepeatPolicy;
  private readonly keys: Float64Array; //   ring of the last windowFrames keys
  private readonly frames: Int32Array; //   … their frame numbers
  private readonly times: Float64Array; //  … their times
  private readonly views: Float64Array; //  … how each was seen (RepeatPolicy.view; 0 without one)
  // Which kept frames the index holds. While time has not gone back (by more than
  // sameTimeSeconds), a frame can only be a copy of one at most `reach` seconds older (check()'s
  // conditions), so only the last `indexed` kept frames are looked up, and each one leaving them
  // must be older than that (else, and at the first step back, the whole ring is indexed from
  // then on): the decisions are the ones an index of the whole window gives.
  // The recent frames are indexed in epochs of `indexed` kept frames, one table per epoch: the
  // current one and the one before (`previous`), which together hold the last `indexed` to
  // 2 × `indexed` - 1 frames; a frame found in `previous` counts only when it is one of the last
  // `indexed`. When the current epoch is full the previous table is emptied at once and becomes
  // the current one. Nothing is deleted a frame at a time: deleting the frame leaving (a second
  // random read of the table and a walk of its cluster a frame) cost ~40 ns of the filter's ~90
  // ns a frame without its keys. The whole window is one table, its oldest frame deleted as the
  // ring overwrites it (`previous` null).
  private index: SlotTable; //              the current epoch's table, or the whole window's
  private previous: SlotTable | null; //    the previous epoch's table; null: the whole window is indexed
  private inEpoch = 0; //                   kept frames in the current epoch's table
  private indexed: number; //               kept frames looked up at most (the latest ones)
  private readonly reach: number; //        seconds: max(sameTimeSeconds, otherPointSeconds)
  private next = 0; //                      ring slot to write next
  private filled = 0; //                    slots in use
  private prevTime = -Infinity; //          time of the previous frame kept or dropped
  private maxTime = -Infinity; //           latest time seen
  private inRun = false; //                 the previous frame was a copy made while time ran back
  private readonly s: RepeatSummary;

  /** `recentFrames`: kept frames indexed while time moves forward (tests make it small). */
  constructor(policy: Partial<RepeatPolicy> = {}, recentFrames = RECENT_FRAMES) {
    this.policy = { ...defaultRepeatPolicy, ...policy };
    const w = Math.max(1, this.policy.windowFrames);
    this.keys = new Float64Array(w);
    this.frames = new Int32Array(w);
    this.times = new Float64Array(w);
    this.views = new Float64Array(w);
    // epochs only where two of them fit in the ring (an entry's slot is then never overwritten
    // while the entry can be found); else the whole window from the start, which decides alike
    this.indexed = 2 * recentFrames <= w ? Math.max(1, recentFrames) : w;
    this.index = new SlotTable(this.indexed, this.keys);
    this.previous = this.indexed < w ? new SlotTable(this.indexed, this.keys) : null;
    this.reach = Math.max(this.policy.sameTimeSeconds, this.policy.otherPointSeconds);
    this.s = {
      duplicates: 0,
      duplicateFrames: [],
      originalFrames: [],
      stepsBack: 0,
      largestStepBack: 0,
      stepBackFrames: [],
      windowFrames: w,
      beyondWindow: 0,
      kinds: { 'same-point': 0, 'two-points': 0, 'two-mirrors': 0, 'repeated-stretch': 0 },
      ttls: [],
      largestGap: 0,
    };
  }

  get summary(): RepeatSummary {
    return this.s;
  }

  /** True when `f` is a copy of an earlier frame and must be left out of the analysis. */
  check(f: Frame): boolean {
    const t = f.time;
    const s = this.s;
    if (t < this.prevTime) {
      s.stepsBack++;
      if (this.prevTime - t > s.largestStepBack) s.largestStepBack = this.prevTime - t;
      if (s.stepBackFrames.length < MAX_LISTED) s.stepBackFrames.push(f.number);
      const w = this.keys.length;
      if (this.filled === w && t < this.times[this.next]!) s.beyondWindow++;
    }
    this.prevTime = t;
    const key = this.policy.key(f);
    const view = this.policy.view === undefined ? 0 : this.policy.view(f);
    const eps = this.policy.sameTimeSeconds;
    const back = this.inRun || t < this.maxTime - eps;
    if (back && this.previous !== null) this.indexWindow();
    const at = this.index.find(key);
    const slot = at >= 0 ? this.index.slotAt(at) : this.previous === null ? -1 : this.recentInPrevious(key);
    if (slot >= 0) {
      const original = this.frames[slot]!;
      const dt = t - this.times[slot]!;
      const was = this.views[slot]!;
      const elsewhere = view !== was && Math.abs(dt) <= this.policy.otherPointSeconds;
      if (back || elsewhere || (dt <= eps && dt >= -eps && this.policy.answerLike?.(f, original) !== true)) {
        this.inRun = back;
        s.duplicates++;
        const ttlDiffers = (view & 0xff) !== (was & 0xff);
        const kind: CopyKind = back ? 'repeated-stretch' : elsewhere ? (ttlDiffers ? 'two-points' : 'two-mirrors') : 'same-point';
        s.kinds[kind]++;
        if (kind === 'two-points' && s.ttls.length === 0) s.ttls = [was & 0xff, view & 0xff];
        if (elsewhere && Math.abs(dt) > s.largestGap) s.largestGap = Math.abs(dt);
        if (s.duplicateFrames.length < MAX_LISTED) {
          s.duplicateFrames.push(f.number);
          s.originalFrames.push(original);
        }
        return true;
      }
    }
    this.inRun = false;
    if (t > this.maxTime) this.maxTime = t;
    this.remember(key, at, f.number, t, view);
    return false;
  }

  /** The ring slot of the latest frame with `key` in the previous epoch's table when it is one of
   *  the last `indexed` kept frames, else -1 (not in the current epoch's table: looked up first). */
  private recentInPrevious(key: number): number {
    const previous = this.previous!;
    const at = previous.find(key);
    if (at < 0) return -1;
    const slot = previous.slotAt(at);
    const w = this.keys.length;
    const age = this.next > slot ? this.next - slot : this.next - slot + w; // 1: the latest kept frame
    return age <= this.indexed ? slot : -1;
  }

  /** Puts a frame in the ring slot `next`; `at` is the position in `index` holding its key (-1:
   *  none). */
  private remember(key: number, at: number, frame: number, time: number, view: number): void {
    const i = this.next;
    const w = this.keys.length;
    if (this.filled >= this.indexed) {
      // the kept frame `indexed` back leaves the frames looked up (the ring's oldest, once all
      // is indexed)
      const old = i >= this.indexed ? i - this.indexed : i - this.indexed + w;
      if (this.previous === null) {
        // the frame leaving may be the one `at` points to, or move `at` back (a key the index
        // does not hold stays out of it: the frame leaving held another key)
        if (this.index.forget(old) && at >= 0) at = this.index.find(key);
      } else if (this.times[old]! >= this.maxTime - this.policy.sameTimeSeconds - this.reach) {
        // a later frame may still be a copy of it: index the whole window from now on
        this.indexWindow();
        return this.remember(key, this.index.find(key), frame, time, view);
      }
    }
    if (this.previous !== null && this.inEpoch === this.indexed) {
      // the current epoch is full: the previous one's frames are all older than the last `indexed`
      const emptied = this.previous;
      emptied.clear();
      this.previous = this.index;
      this.index = emptied;
      this.inEpoch = 0;
      at = -1;
    }
    this.inEpoch++;
    if (this.filled < w) this.filled++;
    this.keys[i] = key;
    this.frames[i] = frame;
    this.times[i] = time;
    this.views[i] = view;
    this.index.point(key, at, i);
    this.next = i + 1 === w ? 0 : i + 1;
  }

  /** From now on every kept frame of the ring is indexed (time went back, or the frames of the
   *  last `reach` seconds outnumber the recent index). */
  private indexWindow(): void {
    const w = this.keys.length;
    const index = new SlotTable(w, this.keys);
    for (let k = 0; k < this.filled; k++) {
      // oldest first, so that each key points at its latest frame
      const slot = (this.next - this.filled + k + w) % w;
      const key = this.keys[slot]!;
      index.point(key, index.find(key), slot);
    }
    this.index = index;
    this.previous = null;
    this.indexed = w;
  }
}
