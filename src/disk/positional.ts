// Positional reads and writes that move every byte asked for: node's readSync/writeSync may move
// fewer than asked (a signal, a pipe-like file, a large request), so a caller that lays records
// at fixed offsets in a temporary file loops until done. The report's spool files
// (src/report/spool.ts) and a long session's block file (src/ftp/block-spool.ts) both do.

import { readSync, writeSync } from 'node:fs';

/** Writes all of `bytes` to `fd` from byte `at`. */
export function writeAll(fd: number, bytes: Uint8Array, at: number): void {
  let done = 0;
  while (done < bytes.length) done += writeSync(fd, bytes, done, bytes.length - done, at + done);
}

/** Fills `into` from `fd` at byte `at`. A file that ends first throws `whenShort`: it is shorter
 *  than the offsets its owner recorded (a bug, or the file was changed under us). */
export function readAll(fd: number, into: Uint8Array, at: number, whenShort: string): void {
  let got = 0;
  while (got < into.length) {
    const n = readSync(fd, into, got, into.length - got, at + got);
    if (n === 0) throw new Error(whenShort);
    got += n;
  }
}
