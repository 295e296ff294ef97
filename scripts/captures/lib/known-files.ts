// File contents the recorder and its namespace clients can both make from a few words, so a
// trace's truth file can state what crossed the wire by hash alone.

import { createCipheriv, createHash } from 'node:crypto';

/** `size` pseudo-random bytes from `seed`: AES-128-CTR over zeros, keyed by SHA-256(seed). The
 *  same on every machine; no byte pattern repeats, so a byte written at the wrong offset shows. */
export function seededBytes(size: number, seed: string): Buffer {
  const key = createHash('sha256').update(seed).digest();
  const c = createCipheriv('aes-128-ctr', key.subarray(0, 16), key.subarray(16, 32));
  return Buffer.concat([c.update(Buffer.alloc(size)), c.final()]);
}

/** `lines` numbered text lines ending in LF, or CRLF (network ASCII, as TYPE A sends text). */
export function textLines(lines: number, crlf: boolean): Buffer {
  const eol = crlf ? '\r\n' : '\n';
  let s = '';
  for (let i = 1; i <= lines; i++) s += `line ${String(i).padStart(5, '0')}: the quick brown fox jumps over the lazy dog${eol}`;
  return Buffer.from(s, 'latin1');
}
