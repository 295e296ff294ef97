// Builds the plain fact objects rules are evaluated over (shapes documented in fact-schema.ts and
// rules/FACTS.md) from what the TCP and FTP stages produced. Whole numbers become BigInt because
// CEL `int` is BigInt in cel-js; times and rates stay JS numbers (CEL `double`).

import type { CaptureSummary } from '../capture/frame.ts';
import type { Connection, DataConflict, Endpoint, Side, TcpEventRecord } from '../tcp/types.ts';
import { TcpEventKinds } from '../tcp/types.ts';
import { forgedResets, initialTtl, type ResetJudgement } from '../tcp/reset-origin.ts';
import type { DecodeCounters } from '../decode/counters.ts';
import type { ConnectionRole as FtpConnectionRole, FtpCommand, FtpReply, Session, Transfer } from '../ftp/types.ts';
import type { ClientLogins } from '../ftp/logins.ts';
import type { FtpAttempt } from '../ftp/attempts.ts';
import { conflictTexts, hideCredentials, shownArgument } from '../format/redact.ts';
import { endpointText } from '../format/endpoint.ts';
import { connectionLabel, sessionLabel, transferLabel } from '../format/labels.ts';
import { linkTypeText } from '../format/link-types.ts';
import { sessionTlsFact, tlsConnectionFact, transferTlsFact } from './tls-facts.ts';
import { connectionPresence, connectionTls } from './presence.ts';

/** Decode-stage counters the capture facts report (the decoder's DecodeCounters fits). */
export type DecodeCounts = Pick<DecodeCounters, 'tcp' | 'notIp' | 'notTcp' | 'fragments' | 'malformed' | 'truncated' | 'fragmentConflicts' | 'fragmentConflictCount'>;

export const emptyDecodeCounts = (): DecodeCounts => ({ tcp: 0, notIp: 0, notTcp: 0, fragments: 0, malformed: 0, truncated: 0, fragmentConflicts: [], fragmentConflictCount: 0 });

/** A connection's role as rules see it (`role`): an attempt to reach an FTP server is 'other',
 *  with c.ftpAttempt saying what it was. */
export type ConnectionRole = 'control' | 'data' | 'other';

/** A fact object: what CEL sees. Kept loose on purpose; fact-schema.ts is the typed description. */
export type Fact = Record<string, unknown>;

/** What the fact builder reads. `connections` is in id order (the TCP engine's list), so a
 *  connection is found by index without building a map per diagnosis pass. */
export interface FactSources {
  connections: readonly Connection[];
  sessions: readonly Session[];
  transfers: readonly Transfer[];
  /** What the FTP stage made of each connection (FtpAnalyzer.roleOf); absent: 'other'. */
  roles: ReadonlyMap<number, FtpConnectionRole>;
  showPasswords: boolean;
  /** Time of the capture's last TCP segment when the lists above are not the whole capture (a
   *  session diagnosed as soon as it is final); default: the latest end among `connections`. */
  captureEnd?: number;
  /** Sessions and transfers in the whole capture, when the lists above are not all of them. */
  totals?: { sessions: number; transfers: number };
  /** Connection attempts to an FTP server that never got through, by connection id (ftp/attempts.ts). */
  attempts?: ReadonlyMap<number, FtpAttempt>;
  /** Refused logins per client and server (the FTP stage's ledger), at the end of the capture. */
  logins?: { clients: readonly ClientLogins[]; untracked: number };
  /** Keep command facts across builders (live: a session's facts are built again for each
   *  provisional diagnosis). A released unit builds each once, where the cache only costs. */
  reuseCommandFacts?: boolean;
  /** Transfers of a session already released as parts of its unit (release.ts), by session id:
   *  what the session's facts read of each, since the Transfer itself is gone. */
  releasedTransfers?: ReadonlyMap<number, { get(id: number): TransferSummary | undefined }>;
}

/** What a session's facts read of each of its transfers (the transfers it ran, their client's
 *  close, refusal and empty-transfer groups): a released transfer leaves this much behind, in
 *  columns (released.ts SummaryColumns). A Transfer is one. */
export interface TransferSummary {
  readonly id: number;
  readonly command: Transfer['command'];
  readonly direction: Transfer['direction'];
  readonly commandFrame: number;
  readonly outcome: Transfer['outcome'];
  readonly bytesStatus: Transfer['bytesStatus'];
  readonly bytes: number;
  readonly finalReply: Pick<FtpReply, 'frame' | 'valid' | 'code'> | null;
}

/** Replies without a command whose own findings tell them: 120 (a 220 follows), 421
 *  (service-unavailable), 530 (the logins). */
const ORPHANS_TOLD_ELSEWHERE: ReadonlySet<number> = new Set([120, 421, 530]);

/** Commands whose 530 answer means the login itself failed (RFC 959 §5.4). */
const LOGIN_VERBS: ReadonlySet<string> = new Set(['USER', 'PASS', 'ACCT']);

const SMALL_INTS: readonly bigint[] = Array.from({ length: 1024 }, (_, i) => BigInt(i));

/** CEL int: BigInt of a whole number; NaN/Infinity (never expected) become 0 rather than throw. */
export function int(x: number): bigint {
  // small values (counts, flags, most fields) come from a table: each BigInt is a heap object
  if (x >= 0 && x < SMALL_INTS.length && (x | 0) === x) return SMALL_INTS[x]!;
  return Number.isFinite(x) ? BigInt(Math.trunc(x)) : 0n;
}

const ints = (xs: readonly number[]): bigint[] => xs.map(int);

/** A list's objects by id. A whole capture lists them in id order from 0, so the id is the
 *  position; a released unit lists its own from 0, so that misses and a map (first object of each
 *  id) is built once: a scan per lookup was quadratic in a session of 10^4 transfers. A list that
 *  grew since the map was built is scanned, as before. */
class ById<T extends { id: number }> {
  private index: Map<number, T> | null = null;
  constructor(private readonly list: readonly T[]) {}

  get(id: number): T | undefined {
    const x = this.list[id];
    if (x && x.id === id) return x;
    if (!this.index) {
      this.index = new Map();
      for (const y of this.list) if (!this.index.has(y.id)) this.index.set(y.id, y);
    }
    return this.index.get(id) ?? this.list.find((y) => y.id === id);
  }
}

const dbl = (x: number): number => (Number.isFinite(x) ? x : 0);

const firstSecond = (t: { first: string; second: string }) => ({ first: t.first, second: t.second });

/** Connection facts need FTP context (role, label, last command); the builder holds the lookups. */
export class FactBuilder {
  private readonly sessionByControl = new Map<number, Session>(); //  control Connection.id → session
  private readonly transferByData = new Map<number, Transfer>(); //   data Connection.id → transfer
  private connBySynFrame: Map<number, Connection> | null = null; // built on first need
  private captureEnd: number | null = null; //                  seconds, latest Connection.endTime (built on first need)
  private readonly connFacts = new Map<number, Fact>(); //      by Connection.id, built once per builder
  private readonly sessionFacts = new Map<number, Fact>(); //   by Session.id
  private readonly transferFacts = new Map<number, Fact>(); //  by Transfer.id
  private readonly transferOfFrame = new Map<number, Map<number, number>>(); // by Session.id: command frame → Transfer.id
  private readonly commandLists = new Map<number, Fact[]>(); // by Session.id: s.commands once a rule read it
  private readonly connsById: ById<Connection>;
  private readonly sessionsById: ById<Session>;
  private readonly transfersById: ById<Transfer>;
  // Command facts never change once answered: cache across builders (cwd-navigation has 2,800).
  private static readonly commandCache = new WeakMap<FtpCommand, { key: string; fact: Fact }>();

  constructor(private readonly src: FactSources) {
    this.captureEnd = src.captureEnd ?? null;
    this.connsById = new ById(src.connections);
    this.sessionsById = new ById(src.sessions);
    this.transfersById = new ById(src.transfers);
    for (const s of src.sessions) this.sessionByControl.set(s.control, s);
    for (const t of src.transfers) if (t.dataConnection !== null) this.transferByData.set(t.dataConnection, t);
  }

  connection(id: number): Connection | undefined {
    return this.connsById.get(id);
  }

  /** Facts built and still held (connections and transfers), for the memory bound tests check. */
  get heldFacts(): number {
    return this.connFacts.size + this.transferFacts.size;
  }

  /** Drops the facts of a transfer and of connections whose findings are made: a session of 10^5
   *  transfers is diagnosed one transfer at a time, not with every fact of it held at once. A fact
   *  asked for again is built again, the same (facts are functions of the records). */
  forget(connections: readonly number[], transfer: number | null): void {
    for (const id of connections) this.connFacts.delete(id);
    if (transfer !== null) this.transferFacts.delete(transfer);
  }

  private connectionBySyn(frame: number): Connection | undefined {
    if (!this.connBySynFrame) {
      this.connBySynFrame = new Map();
      for (const c of this.src.connections) if (c.client.synFrame !== null) this.connBySynFrame.set(c.client.synFrame, c);
    }
    return this.connBySynFrame.get(frame);
  }

  /** Time of the capture's last TCP segment (the latest connection end), computed once. */
  private captureEndTime(): number {
    if (this.captureEnd === null) {
      let end = 0;
      for (const c of this.src.connections) if (c.endTime > end) end = c.endTime;
      this.captureEnd = end;
    }
    return this.captureEnd;
  }

  roleOf(connId: number): ConnectionRole {
    const role = this.src.roles.get(connId);
    return role === 'control' || role === 'data' ? role : 'other';
  }

  sessionOfConnection(connId: number): Session | null {
    const s = this.sessionByControl.get(connId);
    if (s) return s;
    const t = this.transferByData.get(connId);
    return t ? this.sessionById(t.session) : null;
  }

  transferOfConnection(connId: number): Transfer | null {
    return this.transferByData.get(connId) ?? null;
  }

  sessionById(id: number | null): Session | null {
    return id === null ? null : (this.sessionsById.get(id) ?? null);
  }

  // ---- capture -------------------------------------------------------------------------------

  capture(summary: CaptureSummary, decode: DecodeCounts, connections: number): Fact {
    return {
      file: summary.file,
      format: summary.format,
      nanosecond: summary.nanosecond,
      compressed: summary.compressed ?? '',
      linkTypes: ints(summary.linkTypes),
      linkTypeNames: summary.linkTypes.map(linkTypeText),
      frames: int(summary.frames),
      bytes: int(summary.bytes),
      truncated: summary.truncated,
      warnings: summary.warnings.map((w) => `offset ${w.offset}: ${w.message}`),
      tcpFrames: int(decode.tcp),
      fragmentConflicts: int(decode.fragmentConflictCount),
      fragmentConflictList: decode.fragmentConflicts.map((x) => ({
        by: '',
        firstFrame: int(x.firstFrame),
        frame: int(x.frame),
        first: this.src.showPasswords ? x.first : hideCredentials(x.first),
        second: this.src.showPasswords ? x.second : hideCredentials(x.second),
        taken: '',
        replyFrame: int(0),
      })),
      notIp: int(decode.notIp),
      notTcp: int(decode.notTcp),
      fragments: int(decode.fragments),
      malformed: int(decode.malformed),
      snapped: int(decode.truncated),
      connections: int(connections),
      sessions: int(this.src.totals?.sessions ?? this.src.sessions.length),
      transfers: int(this.src.totals?.transfers ?? this.src.transfers.length),
      duplicates: int(summary.repeats?.duplicates ?? 0),
      duplicateFrames: ints(summary.repeats?.duplicateFrames ?? []),
      originalFrames: ints(summary.repeats?.originalFrames ?? []),
      stepsBack: int(summary.repeats?.stepsBack ?? 0),
      largestStepBack: dbl(summary.repeats?.largestStepBack ?? 0),
      stepBackFrames: ints(summary.repeats?.stepBackFrames ?? []),
      repeatWindow: int(summary.repeats?.windowFrames ?? 0),
      beyondWindow: int(summary.repeats?.beyondWindow ?? 0),
      copiesSamePoint: int(summary.repeats?.kinds['same-point'] ?? 0),
      copiesTwoPoints: int(summary.repeats?.kinds['two-points'] ?? 0),
      copiesTwoMirrors: int(summary.repeats?.kinds['two-mirrors'] ?? 0),
      copyTtls: ints(summary.repeats?.ttls ?? []),
      copyGap: dbl(summary.repeats?.largestGap ?? 0),
      loginPairsNotTracked: int(this.src.logins?.untracked ?? 0),
    };
  }

  // ---- connection ----------------------------------------------------------------------------

  connectionFact(c: Connection): Fact {
    const cached = this.connFacts.get(c.id);
    if (cached) return cached;
    const role = this.roleOf(c.id);
    const session = this.sessionOfConnection(c.id);
    const transfer = this.transferOfConnection(c.id);
    const attempt = this.src.attempts?.get(c.id) ?? null;
    const tls = connectionTls(role, session, transfer);
    const label = connectionLabel(c, this.src.roles.get(c.id) ?? 'other', { session: session?.id ?? null, transfer: transfer ? transferLabel(transfer) : null });
    const events: Record<string, Fact> = {};
    const kinds: string[] = [];
    for (const kind of TcpEventKinds) {
      const rec: TcpEventRecord | undefined = c.events[kind];
      events[kind] = eventFact(rec);
      if (rec && rec.count > 0) kinds.push(kind);
    }
    const forged = forgedResets(c);
    const context = (frame: number): string => {
      if (role === 'data' && transfer) return transfer.command === 'unknown' ? '' : `${transfer.command}${transfer.argument ? ' ' + transfer.argument : ''}`;
      if (role === 'control' && session) {
        const cmd = lastCommandBefore(session, frame);
        return cmd ? commandLine(cmd, this.src.showPasswords) : '';
      }
      return '';
    };
    const fact: Fact = {
      id: int(c.id),
      label,
      role,
      ipVersion: int(c.ipVersion),
      client: endpointFact(c.client, this.who(c, 'client', role, transfer)),
      server: endpointFact(c.server, this.who(c, 'server', role, transfer)),
      roleGuessed: c.roleGuessed,
      firstFrame: int(c.firstFrame),
      lastFrame: int(c.lastFrame),
      startTime: dbl(c.startTime),
      endTime: dbl(c.endTime),
      duration: dbl(c.endTime - c.startTime),
      connState: c.connState,
      history: c.history,
      handshake: handshakeOf(c),
      closedBy: c.closedBy ?? '',
      closeKind: c.closeKind ?? '',
      closeFrame: int(c.closeFrame ?? 0),
      ended: c.ended,
      evicted: c.evicted,
      idleEnded: c.idleEndedAt !== null,
      segments: int(c.client.segments + c.server.segments),
      events,
      eventKinds: kinds,
      conflicts: c.conflicts.map((x) => ({
        by: x.by,
        firstFrame: int(x.firstFrame),
        frame: int(x.frame),
        ...firstSecond(conflictTexts(x, this.src.showPasswords)),
        taken: x.taken ?? '',
        replyFrame: int(x.replyFrame),
      })),
      reset: c.reset
        ? {
            by: c.reset.by,
            frame: int(c.reset.frame),
            time: dbl(c.reset.time),
            senderState: c.reset.senderState,
            peerState: c.reset.peerState,
            unackedBySender: int(c.reset.unackedBySender),
            unackedByPeer: int(c.reset.unackedByPeer),
            afterStrayAck: c.reset.afterStrayAck,
            senderFinFrame: int(c.reset.senderFinFrame),
            peerFinFrame: int(c.reset.peerFinFrame),
            peerFinished: c.reset.peerFinished,
            afterCommand: context(c.reset.frame),
            forged: forgedConfidence(forged, c.reset.frame),
          }
        : null,
      halfClose: c.halfClose
        ? {
            by: c.halfClose.by,
            finFrame: int(c.halfClose.finFrame),
            peerBytesAfter: int(c.halfClose.peerBytesAfter),
            peerFramesAfter: ints(c.halfClose.peerFramesAfter),
            afterCommand: context(c.halfClose.finFrame),
          }
        : null,
      strayAck: c.strayAck
        ? {
            by: c.strayAck.by,
            finAckFrame: int(c.strayAck.finAckFrame),
            frame: int(c.strayAck.frame),
            rstFrame: int(c.strayAck.rstFrame ?? 0),
            ackBelow: int(c.strayAck.ackBelow),
          }
        : null,
      lost: c.lost
        ? {
            by: c.lost.by,
            who: this.who(c, c.lost.by, role, transfer),
            frame: int(c.lost.frame),
            frames: ints(c.lost.frames),
            retransmissions: int(c.lost.retransmissions),
            intervals: c.lost.intervals.map(dbl),
            length: int(c.lost.length),
            seconds: dbl(c.lost.lastTime - c.lost.firstTime),
            peerSegments: int(c.lost.peerSegments),
          }
        : null,
      stall: stallFact(c),
      retransmissionsAfterFin: int(c.client.retransmissionsAfterFin + c.server.retransmissionsAfterFin),
      forgedResets: forged.map((j) => ({
        by: j.by,
        addr: c[j.by].addr,
        frame: int(j.sample.frame),
        time: dbl(j.sample.time),
        ttl: int(j.sample.ttl),
        initialTtl: int(initialTtl(j.sample.ttl)),
        ipId: int(j.sample.ipId),
        window: int(j.sample.window),
        signals: [...j.signals],
        confidence: j.confidence ?? 'low',
        ipIdPattern: j.ipIdPattern,
        evidence: j.evidence,
        who: this.who(c, j.by, role, transfer),
        copiedFrame: int(j.signals.includes('ip-id-copied') ? j.sample.copiedFrame || j.sample.peerFrame : 0),
        hostTtl: int(j.hostTtl),
        location: j.location,
        endedConnection: c.reset !== null && c.reset.frame === j.sample.frame,
      })),
      silence: c.longestSilence
        ? {
            seconds: dbl(c.longestSilence.seconds),
            fromFrame: int(c.longestSilence.fromFrame),
            toFrame: int(c.longestSilence.toFrame),
            fromTime: dbl(c.longestSilence.fromTime),
            toTime: dbl(c.longestSilence.toTime),
          }
        : null,
      // a connection someone closed (FIN or RST) was not idle at the end: it had ended
      // and one the engine stopped waiting for counts until then, the same however far the
      // capture goes on (a streaming analysis diagnoses it before the capture's end is known)
      idleAtEnd: c.closeKind !== null ? 0 : dbl(Math.max(0, (c.idleEndedAt ?? this.captureEndTime()) - c.endTime)),
      // FTPS: the TLS over this connection (control or data), as the FTP stage read it
      tls: tls ? tlsConnectionFact(tls) : null,
      nat: c.nat
        ? {
            translated: c.nat.translated,
            addr: c.nat.addr,
            port: int(c.nat.port),
            endpoint: endpointText(c.nat.addr, c.nat.port),
            frame: int(c.nat.frame),
            alg: c.nat.alg.map((a) => ({ side: a.side, frame: int(a.frame), delta: int(a.delta) })),
          }
        : null,
      ftpAttempt: attempt
        ? {
            outcome: attempt.outcome,
            synFrames: ints(attempt.synFrames),
            syns: int(attempt.synFrames.length),
            rstFrame: int(attempt.rstFrame ?? 0),
            seconds: dbl(attempt.lastTime - attempt.firstTime),
            session: int(attempt.session ?? -1),
            sessionFrame: int(attempt.sessionFrame),
            acceptFrame: int(attempt.acceptFrame ?? 0),
            closeFrame: int(attempt.closeFrame ?? 0),
            closeKind: attempt.closeKind ?? '',
            openSeconds: dbl(attempt.openSeconds),
            commandFrames: ints(session !== null && role === 'control' ? session.commands.slice(0, 20).map((x) => x.frame) : []),
          }
        : null,
    };
    this.connFacts.set(c.id, fact);
    return fact;
  }

  /** What the connection had (presence.ts), from its records: which of its facts may hold,
   *  without building them. */
  connectionPresence(c: Connection): Uint8Array {
    const role = this.roleOf(c.id);
    const tls = connectionTls(role, this.sessionOfConnection(c.id), this.transferOfConnection(c.id));
    return connectionPresence({ conn: c, role, tls, attempt: this.src.attempts?.has(c.id) === true });
  }

  /** How the reports name one end of a connection: its FTP role on a data connection (whose TCP
   *  client is the FTP server in active mode), 'the client'/'the server' when the TCP roles are
   *  known, else its address and port (no SYN seen: roles guessed from the port numbers). */
  private who(c: Connection, side: Side, role: string, transfer: Transfer | null): string {
    const sides = role === 'data' ? transfer?.dataSides : null;
    if (sides) return `the FTP ${side === sides.ftpClient ? 'client' : 'server'}`;
    if (c.roleGuessed && role !== 'control') return endpointText(c[side].addr, c[side].port);
    return `the ${side}`;
  }

  // ---- session ---------------------------------------------------------------------------------

  sessionFact(s: Session): Fact {
    const cached = this.sessionFacts.get(s.id);
    if (cached) return cached;
    const control = this.connection(s.control);
    const transferOfFrame = new Map<number, number>();
    const sessionTransfers: Transfer[] = [];
    // the session's transfers as its facts read them: a released one by its id, its summary made
    // again at each pass (a session of 10^5 released transfers made every summary at once)
    const items: Array<Transfer | number> = [];
    const released = this.src.releasedTransfers?.get(s.id);
    for (const id of s.transfers) {
      // a released one first: a miss in transferById scans the list
      const part = released?.get(id);
      const whole = part === undefined ? this.transferById(id) : null;
      const t = whole ?? part;
      if (!t) continue;
      if (whole) sessionTransfers.push(whole);
      items.push(whole ?? id);
      transferOfFrame.set(t.commandFrame, t.id);
    }
    const summaries: Iterable<TransferSummary> = {
      *[Symbol.iterator]() {
        for (const x of items) yield typeof x === 'number' ? released!.get(x)! : x;
      },
    };
    this.transferOfFrame.set(s.id, transferOfFrame);
    // Every reply as a fact (s.replies) is made when a rule reads the list: a session of 10^5
    // transfers has 3·10^5 of them. Without unsolicited replies the list is the greeting, then each
    // command's replies in command order, and what this fact needs of it (530 frames, invalid
    // replies, the codes, the replies after the client's close) is read from the records in that
    // order; unsolicited replies are sorted in by frame, so such a session makes the list at once.
    const unsolicited = s.unsolicited ?? [];
    const eachReply = (f: (r: FtpReply, verb: string, kind: ReplyKind) => void): void => {
      if (s.greeting) f(s.greeting, '', 'greeting');
      for (const cmd of s.commands) {
        for (const r of cmd.preliminary) f(r, cmd.verb, 'preliminary');
        if (cmd.reply) f(cmd.reply, cmd.verb, 'final');
      }
    };
    const replyList = (): Fact[] => {
      const list: Fact[] = [];
      eachReply((r, verb, kind) => list.push(replyFact(r, verb, kind)));
      if (unsolicited.length > 0) {
        // a cleartext reply after a failed TLS handshake answers the AUTH whose negotiation failed
        for (const r of unsolicited) list.push(r === s.tls.failureReply ? replyFact(r, 'AUTH', 'tls-failure') : replyFact(r, '', 'unsolicited'));
        list.sort((a, b) => Number((a['frame'] as bigint) - (b['frame'] as bigint)));
      }
      return list;
    };
    const replies = unsolicited.length > 0 ? replyList() : null;
    // A 530 to USER/PASS/ACCT is a failed login; to anything else, a command sent before logging in.
    const loginFailureFrames: bigint[] = [];
    const notLoggedInFrames: bigint[] = [];
    const codesSeen: bigint[] = [];
    let invalid = 0;
    const count = (code: bigint, frame: bigint, verb: string, kind: string, valid: boolean): void => {
      // a 530 with no command in the capture counts with the logins (ftp/logins.ts)
      if (code === 530n) (LOGIN_VERBS.has(verb) || kind === 'unsolicited' ? loginFailureFrames : notLoggedInFrames).push(frame);
      if (!valid) invalid++;
      if (!codesSeen.includes(code)) codesSeen.push(code);
    };
    if (replies) for (const r of replies) count(r['code'] as bigint, r['frame'] as bigint, r['command'] as string, r['kind'] as string, r['valid'] === true);
    else eachReply((r, verb, kind) => count(int(r.code), int(r.frame), verb, kind, r.valid));
    const quit = s.commands.find((c) => c.verb === 'QUIT');
    // which side of the control connection the capture holds nothing of (one direction only)
    const clientSide: Side = s.serverSide === 'server' ? 'client' : 'server';
    const oneWay = !control ? '' : control[s.serverSide].segments === 0 && control[clientSide].segments > 0 ? 'client' : control[clientSide].segments === 0 && control[s.serverSide].segments > 0 ? 'server' : '';
    const { passive, active } = this.mismatches(s, sessionTransfers);
    const repliesAfter = (at: number): Fact[] => {
      if (replies) return replies.filter((r) => Number(r['frame'] as bigint) > at);
      const after: Fact[] = [];
      eachReply((r, verb, kind) => {
        if (r.frame > at) after.push(replyFact(r, verb, kind));
      });
      return after;
    };
    const clientClose = control ? clientCloseFact(s, control, repliesAfter, summaries, this.src.showPasswords) : null;
    const closedAt = clientClose ? Number(clientClose['frame'] as bigint) : 0;
    const markClose = (list: readonly Fact[]): void => {
      for (const r of list) r['afterClientClose'] = closedAt > 0 && Number(r['frame'] as bigint) > closedAt;
    };
    if (replies) markClose(replies);
    if (clientClose) markClose(clientClose['repliesAfter'] as Fact[]);
    // replies no command of the capture explains, and why: 120 (the 220 follows), 421 and 530
    // have findings of their own, and a 221 after the client closed is its goodbye
    const orphans = (replies ?? []).filter((r) => r['kind'] === 'unsolicited' && r['valid'] === true && !ORPHANS_TOLD_ELSEWHERE.has(Number(r['code'] as bigint)) && !(r['code'] === 221n && r['afterClientClose'] === true));
    const clientBytesMissing = control ? Math.max(0, control[clientSide].bytesSent - control[clientSide].bytesCaptured) : 0;
    const fact: Fact = {
      id: int(s.id),
      control: int(s.control),
      label: sessionLabel(s),
      client: { addr: s.client.addr, port: int(s.client.port) },
      server: { addr: s.server.addr, port: int(s.server.port) },
      firstFrame: int(control?.firstFrame ?? 0),
      lastFrame: int(control?.lastFrame ?? 0),
      startedMidSession: s.startedMidSession,
      greeting: int(s.greeting?.code ?? 0),
      greetingText: s.greeting?.text ?? '',
      greetingFrame: int(s.greeting?.frame ?? 0),
      user: s.user ?? '',
      loggedIn: s.loggedIn,
      loginState: s.loginState,
      loginFailures: int(loginFailureFrames.length),
      loginFailureFrames,
      notLoggedInFrames,
      type: s.type,
      mode: s.mode,
      stru: s.stru,
      cwd: s.cwd ?? '',
      features: [...s.features],
      tls: sessionTlsFact(s),
      commands: undefined, // made on first read (below)
      commandCount: int(s.commands.length),
      replies: replies ?? undefined, // made on first read (below) without unsolicited replies
      replyCodes: replies ? replies.map((r) => r['code'] as bigint) : undefined,
      codesSeen,
      invalidReplies: int(invalid),
      unanswered: int(s.commands.filter((c) => c.reply === null).length),
      unparsedLines: int(s.unparsedLines),
      overlongLines: int(s.overlongLines ?? 0),
      overlongServerLines: int(s.overlongServerLines ?? 0),
      overlongFrames: ints(s.overlongFrames ?? []),
      gaps: int(s.gaps ?? 0),
      commandsDropped: int(s.commandsDropped ?? 0),
      pendingOverflow: int(s.pendingOverflow ?? 0),
      pendingOverflowFrames: ints(s.pendingOverflowFrames ?? []),
      transfers: ints(s.transfers),
      quitFrame: int(quit?.frame ?? 0),
      clientClose,
      orphans,
      orphanCause: s.startedMidSession ? 'before-capture' : clientBytesMissing > 0 ? 'command-lost' : 'unprompted',
      clientBytesMissing: int(clientBytesMissing),
      passiveMismatches: passive,
      activeMismatches: active,
      unsupported: refusalGroups(s, summaries),
      emptyTransfers: emptyTransferGroups(summaries),
      oneWay,
    };
    // the list of command facts is made when a rule reads s.commands: the command scope and a
    // transfer's `cmd` take one fact at a time (commandFactOf), so a session of 10^5 transfers is
    // diagnosed without 2·10^5 command facts held at once unless a rule asks for the list
    madeOnRead(fact, 'commands', () => {
      const n = s.commands.length;
      const made = (i: number) => this.commandFact(s, s.commands[i]!, i === n - 1, transferOfFrame.get(s.commands[i]!.frame) ?? -1);
      // a long session's list makes each command's fact when it is read (one rule reads the last
      // kept command of 10^5: the list of all of them held every fact at once)
      const list = n > LAZY_COMMAND_LIST ? factsOnRead(n, made) : s.commands.map((_, i) => made(i));
      this.commandLists.set(s.id, list);
      return list;
    });
    if (!replies) {
      madeOnRead(fact, 'replies', () => {
        const list = replyList();
        markClose(list);
        return list;
      });
      madeOnRead(fact, 'replyCodes', () => {
        const codes: bigint[] = [];
        eachReply((r) => codes.push(int(r.code)));
        return codes;
      });
    }
    this.sessionFacts.set(s.id, fact);
    return fact;
  }

  /** The fact of the session's command at `i` (Session.commands), from the session fact's list
   *  when a rule made it, else made alone. */
  commandFactOf(s: Session, i: number): Fact {
    const list = this.commandLists.get(s.id);
    if (list) return list[i]!;
    const cmd = s.commands[i]!;
    if (!this.transferOfFrame.has(s.id)) this.sessionFact(s);
    return this.commandFact(s, cmd, i === s.commands.length - 1, this.transferOfFrame.get(s.id)!.get(cmd.frame) ?? -1);
  }

  /** Data endpoints announced with another address than the control connection's: every
   *  PORT/EPRT/LPRT command and every 227/228 reply, whether or not a transfer used it (an FTP
   *  bounce announces a third host and never transfers). */
  private mismatches(s: Session, transfers: readonly Transfer[]): { passive: Fact[]; active: Fact[] } {
    const passive: Fact[] = [];
    const active: Fact[] = [];
    const byFrame = new Map<number, Transfer>();
    for (const t of transfers) if (t.announcement) byFrame.set(t.announcement.frame, t);
    for (const cmd of s.commands) {
      const a = cmd.announcement;
      // EPSV's 229 names no address: nothing to differ
      if (a === null || a.addr === null || !a.mismatch) continue;
      const passiveMode = a.mode === 'passive';
      const t = byFrame.get(a.frame);
      (passiveMode ? passive : active).push({
        transfer: int(t ? t.id : -1),
        command: cmd.verb,
        frame: int(a.frame),
        addr: a.addr,
        port: int(a.port),
        controlAddr: a.controlPeerAddr,
        accepted: passiveMode || (cmd.reply !== null && cmd.reply.code >= 200 && cmd.reply.code < 300),
        connected: t !== undefined && t.dataConnection !== null && this.handshakeOfTransfer(t) === 'established',
        served: t !== undefined && t.finalReply !== null && t.finalReply.valid && t.finalReply.code >= 200 && t.finalReply.code < 300,
        failedFrame: int(t === undefined ? 0 : this.failedAttemptTo(t, a.addr, a.port)),
      });
    }
    return { passive, active };
  }

  /** The SYN of a connection a transfer tried toward `addr:port` that was refused or never
   *  answered (the announced endpoint did not work), 0 if none. */
  private failedAttemptTo(t: Transfer, addr: string, port: number): number {
    for (const id of t.dataCandidates) {
      const c = this.connection(id);
      if (!c || c.client.synFrame === null) continue;
      const to = c.server.addr === addr && c.server.port === port;
      const h = handshakeOf(c);
      if (to && (h === 'refused' || h === 'unanswered')) return c.client.synFrame;
    }
    return 0;
  }

  commandFact(s: Session, cmd: FtpCommand, isLast: boolean, transfer: number): Fact {
    const reuse = this.src.reuseCommandFacts === true;
    const key = reuse ? `${isLast}:${transfer}:${cmd.reply ? cmd.reply.frame : 0}:${cmd.preliminary.length}:${cmd.replyMissing?.frame ?? 0}:${this.src.showPasswords}` : '';
    const hit = reuse ? FactBuilder.commandCache.get(cmd) : undefined;
    if (hit && hit.key === key) return hit.fact;
    const arg = shownArgument(cmd.verb, cmd.arg, this.src.showPasswords);
    const fact: Fact = {
      index: int(cmd.index),
      session: int(s.id),
      verb: cmd.verb,
      arg,
      line: arg === '' ? cmd.verb : `${cmd.verb} ${arg}`,
      frame: int(cmd.frame),
      time: dbl(cmd.time),
      known: cmd.known,
      answered: cmd.reply !== null,
      code: int(cmd.reply?.code ?? 0),
      replyText: cmd.reply?.text ?? '',
      replyFrame: int(cmd.reply?.frame ?? 0),
      replyValid: cmd.reply ? cmd.reply.valid : true,
      latency: cmd.reply ? dbl(cmd.reply.time - cmd.time) : null,
      preliminary: cmd.preliminary.map((r) => int(r.code)),
      telnetInterrupt: cmd.telnetInterrupt,
      overlong: cmd.overlong ?? false,
      unsupported: cmd.unsupported ?? false,
      isLast,
      transfer: int(transfer),
      replyMissing: cmd.replyMissing ? { bytes: int(cmd.replyMissing.bytes), frame: int(cmd.replyMissing.frame) } : null,
    };
    if (reuse) FactBuilder.commandCache.set(cmd, { key, fact });
    return fact;
  }

  // ---- logins of a client ----------------------------------------------------------------------

  loginsFact(l: ClientLogins): Fact {
    return {
      label: `client ${l.client} → server ${endpointText(l.server, l.serverPort)}`,
      client: l.client,
      server: l.server,
      serverPort: int(l.serverPort),
      sessions: int(l.sessions),
      failures: int(l.failures),
      failedSessions: int(l.failedSessions),
      failureFrames: ints(l.failureFrames),
      users: [...l.users],
      usersTried: int(l.usersTried),
      unknownUser: int(l.unknownUser),
      firstFailureFrame: int(l.firstFailureFrame),
      firstFailureTime: dbl(l.firstFailureTime),
      lastFailureFrame: int(l.lastFailureFrame),
      lastFailureTime: dbl(l.lastFailureTime),
      span: dbl(l.lastFailureTime - l.firstFailureTime),
      firstSession: int(l.firstSession),
      success: l.success ? { user: l.success.user, frame: int(l.success.frame), time: dbl(l.success.time), session: int(l.success.session) } : null,
      reasons: (l.reasons ?? []).map((x) => ({ reason: x.reason, count: int(x.count), text: x.text, frame: int(x.frame) })),
      reason: l.reasons === undefined || l.reasons.length === 0 ? 'unstated' : l.reasons.length === 1 ? l.reasons[0]!.reason : 'mixed',
      reasonText: l.reasons?.[0]?.text ?? '',
    };
  }

  // ---- transfer ------------------------------------------------------------------------------

  transferById(id: number): Transfer | null {
    return this.transfersById.get(id) ?? null;
  }

  /** Data-connection setup as seen in the capture: the heading of data-connection-failed. */
  handshakeOfTransfer(t: Transfer): 'established' | 'refused' | 'unanswered' | 'none' {
    const conns: Connection[] = [];
    if (t.dataConnection !== null) {
      const d = this.connection(t.dataConnection);
      if (d) conns.push(d);
    }
    for (const id of t.dataCandidates ?? []) {
      const c = this.connection(id);
      if (c && !conns.includes(c)) conns.push(c);
    }
    for (const f of t.dataSetupFrames) {
      const c = this.connectionBySyn(f);
      if (c && !conns.includes(c)) conns.push(c);
    }
    if (conns.length === 0) return t.dataSetupFrames.length > 0 ? 'unanswered' : 'none';
    const hs = conns.map(handshakeOf);
    if (hs.some((h) => h === 'complete' || h === 'unseen')) return 'established';
    if (hs.some((h) => h === 'refused')) return 'refused';
    return 'unanswered';
  }

  transferFact(t: Transfer): Fact {
    const cached = this.transferFacts.get(t.id);
    if (cached) return cached;
    const d = t.dataConnection !== null ? this.connection(t.dataConnection) : undefined;
    // the FTP role that sends, and its end of the data connection (FTP stage: Transfer.sender,
    // Transfer.dataSides); with the direction unknown, the FTP server's, whose bytes are counted
    const sender: Side = t.sender ?? 'server';
    const receiver: Side = sender === 'client' ? 'server' : 'client';
    const sides = d ? t.dataSides : null;
    const senderSide: Side | null = sides ? sides.counted : null;
    const receiverSide: Side | null = senderSide === null ? null : senderSide === 'client' ? 'server' : 'client';
    // Delivered bytes: what the receiver acknowledged, when its ACKs are in the capture at all;
    // a one-directional capture (no receiver segments) can only show what was sent.
    const receiverSeen = d && receiverSide ? d[receiverSide].segments > 0 : false;
    const expected = t.expectedBytes; // the FTP stage's (data/measure.ts), not worked out again
    const a = t.announcement;
    const session = this.sessionById(t.session);
    const endpointAddr = a ? (a.addr ?? (a.mode === 'passive' ? (session?.server.addr ?? '') : (session?.client.addr ?? ''))) : '';
    const resetBy = d?.reset ? (d.reset.by === senderSide ? 'sender' : 'receiver') : '';
    const resetForged = d?.reset ? forgedConfidence(forgedResets(d), d.reset.frame) : '';
    const fact: Fact = {
      id: int(t.id),
      session: int(t.session ?? -1),
      label: transferLabel(t),
      dataEvidence: t.dataEvidence ?? '',
      inProgressAtEnd: t.inProgressAtEnd ?? false,
      tls: transferTlsFact(t),
      command: t.command,
      argument: t.argument,
      path: t.path ?? '',
      direction: t.direction,
      commandFrame: int(t.commandFrame),
      mode: t.mode ?? '',
      announceCommand: a?.command ?? '',
      announceFrame: int(a?.frame ?? 0),
      announcedAddr: a?.addr ?? '',
      announcedPort: int(a?.port ?? 0),
      announceMismatch: a?.mismatch ?? false,
      dataEndpoint: a ? endpointText(endpointAddr, a.port) : '',
      connector: t.mode === 'passive' ? 'client' : t.mode === 'active' ? 'server' : '',
      dataConnection: int(t.dataConnection ?? -1),
      dataSetupFrames: ints(t.dataSetupFrames),
      setup: this.handshakeOfTransfer(t),
      sender,
      receiver,
      senderSide: senderSide ?? '',
      resetBy,
      resetFrame: int(d?.reset?.frame ?? 0),
      resetForged,
      closedBy: t.dataClose?.byRole ?? '',
      closeKind: t.dataClose?.kind ?? '',
      closeFrame: int(t.dataClose?.frame ?? 0),
      receiverAckedAll: t.receiverAckedAll ?? (d ? t.bytesAcked >= t.bytes : false),
      linkedBy: t.linkedBy ?? '',
      announcedFrom: t.announcedFrom ?? '',
      dataLooksTls: t.dataLooksTls ?? false,
      bytes: int(t.bytes),
      bytesAcked: int(t.bytesAcked),
      bytesMissing: int(t.bytesMissing),
      unacked: int(Math.max(0, t.bytes - t.bytesAcked)),
      delivered: int(receiverSeen ? t.bytesAcked : t.bytes),
      announcedBytes: t.announcedBytes === null ? null : int(t.announcedBytes),
      expectedBytes: expected === null ? null : int(expected),
      restOffset: int(t.restOffset),
      type: t.type,
      startTime: dbl(t.startTime),
      endTime: dbl(t.endTime),
      duration: dbl(t.duration),
      rate: t.rate === null || !Number.isFinite(t.rate) ? null : t.rate,
      replyCodes: ints(t.replyCodes),
      preliminary: int(t.preliminaryReply?.code ?? 0),
      preliminaryFrame: int(t.preliminaryReply?.frame ?? 0),
      final: int(t.finalReply?.code ?? 0),
      finalText: t.finalReply?.text ?? '',
      finalFrame: int(t.finalReply?.frame ?? 0),
      aborted: t.aborted,
      tlsProtected: t.tlsProtected,
      outcome: t.outcome,
    };
    this.transferFacts.set(t.id, fact);
    return fact;
  }

  /** transferCommandFact of a transfer released before its session ends, without the session's
   *  fact: the caller (release.ts) has checked that a later command followed it and that no later
   *  transfer shares its command's frame, so `isLast` is false and the frame names `t`. */
  partCommandFact(s: Session, t: Transfer): Fact | null {
    if (t.commandIndex === null || t.commandIndex >= s.commands.length) return null;
    return this.commandFact(s, s.commands[t.commandIndex]!, false, t.id);
  }

  /** The command fact that started a transfer, or null: a transfer of command 'unknown' (data
   *  seen while the control channel was encrypted) has none. By index, not by frame: a client
   *  that pipelines (PASV and RETR in one segment) sends several commands in one frame. */
  transferCommandFact(t: Transfer): Fact | null {
    if (t.commandIndex === null) return null;
    const s = this.sessionById(t.session);
    return s && t.commandIndex < s.commands.length ? this.commandFactOf(s, t.commandIndex) : null;
  }
}

/** The confidence of the forged verdict on the RST at `frame`, '' when it is the host's own. */
function forgedConfidence(forged: readonly ResetJudgement[], frame: number): string {
  return forged.find((j) => j.sample.frame === frame)?.confidence ?? '';
}

/** The fact of an event kind a connection never had: one shared, frozen object (most kinds on
 *  most connections). */
const NO_EVENTS: Fact = Object.freeze({ count: 0n, frames: Object.freeze([]) as unknown as bigint[], first: 0n, client: 0n, server: 0n });

function eventFact(rec: TcpEventRecord | undefined): Fact {
  if (!rec) return NO_EVENTS;
  return { count: int(rec.count), frames: ints(rec.frames), first: int(rec.frames[0] ?? 0), client: int(rec.client), server: int(rec.server) };
}

/** The side whose window stayed closed longest (one still closed at the end first). */
function stallFact(c: Connection): Fact | null {
  const a = c.client.stall;
  const b = c.server.stall;
  if (!a && !b) return null;
  const byServer = !a || (b !== undefined && (b.closedAtEnd !== a.closedAtEnd ? b.closedAtEnd : b.longest > a.longest));
  const st = byServer ? b! : a!;
  return {
    by: byServer ? 'server' : 'client',
    count: int(st.count),
    periods: int(st.periods),
    total: dbl(st.total),
    longest: dbl(st.longest),
    longestFrom: int(st.longestFrom),
    longestTo: int(st.longestTo),
    closedAtEnd: st.closedAtEnd,
  };
}

function endpointFact(e: Endpoint, who: string): Fact {
  return {
    who,
    addr: e.addr,
    port: int(e.port),
    state: e.state,
    synFrame: int(e.synFrame ?? 0),
    finFrame: int(e.finFrame ?? 0),
    rstFrame: int(e.rstFrame ?? 0),
    bytesSent: int(e.bytesSent),
    bytesAcked: int(e.bytesAcked),
    bytesCaptured: int(e.bytesCaptured),
    unacked: int(Math.max(0, e.bytesSent - e.bytesAcked)),
    segments: int(e.segments),
    windowScale: int(e.windowScale),
    mss: int(e.mss),
    lastTtl: int(e.lastTtl),
    gapBytesFilled: int(e.gapBytesFilled),
    gapBytesReordered: int(e.gapBytesReordered),
    gapsReordered: int(e.gapsReordered),
    missingUnacked: int(e.missingUnacked),
  };
}

type ReplyKind = 'greeting' | 'preliminary' | 'final' | 'unsolicited' | 'tls-failure';

/** Commands past which a session's list of command facts makes each fact when it is read. */
const LAZY_COMMAND_LIST = 1024;

/**
 * A list of `n` facts, each made when it is read (and made again at the next read: equal, not
 * the same). CEL reads a list by index, length and iteration, all of which an array behind a
 * proxy answers element by element (`has` keeps filter/map from taking the unmade slots for
 * holes).
 */
function factsOnRead(n: number, make: (i: number) => Fact): Fact[] {
  const at = (key: string | symbol): number => {
    if (typeof key !== 'string') return -1;
    const i = Number(key);
    return Number.isInteger(i) && i >= 0 && i < n && String(i) === key ? i : -1;
  };
  return new Proxy(new Array<Fact>(n), {
    get(target, key, receiver) {
      const i = at(key);
      return i >= 0 ? make(i) : Reflect.get(target, key, receiver);
    },
    has(target, key) {
      return at(key) >= 0 || Reflect.has(target, key);
    },
    getOwnPropertyDescriptor(target, key) {
      const i = at(key);
      return i >= 0 ? { value: make(i), writable: true, enumerable: true, configurable: true } : Reflect.getOwnPropertyDescriptor(target, key);
    },
  });
}

/** Makes `key` of `fact` a list made when first read, then kept in its place. */
function madeOnRead(fact: Fact, key: string, make: () => unknown): void {
  Object.defineProperty(fact, key, {
    enumerable: true,
    configurable: true,
    get: () => {
      const value = make();
      Object.defineProperty(fact, key, { value, enumerable: true, writable: true, configurable: true });
      return value;
    },
  });
}

function replyFact(r: FtpReply, verb: string, kind: ReplyKind): Fact {
  return {
    code: int(r.code),
    text: r.text,
    lines: int(r.lines),
    valid: r.valid,
    firstFrame: int(r.firstFrame),
    frame: int(r.frame),
    time: dbl(r.time),
    command: verb,
    kind,
    preliminary: kind === 'preliminary',
    incomplete: r.incomplete ?? false,
  };
}

/**
 * How the FTP client closed the control connection when it closed it first: FIN or RST, after
 * QUIT or not, what it left waiting (commands without their reply yet, a transfer still running)
 * and what the server still sent after it, and the client stack's RST that may have answered that.
 * Null when the server closed first, or nobody closed in the capture.
 */
function clientCloseFact(s: Session, c: Connection, repliesAfter: (frame: number) => Fact[], transfers: Iterable<TransferSummary>, showPasswords: boolean): Fact | null {
  const clientSide: Side = s.serverSide === 'server' ? 'client' : 'server';
  if (c.closedBy !== clientSide || c.closeKind === null || c.closeFrame === null) return null;
  const at = c.closeFrame;
  const quit = s.commands.find((x) => x.verb === 'QUIT');
  const pending = s.commands.filter((x) => x.frame <= at && x.verb !== '' && (x.reply === null || x.reply.frame > at));
  const after = repliesAfter(at);
  let running = false;
  for (const t of transfers) {
    if (t.commandFrame <= at && (t.finalReply === null || t.finalReply.frame > at)) {
      running = true;
      break;
    }
  }
  const reset = c.reset !== null && c.reset.by === clientSide && c.reset.frame > at ? c.reset.frame : 0;
  return {
    kind: c.closeKind,
    frame: int(at),
    afterQuit: quit !== undefined && quit.frame <= at,
    afterCommand: (() => {
      const last = lastCommandBefore(s, at);
      return last ? commandLine(last, showPasswords) : '';
    })(),
    pending: pending.map((x) => commandLine(x, showPasswords)),
    transferRunning: running,
    repliesAfter: after,
    resetFrame: int(reset),
  };
}

/** Frames kept per refusal group and per empty-transfer group. */
const MAX_GROUP_FRAMES = 50;

/**
 * Refusals of commands the server does not support (FtpCommand.unsupported), grouped when they
 * are identical (same verb, same SITE subcommand, same code and text: a client that sends the
 * same unsupported option before every upload), with what came after the first of them: the
 * transfers started later, and whether they all completed.
 */
function refusalGroups(s: Session, transfers: Iterable<TransferSummary>): Fact[] {
  const groups = new Map<string, { what: string; code: number; text: string; count: number; frames: number[]; first: number; last: number }>();
  for (const cmd of s.commands) {
    if (!cmd.unsupported || !cmd.reply) continue;
    const what = cmd.verb === 'SITE' ? `SITE ${cmd.arg.trim().split(/\s+/)[0] ?? ''}`.trim() : cmd.verb;
    const key = `${what}|${cmd.reply.code}|${cmd.reply.text}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { what, code: cmd.reply.code, text: cmd.reply.text, count: 0, frames: [], first: cmd.frame, last: cmd.frame }));
    g.count++;
    g.last = cmd.frame;
    if (g.frames.length < MAX_GROUP_FRAMES) g.frames.push(cmd.frame, cmd.reply.frame);
  }
  return [...groups.values()].map((g) => {
    let later = 0;
    let complete = 0;
    let failed = false;
    for (const t of transfers) {
      if (t.commandFrame <= g.first) continue;
      later++;
      if (t.outcome === 'complete') complete++;
      // a transfer whose outcome the capture cannot tell (partly captured) did not fail
      else if (t.outcome === 'failed' || t.outcome === 'aborted' || t.outcome === 'truncated') failed = true;
    }
    const answeredLater = s.commands.some((c) => c.frame > g.last && !c.unsupported && c.reply !== null && c.reply.valid && c.reply.code < 400);
    const after = later > 0 ? (failed ? 'failed' : 'succeeded') : answeredLater ? 'succeeded' : 'nothing';
    return {
      what: g.what,
      code: int(g.code),
      text: g.text,
      count: int(g.count),
      frames: ints(g.frames),
      afterTransfers: int(later),
      afterComplete: int(complete),
      after,
    };
  });
}

/** Uploads and downloads answered 2yz whose data connection, in the capture, carried no byte,
 *  by command. Listings are left out: an empty directory lists nothing. */
function emptyTransferGroups(transfers: Iterable<TransferSummary>): Fact[] {
  const byCommand = new Map<string, { total: number; ids: number[]; frames: number[] }>();
  for (const t of transfers) {
    if (t.direction !== 'upload' && t.direction !== 'download') continue;
    let g = byCommand.get(t.command);
    if (!g) byCommand.set(t.command, (g = { total: 0, ids: [], frames: [] }));
    g.total++;
    const ok = t.finalReply !== null && t.finalReply.valid && t.finalReply.code >= 200 && t.finalReply.code < 300;
    if (ok && t.bytesStatus === 'counted' && t.bytes === 0 && g.ids.length < MAX_GROUP_FRAMES) {
      g.ids.push(t.id);
      g.frames.push(t.commandFrame);
    }
  }
  const out: Fact[] = [];
  for (const [command, g] of byCommand) {
    if (g.ids.length > 0) out.push({ command, count: int(g.ids.length), total: int(g.total), transfers: ints(g.ids), frames: ints(g.frames) });
  }
  return out;
}

/** Handshake heuristic: what the first packets of a connection show.
 *  complete = the server's SYN-ACK was seen; refused = the SYN drew a RST and no SYN-ACK;
 *  unanswered = SYN(s) only; unseen = the capture began after the handshake. */
export function handshakeOf(c: Connection): 'complete' | 'refused' | 'unanswered' | 'unseen' {
  if (c.client.synFrame === null) return 'unseen';
  if (c.server.synFrame !== null) return 'complete';
  if (c.server.rstFrame !== null || c.connState === 'REJ') return 'refused';
  return 'unanswered';
}

function lastCommandBefore(s: Session, frame: number): FtpCommand | null {
  let found: FtpCommand | null = null;
  for (const cmd of s.commands) {
    if (cmd.frame > frame) break;
    found = cmd;
  }
  return found;
}

function commandLine(cmd: FtpCommand, showPasswords: boolean): string {
  const arg = shownArgument(cmd.verb, cmd.arg, showPasswords);
  return arg === '' ? cmd.verb : `${cmd.verb} ${arg}`;
}
