// Control-channel recogniser: decides from the first bytes of both directions whether a TCP
// connection is an FTP control connection, on any port, with or without the 220 greeting.

import type { Side } from '../../tcp/types.ts';
import { isKnownVerb, otherProtocolVerbs, ambiguousVerbs, splitCommandLine } from '../commands.ts';
import { giveBackSplitter, takeSplitter } from './lines.ts';
import { parseReplyLine, isValidCode, isBlank } from './replies.ts';
import { isTlsHandshakeStart } from '../tls-records.ts';
import { JUDGE_BYTES } from './probe.ts';

/** The registered FTP control port (RFC 959) and implicit FTPS (RFC 4217 §1, port 990). */
export const FTP_CONTROL_PORT = 21;
export const FTPS_IMPLICIT_PORT = 990;

/** Lines of each direction the recogniser looks at (not counting blank ones: control bytes or
 *  terminal escapes only). */
const LINES_LOOKED_AT = 8;
/** Server lines without a reply that make a connection seen mid-stream not FTP (a capture may
 *  begin inside a long multi-line reply, on port 21 only). */
const SERVER_LINES_AGAINST = 4;
/** Lines of any kind read per direction before giving up on finding LINES_LOOKED_AT. */
const MAX_RAW_LINES = 64;
/** Bytes without a line end that are judged for binary content on their own. */
const BINARY_RUN = 64;

export type VerdictKind =
  | 'ftp' //        an FTP control connection
  | 'ftp-tls' //    an FTP control connection already encrypted (implicit FTPS, or capture began after AUTH TLS)
  | 'not-ftp'
  | 'undecided'; // not enough bytes yet

export interface Verdict {
  kind: VerdictKind;
  ftpServer: Side; // the Connection side that acts as FTP server (the one sending replies)
  reason: string; //  one line, for debugging and tests
}

export interface ProbeInput {
  client: Buffer; //       first bytes the Connection's client sent (may be empty)
  server: Buffer; //       first bytes its server sent
  clientGap: boolean; //   bytes of that direction went missing before or among these
  serverGap: boolean;
  clientPort: number;
  serverPort: number;
  sawSyn: boolean; //      the handshake was seen: the client is surely the initiator
  complete: boolean; //    no more bytes will come (connection ended, or the probe's buffers are full)
}

interface SideView {
  lines: string[]; //    complete non-blank lines, up to LINES_LOOKED_AT (terminal escapes removed)
  bytes: number; //      bytes seen
  replies: number; //    lines with reply grammar (DDD SP / DDD- / DDD)
  firstReply: number; // code of the first line in reply grammar, else 0
  verbs: number; //      lines whose first word is a known FTP verb
  strongVerbs: number; // … one that other line protocols do not share
  firstIsVerb: boolean;
  foreignVerb: boolean; // a verb only SMTP/NNTP have
  text: boolean; //      no line outside FTP's grammar looks binary
  binaryRun: boolean; // BINARY_RUN bytes or more without a line end, and binary
}

// ESC [ 1;32 m      ESC ] 0;title BEL      ESC ( B
/** Terminal escape sequences (ECMA-48 CSI and OSC, and two-byte escapes): a coloured banner or
 *  a user name with ESC in it is still text, and its grammar is judged without them. */
// eslint-disable-next-line no-control-regex
const TERMINAL_ESCAPE = /\x1b(?:\[[0-?]*[ -/]*[@-~]?|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[ -~]?)|\x9b[0-?]*[ -/]*[@-~]?/g;

/**
 * Heuristic: "these bytes are binary, not a line protocol"
 * Plain definition: a NUL byte, or more than a quarter of the bytes control characters other
 * than TAB, CR, LF and terminal escapes. Binary protocols (RDP, SMB, MySQL, PostgreSQL, DNS over
 * TCP) start with length fields and NULs; a stray control character in a text line (ESC in a
 * user name, BEL in a banner) does not make the line binary: a client must not be able to hide
 * its session from the recogniser by sending one.
 */
function looksBinary(t: string): boolean {
  const s = t.replace(TERMINAL_ESCAPE, '');
  let controls = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0) return true;
    if ((c < 0x20 && c !== 0x09 && c !== 0x0d) || c === 0x7f) controls++;
  }
  return controls * 4 > s.length;
}

/** A line in reply grammar: DDD SP, DDD- or a bare DDD with a code RFC 959/2228 defines. */
function isReplyLine(t: string): boolean {
  const { code, sep } = parseReplyLine(t);
  return isValidCode(code) && (sep === ' ' || sep === '-' || sep === '');
}

/** The line's verb (a line that starts with a space has none here: FEAT's lines do). */
function verbOf(t: string): string {
  return t.length > 0 && t.charCodeAt(0) > 0x20 ? splitCommandLine(t).verb : '';
}

const isVerbLine = (t: string): boolean => isKnownVerb(verbOf(t));

function view(bytes: Buffer): SideView {
  const splitter = takeSplitter(1024, null, null); // (given back below when idle: a connection may be judged at each segment)
  const raw: string[] = []; //   the non-blank lines as sent
  const lines: string[] = []; // … without terminal escapes
  let seen = 0;
  let grammar = false; // a line so far is a reply or starts with a known verb
  splitter.feed(bytes, 0, 0, 0, (l) => {
    const t = l.text.replace(TERMINAL_ESCAPE, '');
    if (!isBlank(t)) {
      raw.push(l.text);
      lines.push(t);
      if (!grammar) grammar = isReplyLine(t) || isVerbLine(t);
    }
    // past LINES_LOOKED_AT only while nothing is in FTP's grammar: junk lines sent first (and
    // answered 500 by a server) must not push the first command out of sight
    return (lines.length < LINES_LOOKED_AT || !grammar) && ++seen < MAX_RAW_LINES;
  });
  giveBackSplitter(splitter);
  const v: SideView = {
    lines,
    bytes: bytes.length,
    replies: 0,
    firstReply: 0,
    verbs: 0,
    strongVerbs: 0,
    firstIsVerb: false,
    foreignVerb: false,
    text: true,
    binaryRun: false,
  };
  let open = 0; // code of an open multi-line reply: its inner lines "may start with anything" (RFC 959 §4.2)
  v.lines.forEach((t, i) => {
    const { code, sep } = parseReplyLine(t);
    const reply = isReplyLine(t);
    if (reply) {
      v.replies++;
      if (v.firstReply === 0) v.firstReply = code;
    }
    const verb = verbOf(t);
    const known = isKnownVerb(verb);
    if (known) {
      v.verbs++;
      if (!ambiguousVerbs.has(verb)) v.strongVerbs++;
      if (i === 0) v.firstIsVerb = true;
    }
    if (otherProtocolVerbs.has(verb)) v.foreignVerb = true;
    // a line in FTP's grammar is judged by it, whatever its argument or text holds
    if (!reply && !known && open === 0 && looksBinary(raw[i]!)) v.text = false;
    if (open !== 0 && code === open && sep !== '-') open = 0;
    else if (open === 0 && reply && sep === '-') open = code;
  });
  if (seen === 0 && bytes.length > 0) {
    // no complete line yet: judge the partial one for binary content
    if (looksBinary(bytes.toString('latin1', 0, Math.min(bytes.length, BINARY_RUN)))) {
      v.text = false;
      v.binaryRun = bytes.length >= BINARY_RUN;
    }
  }
  return v;
}

/** First bytes that say "this is another protocol". */
function foreignSignature(b: Buffer): string | null {
  if (b.length === 0) return null;
  const head = b.subarray(0, 16).toString('latin1');
  if (/^(GET|POST|HEAD|PUT|DELETE|OPTIONS|CONNECT|PATCH|TRACE|PROPFIND) \S/.test(head) || head.startsWith('HTTP/'))
    return 'HTTP';
  if (head.startsWith('SSH-')) return 'SSH';
  if (head.startsWith('+OK') || head.startsWith('-ERR') || head.startsWith('* OK') || head.startsWith('* PREAUTH'))
    return 'POP3/IMAP';
  if (head.startsWith('PRI * HTTP/2')) return 'HTTP/2';
  return null;
}

/**
 * Heuristic: "this connection is an FTP control connection"
 * Plain definition: the FTP server's lines are replies (three-digit code, then space, hyphen or
 * end of line) and the FTP client's lines are known FTP verbs — and neither side shows another
 * protocol's signature (HTTP, SSH, POP3/IMAP, TLS, binary) or an SMTP/NNTP-only verb (EHLO,
 * MAIL, GROUP…; SMTP also greets with 220 and uses 3-digit replies).
 *   - a 220 greeting answered by a known verb                                   → FTP
 *   - replies from one side and a verb from the other that SMTP/NNTP lack       → FTP (mid-session)
 *   - on port 21: replies or verbs from either expected side                    → FTP
 *   - on port 21 or 990, a TLS handshake first                                  → FTP, already encrypted
 *   - the client's first line not a verb, or the server's first line not a reply, on a
 *     connection whose handshake was seen and that is not on port 21           → not FTP
 * When the capture missed the handshake, the side sending replies is taken as the FTP server.
 */
export function judgeControlChannel(p: ProbeInput): Verdict {
  const onFtpPort = p.serverPort === FTP_CONTROL_PORT || (!p.sawSyn && p.clientPort === FTP_CONTROL_PORT);
  const onFtpsPort = p.serverPort === FTPS_IMPLICIT_PORT || (!p.sawSyn && p.clientPort === FTPS_IMPLICIT_PORT);

  for (const [side, bytes] of [['client', p.client], ['server', p.server]] as const) {
    const sig = foreignSignature(bytes);
    if (sig) return { kind: 'not-ftp', ftpServer: 'server', reason: `${side} speaks ${sig}` };
    if (isTlsHandshakeStart(bytes, 0)) {
      if (onFtpPort || onFtpsPort) return { kind: 'ftp-tls', ftpServer: p.serverPort === FTP_CONTROL_PORT || p.serverPort === FTPS_IMPLICIT_PORT ? 'server' : 'client', reason: `TLS on port ${onFtpPort ? 21 : 990}` };
      return { kind: 'not-ftp', ftpServer: 'server', reason: `${side} starts TLS` };
    }
  }

  const c = view(p.client);
  const s = view(p.server);

  // orientation: when the handshake was missed the engine guessed roles from ports; trust content
  let ftpServer: Side = 'server';
  let cl = c;
  let sv = s;
  if (!p.sawSyn && s.replies === 0 && s.verbs > 0 && (c.replies > 0 || c.verbs === 0)) {
    ftpServer = 'client';
    cl = s;
    sv = c;
  }
  const verdict = (kind: VerdictKind, reason: string): Verdict => ({ kind, ftpServer, reason });

  if (cl.foreignVerb) return verdict('not-ftp', 'client uses an SMTP/NNTP verb');
  if (sv.lines.slice(0, 2).some((t) => /\bE?SMTP\b|\bNNTP\b/i.test(t))) return verdict('not-ftp', 'server greets as SMTP/NNTP');

  const greeting = sv.firstReply === 220;
  if (greeting && cl.firstIsVerb) return verdict('ftp', '220 greeting and a known verb');
  if (sv.replies > 0 && cl.strongVerbs > 0) return verdict('ftp', 'replies and FTP-specific verbs');
  if (onFtpPort && (sv.replies > 0 || cl.verbs > 0)) return verdict('ftp', 'port 21 with FTP grammar');

  // Evidence against waits for enough lines: a junk line or a control character that one side
  // sends first must not hide a session whose later lines are FTP (a client could hide its own
  // session so). The server speaks first in FTP: the client's lines are not held against it
  // while the server is silent or has greeted with 220, until LINES_LOOKED_AT of them are in; a
  // server's single odd first line is not either. Binary without a line end is judged at once.
  const settled = p.complete;
  const clientHeld = !settled && cl.lines.length < LINES_LOOKED_AT && cl.bytes < JUDGE_BYTES && (sv.bytes === 0 || greeting);
  const serverHeld = !settled && sv.lines.length < 2 && sv.bytes < JUDGE_BYTES;
  if (sv.binaryRun || (!sv.text && !serverHeld && sv.replies === 0)) return verdict('not-ftp', `${ftpServer === 'server' ? 'server' : 'client'} sends binary`);
  if ((cl.binaryRun && !clientHeld) || (!cl.text && !clientHeld && cl.verbs === 0)) return verdict('not-ftp', `${ftpServer === 'server' ? 'client' : 'server'} sends binary`);

  // evidence against (not on port 21: a capture may start inside a long multi-line reply there)
  if (!onFtpPort) {
    if (p.sawSyn) {
      if (cl.lines.length > 0 && !cl.firstIsVerb && !p.clientGap && !clientHeld) return verdict('not-ftp', 'client line is not an FTP command');
      if (sv.lines.length > 0 && sv.replies === 0 && !p.serverGap && !serverHeld) return verdict('not-ftp', 'server line is not an FTP reply');
    }
    // (a server that greeted and answered every junk line with a reply behaves as FTP: look on)
    if (cl.lines.length >= LINES_LOOKED_AT && cl.verbs === 0 && !(greeting && sv.replies === sv.lines.length)) return verdict('not-ftp', 'no FTP verb in the client lines');
    if (sv.lines.length >= SERVER_LINES_AGAINST && sv.replies === 0) return verdict('not-ftp', 'no reply in the server lines');
  }

  if (!p.complete) return verdict('undecided', 'waiting for more lines');
  // the connection is over (or the probe is full): decide on what there is
  if (onFtpPort && (greeting || sv.replies > 0 || cl.verbs > 0)) return verdict('ftp', 'port 21, little traffic');
  if (greeting && cl.lines.length === 0 && sv.replies === sv.lines.length && sv.lines.length > 0 && /\bftp\b/i.test(sv.lines.join(' ')))
    return verdict('ftp', 'an FTP greeting, client silent');
  if (sv.replies > 0 && cl.verbs > 0 && sv.replies === sv.lines.length && cl.verbs === cl.lines.length)
    return verdict('ftp', 'only FTP grammar on both sides');
  if (greeting && sv.replies === sv.lines.length && sv.replies >= 2 && cl.verbs > 0 && !/\bE?SMTP\b|\bNNTP\b|\bmail\b/i.test(sv.lines.join(' ')))
    return verdict('ftp', 'a 220 greeting, replies to every line, and an FTP verb');
  return verdict('not-ftp', 'not enough FTP evidence');
}
