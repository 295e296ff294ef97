// The operation log for spreadsheets and scripts: TSV (one header line, tab-separated, no
// quoting: escapeWire has already turned tabs and line breaks in wire strings into \x09/\x0a)
// and CSV (RFC 4180: CRLF line ends, fields holding a comma, quote, CR or LF in double quotes
// with quotes doubled; a semicolon too, the separator of spreadsheets in many locales). Unknown
// values are empty fields. A value a spreadsheet would evaluate as a formula gets a leading
// apostrophe (OWASP, CSV injection); the raw value is in the NDJSON format.

import { escapeWire } from '../escape.ts';
import type { Operation } from './operations.ts';
import { codeText } from './fields.ts';
import { byteText } from '../../view/unit.ts';
import { isoTime, type TimeZoneChoice } from './times.ts';

export interface DelimitedOptions {
  tz: TimeZoneChoice;
}

export const DELIMITED_COLUMNS = [
  'time', 'session', 'protocol', 'client_addr', 'client_port', 'server_addr', 'server_port', 'user', 'password',
  'operation', 'command', 'arg', 'path', 'path_to', 'reply_code', 'reply_text', 'bytes', 'duration', 'rate',
  'outcome', 'finding', 'transfer', 'frames',
] as const;

const num = (n: number | null, digits?: number): string => (n === null || !Number.isFinite(n) ? '' : digits === undefined ? String(n) : n.toFixed(digits));
const wire = (s: string | null): string => (s === null ? '' : escapeWire(s));

// =HYPERLINK("http://x")   +cmd|'/c calc'!A0   -2+3   @SUM(A1)   ＝1+1 (full-width)
/** What a spreadsheet takes for the start of a formula: = + - @ (and their full-width forms, which
 *  some locales' spreadsheets accept), TAB and CR (OWASP, CSV injection; ASVS 1.2.10). */
const FORMULA_START = /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;

/** A cell that would start a formula gets a leading apostrophe, which spreadsheets take as "text"
 *  and do not show. */
export function formulaSafe(s: string): string {
  return FORMULA_START.test(s) ? `'${s}` : s;
}

/** One operation's values, in DELIMITED_COLUMNS order, already terminal- and spreadsheet-safe. */
export function delimitedValues(op: Operation, opts: DelimitedOptions): string[] {
  return rawValues(op, opts).map(formulaSafe);
}

function rawValues(op: Operation, opts: DelimitedOptions): string[] {
  return [
    isoTime(op.time, opts.tz),
    num(op.session),
    op.protocol,
    wire(op.client.addr),
    String(op.client.port),
    wire(op.server.addr),
    String(op.server.port),
    wire(op.user),
    wire(op.password),
    wire(op.operation), // the verb, from the wire, for other commands
    wire(op.command),
    wire(op.arg),
    wire(op.path),
    wire(op.pathTo),
    codeText(op),
    wire(op.reply?.text ?? null),
    op.bytes === null ? '' : byteText(op.bytes),
    num(op.duration, 6),
    op.rate === null ? '' : num(Math.round(op.rate)),
    op.outcome,
    op.finding?.id ?? '',
    num(op.transfer),
    op.frames.join(' '),
  ];
}

export function renderTsv(ops: readonly Operation[], opts: DelimitedOptions): string {
  const lines = [DELIMITED_COLUMNS.join('\t'), ...ops.map((op) => delimitedValues(op, opts).join('\t'))];
  return lines.join('\n') + '\n';
}

/** RFC 4180 §2 rule 6/7: quote a field that holds a comma, a double quote, CR or LF (and a
 *  semicolon: `a;=1+1` is two cells where ; separates); double its quotes. */
export function csvField(s: string): string {
  return /[",;\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function renderCsv(ops: readonly Operation[], opts: DelimitedOptions): string {
  const lines = [DELIMITED_COLUMNS.join(','), ...ops.map((op) => delimitedValues(op, opts).map(csvField).join(','))];
  return lines.join('\r\n') + '\r\n';
}
