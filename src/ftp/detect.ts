// Control-channel recogniser: decides from the first bytes of both directions whether a TCP
// connection is an FTP control connection, on any port, with or without the 220 greeting.

import type { Side } from '../tcp/types.ts';
import { isKnownVerb, otherProtocolVerbs, ambiguousVerbs } from './commands.ts';
import { LineSplitter } from './lines.ts';
import { parseReplyLine, isValidCode, isBlank } from './replies.ts';
import { isTlsHandshakeStart } from './tls-records.ts';

/** The registered FTP control port (RFC 959) and implicit FTPS (RFC 4217 §1, port 990). */
export const FTP_CONTROL_PORT = 21;
export const FTPS_IMPLICIT_PORT = 990;

/** Lines of each direction the recogniser looks at. */
const LINES_LOOKED_AT = 4;

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
  lines: string[]; //    complete lines, up to LINES_LOOKED_AT
  bytes: number; //      bytes seen
  replies: number; //    lines with reply grammar (DDD SP / DDD- / DDD)
  firstReply: number; // code of the first line if it is a reply, else 0
  verbs: number; //      lines whose first word is a known FTP verb
  strongVerbs: number; // … one that other line protocols do not share
  firstIsVerb: boolean;
  foreignVerb: boolean; // a verb only SMTP/NNTP have
  text: boolean; //      every line looked at is printable text
}

function view(bytes: Buffer): SideView {
  const splitter = new LineSplitter(1024);
  const lines: string[] = [];
  splitter.feed(bytes, 0, 0, 0, (l) => {
    lines.push(l.text);
    return lines.length < LINES_LOOKED_AT;
  });
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
  };
  lines.forEach((t, i) => {
    if (/[\x00-\x08\x0a-\x1f\x7f]/.test(t)) v.text = false;
    const { code, sep } = parseReplyLine(t);
    if (isValidCode(code) && (sep === ' ' || sep === '-' || sep === '')) {
      v.replies++;
      if (i === 0) v.firstReply = code;
    }
    const verb = (t.split(' ', 1)[0] ?? '').toUpperCase();
    if (isKnownVerb(verb)) {
      v.verbs++;
      if (!ambiguousVerbs.has(verb)) v.strongVerbs++;
      if (i === 0) v.firstIsVerb = true;
    }
    if (otherProtocolVerbs.has(verb)) v.foreignVerb = true;
  });
  if (lines.length === 0 && bytes.length > 0) {
    // no complete line yet: judge the partial one for binary content
    const head = bytes.subarray(0, Math.min(bytes.length, 64));
    for (const b of head) if ((b < 0x20 && b !== 0x09 && b !== 0x0d) || b === 0x7f) v.text = false;
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
  if (!c.text && c.bytes > 0) return { kind: 'not-ftp', ftpServer: 'server', reason: 'client sends binary' };
  if (!s.text && s.bytes > 0) return { kind: 'not-ftp', ftpServer: 'server', reason: 'server sends binary' };

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
  if (sv.lines.length > 0 && /\bE?SMTP\b|\bNNTP\b/i.test(sv.lines[0]!)) return verdict('not-ftp', 'server greets as SMTP/NNTP');

  const greeting = sv.firstReply === 220;
  if (greeting && cl.firstIsVerb) return verdict('ftp', '220 greeting and a known verb');
  if (sv.replies > 0 && cl.strongVerbs > 0) return verdict('ftp', 'replies and FTP-specific verbs');
  if (onFtpPort && (sv.replies > 0 || cl.verbs > 0)) return verdict('ftp', 'port 21 with FTP grammar');

  // evidence against (not on port 21: a capture may start inside a long multi-line reply there)
  if (!onFtpPort) {
    if (p.sawSyn) {
      const firstClient = cl.lines.find((t) => !isBlank(t));
      if (firstClient !== undefined && !cl.firstIsVerb && !p.clientGap) return verdict('not-ftp', 'client line is not an FTP command');
      if (sv.lines.length > 0 && sv.replies === 0 && !p.serverGap) return verdict('not-ftp', 'server line is not an FTP reply');
    }
    if (cl.lines.length >= LINES_LOOKED_AT && cl.verbs === 0) return verdict('not-ftp', 'no FTP verb in the client lines');
    if (sv.lines.length >= LINES_LOOKED_AT && sv.replies === 0) return verdict('not-ftp', 'no reply in the server lines');
  }

  if (!p.complete) return verdict('undecided', 'waiting for more lines');
  // the connection is over (or the probe is full): decide on what there is
  if (onFtpPort && (greeting || sv.replies > 0 || cl.verbs > 0)) return verdict('ftp', 'port 21, little traffic');
  if (greeting && cl.lines.length === 0 && sv.replies === sv.lines.length && sv.lines.length > 0 && /\bftp\b/i.test(sv.lines.join(' ')))
    return verdict('ftp', 'an FTP greeting, client silent');
  if (sv.replies > 0 && cl.verbs > 0 && sv.replies === sv.lines.length && cl.verbs === cl.lines.length)
    return verdict('ftp', 'only FTP grammar on both sides');
  return verdict('not-ftp', 'not enough FTP evidence');
}
