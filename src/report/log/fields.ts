// Field values of the operation log as the text formats (table, TSV, CSV) print them. Wire
// strings (user, argument, path, reply text) pass through escapeWire here; passwords are
// REDACTED unless the user asked to see them.

import { REDACTED } from '../../diagnose/facts.ts';
import { escapeWire } from '../escape.ts';
import type { Operation } from './operations.ts';

export function passwordText(op: Operation, showPasswords: boolean): string | null {
  if (op.password === null) return null;
  return showPasswords ? op.password : REDACTED;
}

/** What the operation acted on: the resolved path, else the raw argument ('' if neither). */
export function targetText(op: Operation): string {
  const from = op.path ?? op.arg;
  if (op.operation === 'rename') return `${escapeWire(from)} → ${escapeWire(op.pathTo ?? '?')}`;
  if (op.command === '' && op.session === null) return '(data only)'; // the capture holds the data connection, not its control connection
  if (op.command === '' && op.transfer === null && op.operation !== 'connect') return '(no command)'; // a reply whose command is not in the capture
  if (op.operation === 'transfer' && op.command === '') return '(command encrypted)';
  if (op.operation === 'login') return ''; // its argument is the user name, shown in the User column
  return escapeWire(from);
}

/** Three digits, '???' for a reply line that had no valid code, '' without a reply. */
export function codeText(op: Operation): string {
  if (op.reply === null) return '';
  return op.reply.valid ? String(op.reply.code) : '???';
}

/** The reply's text on one line: a multi-line reply's lines joined by ' | '. */
export function replyLine(op: Operation): string {
  if (op.reply === null) return '';
  return escapeWire(op.reply.text.split('\n').map((l) => l.trim()).filter((l) => l !== '').join(' | '));
}

/** A byte rate with a decimal unit, three significant digits: 29.1 MB/s. */
export function humanRate(rate: number | null): string {
  if (rate === null || !Number.isFinite(rate)) return '';
  const units = ['B/s', 'kB/s', 'MB/s', 'GB/s', 'TB/s'];
  let v = rate;
  let i = 0;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = v >= 100 || i === 0 ? 0 : v >= 10 ? 1 : 2;
  return `${v.toFixed(digits)} ${units[i]}`;
}

/** Seconds with millisecond precision for people: 0.009. */
export function humanDuration(d: number | null): string {
  return d === null || !Number.isFinite(d) ? '' : d.toFixed(3);
}
