// The operation log in the classic xferlog(5) layout of wu-ftpd, vsftpd (xferlog_std_format) and
// ProFTPD, so that existing log tooling (xferstats, log shippers' xferlog parsers) can read it:
//
// Sat Nov 21 13:25:35 2026 1 127.0.0.1 65536 /report.bin b _ o a anonymous ftp 0 * c
//
// current-time transfer-time remote-host file-size filename transfer-type special-action-flag
// direction access-mode username service-name authentication-method authenticated-user-id
// completion-status — 14 fields separated by single spaces, current-time itself five words.
//
// What is written, field by field, and why:
// - current-time: when the transfer ended (its final reply, else the data connection's end),
//   which is when a server writes the line; UTC unless --tz local (servers use their local time).
// - transfer-time: whole seconds of the data connection, at least 1, as vsftpd writes it
//   (it never logs 0); 0 for deletions, as ProFTPD writes them.
// - remote-host: the client's address (servers log the address unless reverse DNS is on).
// - file-size: bytes that crossed the data connection (what vsftpd logs: bytes transferred, not
//   the file's size); 0 for deletions, whose size the capture does not show.
// - filename: the path resolved against the working directory (servers log the absolute path),
//   else the argument as sent; spaces and control characters become '_', as ProFTPD does
//   (vsftpd replaces spaces only), so the line keeps its field count.
// - transfer-type: 'a' for TYPE A, 'b' otherwise; special-action-flag: always '_' (no on-the-fly
//   compression or tar is visible in a capture).
// - direction: 'o' RETR, 'i' STOR/STOU/APPE, 'd' a successful DELE (ProFTPD's extension).
// - access-mode: 'a' for anonymous/ftp, else 'r' (a guest account cannot be told from a real one).
// - username: the USER name; for anonymous logins wu-ftpd and vsftpd log the password given (the
//   e-mail address), which is written only with --show-passwords.
// - service-name 'ftp', authentication-method '0' (no RFC 931 ident), authenticated-user-id '*'.
// - completion-status: 'c' when the transfer is complete, 'i' otherwise.
// Listings (LIST/NLST/MLSD) are not logged, as no server logs them in xferlog; nor are transfers
// whose command was encrypted (filename and direction unknown) or whose control connection is not
// in the capture (no file name, no user): renderXferlog counts them.

import { UNSAFE_CHARS } from '../escape.ts';
import type { Operation } from './operations.ts';
import { xferlogTime, type TimeZoneChoice } from './times.ts';

export interface XferlogOptions {
  tz: TimeZoneChoice;
}

export interface XferlogOutput {
  text: string;
  skippedEncrypted: number; // transfers left out because their command could not be read
  skippedNoControl: number; // data connections left out because their control connection is not in the capture
  skippedNotCaptured: number; // transfers left out because their size is unknown (data connection not in the capture, or TLS)
}

const ANONYMOUS = new Set(['anonymous', 'ftp']);
const FILE_VERBS = new Set(['RETR', 'STOR', 'STOU', 'APPE']);

// whitespace and what escapeWire escapes
const NOT_TOKEN = new RegExp(`[\\s${UNSAFE_CHARS}]`, 'g');

/** A value made into one xferlog field: whitespace and control (and bidi) characters become '_'. */
export function xferlogToken(s: string): string {
  return s.replace(NOT_TOKEN, '_');
}

function isAnonymous(user: string | null): boolean {
  return user !== null && ANONYMOUS.has(user.toLowerCase());
}

/** The xferlog line of one operation, or null when xferlog has no line for it. */
export function xferlogLine(op: Operation, opts: XferlogOptions): string | null {
  const isDelete = op.command === 'DELE';
  if (isDelete ? op.outcome !== 'complete' : !FILE_VERBS.has(op.command)) return null;
  const anon = isAnonymous(op.user);
  const name = anon && op.passwordShown && op.password ? op.password : (op.user ?? '*');
  const fields = [
    xferlogTime(op.endTime ?? op.time, opts.tz),
    String(isDelete ? 0 : Math.max(1, Math.round(op.duration ?? 0))),
    xferlogToken(op.client.addr),
    String(isDelete || typeof op.bytes !== 'number' ? 0 : op.bytes),
    xferlogToken(op.path ?? op.arg) || '-',
    (op.type ?? 'I').toUpperCase().startsWith('A') ? 'a' : 'b',
    '_',
    isDelete ? 'd' : op.direction === 'download' ? 'o' : 'i',
    anon ? 'a' : 'r',
    xferlogToken(name) || '*',
    'ftp',
    '0',
    '*',
    op.outcome === 'complete' ? 'c' : 'i',
  ];
  return fields.join(' ');
}

export function renderXferlog(ops: readonly Operation[], opts: XferlogOptions): XferlogOutput {
  const lines: string[] = [];
  let skippedEncrypted = 0;
  let skippedNoControl = 0;
  let skippedNotCaptured = 0;
  for (const op of ops) {
    if (op.session === null) {
      skippedNoControl++;
      continue;
    }
    if (op.operation === 'transfer' && op.command === '' && op.transfer !== null) {
      skippedEncrypted++;
      continue;
    }
    // xferlog's file-size is a number: an unknown size is left out rather than written as 0
    if (op.bytes === 'not captured' || op.bytes === 'encrypted') {
      skippedNotCaptured++;
      continue;
    }
    const line = xferlogLine(op, opts);
    if (line !== null) lines.push(line);
  }
  return { text: lines.map((l) => l + '\n').join(''), skippedEncrypted, skippedNoControl, skippedNotCaptured };
}
