// Small byte copies. Buffer.copy validates its arguments and makes a Uint8Array view of the
// source range before it copies: ~150 ns a call whatever the length, more than a plain loop costs
// for the few dozen bytes of a control line or a command segment.

/** Lengths up to this are copied byte by byte; longer ones by Buffer.copy. */
const LOOP_MAX = 32;

/** Copies src[from, from + n) to dst at `at`. */
export function copyBytes(src: Buffer, from: number, dst: Buffer, at: number, n: number): void {
  if (n > LOOP_MAX) {
    src.copy(dst, at, from, from + n);
    return;
  }
  for (let k = 0; k < n; k++) dst[at + k] = src[from + k]!;
}
