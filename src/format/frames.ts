// Lists of frame numbers (or ids) as every output shows them: the first MAX_LISTED_FRAMES, then
// how many more.

export const MAX_LISTED_FRAMES = 8;

// 12, 14, 20 … (+31 more)
export function formatFrames(frames: readonly number[]): string {
  return formatFrameList(frames, frames.length);
}

/** formatFrames of a list known by its first entries (at least MAX_LISTED_FRAMES of them, or
 *  all) and its length: what a streamed report keeps instead of the whole list. */
export function formatFrameList(first: readonly number[], total: number): string {
  if (total === 0) return 'none';
  const shown = first.slice(0, MAX_LISTED_FRAMES).join(', ');
  return total > MAX_LISTED_FRAMES ? `${shown} … (+${total - MAX_LISTED_FRAMES} more)` : shown;
}

/** A list of frame numbers or ids as formatFrames shows it, gathered one at a time in bounded
 *  memory: the first entries and the count, with `distinct` only new values count (a bit set). */
export class FrameList {
  readonly first: number[] = [];
  count = 0;
  private seen: Uint8Array | null;

  constructor(distinct = false) {
    this.seen = distinct ? new Uint8Array(64) : null;
  }

  add(n: number): void {
    if (this.seen !== null) {
      if (n >= this.seen.length * 8) {
        const bigger = new Uint8Array(Math.max(this.seen.length * 2, (n >> 3) + 1));
        bigger.set(this.seen);
        this.seen = bigger;
      }
      const bit = 1 << (n & 7);
      if (this.seen[n >> 3]! & bit) return;
      this.seen[n >> 3]! |= bit;
    }
    if (this.first.length < MAX_LISTED_FRAMES) this.first.push(n);
    this.count++;
  }

  toString(): string {
    return formatFrameList(this.first, this.count);
  }
}
