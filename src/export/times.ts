// Times as the hand-over formats write them. Capture times are seconds since 1970 (float,
// µs-precise: the reader's nanoseconds are rounded to microseconds, as both tools print them).

const p2 = (n: number) => String(n).padStart(2, '0');

/** Whole microseconds since 1970 (the float's µs, rounded). */
const micros = (t: number): number => Math.round(t * 1e6);

// 2009-11-24T21:27:09.534255+0000
/** Suricata's eve timestamp: ISO 8601 with microseconds and a ±hhmm offset (UTC here, as a
 *  capture is read far from where it was taken). */
export function eveTimestamp(t: number): string {
  const us = micros(t);
  const ms = Math.floor(us / 1000);
  const d = new Date(ms);
  const frac = String(us - ms * 1000).padStart(3, '0');
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}T${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}.${String(d.getUTCMilliseconds()).padStart(3, '0')}${frac}+0000`;
}

// 1258531221.486539
/** Zeek's time and interval fields: seconds with six decimals. */
export function zeekTime(t: number): string {
  const us = micros(t);
  const neg = us < 0 ? '-' : '';
  const a = Math.abs(us);
  return `${neg}${Math.floor(a / 1e6)}.${String(a % 1e6).padStart(6, '0')}`;
}

// 2014-05-23-18-02-04
/** The #open and #close lines' wall-clock time (UTC). */
export function zeekStamp(d: Date): string {
  return `${d.getUTCFullYear()}-${p2(d.getUTCMonth() + 1)}-${p2(d.getUTCDate())}-${p2(d.getUTCHours())}-${p2(d.getUTCMinutes())}-${p2(d.getUTCSeconds())}`;
}
