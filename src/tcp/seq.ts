// Wrap-safe arithmetic on 32-bit TCP sequence numbers (RFC 9293 §3.4: comparisons are modulo
// 2^32, so "a before b" means the signed distance from b to a is negative).

/** Signed distance a − b in sequence space, in −2^31 … 2^31 − 1. */
export function seqDiff(a: number, b: number): number {
  return (a - b) | 0;
}

/** a + n as a uint32 sequence number. */
export function seqAdd(a: number, n: number): number {
  return (a + n) >>> 0;
}

export function seqLt(a: number, b: number): boolean {
  return ((a - b) | 0) < 0;
}

export function seqLe(a: number, b: number): boolean {
  return ((a - b) | 0) <= 0;
}

export function seqGt(a: number, b: number): boolean {
  return ((a - b) | 0) > 0;
}

export function seqGe(a: number, b: number): boolean {
  return ((a - b) | 0) >= 0;
}

/** Unwraps `seq` to a stream offset near a known point: `refOffset` is the offset of sequence
 *  number `refSeq`. Works for streams longer than 4 GiB as long as `seq` is within 2 GiB of the
 *  reference (the reference is the highest point seen, so that holds for real traffic). */
export function unwrap(seq: number, refSeq: number, refOffset: number): number {
  return refOffset + ((seq - refSeq) | 0);
}
