// Spools for the streamed reports: element texts are appended as a streaming analysis releases
// them, with a few numbers each (the sort key); at the end they are read back in sorted order.
// SpoolFile keeps the texts in a file, and of the index (sort key, offset, length of each text)
// only one run of elements in memory: a full run is sorted, its texts written to the text file in
// that order and its index to a second file, and at the end the runs are merged (an external
// merge sort). Read back, each run's texts come in file order, so a few large reads serve them
// all. So a report of millions of elements takes the same memory as one of thousands.
// MemorySpool keeps it all in memory, for a report built from a whole-capture result that is in
// memory anyway.

import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { readAll, writeAll } from '../disk/positional.ts';
export { findingSortKey } from '../pipeline/release.ts';

/** Bytes of text gathered before a write to a spool file (one buffer per spool, up to four open). */
const WRITE_CHUNK = 256 * 1024;
/** Characters in a batch of texts read back. Kept under V8's large-object size (128 KiB): a
 *  batch and the strings joined from it then die young, where 1 MiB batches left ~20 MB of
 *  large-object garbage at the end of a long report. */
const BATCH_CHARS = 32 * 1024;
/** Bytes of the text file read at once when texts are read back, and how many such windows a
 *  spool keeps: a run's texts lie in the file in sorted order, and the merge reads from a few
 *  runs at a time (they arrive nearly in sorted order), so each window serves the texts that
 *  follow it in its run. A read per text cost a syscall per connection, session, transfer and
 *  finding. */
const READ_WINDOW = 64 * 1024;
const READ_WINDOWS = 16;

/** Compares the record at offset `ia` of `a` with the record at offset `ib` of `b` (an index's
 *  Float64Array, or a key not yet added). */
export type RecordOrder = (a: ArrayLike<number>, ia: number, b: ArrayLike<number>, ib: number) => number;

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
  /** The sort keys at sorted positions [from, to), each as it was added (fields beyond those the
   *  order reads carry numbers of the element). One array, overwritten for the next key. */
  keys(from?: number, to?: number): Generator<Float64Array>;
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
  /** Bytes of text a run holds in memory until it is sorted and written (a longer text is a
   *  run of its own); default 1 MiB. */
  textBytes?: number;
}

const RUN_SIZES: RunSizes = { run: 16384, fanIn: 64, block: 512, textBytes: 1024 * 1024 };

const SHORT = 'spool file shorter than its index';

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
    readAll(this.fd, bytes, this.next, SHORT);
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
  /** The texts of the run being filled, encoded straight into this buffer (no join, no second
   *  encoding pass); its index records hold their offsets in it until the run is written. */
  private runText: Buffer;
  private runTextBytes = 0;
  /** Texts of a sorted run gathered for one write to the text file. */
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
  private final: Run | null = null; // the merged run, once sorted
  /** Windows of the text file read, the one used last first. */
  private readonly windows: Array<{ buf: Buffer; at: number; bytes: number }> = [];
  /** Positioned reads of the text file so far. */
  reads = 0;
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
    this.runText = Buffer.allocUnsafeSlow(sizes.textBytes ?? RUN_SIZES.textBytes!);
  }

  add(text: string, sortKey: readonly number[]): void {
    // a UTF-16 code unit takes at most 3 bytes of UTF-8
    const most = text.length * 3;
    if (this.runTextBytes + most > this.runText.length) {
      if (this.inRun > 0) this.spill();
      if (most > this.runText.length) this.runText = Buffer.allocUnsafeSlow(most);
    }
    const len = this.runText.write(text, this.runTextBytes);
    const at = this.inRun * this.width;
    for (let k = 0; k < this.sortFields; k++) this.run[at + k] = sortKey[k]!;
    this.run[at + this.sortFields] = this.runTextBytes; // in runText, until the run is written
    this.run[at + this.sortFields + 1] = len;
    this.runTextBytes += len;
    this.count++;
    if (++this.inRun === this.sizes.run) this.spill();
  }

  /** Sorted runs written so far (each is a cursor in the final merge). */
  get runsWritten(): number {
    return this.runs.length;
  }

  /** One element whose text comes in pieces (the JSON of a session of 10^5 commands): written to
   *  the text file as the pieces come, in a run of its own, so that neither its whole text nor a
   *  buffer for it is ever made (the run buffer took three bytes per character of it). */
  addPieces(pieces: Iterable<string>, sortKey: readonly number[]): void {
    if (this.inRun > 0) this.spill();
    const start = this.written + this.pendingBytes;
    for (const p of pieces) this.append(Buffer.from(p, 'utf8'));
    const len = this.written + this.pendingBytes - start;
    this.flush();
    const record = new Float64Array(this.width);
    for (let k = 0; k < this.sortFields; k++) record[k] = sortKey[k]!;
    record[this.sortFields] = start;
    record[this.sortFields + 1] = len;
    this.runs.push({ at: this.appendIndex(record, 1), count: 1 });
    this.count++;
  }

  /** Appends bytes to the text file, through `pending`. */
  private append(bytes: Uint8Array): void {
    if (this.pendingBytes + bytes.length > this.pending.length) this.flush();
    if (bytes.length > this.pending.length) {
      writeAll(this.fd, bytes, this.written);
      this.written += bytes.length;
    } else {
      this.pending.set(bytes, this.pendingBytes);
      this.pendingBytes += bytes.length;
    }
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    writeAll(this.fd, this.pending.subarray(0, this.pendingBytes), this.written);
    this.written += this.pendingBytes;
    this.pendingBytes = 0;
  }

  /** Sorts the run in memory, writes its texts in that order to the text file and its index
   *  (now with the texts' offsets in the file) to the index file. */
  private spill(): void {
    const w = this.width;
    const positions = sortedPositions(this.run, this.inRun, w, this.order);
    const out = (this.spillBuf ??= new Float64Array(this.run.length));
    for (let j = 0; j < positions.length; j++) {
      const o = j * w;
      out.set(this.run.subarray(positions[j]! * w, positions[j]! * w + w), o);
      const from = out[o + this.sortFields]!;
      const len = out[o + this.sortFields + 1]!;
      out[o + this.sortFields] = this.written + this.pendingBytes;
      this.append(this.runText.subarray(from, from + len));
    }
    this.flush();
    this.runs.push({ at: this.appendIndex(out, this.inRun), count: this.inRun });
    this.inRun = 0;
    this.runTextBytes = 0;
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
    // the last run, or the only one (possibly empty), goes to the file like the others
    if (this.inRun > 0 || this.runs.length === 0) this.spill();
    let runs = this.runs;
    while (runs.length > 1) {
      const merged: Run[] = [];
      for (let i = 0; i < runs.length; i += this.sizes.fanIn) merged.push(this.merge(runs.slice(i, i + this.sizes.fanIn)));
      runs = merged;
    }
    const final = runs[0]!;
    this.final = final;
    this.done = {
      texts: (from = 0, to = final.count) => inBatches(this.finalTexts(final, from, to)),
      keys: (from = 0, to = final.count) => this.finalKeys(final, from, to),
    };
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

  /** A cursor over the merged run's records [from, to). */
  private finalCursor(run: Run, from: number, to: number): RunCursor {
    return new RunCursor(this.indexFd, { at: run.at + from * this.width * 8, count: Math.max(0, to - from) }, this.width, this.sizes.block);
  }

  /** Texts of the merged run's records [from, to). */
  private *finalTexts(run: Run, from: number, to: number): Generator<string> {
    const cursor = this.finalCursor(run, from, to);
    while (cursor.advance()) yield this.readText(cursor.buf[cursor.pos + this.sortFields]!, cursor.buf[cursor.pos + this.sortFields + 1]!);
  }

  /** Every text in sort order, joined by `sep`, in pieces of about BATCH_CHARS characters; a text
   *  longer than a read window (a session of 10^5 commands) is read and decoded a window at a time,
   *  so that no string or buffer holds it whole. */
  *joined(sep: string): Generator<string> {
    this.sorted();
    const run = this.final!;
    const cursor = this.finalCursor(run, 0, run.count);
    let batch: string[] = [];
    let chars = 0;
    let first = true;
    const sepIfNotFirst = () => {
      const s = first ? '' : sep;
      first = false;
      return s;
    };
    while (cursor.advance()) {
      const start = cursor.buf[cursor.pos + this.sortFields]!;
      const len = cursor.buf[cursor.pos + this.sortFields + 1]!;
      if (len <= READ_WINDOW) {
        const text = this.readText(start, len);
        batch.push(text);
        chars += text.length;
        if (chars < BATCH_CHARS) continue;
      }
      if (batch.length > 0) yield sepIfNotFirst() + batch.join(sep);
      batch = [];
      chars = 0;
      if (len <= READ_WINDOW) continue;
      const lead = sepIfNotFirst();
      if (lead !== '') yield lead;
      yield* this.readPieces(start, len);
    }
    if (batch.length > 0) yield sepIfNotFirst() + batch.join(sep);
  }

  /** The text of `len` bytes at byte `start` of the text file, a window at a time. */
  private *readPieces(start: number, len: number): Generator<string> {
    const decoder = new StringDecoder('utf8');
    const buf = Buffer.allocUnsafeSlow(READ_WINDOW);
    for (let at = 0; at < len; at += READ_WINDOW) {
      const n = Math.min(READ_WINDOW, len - at);
      readAll(this.fd, buf.subarray(0, n), start + at, SHORT);
      this.reads++;
      yield decoder.write(buf.subarray(0, n));
    }
    const rest = decoder.end();
    if (rest !== '') yield rest;
  }

  /** Sort keys of the merged run's records [from, to). */
  private *finalKeys(run: Run, from: number, to: number): Generator<Float64Array> {
    const cursor = this.finalCursor(run, from, to);
    const key = new Float64Array(this.sortFields);
    while (cursor.advance()) {
      key.set(cursor.buf.subarray(cursor.pos, cursor.pos + this.sortFields));
      yield key;
    }
  }

  /** The text of `len` bytes at byte `start` of the text file: from a window read before, else
   *  from a new one that starts at it (READ_WINDOW bytes, or the text when longer) in place of
   *  the window used longest ago. */
  private readText(start: number, len: number): string {
    const windows = this.windows;
    let k = 0;
    while (k < windows.length && (start < windows[k]!.at || start + len > windows[k]!.at + windows[k]!.bytes)) k++;
    if (k === windows.length) {
      const bytes = Math.min(Math.max(len, READ_WINDOW), this.written - start);
      if (windows.length < READ_WINDOWS) windows.push({ buf: Buffer.allocUnsafeSlow(READ_WINDOW), at: 0, bytes: 0 });
      k = windows.length - 1;
      const w = windows[k]!;
      // one buffer per window for all reads: a fresh buffer per read cost a tenth of a long report's time
      if (bytes > w.buf.length) w.buf = Buffer.allocUnsafeSlow(bytes);
      readAll(this.fd, w.buf.subarray(0, bytes), start, SHORT);
      this.reads++;
      w.at = start;
      w.bytes = bytes;
    }
    const w = windows[k]!;
    if (k > 0) {
      windows.splice(k, 1);
      windows.unshift(w);
    }
    return w.buf.toString('utf8', start - w.at, start - w.at + len);
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
    const { data, width } = this.index;
    return {
      *texts(from = 0, to = positions.length) {
        yield* inBatches((function* () {
          for (let j = from; j < to; j++) yield items[positions[j]!]!;
        })());
      },
      *keys(from = 0, to = positions.length) {
        const key = new Float64Array(width);
        for (let j = from; j < to; j++) {
          key.set(data.subarray(positions[j]! * width, positions[j]! * width + width));
          yield key;
        }
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
