// FTPS: the TLS stage (src/tls) over one FTP control or data connection, in FTP roles. The FTP
// client is the TLS client (RFC 4217 §4 for the control connection, §9 for data connections, in
// either data mode), so TLS's 'client' and 'server' are the FTP ones once the connection's sides
// are mapped; the FTP stage feeds it, and reads back the handshake facts, how each side ended and,
// with a key log, the plaintext (a control channel's lines go on to the FTP parser; a data
// connection's are counted as file bytes).

import type { Connection, Side } from '../tcp/types.ts';
import { TlsConnection, noteTlsClose } from '../tls/connection.ts';
import { TlsSessionCache, type KeyLog } from '../tls/keylog.ts';
import type { DecryptFailureReason, TlsFacts } from '../tls/types.ts';
import type { TlsEnding, TlsDataFrom } from './types.ts';

/** What every TLS connection of one capture shares: the key log (null without --keylog) and the
 *  TLS ≤ 1.2 session cache that lets a resumed session use the master secret of the one it
 *  resumes (an FTPS data connection resumes the control connection's session). */
export interface FtpTlsContext {
  keyLog: KeyLog | null;
  sessions: TlsSessionCache;
}

export function ftpTlsContext(keyLog: KeyLog | null = null, sessions = new TlsSessionCache()): FtpTlsContext {
  return { keyLog, sessions };
}

/** Where a control channel's plaintext goes (control/session.ts). */
export interface PlaintextOwner {
  /** Decrypted application data of FTP role `role`, in stream order (valid during the call). */
  plainLines(role: Side, data: Buffer, frame: number, time: number): void;
  /** Application data of `role` that did not decrypt (`length` bytes, an upper bound if not exact). */
  plainGap(role: Side, length: number, frame: number, reason: DecryptFailureReason): void;
}

/** Marks kept per side to turn acknowledged TCP bytes into acknowledged plaintext bytes. */
const ACK_MARKS = 1024;
/** Bytes of a record header (type, version, length). */
const RECORD_HEADER = 5;
/** Body length of the largest record that can be a TLS 1.3 session ticket without keys (OpenSSL
 *  sends two of 250 bytes after a full handshake, one after a resumption). */
const TICKET_MAX = 512;

export class FtpTlsChannel {
  readonly plaintext = { client: 0, server: 0 }; //        decrypted application bytes, by FTP role
  readonly plaintextMissing = { client: 0, server: 0 }; // application bytes that did not decrypt (upper bound)
  private tls: TlsConnection | null; //                     null once retired (only its facts kept)
  private facts: TlsFacts | null = null; //                 settled by finish(); all that is kept once retired
  /** Per FTP role, pairs (TCP stream offset reached, plaintext bytes decrypted by then), a ring
   *  of ACK_MARKS; made when the first plaintext comes. */
  private marks: Record<Side, Float64Array | null> = { client: null, server: null };
  private markCount = { client: 0, server: 0 };

  /** `owner`: where a control channel's plaintext goes (its lines), null for a data connection
   *  (counted only). The channel is the TLS connection's listener itself: no closures per channel. */
  constructor(
    ctx: FtpTlsContext,
    private readonly owner: PlaintextOwner | null = null,
  ) {
    this.tls = new TlsConnection({ keyLog: ctx.keyLog, sessionCache: ctx.sessions, listener: this });
  }

  /** TlsListener: decrypted application data of `from`. */
  onPlaintext(from: Side, data: Buffer, _offset: number, frame: number, time: number): void {
    this.plaintext[from] += data.length;
    this.owner?.plainLines(from, data, frame, time);
  }

  /** TlsListener: application data of `from` that did not decrypt. */
  onPlaintextGap(from: Side, _offset: number, length: number, _exact: boolean, frame: number, reason: DecryptFailureReason): void {
    this.plaintextMissing[from] += length;
    this.owner?.plainGap(from, length, frame, reason);
  }

  /** TLS bytes sent by FTP role `role`; `tcpOffset`: the TCP stream offset of data[0]. */
  feed(role: Side, data: Buffer, tcpOffset: number, frame: number, time: number): void {
    if (data.length === 0 || this.tls === null) return;
    this.facts = null;
    const before = this.plaintext[role];
    this.tls.feed(role, data, tcpOffset, frame, time);
    if (this.plaintext[role] !== before) this.mark(role, tcpOffset + data.length);
  }

  /** `length` bytes of `role` at `tcpOffset` are missing from the capture (-1: unknown, the
   *  record boundaries are lost). */
  gap(role: Side, tcpOffset: number, length: number, frame: number): void {
    if (this.tls === null) return;
    this.facts = null;
    this.tls.gap(role, tcpOffset, length < 0 ? Number.MAX_SAFE_INTEGER : length, frame);
  }

  /** FTP role `role` sent a FIN or an RST. */
  close(role: Side, kind: 'fin' | 'rst', frame: number): void {
    if (this.tls === null) {
      noteTlsClose(this.facts!, role, kind, frame); // a late FIN or RST after the connection ended
      return;
    }
    this.facts = null;
    this.tls.close(role, kind, frame);
  }

  /** The facts as they stand (settled again after more input; once retired, as they were then). */
  finish(): TlsFacts {
    return (this.facts ??= this.tls!.finish());
  }

  /**
   * The data connection has ended and every transfer on it is settled (analyzer.ts): its facts
   * are final but for a late FIN or RST, which close() still notes in them. The record readers,
   * handshake assemblers and decryption state go (~1 KB per TLS data connection, held until its
   * session's unit is released).
   */
  retire(): void {
    if (this.tls === null) return;
    this.finish();
    this.tls = null;
  }

  /** The TLS facts as they stand (not settled). */
  private get current(): TlsFacts {
    return this.tls === null ? this.facts! : this.tls.facts;
  }

  /** Keys were found and records decrypt: the plaintext is the connection's content. */
  get readable(): boolean {
    const d = this.current.decryption;
    return d.state === 'decrypting' && (d.records.client + d.records.server > 0 || d.failureCount === 0);
  }

  /** The handshake failed: a fatal alert, or a side closed before both Finished messages. */
  get handshakeFailed(): boolean {
    const f = this.current;
    if (f.alerts.some((a) => a.level === 2 && a.visible !== 'encrypted')) return f.finished.client === null || f.finished.server === null;
    return f.clientHello !== null && (f.finished.client === null || f.finished.server === null);
  }

  private mark(role: Side, tcpEnd: number): void {
    const m = (this.marks[role] ??= new Float64Array(2 * ACK_MARKS));
    const i = (this.markCount[role]++ % ACK_MARKS) * 2;
    m[i] = tcpEnd;
    m[i + 1] = this.plaintext[role];
  }

  /**
   * Plaintext bytes of `role` whose records the peer had acknowledged, given `tcpAcked`, the TCP
   * bytes of `role` the peer acknowledged: the plaintext decrypted by the last segment the ACKs
   * cover whole (exact to a segment). Older marks than the ring holds are estimated in proportion.
   */
  plaintextAcked(role: Side, tcpAcked: number): number {
    const m = this.marks[role];
    const n = Math.min(this.markCount[role], ACK_MARKS);
    if (!m || n === 0) return 0;
    const newest = ((this.markCount[role] - 1) % ACK_MARKS) * 2;
    if (tcpAcked >= m[newest]!) return this.plaintext[role];
    let best = -1;
    let oldest = -1;
    for (let k = 0; k < n; k++) {
      const i = k * 2;
      if (m[i]! <= tcpAcked && (best < 0 || m[i]! > m[best]!)) best = i;
      if (oldest < 0 || m[i]! < m[oldest]!) oldest = i;
    }
    if (best >= 0) return m[best + 1]!;
    // the ring no longer holds a mark that early (more than ACK_MARKS segments unacknowledged)
    return this.markCount[role] > ACK_MARKS ? Math.floor((m[oldest + 1]! * tcpAcked) / m[oldest]!) : 0;
  }
}

/** FTP role of each side of a connection, from the side of its FTP server. */
export function rolesOf(ftpServerSide: Side): Record<Side, Side> {
  return ftpServerSide === 'server' ? { client: 'client', server: 'server' } : { client: 'server', server: 'client' };
}

/**
 * How a TLS stream over `conn` ended, in FTP roles. The TCP close (the first FIN or RST) is
 * judged by what the TLS records before it show:
 *   clean                     the side that closed first had sent close_notify;
 *   no-close-notify           a FIN without close_notify before it (a cut cannot be told from an end);
 *   reset-after-close-notify  an RST from a side that had sent close_notify: its stream was over;
 *   reset                     an RST without close_notify;
 *   open                      no close in the capture; unknown: record boundaries were lost.
 * `resetHarmless`: the connection's RST came after the resetter had ended its side (close_notify,
 * or FIN) and threw away at most one small record (≤ TICKET_MAX bytes) the peer sent after that
 * or that crossed the resetter's FIN (unread when it closed):
 * its close_notify, a TLS 1.3 session ticket, a last reply the resetter no longer wanted. lftp
 * (GnuTLS) closes every TLS connection so, and curl (OpenSSL) after a ticket it did not read.
 */
export function tlsEnding(conn: Connection, facts: TlsFacts, ftpServerSide: Side): TlsEnding {
  const role = rolesOf(ftpServerSide);
  const notify = (r: Side): TlsEnding['clientCloseNotify'] => {
    if (facts.end[r].closeNotify !== null) return 'sent';
    return lostThread(facts, r) ? 'unknown' : 'not-sent';
  };
  const closer = conn.closedBy === null ? null : role[conn.closedBy];
  const closerNotify = closer === null ? 'unknown' : notify(closer);
  let verdict: TlsEnding['verdict'];
  if (conn.closeKind === null) verdict = 'open';
  else if (closerNotify === 'unknown') verdict = 'unknown';
  else if (conn.closeKind === 'fin') verdict = closerNotify === 'sent' ? 'clean' : 'no-close-notify';
  else verdict = closerNotify === 'sent' ? 'reset-after-close-notify' : 'reset';
  let resetHarmless = false;
  const rst = conn.reset;
  if (rst) {
    const x = role[rst.by];
    const peerEnd = facts.end[x === 'client' ? 'server' : 'client'];
    const xNotify = facts.end[x].closeNotifyFrame;
    // when the resetter had ended its side: its close_notify, else its FIN
    const xEnd = xNotify !== null && xNotify <= rst.frame ? xNotify : rst.senderFinFrame > 0 && rst.senderFinFrame < rst.frame ? rst.senderFinFrame : 0;
    // the peer's last record came after that end, or crossed the resetter's FIN (its FIN did not
    // acknowledge it: vsftpd's FIN and the client's close_notify cross, then vsftpd's RST)
    const crossedFin = rst.senderFinFrame > 0 && rst.senderFinFrame < rst.frame;
    const lastAfter = peerEnd.lastRecordFrame !== null && (peerEnd.lastRecordFrame >= xEnd || crossedFin) && peerEnd.lastRecordLength <= TICKET_MAX;
    resetHarmless = xEnd > 0 && (rst.unackedByPeer === 0 || (lastAfter && rst.unackedByPeer <= RECORD_HEADER + peerEnd.lastRecordLength));
  }
  return {
    clientCloseNotify: notify('client'),
    serverCloseNotify: notify('server'),
    closedBy: closer,
    closeKind: conn.closeKind,
    closeFrame: conn.closeFrame,
    verdict,
    resetHarmless,
  };
}

/** Record boundaries of `role` were lost and not found again. */
function lostThread(f: TlsFacts, role: Side): boolean {
  let lost = false;
  for (const a of f.anomalies) {
    if (a.from !== role) continue;
    if (a.kind === 'lost-sync' || a.kind === 'not-tls') lost = true;
    else if (a.kind === 'resynced') lost = false;
  }
  return lost;
}

/**
 * Heuristic: "which way the data went on a TLS data connection"
 * With keys: the side that sent plaintext (certain). Without: application-data record bytes each
 * way after the handshake, less what is not data — a TLS 1.3 server's session tickets (its first
 * records of one size up to TICKET_MAX bytes, one or two of them, after which more came or the
 * count is two: OpenSSL's habit) — and the close_notify (taken out by src/tls). TLS ≤ 1.2 shows
 * application data exactly (tickets travel in the handshake): one side with data and the other
 * with none is high confidence; TLS 1.3 without keys medium (a small file and a ticket look
 * alike); both sides with data, one at least 8 times the other: low. Else unknown (null).
 */
export function dataDirection(facts: TlsFacts, plaintext: Record<Side, number> | null): TlsDataFrom {
  if (plaintext) {
    const from: Side | null = plaintext.client > 0 && plaintext.server === 0 ? 'client' : plaintext.server > 0 && plaintext.client === 0 ? 'server' : null;
    return {
      from,
      confidence: from ? 'high' : null,
      dataBytes: { client: plaintext.client, server: plaintext.server },
      evidence: from ? `decrypted: ${plaintext[from]} bytes of data from the ${from}, none the other way` : plaintext.client + plaintext.server === 0 ? 'decrypted: no data either way' : `decrypted: data both ways (${plaintext.client} bytes from the client, ${plaintext.server} from the server)`,
    };
  }
  const tls13 = facts.version === 0x0304;
  const bytes = { client: facts.applicationData.client.bytes, server: facts.applicationData.server.bytes };
  let tickets = 0;
  if (tls13) {
    const s = facts.applicationData.server;
    const first = s.sizes[0];
    if (first !== undefined && first <= TICKET_MAX) {
      const same = s.sizes[1] === first ? 2 : 1;
      if (same === 2 || s.records > 1) tickets = same;
      if (s.records === 1 && same === 1 && facts.resumption.accepted === true) tickets = 1; // one ticket after a resumption
    }
    if (tickets > 0) bytes.server = Math.max(0, bytes.server - tickets * first!);
  }
  const ticketNote = tickets > 0 ? ` (less ${tickets === 1 ? 'a record' : `${tickets} records`} of ${facts.applicationData.server.sizes[0]} bytes taken for session tickets)` : '';
  const what = `${tls13 ? 'TLS 1.3' : 'TLS'} application data: ${bytes.client} bytes from the client, ${bytes.server} from the server${ticketNote}`;
  let from: Side | null = null;
  let confidence: TlsDataFrom['confidence'] = null;
  if (bytes.client > 0 && bytes.server === 0) from = 'client';
  else if (bytes.server > 0 && bytes.client === 0) from = 'server';
  if (from) confidence = tls13 ? 'medium' : 'high';
  else if (bytes.client >= 8 * bytes.server && bytes.client > 0) [from, confidence] = ['client', 'low'];
  else if (bytes.server >= 8 * bytes.client && bytes.server > 0) [from, confidence] = ['server', 'low'];
  return { from, confidence, dataBytes: bytes, evidence: what };
}
