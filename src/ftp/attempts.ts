// Connection attempts to an FTP server that never got through: SYNs to port 21 (or to a port a
// session of the capture uses for control) that were refused or never answered. They belong in
// the FTP story ("the client could not reach the FTP server"), and whether the same client got
// through a little later decides how bad they were, so each attempt waits (bounded in number and
// in capture time) for a session from the same client to the same server, which takes it.
//
// Heuristic: "an attempt to reach the FTP server"
// Plain definition: a connection whose only traffic is the client's SYN(s), unanswered or answered
// by RST, with no payload, toward port 21 or toward a port on which a session of the capture
// spoke FTP. It stays pending for ATTEMPT_WINDOW seconds of capture time: a session from the same
// client address to the same server endpoint in that time takes it (a retry that got through);
// otherwise it is judged alone.
//
// Heuristic: "accepted, then closed without a greeting"
// Plain definition: a connection seen from its SYN whose server answered the handshake (SYN-ACK)
// and then closed it (FIN or RST) first, without sending a byte: no 220 (RFC 959 §5.4 has the
// server greet every connection). tcp_wrappers and hosts.deny, a per-address or total
// connection limit, or a service that dies on accept look like this. Without client bytes it is
// an attempt like the ones above; a client that sent a line first (QUIT, USER) made the
// connection a session, which the FTP stage judges the same way when it ends (closedSilently).

import type { Connection } from '../tcp/types.ts';

/** What the diagnosis knows of an attempt (facts.ts turns it into c.ftpAttempt). */
export interface FtpAttempt {
  outcome: 'refused' | 'unanswered' | 'closed'; // 'closed': accepted, then closed by the server without a greeting
  synFrames: number[]; //   the client's SYNs (with retransmissions), at most MAX_FRAMES
  rstFrame: number | null; // the RST that refused it
  firstTime: number; //     first SYN, seconds since 1970
  lastTime: number; //      last packet
  session: number | null; // Session.id of the session from the same client that came next, if any
  acceptFrame: number | null; // 'closed': the server's SYN-ACK
  closeFrame: number | null; //  'closed': the server's FIN or RST that closed it
  closeKind: 'fin' | 'rst' | null;
  openSeconds: number; //      'closed': from the SYN-ACK to that close; 0 otherwise
  sessionFrame: number; //  first frame of that session's control connection (0: none)
}

/** Seconds of capture time an attempt waits for the session that may follow it. */
export const ATTEMPT_WINDOW = 120;
/** Attempts pending at once; past this the oldest is judged alone at once. */
export const MAX_PENDING_ATTEMPTS = 1024;
/** Control ports remembered (to recognise attempts to FTP on other ports than 21). */
const MAX_CONTROL_PORTS = 64;
const MAX_FRAMES = 20;
const FTP_PORT = 21;

/** A connection that only tried to open: the client's SYNs, then nothing or a RST; or one the
 *  server accepted and closed without a byte (closedSilently). */
export function attemptOf(c: Connection): FtpAttempt | null {
  if (c.roleGuessed || c.client.synFrame === null) return null;
  if (c.client.bytesSent > 0 || c.server.bytesSent > 0) return null;
  if (c.server.synFrame !== null) return closedSilently(c);
  const refused = c.server.rstFrame !== null;
  if (!refused && c.server.segments > 0) return null;
  const syns = c.events['handshake-unanswered']?.frames ?? c.events['handshake-refused']?.frames ?? [];
  const synFrames = syns.length > 0 && !refused ? syns.slice(0, MAX_FRAMES) : [c.client.synFrame];
  return {
    outcome: refused ? 'refused' : 'unanswered',
    synFrames,
    rstFrame: c.server.rstFrame,
    firstTime: c.startTime,
    lastTime: c.endTime,
    session: null,
    acceptFrame: null,
    closeFrame: null,
    closeKind: null,
    openSeconds: 0,
    sessionFrame: 0,
  };
}

/** The connection as an attempt the server accepted and closed without greeting: handshake
 *  seen, the server sent no byte and closed first (FIN or RST). Null otherwise. */
export function closedSilently(c: Connection): FtpAttempt | null {
  const accept = c.server.synFrame;
  if (c.roleGuessed || c.client.synFrame === null || accept === null || c.server.bytesSent > 0) return null;
  if (c.closedBy !== 'server' || c.closeKind === null || c.closeFrame === null) return null;
  return {
    outcome: 'closed',
    synFrames: [c.client.synFrame],
    rstFrame: c.server.rstFrame,
    firstTime: c.startTime,
    lastTime: c.endTime,
    session: null,
    sessionFrame: 0,
    acceptFrame: accept,
    closeFrame: c.closeFrame,
    closeKind: c.closeKind,
    openSeconds: Math.max(0, timeOfFrame(c, c.closeFrame) - timeOfFrame(c, accept)),
  };
}

/** Capture time of a frame at which one of the connection's endpoints changed state (its SYN-ACK,
 *  FIN or RST); the connection's start when none did. */
function timeOfFrame(c: Connection, frame: number): number {
  for (const ep of [c.server, c.client]) {
    const log = ep.transitions;
    for (let i = 0; i < log.length; i++) {
      const t = log.at(i);
      if (t.frame === frame) return t.time;
    }
  }
  return c.startTime;
}

interface Pending {
  conn: Connection;
  attempt: FtpAttempt;
}

/** Seconds a session start is remembered for attempts that end later (an unanswered SYN ends
 *  only at the idle timeout or the end of the capture). */
const SESSION_MEMORY = 1000;
const MAX_SESSIONS = 4096;

/** The table of attempts waiting for a session, the sessions begun lately, and the control ports
 *  seen so far. */
export class AttemptTable {
  private readonly pending: Pending[] = []; //          oldest first
  private readonly sessions: Array<{ id: number; key: string; time: number; frame: number }> = []; // by time
  private readonly controlPorts = new Set<number>([FTP_PORT]);
  /** Decided FTP attempts by connection id (what the diagnosis reads), until released. */
  readonly decided = new Map<number, FtpAttempt>();

  /** `settled`: an attempt was decided (an FTP attempt or not) after it waited. */
  constructor(private readonly settled: (conn: Connection) => void) {}

  isPending(connId: number): boolean {
    return this.pending.some((p) => p.conn.id === connId);
  }

  /** An ended connection that may be an attempt; true when it waits for a session to follow. */
  offer(conn: Connection, now: number): boolean {
    const attempt = attemptOf(conn);
    if (attempt === null) return false;
    const key = pairKey(conn.client.addr, conn.server.addr, conn.server.port);
    const next = this.sessions.find((x) => x.key === key && x.time >= attempt.firstTime);
    if (next) {
      attempt.session = next.id;
      attempt.sessionFrame = next.frame;
      this.decided.set(conn.id, attempt);
      return false;
    }
    this.pending.push({ conn, attempt });
    while (this.pending.length > MAX_PENDING_ATTEMPTS) this.judge(this.pending.shift()!);
    this.expire(now);
    return this.isPending(conn.id);
  }

  /** A session began between `client` and `server:port` at `time` (its first frame `frame`): it takes the
   *  attempts before it, and the port is known to speak FTP. */
  sessionStarted(session: number, client: string, server: string, port: number, time: number, frame: number): void {
    if (this.controlPorts.size < MAX_CONTROL_PORTS) this.controlPorts.add(port);
    const key = pairKey(client, server, port);
    this.sessions.push({ id: session, key, time, frame });
    while (this.sessions.length > MAX_SESSIONS || (this.sessions.length > 0 && time - this.sessions[0]!.time > SESSION_MEMORY)) this.sessions.shift();
    for (let k = 0; k < this.pending.length; ) {
      const p = this.pending[k]!;
      if (pairKey(p.conn.client.addr, p.conn.server.addr, p.conn.server.port) === key && p.attempt.firstTime <= time) {
        this.pending.splice(k, 1);
        p.attempt.session = session;
        p.attempt.sessionFrame = frame;
        this.decided.set(p.conn.id, p.attempt);
        this.settled(p.conn);
      } else k++;
    }
  }

  /** Attempts that waited ATTEMPT_WINDOW seconds without a session are judged alone. */
  expire(now: number): void {
    while (this.pending.length > 0 && now - this.pending[0]!.attempt.lastTime > ATTEMPT_WINDOW) this.judge(this.pending.shift()!);
  }

  /** End of the capture: every attempt still waiting is judged alone. */
  finish(): void {
    while (this.pending.length > 0) this.judge(this.pending.shift()!);
  }

  /** A session's control connection that the server closed without a greeting: decided at once
   *  (its findings go with the session). */
  closedSession(conn: Connection): boolean {
    const a = closedSilently(conn);
    if (a !== null) this.decided.set(conn.id, a);
    return a !== null;
  }

  /** Forgets a released connection's attempt. */
  release(connId: number): void {
    this.decided.delete(connId);
  }

  private judge(p: Pending): void {
    if (this.controlPorts.has(p.conn.server.port)) this.decided.set(p.conn.id, p.attempt);
    this.settled(p.conn);
  }
}

function pairKey(client: string, server: string, port: number): string {
  return `${client}|${server}|${port}`;
}
