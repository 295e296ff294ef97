// Spools for the streamed reports: element texts are appended as a streaming analysis releases
// them, with a few numbers each (the sort key); at the end they are read back in sorted order.
// SpoolFile keeps the texts in a file and only the numbers in memory, so a report of millions of
// elements costs tens of bytes of memory each; MemorySpool keeps the texts in memory, for a
// report built from a whole-capture result that is in memory anyway.

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { severityRank } from '../diagnose/finding.ts';
import type { ReleasedFinding } from '../pipeline/release.ts';

/** Bytes gathered before a write to a spool file, and the size of a batch read back. */
const CHUNK = 1 << 20;

/** A growable table of float64 records of `width` fields. */
export class Records {
  data: Float64Array;
  count = 0;
  constructor(readonly width: number) {
    this.data = new Float64Array(width * 1024);
  }
  /** Appends one record; returns its position. */
  push(fields: readonly number[]): number {
    if ((this.count + 1) * this.width > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    const at = this.count * this.width;
    for (let k = 0; k < fields.length; k++) this.data[at + k] = fields[k]!;
    return this.count++;
  }
  field(i: number, k: number): number {
    return this.data[i * this.width + k]!;
  }
}

export interface Spool {
  /** The sort key of each element, in the order they were added. */
  readonly index: Records;
  add(text: string, sortKey: readonly number[]): void;
  /** Positions of the elements, ordered by `compare` over positions (e.g. by index fields). */
  order(compare: (a: number, b: number) => number): Uint32Array;
  /** The texts at `order[from..to)`, in batches of about 1 MiB. */
  texts(order: Uint32Array, from?: number, to?: number): Generator<string[]>;
  close(): void;
}

/** Texts gathered into batches of about CHUNK characters. */
export function* inBatches(texts: Iterable<string>): Generator<string[]> {
  let batch: string[] = [];
  let chars = 0;
  for (const t of texts) {
    batch.push(t);
    chars += t.length;
    if (chars >= CHUNK) {
      yield batch;
      batch = [];
      chars = 0;
    }
  }
  if (batch.length) yield batch;
}

/** Positions 0..n-1 sorted by `compare`. */
function sortedPositions(n: number, compare: (a: number, b: number) => number): Uint32Array {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  return order.sort(compare);
}

/** A temporary directory for a report's spool files. */
export class SpoolDir {
  private readonly path: string;

  constructor(prefix: string) {
    this.path = mkdtempSync(join(tmpdir(), prefix));
  }

  file(name: string, sortFields: number): SpoolFile {
    return new SpoolFile(join(this.path, name), sortFields);
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

/** Comparator over positions by the first index field (an id). */
export const byFirstField = (f: Spool) => (a: number, b: number) => f.index.field(a, 0) - f.index.field(b, 0);

/** Texts in a file, read back by positioned reads; memory holds the keys, offsets and lengths. */
export class SpoolFile implements Spool {
  private readonly fd: number;
  // texts are encoded straight into this buffer (no join, no second encoding pass)
  private pending = Buffer.allocUnsafeSlow(CHUNK);
  private pendingBytes = 0;
  private written = 0;
  /** [sort fields…, offset, length] per element */
  readonly index: Records;
  private readonly sortFields: number;

  constructor(path: string, sortFields: number) {
    this.fd = openSync(path, 'w+');
    this.sortFields = sortFields;
    this.index = new Records(sortFields + 2);
  }

  add(text: string, sortKey: readonly number[]): void {
    // a UTF-16 code unit takes at most 3 bytes of UTF-8
    if (this.pendingBytes + text.length * 3 > this.pending.length) this.flush();
    let len: number;
    if (text.length * 3 > this.pending.length) {
      const buf = Buffer.from(text);
      len = buf.length;
      this.writeAll(buf);
    } else {
      len = this.pending.write(text, this.pendingBytes);
      this.pendingBytes += len;
    }
    const at = this.index.push(sortKey);
    this.index.data[at * this.index.width + this.sortFields] = this.written + this.pendingBytes - len;
    this.index.data[at * this.index.width + this.sortFields + 1] = len;
  }

  private writeAll(buf: Buffer): void {
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, this.written + done);
    this.written += buf.length;
  }

  private flush(): void {
    if (this.pendingBytes === 0) return;
    this.writeAll(this.pending.subarray(0, this.pendingBytes));
    this.pendingBytes = 0;
  }

  order(compare: (a: number, b: number) => number): Uint32Array {
    return sortedPositions(this.index.count, compare);
  }

  *texts(order: Uint32Array, from = 0, to = order.length): Generator<string[]> {
    this.flush();
    yield* inBatches(this.each(order, from, to));
  }

  private *each(order: Uint32Array, from: number, to: number): Generator<string> {
    const ix = this.index;
    const off = this.sortFields;
    let buf = Buffer.allocUnsafe(64 * 1024);
    for (let j = from; j < to; j++) {
      const i = order[j]!;
      const start = ix.field(i, off);
      const len = ix.field(i, off + 1);
      if (len > buf.length) buf = Buffer.allocUnsafe(len);
      let got = 0;
      while (got < len) {
        const n = readSync(this.fd, buf, got, len - got, start + got);
        if (n === 0) throw new Error('spool file shorter than its index');
        got += n;
      }
      yield buf.toString('utf8', 0, len);
    }
  }

  close(): void {
    closeSync(this.fd);
  }
}

/** Texts in memory. */
export class MemorySpool implements Spool {
  private readonly items: string[] = [];
  readonly index: Records;

  constructor(sortFields: number) {
    this.index = new Records(sortFields);
  }

  add(text: string, sortKey: readonly number[]): void {
    this.items.push(text);
    this.index.push(sortKey);
  }

  order(compare: (a: number, b: number) => number): Uint32Array {
    return sortedPositions(this.index.count, compare);
  }

  *texts(order: Uint32Array, from = 0, to = order.length): Generator<string[]> {
    yield* inBatches((function* (items: readonly string[]) {
      for (let j = from; j < to; j++) yield items[order[j]!]!;
    })(this.items));
  }

  close(): void {
    this.items.length = 0;
  }
}

/** The sort key of a released finding: the order a whole-capture pass gives (severity, first
 *  frame, then capture, connections, sessions, transfers by id, then the rules' order). */
export function findingSortKey(r: ReleasedFinding): number[] {
  return [severityRank[r.finding.severity], r.finding.frames[0] ?? Infinity, r.group, r.subject, r.seq];
}

/** Comparator over positions of an index whose first fields are findingSortKey's. */
export function findingOrder(ix: Records): (a: number, b: number) => number {
  return (a, b) =>
    ix.field(b, 0) - ix.field(a, 0) ||
    compareFrame(ix.field(a, 1), ix.field(b, 1)) ||
    ix.field(a, 2) - ix.field(b, 2) ||
    ix.field(a, 3) - ix.field(b, 3) ||
    ix.field(a, 4) - ix.field(b, 4);
}

/** Ascending first frame, a finding without frames last (as sortFindings' Infinity). */
function compareFrame(a: number, b: number): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
