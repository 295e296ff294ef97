// Words and lines: plurals, clipping a string to a width or in its middle, greedy wrapping,
// the nearest spelling of a word. Widths are terminal columns: SGR colour codes take none, East
// Asian wide characters two (string-width), everything else one; wire strings reach these
// functions already escaped (escapeWire), so they hold no control characters but the SGR codes a
// Styler added.

import stringWidth from 'string-width';
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

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[\d;]*m/g;
const PLAIN = /^[\x20-\x7e]*$/;

/** A space wrap() never breaks at ("frame 14" stays on one line); wrap() prints it as a space. */
export const GLUE = '\ue000';
const GLUES = /\ue000/g;

/** `s` with its first space made one that wrap() does not break at. */
export const glueFirst = (s: string): string => s.replace(' ', GLUE);

/** Characters beyond printable ASCII that the reports print (box drawing, dashes, arrows, the
 *  ellipsis, GLUE): one column each, each its own grapheme, as string-width says (a test checks
 *  every one). */
const NARROW = new Set([...'│─┌┐└┘┬┴├┤┼┆–—…→←×§µ≤≥≈≠’', GLUE].map((c) => c.charCodeAt(0)));

/** Columns of `s` when it holds only printable ASCII, SGR codes of at most five parameters (they
 *  take none) and NARROW characters; -1 when it holds anything else. One pass over the string,
 *  no regular expression: nearly every string a report measures is of this kind. */
export function narrowWidth(s: string): number {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x20 && c <= 0x7e) n++;
    else if (c === 0x1b) {
      // ESC [ digits and up to five ';' m — what both SGR patterns (here and cli-table3's) match
      if (s.charCodeAt(i + 1) !== 0x5b) return -1;
      let j = i + 2;
      let semis = 0;
      for (let d = s.charCodeAt(j); (d >= 0x30 && d <= 0x39) || d === 0x3b; d = s.charCodeAt(++j)) if (d === 0x3b) semis++;
      if (s.charCodeAt(j) !== 0x6d || semis > 5) return -1;
      i = j;
    } else if (NARROW.has(c)) n++;
    else return -1;
  }
  return n;
}

/** Columns `s` takes on a terminal. */
export function visibleWidth(s: string): number {
  const n = narrowWidth(s);
  if (n >= 0) return n;
  return stringWidth(s.replace(SGR, '').replace(GLUES, ' '));
}

/** `s` cut to `n` columns, the last one an ellipsis when cut (plain text: no SGR codes). */
export function clip(s: string, n: number): string {
  if (n <= 0) return '';
  if (visibleWidth(s) <= n) return s;
  return sliceColumns(s, n - 1) + '…';
}

/** `s` cut to `n` columns in the middle: its first two thirds and last third around an
 *  ellipsis (a path keeps its file name). Plain text. */
export function clipMiddle(s: string, n: number): string {
  if (visibleWidth(s) <= n) return s;
  if (n <= 1) return n === 1 ? '…' : '';
  const tail = Math.floor((n - 1) / 3);
  const chars = [...s];
  let end = '';
  let w = 0;
  for (let i = chars.length - 1; i >= 0; i--) {
    const cw = charWidth(chars[i]!);
    if (w + cw > tail) break;
    end = chars[i]! + end;
    w += cw;
  }
  return sliceColumns(s, n - 1 - w) + '…' + end;
}

function charWidth(ch: string): number {
  return ch.length === 1 && ((ch >= ' ' && ch <= '~') || NARROW.has(ch.charCodeAt(0))) ? 1 : stringWidth(ch);
}

/** The first `n` columns of `s`, SGR codes kept (and not counted). */
export function sliceColumns(s: string, n: number): string {
  if (PLAIN.test(s)) return s.slice(0, Math.max(0, n));
  let out = '';
  let w = 0;
  for (let i = 0; i < s.length; ) {
    if (s[i] === '\u001b') {
      const m = /^\u001b\[[\d;]*m/.exec(s.slice(i));
      if (m) {
        out += m[0];
        i += m[0].length;
        continue;
      }
    }
    const cp = s.codePointAt(i)!;
    const ch = String.fromCodePoint(cp);
    const cw = charWidth(ch);
    if (w + cw > n) break;
    out += ch;
    w += cw;
    i += ch.length;
  }
  return out;
}

/**
 * Greedy word wrap: every line starts with `indent` (the first with `firstIndent`) and is at
 * most `width` columns, SGR codes not counted. A word longer than a whole line (a path has no
 * spaces, and how long it is depends on where the user keeps the file) is cut, after a '/'
 * where one falls in the second half of the room, so that no line ever exceeds `width`.
 */
export function wrap(text: string, width: number, indent: string, firstIndent = indent): string {
  const whole = firstIndent + text;
  const newline = text.indexOf('\n') >= 0;
  if (!newline && visibleWidth(whole) <= width) return unglue(whole);
  let out = ''; // the lines done, each followed by '\n'
  let line = firstIndent;
  let lineW = visibleWidth(firstIndent);
  const indentW = visibleWidth(indent);
  let empty = true;
  const flat = newline ? text.replace(/\n/g, ' ') : text;
  const n = flat.length;
  // each word with the spaces before it (at least one counts between two words); the spaces
  // between two words are kept when they stay on one line ("title  [frames 3]"). A scan, not a
  // regular expression: a session block wraps several lines per session.
  for (let i = 0; i < n; ) {
    let j = i;
    while (j < n && flat.charCodeAt(j) === 0x20) j++;
    if (j === n) break;
    let k = j + 1;
    while (k < n && flat.charCodeAt(k) !== 0x20) k++;
    const gap = j === i ? 1 : j - i;
    let word = flat.slice(j, k);
    i = k;
    let wordW = visibleWidth(word);
    for (;;) {
      const lead = empty ? 0 : gap;
      if (lineW + lead + wordW <= width) {
        line += lead === 1 ? ' ' + word : ' '.repeat(lead) + word;
        lineW += lead + wordW;
        empty = false;
        break;
      }
      const room = width - lineW - lead;
      // a word that fits no line whole is cut here when a useful piece fits, else on a new line
      const cutHere = empty ? room >= 1 : indentW + wordW > width && room >= 8;
      if (!cutHere) {
        if (empty) {
          // not even one column left after the indent: the word takes the line as it is
          line += word;
          lineW += wordW;
          empty = false;
          break;
        }
        out += line + '\n';
        line = indent;
        lineW = indentW;
        empty = true;
        continue;
      }
      const plainWord = word.replace(SGR, '');
      const slash = plainWord.lastIndexOf('/', room - 1);
      const cut = slash >= room / 2 && PLAIN.test(plainWord) ? slash + 1 : room;
      const head = sliceColumns(word, cut);
      const rest = word.slice(head.length);
      const restW = visibleWidth(rest);
      // a colour's closing code, if the cut fell before it, ends the cut line
      out += line + ' '.repeat(lead) + head + (restW === 0 ? rest : '') + '\n';
      line = indent;
      lineW = indentW;
      empty = true;
      if (restW === 0) break;
      word = rest;
      wordW = restW;
    }
  }
  if (!empty || out === '') out += line;
  else out = out.slice(0, -1);
  return unglue(out);
}

/** `s` with its GLUEs printed as spaces. */
const unglue = (s: string): string => (s.indexOf(GLUE) < 0 ? s : s.replace(GLUES, ' '));

/** Characters of one string a sentence shows; a longer one (a 7,000-character file name) keeps
 *  its start and end around an ellipsis. The full value stays in the facts and the JSON report. */
export const PROSE_MAX = 100;

// "reports/2024/…/q4-final.csv"
/** A wire string inside a sentence: clipped in the middle to `max` columns (clipMiddle). */
export const clipProse = (s: string, max = PROSE_MAX): string => clipMiddle(s, max);

/** Edit distance between two words (insertions, deletions, substitutions and swaps of two
 *  neighbours each cost 1): how far a typo is from what was meant. */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => [i, ...new Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[a.length]![b.length]!;
}

/** The candidate nearest to `word` (a typo's likely meaning), or null when none is near: within
 *  one edit for words of up to 4 characters (`fish` is two from `bash`, and means no shell of
 *  ours), two up to 6, three from 7, or one that `word` begins or ends (`json`: ndjson). */
export function nearest(word: string, candidates: Iterable<string>): string | null {
  const w = word.toLowerCase();
  let best: string | null = null;
  let bestD = Infinity;
  for (const c of candidates) {
    const lc = c.toLowerCase();
    let dist = editDistance(w, lc);
    if (w.length >= 2 && (lc.startsWith(w) || lc.endsWith(w))) dist = Math.min(dist, 1.5);
    if (dist < bestD) {
      best = c;
      bestD = dist;
    }
  }
  const limit = w.length >= 7 ? 3 : w.length >= 5 ? 2 : 1.5;
  return best !== null && bestD <= limit && bestD < Math.max(w.length, 1) ? best : null;
}

/** `a`, `a or b`, `a, b or c`. */
export function orList(items: readonly string[]): string {
  return items.length <= 1 ? (items[0] ?? '') : `${items.slice(0, -1).join(', ')} or ${items[items.length - 1]}`;
}
