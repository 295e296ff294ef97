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
  /** Why the refusals say they were refused (loginRefusalReason of their 530 text), one entry
   *  per reason in order of first appearance, with its first text; at most MAX_REASONS. */
  reasons: Array<{ reason: LoginRefusal; count: number; text: string; frame: number }>;
}

/** What a 530's text says of a refused login. */
export type LoginRefusal =
  | 'connection-limit' //  too many connections from this host, or in all
  | 'anonymous-only' //    the server takes anonymous logins only
  | 'anonymous-refused' // it takes no anonymous logins
  | 'tls-required' //      it requires TLS (AUTH TLS) before the login
  | 'host-denied' //       it refuses this client's address
  | 'account' //           the account is disabled, locked, expired or not allowed on FTP
  | 'credentials' //       wrong user name or password
  | 'unstated'; //         the text gives no reason ("Not logged in.", "Login failed.")

// 530 Sorry, only 3 connections per host!          530 This FTP server is anonymous only.
// 530 Non-anonymous sessions must use encryption.  530 Login incorrect.      530 Not logged in.
/** Texts of refusals by what they say, tried in order: the first pattern that matches names
 *  the reason (a limit or a policy before the generic words "denied" and "incorrect"). */
const REFUSAL_TEXTS: ReadonlyArray<[LoginRefusal, RegExp]> = [
  ['connection-limit', /too many|connections? (?:per|from)|only \d+ (?:connections|users|clients|sessions)|maximum (?:number of )?(?:users|clients|connections|sessions|logins?)|(?:login|connection|user|client|session)s? limit|limit (?:of|on) (?:connections|users|clients|sessions)|already connected|\bmax(?:imum)? \d+ (?:users|clients|connections|sessions)/i],
  ['anonymous-only', /anonymous (?:access |logins? |users? )?only|only anonymous/i],
  ['tls-required', /\b(?:TLS|SSL|encryption|AUTH)\b.{0,40}\b(?:required|mandatory)\b|\bmust use (?:AUTH|TLS|SSL|encryption)|requires? (?:TLS|SSL|encryption|AUTH)|\bpolicy requires\b/i],
  ['anonymous-refused', /anonymous.{0,40}\b(?:not allowed|not permitted|denied|disabled|refused|forbidden|not accepted)|\bno anonymous\b|does not allow anonymous/i],
  ['host-denied', /(?:not allowed|denied|refused|forbidden|blocked|banned).{0,40}(?:\b(?:host|address|IP|location)\b|\bfrom (?:your|\d|\[?[0-9a-f]*:))|\byour (?:host|address|IP)\b.{0,30}\b(?:not|denied|blocked|banned)\b/i],
  ['account', /\b(?:account|user)\b.{0,40}\b(?:disabled|locked|expired|suspended|not allowed|not permitted|denied|forbidden)\b|\bpermission denied\b|\baccess denied\b|\bnot allowed to log ?in\b|\bpassword (?:has )?expired\b/i],
  ['credentials', /\bincorrect\b|\binvalid\b|\bwrong\b|authentication failed|\bbad (?:password|user)|\bpassword\b|unknown user|no such user|login authentication/i],
];

/** What a 530's text says of the refused login; 'unstated' when it names no reason. */
export function loginRefusalReason(text: string): LoginRefusal {
  for (const [reason, re] of REFUSAL_TEXTS) if (re.test(text)) return reason;
  return 'unstated';
}

const MAX_FRAMES = 200;
/** Refusal reasons kept per client and server. */
const MAX_REASONS = 8;
const MAX_USERS = 20;
const MAX_USER_SET = 1000;
/** Client/server pairs tracked; beyond, sessions are counted in `untracked`. */
export const MAX_CLIENTS = 10_000;
/** Successful logins remembered per pair while it is not known which one follows the first failure. */
const MAX_SUCCESSES = 16;

/** A successful login. */
class Success {
  constructor(
    readonly user: string,
    readonly frame: number,
    readonly time: number,
    readonly session: number,
  ) {}
}

/** A pair's refused logins: made at its first refusal. Most pairs never have one (a busy server's
 *  clients log in and out), and the whole record with its set, lists and boxed times was ~0.7 KB
 *  of each of the up to MAX_CLIENTS pairs, held to the end of the capture. */
interface Refusals extends Omit<ClientLogins, 'sessions' | 'success'> {
  userSet: Set<string>;
}

/** What the ledger holds of one client/server pair: ~0.2 KB until a login of it is refused. */
class Pair {
  sessions = 0;
  /** Successful logins, by time (at most MAX_SUCCESSES); null before the first. */
  successes: Success[] | null = null;
  refusals: Refusals | null = null;
}

const LOGIN_VERBS: ReadonlySet<string> = new Set(['USER', 'PASS', 'ACCT']);

function isSuccess(verb: string, r: FtpReply): boolean {
  return r.valid && (r.code === 230 || (verb === 'PASS' && r.code === 202));
}

function newRefusals(s: Session): Refusals {
  return {
    client: s.client.addr,
    server: s.server.addr,
    serverPort: s.server.port,
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
    reasons: [],
    userSet: new Set(),
  };
}

export class LoginLedger {
  private readonly pairs = new Map<string, Pair>();
  /** Sessions not recorded because MAX_CLIENTS pairs were tracked already. */
  untracked = 0;

  /** Pairs tracked, and how many of them have a refused login (tests: the bound and the
   *  records made only where a login was refused). */
  get size(): { pairs: number; refused: number } {
    let refused = 0;
    for (const p of this.pairs.values()) if (p.refusals !== null) refused++;
    return { pairs: this.pairs.size, refused };
  }

  /** Records an ended session's login replies. */
  add(s: Session): void {
    const key = `${s.client.addr}|${s.server.addr}|${s.server.port}`;
    let e = this.pairs.get(key);
    if (!e) {
      if (this.pairs.size >= MAX_CLIENTS) {
        this.untracked++;
        return;
      }
      e = new Pair();
      this.pairs.set(key, e);
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
        this.noteSuccess(e, new Success(ev.user ?? '', ev.r.frame, ev.r.time, s.id));
        continue;
      }
      failed = true;
      loggedIn = false;
      this.noteFailure((e.refusals ??= newRefusals(s)), ev.r, ev.user, s.id);
    }
    if (failed && !loggedIn && !s.loggedIn) e.refusals!.failedSessions++;
  }

  private noteFailure(e: Refusals, r: FtpReply, user: string | null, session: number): void {
    e.failures++;
    const reason = loginRefusalReason(r.text);
    const known = e.reasons.find((x) => x.reason === reason);
    if (known) {
      known.count++;
      if (r.frame < known.frame) Object.assign(known, { text: r.text, frame: r.frame }); // sessions end out of order: keep the first
    } else if (e.reasons.length < MAX_REASONS) e.reasons.push({ reason, count: 1, text: r.text, frame: r.frame });
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

  private noteSuccess(e: Pair, s: Success): void {
    const list = e.successes;
    if (list === null) {
      e.successes = [s];
      return;
    }
    let k = list.length;
    while (k > 0 && list[k - 1]!.time > s.time) k--;
    list.splice(k, 0, s);
    // the earliest ones are kept: the first success after the first failure is among them unless
    // more than MAX_SUCCESSES logins succeeded before any failure, which are dropped first
    while (list.length > MAX_SUCCESSES) {
      const f = e.refusals;
      const drop = list.findIndex((x) => f === null || f.firstFailureFrame === 0 || x.time < f.firstFailureTime);
      list.splice(drop >= 0 ? drop : list.length - 1, 1);
    }
  }

  /** Every pair with a login attempt refused, in order of its first refusal. */
  result(): ClientLogins[] {
    const out: ClientLogins[] = [];
    for (const p of this.pairs.values()) {
      const e = p.refusals;
      if (e === null || e.failures === 0) continue;
      const found = p.successes?.find((x) => x.time > e.firstFailureTime || (x.time === e.firstFailureTime && x.frame > e.firstFailureFrame));
      const success = found ? { user: found.user, frame: found.frame, time: found.time, session: found.session } : null;
      const reasons = e.reasons.map((x) => ({ ...x })).sort((a, b) => a.frame - b.frame);
      out.push({
        client: e.client,
        server: e.server,
        serverPort: e.serverPort,
        sessions: p.sessions,
        failures: e.failures,
        failedSessions: e.failedSessions,
        failureFrames: [...e.failureFrames],
        users: [...e.users],
        usersTried: e.usersTried,
        unknownUser: e.unknownUser,
        firstFailureFrame: e.firstFailureFrame,
        firstFailureTime: e.firstFailureTime,
        lastFailureFrame: e.lastFailureFrame,
        lastFailureTime: e.lastFailureTime,
        firstSession: e.firstSession,
        success,
        reasons,
      });
    }
    return out.sort((a, b) => a.firstFailureFrame - b.firstFailureFrame);
  }
}
