// Path arithmetic for the session's working directory (CWD/CDUP/PWD) and transfer arguments.
// FTP pathnames are server-defined (RFC 959 §3.3 leaves the syntax to the server); this handles
// the Unix-style '/' paths nearly every server uses and gives up (null) on what it cannot place.

import type { FtpReply } from './types.ts';
import { parse257 } from './reply-parsers.ts';

/** Collapses '.', '..' and repeated slashes of an absolute '/' path. */
export function normalizePath(path: string): string {
  const out: string[] = [];
  for (const part of path.split('/')) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return `/${out.join('/')}`;
}

/** `arg` resolved against the working directory; null when it is relative and cwd is unknown.
 *  Non-'/' working directories (VMS, 'C:\…') are joined with '/' but not normalized. */
export function resolvePath(cwd: string | null, arg: string): string | null {
  if (arg === '') return cwd;
  if (arg.startsWith('/')) return normalizePath(arg);
  if (cwd === null) return null;
  if (!cwd.startsWith('/')) return `${cwd}${cwd.endsWith('/') ? '' : '/'}${arg}`;
  return normalizePath(`${cwd}/${arg}`);
}

/** Parent of a working directory (CDUP); null if unknown. */
export function parentPath(cwd: string | null): string | null {
  if (cwd === null || !cwd.startsWith('/')) return null;
  return normalizePath(`${cwd}/..`);
}

/** The working directory after `verb arg` got its final `reply`: a 2yz to CWD/XCWD or CDUP/XCUP
 *  moves it, a 257 to PWD/XPWD states it; anything else leaves it. */
export function cwdAfterReply(cwd: string | null, verb: string, arg: string, reply: FtpReply): string | null {
  const ok = reply.valid && reply.code >= 200 && reply.code < 300;
  switch (verb) {
    case 'CWD':
    case 'XCWD':
      return ok ? resolvePath(cwd, arg) : cwd;
    case 'CDUP':
    case 'XCUP':
      return ok ? parentPath(cwd) : cwd;
    case 'PWD':
    case 'XPWD':
      return reply.code === 257 ? (parse257(reply.text) ?? cwd) : cwd;
    default:
      return cwd;
  }
}

// LIST -la /pub      NLST -a       LIST /pub/dir
/** The path operand of a listing command: its argument without leading ls-style options. */
export function listingOperand(arg: string): string {
  const words = arg.trim().split(/\s+/);
  while (words.length > 0 && words[0]!.startsWith('-')) words.shift();
  return words.join(' ');
}
