// readCapture: a capture file (or standard input), plain or gzip-compressed, streamed through the
// parser with bounded memory. Plain files take the fast path (file-pump.ts): fs reads into reused
// 1 MiB buffers, records parsed in place, the unread tail moved in front of the next read's data.
import * as fs from 'node:fs';
import type { Readable } from 'node:stream';
import { CaptureError, type CaptureSummary, type FrameSink, type RecordSink } from './frame.ts';
import { GzipDataError, gunzipChunks, isGzip } from './gzip.ts';
import { pumpFile, READ_CHUNK, type ReadAt } from './file-pump.ts';
import { CaptureStreamParser } from './stream-parser.ts';

export interface ReadOptions {
  /** Called after every read: raw (compressed) bytes read so far, file size or null for stdin. */
  onProgress?(bytesRead: number, totalBytes: number | null): void;
  /** Stream to use for path '-' (tests); default process.stdin. */
  stdin?: Readable;
  /** Also hand every record as stored to this sink (a rewriter such as --annotate). */
  onRecord?: RecordSink;
  /** Stops the reading (Ctrl-C): the summary then ends with what was read, and a warning naming
   *  the abort reason ('SIGINT'). A file stops after the read in progress; a pipe or standard
   *  input is read on for up to STOP_GRACE_MS, so that what its writer flushes when the same
   *  Ctrl-C reaches it (`tcpdump -w - | ftpdiag analyze -`) is still analysed. */
  stop?: AbortSignal;
}

/** How long a pipe is read on after a stop, for its writer's last flush, milliseconds. */
export const STOP_GRACE_MS = 500;

/** Resolves STOPPED `graceMs` after `stop` aborts (never without a signal). */
const STOPPED = Symbol('stopped');
function afterStop(stop: AbortSignal | undefined, graceMs: number): { promise: Promise<typeof STOPPED>; cancel(): void } {
  let timer: NodeJS.Timeout | null = null;
  let onAbort: (() => void) | null = null;
  const promise = new Promise<typeof STOPPED>((resolve) => {
    if (!stop) return;
    onAbort = () => {
      timer = setTimeout(() => resolve(STOPPED), graceMs);
    };
    if (stop.aborted) onAbort();
    else stop.addEventListener('abort', onAbort, { once: true });
  });
  return {
    promise,
    cancel: () => {
      if (timer !== null) clearTimeout(timer);
      if (onAbort !== null) stop?.removeEventListener('abort', onAbort);
    },
  };
}

/** '-' means standard input; so does '' because yargs turns a lone '-' argument into ''. */
export function isStdinPath(path: string): boolean {
  return path === '-' || path === '';
}

export async function readCapture(path: string, onFrame: FrameSink, opts: ReadOptions = {}): Promise<CaptureSummary> {
  if (isStdinPath(path)) return readStream('-', opts.stdin ?? process.stdin, onFrame, opts);
  const file = path;
  let fd: fs.promises.FileHandle;
  try {
    fd = await fs.promises.open(file, 'r');
  } catch (e) {
    throw new CaptureError(file, 0, `cannot open: ${errText(e)}`, 'read-failed');
  }
  try {
    const st = await fd.stat();
    if (st.isDirectory()) throw new CaptureError(file, 0, 'is a directory, not a capture file', 'read-failed');
    if (!st.isFile()) {
      // a pipe or device (/dev/stdin, <(zcat x.pcap.gz)): no positioned reads, no known size
      const stream = fd.createReadStream({ autoClose: false, highWaterMark: READ_CHUNK });
      return await readStream(file, stream, onFrame, opts);
    }
    const size = st.size;
    const readAt: ReadAt = (buf, at, len, pos) => readChunk(fd, file, buf, at, len, pos);
    // the first read decides between gzip and plain (a regular file returns 2+ bytes unless shorter)
    const first = Buffer.allocUnsafe(READ_CHUNK);
    const n = await readAt(first, 0, READ_CHUNK, 0);
    opts.onProgress?.(n, size);
    if (isGzip(first, n)) {
      return await readGzip(file, rawFileChunks(readAt, first.subarray(0, n), size, opts), onFrame, opts.onRecord, opts.stop);
    }
    const parser = new CaptureStreamParser(file, onFrame, { onRecord: opts.onRecord });
    return await pumpFile(readAt, parser, first, n, (r) => opts.onProgress?.(r, size), opts.stop);
  } finally {
    await fd.close();
  }
}

/** Any stream of capture bytes (stdin, pipes): gzip detected from the first two bytes. */
async function readStream(file: string, stream: Readable, onFrame: FrameSink, opts: ReadOptions): Promise<CaptureSummary> {
  let read = 0;
  async function* raw(): AsyncGenerator<Buffer> {
    const chunks = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>;
    const stopped = afterStop(opts.stop, STOP_GRACE_MS);
    try {
      for (;;) {
        // a writer that never closes the pipe must not hold a stop up: the wait for the next
        // chunk ends STOP_GRACE_MS after it
        const next = chunks.next();
        const r = await Promise.race([next, stopped.promise]);
        if (r === STOPPED) {
          next.catch(() => {}); // settles (or fails) when the stream is destroyed: nobody waits for it
          stream.destroy();
          return;
        }
        if (r.done) return;
        read += r.value.length;
        opts.onProgress?.(read, null);
        yield r.value;
      }
    } catch (e) {
      throw new CaptureError(file, read, `read failed: ${errText(e)}`, 'read-failed');
    } finally {
      stopped.cancel();
    }
  }
  const it = raw();
  // peek: gather at least 2 bytes (or the whole input if shorter) to look for the gzip magic
  const head: Buffer[] = [];
  let headLen = 0;
  while (headLen < 2) {
    const r = await it.next();
    if (r.done) break;
    head.push(r.value);
    headLen += r.value.length;
  }
  const first = Buffer.concat(head);
  async function* all(): AsyncGenerator<Buffer> {
    if (first.length > 0) yield first;
    yield* it;
  }
  if (isGzip(first, first.length)) return readGzip(file, all(), onFrame, opts.onRecord, opts.stop);
  const parser = new CaptureStreamParser(file, onFrame, { onRecord: opts.onRecord });
  for await (const chunk of all()) parser.push(chunk);
  return opts.stop?.aborted ? parser.interrupt(String(opts.stop.reason)) : parser.end();
}

/** Decompresses and parses. A gzip stream that ends early is a cut capture (truncated, warning),
 *  like a plain file cut inside a record; corrupt compressed data is CaptureError 'gzip'. */
async function readGzip(file: string, raw: AsyncIterable<Buffer>, onFrame: FrameSink, onRecord: RecordSink | undefined, stop?: AbortSignal): Promise<CaptureSummary> {
  const parser = new CaptureStreamParser(file, onFrame, { compressed: 'gzip', onRecord });
  let cut: string | null;
  try {
    cut = await gunzipChunks(raw, (chunk) => parser.push(chunk));
  } catch (e) {
    if (!(e instanceof GzipDataError)) throw e;
    const s = parser.summary;
    throw withSummary(new CaptureError(file, s.bytes, `corrupt gzip data: ${e.message}`, 'gzip'), s);
  }
  // stopped on purpose: the compressed data ends where the reading stopped, not early
  if (stop?.aborted) return parser.interrupt(String(stop.reason));
  if (cut !== null && parser.summary.frames === 0 && parser.summary.bytes < 4) {
    throw withSummary(new CaptureError(file, parser.summary.bytes, `gzip data ends early: ${cut}`, 'gzip'), parser.summary);
  }
  const summary = parser.end();
  if (cut !== null) {
    summary.truncated = true;
    summary.warnings.push({ offset: summary.bytes, message: `gzip data ends early (${cut}): capture cut short` });
  }
  return summary;
}

/** Reads the rest of a file as fresh buffers (zlib keeps its input after write returns). */
async function* rawFileChunks(readAt: ReadAt, first: Buffer, size: number, opts: ReadOptions): AsyncGenerator<Buffer> {
  yield first;
  let read = first.length;
  for (;;) {
    if (opts.stop?.aborted) return;
    const buf = Buffer.allocUnsafe(READ_CHUNK);
    const n = await readAt(buf, 0, READ_CHUNK, read);
    if (n === 0) return;
    read += n;
    opts.onProgress?.(read, size);
    yield buf.subarray(0, n);
  }
}

async function readChunk(fd: fs.promises.FileHandle, file: string, buf: Buffer, at: number, len: number, pos: number): Promise<number> {
  try {
    const { bytesRead } = await fd.read(buf, at, len, pos);
    return bytesRead;
  } catch (e) {
    throw new CaptureError(file, pos, `read failed: ${errText(e)}`, 'read-failed');
  }
}

function withSummary(e: CaptureError, s: CaptureSummary): CaptureError {
  e.summary = s;
  return e;
}

function errText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
