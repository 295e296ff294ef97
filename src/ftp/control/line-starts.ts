// Where a control line may start, for the line splitter's resynchronisation after a gap or an
// overlong line: a client line with a known verb, a server line with a reply code.

import { isKnownVerb } from '../commands.ts';

// USER x   PASV   NOOP
/** A client line starts here: a known verb (3–5 letters, any case) then SP (or HT), CR or LF. */
export function clientLineStart(data: Buffer, i: number): boolean {
  let verb = '';
  for (let k = i; k < data.length && k < i + 6; k++) {
    const c = data[k]!;
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) return verb.length >= 3 && isKnownVerb(verb);
    const up = c & 0xdf;
    if (up < 0x41 || up > 0x5a) return false;
    verb += String.fromCharCode(up);
  }
  return false;
}

// 226 Transfer complete   211-Features
/** A server line starts here: three digits, the first 1–6, then SP, '-' or CR. */
export function serverLineStart(data: Buffer, i: number): boolean {
  if (i + 4 > data.length) return false;
  const a = data[i]!;
  if (a < 0x31 || a > 0x36) return false;
  for (let k = 1; k < 3; k++) {
    const c = data[k + i]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  const s = data[i + 3]!;
  return s === 0x20 || s === 0x2d || s === 0x0d;
}
