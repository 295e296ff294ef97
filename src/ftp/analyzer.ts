// The FTP stage: listens to the TCP engine and routes each connection to the part that handles
// it. A new connection is linked as a data connection (data/link.ts) or probed (control/probe.ts)
// until judged a control connection (control/detect.ts), which a ControlSession parses
// (control/session.ts); a transfer is settled and measured once its final reply and its data
// connection's end are both known (data/settle.ts, data/measure.ts); a connection no session
// claimed may be a lone data connection (data/lone-data.ts) or an attempt to reach an FTP server
// (attempts.ts). It tells the analysis (pipeline/) as each record becomes final.

import type { DecodedPacket } from '../decode/packet.ts';
import { TcpFlag } from '../decode/packet.ts';
import type { Connection, DataConflict, Side, TcpListener } from '../tcp/types.ts';
import type { ConnectionRole, Session, Transfer } from './types.ts';
import { newConnApp, type ConnApp } from './conn-app.ts';
import { addTo } from './records.ts';
import { addEnded, type TransferTrack } from './tracks.ts';
import { judgeControlChannel, type Verdict } from './control/detect.ts';
import { Probe } from './control/probe.ts';
import { ControlSession, defaultControlLimits, type ControlLimits, type SessionHooks } from './control/session.ts';
import { addSetupFrame, DataLinker, MAX_CANDIDATES } from './data/link.ts';
import { dataOpen, readyToSettle } from './data/settle.ts';
import { measureTransfer, trimLists } from './data/measure.ts';
import { loneDataEvidence, loneTransfer } from './data/lone-data.ts';
import { LoginLedger, type ClientLogins } from './logins.ts';
import { AttemptTable, type FtpAttempt } from './attempts.ts';
import { isTlsHandshakeStart, isTlsRecordHeader } from './tls-records.ts';
import { ftpTlsContext, type FtpTlsContext } from './tls-channel.ts';
import { openDataTls } from './data/tls-data.ts';

export interface FtpEvents {
  /** A transfer's final reply and its data connection's end are both known (or it definitely
   *  failed, or the capture ended): its facts and outcome are final. */
  transferDone?(t: Transfer): void;
  /** A control connection was closed out and all its transfers are done. */
  sessionEnded?(s: Session): void;
  /** The TCP engine closed out a connection (an attempt to reach an FTP server: once decided). */
  connectionEnded?(c: Connection): void;
  /** An ended connection left the TCP engine's flow table: nothing can change it any more. */
  connectionForgotten?(c: Connection): void;
  /** An ended connection that waited to see whether it was an attempt to reach an FTP server
   *  (attempts.ts) is decided: it may be diagnosed now. */
  attemptDecided?(c: Connection): void;
}

/** A TLS data connection that has ended, every transfer on it settled: its TLS stage keeps only
 *  its facts (tls-channel.ts retire). Not one with no transfer yet (a transfer command may still
 *  take it: its measure reads the TLS stage). */
function retireDataTls(app: ConnApp | undefined): void {
  if (app?.tls && app.ended && app.tracks.length > 0 && app.tracks.every((t) => t.settled)) app.tls.retire();
}

export class FtpAnalyzer implements TcpListener {
  // Sessions, transfers and their parsers by id, in id order, until released (release()).
  private readonly sessionMap = new Map<number, Session>();
  private readonly transferMap = new Map<number, Transfer>();
  private readonly controls = new Map<number, ControlSession>(); // by session id
  private readonly tracks = new Map<number, TransferTrack>(); //    by transfer id
  private sessionCount = 0;
  private transferCount = 0;
  private readonly apps = new Map<number, ConnApp>(); //   control and data connections, by id
  private readonly linker = new DataLinker((conn, app) => this.apps.set(conn.id, app));
  private readonly sessionsEnded = new Set<ControlSession>(); // sessionEnded fired
  private readonly ledger = new LoginLedger(); //            logins per client, across sessions
  private readonly attempts = new AttemptTable((c) => this.attemptDecided(c)); // SYNs to FTP that got nowhere
  private now = 0; //                                       latest capture time seen, seconds
  private readonly hooks: SessionHooks;
  private readonly limits: ControlLimits;

  constructor(
    private readonly events: FtpEvents = {},
    limits: Partial<ControlLimits> = {},
    private readonly tlsContext: FtpTlsContext = ftpTlsContext(), // FTPS: the key log (--keylog) and TLS session cache
  ) {
    this.limits = { ...defaultControlLimits, ...limits };
    this.hooks = {
      announced: (setup) => this.linker.announced(setup, this.now),
      retired: (setup) => this.linker.retire(setup),
      transferStarted: (track) => this.transferStarted(track),
      transferUpdated: (track) => this.maybeSettle(track),
    };
  }

  // ---- queries --------------------------------------------------------------------------------

  /** The sessions not released, in id order. */
  get sessions(): Session[] {
    return [...this.sessionMap.values()];
  }

  /** The transfers not released, in id order. */
  get transfers(): Transfer[] {
    return [...this.transferMap.values()];
  }

  /** Sessions and transfers found so far, released or not. */
  get counts(): { sessions: number; transfers: number } {
    return { sessions: this.sessionCount, transfers: this.transferCount };
  }

  /** Refused logins per client and server, over every session ended so far (final once the
   *  capture has ended: read it after finish()). */
  get logins(): { clients: ClientLogins[]; untracked: number } {
    return { clients: this.ledger.result(), untracked: this.ledger.untracked };
  }

  /** Connection attempts to an FTP server that never got through, by connection id. */
  get attemptFacts(): ReadonlyMap<number, FtpAttempt> {
    return this.attempts.decided;
  }

  /** An ended connection still waiting to be told an FTP connection attempt or not: not to be
   *  diagnosed yet. */
  holds(connId: number): boolean {
    return this.attempts.isPending(connId);
  }

  /** Sessions not released. */
  get liveSessionCount(): number {
    return this.sessionMap.size;
  }

  /** Transfers not released (with their session or as parts of its unit). */
  get liveTransferCount(): number {
    return this.transferMap.size;
  }

  session(id: number): Session | undefined {
    return this.sessionMap.get(id);
  }

  transfer(id: number): Transfer | undefined {
    return this.transferMap.get(id);
  }

  /** Connections that make up a session: its control connection and every connection tried for
   *  one of its transfers. */
  connectionsOf(s: Session): number[] {
    // a Set keeps first-insertion order, so the array is the one a linear dedupe would build
    const ids = new Set([s.control]);
    for (const tid of s.transfers) {
      const t = this.transferMap.get(tid);
      if (!t) continue;
      for (const c of t.dataCandidates) ids.add(c);
      if (t.dataConnection !== null) ids.add(t.dataConnection);
    }
    return [...ids];
  }

  /** A connection of a session not released: its control connection or a data connection tried
   *  for one of its transfers. */
  connectionOf(s: Session, id: number): Connection | null {
    const cs = this.controls.get(s.id);
    if (!cs) return null;
    if (cs.conn.id === id) return cs.conn;
    for (const t of cs.tracks) for (const c of t.conns) if (c.id === id) return c;
    return null;
  }

  /** What the FTP stage made of a connection (final once its unit is settled and ended). */
  roleOf(c: Connection): ConnectionRole {
    const app = c.app as ConnApp | undefined;
    if (app?.role === 'control') return 'control';
    if (app?.role === 'data') {
      if (app.lone?.dataConnection === c.id) return 'data';
      if (app.tracks.some((t) => t.t.dataConnection === c.id)) return 'data';
    }
    return this.attempts.decided.has(c.id) ? 'attempt' : 'other';
  }

  /**
   * Forgets an ended session with its transfers and what was kept for its connections: the
   * analysis has reported them and memory must follow the sessions open at a time, not the
   * length of the capture.
   */
  release(s: Session): void {
    for (const id of this.connectionsOf(s)) this.apps.delete(id);
    this.attempts.release(s.control);
    for (const tid of s.transfers) {
      this.transferMap.delete(tid);
      this.tracks.delete(tid);
    }
    const cs = this.controls.get(s.id);
    if (cs) this.sessionsEnded.delete(cs);
    this.controls.delete(s.id);
    this.sessionMap.delete(s.id);
  }

  /** A settled transfer of a session not ended, with the connections tried for it, when each of
   *  them was tried for it alone (and none is the control connection): what can be released as a
   *  part of the session's unit before the session ends (release.ts). Null otherwise. */
  partOf(t: Transfer): { conns: readonly Connection[]; control: Connection } | null {
    const track = this.tracks.get(t.id);
    const cs = t.session === null ? undefined : this.controls.get(t.session);
    if (!track || !track.settled || !cs || cs.session.ended) return null;
    // every connection tried is a candidate: the lists are not at their bound (a connection past it
    // still has the track, and its SYN among the transfer's setup frames)
    if (track.conns.length !== t.dataCandidates.length || track.conns.length >= MAX_CANDIDATES) return null;
    if (t.dataConnection !== null && !t.dataCandidates.includes(t.dataConnection)) return null;
    for (const c of track.conns) {
      const app = c.app as ConnApp | undefined;
      if (c === cs.conn || !app || app.role !== 'data' || app.tracks.length !== 1 || app.tracks[0] !== track || app.setup !== null) return null;
    }
    return { conns: track.conns, control: cs.conn };
  }

  /** Forgets a transfer released as a part of its session's unit (partOf), with what was kept for
   *  its connections; the session keeps its id in Session.transfers. */
  releasePart(t: Transfer): void {
    const track = this.tracks.get(t.id);
    if (!track) return;
    for (const c of track.conns) this.apps.delete(c.id);
    this.transferMap.delete(t.id);
    this.tracks.delete(t.id);
    const cs = t.session === null ? undefined : this.controls.get(t.session);
    cs?.dropTrack(track);
  }

  /** Forgets what was kept for a connection outside any session. */
  releaseConnection(id: number): void {
    this.attempts.release(id);
    const app = this.apps.get(id);
    if (app?.lone) this.transferMap.delete(app.lone.id);
    if (app && app.role !== 'control' && app.tracks.length === 0) this.apps.delete(id);
  }

  sessionOf(connId: number): Session | null {
    const app = this.apps.get(connId);
    if (!app) return null;
    if (app.session) return app.session.session;
    const track = app.tracks[app.tracks.length - 1];
    if (track) return track.control.session;
    return app.setup ? app.setup.control.session : null;
  }

  transferOf(connId: number): Transfer | null {
    const app = this.apps.get(connId);
    if (app?.lone) return app.lone;
    const track = app?.tracks[app.tracks.length - 1];
    return track ? track.t : null;
  }

  // ---- TcpListener ----------------------------------------------------------------------------

  onConnection(conn: Connection, pkt: DecodedPacket): void {
    this.now = pkt.time;
    this.attempts.expire(pkt.time);
    const app = newConnApp();
    conn.app = app;
    if (this.linker.link(conn, app, pkt.time)) return;
    app.probe = new Probe();
  }

  onData(conn: Connection, from: Side, data: Buffer, offset: number, frame: number, time: number): void {
    this.now = time;
    const app = conn.app as ConnApp | undefined;
    if (!app || app.ended) return;
    switch (app.role) {
      case 'control':
        app.session!.feed(from, data, frame, time, offset);
        break;
      case 'probe':
        if (app.probe!.add(from, data, frame, time, offset)) this.judge(conn, app, false);
        break;
      case 'data':
        // one look at the first payload (is it TLS?), then only counts are needed
        if (app.looksTls === null) {
          app.looksTls = isTlsHandshakeStart(data, 0) || isTlsRecordHeader(data, 0);
          for (const t of app.tracks) if (t.t.dataLooksTls === null) t.t.dataLooksTls = app.looksTls;
          if (app.looksTls) [app.tls, app.tlsRoles] = openDataTls(this.tlsContext, from, data);
        }
        // TLS: handshake, alerts, how each side ended, and with keys the plaintext; else counts suffice
        if (app.tls) app.tls.feed(app.tlsRoles![from], data, offset, frame, time);
        else conn.deliver = false;
        break;
      default:
        conn.deliver = false;
    }
  }

  onGap(conn: Connection, from: Side, offset: number, length: number, frame: number): void {
    const app = conn.app as ConnApp | undefined;
    if (!app || app.ended) return;
    // the receiver acknowledged the missing bytes: they arrived, the capture dropped them
    const acked = conn[from].bytesAcked >= offset + length;
    if (app.role === 'control') app.session!.gap(from, frame, this.now, offset, length, acked);
    else if (app.role === 'probe') app.probe!.gap(from, frame, this.now, length, acked);
    else if (app.tls) app.tls.gap(app.tlsRoles![from], offset, length, frame);
  }

  /** Two copies of a control connection's bytes disagree: the session says what each meant. */
  onConflict(conn: Connection, from: Side, c: DataConflict): void {
    const app = conn.app as ConnApp | undefined;
    if (app?.role === 'control' && !app.ended) app.session!.conflict(from, c);
  }

  onControl(conn: Connection, from: Side, flags: number, frame: number, time: number): void {
    this.now = time;
    const app = conn.app as ConnApp | undefined;
    // FTPS: how each side ended its TLS stream is judged against its FIN or RST
    if (app && (flags & (TcpFlag.FIN | TcpFlag.RST)) !== 0) {
      const kind = (flags & TcpFlag.RST) !== 0 ? 'rst' : 'fin';
      if (app.role === 'control') app.session!.tlsClose(from, kind, frame);
      else if (app.tls) app.tls.close(app.tlsRoles![from], kind, frame);
    }
    if (!app || app.role !== 'data') return;
    // a (retransmitted) SYN toward the data endpoint: evidence for a 425
    if ((flags & TcpFlag.SYN) !== 0 && (flags & TcpFlag.ACK) === 0 && from === 'client') {
      for (const t of app.tracks) addSetupFrame(t.t, frame);
    }
  }

  onEnd(conn: Connection): void {
    const app = conn.app as ConnApp | undefined;
    if (!app) {
      this.events.connectionEnded?.(conn);
      return;
    }
    if (app.ended) return;
    if (app.role === 'probe') this.judge(conn, app, true);
    app.ended = true;
    if (conn.endTime > this.now) this.now = conn.endTime;
    switch (app.role) {
      case 'control': {
        const cs = app.session!;
        cs.end(conn.lastFrame, conn.endTime);
        // seen from its SYN, the server closed it without a greeting (the client had sent a line)
        if (cs.session.greeting === null && !conn.roleGuessed && cs.session.serverSide === 'server') this.attempts.closedSession(conn);
        this.linker.sessionEnded(cs);
        this.maybeEndSession(cs);
        break;
      }
      case 'data':
        for (const t of app.tracks) {
          if (t.settled) continue;
          addEnded(t, conn.id);
          this.maybeSettle(t);
        }
        retireDataTls(app);
        break;
      default: {
        app.probe = null;
        // a data connection no session claimed: analysed as a transfer of its own
        const evidence = loneDataEvidence(conn);
        if (evidence !== null) {
          this.loneData(conn, app, evidence);
          break;
        }
        // SYNs that got nowhere may be an attempt to reach an FTP server: decided later
        if (this.attempts.offer(conn, this.now)) return;
      }
    }
    this.events.connectionEnded?.(conn);
  }

  private loneData(conn: Connection, app: ConnApp, evidence: NonNullable<ReturnType<typeof loneDataEvidence>>): void {
    const t = loneTransfer(this.transferCount++, conn, evidence);
    this.transferMap.set(t.id, t);
    app.role = 'data';
    app.lone = t;
    this.apps.set(conn.id, app);
    this.events.transferDone?.(t);
  }

  private attemptDecided(conn: Connection): void {
    this.events.connectionEnded?.(conn);
    this.events.attemptDecided?.(conn);
  }

  /** A silent control connection stays open while a data connection of its session is still
   *  open: FTP says nothing on the control connection during a transfer. Once the data is done
   *  the 226 is due; if it never comes (control-idle-timeout), the idle timeout ends the wait. */
  keepIdle(conn: Connection): boolean {
    const app = conn.app as ConnApp | undefined;
    if (app?.role !== 'control' || app.session === null) return false;
    return app.session.tracks.some((t) => !t.settled && dataOpen(t));
  }

  /** The connection's other half across a NAT was found: it may be a data connection whose
   *  announced endpoint is the translated one. */
  onNatPaired(conn: Connection): void {
    const app = conn.app as ConnApp | undefined;
    if (!app || (app.role !== 'probe' && app.role !== 'other')) return;
    this.linker.natPaired(conn, app, this.now);
  }

  onForget(conn: Connection): void {
    this.events.connectionForgotten?.(conn);
  }

  /** End of the capture: closes out whatever the engine did not, settles every transfer. */
  finish(connections: readonly Connection[]): void {
    for (const conn of connections) {
      const app = conn.app as ConnApp | undefined;
      if (app && !app.ended) this.onEnd(conn);
    }
    for (const cs of this.controls.values()) {
      if (!cs.session.ended) {
        cs.end(cs.conn.lastFrame, cs.conn.endTime);
        this.linker.sessionEnded(cs);
      }
    }
    for (const t of this.tracks.values()) if (!t.settled) this.settle(t);
    for (const cs of this.controls.values()) this.maybeEndSession(cs);
    this.attempts.finish();
  }

  // ---- recognising control connections --------------------------------------------------------

  private judge(conn: Connection, app: ConnApp, complete: boolean): void {
    const probe = app.probe;
    if (!probe) return;
    const v = judgeControlChannel({
      client: probe.head('client'),
      server: probe.head('server'),
      clientGap: probe.gapSeen.client,
      serverGap: probe.gapSeen.server,
      clientPort: conn.client.port,
      serverPort: conn.server.port,
      sawSyn: !conn.roleGuessed,
      complete: complete || probe.full,
    });
    if (v.kind === 'undecided') return;
    app.probe = null;
    if (v.kind === 'not-ftp') {
      app.role = 'other';
      conn.deliver = false;
      return;
    }
    this.promote(conn, app, probe, v);
  }

  private promote(conn: Connection, app: ConnApp, probe: Probe, v: Verdict): void {
    const cs = new ControlSession(this.sessionCount++, conn, v.ftpServer, this.hooks,
      v.kind === 'ftp-tls' ? { frame: probe.firstFrame } : null, this.limits, this.tlsContext);
    this.sessionMap.set(cs.session.id, cs.session);
    this.controls.set(cs.session.id, cs);
    this.attempts.sessionStarted(cs.session.id, conn.client.addr, conn.server.addr, conn.server.port, conn.startTime, conn.firstFrame);
    app.role = 'control';
    app.session = cs;
    this.apps.set(conn.id, app);
    this.linker.sessionStarted(cs);
    // parse what was held back, in the order it came
    for (const c of probe.chunks) {
      if (c.data) cs.feed(c.side, c.data, c.frame, c.time, c.offset);
      else cs.gap(c.side, c.frame, c.time, NaN, c.gap?.bytes ?? -1, c.gap?.acked ?? false);
    }
    // copies that disagreed while it was still a probe
    for (const c of conn.conflicts) if (c.firstLine === null) cs.conflict(c.by, c);
  }

  // ---- transfers ------------------------------------------------------------------------------

  private transferStarted(track: TransferTrack): void {
    track.t.id = this.transferCount++;
    this.transferMap.set(track.t.id, track.t);
    this.tracks.set(track.t.id, track);
    const s = track.control.session;
    s.transfers = addTo(s.transfers, track.t.id);
    this.linker.transferStarted(track);
  }

  private maybeSettle(track: TransferTrack): void {
    if (!track.settled && readyToSettle(track)) this.settle(track);
  }

  private settle(track: TransferTrack): void {
    track.settled = true;
    measureTransfer(track);
    trimLists(track);
    for (const c of track.conns) retireDataTls(c.app as ConnApp | undefined);
    if (track.setup) {
      this.linker.retire(track.setup);
      // answered, it has left the session's running transfers, the only reader of a track's setup
      // after it started (linking by timing): the PASV/PORT exchange's working state (its
      // expectation keys, candidate lists) goes with it, ~200 bytes a transfer of a long session
      if (track.t.finalReply !== null) track.setup = null;
    }
    this.events.transferDone?.(track.t);
    this.maybeEndSession(track.control as ControlSession);
  }

  private maybeEndSession(cs: ControlSession): void {
    if (!cs.session.ended || this.sessionsEnded.has(cs)) return;
    if (cs.tracks.some((t) => !t.settled)) return;
    this.sessionsEnded.add(cs);
    this.ledger.add(cs.session);
    this.events.sessionEnded?.(cs.session);
  }
}
