// One TLS connection over one TCP connection: both directions' records read, the handshake parsed
// in the clear (and, with a key log, decrypted), facts gathered in `facts`, and decrypted
// application data handed to a listener as a plaintext stream per direction.
//
// Feeding it: the TCP stage's in-order bytes from where TLS starts (offset 0 on a data connection
// or implicit FTPS; after the 234 reply to AUTH TLS on a control connection), its gaps, and each
// side's FIN or RST; finish() at the end. Calls for one direction must come in stream order.
//
// Which records are protected:
//   TLS ≤ 1.2: everything a side sends after its ChangeCipherSpec (RFC 5246 §7.1);
//   TLS 1.3:   every application_data record (RFC 8446 §5.2): the server's from its ServerHello
//              on (handshake keys until its Finished, then application keys), the client's after
//              it has the ServerHello (handshake keys until its Finished); a client record of that
//              type before the ServerHello is 0-RTT data. ChangeCipherSpec is a no-op (§D.4).

import { alertLevelName, alertMeaning, alertName } from './alerts.ts';
import { cipherSuiteName, suiteParams, type SuiteParams } from './cipher-suites.ts';
import { certificateList, describeCertificate } from './certificates.ts';
import { TlsDecodeError } from './cursor.ts';
import { HandshakeAssembler } from './handshake-assembler.ts';
import { parseClientHello, parseNewSessionTicket12, parseServerHello, parseSslv2ClientHello } from './hello.ts';
import { nextTrafficSecret, tls12Keys, tls13Keys, type DirectionKeys } from './key-schedule.ts';
import { LABEL_OF, type KeyLog, type KeyLogEntry, type TlsSessionCache } from './keylog.ts';
import { ContentType, HandshakeType, handshakeTypeName, versionName } from './names.ts';
import { RecordDecryptor } from './record-cipher.ts';
import { SSLV2_CLIENT_HELLO, TlsRecordReader, type TlsRecord } from './record-reader.ts';
import {
  MAX_ALERTS,
  MAX_ANOMALIES,
  MAX_CERTIFICATES,
  MAX_FAILURES,
  type AlertFact,
  type DecryptFailureReason,
  type RecordBytes,
  type ResumptionFact,
  type Side,
  type SideEndFact,
  type TlsAnomaly,
  type TlsFacts,
} from './types.ts';

/** Where decrypted application data goes. Buffers are valid during the call only. */
export interface TlsListener {
  /** Plaintext application data sent by `from`; `offset` is the plaintext stream offset of data[0]. */
  onPlaintext?(from: Side, data: Buffer, offset: number, frame: number, time: number): void;
  /** Application data of `from` that could not be decrypted although keys were at hand: `length`
   *  bytes (exact, or an upper bound when `exact` is false) at plaintext offset `offset`; later
   *  offsets continue after them, as TCP's onGap does. */
  onPlaintextGap?(from: Side, offset: number, length: number, exact: boolean, frame: number, reason: DecryptFailureReason): void;
}

export interface TlsConnectionOptions {
  keyLog?: KeyLog | null;
  /** One per capture: lets a resumed TLS ≤ 1.2 session use the master secret of the one it resumes. */
  sessionCache?: TlsSessionCache | null;
  listener?: TlsListener;
}

/** After lost record boundaries, sequence numbers tried to pick decryption up again. */
const SEQ_SEARCH = 2048;
/** Records tried that way before giving up on a direction. */
const SEQ_SEARCH_RECORDS = 4;
/** Body length of a TLS 1.3 record holding one alert and no padding: alert(2) + type(1) + tag(16). */
const TLS13_ALERT_RECORD = 19;
/** Application-data record sizes kept per side (RecordBytes.sizes). */
const FIRST_SIZES = 4;

class Direction {
  readonly reader: TlsRecordReader;
  readonly hs: HandshakeAssembler;
  protected_ = false; //           TLS ≤ 1.2: its CCS was seen; TLS 1.3: its records of type 23 are protected
  decryptor: RecordDecryptor | null = null;
  pendingKeys: DirectionKeys | null = null; // TLS ≤ 1.2: activated by its CCS
  trafficSecret: Buffer | null = null; //  TLS 1.3 application secret in use (for KeyUpdate)
  appSecret: Buffer | null = null; //      TLS 1.3 application secret to switch to after its Finished
  rekeyAfterRecord: DirectionKeys | null = null; // keys that take effect from the next record
  stopAfterRecord = false; //      no keys for what follows (a TLS 1.3 application secret missing from the key log)
  plainOffset = 0; //              plaintext stream offset
  seqUnknown = false; //           record boundaries were lost: search the sequence number
  searchFailures = 0;
  lossReported = false;
  handshakeRecordsAfterCcs = 0; // TLS ≤ 1.2 protected handshake records seen (its Finished first)
  lastType = -1; //                content type (outer) of its last record
  lastVersion = 0; //              record-layer version of its last record
  lastProtected = false;
  sentHandshakeFlightDone = false; // TLS 1.3 without keys: its first protected records were the handshake
  flightRecords = 0; //            TLS 1.3 without keys: client records taken for its handshake flight so far
  probableAlertUncounted = false; // finish() took its probable close_notify out of the data counts
  fullHandshakeSeen = false; //    server: Certificate / ServerKeyExchange / ServerHelloDone seen (TLS ≤ 1.2)

  constructor(
    readonly side: Side,
    readonly conn: TlsConnection,
    keys: boolean, // a key log was given: application data may be decrypted
  ) {
    // the reader and the assembler call back with this direction as `this`: two shared functions,
    // not four closures (with their contexts) per TLS connection
    this.reader = new TlsRecordReader(directionRecord, side === 'client', !keys, this);
    this.hs = new HandshakeAssembler(directionMessage, this);
  }
}

function directionRecord(this: unknown, r: TlsRecord): void {
  const d = this as Direction;
  d.conn.takeRecord(d, r);
}

function directionMessage(this: unknown, type: number, body: Buffer, frame: number, time: number): void {
  const d = this as Direction;
  d.conn.takeMessage(d, type, body, frame, time);
}

/** `from` sent a FIN or an RST: the first of each is noted in the facts (TlsConnection.close, and
 *  an FTP channel's facts after its connection let go of its TLS state: ftp/tls-channel.ts). */
export function noteTlsClose(facts: TlsFacts, from: Side, kind: 'fin' | 'rst', frame: number): void {
  const e = facts.end[from];
  if (kind === 'fin') e.finFrame ??= frame;
  else e.rstFrame ??= frame;
}

function emptyEnd(): SideEndFact {
  return { closeNotifyFrame: null, closeNotify: null, closeNotifyKnowable: true, fatalAlertFrame: null, finFrame: null, rstFrame: null, lastRecordFrame: null, lastRecordLength: 0, ending: 'open' };
}

function emptyBytes(): RecordBytes {
  return { records: 0, bytes: 0, plaintextEstimate: 0, sizes: [] };
}

export class TlsConnection {
  readonly facts: TlsFacts;
  private readonly client: Direction;
  private readonly server: Direction;
  private readonly keyLog: KeyLog | null;
  private readonly sessions: TlsSessionCache | null;
  private masterSecret: Buffer | null = null; // TLS ≤ 1.2, while decrypting
  private readonly listener: TlsListener;
  private suite: SuiteParams | null = null;
  private decrypting = false; //        keys in hand for this connection
  private messageDecrypted = false; //  the handshake message being dispatched came from a decrypted record
  private estimateUnknown = { client: false, server: false };

  constructor(opts: TlsConnectionOptions = {}) {
    this.keyLog = opts.keyLog ?? null;
    this.sessions = opts.sessionCache ?? null;
    this.listener = opts.listener ?? {};
    // without a key log no application_data body is read (its length and frames are the facts)
    this.client = new Direction('client', this, this.keyLog !== null);
    this.server = new Direction('server', this, this.keyLog !== null);
    this.facts = {
      clientHello: null,
      serverHello: null,
      helloRetry: false,
      version: null,
      cipherSuite: null,
      resumption: { offered: [], accepted: null, how: null, evidence: 'no ServerHello seen' },
      certificates: [],
      certificatesDropped: 0,
      alerts: [],
      alertsDropped: 0,
      changeCipherSpec: { client: null, server: null },
      newSessionTickets: { count: 0, firstFrame: null, visible: null, digests: [] },
      finished: { client: null, server: null },
      keyUpdates: { client: 0, server: 0 },
      records: { client: 0, server: 0 },
      applicationData: { client: emptyBytes(), server: emptyBytes() },
      plaintext: { client: 0, server: 0 },
      end: { client: emptyEnd(), server: emptyEnd() },
      decryption: {
        state: this.keyLog ? 'no-handshake' : 'no-key-log',
        reason: this.keyLog ? 'the TLS handshake (ClientHello, ServerHello) was not seen' : 'no key log given',
        missingLabels: [],
        records: { client: 0, server: 0 },
        failures: [],
        failureCount: 0,
      },
      anomalies: [],
    };
  }

  /** In-order TLS bytes sent by `from`; data[0] is at TCP stream offset `offset`. Returns -1, or
   *  the stream offset at which, at a record boundary, the bytes stopped being TLS records (the
   *  caller may find cleartext FTP there: a server's reply after a failed handshake, or CCC). */
  feed(from: Side, data: Buffer, offset: number, frame: number, time: number): number {
    const d = this.dir(from);
    const resyncs = d.reader.resyncs;
    const wasSynced = d.reader.synced;
    d.reader.feed(data, offset, frame, time);
    this.afterReader(d, resyncs, frame);
    return wasSynced && !d.reader.synced && d.reader.problem === 'bad-header' ? d.reader.problemOffset : -1;
  }

  /** `length` bytes sent by `from` at TCP stream offset `offset` are missing from the capture. */
  gap(from: Side, offset: number, length: number, frame: number): void {
    const d = this.dir(from);
    const resyncs = d.reader.resyncs;
    d.reader.gap(offset, length, frame);
    this.afterReader(d, resyncs, frame);
  }

  /** `from` sent a FIN or an RST. */
  close(from: Side, kind: 'fin' | 'rst', frame: number): void {
    noteTlsClose(this.facts, from, kind, frame);
  }

  /** Settles the summaries (endings, resumption, decryption state); callable more than once. */
  finish(): TlsFacts {
    const f = this.facts;
    const tls13 = f.version === 0x0304;
    for (const side of ['client', 'server'] as const) {
      const d = this.dir(side);
      const e = f.end[side];
      e.closeNotifyKnowable = !(tls13 && !this.decrypting);
      if (e.closeNotify === null || e.closeNotify === 'probable') {
        e.closeNotify = null;
        e.closeNotifyFrame = null;
        // an undecrypted alert-sized record last before the connection ended: most likely its
        // close_notify, whether the side then closed too or the peer, having ended first, reset
        // the connection on it (proftpd and vsftpd answer a client's close_notify with an RST)
        const alertLast = d.lastProtected && !this.decrypting && (tls13 ? d.lastType === ContentType.applicationData && e.lastRecordLength === TLS13_ALERT_RECORD : d.lastType === ContentType.alert);
        const peer = f.end[side === 'client' ? 'server' : 'client'];
        if (alertLast && (e.finFrame !== null || e.rstFrame !== null || peer.finFrame !== null || peer.rstFrame !== null)) {
          e.closeNotify = 'probable';
          e.closeNotifyFrame = e.lastRecordFrame;
          if (tls13 && !d.probableAlertUncounted) {
            // it was counted as application data: take it out again (once: finish() may run twice)
            d.probableAlertUncounted = true;
            const a = f.applicationData[side];
            a.records--;
            if (a.sizes.length > a.records) a.sizes.pop();
            a.bytes -= TLS13_ALERT_RECORD;
            if (a.plaintextEstimate >= 0) a.plaintextEstimate -= TLS13_ALERT_RECORD - 17;
          }
        }
      }
      e.ending = ending(e);
      if (this.estimateUnknown[side]) f.applicationData[side].plaintextEstimate = -1;
    }
    const dec = f.decryption;
    if (dec.state === 'decrypting' && dec.records.client + dec.records.server === 0 && dec.failureCount > 0) {
      dec.state = 'failing';
      dec.reason = 'keys found for this connection, but no record decrypted with them (a key log of another run?)';
    }
    return f;
  }

  private dir(side: Side): Direction {
    return side === 'client' ? this.client : this.server;
  }

  private afterReader(d: Direction, resyncsBefore: number, frame: number): void {
    const r = d.reader;
    if (!r.synced && !d.lossReported) {
      d.lossReported = true;
      d.hs.reset();
      d.seqUnknown = true;
      const what = r.problem === 'gap-in-header' ? 'bytes missing from the capture hid a record header' : r.problem === 'record-too-long' ? 'a record header gave a length over 2^14+2048' : 'bytes that are not a TLS record header';
      this.anomaly(r.records === 0 && r.problem === 'bad-header' ? 'not-tls' : 'lost-sync', d.side, r.problemFrame || frame, `${what} at stream offset ${r.problemOffset}`);
    }
    if (r.resyncs !== resyncsBefore) {
      d.lossReported = false;
      this.anomaly('resynced', d.side, frame, 'record boundaries found again at the start of a segment');
    }
  }

  private anomaly(kind: TlsAnomaly['kind'], from: Side, frame: number, detail: string): void {
    if (this.facts.anomalies.length < MAX_ANOMALIES) this.facts.anomalies.push({ kind, from, frame, detail });
  }

  // ---- records ----

  /** A record of direction `d` (called by its reader, through directionRecord). */
  takeRecord(d: Direction, r: TlsRecord): void {
    const f = this.facts;
    f.records[d.side]++;
    const end = f.end[d.side];
    end.lastRecordFrame = r.frame;
    end.lastRecordLength = r.length;
    d.lastType = r.type;
    d.lastVersion = r.version;
    if (r.type === SSLV2_CLIENT_HELLO) {
      d.lastProtected = false;
      if (r.missing > 0) return this.anomaly('bytes-missing', d.side, r.frame, 'SSLv2-framed ClientHello incomplete in the capture');
      try {
        f.clientHello = parseSslv2ClientHello(r.version, r.body, r.frame, r.time);
      } catch (e) {
        this.malformed(d, r.frame, 'SSLv2 ClientHello', e);
      }
      return;
    }
    const tls13 = f.version === 0x0304;
    const isProtected = tls13 ? r.type === ContentType.applicationData : d.protected_;
    d.lastProtected = isProtected;
    if (r.type === ContentType.changeCipherSpec && !d.protected_) {
      f.changeCipherSpec[d.side] ??= r.frame;
      if (!tls13) this.startProtection(d);
      return;
    }
    if (!isProtected) return this.clearRecord(d, r);
    this.protectedRecord(d, r);
  }

  private clearRecord(d: Direction, r: TlsRecord): void {
    if (r.missing > 0) {
      if (r.type === ContentType.handshake) d.hs.reset();
      return this.anomaly('bytes-missing', d.side, r.frame, `a ${recordTypeName(r.type)} record is incomplete in the capture (${r.missing} bytes missing)`);
    }
    switch (r.type) {
      case ContentType.handshake:
        this.messageDecrypted = false;
        d.hs.push(r.body, r.frame, r.time);
        return;
      case ContentType.alert:
        return this.alerts(d, r.body, r.frame, r.time, 'clear');
      case ContentType.applicationData:
        // TLS 1.3 client data before the ServerHello: 0-RTT (early data)
        if (this.facts.version === null && d.side === 'client' && this.facts.clientHello?.earlyData) return this.countAppData(d, r);
        this.anomaly('unexpected-record', d.side, r.frame, 'application data before the handshake protected the connection');
        return this.countAppData(d, r);
    }
  }

  private protectedRecord(d: Direction, r: TlsRecord): void {
    const f = this.facts;
    const tls13 = f.version === 0x0304;
    if (!d.decryptor) {
      // no keys: what can be told from the outside
      if (!tls13 && r.type === ContentType.alert) return this.alerts(d, Buffer.alloc(0), r.frame, r.time, 'encrypted');
      if (!tls13 && r.type === ContentType.handshake) {
        if (d.handshakeRecordsAfterCcs++ === 0) f.finished[d.side] ??= r.frame;
        return;
      }
      if (tls13 && !this.afterHandshakeTls13(d, r)) {
        // its handshake flight (server: EncryptedExtensions … Finished; client: Finished)
        if (d.side === 'client') f.finished.client = r.frame;
        else f.finished.server = r.frame;
        return;
      }
      if (r.type === ContentType.applicationData) this.countAppData(d, r);
      return;
    }
    if (r.missing > 0) return this.undecrypted(d, r, 'incomplete-record');
    const result = d.seqUnknown ? this.search(d, r) : d.decryptor.next(r.type, r.version, r.body);
    if (!result.ok) return this.undecrypted(d, r, result.reason);
    f.decryption.records[d.side]++;
    const rekey = d.rekeyAfterRecord;
    this.inner(d, result.type, result.plaintext, r);
    // keys that change after this record (TLS 1.3 Finished, KeyUpdate)
    if (d.rekeyAfterRecord && d.rekeyAfterRecord !== rekey) {
      d.decryptor.rekey(d.rekeyAfterRecord);
    }
    d.rekeyAfterRecord = null;
    if (d.stopAfterRecord) d.decryptor = null;
  }

  /**
   * Heuristic: "the end of a TLS 1.3 handshake flight, without keys"
   * A side's handshake flight is over once the peer has answered it: for the server, once any
   * client record of type 23 was seen (the client's flight ends with its Finished). The client's
   * flight is its Finished, after a Certificate and CertificateVerify when the server asked for
   * one (vsftpd does): its records up to the first one of exactly a Finished's size (type byte,
   * 4-byte header, the suite's hash, 16-byte tag: 53 bytes for SHA-256 suites, 69 for SHA-384;
   * OpenSSL and GnuTLS do not pad), at most four.
   */
  private afterHandshakeTls13(d: Direction, r: TlsRecord): boolean {
    if (d.sentHandshakeFlightDone) return true;
    if (d.side === 'client') {
      d.flightRecords++;
      const finished = this.finishedRecordLength();
      if (finished < 0 || r.length === finished || d.flightRecords >= 4) d.sentHandshakeFlightDone = true; // the next one is data
      return false;
    }
    if (this.facts.finished.client !== null) {
      d.sentHandshakeFlightDone = true;
      return true;
    }
    return false;
  }

  /** Body length of a TLS 1.3 record holding only a Finished message, -1 when the suite is unknown. */
  private finishedRecordLength(): number {
    const p = this.facts.cipherSuite === null ? null : suiteParams(this.facts.cipherSuite);
    if (!p || typeof p === 'string') return -1;
    return 1 + 4 + (p.prfHash === 'sha384' ? 48 : 32) + p.tagLength;
  }

  private countAppData(d: Direction, r: TlsRecord): void {
    const a = this.facts.applicationData[d.side];
    if (a.sizes.length < FIRST_SIZES) a.sizes.push(r.length);
    a.records++;
    a.bytes += r.length;
    const overhead = this.recordOverhead();
    if (overhead < 0) this.estimateUnknown[d.side] = true;
    else a.plaintextEstimate += Math.max(0, r.length - overhead);
  }

  /** Bytes a protected record adds to its plaintext, when fixed: TLS 1.2 GCM 24, ChaCha 16;
   *  TLS 1.3 17 (type byte + tag, no padding); -1 when it varies (CBC) or is unknown. */
  private recordOverhead(): number {
    if (!this.suite) {
      const p = this.facts.cipherSuite === null ? null : suiteParams(this.facts.cipherSuite);
      if (!p || typeof p === 'string') return -1;
      this.suite = p;
    }
    const s = this.suite;
    if (s.tls13) return s.tagLength + 1;
    if (s.aead) return s.explicitNonceLength + s.tagLength;
    return -1;
  }

  private search(d: Direction, r: TlsRecord): ReturnType<RecordDecryptor['next']> {
    const dec = d.decryptor!;
    if (d.searchFailures >= SEQ_SEARCH_RECORDS) return { ok: false, reason: 'lost-sync' };
    for (let s = dec.seq; s < dec.seq + SEQ_SEARCH; s++) {
      const res = dec.decryptAt(s, r.type, r.version, r.body);
      if (res.ok) {
        dec.seq = s + 1;
        d.seqUnknown = false;
        return res;
      }
    }
    d.searchFailures++;
    return { ok: false, reason: 'lost-sync' };
  }

  private undecrypted(d: Direction, r: TlsRecord, reason: DecryptFailureReason): void {
    const dec = this.facts.decryption;
    dec.failureCount++;
    if (dec.failures.length < MAX_FAILURES) dec.failures.push({ from: d.side, frame: r.frame, reason });
    if (r.type === ContentType.handshake) d.hs.reset();
    if (r.type !== ContentType.applicationData) return;
    this.countAppData(d, r);
    const overhead = this.recordOverhead();
    const exact = overhead >= 0 && !(this.suite?.tls13 ?? false);
    const length = Math.max(0, r.length - Math.max(overhead, 0));
    this.listener.onPlaintextGap?.(d.side, d.plainOffset, length, exact, r.frame, reason);
    d.plainOffset += length;
  }

  /** A decrypted record's content. */
  private inner(d: Direction, type: number, plaintext: Buffer, r: TlsRecord): void {
    switch (type) {
      case ContentType.handshake:
        this.messageDecrypted = true;
        d.hs.push(plaintext, r.frame, r.time);
        return;
      case ContentType.alert:
        return this.alerts(d, plaintext, r.frame, r.time, 'decrypted');
      case ContentType.applicationData: {
        const a = this.facts.applicationData[d.side];
        if (a.sizes.length < FIRST_SIZES) a.sizes.push(r.length);
        a.records++;
        a.bytes += r.length;
        a.plaintextEstimate += plaintext.length;
        this.facts.plaintext[d.side] += plaintext.length;
        if (plaintext.length > 0) this.listener.onPlaintext?.(d.side, plaintext, d.plainOffset, r.frame, r.time);
        d.plainOffset += plaintext.length;
        return;
      }
      default:
        this.anomaly('unexpected-record', d.side, r.frame, `decrypted record of content type ${type}`);
    }
  }

  private alerts(d: Direction, body: Buffer, frame: number, time: number, visible: AlertFact['visible']): void {
    const f = this.facts;
    const push = (a: AlertFact) => {
      if (f.alerts.length < MAX_ALERTS) f.alerts.push(a);
      else f.alertsDropped++;
    };
    if (visible === 'encrypted') {
      push({ from: d.side, frame, time, visible, level: -1, levelName: 'unknown', description: -1, name: 'encrypted', meaning: 'an alert whose content is encrypted (a close_notify when it ends the connection)' });
      return;
    }
    for (let i = 0; i + 2 <= body.length; i += 2) {
      const level = body[i]!;
      const description = body[i + 1]!;
      push({ from: d.side, frame, time, visible, level, levelName: alertLevelName(level), description, name: alertName(description), meaning: alertMeaning(description) });
      const end = f.end[d.side];
      if (description === 0 && end.closeNotify === null) {
        end.closeNotify = visible;
        end.closeNotifyFrame = frame;
      }
      if (level === 2) end.fatalAlertFrame ??= frame;
    }
  }

  // ---- handshake messages ----

  /** A handshake message of direction `d` (called by its assembler, through directionMessage). */
  takeMessage(d: Direction, type: number, body: Buffer, frame: number, time: number): void {
    const f = this.facts;
    const decrypted = this.messageDecrypted;
    try {
      switch (type) {
        case HandshakeType.clientHello:
          if (d.side !== 'client') break;
          f.clientHello = parseClientHello(body, frame, time, d.lastVersion);
          break;
        case HandshakeType.serverHello: {
          if (d.side !== 'server') break;
          const sh = parseServerHello(body, frame, time);
          if (sh.helloRetryRequest) {
            // RFC 8446 §4.1.4: it already names the version and suite; the real ServerHello follows
            f.helloRetry = true;
            f.serverHello ??= sh;
            f.version = sh.version;
            f.cipherSuite = sh.cipherSuite;
            break;
          }
          f.serverHello = sh;
          f.version = sh.version;
          f.cipherSuite = sh.cipherSuite;
          this.keysFor(sh.version, sh.cipherSuite);
          this.resumption();
          break;
        }
        case HandshakeType.certificate:
        case HandshakeType.serverKeyExchange:
        case HandshakeType.serverHelloDone:
          if (d.side === 'server' && f.version !== 0x0304) {
            d.fullHandshakeSeen = true;
            this.resumption();
          }
          if (type === HandshakeType.certificate) this.certificates(d, body, frame, decrypted);
          break;
        case HandshakeType.newSessionTicket:
          f.newSessionTickets.count++;
          f.newSessionTickets.firstFrame ??= frame;
          f.newSessionTickets.visible ??= decrypted ? 'decrypted' : 'clear';
          if (f.version !== 0x0304) {
            const digest = parseNewSessionTicket12(body);
            if (f.newSessionTickets.digests.length < 4) f.newSessionTickets.digests.push(digest);
            if (this.masterSecret) this.sessions?.remember(`ticket:${digest}`, this.masterSecret);
          }
          break;
        case HandshakeType.finished:
          f.finished[d.side] ??= frame;
          if (f.version === 0x0304 && d.decryptor && this.suite) {
            // its application secret takes over from the next record; without it, decryption of this direction stops
            if (d.appSecret) {
              d.trafficSecret = d.appSecret;
              d.rekeyAfterRecord = tls13Keys(this.suite, d.appSecret);
              d.appSecret = null;
            } else d.stopAfterRecord = true;
          }
          break;
        case HandshakeType.keyUpdate:
          f.keyUpdates[d.side]++;
          if (d.trafficSecret && this.suite) {
            d.trafficSecret = nextTrafficSecret(this.suite, d.trafficSecret);
            d.rekeyAfterRecord = tls13Keys(this.suite, d.trafficSecret);
          }
          break;
      }
    } catch (e) {
      this.malformed(d, frame, handshakeTypeName(type), e);
    }
  }

  private malformed(d: Direction, frame: number, what: string, e: unknown): void {
    if (!(e instanceof TlsDecodeError)) throw e;
    this.anomaly('malformed-handshake', d.side, frame, `${what}: ${e.message}`);
  }

  private certificates(d: Direction, body: Buffer, frame: number, decrypted: boolean): void {
    const f = this.facts;
    const room = MAX_CERTIFICATES - f.certificates.length;
    const { ders, total } = certificateList(body, f.version === 0x0304, Math.max(0, room));
    ders.forEach((der, i) => f.certificates.push(describeCertificate(der, d.side, frame, i, decrypted ? 'decrypted' : 'clear')));
    f.certificatesDropped += total - ders.length;
  }

  /** TLS ≤ 1.2: a side's CCS switches its records to the keys of the key block. */
  private startProtection(d: Direction): void {
    d.protected_ = true;
    if (d.pendingKeys && this.suite) {
      d.decryptor = new RecordDecryptor(this.suite, d.pendingKeys, this.encryptThenMac());
      d.pendingKeys = null;
    }
    if (d.side === 'server') this.resumption();
  }

  private encryptThenMac(): boolean {
    const ch = this.facts.clientHello;
    const sh = this.facts.serverHello;
    return !!ch?.encryptThenMac && !!sh?.encryptThenMac && !this.suite?.aead;
  }

  /** Key setup at the ServerHello, when a key log was given. */
  private keysFor(version: number, suiteCode: number): void {
    const dec = this.facts.decryption;
    const ch = this.facts.clientHello;
    const p = suiteParams(suiteCode);
    if (typeof p !== 'string') this.suite = p;
    if (!this.keyLog) return;
    if (!ch) {
      dec.state = 'no-handshake';
      dec.reason = 'the ClientHello was not seen: its random is what finds the keys';
      return;
    }
    if (version !== 0x0303 && version !== 0x0304) {
      dec.state = 'unsupported-version';
      dec.reason = `${versionName(version)} is not decrypted here (SSL 3.0, TLS 1.0 and 1.1 are deprecated, RFC 8996)`;
      return;
    }
    if (typeof p === 'string' || p.tls13 !== (version === 0x0304)) {
      dec.state = 'unsupported-cipher-suite';
      dec.reason = `${cipherSuiteName(suiteCode)}: ${p === 'null-cipher' ? 'no encryption (NULL cipher); records are not protected' : 'a cipher this tool does not decrypt (AES-GCM, ChaCha20-Poly1305 and AES/3DES-CBC are)'}`;
      return;
    }
    const e = this.resumedSecret(version, ch.random) ?? this.keyLog.get(ch.random);
    const need: Array<keyof KeyLogEntry> = version === 0x0304 ? ['clientHandshake', 'serverHandshake', 'clientTraffic0', 'serverTraffic0'] : ['masterSecret'];
    const missing = need.filter((k) => !e?.[k]);
    dec.missingLabels = missing.map((k) => LABEL_OF[k]);
    if (!e || missing.length === need.length) {
      dec.state = 'no-keys-for-connection';
      dec.reason = `the key log has no ${dec.missingLabels.join(', ')} line for this connection's client random`;
      return;
    }
    this.decrypting = true;
    dec.state = 'decrypting';
    // a client that gave up mid-handshake (a rejected certificate) logs only the secrets it made
    dec.reason = missing.length ? `partly: the key log has no ${dec.missingLabels.join(', ')} line for this connection` : null;
    const sh = this.facts.serverHello!;
    if (version === 0x0303) {
      this.masterSecret = e.masterSecret!;
      if (sh.sessionId !== '') this.sessions?.remember(`id:${sh.sessionId}`, e.masterSecret!);
      const keys = tls12Keys(p, e.masterSecret!, Buffer.from(ch.random, 'hex'), Buffer.from(sh.random, 'hex'));
      this.client.pendingKeys = keys.client;
      this.server.pendingKeys = keys.server;
      return;
    }
    // TLS 1.3: handshake keys now, application keys after each side's Finished
    if (e.serverHandshake) this.server.decryptor = new RecordDecryptor(p, tls13Keys(p, e.serverHandshake), false);
    if (e.clientHandshake) this.client.decryptor = new RecordDecryptor(p, tls13Keys(p, e.clientHandshake), false);
    this.server.appSecret = e.serverTraffic0 ?? null;
    this.client.appSecret = e.clientTraffic0 ?? null;
  }

  /** TLS ≤ 1.2 resumption: the master secret of the session resumed, when the key log has none
   *  for this client random and an earlier connection of the capture gave it (ticket or ID). */
  private resumedSecret(version: number, random: string): KeyLogEntry | null {
    if (version !== 0x0303 || !this.sessions || this.keyLog?.get(random)?.masterSecret) return null;
    const ch = this.facts.clientHello!;
    const sh = this.facts.serverHello!;
    const byTicket = this.sessions.lookup(`ticket:${ch.ticketDigest}`);
    const byId = sh.sessionId !== '' && sh.sessionId === ch.sessionId ? this.sessions.lookup(`id:${sh.sessionId}`) : undefined;
    const m = byTicket ?? byId;
    return m ? { masterSecret: m } : null;
  }

  /** Whether the session was resumed, from what the hellos and the server's next messages show. */
  private resumption(): void {
    const f = this.facts;
    const ch = f.clientHello;
    const sh = f.serverHello;
    const r: ResumptionFact = { offered: [], accepted: null, how: null, evidence: '' };
    if (!sh) {
      r.evidence = 'no ServerHello seen';
      f.resumption = r;
      return;
    }
    if (sh.version === 0x0304) {
      if (ch && ch.pskIdentities > 0) r.offered.push('psk');
      r.accepted = sh.pskSelected !== null;
      r.how = r.accepted ? 'psk' : null;
      r.evidence = r.accepted
        ? `the ServerHello (frame ${sh.frame}) selected pre_shared_key identity ${sh.pskSelected}`
        : `the ServerHello (frame ${sh.frame}) has no pre_shared_key: a full handshake${r.offered.length ? ' although the client offered one' : ' (the client offered none)'}`;
      f.resumption = r;
      return;
    }
    if (ch && ch.sessionId !== '') r.offered.push('session-id');
    if (ch && ch.ticket === 'present') r.offered.push('ticket');
    const echoed = ch !== null && sh.sessionId !== '' && sh.sessionId === ch.sessionId;
    const server = this.server;
    if (echoed) {
      r.accepted = true;
      r.how = ch.ticket === 'present' ? 'ticket' : 'session-id';
      r.evidence = `the ServerHello (frame ${sh.frame}) echoes the session ID the client offered`;
    } else if (server.fullHandshakeSeen) {
      r.accepted = false;
      r.evidence = `the server sent its certificate or key exchange after the ServerHello (frame ${sh.frame}): a full handshake${r.offered.length ? ' although the client offered a session' : ' (the client offered no session)'}`;
    } else if (f.changeCipherSpec.server !== null) {
      r.accepted = true;
      r.how = ch?.ticket === 'present' ? 'ticket' : 'session-id';
      r.evidence = `the server's ChangeCipherSpec (frame ${f.changeCipherSpec.server}) follows its ServerHello directly: an abbreviated handshake`;
    } else {
      r.evidence = `the ServerHello (frame ${sh.frame}) does not echo the client's session ID; what followed it was not seen`;
      if (ch && ch.sessionId !== '' && ch.ticket !== 'present') r.accepted = false;
    }
    f.resumption = r;
  }
}

function ending(e: SideEndFact): SideEndFact['ending'] {
  if (e.finFrame === null && e.rstFrame === null) return 'open';
  if (e.closeNotify === 'clear' || e.closeNotify === 'decrypted') return 'close-notify';
  if (e.closeNotify === 'probable') return 'probable-close-notify';
  const rst = e.finFrame === null || (e.rstFrame !== null && e.rstFrame < e.finFrame);
  if (!e.closeNotifyKnowable) return rst ? 'rst-unknown' : 'fin-unknown';
  return rst ? 'rst-without-close-notify' : 'fin-without-close-notify';
}

function recordTypeName(t: number): string {
  return t === 20 ? 'change_cipher_spec' : t === 21 ? 'alert' : t === 22 ? 'handshake' : t === 23 ? 'application_data' : t === 24 ? 'heartbeat' : `type ${t}`;
}
