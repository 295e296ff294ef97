// Several capture files read as one capture, merged by time as `mergecap` merges them: of the
// next frame of every file, the earliest goes first (on equal times, the file given later, as
// mergecap's is_earlier() decides), and each file's own order is kept even where its times go
// backwards (a merge, not a sort). Frames are numbered in the merged order, so the frame numbers
// of every finding are those of the file `mergecap -w merged.pcapng FILES…` writes, which the
// summary says (CaptureSummary.merged).
//
// Each file is read through its own parser a chunk at a time, pulled when its queue of frames is
// empty, so memory holds at most about one chunk of copied frames per file (a file whose frames
// all come later waits unread).

import * as fs from 'node:fs';
import * as zlib from 'node:zlib';
import { CaptureError, type CaptureSummary, type Frame, type FrameSink } from './frame.ts';
import { isGzip } from './gzip.ts';
import { readCapture, type ReadOptions } from './read.ts';
import { READ_CHUNK } from './file-pump.ts';
import { CaptureStreamParser } from './stream-parser.ts';

/** How a merged capture can be reproduced and what it was made of. */
export interface MergeInfo {
  files: Array<{ file: string; frames: number; format: 'pcap' | 'pcapng' }>;
  command: string; //  the mergecap command whose output has the same frame numbers
}

/** A shell word: the name as is when it needs no quoting, else single-quoted. */
function shellWord(s: string): string {
  return /^[\w@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function mergecapCommand(files: readonly string[]): string {
  return ['mergecap', '-w', 'merged.pcapng', ...files.map(shellWord)].join(' ');
}

/** One input file: its frames, pulled a chunk at a time. */
class Input {
  readonly queue: Frame[] = []; //  frames parsed, not yet merged (copies)
  private head = 0; //              position of the next frame in `queue`
  private chunks: AsyncIterator<Buffer> | null = null;
  private parser: CaptureStreamParser;
  private rawRead = 0; //           bytes read from a plain file
  private gzip = false;
  private fd: fs.promises.FileHandle | null = null;
  private raw: fs.ReadStream | null = null;
  done = false; //                  no more frames
  private final: CaptureSummary | null = null;

  constructor(readonly file: string) {
    this.parser = new CaptureStreamParser(file, (f) => this.queue.push({ ...f, data: Buffer.from(f.data) }));
  }

  async open(): Promise<void> {
    let fd: fs.promises.FileHandle;
    try {
      fd = await fs.promises.open(this.file, 'r');
    } catch (e) {
      throw new CaptureError(this.file, 0, `cannot open: ${(e as Error).message}`, 'read-failed');
    }
    this.fd = fd;
    const magic = Buffer.alloc(2);
    const { bytesRead } = await fd.read(magic, 0, 2, 0).catch((e: Error) => {
      throw new CaptureError(this.file, 0, `read failed: ${e.message}`, 'read-failed');
    });
    const stat = await fd.stat();
    this.size = stat.size;
    if (stat.isDirectory()) throw new CaptureError(this.file, 0, 'is a directory, not a capture file', 'read-failed');
    const raw = fd.createReadStream({ start: 0, highWaterMark: READ_CHUNK });
    this.raw = raw;
    if (isGzip(magic, bytesRead)) {
      this.gzip = true;
      this.parser = new CaptureStreamParser(this.file, (f) => this.queue.push({ ...f, data: Buffer.from(f.data) }), { compressed: 'gzip' });
      const gunzip = zlib.createGunzip({ chunkSize: READ_CHUNK });
      raw.pipe(gunzip);
      raw.on('error', (e) => gunzip.destroy(e));
      raw.on('data', (c) => (this.rawRead += c.length)); // compressed bytes read, for progress
      this.chunks = gunzip[Symbol.asyncIterator]();
    } else {
      this.chunks = raw[Symbol.asyncIterator]();
    }
  }

  /** Closes the file (the stream closes it once it is open). */
  async close(): Promise<void> {
    if (this.raw) this.raw.destroy();
    else await this.fd?.close().catch(() => {});
    this.raw = null;
    this.fd = null;
  }

  /** The next frame without taking it, or null at the end of the file. */
  async peek(): Promise<Frame | null> {
    while (this.head >= this.queue.length && !this.done) await this.pull();
    return this.head < this.queue.length ? this.queue[this.head]! : null;
  }

  take(): Frame {
    const f = this.queue[this.head++]!;
    if (this.head === this.queue.length) {
      this.queue.length = 0;
      this.head = 0;
    }
    return f;
  }

  private async pull(): Promise<void> {
    let r: IteratorResult<Buffer>;
    try {
      r = await this.chunks!.next();
    } catch (e) {
      const code = (e as { code?: unknown }).code;
      if (this.gzip && code === 'Z_BUF_ERROR') return this.finish(`gzip data ends early (${(e as Error).message}): capture cut short`);
      if (this.gzip && typeof code === 'string' && code.startsWith('Z_')) {
        const s = this.parser.summary;
        const err = new CaptureError(this.file, s.bytes, `corrupt gzip data: ${(e as Error).message}`, 'gzip');
        err.summary = s;
        throw err;
      }
      throw new CaptureError(this.file, this.rawRead, `read failed: ${(e as Error).message}`, 'read-failed');
    }
    if (r.done) return this.finish(null);
    if (!this.gzip) this.rawRead += r.value.length;
    this.parser.push(r.value);
  }

  private finish(cut: string | null): void {
    this.done = true;
    const s = this.parser.end();
    if (cut !== null) {
      s.truncated = true;
      s.warnings.push({ offset: s.bytes, message: cut });
    }
    this.final = s;
  }

  /** Bytes of the file read so far (compressed bytes for a gzip file), for progress. */
  get bytesRead(): number {
    return this.rawRead;
  }

  /** Its size on disk (known once open). */
  size = 0;

  /** What was read of this file so far (all of it once done). */
  get summary(): CaptureSummary {
    return this.final ?? this.parser.summary;
  }
}

/**
 * Reads `files` merged by time into `onFrame`, numbering frames in the merged order. A fault in
 * one file (CaptureError) stops the merge; the error's summary then covers the frames merged
 * before it, as readCapture's does.
 */
export async function readMerged(files: readonly string[], onFrame: FrameSink, opts: Pick<ReadOptions, 'stop' | 'onProgress'> = {}): Promise<CaptureSummary> {
  const inputs = files.map((f) => new Input(f));
  let number = 0;
  let stoppedBy: string | null = null;
  const merged = (): CaptureSummary => mergedSummary(inputs, number, stoppedBy);
  const total = (): number => inputs.reduce((n, i) => n + i.size, 0);
  const read = (): number => inputs.reduce((n, i) => n + i.bytesRead, 0);
  let reported = 0;
  try {
    for (const input of inputs) await input.open();
    for (;;) {
      // Ctrl-C: files on disk stop at once (no writer flushes into them)
      if (opts.stop?.aborted) {
        stoppedBy = String(opts.stop.reason);
        break;
      }
      if (opts.onProgress) {
        const r = read();
        if (r - reported >= READ_CHUNK) {
          reported = r;
          opts.onProgress(r, total());
        }
      }
      let best: Input | null = null;
      let bestTime = 0;
      for (const input of inputs) {
        const f = await input.peek();
        // mergecap's is_earlier(): an equal time counts as earlier, so the later file wins ties
        if (f !== null && (best === null || f.time <= bestTime)) {
          best = input;
          bestTime = f.time;
        }
      }
      if (best === null) break;
      const f = best.take();
      f.number = ++number;
      onFrame(f);
    }
  } catch (e) {
    if (e instanceof CaptureError) {
      const s = merged();
      e.summary = { ...s, bytes: e.offset };
    }
    throw e;
  } finally {
    await Promise.all(inputs.map((i) => i.close()));
  }
  return merged();
}

function mergedSummary(inputs: readonly Input[], frames: number, stoppedBy: string | null): CaptureSummary {
  const parts = inputs.map((i) => i.summary);
  const formats = new Set(parts.map((p) => p.format));
  const linkTypes: number[] = [];
  for (const p of parts) for (const lt of p.linkTypes) if (!linkTypes.includes(lt)) linkTypes.push(lt);
  const files = inputs.map((i) => i.file);
  return {
    file: files.join(' + '),
    format: formats.size === 1 ? [...formats][0]! : 'pcapng',
    nanosecond: parts.some((p) => p.nanosecond),
    compressed: parts.some((p) => p.compressed === 'gzip') ? 'gzip' : null,
    linkTypes,
    frames,
    bytes: parts.reduce((n, p) => n + p.bytes, 0),
    truncated: parts.some((p) => p.truncated),
    warnings: [
      ...parts.flatMap((p, k) => p.warnings.map((w) => ({ offset: w.offset, message: `${files[k]}: ${w.message}` }))),
      ...(stoppedBy === null ? [] : [{ offset: 0, message: `reading stopped by ${stoppedBy}: the frames after frame ${frames} of the merged capture were not analysed` }]),
    ],
    merged: {
      files: inputs.map((i, k) => ({ file: i.file, frames: parts[k]!.frames, format: parts[k]!.format })),
      command: mergecapCommand(files),
    },
  };
}

/** One capture file (readCapture, with its options) or several merged by time (readMerged). */
export async function readCaptures(paths: string | readonly string[], onFrame: FrameSink, opts: ReadOptions = {}): Promise<CaptureSummary> {
  if (typeof paths === 'string') return readCapture(paths, onFrame, opts);
  if (paths.length === 1) return readCapture(paths[0]!, onFrame, opts);
  return readMerged(paths, onFrame, opts);
}
