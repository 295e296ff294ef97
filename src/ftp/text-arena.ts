// Strings kept for the length of a session without a heap object each: a long session's commands
// (command-columns.ts) keep their arguments, paths and reply texts here. A string is a handle (a
// number); its characters lie in chunks of bytes (Latin-1 when every code unit fits a byte, else
// UTF-16, so that any JavaScript string comes back exactly). Short strings that repeat (verbs,
// working directories, addresses, "Transfer complete.") are kept once, up to a bound. With a
// spill (block-column.ts), full chunks past the newest `resident` and the span table's older
// blocks go to the process's block spool and are read back a chunk at a time.

import { BlockColumn, type Spill } from './block-column.ts';

/** Bytes per chunk at most (the first chunks are smaller, each twice the last, so that a session
 *  that keeps a few strings holds a few KiB); a longer string gets a chunk of its own. */
const CHUNK = 256 * 1024;
const FIRST_CHUNK = 4096;
/** Strings up to this many code units are looked up among those kept once. */
const SHARED_LENGTH = 48;
/** Distinct short strings kept once at most; later ones go to the chunks like any other. */
const MAX_SHARED = 4096;

/** The handle of null (a field that may be null stores it as a string). */
export const NULL_TEXT = -1;

export class TextArena {
  private readonly chunks: Array<Buffer | null> = []; // null: in the spool
  private readonly sizes: number[] = []; //              by chunk: its bytes
  private readonly offsets: number[] = []; //            by chunk: its place in the spool (once written)
  private spooled = 0; //   chunks before this are in the spool (or their place is: a long string's own chunk is written at once)
  private filling = -1; //  the chunk being filled (-1: none yet)
  private used = 0; //      its bytes used
  // per arena string: its chunk, offset and length in code units (negative: UTF-16)
  private readonly spans: BlockColumn<Int32Array>;
  private readonly shared = new Map<string, number>(); // short string → its handle
  private readonly sharedTexts: string[] = []; //        by -(handle + 2)
  private cache: Buffer | null = null; // the spooled chunk read last
  private cacheOf = -1;

  /** `spill`: where full chunks past the newest `spill.resident` go (null: all in memory);
   *  `block`: strings per block of the span table. */
  constructor(
    private readonly spill: Spill | null = null,
    block?: number,
  ) {
    this.spans = new BlockColumn((n) => new Int32Array(n), 3, spill, block);
  }

  /** The handle of `s` (NULL_TEXT for null). */
  put(s: string | null): number {
    if (s === null) return NULL_TEXT;
    if (s.length <= SHARED_LENGTH) {
      const h = this.shared.get(s);
      if (h !== undefined) return h;
      if (this.sharedTexts.length < MAX_SHARED) {
        const handle = -(this.sharedTexts.push(s) + 1);
        this.shared.set(s, handle);
        return handle;
      }
    }
    return this.putSpan(s);
  }

  get(h: number): string {
    if (h < 0) return this.sharedTexts[-h - 2]!;
    const spans = this.spans.block(h);
    const at = this.spans.at(h);
    const c = spans[at]!;
    const start = spans[at + 1]!;
    const len = spans[at + 2]!;
    const chunk = this.chunks[c] ?? this.read(c);
    return len >= 0 ? chunk.toString('latin1', start, start + len) : chunk.toString('utf16le', start, start - 2 * len);
  }

  /** `get` for a handle that may be NULL_TEXT. */
  getOrNull(h: number): string | null {
    return h === NULL_TEXT ? null : this.get(h);
  }

  /** Bytes held in memory and in the spool (chunks and the span table), for tests and
   *  measurements. */
  get bytes(): number {
    let n = 3 * 4 * this.spans.count;
    for (const size of this.sizes) n += size;
    return n;
  }

  /** Bytes in memory (chunks, the span table's blocks, the cache). */
  get residentBytes(): number {
    let n = this.spans.residentBytes + (this.cache?.length ?? 0);
    for (const c of this.chunks) if (c !== null) n += c.length;
    return n;
  }

  /** A spooled chunk, read into the cache. */
  private read(c: number): Buffer {
    if (this.cacheOf !== c) {
      const size = this.sizes[c]!;
      if (this.cache === null || this.cache.length < size) this.cache = Buffer.allocUnsafeSlow(Math.max(size, CHUNK));
      this.spill!.spool.read(this.offsets[c]!, this.cache.subarray(0, size));
      this.cacheOf = c;
    }
    return this.cache!;
  }

  /** A new chunk of `size` bytes; its index. The newest full chunks stay in memory, older ones
   *  are written to the spool once the one being filled moves on. */
  private newChunk(size: number): number {
    const c = this.chunks.push(Buffer.allocUnsafeSlow(size)) - 1;
    this.sizes.push(size);
    return c;
  }

  /** Spools the chunks before `upTo` (full: not being filled, nor a long string's chunk not yet
   *  written) while more than `resident` chunks are in memory. */
  private spoolBefore(upTo: number): void {
    const spill = this.spill;
    if (spill === null) return;
    while (this.spooled < upTo && upTo - this.spooled >= spill.resident) {
      const c = this.spooled++;
      const chunk = this.chunks[c];
      if (chunk === null || chunk === undefined) continue;
      this.offsets[c] = spill.spool.write(chunk.subarray(0, this.sizes[c]!), spill.extents);
      this.chunks[c] = null;
    }
  }

  private putSpan(s: string): number {
    let narrow = true;
    for (let i = 0; i < s.length; i++) {
      if (s.charCodeAt(i) > 0xff) {
        narrow = false;
        break;
      }
    }
    const size = narrow ? s.length : 2 * s.length;
    let chunkIndex: number;
    let start = 0;
    if (size > CHUNK) {
      // longer than a chunk: a chunk of its own (the one being filled goes on being filled)
      chunkIndex = this.newChunk(size);
    } else {
      if (this.filling < 0 || this.used + size > this.sizes[this.filling]!) {
        const last = this.filling < 0 ? FIRST_CHUNK / 2 : this.sizes[this.filling]!;
        this.filling = this.newChunk(Math.max(size, Math.min(CHUNK, 2 * last)));
        this.used = 0;
        this.spoolBefore(this.filling);
      }
      chunkIndex = this.filling;
      start = this.used;
      this.used += size;
    }
    const chunk = this.chunks[chunkIndex]!;
    if (narrow) chunk.write(s, start, size, 'latin1');
    else chunk.write(s, start, size, 'utf16le');
    const h = this.spans.add();
    const spans = this.spans.block(h);
    const at = this.spans.at(h);
    spans[at] = chunkIndex;
    spans[at + 1] = start;
    spans[at + 2] = narrow ? s.length : -s.length;
    return h;
  }
}
