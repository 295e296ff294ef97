// A cli-table3 table printed row by row, for tables of any length: the column widths are measured
// as rows come (the width cli-table3 would pick itself: widest cell plus padding); at the end
// cli-table3 draws the frame once with those widths (top, head, rules, bottom, the border pieces
// of a row), and each row is drawn into that frame: padded cells between the border pieces, as
// cli-table3 draws them. A row with a line break in a cell is drawn by cli-table3 itself. The
// result is the table cli-table3 draws from all rows at once, byte for byte, without holding the
// rows, and ~100× faster than cli-table3's layout, whose cost grows with the square of the rows.

import Table from 'cli-table3';
import stringWidth from 'string-width';
import { fitColumns } from './layout.ts';
import { clip, narrowWidth } from '../format/words.ts';

type Align = 'left' | 'right' | 'center';

export interface StreamedTableOptions {
  head: readonly string[];
  colAligns: readonly Align[];
  style: { head: string[]; border: string[] };
  chars?: Partial<Record<string, string>>;
}

/** cli-table3's default cell padding, left and right. */
const PADDING = 2;
// cli-table3 measures a cell without its SGR colour codes
const SGR = /\u001b\[(?:\d*;){0,5}\d*m/g;

/** A cell's width as cli-table3 measures it (its widest line, without colour codes). */
export function cellWidth(text: string): number {
  // one line of printable ASCII, colour codes and the narrow characters we print (most cells):
  // string-width would say the same, and measuring is per cell
  const narrow = narrowWidth(text);
  if (narrow >= 0) return narrow;
  let max = 0;
  for (const line of text.replace(SGR, '').split('\n')) max = Math.max(max, stringWidth(line));
  return max;
}

/** What cli-table3 draws around the rows, for the measured widths. */
interface Frame {
  top: string; //          top border, head, and the rule under the head if any
  rule: string | null; //  the line between two rows, if the table has one
  borders: string[]; //    the pieces of a row line between cells: left, middles, right
  bottom: string;
}

export class StreamedTable {
  readonly widths: number[];
  /** Columns narrowed by fitTo: their cells are clipped to this many columns when drawn. */
  private readonly clipAt = new Map<number, number>();

  constructor(private readonly opts: StreamedTableOptions) {
    this.widths = opts.head.map((h) => cellWidth(h) + PADDING);
  }

  /** Takes a row's measure (its cells are drawn later, from wherever the caller keeps them). */
  measure(row: readonly string[]): void {
    for (let k = 0; k < row.length; k++) {
      const n = cellWidth(row[k]!) + PADDING;
      if (n > this.widths[k]!) this.widths[k] = n;
    }
  }

  /** Columns the table takes: cells, their padding and one border character each, and one more. */
  get totalWidth(): number {
    return this.widths.reduce((a, b) => a + b, 0) + this.widths.length + 1;
  }

  /** Narrows the columns in `shrink` (most willing first, each no narrower than its `min` columns
   *  of text) until the table fits `total` columns; false, with nothing changed, when it cannot.
   *  Call after every row was measured; the narrowed columns' cells are clipped with '…'. */
  fitTo(total: number, shrink: ReadonlyArray<readonly [col: number, min: number]>): boolean {
    const fitted = fitColumns(this.widths, this.widths.length + 1, total, shrink.map(([c, min]) => [c, min + PADDING] as const));
    if (fitted === null) return false;
    fitted.forEach((n, k) => {
      if (n < this.widths[k]!) {
        this.clipAt.set(k, n - PADDING);
        this.widths[k] = n;
      }
    });
    return true;
  }

  private table(head: boolean): InstanceType<typeof Table> {
    return new Table({
      head: head ? [...this.opts.head] : [],
      colWidths: this.widths,
      colAligns: [...this.opts.colAligns],
      style: this.opts.style,
      ...(this.opts.chars ? { chars: this.opts.chars } : {}),
    });
  }

  private frame(): Frame {
    // head and two rows of empty cells: top, head, [rule], row, [rule], row, bottom
    const t = this.table(true);
    const empty = this.widths.map(() => '');
    t.push([...empty], [...empty]);
    const lines = t.toString().split('\n');
    const n = lines.length;
    const row = lines[n - 2]!;
    const rule = lines[n - 3] === row ? null : lines[n - 3]!;
    return { top: lines.slice(0, rule ? n - 4 : n - 3).join('\n'), rule, borders: row.split(/ +/), bottom: lines[n - 1]! };
  }

  /** A row as cli-table3 draws it: each cell padded to its column and aligned, between borders. */
  private row(cells: readonly string[], f: Frame): string {
    if (cells.some((c) => c.includes('\n'))) {
      const t = this.table(false);
      t.push([...cells]);
      const lines = t.toString().split('\n');
      return lines.slice(1, -1).join('\n');
    }
    let line = f.borders[0]!;
    for (let k = 0; k < this.widths.length; k++) {
      const at = this.clipAt.get(k);
      const text = at === undefined ? (cells[k] ?? '') : clip(cells[k] ?? '', at);
      const room = this.widths[k]! - PADDING;
      const gap = Math.max(0, room - cellWidth(text));
      const align = this.opts.colAligns[k] ?? 'left';
      const padded =
        align === 'right' ? ' '.repeat(gap) + text : align === 'center' ? ' '.repeat(gap - Math.ceil(gap / 2)) + text + ' '.repeat(Math.ceil(gap / 2)) : text + ' '.repeat(gap);
      line += ` ${padded} ${f.borders[k + 1]!}`;
    }
    return line;
  }

  /** The table's text, no trailing newline, in pieces; every row must have been measured. */
  *render(rows: Iterable<readonly string[]>): Generator<string> {
    let f: Frame | null = null;
    let piece: string[] = [];
    for (const r of rows) {
      if (f === null) {
        f = this.frame();
        piece.push(f.top);
      } else if (f.rule !== null) {
        piece.push(f.rule);
      }
      piece.push(this.row(r, f));
      if (piece.length >= 1000) {
        yield piece.join('\n') + '\n';
        piece = [];
      }
    }
    if (f === null) return;
    piece.push(f.bottom);
    yield piece.join('\n');
  }
}
