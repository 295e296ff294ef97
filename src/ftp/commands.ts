// The FTP command catalog: every verb the control-channel parser knows, with the document that
// defines it, whether it takes an argument and what it is for. One table, read by the parser
// (FtpCommand.known), the control-channel recogniser and the session state machine.

/** What a command is for (RFC 959 §4.1 groups, plus the later documents' additions). */
export const CommandCategory = {
  access: 'access', //                 login and navigation (USER, PASS, CWD, …)
  transferParameter: 'transfer-parameter', // data-channel set-up and representation (PORT, PASV, TYPE, …)
  transfer: 'transfer', //             opens a data connection and moves a file or listing (RETR, LIST, …)
  file: 'file', //                     file actions on the control channel only (DELE, MKD, SIZE, …)
  service: 'service', //               informational and session commands (SYST, STAT, FEAT, …)
  security: 'security', //             RFC 2228 protection (AUTH, PROT, MIC, …)
} as const;
export type CommandCategory = (typeof CommandCategory)[keyof typeof CommandCategory];

/** Whether the verb takes an argument (RFC 959 §5.3.1 syntax). */
export const ArgumentUse = { none: 'none', optional: 'optional', required: 'required' } as const;
export type ArgumentUse = (typeof ArgumentUse)[keyof typeof ArgumentUse];

export interface CommandInfo {
  verb: string;
  rfc: string; //       defining document: 'RFC 959', 'RFC 775' (X-commands), 'draft', 'vendor'
  arg: ArgumentUse;
  category: CommandCategory;
  standard: boolean; // defined by an RFC (not a draft or a vendor extension)
}

const A = ArgumentUse;
const C = CommandCategory;

// verb, document, argument, category
const table: ReadonlyArray<readonly [string, string, ArgumentUse, CommandCategory]> = [
  // RFC 959 §4.1.1 access control
  ['USER', 'RFC 959', A.required, C.access],
  ['PASS', 'RFC 959', A.optional, C.access], // an empty password is sent as a bare PASS by some clients
  ['ACCT', 'RFC 959', A.required, C.access],
  ['CWD', 'RFC 959', A.required, C.access],
  ['CDUP', 'RFC 959', A.none, C.access],
  ['SMNT', 'RFC 959', A.required, C.access],
  ['REIN', 'RFC 959', A.none, C.access],
  ['QUIT', 'RFC 959', A.none, C.access],
  // RFC 959 §4.1.2 transfer parameters
  ['PORT', 'RFC 959', A.required, C.transferParameter],
  ['PASV', 'RFC 959', A.none, C.transferParameter],
  ['TYPE', 'RFC 959', A.required, C.transferParameter],
  ['STRU', 'RFC 959', A.required, C.transferParameter],
  ['MODE', 'RFC 959', A.required, C.transferParameter],
  // RFC 959 §4.1.3 service commands
  ['RETR', 'RFC 959', A.required, C.transfer],
  ['STOR', 'RFC 959', A.required, C.transfer],
  ['STOU', 'RFC 959', A.optional, C.transfer],
  ['APPE', 'RFC 959', A.required, C.transfer],
  ['ALLO', 'RFC 959', A.required, C.file],
  ['REST', 'RFC 959', A.required, C.transferParameter], // redefined for stream mode by RFC 3659 §5
  ['RNFR', 'RFC 959', A.required, C.file],
  ['RNTO', 'RFC 959', A.required, C.file],
  ['ABOR', 'RFC 959', A.none, C.service],
  ['DELE', 'RFC 959', A.required, C.file],
  ['RMD', 'RFC 959', A.required, C.file],
  ['MKD', 'RFC 959', A.required, C.file],
  ['PWD', 'RFC 959', A.none, C.access],
  ['LIST', 'RFC 959', A.optional, C.transfer],
  ['NLST', 'RFC 959', A.optional, C.transfer],
  ['SITE', 'RFC 959', A.required, C.service],
  ['SYST', 'RFC 959', A.none, C.service],
  ['STAT', 'RFC 959', A.optional, C.service],
  ['HELP', 'RFC 959', A.optional, C.service],
  ['NOOP', 'RFC 959', A.none, C.service],
  // RFC 775 experimental directory commands, still answered by many servers (RFC 959 §7 appendix)
  ['XCWD', 'RFC 775', A.required, C.access],
  ['XCUP', 'RFC 775', A.none, C.access],
  ['XMKD', 'RFC 775', A.required, C.file],
  ['XPWD', 'RFC 775', A.none, C.access],
  ['XRMD', 'RFC 775', A.required, C.file],
  // RFC 1639 long addresses
  ['LPRT', 'RFC 1639', A.required, C.transferParameter],
  ['LPSV', 'RFC 1639', A.none, C.transferParameter],
  // RFC 2228 security extensions
  ['AUTH', 'RFC 2228', A.required, C.security],
  ['ADAT', 'RFC 2228', A.required, C.security],
  ['PROT', 'RFC 2228', A.required, C.security],
  ['PBSZ', 'RFC 2228', A.required, C.security],
  ['CCC', 'RFC 2228', A.none, C.security],
  ['MIC', 'RFC 2228', A.required, C.security],
  ['CONF', 'RFC 2228', A.required, C.security],
  ['ENC', 'RFC 2228', A.required, C.security],
  // RFC 2389 feature negotiation
  ['FEAT', 'RFC 2389', A.none, C.service],
  ['OPTS', 'RFC 2389', A.required, C.service],
  // RFC 2428 extensions for IPv6 and NATs
  ['EPRT', 'RFC 2428', A.required, C.transferParameter],
  ['EPSV', 'RFC 2428', A.optional, C.transferParameter], // 'EPSV', 'EPSV 2', 'EPSV ALL'
  // RFC 2640 internationalization
  ['LANG', 'RFC 2640', A.optional, C.service],
  // RFC 3659 extensions
  ['MDTM', 'RFC 3659', A.required, C.file],
  ['SIZE', 'RFC 3659', A.required, C.file],
  ['MLST', 'RFC 3659', A.optional, C.file],
  ['MLSD', 'RFC 3659', A.optional, C.transfer],
  // RFC 7151 virtual hosts
  ['HOST', 'RFC 7151', A.required, C.access],
  // common extensions that are not RFCs
  ['CLNT', 'vendor', A.required, C.service], //   client software name (NcFTP, FileZilla)
  ['MFMT', 'draft', A.required, C.file], //       draft-somers-ftp-mfxx: set modification time
  ['MFCT', 'draft', A.required, C.file],
  ['MFF', 'draft', A.required, C.file],
  ['HASH', 'draft', A.required, C.file], //       draft-bryan-ftpext-hash
  ['XCRC', 'vendor', A.required, C.file],
  ['XMD5', 'vendor', A.required, C.file],
  ['XSHA1', 'vendor', A.required, C.file],
  ['XSHA256', 'vendor', A.required, C.file],
  ['XSHA512', 'vendor', A.required, C.file],
  ['AVBL', 'vendor', A.optional, C.file],
  ['CSID', 'vendor', A.required, C.service],
  ['DSIZ', 'vendor', A.optional, C.file],
  ['RMDA', 'vendor', A.required, C.file],
  ['SPSV', 'vendor', A.optional, C.transferParameter],
  ['MODZ', 'vendor', A.required, C.transferParameter],
];

export const commandCatalog: ReadonlyMap<string, CommandInfo> = new Map(
  table.map(([verb, rfc, arg, category]) => [
    verb,
    { verb, rfc, arg, category, standard: rfc.startsWith('RFC') },
  ]),
);

/** The verb's catalog entry; `verb` must already be upper-cased. */
export function commandInfo(verb: string): CommandInfo | undefined {
  return commandCatalog.get(verb);
}

export function isKnownVerb(verb: string): boolean {
  return commandCatalog.has(verb);
}

/** Commands that open a data connection, and which way the bytes go. */
export const transferDirections = {
  RETR: 'download',
  STOR: 'upload',
  STOU: 'upload',
  APPE: 'upload',
  LIST: 'listing',
  NLST: 'listing',
  MLSD: 'listing',
} as const;
export type TransferVerb = keyof typeof transferDirections;

export function isTransferVerb(verb: string): verb is TransferVerb {
  return Object.prototype.hasOwnProperty.call(transferDirections, verb);
}

/** SITE subcommands that act on a file or directory: their refusals are about that file. */
const SITE_FILE_COMMANDS: ReadonlySet<string> = new Set(['CHMOD', 'CHGRP', 'CHOWN', 'UTIME', 'SYMLINK', 'CPFR', 'CPTO', 'COPY', 'MKDIR', 'RMDIR', 'RMDIRS']);

/**
 * Reading a refusal by the command it answers: does the server say it does not support what was
 * asked (rather than that a file is unavailable)? 500, 502 and 504 say so for any command
 * (RFC 959 §4.2.1: unrecognised, not implemented, not implemented for that parameter); any
 * 4yz/5yz to a verb outside the FTP RFCs does too; and to SITE, whose subcommands and options are
 * the server's own (RFC 959 §4.1.3), unless the subcommand acts on a file (SITE CHMOD …):
 *   SITE FIXrecfm 133 LRECL=133 RECFM=FB   →   550 Option on the SITE subcommand not recognized.
 */
export function saysNotSupported(verb: string, arg: string, code: number): boolean {
  if (code === 500 || code === 502 || code === 504) return true;
  if (code < 400 || code >= 600) return false;
  if (verb === 'SITE') return !SITE_FILE_COMMANDS.has(arg.trim().split(/\s+/)[0]!.toUpperCase());
  return verb !== '' && !isKnownVerb(verb);
}

/** Client verbs of SMTP (RFC 5321 and extensions) and NNTP (RFC 3977) that FTP does not have: one
 *  of them from a client means the connection is mail or news, whatever its 220 greeting and
 *  3-digit replies looked like. */
export const otherProtocolVerbs: ReadonlySet<string> = new Set([
  // SMTP
  'EHLO', 'HELO', 'LHLO', 'MAIL', 'RCPT', 'DATA', 'RSET', 'VRFY', 'EXPN', 'STARTTLS', 'BDAT', 'ETRN', 'TURN',
  // NNTP
  'ARTICLE', 'BODY', 'GROUP', 'HEAD', 'IHAVE', 'LAST', 'NEWGROUPS', 'NEWNEWS', 'NEXT', 'POST', 'AUTHINFO',
  'CAPABILITIES', 'LISTGROUP', 'OVER', 'XOVER',
]);

/** Known FTP verbs that SMTP or NNTP share (both answer with 3-digit codes): alone, they do not
 *  make a connection on an unusual port FTP. (USER/PASS are POP3's too, but POP3 answers +OK.) */
export const ambiguousVerbs: ReadonlySet<string> = new Set(['QUIT', 'NOOP', 'HELP', 'STAT', 'AUTH', 'LIST', 'MODE']);

/** Positive (1yz–3yz) replies each command may get, from RFC 959 §5.4 "Command-reply sequences"
 *  and the later documents. Error replies (4yz/5yz) may answer anything. Verbs not listed here
 *  (SITE, OPTS, vendor extensions) may get any reply. */
const positiveReplies: Readonly<Record<string, readonly number[]>> = {
  USER: [230, 232, 331, 332, 336],
  PASS: [202, 230, 332],
  ACCT: [202, 230],
  CWD: [250],
  XCWD: [250],
  CDUP: [200, 250],
  XCUP: [200, 250],
  SMNT: [202, 250],
  REIN: [120, 220],
  QUIT: [221],
  PORT: [200],
  EPRT: [200],
  LPRT: [200],
  PASV: [227],
  EPSV: [200, 229],
  LPSV: [228],
  TYPE: [200],
  MODE: [200],
  STRU: [200],
  RETR: [110, 125, 150, 226, 250],
  STOR: [110, 125, 150, 226, 250],
  STOU: [110, 125, 150, 226, 250],
  APPE: [110, 125, 150, 226, 250],
  LIST: [125, 150, 226, 250],
  NLST: [125, 150, 226, 250],
  MLSD: [125, 150, 226, 250],
  ALLO: [200, 202],
  REST: [350],
  RNFR: [350],
  RNTO: [250],
  ABOR: [225, 226],
  DELE: [250],
  RMD: [250],
  XRMD: [250],
  MKD: [257],
  XMKD: [257],
  PWD: [257],
  XPWD: [257],
  SYST: [215],
  STAT: [211, 212, 213],
  HELP: [211, 214],
  NOOP: [200],
  FEAT: [211],
  AUTH: [234, 334],
  ADAT: [235, 335],
  PBSZ: [200],
  PROT: [200],
  CCC: [200],
  SIZE: [213],
  MDTM: [213],
  MLST: [250],
  HOST: [220],
};

/** Whether `code` can answer `verb` (used to re-align replies with commands after a capture gap). */
export function plausibleReply(verb: string, code: number): boolean {
  if (code >= 400) return true;
  const list = positiveReplies[verb];
  return list === undefined || list.includes(code);
}

// ---- parsing a command line, and what in it is a secret: format/redact.ts (output hides it)
export { REDACTED, splitCommandLine, redactArgument, redactCommandLine, hideCredentials, type CommandLineParts } from '../format/redact.ts';
