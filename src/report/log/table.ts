// The operation log for people: an aligned, border-less table (like ps(1)), one line per
// operation, with a caption giving the count and the time zone. Colour only when asked.

import Table from 'cli-table3';
import { Styler } from '../style.ts';
import { escapeWire } from '../escape.ts';
import type { Operation } from './operations.ts';
import { codeText, endpointText, humanDuration, humanRate, replyLine, targetText } from './fields.ts';
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
const GAP = 2; //        spaces between columns
const MIN_PATH = 16; //  columns never clipped below these widths
const MIN_REPLY = 12;

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, Math.max(0, n - 1)) + '…' : s;
}

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

export function renderTable(ops: readonly Operation[], opts: TableOptions): string {
  const st = new Styler(opts.color);
  if (ops.length === 0) return 'No FTP operations found.\n';
  const days = new Set(ops.map((op) => dayAndClock(op.time, opts.tz).day));
  const oneDay = days.size === 1;
  // plain cells first (no colour: widths are measured on them)
  const rows = ops.map((op) => {
    const { day, clock } = dayAndClock(op.time, opts.tz);
    return [
      oneDay ? clock : `${day} ${clock}`,
      op.protocol,
      endpointText(op.client),
      endpointText(op.server),
      op.user === null ? '-' : escapeWire(op.user),
      op.operation,
      targetText(op) || '-',
      codeText(op) || '-',
      replyLine(op),
      op.bytes === null ? '' : String(op.bytes),
      humanDuration(op.duration),
      op.bytes ? humanRate(op.rate) : '', // no rate for a transfer that moved nothing
      op.outcome,
      op.finding?.id ?? '',
    ];
  });
  const widths = HEAD.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const width = opts.width ?? 160;
  let over = widths.reduce((a, b) => a + b, 0) + GAP * (HEAD.length - 1) - width;
  for (const [col, min] of [[REPLY, MIN_REPLY], [PATH, MIN_PATH]] as const) {
    if (over <= 0) break;
    const cut = Math.min(over, Math.max(0, widths[col]! - min));
    widths[col] = widths[col]! - cut;
    over -= cut;
  }
  const table = new Table({
    head: HEAD.map((h) => h),
    colAligns: HEAD.map((h) => (RIGHT.has(h) ? 'right' : 'left')),
    style: { head: opts.color ? ['bold'] : [], border: [], 'padding-left': 0, 'padding-right': GAP },
    chars: {
      top: '', 'top-mid': '', 'top-left': '', 'top-right': '', bottom: '', 'bottom-mid': '', 'bottom-left': '', 'bottom-right': '',
      left: '', 'left-mid': '', mid: '', 'mid-mid': '', right: '', 'right-mid': '', middle: '',
    },
  });
  ops.forEach((op, k) => {
    const r = rows[k]!;
    r[PATH] = clip(r[PATH]!, widths[PATH]!);
    r[REPLY] = clip(r[REPLY]!, widths[REPLY]!);
    const cells = [...r];
    cells[HEAD.indexOf('Outcome')] = outcomeCell(op, st);
    cells[HEAD.indexOf('Finding')] = findingCell(op, st);
    table.push(cells);
  });
  const first = ops[0]!.time;
  const caption = `${ops.length} ${ops.length === 1 ? 'operation' : 'operations'}; times ${zoneLabel(first, opts.tz)}${oneDay ? `, ${[...days][0]}` : ''}`;
  // trailing padding of the last column is noise in a terminal and in diffs
  const body = table.toString().split('\n').map((l) => l.replace(/ +$/, '')).join('\n');
  return `${st.paint('dim', caption)}\n${body}\n`;
}
