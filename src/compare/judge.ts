// Whether two connections, one per capture, can be the same traffic, and whether the two
// captures are. `ftpdiag compare` claims NAT, loss, injection or a change only between
// connections judged the same here; everything else is listed as seen in one capture only.
//
// Evidence, per candidate pair (match-connections.ts proposes them):
//   identity  what only this very connection carries: the ISN of a SYN (a 32-bit random value,
//             RFC 6528; 0 is not counted: crafting tools use it), or TCP timestamp options that
//             are byte-identical on at least MIN_TIMESTAMPS distinct segments (TSval is a clock
//             with a per-connection random offset on Linux ≥ 4.10; a copy of another session
//             would carry other values).
//   content   segments identical at both points (same relative position, acknowledgment, flags,
//             length and payload). FTP sessions repeat each other (the banner, USER anonymous,
//             TYPE I, a file downloaded twice): shared content alone never proves identity.
//   timing    for the same traffic d = tB − tA is offset + delay on every segment travelling
//             A → B and offset − delay on every one travelling B → A, with every delay ≥ 0.
//             So, whatever the offset, every d of one direction must lie above every d of the
//             other (NTP's reasoning, as compare.ts uses it for the offset). Two sessions that
//             only look alike break this within a few exchanges; the amount by which they break
//             it is how early some segment would have arrived. Queueing, however long, never
//             does: it only lengthens delays.
//
// Verdict per pair:
//   same       identity evidence; or, without it, at least MIN_SHARED identical segments with
//              at least MIN_EACH_WAY each way whose delays fit the clock offset of connections
//              identified by ISN or timestamps. With identity evidence and timing that does not
//              hold, the match stands and the clock is blamed (a capture clock stepped or
//              drifted): that connection's delays are not given.
//   different  no identity evidence, and timing that does not hold (a look-alike session) or
//              both SYNs in both captures with other ISNs (a randomising firewall rewrites one).
//   unknown    no identity evidence and timing that holds, but too little shared to test it, or
//              no connection identified by ISN or timestamps to test it against: a short
//              look-alike (a file fetched twice over loopback) keeps consistent timing.
// Tolerance of the timing test: CLOCK_TOLERANCE plus DRIFT_PPM of the time the test spans
// (capture clocks without NTP drift by tens of ppm).

import { CLOCK_TOLERANCE, alignDirection } from './align.ts';
import { TcpFlag } from '../decode/packet.ts';
import type { PairWork } from './compare.ts';

/** Identical segments needed to match without ISN or timestamps (control sessions are ~15). */
export const MIN_SHARED = 8;
/** … of which each direction needs this many, or the timing cannot be tested. */
export const MIN_EACH_WAY = 3;
/** Distinct timestamp options identical at both points that identify a connection. */
export const MIN_TIMESTAMPS = 2;
/** Clock drift allowed between two capture points, parts per million of the time spanned. */
export const DRIFT_PPM = 100;
/** A direction whose fastest segment took longer than this between the points is not one path
 *  (TCP gives up on a peer long before: RFC 6298's RTO tops out at 60 s or more). */
export const MAX_MIN_DELAY = 60;

export type Verdict = 'same' | 'different' | 'unknown';

/** What a candidate pair shares, from its segments aligned without timing. */
export interface PairEvidence {
  isn: { client: boolean; server: boolean }; // the SYN's ISN is the same in both captures (≠ 0)
  isnDiffers: { client: boolean; server: boolean }; // both captures hold that SYN, with different ISNs
  timestamps: number; //       distinct TCP option values identical on paired segments (SYNs aside)
  shared: [number, number]; // identical segments per direction [client's, server's]
  payload: number; //          of which carry payload
  d: [number[], number[]]; //  tB − tA of each identical segment, per direction (seconds)
  span: number; //             seconds between the first and the last identical segment (A's clock)
}

/** The clock relation of the two captures, as judging needs it. */
export interface JudgeClock {
  offset: number; //           B's clock minus A's, seconds
  fromSegments: boolean; //    from segments seen both ways (else from connection starts: no delays)
  span: number; //             seconds the captures cover (drift grows with it)
}

export interface Judgement {
  verdict: Verdict;
  evidence: string[]; //       what speaks for the match, in words
  reason: string | null; //    'different'/'unknown': why; 'same': what is off (the clock), else null
  delays: boolean; //          one-way delays of this pair may be reported
  aUp: [boolean | null, boolean | null]; // per direction: its segments pass A first (null: unknown)
}

export function tolerance(span: number): number {
  return CLOCK_TOLERANCE + (DRIFT_PPM / 1e6) * Math.max(0, span);
}

const ms = (s: number) => `${(s * 1000).toFixed(s < 0.01 ? 3 : 1)} ms`;

const minOf = (xs: readonly number[]) => xs.reduce((m, x) => (x < m ? x : m), Infinity);
const maxOf = (xs: readonly number[]) => xs.reduce((m, x) => (x > m ? x : m), -Infinity);

export function median(xs: readonly number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

/** Evidence of one candidate pair, from its directions aligned without timing. */
export function gatherEvidence(w: PairWork): PairEvidence {
  const e: PairEvidence = { isn: { client: false, server: false }, isnDiffers: { client: false, server: false }, timestamps: 0, shared: [0, 0], payload: 0, d: [[], []], span: 0 };
  const isnOf = (s: PairWork['dirs'][number]['a']) => (s.synIndex >= 0 ? s.seq[s.synIndex]! : null);
  const seenTs = new Set<number>();
  let first = Infinity;
  let last = -Infinity;
  for (let k = 0; k < 2; k++) {
    const x = w.dirs[k]!;
    const ia = isnOf(x.a);
    const ib = isnOf(x.b);
    const role = k === 0 ? 'client' : 'server';
    if (ia !== null && ia !== 0 && ia === ib) e.isn[role] = true;
    else if (ia !== null && ib !== null && ia !== ib) e.isnDiffers[role] = true;
    const al = alignDirection(x.a, x.b, x.aPeer, x.bPeer, x.own, x.peer, null, null);
    for (let i = 0; i < x.a.n; i++) {
      const j = al.pairOfA[i]!;
      if (j < 0 || al.changed[i]) continue;
      e.shared[k]++;
      if (x.a.len[i]! > 0) e.payload++;
      const tA = x.a.time[i]!;
      e.d[k]!.push(x.b.time[j]! - tA);
      if (tA < first) first = tA;
      if (tA > last) last = tA;
      const opt = x.a.opt[i]!;
      if (opt !== 0 && opt === x.b.opt[j] && !(x.a.flags[i]! & TcpFlag.SYN)) seenTs.add(opt);
    }
  }
  e.timestamps = seenTs.size;
  e.span = last > first ? last - first : 0;
  return e;
}

/** Identity evidence in words ([] for none). */
export function identityOf(e: PairEvidence): string[] {
  const out: string[] = [];
  if (e.isn.client && e.isn.server) out.push('client and server ISNs');
  else if (e.isn.client) out.push('client ISN');
  else if (e.isn.server) out.push('server ISN');
  if (e.timestamps >= MIN_TIMESTAMPS) out.push(`TCP timestamps identical on ${e.timestamps} segments`);
  return out;
}

/** Per direction: its segments pass A first. Against a known offset, the d of a segment passing
 *  A first lies above it; a direction whose median d lies within the tolerance of the offset (both
 *  points on one host, or one capture compared with itself) tells nothing, and then, as without
 *  an offset, the direction with the larger median d passes A first (neither, when they are equal). */
export function orientation(e: PairEvidence, clock: JudgeClock | null): [boolean | null, boolean | null] {
  const m = [median(e.d[0]), median(e.d[1])];
  const up: [boolean | null, boolean | null] = [null, null];
  if (clock?.fromSegments) {
    const tol = tolerance(clock.span);
    for (let k = 0; k < 2; k++) {
      if (m[k]! > clock.offset + tol) up[k] = true;
      else if (m[k]! < clock.offset - tol) up[k] = false;
    }
  }
  if (up[0] === null && up[1] === null && !Number.isNaN(m[0]!) && !Number.isNaN(m[1]!) && m[0] !== m[1]) {
    up[0] = m[0]! > m[1]!;
    up[1] = !up[0];
  }
  if (up[0] === null && up[1] !== null) up[0] = !up[1];
  if (up[1] === null && up[0] !== null) up[1] = !up[0];
  return up;
}

/** What the timing says against the match, or null when it holds (or cannot be tested). */
function timingContradiction(e: PairEvidence, clock: JudgeClock | null, up: [boolean | null, boolean | null]): string | null {
  const has = [e.d[0].length > 0, e.d[1].length > 0];
  // whatever the offset: every d of the A → B direction above every d of the B → A one
  if (has[0] && has[1] && up[0] !== null && up[0] !== up[1]) {
    const ab = up[0] ? e.d[0] : e.d[1];
    const ba = up[0] ? e.d[1] : e.d[0];
    const gap = minOf(ab) - maxOf(ba);
    if (gap < -tolerance(e.span)) return `at any clock offset some of its segments would have arrived ${ms(-gap / 2)} or more before they were sent`;
  }
  if (clock === null || !clock.fromSegments) return null;
  if (has[0] && has[1] && up[0] !== null && up[0] === up[1]) return `at the clock offset the other connections show, both its directions would travel from ${up[0] ? 'A to B' : 'B to A'}`;
  const tol = tolerance(clock.span);
  for (let k = 0; k < 2; k++) {
    if (!has[k] || up[k] === null) continue;
    const min = up[k] ? minOf(e.d[k]!) - clock.offset : clock.offset - maxOf(e.d[k]!);
    if (min < -tol) return `at the clock offset the other connections show, some of its segments would have arrived ${ms(-min)} before they were sent`;
    if (min > MAX_MIN_DELAY) return `at the clock offset the other connections show, its fastest segment would have taken ${min.toFixed(0)} s between the points`;
  }
  return null;
}

/** The verdict on one candidate pair; `clock`: the offset the matched connections show, if any. */
export function judgePair(e: PairEvidence, clock: JudgeClock | null): Judgement {
  const aUp = orientation(e, clock);
  const identity = identityOf(e);
  const shared = e.shared[0] + e.shared[1];
  const evidence = [...identity];
  if (shared > 0) evidence.push(`${shared} ${shared === 1 ? 'segment' : 'segments'} identical at both points`);
  const contra = timingContradiction(e, clock, aUp);
  const delaysKnown = clock?.fromSegments ?? false;
  if (identity.length > 0) {
    if (contra === null) {
      if (e.d[0].length > 0 && e.d[1].length > 0) evidence.push('one-way delays consistent');
      return { verdict: 'same', evidence, reason: null, delays: delaysKnown, aUp };
    }
    // the pair's own orientation: the offset of the others does not fit it
    const own = orientation(e, null);
    const reason = `its one-way delays are not given: ${contra}; the match rests on its ${identity.join(' and ')}, so the clock is wrong, not the match (a capture clock stepped or drifted during the captures)`;
    return { verdict: 'same', evidence, reason, delays: false, aUp: own[0] === null ? aUp : own };
  }
  if (contra !== null) return { verdict: 'different', evidence, reason: `not the same traffic: ${contra}, and no ISN or TCP timestamp is shared`, delays: false, aUp };
  // a sequence-randomising firewall rewrites the ISN of one side; both rewritten is another
  // connection, or a TCP proxy between the points (two connections: nothing to pair either)
  if (e.isnDiffers.client && e.isnDiffers.server)
    return { verdict: 'different', evidence, reason: 'not the same traffic: both SYNs are in both captures and both ISNs differ (another connection, or a TCP proxy between the points)', delays: false, aUp };
  const enough = shared >= MIN_SHARED && e.shared[0] >= MIN_EACH_WAY && e.shared[1] >= MIN_EACH_WAY;
  // content and timing identify a connection only against the offset of connections identified
  // by ISN or timestamps: on its own, a short look-alike (a file fetched twice over loopback,
  // microseconds apart) keeps consistent timing
  if (enough && clock?.fromSegments) {
    evidence.push('one-way delays consistent with the other connections');
    return { verdict: 'same', evidence, reason: null, delays: true, aUp };
  }
  if (enough)
    return {
      verdict: 'unknown',
      evidence,
      reason: `cannot judge: ${shared} segments are identical at both points and their timing holds, but no ISN or TCP timestamp is shared here or by any other connection of the two captures, so a look-alike session (the same commands, the same file) cannot be ruled out`,
      delays: false,
      aUp,
    };
  const why =
    shared === 0
      ? 'no segment is identical at both points'
      : `only ${shared} ${shared === 1 ? 'segment is' : 'segments are'} identical at both points (${e.shared[0]} from the client, ${e.shared[1]} from the server; ${MIN_SHARED} with ${MIN_EACH_WAY} each way are needed to test the timing)`;
  return { verdict: 'unknown', evidence, reason: `cannot judge: ${why} and no ISN or TCP timestamp is shared, too little to tell this connection from a look-alike session`, delays: false, aUp };
}
