// Which byte ranges of a rebuilt file the capture supplied: disjoint [start, end) ranges, kept in
// order and merged when they touch. Adding a range reports only its new parts, so a
// retransmission never overwrites bytes already written (the first copy wins, as in a receiver's
// reassembly) and the file's hash can be taken in order. In-order data extends the last range in
// O(1); a snaplen-cut capture leaves one range per segment, hence the bound.

/** Ranges kept per file before it stops telling old bytes from new (`saturated`). */
export const MAX_RANGES = 100_000;

export class ByteRanges {
  private starts: number[] = [];
  private ends: number[] = [];
  /** More than `max` disjoint ranges were added: from then on every range counts as new and
   *  the list only grows its last range (holes past that point are not listed). */
  saturated = false;

  constructor(private readonly max = MAX_RANGES) {}

  get count(): number {
    return this.starts.length;
  }

  /** End of the highest range, 0 when empty. */
  get end(): number {
    return this.ends.length ? this.ends[this.ends.length - 1]! : 0;
  }

  /** Bytes covered. */
  get covered(): number {
    let n = 0;
    for (let i = 0; i < this.starts.length; i++) n += this.ends[i]! - this.starts[i]!;
    return n;
  }

  /** Marks [start, end) covered and calls `fresh(s, e)` for each part that was not (ascending). */
  add(start: number, end: number, fresh?: (s: number, e: number) => void): void {
    if (end <= start) return;
    const S = this.starts;
    const E = this.ends;
    const n = S.length;
    // the common case: at or past the end of the last range
    if (n === 0 || start >= E[n - 1]!) {
      fresh?.(start, end);
      if (n > 0 && start === E[n - 1]!) E[n - 1] = end;
      else this.push(start, end);
      return;
    }
    if (this.saturated) {
      fresh?.(start, end);
      if (end > E[n - 1]!) E[n - 1] = end;
      return;
    }
    // the first range that ends at or after `start` (one ending exactly there is merged)
    const i = this.firstEndingAfter(start - 1);
    let pos = start;
    let newStart = start;
    let newEnd = end;
    let j = i; // ranges [i, j) are merged into the new one
    while (j < n && S[j]! <= end) {
      if (S[j]! > pos) fresh?.(pos, S[j]!);
      if (E[j]! > pos) pos = E[j]!;
      if (S[j]! < newStart) newStart = S[j]!;
      if (E[j]! > newEnd) newEnd = E[j]!;
      j++;
    }
    if (pos < end) fresh?.(pos, end);
    S.splice(i, j - i, newStart);
    E.splice(i, j - i, newEnd);
    if (S.length > this.max) this.saturated = true;
  }

  /** Whether any part of [start, end) is covered. */
  overlaps(start: number, end: number): boolean {
    const i = this.firstEndingAfter(start);
    return i < this.starts.length && this.starts[i]! < end;
  }

  /** Index of the first range whose end is past `at` (binary search). */
  private firstEndingAfter(at: number): number {
    let lo = 0;
    let hi = this.ends.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.ends[mid]! <= at) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The uncovered ranges within [0, limit), at most `max` of them, and how many there are. */
  gaps(limit: number, max: number): { ranges: Array<[number, number]>; count: number; bytes: number } {
    const ranges: Array<[number, number]> = [];
    let count = 0;
    let bytes = 0;
    let pos = 0;
    const take = (s: number, e: number) => {
      if (e <= s) return;
      count++;
      bytes += e - s;
      if (ranges.length < max) ranges.push([s, e]);
    };
    for (let i = 0; i < this.starts.length && pos < limit; i++) {
      take(pos, Math.min(this.starts[i]!, limit));
      pos = Math.max(pos, this.ends[i]!);
    }
    take(pos, limit);
    return { ranges, count, bytes };
  }

  private push(start: number, end: number): void {
    if (this.starts.length >= this.max) {
      this.saturated = true;
      // keep the bound: the new range joins the last one (the bytes between are then not known
      // to be missing, which `saturated` says)
      this.ends[this.ends.length - 1] = end;
      return;
    }
    this.starts.push(start);
    this.ends.push(end);
  }
}
