// Widths and column fitting for every text output (the report, log, ladder, compare, regress,
// codes, rules, live, the progress line): the width an output is laid out in, lines wrapped to it
// and table columns fitted to it, so that every command fits the same width the same way. Words
// and lines themselves (wrap, clip, plural, frame lists) are src/format's, the one leaf that
// formats; this module only decides widths.

import { visibleWidth, wrap } from '../format/words.ts';

/** Width of output that is not a terminal (a pipe, a file): `--width` overrides. */
export const PIPE_WIDTH = 100;
/** The narrowest width any output is laid out for (a narrower terminal gets 80 columns). */
export const MIN_WIDTH = 80;
/** The widest `--width` taken: beyond it nobody reads a line. */
export const MAX_WIDTH = 1000;

/** A line already laid out (its leading spaces are its indent) wrapped to `width`: the lines it
 *  continues on are indented `hang` more. Lines that fit are returned as they are. */
export function wrapLine(line: string, width: number, hang = 4): string {
  if (visibleWidth(line) <= width) return line;
  const lead = /^ */.exec(line)![0];
  return wrap(line.slice(lead.length), width, lead + ' '.repeat(hang), lead);
}

/** wrapLine on every line of a text. */
export function fitLines(text: string, width: number, hang = 4): string {
  return text
    .split('\n')
    .map((l) => wrapLine(l, width, hang))
    .join('\n');
}

/**
 * Column widths that fit `total` columns: `widths` are what each column wants, `shrink` the
 * columns that may be narrowed (most willing first) and how far. Returns the widths, or null
 * when even the narrowest layout does not fit (the caller then draws a list).
 */
export function fitColumns(widths: readonly number[], overhead: number, total: number, shrink: ReadonlyArray<readonly [col: number, min: number]>): number[] | null {
  const out = [...widths];
  let over = out.reduce((a, b) => a + b, 0) + overhead - total;
  for (const [col, min] of shrink) {
    if (over <= 0) break;
    const cut = Math.min(over, Math.max(0, out[col]! - min));
    out[col] = out[col]! - cut;
    over -= cut;
  }
  return over <= 0 ? out : null;
}

/** A terminal width as given by `--width` (already checked) or the terminal: never below
 *  MIN_WIDTH; PIPE_WIDTH when output is not a terminal. */
export function outputWidth(given: number | undefined, isTTY: boolean, columns: number | undefined): number {
  if (given !== undefined) return given;
  if (isTTY && columns !== undefined && columns > 0) return Math.max(MIN_WIDTH, columns);
  return PIPE_WIDTH;
}

