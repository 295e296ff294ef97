// Lists of frame numbers (or ids) as every output shows them: the first MAX_LISTED_FRAMES, then
// how many there were (`… (first 8 of 686 frames)`).

import { plural, pluralOf } from './words.ts';

export const MAX_LISTED_FRAMES = 8;

/**
 * A list known by its first numbers and its count, as every output prints it: `20`,
 * `3, 5, 7`, `3, 5, 7, 9, 11, 13, 15, 17 … (first 8 of 686 frames)` (`noun` plural in the
 * parenthesis). `first` may hold more than are shown; `total` is how many there were in all,
 * which may be more than were kept (a streamed report keeps the first entries and the count).
 */
export function listText(first: readonly number[], total = first.length, noun = 'frame', max = MAX_LISTED_FRAMES): string {
  if (total === 0 || first.length === 0) return 'none';
  const shown = first.slice(0, max);
  const list = shown.join(', ');
  return total > shown.length ? `${list} … (first ${shown.length} of ${plural(total, noun)})` : list;
}

/** `frame 20` / `frames 3, 5, 7` / `frames 3, 5, … (first 8 of 686 frames)`. */
export function framesText(first: readonly number[], total = first.length, noun = 'frame'): string {
  return `${total === 1 ? noun : pluralOf(noun)} ${listText(first, total, noun)}`;
}

/** framesText, or 'no frames' for none: what rule texts say after "(" (framesOf, eventFrames). */
export function framesPhrase(first: readonly number[], total = first.length): string {
  return total === 0 ? 'no frames' : framesText(first, total);
}

/** A list of frame numbers or ids as listText shows it, gathered one at a time in bounded
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
    return listText(this.first, this.count);
  }
}
