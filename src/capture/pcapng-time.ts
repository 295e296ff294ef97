// pcapng timestamp units (if_tsresol, if_tsoffset): https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html#section-4.2
// A packet timestamp is a 64-bit count of units since 1970 (+ if_tsoffset seconds), where the unit
// is 10^-n s, or 2^-n s when the if_tsresol byte has its top bit set.

/** Default if_tsresol when the option is absent: 6 = microseconds. */
export const TSRESOL_DEFAULT = 6;

/** The if_tsresol byte decoded. */
export interface TsUnit {
  resol: number; //       the if_tsresol byte as found
  binary: boolean; //     true: unit is 2^-exp s; false: 10^-exp s
  exp: number; //         exponent, 0..127
  perSecond: bigint; //   units per second
}

export function decodeTsresol(byte: number): TsUnit {
  const binary = (byte & 0x80) !== 0;
  const exp = byte & 0x7f;
  return { resol: byte, binary, exp, perSecond: binary ? 1n << BigInt(exp) : 10n ** BigInt(exp) };
}

/** Absolute time → 64-bit unit count for a writer. Floors to the unit, like a capture clock
 *  that ticks in whole units. tsoffset in seconds. */
export function timeToUnits(tsSec: number, tsNsec: number, unit: TsUnit, tsoffset: number): bigint {
  const whole = BigInt(tsSec - tsoffset) * unit.perSecond;
  const units = whole + (BigInt(tsNsec) * unit.perSecond) / 1_000_000_000n;
  if (units < 0n || units >= 1n << 64n) {
    throw new RangeError(`time ${tsSec}.${tsNsec} s does not fit in 64 bits of 1/${unit.perSecond} s units`);
  }
  return units;
}

/** Unit count → seconds/nanoseconds, exact (BigInt; readers use it off the fast path only).
 *  The sub-second part is truncated to the nanosecond, like Wireshark's wiretap
 *  (nsecs = (ts % units) * 1e9 / units in integer arithmetic). */
export function unitsToTimeBig(units: bigint, unit: TsUnit, tsoffset: number, out: { sec: number; nsec: number }): void {
  const sec = units / unit.perSecond;
  const rem = units - sec * unit.perSecond;
  out.sec = Number(sec) + tsoffset;
  out.nsec = Number((rem * 1_000_000_000n) / unit.perSecond);
}
