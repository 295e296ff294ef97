// The operation log for people: an aligned, border-less table (like ps(1)), one line per
// operation, with a caption giving the count and the time zone. Colour only when asked.

import Table from 'cli-table3';
import { Styler } from '../style.ts';
import { escapeWire } from '../escape.ts';
import { cellWidth } from '../text-table.ts';
import { endpoint } from '../text-blocks.ts';
import { clip, wrap } from '../../format/words.ts';
import type { Operation } from './operations.ts';
import { codeText, humanDuration, replyLine, targetText } from './fields.ts';
import { rateText } from '../../format/numbers.ts';
import { byteText } from '../../view/unit.ts';
import { dayAndClock, zoneLabel, type TimeZoneChoice } from './times.ts';

export interface TableOptions {
  tz: TimeZoneChoice;
  color: boolean;
  width?: number; // columns the table fits (layout.ts outputWidth; default 160): tableCells
}

const HEAD = ['Time', 'Proto', 'Client', 'Server', 'User', 'Operation', 'Path', 'Code', 'Reply', 'Bytes', 'Secs', 'Rate', 'Outcome', 'Finding'] as const;
const RIGHT = new Set(['Bytes', 'Secs', 'Rate']);
const PATH = HEAD.indexOf('Path');
const REPLY = HEAD.indexOf('Reply');
const USER = HEAD.indexOf('User');
const OPERATION = HEAD.indexOf('Operation');
const PROTO = HEAD.indexOf('Proto');
const CLIENT = HEAD.indexOf('Client');
const SERVER = HEAD.indexOf('Server');
const CODE = HEAD.indexOf('Code');
const SECS = HEAD.indexOf('Secs');
const BYTES = HEAD.indexOf('Bytes');
const RATE = HEAD.indexOf('Rate');
const GAP = 2; //        spaces between columns
const MIN_PATH = 16; //  columns never clipped below these widths
const MIN_REPLY = 12;
const MIN_USER = 12;
const MIN_OPERATION = 10;
const COMFORT = 24; //   path and reply kept this wide by leaving out the rate and duration first
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
const OUTCOME = HEAD.indexOf('Outcome');
const FINDING = HEAD.indexOf('Finding');

/** The head, and the cli-table3 options the table is drawn with (exported for the test that
 *  checks the drawing below against cli-table3's own). */
export const TABLE_HEAD: readonly string[] = HEAD;
export function tableOptions(color: boolean, colWidths?: number[], head: readonly string[] = HEAD): ConstructorParameters<typeof Table>[0] {
  return {
    head: [...head],
    ...(colWidths ? { colWidths } : {}),
    colAligns: head.map((h) => (RIGHT.has(h as (typeof HEAD)[number]) ? 'right' : 'left')),
    style: { head: color ? ['bold'] : [], border: [], 'padding-left': 0, 'padding-right': GAP },
    chars: NO_BORDERS,
  };
}

/** Columns whose value may be the same on every row: then, when the table is too wide, said
 *  once in the caption instead ("by alice from 192.0.2.10:50412 to 192.0.2.20:21 (FTP)"). */
const CONSTANT = [PROTO, USER, CLIENT, SERVER] as const;
/** Columns left out, in this order, when the table is still too wide: the rate and duration
 *  follow from the bytes, the protocol is in the caption or the reply text is the code's. */
const DROPPABLE = [RATE, SECS, PROTO, REPLY] as const;

export interface TableCells {
  caption: string;
  head: string[]; //    the columns kept
  rows: string[][]; //  each operation's cells of those columns, clipped and coloured
}

/** Each operation's plain cells, all columns (no colour: widths are measured on them). */
function plainRows(ops: readonly Operation[], tz: TimeZoneChoice): { rows: string[][]; days: Set<string> } {
  const times = ops.map((op) => dayAndClock(op.time, tz));
  const days = new Set(times.map((t) => t.day));
  const oneDay = days.size === 1;
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
  return { rows, days };
}

function captionText(ops: readonly Operation[], tz: TimeZoneChoice, days: ReadonlySet<string>, constants: ReadonlyMap<number, string>): string {
  const first = ops[0]?.time ?? 0;
  const oneDay = days.size === 1;
  const said: string[] = [];
  const c = (col: number) => constants.get(col);
  if (c(USER) !== undefined && c(USER) !== '-') said.push(`by ${c(USER)}`);
  if (c(CLIENT) !== undefined) said.push(`from ${c(CLIENT)}`);
  if (c(SERVER) !== undefined) said.push(`to ${c(SERVER)}`);
  if (c(PROTO) !== undefined) said.push(`(${c(PROTO)})`);
  return `${ops.length} ${ops.length === 1 ? 'operation' : 'operations'}${said.length ? ' ' + said.join(' ') : ''}; times ${zoneLabel(first, tz)}${oneDay ? `, ${[...days][0]}` : ''}`;
}

/**
 * The caption, the columns kept and each operation's cells, fitted to the width: first the
 * columns with one value on every row go to the caption, then the path, reply, user and
 * operation cells are clipped (never below their minimum), then the rate, duration, protocol
 * and reply text are left out. Null when even that does not fit: renderTable then lists the
 * operations (operationList).
 */
export function tableCells(ops: readonly Operation[], opts: TableOptions): TableCells | null {
  const st = new Styler(opts.color);
  const { rows, days } = plainRows(ops, opts.tz);
  const widths = HEAD.map((h) => h.length);
  for (const r of rows) for (let i = 0; i < widths.length; i++) widths[i] = Math.max(widths[i]!, cellWidth(r[i]!));
  const width = opts.width ?? 160;
  let keep: number[] = HEAD.map((_, i) => i);
  const total = () => keep.reduce((a, i) => a + widths[i]!, 0) + GAP * (keep.length - 1);
  const constants = new Map<number, string>();
  if (total() > width && rows.length > 0) {
    for (const col of CONSTANT) {
      const v = rows[0]![col]!;
      if (rows.every((r) => r[col] === v)) constants.set(col, v);
    }
    keep = keep.filter((i) => !constants.has(i));
    // and a column no operation has a value in (no finding, nothing moved) is only its heading
    const empty = [BYTES, RATE, FINDING].filter((col) => rows.every((r) => r[col] === ''));
    if (total() > width) keep = keep.filter((i) => !empty.includes(i));
  }
  // Columns are left out only as far as needed for the clipped ones to keep a readable width:
  // first with the path and reply kept at COMFORT columns (leaving out the rate and duration
  // rather than cutting the reply to a word: 'OK. Current…' at 100 columns with 6 to spare),
  // then with every clipped column at its minimum, leaving out more.
  const shrinkable = [[REPLY, MIN_REPLY], [PATH, MIN_PATH], [USER, MIN_USER], [OPERATION, MIN_OPERATION]] as const;
  const floorOf = (col: number, min: number) => Math.min(widths[col]!, Math.max(min, HEAD[col]!.length));
  const comfortable = shrinkable.map(([col, min]) => [col, col === REPLY || col === PATH ? Math.max(min, COMFORT) : min] as const);
  const narrowest = (mins: ReadonlyArray<readonly [number, number]>): number => {
    const floor = new Map(mins.map(([c, m]) => [c, floorOf(c, m)] as const));
    return keep.reduce((a, i) => a + (floor.get(i) ?? widths[i]!), 0) + GAP * (keep.length - 1);
  };
  const all = keep;
  let mins: ReadonlyArray<readonly [number, number]> = shrinkable;
  settle: for (const [stage, most] of [[comfortable, 2], [shrinkable, DROPPABLE.length]] as const) {
    for (let n = 0; n <= most; n++) {
      const left: readonly number[] = DROPPABLE.slice(0, n);
      keep = all.filter((i) => !left.includes(i));
      if (narrowest(stage) <= width) {
        mins = stage;
        break settle;
      }
    }
  }
  let over = total() - width;
  for (const [col, min] of mins) {
    if (over <= 0) break;
    if (!keep.includes(col)) continue;
    const cut = Math.min(over, Math.max(0, widths[col]! - floorOf(col, min)));
    widths[col] = widths[col]! - cut;
    over -= cut;
  }
  if (total() > width) return null;
  const out = ops.map((op, k) => {
    const r = rows[k]!;
    for (const col of [PATH, REPLY, USER, OPERATION]) r[col] = clip(r[col]!, widths[col]!);
    r[OUTCOME] = outcomeCell(op, st);
    r[FINDING] = findingCell(op, st);
    return keep.map((i) => r[i]!);
  });
  return { caption: st.paint('dim', wrap(captionText(ops, opts.tz, days, constants), width, '  ', '')), head: keep.map((i) => HEAD[i]!), rows: out };
}

/**
 * The log as a list, for widths no table fits: per operation a line with time, client → server,
 * user, operation and path, and an indented one with the reply, bytes, time, rate, outcome and
 * finding, each wrapped to the width.
 */
export function operationList(ops: readonly Operation[], opts: TableOptions): string {
  const st = new Styler(opts.color);
  const width = opts.width ?? 160;
  const { rows, days } = plainRows(ops, opts.tz);
  const out = [st.paint('dim', wrap(captionText(ops, opts.tz, days, new Map()), width, '  ', ''))];
  ops.forEach((op, k) => {
    const r = rows[k]!;
    const target = r[PATH] === '-' ? '' : ` ${clip(r[PATH]!, 2 * MAX_CELL)}`;
    const user = r[USER] === '-' ? '' : ` ${r[USER]}`;
    out.push(wrap(`${r[0]} ${r[CLIENT]} → ${r[SERVER]}${user} ${st.paint('bold', r[OPERATION]!)}${target}`, width, '      ', ''));
    const facts: string[] = [];
    if (r[CODE] !== '-') facts.push(`${r[CODE]}${r[REPLY] ? ` ${r[REPLY]}` : ''}`);
    if (op.bytes !== null) facts.push(`${op.bytes} ${op.bytes === 1 ? 'byte' : 'bytes'}${r[SECS] ? ` in ${r[SECS]} s` : ''}${r[RATE] ? ` (${r[RATE]})` : ''}`);
    facts.push(outcomeCell(op, st) + (op.finding ? ` ${findingCell(op, st)}` : ''));
    out.push(wrap(facts.join('; '), width, '        ', '    '));
  });
  return out.join('\n') + '\n';
}

// A cell drawn as one padded line is drawn by cli-table3 as-is: no line break, and no SGR codes
// but the Styler's around a text (it ends with a reset, so cli-table3 carries no colour over).
const PAINTED = /^\u001b\[[\d;]*m[^\u001b\n]*\u001b\[0m$/;
const plainCell = (c: string) => !c.includes('\n') && (!c.includes('\u001b') || PAINTED.test(c));

// trailing padding of the last column is noise in a terminal and in diffs
// (also before the colour codes that close a bold head)
const trimEnd = (line: string) => line.replace(/ +((?:\u001b\[[\d;]*m)*)$/, '$1');

/** The table cli-table3 draws from the head and all rows at once, less trailing spaces; but
 *  cli-table3's layout takes time growing with the square of the rows (16k operations: 90 s).
 *  So the columns are measured here as cli-table3 measures them (cellWidth: widest cell, the
 *  head's included), cli-table3 draws the head with those widths (plus the GAP of right padding),
 *  and each row is drawn here as cli-table3 draws it without borders or left padding: each cell
 *  padded with spaces to its column's width (aligned), GAP spaces after it. A row with a cell
 *  that is not plain (plainCell) is left to cli-table3, under the same head, with the same widths. */
function drawTable(head: readonly string[], rows: readonly string[][], color: boolean): string {
  const cols = head.map((h) => cellWidth(h));
  const aligns = head.map((h) => (RIGHT.has(h as (typeof HEAD)[number]) ? 'right' : 'left'));
  for (const r of rows) for (let i = 0; i < cols.length; i++) cols[i] = Math.max(cols[i]!, cellWidth(r[i]!));
  const colWidths = cols.map((n) => n + GAP);
  const lines = new Table(tableOptions(color, colWidths, head)).toString().split('\n').map(trimEnd); // the head
  const gap = ' '.repeat(GAP);
  for (const r of rows) {
    if (!r.every(plainCell)) {
      const t = new Table(tableOptions(color, colWidths, head));
      t.push([...r]);
      for (const l of t.toString().split('\n').slice(1)) lines.push(trimEnd(l));
      continue;
    }
    let line = '';
    for (let i = 0; i < r.length; i++) {
      const text = r[i]!;
      const pad = ' '.repeat(cols[i]! - cellWidth(text));
      line += (aligns[i] === 'right' ? pad + text : text + pad) + gap;
    }
    lines.push(trimEnd(line));
  }
  return lines.join('\n');
}

export function renderTable(ops: readonly Operation[], opts: TableOptions): string {
  if (ops.length === 0) return 'No FTP operations found.\n';
  const t = tableCells(ops, opts);
  if (t === null) return operationList(ops, opts);
  return `${t.caption}\n${drawTable(t.head, t.rows, opts.color)}\n`;
}
