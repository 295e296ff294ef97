// Words and lines: plurals, clipping a string to a width or in its middle, greedy wrapping.

/** English plural of a unit noun: segment → segments, reply → replies, ACK stays upper-case. */
export function pluralOf(word: string): string {
  if (/[^aeiou]y$/i.test(word)) return word.slice(0, -1) + 'ies';
  if (/(s|x|z|ch|sh)$/i.test(word)) return word + 'es';
  return word + 's';
}

/** '1 frame', '3 frames', '1,204 frames' (`group`: digits grouped). */
export function plural(n: number, word: string, many = pluralOf(word), group = false): string {
  return `${group ? n.toLocaleString('en-US') : n} ${n === 1 ? word : many}`;
}

/** `s` cut to `n` characters (UTF-16 units), the last one an ellipsis when cut; '' for n ≤ 0. */
export function clip(s: string, n: number): string {
  if (n <= 0) return '';
  return s.length > n ? s.slice(0, Math.max(0, n - 1)) + '…' : s;
}

/** Characters of one string a sentence shows; a longer one (a 7,000-character file name) keeps
 *  its start and end around an ellipsis. The full value stays in the facts and the JSON report. */
export const PROSE_MAX = 100;

// "reports/2024/…/q4-final.csv"
/** `s` clipped to `max` characters in the middle: its first two thirds and last third kept. */
export function clipProse(s: string, max = PROSE_MAX): string {
  if (s.length <= max) return s;
  const tail = Math.floor((max - 1) / 3);
  return `${s.slice(0, max - 1 - tail)}…${s.slice(s.length - tail)}`;
}

/**
 * Greedy wrap of plain (unstyled, escaped) text, every line after the first prefixed by
 * `indent`, the first by `first`. A word longer than a whole line (a file path has no spaces,
 * and its length depends on where the user keeps the trace) is cut, after a '/' where one falls
 * in the line, so that no line ever exceeds `width`.
 */
export function wrap(text: string, width: number, indent: string, first = indent): string {
  const lines: string[] = [];
  let line = first;
  let empty = true;
  for (let word of text.split(' ')) {
    for (;;) {
      const lead = empty ? '' : ' ';
      if (line.length + lead.length + word.length <= width) {
        line += lead + word;
        empty = false;
        break;
      }
      const room = width - line.length - lead.length;
      // a word that fits no line whole is cut here when a useful piece fits, else on a new line
      const cutHere = empty ? room >= 1 : indent.length + word.length > width && room >= 8;
      if (!cutHere) {
        if (empty) {
          line += word;
          empty = false;
          break;
        }
        lines.push(line);
        line = indent;
        empty = true;
        continue;
      }
      const slash = word.lastIndexOf('/', room - 1);
      const cut = slash >= room / 2 ? slash + 1 : room;
      lines.push(line + lead + word.slice(0, cut));
      word = word.slice(cut);
      line = indent;
      empty = true;
    }
  }
  lines.push(line);
  return lines.join('\n');
}
