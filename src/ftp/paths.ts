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

/** Verbs whose whole argument is one path. */
const PATH_VERBS: ReadonlySet<string> = new Set(['DELE', 'RMD', 'XRMD', 'RMDA', 'CWD', 'XCWD', 'SMNT', 'SIZE', 'MDTM', 'MLST', 'RNFR', 'RNTO', 'MKD', 'XMKD']);

// MFMT 20240131120000 reports/q4.csv      (draft-somers-ftp-mfxx: a time, then the path)
// SITE CHMOD 644 upload.bin               (a subcommand and a mode, then the path)
// LIST -la /pub                            (ls options, then the path)
/** The path a command names, resolved against the working directory it is acted on in; null
 *  when it names none or it cannot be placed (relative, with the directory unknown). */
export function operandPath(verb: string, arg: string, cwd: string | null): string | null {
  switch (verb) {
    case 'CDUP':
    case 'XCUP':
      return parentPath(cwd);
    case 'RETR':
    case 'STOR':
    case 'APPE':
      return resolvePath(cwd, arg);
    case 'STOU':
      return arg.trim() === '' ? null : resolvePath(cwd, arg); // else the server picks the name
    case 'LIST':
    case 'NLST':
    case 'MLSD':
      return resolvePath(cwd, listingOperand(arg));
    case 'MFMT':
    case 'MFCT':
    case 'MFF': {
      const m = /^\S+\s+(.+)$/.exec(arg);
      return m ? resolvePath(cwd, m[1]!) : null;
    }
    case 'SITE': {
      const m = /^(?:CHMOD|CHGRP|CHOWN)\s+\S+\s+(.+)$/i.exec(arg);
      return m ? resolvePath(cwd, m[1]!) : null;
    }
    default:
      return PATH_VERBS.has(verb) && arg !== '' ? resolvePath(cwd, arg) : null;
  }
}

// 257 "/pub/new" created
/** The absolute path a 257 reply to MKD names, or null. */
export function createdPath(reply: FtpReply): string | null {
  if (reply.code !== 257) return null;
  const p = parse257(reply.text);
  return p !== null && p.startsWith('/') ? p : null;
}
