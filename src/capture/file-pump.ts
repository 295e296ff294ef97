// The fast path for plain capture files: fs reads into two reused buffers, the next read in
// flight while the current buffer is parsed in place (the reader never waits for the disk when
// the data is in the page cache). Each buffer is [headroom | 1 MiB read area]: the unparsed tail
// of one buffer is copied into the headroom of the other, just in front of its fresh data.
import type { FileHandle } from 'node:fs/promises';
import type { CaptureSummary } from './frame.ts';
import type { CaptureStreamParser } from './stream-parser.ts';
import { chunkPair, giveBackChunkPair, takeChunkPair } from './wasm-chunks.ts';

export const READ_CHUNK = 1 << 20; // bytes per read

/** Headroom for the tail, bytes: any classic pcap record (<= 256 KiB + 16) fits without growing;
 *  larger records grow it as their bytes arrive (up to the record's size, bounded by limits.ts). */
const INITIAL_HEADROOM = 512 * 1024;

export type ReadAt = (buf: Buffer, at: number, len: number, fileOffset: number) => Promise<number>;

/** Parses the file from `first` (already read: `firstLen` bytes at `first[0..)`) to its end, or
 *  until `stop` is aborted (checked after each read: the summary then ends there, with the abort
 *  reason). onRead(total bytes read so far) after each read. */
export async function pumpFile(
  read: ReadAt,
  parser: CaptureStreamParser,
  first: Buffer,
  firstLen: number,
  onRead: (bytesRead: number) => void,
  stop?: AbortSignal,
): Promise<CaptureSummary> {
  // in WebAssembly memory: the repeat key reads the frames there (wasm-chunks.ts)
  const pair = takeChunkPair(INITIAL_HEADROOM + READ_CHUNK);
  try {
    return await pumpChunks(read, parser, first, firstLen, onRead, stop, pair);
  } finally {
    // no read is in flight at any return or throw of pumpChunks
    giveBackChunkPair(pair);
  }
}

async function pumpChunks(
  read: ReadAt,
  parser: CaptureStreamParser,
  first: Buffer,
  firstLen: number,
  onRead: (bytesRead: number) => void,
  stop: AbortSignal | undefined,
  pair: [Buffer, Buffer],
): Promise<CaptureSummary> {
  let room = INITIAL_HEADROOM;
  let [cur, other] = pair;
  first.copy(cur, room, 0, firstLen);
  let fileOffset = firstLen; // bytes read from the file
  let tailLen = 0; //           unparsed bytes just before `room` in cur
  let n = firstLen; //          fresh bytes at cur[room..)
  while (n > 0) {
    const next = read(other, room, READ_CHUNK, fileOffset); // in flight while we parse
    const end = room + n;
    let p: number;
    try {
      p = parser.feed(cur, room - tailLen, end);
    } catch (e) {
      await next.catch(() => {}); // let the read in flight finish before the caller closes the file
      throw e;
    }
    tailLen = end - p;
    const got = await next;
    if (stop?.aborted) return parser.interrupt(String(stop.reason));
    fileOffset += got;
    onRead(fileOffset);
    // At the end of the file the tail is a cut record: nothing is grown for it. Growing to
    // parser.need here sized buffers by the record's length field, not by the file: a 100-byte
    // file claiming a 200 MiB record allocated 2 x 201 MiB (fuzzer finding, see
    // test/fuzz/memory-bounds.test.ts).
    if (got === 0) return parser.end(cur.subarray(p, end));
    if (tailLen > room) {
      // a record too big for the headroom: regrow both buffers to twice the tail (at most the
      // record's length), so memory follows the bytes actually read and a record of n bytes
      // costs O(log n) regrowths
      const bigger = Math.max(tailLen, Math.min(parser.need, 2 * tailLen));
      const [grown, spare] = chunkPair(bigger + READ_CHUNK);
      cur.copy(grown, bigger - tailLen, p, end);
      other.copy(grown, bigger, room, room + got);
      room = bigger;
      cur = grown;
      other = spare;
    } else {
      cur.copy(other, room - tailLen, p, end);
      [cur, other] = [other, cur];
    }
    n = got;
  }
  return parser.end(cur.subarray(room - tailLen, room));
}
