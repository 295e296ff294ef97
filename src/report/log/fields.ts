// Field values of the operation log as the text formats (table, TSV, CSV) print them. Wire
// strings (user, argument, path, reply text) pass through escapeWire here (secrets are hidden in
// the views the operations are built from, unless the user asked to see them).

import { escapeWire } from '../escape.ts';
import type { Operation } from './operations.ts';

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

/** Seconds with millisecond precision for people: 0.009. */
export function humanDuration(d: number | null): string {
  return d === null || !Number.isFinite(d) ? '' : d.toFixed(3);
}
