// Logins per client and server, across sessions: failed logins belong together when they come
// from one client (a user who mistyped, then got in; a script guessing passwords in hundreds of
// sessions), so the diagnosis judges them per client, not per session. The FTP stage records each
// session's login replies here when the session ends; the ledger outlives released sessions (a
// streaming analysis) and is read once, at the end of the capture.
//
// A login attempt is refused when USER, PASS or ACCT is answered 530 (RFC 959 §5.4), or when a 530
// answers a command the capture does not hold (a session that began before the capture: the PASS
// came earlier). A login succeeds on 230 (or 202 to PASS).

import type { FtpReply, Session } from './types.ts';

/** What one client did to log in to one server (address and port) in the whole capture. */
export interface ClientLogins {
  client: string; //                  client address
  server: string; //                  server address
  serverPort: number; //              its control port
  sessions: number; //                sessions between the two
  failures: number; //                refused login attempts
  failedSessions: number; //          sessions with a refused attempt that never logged in
  failureFrames: number[]; //         frames of the 530 replies, the first MAX_FRAMES (by time)
  users: string[]; //                 users of refused attempts, first seen first, at most MAX_USERS
  usersTried: number; //              distinct users of refused attempts (counted up to MAX_USER_SET)
  unknownUser: number; //             refused attempts whose USER is not in the capture
  firstFailureFrame: number;
  firstFailureTime: number; //        seconds since 1970
  lastFailureFrame: number;
  lastFailureTime: number;
  firstSession: number; //            Session.id of the earliest session with a refused attempt, -1 if none
  /** The first successful login after the first refused one, null if none came. */
  success: { user: string; frame: number; time: number; session: number } | null;
}

const MAX_FRAMES = 200;
const MAX_USERS = 20;
const MAX_USER_SET = 1000;
/** Client/server pairs tracked; beyond, sessions are counted in `untracked`. */
export const MAX_CLIENTS = 10_000;
/** Successful logins remembered per pair while it is not known which one follows the first failure. */
const MAX_SUCCESSES = 16;

interface Entry extends ClientLogins {
  userSet: Set<string>;
  successes: Array<{ user: string; frame: number; time: number; session: number }>; // by time
}

const LOGIN_VERBS: ReadonlySet<string> = new Set(['USER', 'PASS', 'ACCT']);

function isSuccess(verb: string, r: FtpReply): boolean {
  return r.valid && (r.code === 230 || (verb === 'PASS' && r.code === 202));
}

export class LoginLedger {
  private readonly entries = new Map<string, Entry>();
  /** Sessions not recorded because MAX_CLIENTS pairs were tracked already. */
  untracked = 0;

  /** Records an ended session's login replies. */
  add(s: Session): void {
    const key = `${s.client.addr}|${s.server.addr}|${s.server.port}`;
    let e = this.entries.get(key);
    if (!e) {
      if (this.entries.size >= MAX_CLIENTS) {
        this.untracked++;
        return;
      }
      e = {
        client: s.client.addr,
        server: s.server.addr,
        serverPort: s.server.port,
        sessions: 0,
        failures: 0,
        failedSessions: 0,
        failureFrames: [],
        users: [],
        usersTried: 0,
        unknownUser: 0,
        firstFailureFrame: 0,
        firstFailureTime: 0,
        lastFailureFrame: 0,
        lastFailureTime: 0,
        firstSession: -1,
        success: null,
        userSet: new Set(),
        successes: [],
      };
      this.entries.set(key, e);
    }
    e.sessions++;
    let failed = false;
    let loggedIn = false;
    const events: Array<{ r: FtpReply; user: string | null; ok: boolean }> = [];
    for (const cmd of s.commands) {
      if (cmd.verb === 'REIN' && cmd.reply?.code === 220) loggedIn = false;
      const r = cmd.reply;
      if (!r || !LOGIN_VERBS.has(cmd.verb)) continue;
      // the user of the login the FTP stage put the command in
      const user = cmd.login === null ? null : (s.logins[cmd.login]?.user ?? null);
      if (r.valid && r.code === 530) events.push({ r, user, ok: false });
      else if (isSuccess(cmd.verb, r)) events.push({ r, user, ok: true });
    }
    // a 530 answering a command the capture does not hold: a login refused before we could see it
    for (const r of s.unsolicited) if (r.valid && r.code === 530) events.push({ r, user: null, ok: false });
    events.sort((a, b) => a.r.frame - b.r.frame);
    for (const ev of events) {
      if (ev.ok) {
        loggedIn = true;
        this.noteSuccess(e, { user: ev.user ?? '', frame: ev.r.frame, time: ev.r.time, session: s.id });
        continue;
      }
      failed = true;
      loggedIn = false;
      this.noteFailure(e, ev.r, ev.user, s.id);
    }
    if (failed && !loggedIn && !s.loggedIn) e.failedSessions++;
  }

  private noteFailure(e: Entry, r: FtpReply, user: string | null, session: number): void {
    e.failures++;
    if (e.firstFailureFrame === 0 || r.time < e.firstFailureTime) {
      e.firstFailureFrame = r.frame;
      e.firstFailureTime = r.time;
      e.firstSession = session;
    }
    if (r.time >= e.lastFailureTime) {
      e.lastFailureFrame = r.frame;
      e.lastFailureTime = r.time;
    }
    // the earliest frames: sessions end out of order, so insert in place and drop the latest
    const frames = e.failureFrames;
    if (frames.length < MAX_FRAMES || r.frame < frames[frames.length - 1]!) {
      let k = frames.length;
      while (k > 0 && frames[k - 1]! > r.frame) k--;
      frames.splice(k, 0, r.frame);
      if (frames.length > MAX_FRAMES) frames.pop();
    }
    if (user === null) e.unknownUser++;
    else if (!e.userSet.has(user) && e.userSet.size < MAX_USER_SET) {
      e.userSet.add(user);
      e.usersTried++;
      if (e.users.length < MAX_USERS) e.users.push(user);
    }
  }

  private noteSuccess(e: Entry, s: Entry['successes'][number]): void {
    const list = e.successes;
    let k = list.length;
    while (k > 0 && list[k - 1]!.time > s.time) k--;
    list.splice(k, 0, s);
    // the earliest ones are kept: the first success after the first failure is among them unless
    // more than MAX_SUCCESSES logins succeeded before any failure, which are dropped first
    while (list.length > MAX_SUCCESSES) {
      const drop = list.findIndex((x) => e.firstFailureFrame === 0 || x.time < e.firstFailureTime);
      list.splice(drop >= 0 ? drop : list.length - 1, 1);
    }
  }

  /** Every pair with a login attempt refused, in order of its first refusal. */
  result(): ClientLogins[] {
    const out: ClientLogins[] = [];
    for (const e of this.entries.values()) {
      if (e.failures === 0) continue;
      const { userSet: _u, successes, ...rest } = e;
      const success = successes.find((x) => x.time > e.firstFailureTime || (x.time === e.firstFailureTime && x.frame > e.firstFailureFrame)) ?? null;
      out.push({ ...rest, failureFrames: [...e.failureFrames], users: [...e.users], success });
    }
    return out.sort((a, b) => a.firstFailureFrame - b.firstFailureFrame);
  }
}
