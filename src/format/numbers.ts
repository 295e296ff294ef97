// Numbers as people read them: sizes and rates in SI units with one rounding rule (three
// significant digits: 1.46 MB, 14.6 MB, 146 MB, as `ls -h` and link speeds), durations, digit
// groups, percentages.

/** 1234567 → '1,234,567'. */
export const groupDigits = (n: number): string => n.toLocaleString('en-US');

const PREFIXES = ['', 'k', 'M', 'G', 'T'];

/** `n` in SI units of `unit` ('B'): '999 B', '1.50 kB', '14.6 MB', '146 GB'. */
export function siText(n: number, unit: string): string {
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < PREFIXES.length - 1) {
    v /= 1000;
    i++;
  }
  const a = Math.abs(v);
  const digits = i === 0 || a >= 100 ? 0 : a >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${PREFIXES[i]}${unit}`;
}

/** A size in short form: '999 B', '1.50 kB'. */
export function sizeText(bytes: number): string {
  return siText(bytes, 'B');
}

/** A size in a sentence, exact too: '999 bytes', '1.46 MB (1461302 bytes)'; 'unknown' for NaN. */
export function bytesText(n: number): string {
  if (!Number.isFinite(n)) return 'unknown';
  if (Math.abs(n) < 1000) return `${n} byte${n === 1 ? '' : 's'}`;
  return `${siText(n, 'B')} (${n} bytes)`;
}

/** A rate: '250 kB/s'; 'unknown' without one. */
export function rateText(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null || !Number.isFinite(bytesPerSecond)) return 'unknown';
  return `${siText(bytesPerSecond, 'B')}/s`;
}

/** Seconds in a sentence: '0.250 s', '12.5 s', '46 µs'; 'unknown' without one. */
export function secondsText(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return 'unknown';
  // below half a millisecond "0.000 s" says nothing: microseconds (or nanoseconds below one)
  const a = Math.abs(s);
  if (a > 0 && a < 0.0005) return a < 1e-6 ? `${Math.round(s * 1e9)} ns` : `${Math.round(s * 1e6)} µs`;
  return a < 10 ? `${s.toFixed(3)} s` : `${s.toFixed(1)} s`;
}

/** `part` of `whole` in per cent: '4.2%', '42%'; '0%' of nothing. */
export function percentText(part: number, whole: number): string {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole === 0) return '0%';
  const p = (part / whole) * 100;
  return `${p < 10 ? p.toFixed(1) : p.toFixed(0)}%`;
}
