// Spools for the streamed reports: element texts are appended as a streaming analysis releases
// them, with a few numbers each (the sort key); at the end they are read back in sorted order.
// SpoolFile keeps the texts in a file, and of the index (sort key, offset, length of each text)
// only one run of elements in memory: a full run is sorted and written to a second file, and at
// the end the runs are merged (an external merge sort). So a report of millions of elements
// takes the same memory as one of thousands. MemorySpool keeps it all in memory, for a report
// built from a whole-capture result that is in memory anyway.

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
export { findingSortKey } from '../pipeline/release.ts';

/** Bytes of text gathered before a write to a spool file (one buffer per spool, up to four open). */
const WRITE_CHUNK = 256 * 1024;
/** Characters in a batch of texts read back. Kept under V8's large-object size (128 KiB): a
 *  batch and the strings joined from it then die young, where 1 MiB batches left ~20 MB of
 *  large-object garbage at the end of a long report. */
const BATCH_CHARS = 32 * 1024;

/** Compares the record at offset `ia` of `a` with the record at offset `ib` of `b`. */
export type RecordOrder = (a: Float64Array, ia: number, b: Float64Array, ib: number) => number;

/** Orders by the first field (an id). */
export const byFirstField: RecordOrder = (a, ia, b, ib) => a[ia]! - b[ib]!;

export interface Spool {
  /** Elements added. */
  readonly count: number;
  add(text: string, sortKey: readonly number[]): void;
  /** The elements in sort order, once all are added. */
  sorted(): SortedTexts;
  close(): void;
}

export interface SortedTexts {
  /** The texts at sorted positions [from, to), in batches of about BATCH_CHARS characters. */
  texts(from?: number, to?: number): Generator<string[]>;
}

/** Texts gathered into batches of about BATCH_CHARS characters. */
export function* inBatches(texts: Iterable<string>): Generator<string[]> {
  let batch: string[] = [];
  let chars = 0;
  for (const t of texts) {
    batch.push(t);
    chars += t.length;
    if (chars >= BATCH_CHARS) {
      yield batch;
      batch = [];
      chars = 0;
    }
  }
  if (batch.length) yield batch;
}

/** Positions 0..n-1 of `width`-field records in `data`, sorted by `order`. */
function sortedPositions(data: Float64Array, n: number, width: number, order: RecordOrder): Uint32Array {
  const positions = new Uint32Array(n);
  for (let i = 0; i < n; i++) positions[i] = i;
  return positions.sort((a, b) => order(data, a * width, data, b * width));
}

/** A temporary directory for a report's spool files. */
export class SpoolDir {
  private readonly path: string;

  constructor(prefix: string) {
    this.path = mkdtempSync(join(tmpdir(), prefix));
  }

  file(name: string, sortFields: number, order: RecordOrder, sizes?: RunSizes): SpoolFile {
    return new SpoolFile(join(this.path, name), sortFields, order, sizes);
  }

  /** Once every file is open: the open descriptors keep the files, so the directory is removed
   *  now and nothing is left behind however the process ends (Ctrl-C, a crash) — on systems that
   *  allow it; else at remove(). */
  detach(): void {
    try {
      rmSync(this.path, { recursive: true, force: true });
    } catch {
      // removed at remove() instead
    }
  }

  remove(): void {
    rmSync(this.path, { recursive: true, force: true });
  }
}

/** How a SpoolFile sorts: elements per run sorted in memory, runs merged at once, records read
 *  from a run at a time. Memory is about width × 8 × (2 × run + fanIn × block) bytes (the run
 *  being filled, its sorted copy, the merge's blocks). */
export interface RunSizes {
  run: number;
  fanIn: number;
  block: number;
}

const RUN_SIZES: RunSizes = { run: 16384, fanIn: 64, block: 512 };

function writeAll(fd: number, bytes: Uint8Array, at: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, at + done);
}

/** Fills `into` from `fd` at byte `at`. */
function readAll(fd: number, into: Uint8Array, at: number): void {
  let got = 0;
  while (got < into.length) {
    const n = readSync(fd, into, got, into.length - got, at + got);
    if (n === 0) throw new Error('spool file shorter than its index');
    got += n;
  }
}

const bytesOf = (a: Float64Array, records: number, width: number) => new Uint8Array(a.buffer, a.byteOffset, records * width * 8);

/** A sorted run of records in the index file. */
interface Run {
  at: number; // byte offset
  count: number;
}

/** Reads a run's records a block at a time. */
class RunCursor {
  readonly buf: Float64Array;
  /** Offset of the current record in buf; before the first record until advance(). */
  pos: number;
  private end = 0;
  private next: number;
  private left: number;

  constructor(
    private readonly fd: number,
    run: Run,
    private readonly width: number,
    block: number,
  ) {
    this.buf = new Float64Array(block * width);
    this.pos = -width;
    this.next = run.at;
    this.left = run.count;
  }

  /** Moves to the next record; false past the end. */
  advance(): boolean {
    this.pos += this.width;
    if (this.pos < this.end) return true;
    if (this.left === 0) return false;
    const n = Math.min(this.left, this.buf.length / this.width);
    const bytes = bytesOf(this.buf, n, this.width);
    readAll(this.fd, bytes, this.next);
    this.next += bytes.length;
    this.left -= n;
    this.pos = 0;
    this.end = n * this.width;
    return true;
  }
}

/** Texts in a file, read back by positioned reads; memory holds one run of their index. */
export class SpoolFile implements Spool {
  private readonly fd: number;
  /** Sorted runs of index records: [sort fields…, text offset, text length]. */
  private readonly indexFd: number;
  private indexBytes = 0;
  private readonly runs: Run[] = [];
  // texts are encoded straight into this buffer (no join, no second encoding pass)
  private pending = Buffer.allocUnsafeSlow(WRITE_CHUNK);
  private pendingBytes = 0;
  private written = 0;
  private readonly width: number;
  /** The run being filled. */
  private readonly run: Float64Array;
  private inRun = 0;
  /** The run in sorted order, as written. */
  private spillBuf: Float64Array | null = null;
  private done: SortedTexts | null = null;
  private readBuf = Buffer.allocUnsafeSlow(0);
  count = 0;

  constructor(
    path: string,
    private readonly sortFields: number,
    private readonly order: RecordOrder,
    private readonly sizes: RunSizes = RUN_SIZES,
  ) {
    this.fd = openSync(path, 'w+');
    this.indexFd = openSync(`${path}.index`, 'w+');
    this.width = sortFields + 2;
    this.run = new Float64Array(sizes.run * this.width);
  }

  add(text: string, sortKey: readonly number[]): void {
    // a UTF-16 code unit takes at most 3 bytes of UTF-8
    if (this.pendingBytes + text.length * 3 > this.pending.length) this.flush();
    let len: number;
    if (text.length * 3 > this.pending.length) {
      const buf = Buffer.from(text);
      len = buf.length;
      writeAll(this.fd, buf, this.written);
      this.written += len;
    } else {
      len = this.pending.write(text, this.pendingBytes);
      this.pendingBytes += len;
    }
    const at = this.inRun * this.width;
    for (let k = 0; k < this.sortFields; k++) this.run[at + k] = sortKey[k]!;
    this.run[at + this.sortFields] = this.written + this.pendingBytes - len;
    this.run[at + this.sortFields + 1] = len;
    this.count++;
    if (++this.inRun === this.sizes.run) this.spill();
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    writeAll(this.fd, this.pending.subarray(0, this.pendingBytes), this.written);
    this.written += this.pendingBytes;
    this.pendingBytes = 0;
  }

  /** Sorts the run in memory and appends it to the index file. */
  private spill(): void {
    const w = this.width;
    const positions = sortedPositions(this.run, this.inRun, w, this.order);
    const out = (this.spillBuf ??= new Float64Array(this.run.length));
    for (let j = 0; j < positions.length; j++) out.set(this.run.subarray(positions[j]! * w, positions[j]! * w + w), j * w);
    this.runs.push({ at: this.appendIndex(out, this.inRun), count: this.inRun });
    this.inRun = 0;
  }

  /** Appends the first `records` records of `from` to the index file; returns where they start. */
  private appendIndex(from: Float64Array, records: number): number {
    const at = this.indexBytes;
    const bytes = bytesOf(from, records, this.width);
    writeAll(this.indexFd, bytes, at);
    this.indexBytes += bytes.length;
    return at;
  }

  sorted(): SortedTexts {
    if (this.done) return this.done;
    this.flush();
    // the last run, or the only one (possibly empty), goes to the file like the others
    if (this.inRun > 0 || this.runs.length === 0) this.spill();
    let runs = this.runs;
    while (runs.length > 1) {
      const merged: Run[] = [];
      for (let i = 0; i < runs.length; i += this.sizes.fanIn) merged.push(this.merge(runs.slice(i, i + this.sizes.fanIn)));
      runs = merged;
    }
    const final = runs[0]!;
    this.done = { texts: (from = 0, to = final.count) => inBatches(this.finalTexts(final, from, to)) };
    return this.done;
  }

  /** Merges sorted runs into one, appended to the index file. */
  private merge(runs: Run[]): Run {
    if (runs.length === 1) return runs[0]!;
    const w = this.width;
    const order = this.order;
    const cursors = runs.map((r) => new RunCursor(this.indexFd, r, w, this.sizes.block));
    // a binary min-heap of cursors; ties go to the earlier run, so equal keys keep their order
    const heap: number[] = [];
    const less = (i: number, j: number) => {
      const a = cursors[i]!;
      const b = cursors[j]!;
      return (order(a.buf, a.pos, b.buf, b.pos) || i - j) < 0;
    };
    const down = (from: number) => {
      let k = from;
      for (;;) {
        const l = 2 * k + 1;
        if (l >= heap.length) return;
        const c = l + 1 < heap.length && less(heap[l + 1]!, heap[l]!) ? l + 1 : l;
        if (!less(heap[c]!, heap[k]!)) return;
        [heap[c], heap[k]] = [heap[k]!, heap[c]!];
        k = c;
      }
    };
    for (let i = 0; i < cursors.length; i++) if (cursors[i]!.advance()) heap.push(i);
    for (let k = (heap.length >> 1) - 1; k >= 0; k--) down(k);
    const at = this.indexBytes; // the merged run is appended from here
    const out = new Float64Array(this.sizes.block * w);
    let inOut = 0;
    let count = 0;
    while (heap.length) {
      const c = cursors[heap[0]!]!;
      out.set(c.buf.subarray(c.pos, c.pos + w), inOut * w);
      count++;
      if (++inOut === this.sizes.block) {
        this.appendIndex(out, inOut);
        inOut = 0;
      }
      if (!c.advance()) {
        heap[0] = heap[heap.length - 1]!;
        heap.pop();
      }
      down(0);
    }
    this.appendIndex(out, inOut);
    return { at, count };
  }

  /** Texts of the merged run's records [from, to). */
  private *finalTexts(run: Run, from: number, to: number): Generator<string> {
    const cursor = new RunCursor(this.indexFd, { at: run.at + from * this.width * 8, count: Math.max(0, to - from) }, this.width, this.sizes.block);
    while (cursor.advance()) yield this.readText(cursor.buf[cursor.pos + this.sortFields]!, cursor.buf[cursor.pos + this.sortFields + 1]!);
  }

  /** The text of `len` bytes at byte `start` of the text file. */
  private readText(start: number, len: number): string {
    // one buffer for all reads: a fresh 64 KiB buffer per text cost a tenth of a long report's time
    if (len > this.readBuf.length) this.readBuf = Buffer.allocUnsafeSlow(Math.max(len, 64 * 1024));
    readAll(this.fd, this.readBuf.subarray(0, len), start);
    return this.readBuf.toString('utf8', 0, len);
  }

  close(): void {
    closeSync(this.fd);
    closeSync(this.indexFd);
  }
}

/** A growable table of float64 records of `width` fields. */
class Records {
  data: Float64Array;
  count = 0;
  constructor(readonly width: number) {
    this.data = new Float64Array(width * 1024);
  }
  push(fields: readonly number[]): void {
    if ((this.count + 1) * this.width > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const at = this.count++ * this.width;
    for (let k = 0; k < fields.length; k++) this.data[at + k] = fields[k]!;
  }
}

/** Texts in memory. */
export class MemorySpool implements Spool {
  private readonly items: string[] = [];
  private readonly index: Records;

  constructor(
    sortFields: number,
    private readonly order: RecordOrder,
  ) {
    this.index = new Records(sortFields);
  }

  get count(): number {
    return this.items.length;
  }

  add(text: string, sortKey: readonly number[]): void {
    this.items.push(text);
    this.index.push(sortKey);
  }

  sorted(): SortedTexts {
    const positions = sortedPositions(this.index.data, this.index.count, this.index.width, this.order);
    const items = this.items;
    return {
      *texts(from = 0, to = positions.length) {
        yield* inBatches((function* () {
          for (let j = from; j < to; j++) yield items[positions[j]!]!;
        })());
      },
    };
  }

  close(): void {
    this.items.length = 0;
  }
}

/** Orders records whose first fields are findingSortKey's. */
export const findingOrder: RecordOrder = (a, i, b, j) =>
  b[j]! - a[i]! || compareFrame(a[i + 1]!, b[j + 1]!) || a[i + 2]! - b[j + 2]! || a[i + 3]! - b[j + 3]! || a[i + 4]! - b[j + 4]!;

/** Ascending first frame, a finding without frames last (as sortFindings' Infinity). */
function compareFrame(a: number, b: number): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
