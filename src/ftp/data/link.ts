// Linking data connections to the transfers they carry: through the table of expected endpoints
// that PORT/EPRT/LPRT and 227/228/229 announce (expectations.ts, Zeek's design), through hosts
// and timing when there is no usable announcement (or the control channel is encrypted), through
// the other half of a connection paired across a NAT, and for a connection that came before its
// announcement was read.

import type { Connection, Side } from '../../tcp/types.ts';
import type { Transfer } from '../types.ts';
import { addEnded, addListener, NO_LISTENERS, type ControlRef, type DataSetup, type TransferTrack } from '../tracks.ts';
import type { ConnApp } from '../conn-app.ts';
import { ExpectedConnections, endpointKey } from './expectations.ts';

/** Candidate data connections kept per transfer (retries toward one endpoint). */
export const MAX_CANDIDATES = 50;
/** SYN frames kept per transfer. */
const MAX_SETUP_FRAMES = 50;
/** Connections remembered for a late announcement (the SYN seen before the 227 was parsed). */
const RECENT_MAX = 64;
/** … and for how long, seconds. */
const RECENT_WINDOW = 10;

function pairKey(a: string, b: string): string {
  return a < b ? `${a}|${b}` : `${b}|${a}`;
}

/** Whether `conn`'s `side` is one of the endpoints an announcement named. */
function announcedAt(conn: Connection, side: Side, port: number, keys: readonly string[]): boolean {
  return conn[side].port === port && keys.includes(endpointKey(conn[side].addr, port));
}

/** A (retransmitted) SYN toward the data endpoint: evidence for a 425. */
export function addSetupFrame(t: Transfer, frame: number): void {
  if (t.dataSetupFrames.length >= MAX_SETUP_FRAMES || t.dataSetupFrames.includes(frame)) return;
  t.dataSetupFrames.push(frame);
}

export class DataLinker {
  private readonly expected = new ExpectedConnections<DataSetup>();
  private readonly hostPairs = new Map<string, ControlRef[]>(); // live sessions by their two hosts
  private readonly recent: Array<{ conn: Connection; time: number }> = []; // unmatched new connections

  /** `linked`: a connection became a data connection (the analyzer keeps its ConnApp). */
  constructor(private readonly linked: (conn: Connection, app: ConnApp) => void) {}

  /** A new connection: a data connection by announcement or by timing (true), or to be judged. */
  link(conn: Connection, app: ConnApp, time: number): boolean {
    if (this.matchExpected(conn, app, time)) return true;
    if (this.matchByTiming(conn, app)) return true;
    this.recent.push({ conn, time });
    if (this.recent.length > RECENT_MAX) this.recent.shift();
    return false;
  }

  /** A control session is live: its hosts may open data connections found by timing. */
  sessionStarted(cs: ControlRef): void {
    const key = pairKey(cs.conn.client.addr, cs.conn.server.addr);
    const list = this.hostPairs.get(key);
    if (list) list.push(cs);
    else this.hostPairs.set(key, [cs]);
  }

  /** … no longer. */
  sessionEnded(cs: ControlRef): void {
    const key = pairKey(cs.conn.client.addr, cs.conn.server.addr);
    const list = this.hostPairs.get(key);
    if (!list) return;
    const k = list.indexOf(cs);
    if (k >= 0) list.splice(k, 1);
    if (list.length === 0) this.hostPairs.delete(key);
  }

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

  /** The connection's other half across a NAT was found: the endpoint it shows for the
   *  translated side may be the one a PORT/EPRT announced (active mode from inside a NAT: the
   *  client announced its inside address, the server's SYN went to the NAT's). */
  natPaired(conn: Connection, app: ConnApp, now: number): void {
    const nat = conn.nat;
    if (!nat || this.expected.size === 0) return;
    const setup = this.expected.find(endpointKey(nat.addr, nat.port), now);
    if (!setup) return;
    const i = this.recent.findIndex((x) => x.conn === conn);
    if (i >= 0) this.recent.splice(i, 1);
    conn.deliver = false;
    this.attachSetup(conn, app, setup, nat.translated);
  }

  private attachSetup(conn: Connection, app: ConnApp, setup: DataSetup, listener: Side): void {
    app.role = 'data';
    app.probe = null;
    this.linked(conn, app);
    if (setup.transfer) {
      this.attachTrack(conn, app, setup.transfer, listener, 'announcement');
      return;
    }
    // before its transfer command (the client connects right after the 227): wait for it (the
    // first MAX_CANDIDATES: a scan of the announced port must not grow the list without end)
    app.setup = setup;
    if (setup.conns.length >= MAX_CANDIDATES) return;
    setup.conns.push(conn);
    addListener(setup, conn.id, listener);
  }

  private attachTrack(conn: Connection, app: ConnApp, track: TransferTrack, listener: Side | null, how: 'announcement' | 'timing'): void {
    app.role = 'data';
    app.probe = null;
    app.setup = null;
    this.linked(conn, app);
    // nearly always its only one: a list of one, not a grown one of 16 slots
    if (app.tracks.length === 0) app.tracks = [track];
    else if (!app.tracks.includes(track)) app.tracks.push(track);
    if (track.conns.length < MAX_CANDIDATES && !track.conns.includes(conn)) {
      track.conns.push(conn);
      if (listener && !track.settled) addListener(track, conn.id, listener);
    }
    if (app.ended && !track.settled) addEnded(track, conn.id);
    const t = track.t;
    if (t.dataConnection === null) t.dataConnection = conn.id;
    if (t.linkedBy === null) t.linkedBy = how;
    if (t.dataCandidates.length < MAX_CANDIDATES && !t.dataCandidates.includes(conn.id)) t.dataCandidates.push(conn.id);
    if (t.dataLooksTls === null && app.looksTls !== null) t.dataLooksTls = app.looksTls;
    const syn = conn.client.synFrame;
    if (syn !== null) addSetupFrame(t, syn);
  }

  /** A data endpoint was announced: expect a connection to it. */
  announced(setup: DataSetup, now: number): void {
    const a = setup.announcement;
    if (!a) return;
    // NAT: the announced address may not be the host's real one; expect the real one as well
    const keys = [endpointKey(a.addr ?? a.controlPeerAddr, a.port)];
    if (a.mismatch) keys.push(endpointKey(a.controlPeerAddr, a.port));
    for (const k of keys) this.expected.add(k, setup, now);
    setup.keys = keys;
    // Heuristic: "a connection that came before its announcement"
    // A connection to this endpoint seen in the last RECENT_WINDOW seconds, not otherwise
    // explained (still being probed, or found not to be FTP), is its data connection: capture
    // order can put the SYN before the 227 (several capture points, a retransmitted reply).
    for (let k = this.recent.length - 1; k >= 0; k--) {
      const { conn, time } = this.recent[k]!;
      if (now - time > RECENT_WINDOW) break;
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

  /** A setup will carry no (more) connections. */
  retire(setup: DataSetup): void {
    for (const k of setup.keys) this.expected.remove(k, setup);
  }

  /** A transfer command took a setup: the connections that came before it are its candidates. */
  transferStarted(track: TransferTrack): void {
    const setup = track.setup;
    if (!setup || setup.conns.length === 0) return;
    for (const conn of setup.conns) {
      const app = conn.app as ConnApp;
      this.attachTrack(conn, app, track, setup.listeners.get(conn.id) ?? null, 'announcement');
    }
    setup.conns = [];
    setup.listeners = NO_LISTENERS;
  }
}
