// The operation log for people: an aligned, border-less table (like ps(1)), one line per
// operation, with a caption giving the count and the time zone. Colour only when asked.

import Table from 'cli-table3';
import { Styler } from '../style.ts';
import { escapeWire } from '../escape.ts';
import { cellWidth } from '../text-table.ts';
import { endpoint } from '../text-blocks.ts';
import { clip } from '../../format/words.ts';
import type { Operation } from './operations.ts';
import { codeText, humanDuration, replyLine, targetText } from './fields.ts';
import { rateText } from '../../format/numbers.ts';
import { byteText } from '../../view/unit.ts';
import { dayAndClock, zoneLabel, type TimeZoneChoice } from './times.ts';

export interface TableOptions {
  tz: TimeZoneChoice;
  color: boolean;
  width?: number; // terminal width: the path and reply columns are clipped to fit (default 160)
}

const HEAD = ['Time', 'Proto', 'Client', 'Server', 'User', 'Operation', 'Path', 'Code', 'Reply', 'Bytes', 'Secs', 'Rate', 'Outcome', 'Finding'] as const;
const RIGHT = new Set(['Bytes', 'Secs', 'Rate']);
const PATH = HEAD.indexOf('Path');
const REPLY = HEAD.indexOf('Reply');
const USER = HEAD.indexOf('User');
const OPERATION = HEAD.indexOf('Operation');
const GAP = 2; //        spaces between columns
const MIN_PATH = 16; //  columns never clipped below these widths
const MIN_REPLY = 12;
const MIN_USER = 12;
const MIN_OPERATION = 10;
/** Widest a wire cell is drawn (user, operation; path and reply are also fitted to the width):
 *  a 7,000-character user name padded every row to 14,000 columns. The full values are in the
 *  TSV, CSV and NDJSON formats. */
const MAX_CELL = 64;

function outcomeCell(op: Operation, st: Styler): string {
  const o = op.outcome;
  if (o === 'complete') return st.paint('green', o);
  if (o === 'unknown') return o;
  if (o === 'incomplete' || o === 'unanswered') return st.paint('yellow', o);
  return st.paint('red', o);
}

function findingCell(op: Operation, st: Styler): string {
  return op.finding ? st.severity(op.finding.severity, op.finding.id) : '';
}

/** The table's chars: no borders or rules at all, only the cells' padding between columns. */
const NO_BORDERS = {
  top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
  left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
};
const ALIGNS = HEAD.map((h) => (RIGHT.has(h) ? 'right' : 'left'));
const OUTCOME = HEAD.indexOf('Outcome');
const FINDING = HEAD.indexOf('Finding');

/** The head, and the cli-table3 options the table is drawn with (exported for the test that
 *  checks the drawing below against cli-table3's own). */
export const TABLE_HEAD: readonly string[] = HEAD;
export function tableOptions(color: boolean, colWidths?: number[]): ConstructorParameters<typeof Table>[0] {
  return {
    head: [...HEAD],
    ...(colWidths ? { colWidths } : {}),
    colAligns: [...ALIGNS],
    style: { head: color ? ['bold'] : [], border: [], 'padding-left': 0, 'padding-right': GAP },
    chars: NO_BORDERS,
  };
}

/** The caption, and each operation's cells as drawn: clipped to the width, coloured if asked. */
export function tableCells(ops: readonly Operation[], opts: TableOptions): { caption: string; rows: string[][] } {
  const st = new Styler(opts.color);
  const times = ops.map((op) => dayAndClock(op.time, opts.tz));
  const days = new Set(times.map((t) => t.day));
  const oneDay = days.size === 1;
  // plain cells first (no colour: widths are measured on them)
  const rows = ops.map((op, k) => {
    const { day, clock } = times[k]!;
    return [
      oneDay ? clock : `${day} ${clock}`,
      op.protocol,
      endpoint(op.client.addr, op.client.port),
      endpoint(op.server.addr, op.server.port),
      op.user === null ? '-' : clip(escapeWire(op.user), MAX_CELL),
      clip(escapeWire(op.operation), MAX_CELL), // the verb, from the wire, when --all lists unknown commands
      clip(targetText(op), 2 * MAX_CELL) || '-',
      codeText(op) || '-',
      clip(replyLine(op), 2 * MAX_CELL),
      op.bytes === null ? '' : byteText(op.bytes),
      humanDuration(op.duration),
      typeof op.bytes === 'number' && op.bytes > 0 && op.rate !== null ? rateText(op.rate) : '', // no rate for a transfer that moved nothing
      op.outcome,
      op.finding?.id ?? '',
    ];
  });
  const widths = HEAD.map((h) => h.length);
  for (const r of rows) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, r[i]!.length);
  const width = opts.width ?? 160;
  let over = widths.reduce((a, b) => a + b, 0) + GAP * (HEAD.length - 1) - width;
  for (const [col, min] of [[REPLY, MIN_REPLY], [PATH, MIN_PATH], [USER, MIN_USER], [OPERATION, MIN_OPERATION]] as const) {
    if (over <= 0) break;
    const cut = Math.min(over, Math.max(0, widths[col]! - min));
    widths[col] = widths[col]! - cut;
    over -= cut;
  }
  ops.forEach((op, k) => {
    const r = rows[k]!;
    for (const col of [PATH, REPLY, USER, OPERATION]) r[col] = clip(r[col]!, widths[col]!);
    r[OUTCOME] = outcomeCell(op, st);
    r[FINDING] = findingCell(op, st);
  });
  const first = ops[0]?.time ?? 0;
  const caption = `${ops.length} ${ops.length === 1 ? 'operation' : 'operations'}; times ${zoneLabel(first, opts.tz)}${oneDay ? `, ${[...days][0]}` : ''}`;
  return { caption: st.paint('dim', caption), rows };
}

// A cell drawn as one padded line is drawn by cli-table3 as-is: no line break, and no SGR codes
// but the Styler's around a text (it ends with a reset, so cli-table3 carries no colour over).
const PAINTED = /^\u001b\[[\d;]*m[^\u001b\n]*\u001b\[0m$/;
const plainCell = (c: string) => !c.includes('\n') && (!c.includes('\u001b') || PAINTED.test(c));

// trailing padding of the last column is noise in a terminal and in diffs
const trimEnd = (line: string) => line.replace(/ +$/, '');

/** The table cli-table3 draws from the head and all rows at once, less trailing spaces; but
 *  cli-table3's layout takes time growing with the square of the rows (16k operations: 90 s).
 *  So the columns are measured here as cli-table3 measures them (cellWidth: widest cell, the
 *  head's included), cli-table3 draws the head with those widths (plus the GAP of right padding),
 *  and each row is drawn here as cli-table3 draws it without borders or left padding: each cell
 *  padded with spaces to its column's width (aligned), GAP spaces after it. A row with a cell
 *  that is not plain (plainCell) is left to cli-table3, under the same head, with the same widths. */
function drawTable(rows: readonly string[][], color: boolean): string {
  const cols = HEAD.map((h) => cellWidth(h));
  for (const r of rows) for (let i = 0; i < cols.length; i++) cols[i] = Math.max(cols[i]!, cellWidth(r[i]!));
  const colWidths = cols.map((n) => n + GAP);
  const lines = new Table(tableOptions(color, colWidths)).toString().split('\n').map(trimEnd); // the head
  const gap = ' '.repeat(GAP);
  for (const r of rows) {
    if (!r.every(plainCell)) {
      const t = new Table(tableOptions(color, colWidths));
      t.push([...r]);
      for (const l of t.toString().split('\n').slice(1)) lines.push(trimEnd(l));
      continue;
    }
    let line = '';
    for (let i = 0; i < r.length; i++) {
      const text = r[i]!;
      const pad = ' '.repeat(cols[i]! - cellWidth(text));
      line += (ALIGNS[i] === 'right' ? pad + text : text + pad) + gap;
    }
    lines.push(trimEnd(line));
  }
  return lines.join('\n');
}

export function renderTable(ops: readonly Operation[], opts: TableOptions): string {
  if (ops.length === 0) return 'No FTP operations found.\n';
  const { caption, rows } = tableCells(ops, opts);
  return `${caption}\n${drawTable(rows, opts.color)}\n`;
}
