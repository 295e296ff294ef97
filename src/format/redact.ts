// What in an FTP command line is a secret, and how every output hides it: PASS, ACCT, ADAT
// arguments, SITE subcommands that carry passwords, and credentials inside bytes shown as text.
// The FTP stage splits lines with splitCommandLine too (ftp/commands.ts re-exports it), so a
// secret is recognised wherever a server would take it as one. Output applies these once, in
// the views (src/view/), unless the user asked to see passwords.

/** What output shows instead of a secret argument. */
export const REDACTED = 'REDACTED';

/** Bytes a server may take as the space between verb and argument. RFC 959 §5.3 says SP; vsftpd
 *  and pyftpdlib split on SP only, but ProFTPD and Pure-FTPd split on isspace() (SP, HT, VT, FF,
 *  CR), so `PASS<TAB>secret` is a password to them. The line is parsed as the most lenient of
 *  them would parse it: a secret must be recognised wherever a server takes it as one. */
const isCommandSpace = (c: number): boolean => c === 0x20 || (c >= 0x09 && c <= 0x0d);

export interface CommandLineParts {
  verb: string; //    upper-cased ('' for a line without one)
  arg: string; //     the rest after the one separator byte, as sent
  argStart: number; // where `arg` starts in the line
}

// RETR report.csv      pass\tS3cret      " USER bob"
/** A control line split into verb and argument: leading spaces skipped, the verb up to the first
 *  space-like byte (isCommandSpace), the argument after that one byte. */
export function splitCommandLine(text: string): CommandLineParts {
  let i = 0;
  while (i < text.length && isCommandSpace(text.charCodeAt(i))) i++;
  let j = i;
  while (j < text.length && !isCommandSpace(text.charCodeAt(j))) j++;
  // ASCII letters only: verbs are ASCII (RFC 959 §5.3), and 'ß'.toUpperCase() is two letters
  // (most verbs come upper-case: then the slice is the verb, with no replace per line)
  const word = text.slice(i, j);
  const verb = hasLowerAscii(text, i, j) ? word.replace(/[a-z]+/g, (m) => m.toUpperCase()) : word;
  const argStart = j < text.length ? j + 1 : j;
  return { verb, arg: text.slice(argStart), argStart };
}

/** A character a–z in text[i, j). */
function hasLowerAscii(text: string, i: number, j: number): boolean {
  for (; i < j; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x61 && c <= 0x7a) return true;
  }
  return false;
}

/** Verbs whose whole argument is a credential: PASS (RFC 959), ACCT (RFC 959 §4.1.1: account
 *  information, a second password where a system asks for one), ADAT (RFC 2228: a security
 *  mechanism's token, e.g. a Kerberos ticket). */
const SECRET_VERBS: ReadonlySet<string> = new Set(['PASS', 'ACCT', 'ADAT']);

/** SITE subcommands that carry passwords: Serv-U's `SITE PSWD old new`, Axway SecureTransport's
 *  `SITE CHPWD user old new`, and the user administration of glFTPd, wzdftpd and FTP4ALL
 *  (`SITE ADDUSER user password …`, `GADDUSER group user password`, `PASSWD`, `CHPASS`). Every
 *  word after the subcommand is hidden (the user name too: safe rather than sorry). */
const SECRET_SITE_COMMANDS: ReadonlySet<string> = new Set(['PSWD', 'CHPWD', 'PASSWD', 'CHPASS', 'ADDUSER', 'GADDUSER']);

/** The argument with its secret part replaced by REDACTED, or null when it holds no secret.
 *  `verb` is upper-cased (FtpCommand.verb). */
export function redactArgument(verb: string, arg: string): string | null {
  if (SECRET_VERBS.has(verb)) return arg === '' ? null : REDACTED;
  if (verb !== 'SITE') return null;
  const sub = splitCommandLine(arg);
  if (!SECRET_SITE_COMMANDS.has(sub.verb)) return null;
  return `${arg.slice(0, sub.argStart)}${sub.argStart < arg.length ? REDACTED : ''}`;
}

/** A whole control line with its secret replaced (redactArgument), or the line itself. */
export function redactCommandLine(text: string): string {
  const parts = splitCommandLine(text);
  const shown = redactArgument(parts.verb, parts.arg);
  return shown === null ? text : text.slice(0, parts.argStart) + shown;
}

// "…\r\nPASS s3cret\r\nSYST"  →  "…\r\nPASS REDACTED\r\nSYST"
const CREDENTIAL_IN_TEXT = new RegExp(
  `\\b(${[...SECRET_VERBS].join('|')}|SITE[ \\t]+(?:${[...SECRET_SITE_COMMANDS].join('|')}))[ \\t\\v\\f\\r]+[^\\r\\n]*`,
  'gi',
);

/** Bytes that may hold command lines anywhere (a segment or fragment shown as text, not parsed
 *  as lines): whatever follows a credential-carrying verb, to the end of its line, is hidden. */
export function hideCredentials(text: string): string {
  return text.replace(CREDENTIAL_IN_TEXT, `$1 ${REDACTED}`);
}

/** A secret as output shows it: itself when asked, else REDACTED (null stays null). */
export function shownSecret(secret: string | null, showPasswords: boolean): string | null {
  return secret === null || showPasswords ? secret : REDACTED;
}

/** A command's argument as output shows it: its secret part (redactArgument) hidden unless asked. */
export function shownArgument(verb: string, arg: string, showPasswords: boolean): string {
  return showPasswords ? arg : (redactArgument(verb, arg) ?? arg);
}

/** What each copy of an inconsistent retransmission said, as output may show it: the command
 *  lines when the FTP stage placed them (secrets hidden unless showPasswords), else the bytes
 *  (all hidden when they belong to a credential). */
export function conflictTexts(
  c: { first: string; second: string; firstLine: string | null; secondLine: string | null; secret: boolean },
  showPasswords: boolean,
): { first: string; second: string; firstBytes: string; secondBytes: string } {
  const line = (l: string) => (showPasswords ? l : redactCommandLine(l));
  const bytes = (b: string) => (showPasswords ? b : c.secret ? REDACTED : hideCredentials(b));
  return {
    first: c.firstLine !== null ? line(c.firstLine) : bytes(c.first),
    second: c.secondLine !== null ? line(c.secondLine) : bytes(c.second),
    firstBytes: bytes(c.first),
    secondBytes: bytes(c.second),
  };
}
