// A column of numbers in blocks of a fixed count of records (command-columns.ts, text-arena.ts):
// a long session's columns grow without copies and without the unused half a doubled array has.
// With a spill, only the newest `resident` blocks stay in memory: older full blocks are written to
// the process's block spool (block-spool.ts) and read back a block at a time when read (two
// blocks cached per column: a session's end reads its commands in order).

import { columnSpool, type BlockSpool, type Extents } from './block-spool.ts';

/** Records per block of a column. */
export const BLOCK = 4096;

/** Where a column's older blocks go, and how many of its newest stay in memory. `extents` is
 *  its owner's list of places in the spool (freed when the owner is collected: BlockSpool.own). */
export interface Spill {
  spool: BlockSpool;
  resident: number;
  extents: Extents;
}

/** How an owner of columns spills: `spool` where blocks past the newest `resident` of each column
 *  go (default the process's; null: all in memory), `block` records per block (smaller in tests). */
export interface SpillOptions {
  spool?: BlockSpool | null;
  resident?: number;
  block?: number;
}

/** The spill of an owner of columns (null: none); its places in the spool are freed when `owner`
 *  is collected. */
export function spillFor(owner: object, opts: SpillOptions, resident: number): Spill | null {
  const spool = opts.spool === undefined ? columnSpool() : opts.spool;
  if (spool === null) return null;
  const extents: Extents = [];
  spool.own(owner, extents);
  return { spool, resident: opts.resident ?? resident, extents };
}

type Numbers = Float64Array | Int32Array;

const bytesOf = (a: Numbers): Uint8Array => new Uint8Array(a.buffer, a.byteOffset, a.byteLength);

/**
 * A column of `width` numbers per record, in blocks of `block` records (the first block alone
 * grows, so that an owner that keeps a few records holds a few). Record `slot` lies in
 * block(slot) from at(slot); the array block() gives is good until the next block() of the same
 * column (a spooled block is read into one of two buffers).
 */
export class BlockColumn<T extends Numbers> {
  count = 0;
  private readonly blocks: Array<T | null>; // null: in the spool
  private readonly offsets: number[] = []; //  by block: its place in the spool (once written)
  private spooled = 0; //                      blocks before this are in the spool
  private cache: T | null = null; //           the spooled block read last …
  private cacheOf = -1;
  private older: T | null = null; //           … and the one before it
  private olderOf = -1;

  constructor(
    private readonly make: (n: number) => T,
    private readonly width: number,
    private readonly spill: Spill | null = null,
    private readonly block_ = BLOCK,
  ) {
    this.blocks = [make(Math.min(16, block_) * width)];
  }

  /** The slot of a new record. */
  add(): number {
    const slot = this.count++;
    const b = Math.floor(slot / this.block_);
    if (b === this.blocks.length) {
      this.blocks.push(this.make(this.block_ * this.width));
      if (this.spill !== null && b - this.spooled >= this.spill.resident) this.spoolOldest(this.spill);
    } else if (b === 0 && slot * this.width >= this.blocks[0]!.length) {
      const grown = this.make(Math.min(this.block_, 2 * slot) * this.width);
      grown.set(this.blocks[0]!);
      this.blocks[0] = grown;
    }
    return slot;
  }

  block(slot: number): T {
    const b = Math.floor(slot / this.block_);
    return this.blocks[b] ?? this.read(b);
  }

  at(slot: number): number {
    return (slot % this.block_) * this.width;
  }

  /** Bytes of blocks in memory (the cache included), for tests and measurements. */
  get residentBytes(): number {
    let n = (this.cache?.byteLength ?? 0) + (this.older?.byteLength ?? 0);
    for (const b of this.blocks) if (b !== null) n += b.byteLength;
    return n;
  }

  /** Blocks in the spool. */
  get spooledBlocks(): number {
    return this.spooled;
  }

  private spoolOldest(spill: Spill): void {
    const b = this.spooled++;
    this.offsets[b] = spill.spool.write(bytesOf(this.blocks[b]!), spill.extents);
    this.blocks[b] = null;
  }

  private read(b: number): T {
    if (this.cacheOf === b) return this.cache!;
    if (this.olderOf !== b) {
      const into = this.older ?? this.make(this.block_ * this.width);
      this.spill!.spool.read(this.offsets[b]!, bytesOf(into));
      this.older = into;
      this.olderOf = b;
    }
    // the block read (or found) second-latest becomes the latest
    const t = this.cache;
    const tOf = this.cacheOf;
    this.cache = this.older;
    this.cacheOf = this.olderOf;
    this.older = t;
    this.olderOf = tOf;
    return this.cache!;
  }
}
