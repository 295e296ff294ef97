// The name of a rebuilt transfer's file: session, transfer, command and the path the command
// named, made safe to create in the extraction directory whatever the wire said.
//   STOR ../../etc/passwd   → s0-t3-STOR-.._.._etc_passwd
//   RETR "a\x1b[2Jb.txt"    → s0-t4-RETR-a_[2Jb.txt
// No separator survives (no directory escape: the name is always one entry of the directory, and
// its fixed prefix keeps it from being '.', '..' or hidden); no control, format or bidirectional
// character; nothing Windows refuses; at most MAX_NAME_BYTES bytes of UTF-8, the extension kept.

import { UNSAFE_CHARS } from '../escape.ts';

/** Bytes of UTF-8 in a name: well under the 255 of common file systems, so a suffix added by a
 *  tool that copies the file still fits. */
export const MAX_NAME_BYTES = 120;
/** Longest tail kept as the extension when a name is cut. */
const MAX_EXTENSION = 16;

// path separators, what Windows forbids in names, and every control/format/unassigned/private-use
// code point or lone surrogate (\p{C}), plus what the terminal escaper escapes
const UNSAFE_IN_NAME = new RegExp(`[/\\\\<>:"|?*${UNSAFE_CHARS}]|\\p{C}`, 'gu');

/** The argument made into one safe path component ('' stays ''). */
export function safeComponent(text: string): string {
  return text.replace(UNSAFE_IN_NAME, '_').replace(/[. ]+$/, (tail) => '_'.repeat(tail.length));
}

/** `s<session>-t<transfer>-<COMMAND>[-<argument>]`, sanitised and bounded; without a session (a
 *  data connection whose control connection is not in the capture) `t<transfer>-<COMMAND>`. */
export function extractedFileName(session: number | null, transfer: number, command: string, argument: string): string {
  const head = `${session === null ? '' : `s${session}-`}t${transfer}-${safeComponent(command)}`;
  const arg = safeComponent(argument.trim());
  if (arg === '') return head;
  return cutUtf8(`${head}-`, arg, MAX_NAME_BYTES);
}

/** head + tail cut to `max` bytes of UTF-8 in all, keeping the tail's extension when it has one; '~' marks the cut. */
function cutUtf8(head: string, tail: string, max: number): string {
  if (Buffer.byteLength(head + tail) <= max) return head + tail;
  const dot = tail.lastIndexOf('.');
  const ext = dot > 0 && tail.length - dot <= MAX_EXTENSION ? tail.slice(dot) : '';
  const room = max - Buffer.byteLength(head) - Buffer.byteLength(ext) - 1;
  let kept = '';
  let bytes = 0;
  for (const ch of tail.slice(0, tail.length - ext.length)) {
    const b = Buffer.byteLength(ch);
    if (bytes + b > room) break;
    kept += ch;
    bytes += b;
  }
  return `${head}${kept}~${ext}`;
}
