// The FTP stage: listens to the TCP engine, recognises control connections (detect.ts), parses
// them (session.ts), links data connections to the commands they carry through a table of
// expected endpoints (expectations.ts), and settles each transfer once its final reply and its
// data connection's end are both known (outcome.ts), telling the live printer as it goes.

import type { DecodedPacket } from '../decode/packet.ts';
import { TcpFlag } from '../decode/packet.ts';
import type { Connection, DataConflict, Side, TcpListener } from '../tcp/types.ts';
import type { Session, Transfer } from './types.ts';
import { judgeControlChannel, type Verdict } from './detect.ts';
import { ExpectedConnections, endpointKey } from './expectations.ts';
import { judgeOutcome } from './outcome.ts';
import { LoginLedger, type ClientLogins } from './logins.ts';
import { AttemptTable, type FtpAttempt } from './attempts.ts';
import { loneDataEvidence, loneTransfer } from './lone-data.ts';
import { Probe } from './probe.ts';
import { ControlSession, defaultControlLimits, type ControlLimits, type DataSetup, type SessionHooks, type TransferTrack } from './session.ts';
import { isTlsHandshakeStart, isTlsRecordHeader } from './tls-records.ts';
import { ftpTlsContext, type FtpTlsChannel, type FtpTlsContext } from './tls-channel.ts';
import { inferProt, openDataTls, tlsDataFacts, tlsTransferBytes } from './tls-data.ts';

export type ConnectionRole = 'control' | 'data' | 'other';

export interface FtpEvents {
  /** A transfer's final reply and its data connection's end are both known (or it definitely
   *  failed, or the capture ended): its facts and outcome are final. */
  transferDone?(t: Transfer): void;
  /** A control connection was closed out and all its transfers are done. */
  sessionEnded?(s: Session): void;
  /** The TCP engine closed out a connection; `role` is what FTP made of it. */
  connectionEnded?(c: Connection, role: ConnectionRole): void;
  /** An ended connection left the TCP engine's flow table: nothing can change it any more. */
  connectionForgotten?(c: Connection): void;
  /** An ended connection that waited to see whether it was an attempt to reach an FTP server
   *  (attempts.ts) is decided: it may be diagnosed now. */
  attemptDecided?(c: Connection): void;
}

/** Candidate data connections kept per transfer (retries toward one endpoint). */
const MAX_CANDIDATES = 50;
/** SYN frames kept per transfer. */
const MAX_SETUP_FRAMES = 50;
/** Connections remembered for a late announcement (the SYN seen before the 227 was parsed). */
const RECENT_MAX = 64;
/** … and for how long, seconds. */
const RECENT_WINDOW = 10;

type AppRole = 'probe' | ConnectionRole;

/** What the FTP stage keeps per connection (Connection.app). */
interface ConnApp {
  role: AppRole;
  probe: Probe | null; //              bytes held while deciding whether it is a control connection
  session: ControlSession | null; //   control connections
  setup: DataSetup | null; //          data connection that came before its transfer command
  tracks: TransferTrack[]; //          data connection's transfer(s)
  looksTls: boolean | null; //         data: its first payload was a TLS record
  ended: boolean; //                   onEnd seen
  lone: Transfer | null; //            data connection no session claimed, taken for one (lone-data.ts)
  tls: FtpTlsChannel | null; //        data connection carrying TLS: its TLS stage (tls-data.ts)
  tlsRoles: Record<Side, Side> | null; // … and the FTP role of each of its sides
}

const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Whether one of a transfer's data connections has not ended yet. */
function dataOpen(t: TransferTrack): boolean {
  return t.conns.some((c) => !t.ended.has(c.id));
}

/** Whether `conn`'s `side` is one of the endpoints an announcement named. */
function announcedAt(conn: Connection, side: Side, port: number, keys: readonly string[]): boolean {
  return conn[side].port === port && keys.includes(endpointKey(conn[side].addr, port));
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
  private readonly expected = new ExpectedConnections<DataSetup>();
  private readonly hostPairs = new Map<string, ControlSession[]>(); // live sessions by their two hosts
  private readonly recent: Array<{ conn: Connection; time: number }> = []; // unmatched new connections
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
      announced: (_cs, setup) => this.announced(setup),
      retired: (setup) => this.retire(setup),
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

  /** Forgets what was kept for a connection outside any session. */
  releaseConnection(id: number): void {
    this.attempts.release(id);
    const app = this.apps.get(id);
    if (app?.lone) this.transferMap.delete(app.lone.id);
    if (app && app.role !== 'control' && app.tracks.length === 0) this.apps.delete(id);
  }

  roleOf(connId: number): ConnectionRole {
    const r = this.apps.get(connId)?.role;
    return r === 'control' || r === 'data' ? r : 'other';
  }

  sessionOf(connId: number): Session | null {
    const app = this.apps.get(connId);
    if (!app) return null;
    if (app.session) return app.session.session;
    const track = app.tracks[app.tracks.length - 1];
    if (track) return track.session.session;
    return app.setup ? app.setup.session.session : null;
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
    const app: ConnApp = { role: 'probe', probe: null, session: null, setup: null, tracks: [], looksTls: null, ended: false, lone: null, tls: null, tlsRoles: null };
    conn.app = app;
    if (this.matchExpected(conn, app, pkt.time)) return;
    if (this.matchByTiming(conn, app)) return;
    app.probe = new Probe();
    this.recent.push({ conn, time: pkt.time });
    if (this.recent.length > RECENT_MAX) this.recent.shift();
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
      this.events.connectionEnded?.(conn, 'other');
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
        this.dropHostPair(cs);
        this.maybeEndSession(cs);
        break;
      }
      case 'data':
        for (const t of app.tracks) {
          t.ended.add(conn.id);
          this.maybeSettle(t);
        }
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
    this.events.connectionEnded?.(conn, this.roleOf(conn.id));
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
    this.events.connectionEnded?.(conn, 'other');
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

  /** The connection's other half across a NAT was found: the endpoint it shows for the
   *  translated side may be the one a PORT/EPRT announced (active mode from inside a NAT: the
   *  client announced its inside address, the server's SYN went to the NAT's). */
  onNatPaired(conn: Connection): void {
    const app = conn.app as ConnApp | undefined;
    const nat = conn.nat;
    if (!app || !nat || (app.role !== 'probe' && app.role !== 'other') || this.expected.size === 0) return;
    const setup = this.expected.find(endpointKey(nat.addr, nat.port), this.now);
    if (!setup) return;
    const i = this.recent.findIndex((x) => x.conn === conn);
    if (i >= 0) this.recent.splice(i, 1);
    conn.deliver = false;
    this.attachSetup(conn, app, setup, nat.translated);
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
        this.dropHostPair(cs);
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
    this.attempts.sessionStarted(cs.session.id, conn.client.addr, conn.server.addr, conn.server.port, conn.startTime);
    app.role = 'control';
    app.session = cs;
    this.apps.set(conn.id, app);
    const key = pairKey(conn.client.addr, conn.server.addr);
    const list = this.hostPairs.get(key);
    if (list) list.push(cs);
    else this.hostPairs.set(key, [cs]);
    // parse what was held back, in the order it came
    for (const c of probe.chunks) {
      if (c.data) cs.feed(c.side, c.data, c.frame, c.time, c.offset);
      else cs.gap(c.side, c.frame, c.time, NaN, c.gap?.bytes ?? -1, c.gap?.acked ?? false);
    }
    // copies that disagreed while it was still a probe
    for (const c of conn.conflicts) if (c.firstLine === null) cs.conflict(c.by, c);
  }

  private dropHostPair(cs: ControlSession): void {
    const key = pairKey(cs.conn.client.addr, cs.conn.server.addr);
    const list = this.hostPairs.get(key);
    if (!list) return;
    const k = list.indexOf(cs);
    if (k >= 0) list.splice(k, 1);
    if (list.length === 0) this.hostPairs.delete(key);
  }

  // ---- linking data connections ---------------------------------------------------------------

  /** Data connection by announcement: its listening end is an endpoint a session announced. */
  private matchExpected(conn: Connection, app: ConnApp, time: number): boolean {
    if (this.expected.size === 0) return false;
    const sides: Side[] = conn.roleGuessed ? ['server', 'client'] : ['server'];
    for (const side of sides) {
      const ep = conn[side];
      const setup = this.expected.find(endpointKey(ep.addr, ep.port), time);
      if (setup) {
        this.attachSetup(conn, app, setup, side);
        return true;
      }
    }
    return false;
  }

  /**
   * Heuristic: "a data connection found by hosts and timing"
   * Plain definition: a new connection between the same two hosts as a live control connection,
   * not to the FTP server's control port, is that session's data connection when (a) a transfer
   * command of the session waits for its data connection and had no usable announcement (no
   * PORT/PASV, refused, or unparseable), or (b) the control channel is encrypted (AUTH TLS), so
   * announcements cannot be read: then it becomes a transfer of command 'unknown'.
   */
  private matchByTiming(conn: Connection, app: ConnApp): boolean {
    if (this.hostPairs.size === 0) return false;
    const list = this.hostPairs.get(pairKey(conn.client.addr, conn.server.addr));
    if (!list) return false;
    for (let k = list.length - 1; k >= 0; k--) {
      const cs = list[k]!;
      const s = cs.session;
      if (cs.conn === conn) continue;
      const toControlPort =
        (conn.server.addr === s.server.addr && conn.server.port === s.server.port) ||
        (conn.client.addr === s.server.addr && conn.client.port === s.server.port);
      if (toControlPort) continue; // a parallel control connection, not data
      const waiting = cs.transferAwaitingData();
      if (waiting) {
        this.attachTrack(conn, app, waiting, null, 'timing');
        return true;
      }
      if (cs.encrypted) {
        const track = cs.startUnknownTransfer(conn);
        this.attachTrack(conn, app, track, null, 'timing');
        return true;
      }
    }
    return false;
  }

  private attachSetup(conn: Connection, app: ConnApp, setup: DataSetup, listener: Side): void {
    app.role = 'data';
    app.probe = null;
    this.apps.set(conn.id, app);
    if (setup.transfer) {
      this.attachTrack(conn, app, setup.transfer, listener, 'announcement');
      return;
    }
    // before its transfer command (the client connects right after the 227): wait for it (the
    // first MAX_CANDIDATES: a scan of the announced port must not grow the list without end)
    app.setup = setup;
    if (setup.conns.length >= MAX_CANDIDATES) return;
    setup.conns.push(conn);
    setup.listeners.set(conn.id, listener);
  }

  private attachTrack(conn: Connection, app: ConnApp, track: TransferTrack, listener: Side | null, how: 'announcement' | 'timing'): void {
    app.role = 'data';
    app.probe = null;
    app.setup = null;
    this.apps.set(conn.id, app);
    if (!app.tracks.includes(track)) app.tracks.push(track);
    if (track.conns.length < MAX_CANDIDATES && !track.conns.includes(conn)) {
      track.conns.push(conn);
      if (listener) track.listeners.set(conn.id, listener);
    }
    if (app.ended) track.ended.add(conn.id);
    const t = track.t;
    if (t.dataConnection === null) t.dataConnection = conn.id;
    if (t.linkedBy === null) t.linkedBy = how;
    if (t.dataCandidates.length < MAX_CANDIDATES && !t.dataCandidates.includes(conn.id)) t.dataCandidates.push(conn.id);
    if (t.dataLooksTls === null && app.looksTls !== null) t.dataLooksTls = app.looksTls;
    const syn = conn.client.synFrame;
    if (syn !== null) addSetupFrame(t, syn);
  }

  private announced(setup: DataSetup): void {
    const a = setup.announcement;
    if (!a) return;
    // NAT: the announced address may not be the host's real one; expect the real one as well
    const keys = [endpointKey(a.addr ?? a.controlPeerAddr, a.port)];
    if (a.mismatch) keys.push(endpointKey(a.controlPeerAddr, a.port));
    for (const k of keys) this.expected.add(k, setup, this.now);
    setup.keys = keys;
    // Heuristic: "a connection that came before its announcement"
    // A connection to this endpoint seen in the last RECENT_WINDOW seconds, not otherwise
    // explained (still being probed, or found not to be FTP), is its data connection: capture
    // order can put the SYN before the 227 (several capture points, a retransmitted reply).
    for (let k = this.recent.length - 1; k >= 0; k--) {
      const { conn, time } = this.recent[k]!;
      if (this.now - time > RECENT_WINDOW) break;
      const app = conn.app as ConnApp | undefined;
      if (!app || (app.role !== 'probe' && app.role !== 'other')) continue;
      // the port first: most recent connections are to other ports, and keys are strings to build
      const side: Side | undefined = announcedAt(conn, 'server', a.port, keys) ? 'server' : conn.roleGuessed && announcedAt(conn, 'client', a.port, keys) ? 'client' : undefined;
      if (side === undefined) continue;
      this.recent.splice(k, 1);
      conn.deliver = false;
      this.attachSetup(conn, app, setup, side);
    }
  }

  private retire(setup: DataSetup): void {
    for (const k of setup.keys) this.expected.remove(k, setup);
  }

  private transferStarted(track: TransferTrack): void {
    track.t.id = this.transferCount++;
    this.transferMap.set(track.t.id, track.t);
    this.tracks.set(track.t.id, track);
    track.session.session.transfers.push(track.t.id);
    const setup = track.setup;
    if (setup && setup.conns.length > 0) {
      for (const conn of setup.conns) {
        const app = conn.app as ConnApp;
        this.attachTrack(conn, app, track, setup.listeners.get(conn.id) ?? null, 'announcement');
      }
      setup.conns = [];
      setup.listeners.clear();
    }
  }

  // ---- settling transfers ---------------------------------------------------------------------

  private maybeSettle(track: TransferTrack): void {
    if (track.settled) return;
    const f = track.t.finalReply;
    // definitely failed: an error reply while no data connection carried a byte (a 425 after an
    // unanswered SYN need not wait for that connection's close-out)
    const failed = f !== null && f.valid && f.code >= 400 && f.code < 600 &&
      track.conns.every((c) => c.client.bytesSent + c.server.bytesSent === 0);
    if (failed) {
      this.settle(track);
      return;
    }
    if (dataOpen(track)) return;
    if (track.t.command === 'unknown') {
      if (track.conns.length > 0) this.settle(track);
      return;
    }
    if (track.t.finalReply || track.session.session.ended) this.settle(track);
  }

  private settle(track: TransferTrack): void {
    track.settled = true;
    this.fillFacts(track);
    trimLists(track);
    if (track.setup) this.retire(track.setup);
    this.events.transferDone?.(track.t);
    this.maybeEndSession(track.session);
  }

  private maybeEndSession(cs: ControlSession): void {
    if (!cs.session.ended || this.sessionsEnded.has(cs)) return;
    if (cs.tracks.some((t) => !t.settled)) return;
    this.sessionsEnded.add(cs);
    this.ledger.add(cs.session);
    this.events.sessionEnded?.(cs.session);
  }

  /**
   * Heuristic: "which attempt carried the transfer"
   * Several connections may go to one announced endpoint (a refused or unanswered SYN, then a
   * retry): the one with most payload bytes carried it; among equals one whose handshake was
   * answered; among those the latest.
   */
  private chooseConn(track: TransferTrack): Connection | null {
    let best: Connection | null = null;
    let bestScore = -1;
    for (const c of track.conns) {
      const answered = c.server.synFrame !== null || c.client.bytesSent + c.server.bytesSent > 0;
      const score = (c.client.bytesSent + c.server.bytesSent) * 2 + (answered ? 1 : 0);
      if (score >= bestScore) {
        best = c;
        bestScore = score;
      }
    }
    return best;
  }

  /** Which endpoint of data connection `conn` is the FTP server. */
  private ftpServerEndpoint(track: TransferTrack, conn: Connection): Side {
    const listener = track.listeners.get(conn.id);
    const mode = track.t.mode;
    if (listener && mode) return mode === 'passive' ? listener : other(listener);
    const s = track.session.session;
    if (s.server.addr !== s.client.addr) {
      if (conn.server.addr === s.server.addr && conn.client.addr !== s.server.addr) return 'server';
      if (conn.client.addr === s.server.addr && conn.server.addr !== s.server.addr) return 'client';
    }
    // both ends on one host (loopback): RFC 959 §3.2's active-mode data port is L−1
    if (conn.client.port === s.server.port - 1) return 'client';
    return mode === 'active' ? 'client' : 'server';
  }

  private fillFacts(track: TransferTrack): void {
    const t = track.t;
    const conn = this.chooseConn(track);
    t.dataSetupFrames.sort((a, b) => a - b);
    let dataEnded = false;
    let dataReset = false;
    let receiverResetEarly = false; // the receiver's RST came before the end of the file (the sender's FIN)
    if (conn) {
      t.dataConnection = conn.id;
      const app = conn.app as ConnApp | undefined;
      const tls = app?.tls ?? null;
      // FTPS: the TLS client (the side that sent the ClientHello) is the FTP client
      const ftpServerEp = tls && app!.tlsRoles ? (app!.tlsRoles.server === 'server' ? 'server' : 'client') : this.ftpServerEndpoint(track, conn);
      if (tls) t.tlsData = tlsDataFacts(conn, tls, ftpServerEp);
      const plain = tls !== null && tls.readable;
      let senderEp: Side;
      if (t.command === 'unknown' && tls) {
        // Command unreadable and the data TLS: TLS records flow both ways, so the direction stays
        // unknown (tlsData.dataFrom says what the record sizes suggest); decrypted, the side that
        // sent plaintext is the sender
        const from = plain ? t.tlsData!.dataFrom.from : null;
        senderEp = from === null || from === 'server' ? ftpServerEp : other(ftpServerEp);
        t.sender = from;
        t.direction = from === 'client' ? 'upload' : 'unknown';
      } else if (t.command === 'unknown') {
        const cb = conn.client.bytesSent;
        const sb = conn.server.bytesSent;
        senderEp = cb === 0 && sb === 0 ? ftpServerEp : cb > sb ? 'client' : 'server';
        t.sender = senderEp === ftpServerEp ? 'server' : 'client';
        t.direction = cb === 0 && sb === 0 ? 'unknown' : t.sender === 'server' ? 'download' : 'upload';
      } else {
        senderEp = t.sender === 'server' ? ftpServerEp : other(ftpServerEp);
      }
      const se = conn[senderEp];
      t.senderEndpoint = senderEp;
      t.bytes = se.bytesSent;
      t.bytesAcked = Math.min(se.bytesAcked, se.bytesSent);
      t.bytesMissing = Math.max(0, se.bytesSent - se.bytesCaptured);
      t.receiverAckedAll = se.bytesAcked >= se.bytesSent;
      // decrypted with the key log: the file's bytes are the plaintext
      if (plain) Object.assign(t, tlsTransferBytes(tls!, senderEp === ftpServerEp ? 'server' : 'client', Math.min(se.bytesAcked, se.bytesSent)));
      const closer = conn.closedBy;
      t.dataClose = {
        by: closer === null ? null : closer === ftpServerEp ? 'server' : 'client',
        byRole: closer === null ? null : closer === senderEp ? 'sender' : 'receiver',
        kind: conn.closeKind,
        frame: conn.closeFrame,
      };
      dataEnded = conn.closeKind !== null;
      dataReset = conn.closeKind === 'rst';
      receiverResetEarly = conn.reset !== null && conn.reset.by !== senderEp && !conn.reset.peerFinished;
      const s = track.session.session;
      inferProt(s, t, conn);
      t.duration = Math.max(0, conn.endTime - conn.startTime);
      t.rate = t.duration > 0 ? t.bytes / t.duration : null;
      t.startTime = Math.min(t.commandTime, conn.startTime);
    } else {
      t.duration = t.finalReply ? Math.max(0, t.finalReply.time - t.commandTime) : 0;
      t.rate = null;
      t.receiverAckedAll = false;
      t.startTime = t.commandTime;
    }
    t.expectedBytes = t.announcedBytes !== null ? Math.max(0, t.announcedBytes - t.restOffset) : null;
    // the capture stopped while it ran: nothing closed, nothing timed out, no final reply
    const cutByEnd = (c: Connection) => c.closeKind === null && c.idleEndedAt === null && !c.evicted;
    t.inProgressAtEnd = t.finalReply === null && cutByEnd(track.session.conn) && (conn === null || cutByEnd(conn));
    t.endTime = Math.max(t.commandTime, t.finalReply?.time ?? 0, conn?.endTime ?? 0);
    t.outcome = judgeOutcome({
      command: t.command,
      finalCode: t.finalReply ? t.finalReply.code : null,
      finalValid: t.finalReply ? t.finalReply.valid : false,
      aborted: t.aborted,
      hasData: conn !== null,
      dataEnded,
      dataReset,
      bytes: t.bytes,
      delivered: t.receiverAckedAll ? t.bytes : t.bytesAcked,
      receiverAckedAll: t.receiverAckedAll,
      expectedBytes: t.expectedBytes,
      encrypted: t.tlsData !== null && t.tlsData.plaintext === null,
      // an RST after the sender's TLS close_notify ended nothing: its data was all written
      resetBySender: t.dataClose.byRole === 'sender' && t.tlsData?.verdict !== 'reset-after-close-notify',
      resetByReceiverEarly: receiverResetEarly,
    });
    // without a data connection the bytes are unknown ('not captured'), not 0, unless the
    // transfer was refused before one was due; TLS record bytes are not file bytes
    t.bytesStatus = conn === null ? (t.outcome === 'failed' ? 'not-opened' : 'not-captured') : t.dataLooksTls === true && t.tlsData?.plaintext == null ? 'encrypted' : 'counted';
  }
}

/** A settled transfer's lists rarely grow again, and the session holds it until the session is
 *  released: exact-length copies give back what push() reserved (17 slots on the first push;
 *  ~0.5 KB a transfer). */
function trimLists(track: TransferTrack): void {
  const t = track.t;
  t.dataSetupFrames = t.dataSetupFrames.slice();
  t.replyCodes = t.replyCodes.slice();
  t.dataCandidates = t.dataCandidates.slice();
  track.conns = track.conns.slice();
}

function addSetupFrame(t: Transfer, frame: number): void {
  if (t.dataSetupFrames.length >= MAX_SETUP_FRAMES || t.dataSetupFrames.includes(frame)) return;
  t.dataSetupFrames.push(frame);
}
