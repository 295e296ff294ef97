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
// and lengths; a policy for two mirror sessions can hash only from the IP header on. Keys are
// 53-bit numbers made of two 32-bit hashes (a false match among 10^5 frames: ~10^-6).
//
// Bound: only the last `windowFrames` frames are compared (memory: ~40 bytes a frame). A step
// back in time to before the oldest frame still compared is counted (`beyondWindow`): a repeat that
// far back cannot be recognised, and the report says so.

import type { Frame } from './frame.ts';

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
}

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
}

const MAX_LISTED = 50;
/** Bytes hashed from the front and from the back of a frame: the headers (and with them the IP
 *  and TCP checksums, which cover the rest) and the payload's end. */
const HEAD_BYTES = 192;
const TAIL_BYTES = 64;

/** Default key: the frame's bytes (head and tail) with its captured and original lengths. Two
 *  32-bit hashes (FNV-1a and a multiply-rotate mix) folded into 53 bits. */
export function frameBytesKey(f: Frame): number {
  const d = f.data;
  const n = d.length;
  let h1 = 0x811c9dc5 ^ f.capLen;
  let h2 = 0x9747b28c ^ Math.imul(f.origLen, 0x9e3779b1) ^ f.linkType;
  const head = n < HEAD_BYTES + TAIL_BYTES ? n : HEAD_BYTES;
  for (let i = 0; i < head; i++) {
    const b = d[i]!;
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 + b, 0x5bd1e995) ^ (h2 >>> 13);
  }
  for (let i = head < n ? n - TAIL_BYTES : n; i < n; i++) {
    const b = d[i]!;
    h1 = Math.imul(h1 ^ b, 0x01000193);
    h2 = Math.imul(h2 + b, 0x5bd1e995) ^ (h2 >>> 13);
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

export const defaultRepeatPolicy: RepeatPolicy = { key: frameBytesKey, windowFrames: 100_000, sameTimeSeconds: 0.001 };

export class RepeatFilter {
  private readonly policy: RepeatPolicy;
  private readonly keys: Float64Array; //   ring of the last windowFrames keys
  private readonly frames: Int32Array; //   … their frame numbers
  private readonly times: Float64Array; //  … their times
  // An open-addressing table (linear probing, load at most 1/2) from a key to the ring slot of its
  // latest frame, stored as slot + 1 (0: empty). Typed arrays, not a Map: a Map of 10^5 entries
  // cost ~0.4 µs a frame in cache misses, more than the whole TCP stage of a bulk transfer.
  private readonly table: Int32Array;
  private readonly mask: number;
  private next = 0; //                      ring slot to write next
  private filled = 0; //                    slots in use
  private prevTime = -Infinity; //          time of the previous frame kept or dropped
  private maxTime = -Infinity; //           latest time seen
  private inRun = false; //                 the previous frame was a copy made while time ran back
  private readonly s: RepeatSummary;

  constructor(policy: Partial<RepeatPolicy> = {}) {
    this.policy = { ...defaultRepeatPolicy, ...policy };
    const w = Math.max(1, this.policy.windowFrames);
    this.keys = new Float64Array(w);
    this.frames = new Int32Array(w);
    this.times = new Float64Array(w);
    let size = 2;
    while (size < 2 * w) size *= 2;
    this.table = new Int32Array(size);
    this.mask = size - 1;
    this.s = { duplicates: 0, duplicateFrames: [], originalFrames: [], stepsBack: 0, largestStepBack: 0, stepBackFrames: [], windowFrames: w, beyondWindow: 0 };
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
    const at = this.find(key);
    if (at >= 0) {
      const slot = this.table[at]! - 1;
      const original = this.frames[slot]!;
      const dt = t - this.times[slot]!;
      const eps = this.policy.sameTimeSeconds;
      const back = this.inRun || t < this.maxTime - eps;
      if (back || (dt <= eps && dt >= -eps && this.policy.answerLike?.(f, original) !== true)) {
        this.inRun = back;
        s.duplicates++;
        if (s.duplicateFrames.length < MAX_LISTED) {
          s.duplicateFrames.push(f.number);
          s.originalFrames.push(original);
        }
        return true;
      }
    }
    this.inRun = false;
    if (t > this.maxTime) this.maxTime = t;
    this.remember(key, at, f.number, t);
    return false;
  }

  private home(key: number): number {
    return (key % 0x40000000) & this.mask;
  }

  /** Table position holding `key`, or -1. */
  private find(key: number): number {
    const table = this.table;
    for (let i = this.home(key); ; i = (i + 1) & this.mask) {
      const v = table[i]!;
      if (v === 0) return -1;
      if (this.keys[v - 1] === key) return i;
    }
  }

  /** Puts a frame in the ring slot `next`; `at` is the table position already holding its key. */
  private remember(key: number, at: number, frame: number, time: number): void {
    const i = this.next;
    if (this.filled === this.keys.length) this.forget(i);
    else this.filled++;
    this.keys[i] = key;
    this.frames[i] = frame;
    this.times[i] = time;
    // the same key again (not a copy): it now points at the latest frame
    const pos = at >= 0 && this.table[at] !== 0 && this.keys[this.table[at]! - 1] === key ? at : this.find(key);
    if (pos >= 0) this.table[pos] = i + 1;
    else {
      let j = this.home(key);
      while (this.table[j] !== 0) j = (j + 1) & this.mask;
      this.table[j] = i + 1;
    }
    this.next = i + 1 === this.keys.length ? 0 : i + 1;
  }

  /** The ring slot `i` is reused: its table entry (if it still points there) goes, and the
   *  entries after it in its cluster move back (deletion without tombstones). */
  private forget(i: number): void {
    const table = this.table;
    const mask = this.mask;
    let j = this.home(this.keys[i]!);
    while (table[j] !== 0 && table[j] !== i + 1) j = (j + 1) & mask;
    if (table[j] === 0) return; // a later frame with the same key took the entry over
    table[j] = 0;
    for (let k = (j + 1) & mask; table[k] !== 0; k = (k + 1) & mask) {
      const h = this.home(this.keys[table[k]! - 1]!);
      // an entry stays when its home lies cyclically in (j, k]
      const stays = j <= k ? j < h && h <= k : j < h || h <= k;
      if (stays) continue;
      table[j] = table[k]!;
      table[k] = 0;
      j = k;
    }
  }
}
