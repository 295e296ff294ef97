// gzip-compressed captures ("capture.pcap.gz", or piped through gzip), detected by the magic bytes
// 1f 8b rather than by name, and decompressed as a stream so memory stays bounded.
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as zlib from 'node:zlib';

export function isGzip(buf: Buffer, len: number): boolean {
  return len >= 2 && buf[0] === 0x1f && buf[1] === 0x8b;
}

/** Corrupt compressed data (bad header, bad block, CRC mismatch). */
export class GzipDataError extends Error {
  override name = 'GzipDataError';
}

/** Decompresses `raw` (concatenated gzip members are all read, as gunzip does), giving every
 *  decompressed chunk to onChunk. Resolves null at a clean end, or with zlib's reason when the
 *  compressed data stops early (a cut file). Rejects with GzipDataError for corrupt data, and
 *  with whatever `raw` or onChunk throws. */
export async function gunzipChunks(raw: AsyncIterable<Buffer>, onChunk: (chunk: Buffer) => void): Promise<string | null> {
  const gunzip = zlib.createGunzip({ chunkSize: 1 << 20 });
  const piped = pipeline(Readable.from(raw, { objectMode: false }), gunzip);
  piped.catch(() => {}); // its error, if any, also ends the iteration below, which reports it
  try {
    for await (const out of gunzip) onChunk(out as Buffer);
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    if (code === 'Z_BUF_ERROR') return (e as Error).message; // "unexpected end of file"
    if (typeof code === 'string' && code.startsWith('Z_')) throw new GzipDataError((e as Error).message);
    throw e;
  }
  await piped;
  return null;
}
