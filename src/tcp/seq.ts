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

/**
 * One side's relative sequence numbers, as Wireshark numbers them (tcp.seq / tcp.ack with
 * "relative sequence numbers" on): the base is the side's ISN when its SYN was seen (the SYN is 0,
 * the first data byte 1), otherwise the first sequence number seen minus one (an ACK seen before
 * the side sent anything fixes it at ack − 1 the same way). `relative()` is Wireshark's number:
 * (seq − base) mod 2^32, so past 4 GiB it starts again from 0, as tshark prints it.
 * `offset()` keeps counting instead (each value placed nearest to the previous one), for
 * pictures of a transfer longer than 4 GiB.
 */
export class RelativeSeq {
  base: number | null = null; //  absolute uint32 base, null until known
  private lastAbs = 0; //         last absolute value converted
  private lastOffset = 0; //      its unwrapped relative value (bytes, may exceed 2^32)

  constructor(isn: number | null = null) {
    if (isn !== null) this.setBase(isn);
  }

  setBase(abs: number): void {
    this.base = abs >>> 0;
    this.lastAbs = this.base;
    this.lastOffset = 0;
  }

  /** Wireshark's relative number of `abs` (a base of abs − 1 is taken when none is known yet). */
  relative(abs: number): number {
    if (this.base === null) this.setBase((abs - 1) >>> 0);
    return ((abs >>> 0) - this.base!) >>> 0;
  }

  /** The same number unwrapped past 2^32, nearest to the previous value converted. */
  offset(abs: number): number {
    if (this.base === null) this.setBase((abs - 1) >>> 0);
    this.lastOffset += ((abs >>> 0) - this.lastAbs) | 0;
    this.lastAbs = abs >>> 0;
    return this.lastOffset;
  }
}
