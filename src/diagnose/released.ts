// What a transfer released before its session ended leaves until the session ends, as typed
// columns rather than an object or two each (release.ts): its summary (TransferSummary, what the
// session's facts read) and what its late rules keep (LateRecord). A session of 10^5 transfers
// kept ~0.2 KB of summary and ~0.35 KB of late record per transfer as objects (the label a
// cons-string tree of its pieces); here a few dozen bytes.

import type { Transfer } from '../ftp/types.ts';
import { TextArena } from '../ftp/text-arena.ts';
import { BlockColumn, spillFor, type SpillOptions } from '../ftp/block-column.ts';
import type { LateRecord } from './evaluate.ts';
import type { TransferSummary } from './facts.ts';
import type { KeptFacts } from './late-rules.ts';

/** `a`, or a copy of it at least twice as long, when `need` values do not fit in it. */
function grown<T extends Float64Array | Int32Array | Uint8Array>(a: T, need: number): T {
  if (need <= a.length) return a;
  const b = new (a.constructor as { new (n: number): T })(Math.max(need, 2 * a.length));
  b.set(a);
  return b;
}

const COMMANDS: ReadonlyArray<Transfer['command']> = ['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD', 'unknown'];
const DIRECTIONS: ReadonlyArray<Transfer['direction']> = ['download', 'upload', 'listing', 'unknown'];
const OUTCOMES: ReadonlyArray<Transfer['outcome']> = ['complete', 'aborted', 'failed', 'truncated', 'unknown'];
const STATUSES: ReadonlyArray<Transfer['bytesStatus']> = ['counted', 'not-captured', 'not-opened', 'encrypted'];

function indexIn<T>(list: readonly T[], x: T): number {
  const i = list.indexOf(x);
  if (i < 0) throw new Error(`transfer summary: no code for ${String(x)}`);
  return i;
}

const HAS_REPLY = 1 << 16;
const VALID = 1 << 17;

/** Released transfers' summaries by Transfer.id (what the session's facts read of them). */
export class SummaryColumns {
  private ids = new Int32Array(256);
  private words = new Int32Array(2 * 256); // enums and flags; reply code
  private nums = new Float64Array(3 * 256); // commandFrame, bytes, reply frame
  private count = 0;
  private bySlot: Int32Array | null = null; // slots in id order, made at the first read after an add

  get size(): number {
    return this.count;
  }

  add(t: Transfer): void {
    const n = this.count++;
    this.ids = grown(this.ids, n + 1);
    this.words = grown(this.words, 2 * n + 2);
    this.nums = grown(this.nums, 3 * n + 3);
    const r = t.finalReply;
    this.ids[n] = t.id;
    this.words[2 * n] =
      indexIn(COMMANDS, t.command) | (indexIn(DIRECTIONS, t.direction) << 4) | (indexIn(OUTCOMES, t.outcome) << 8) | (indexIn(STATUSES, t.bytesStatus) << 12) | (r === null ? 0 : HAS_REPLY | (r.valid ? VALID : 0));
    this.words[2 * n + 1] = r === null ? 0 : r.code;
    this.nums[3 * n] = t.commandFrame;
    this.nums[3 * n + 1] = t.bytes;
    this.nums[3 * n + 2] = r === null ? 0 : r.frame;
    this.bySlot = null;
  }

  /** The summary of a released transfer (a new object at each read), or undefined. */
  get(id: number): TransferSummary | undefined {
    const slot = this.slotOf(id);
    if (slot < 0) return undefined;
    const w = this.words[2 * slot]!;
    return {
      id,
      command: COMMANDS[w & 15]!,
      direction: DIRECTIONS[(w >> 4) & 15]!,
      commandFrame: this.nums[3 * slot]!,
      outcome: OUTCOMES[(w >> 8) & 15]!,
      bytesStatus: STATUSES[(w >> 12) & 15]!,
      bytes: this.nums[3 * slot + 1]!,
      finalReply: (w & HAS_REPLY) === 0 ? null : { frame: this.nums[3 * slot + 2]!, valid: (w & VALID) !== 0, code: this.words[2 * slot + 1]! },
    };
  }

  private slotOf(id: number): number {
    if (this.bySlot === null) {
      const order = new Int32Array(this.count);
      for (let i = 0; i < this.count; i++) order[i] = i;
      const ids = this.ids;
      order.sort((a, b) => ids[a]! - ids[b]!);
      this.bySlot = order;
    }
    const order = this.bySlot;
    let lo = 0;
    let hi = order.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      const at = this.ids[order[mid]!]!;
      if (at === id) return order[mid]!;
      if (at < id) lo = mid + 1;
      else hi = mid - 1;
    }
    return -1;
  }
}

// the tag of a kept value
const UNDEFINED = 0;
const NULL = 1;
const NUMBER = 2;
const TRUE = 3;
const FALSE = 4;
const STRING = 5;
const OTHER = 6; // an object (a fact read whole, a list): kept as it is

/** Blocks of each late column kept in memory (BlockColumn: 4,096 records, or values, each); older
 *  ones go to the process's block spool: a session of 10^5 released transfers kept ~16 MB of late
 *  records in memory until it ended, which its end reads once, in order. */
const LATE_RESIDENT = 2;

/** Late records (LateRecord) in the order added, their values as tagged numbers, their texts in
 *  an arena; past a few blocks, in the process's block spool (block-spool.ts). */
export class LateColumns {
  private readonly heads: BlockColumn<Int32Array>; // transfer, connection, shape, bigints, nulls, first value
  private readonly tags: BlockColumn<Int32Array>; //  by value: its tag
  private readonly values: BlockColumn<Float64Array>; // by value: a number, or a text's or an object's index
  private readonly shapes: Array<KeptFacts['shape']> = [];
  private readonly texts: TextArena;
  private readonly others: unknown[] = [];

  constructor(opts: SpillOptions = {}) {
    const spill = spillFor(this, opts, LATE_RESIDENT);
    this.heads = new BlockColumn((n) => new Int32Array(n), 6, spill, opts.block);
    this.tags = new BlockColumn((n) => new Int32Array(n), 1, spill, opts.block);
    this.values = new BlockColumn((n) => new Float64Array(n), 1, spill, opts.block);
    this.texts = new TextArena(spill, opts.block);
  }

  get size(): number {
    return this.heads.count;
  }

  /** Bytes in memory (the spooled blocks not counted), for tests and measurements. */
  get residentBytes(): number {
    return this.heads.residentBytes + this.tags.residentBytes + this.values.residentBytes + this.texts.residentBytes;
  }

  add(r: LateRecord): void {
    const k = r.kept;
    let shape = this.shapes.indexOf(k.shape);
    if (shape < 0) shape = this.shapes.push(k.shape) - 1;
    const n = this.heads.add();
    const heads = this.heads.block(n);
    const h = this.heads.at(n);
    heads[h] = r.transfer;
    heads[h + 1] = r.connection;
    heads[h + 2] = shape;
    heads[h + 3] = k.bigints;
    heads[h + 4] = k.nulls;
    heads[h + 5] = this.values.count;
    for (const x of k.values) {
      const i = this.values.add();
      this.tags.add();
      let tag: number;
      let value = 0;
      if (x === undefined) tag = UNDEFINED;
      else if (x === null) tag = NULL;
      else if (typeof x === 'number') {
        tag = NUMBER;
        value = x;
      } else if (typeof x === 'boolean') tag = x ? TRUE : FALSE;
      else if (typeof x === 'string') {
        tag = STRING;
        value = this.texts.put(x);
      } else {
        tag = OTHER;
        value = this.others.push(x) - 1;
      }
      this.tags.block(i)[this.tags.at(i)] = tag;
      this.values.block(i)[this.values.at(i)] = value;
    }
  }

  /** The records in the order added, each made again. */
  *[Symbol.iterator](): Generator<LateRecord> {
    for (let n = 0; n < this.heads.count; n++) {
      const heads = this.heads.block(n);
      const h = this.heads.at(n);
      const shape = this.shapes[heads[h + 2]!]!;
      const first = heads[h + 5]!;
      const record = { transfer: heads[h]!, connection: heads[h + 1]!, bigints: heads[h + 3]!, nulls: heads[h + 4]! };
      const values: unknown[] = new Array(shape.fields.length);
      for (let j = 0; j < values.length; j++) values[j] = this.value(first + j);
      yield { transfer: record.transfer, connection: record.connection, kept: { shape, values, bigints: record.bigints, nulls: record.nulls } };
    }
  }

  private value(i: number): unknown {
    const v = this.values.block(i)[this.values.at(i)]!;
    switch (this.tags.block(i)[this.tags.at(i)]) {
      case NULL:
        return null;
      case NUMBER:
        return v;
      case TRUE:
        return true;
      case FALSE:
        return false;
      case STRING:
        return this.texts.get(v);
      case OTHER:
        return this.others[v];
      default:
        return undefined;
    }
  }
}
