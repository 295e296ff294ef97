// `ftpdiag compare A B`: two captures of the same traffic taken at two points of the path (say
// the client's side and the server's side of a firewall). Connections are matched across them
// (match-connections.ts), each candidate pair is judged the same traffic or not (judge.ts), the
// clocks of the two capture points are related, and each connection judged the same is
// reported: segments seen on one side only (lost or dropped in between, or injected in between),
// segments changed in between (rewritten PORT/227 by an ALG, flags, acknowledgments), header
// rewrites (TTL, window, options), NAT, and the one-way delays. Nothing is claimed between
// connections not judged the same, and a segment one capture holds from a time the other was not
// capturing is never called lost or injected.
//
// Clock offset (B's clock minus A's), NTP-style: for an exactly paired segment d = tB − tA is
// offset + delay when it travelled A → B, offset − delay when it travelled B → A. Per connection,
// the direction whose d is larger (by median) is the A → B one. Queueing only lengthens delays,
// so the smallest A → B value and the largest B → A value are the closest to the offset; their
// mean is the estimate, assuming the minimum one-way delay is the same both ways. Their
// difference is twice that minimum delay: negative means the clocks drifted or jumped during
// the captures (reported). The offset rests only on connections identified by ISN or TCP
// timestamps (else on those matched by enough content and timing): a look-alike never sets it.
//
// What "changed" means: both points saw the segment (same place in the stream, same SYN, FIN and
// RST bits) and what it says differs: payload bytes, length, flags, acknowledgment, or the words
// of its SYN options (an MSS clamp). Fields a router or NAT may rewrite on every packet (TTL, IP
// ID, window, non-SYN options such as timestamps) are counted per direction, not listed; a change
// is listed only with a before and an after that differ.

import type { ReadOptions } from '../capture/read.ts';
import { TcpFlag, tcpFlagNames } from '../decode/packet.ts';
import { endpointText } from '../format/endpoint.ts';
import { plural } from '../format/words.ts';
import type { Side } from '../tcp/types.ts';
import { alignDirection, buildSeqMap, type SeqMap } from './align.ts';
import { matchConnections, type ConnPair } from './match-connections.ts';
import { readSignatures, type CaptureSigs, type ConnSigs, type DirSigs } from './signatures.ts';
import { MIN_SHARED, gatherEvidence, identityOf, judgePair, median, orientation, tolerance, type JudgeClock, type Judgement, type PairEvidence, type Verdict } from './judge.ts';

/** Segments listed per direction and kind (the counts are complete). */
export const MAX_LISTED = 50;
/** Changed segments described per direction. */
export const MAX_CHANGES = 20;

export interface PacketRef {
  capture: 'a' | 'b';
  frame: number;
  time: number; //      seconds since epoch, that capture's clock
  flags: string; //     'SYN', 'ACK', 'PSH ACK', 'RST', …
  seq: number; //       relative sequence number
  len: number;
  text: string | null; // the payload when it is a short text line (raw wire text: escape before printing)
}

export interface SegmentChange {
  aFrame: number;
  bFrame: number;
  what: string[]; //    one entry per change ('payload "PORT 192,0,2,1,4,1\r\n" → "PORT 198,51,100,254,4,1\r\n"', 'window 502 → 0')
}

export interface DelayStats {
  min: number; //       seconds
  median: number;
  max: number;
  samples: number;
}

export interface DirectionReport {
  sender: Side; //              TCP role of the sender (roles as in capture A, else B)
  from: { a: string | null; b: string | null }; // sender's 'addr:port' in each capture
  upstream: 'a' | 'b' | null; // the capture that sees these segments first
  packets: { a: number; b: number };
  matched: number; //           seen unchanged at both points
  changed: number; //           seen at both, altered in between
  lost: { count: number; packets: PacketRef[] }; //     at the upstream capture only
  injected: { count: number; packets: PacketRef[] }; // at the downstream capture only
  oneSided: { count: number; packets: PacketRef[] }; // seen on one side, and no claim is made (upstream unknown, or the match not shown)
  outside: { count: number; packets: PacketRef[] }; //  seen on one side at a time the other capture was not running
  delay: DelayStats | null; //  one-way delay between the capture points (never negative; null when not known)
  ttlHops: Array<{ hops: number; count: number }>; // upstream TTL − downstream TTL over paired segments
  windowChanged: number; //     paired segments whose window field differs
  optionsChanged: number; //    … whose TCP options differ
  ipIdChanged: number; //       … whose IP ID differs
  seqShift: number; //          downstream ISN − upstream ISN (a sequence-randomising firewall), 0 if none
  lengthShift: number; //       bytes an ALG added (+) or removed (−) in this direction's stream
  synOptions: { a: string; b: string } | null; // SYN options when they differ
  changes: SegmentChange[];
}

export interface ConnectionReport {
  a: { id: number; client: string; server: string } | null;
  b: { id: number; client: string; server: string } | null;
  matchedBy: string[]; //  what proposed the match: 'client ISN', 'payload', 'ports', 'timing' ([] for a connection seen in one capture only)
  evidence: string[]; //   why it is the same connection, in words ('client and server ISNs', '34 segments identical at both points', …)
  note: string | null; //  what is not claimed and why (the clock does not fit it; the match could not be judged; …)
  nat: string[]; //        'client 192.0.2.1:40000 (A) appears as 198.51.100.254:40000 (B)'
  directions: DirectionReport[];
  start: number; //        first segment, seconds on A's clock (B's minus the offset for a B-only one)
}

export interface CaptureInfo {
  file: string;
  frames: number;
  tcpFrames: number;
  connections: number;
  error: string | null;
  truncated: boolean;
}

/** A candidate pair of connections not taken as the same traffic. */
export interface RejectedPair {
  a: number; //            connection id in A
  b: number; //            … in B
  verdict: Exclude<Verdict, 'same'>;
  matchedBy: string[]; //  what proposed it
  reason: string;
}

export interface CompareResult {
  a: CaptureInfo;
  b: CaptureInfo;
  /** Whether A and B can be the same traffic: 'yes' when at least one connection is judged the
   *  same (judge.ts); 'no' when none is and nothing is left undecided; 'unknown' otherwise.
   *  NAT, loss, injection and changes are claimed only under 'yes'. */
  sameTraffic: {
    verdict: 'yes' | 'no' | 'unknown';
    summary: string; //     one sentence with the evidence or the reason
    rejected: RejectedPair[]; // candidates not taken (the first MAX_LISTED)
  };
  clock: {
    offset: number | null; //  seconds: B's clock minus A's
    minDelay: number | null; // smallest one-way delay implied (half the gap between the two directions)
    samples: number; //        exactly paired segments it rests on
    consistent: boolean; //    false: the two directions overlap (clock drift, or a clock jump)
    note: string;
  };
  sides: { a: string[]; b: string[] }; // hosts (as each capture sees them) whose packets pass that capture first
  connections: ConnectionReport[];
  totals: { matched: number; onlyA: number; onlyB: number; lost: number; injected: number; changed: number; outside: number };
}

export interface CompareOptions {
  maxSegments?: number;
  read?: ReadOptions; // standard input for a capture named '-'
  showPasswords?: boolean; // payload texts keep PASS arguments (default: REDACTED)
}

export async function compareFiles(aPath: string, bPath: string, opts: CompareOptions = {}): Promise<CompareResult> {
  const [A, B] = await readBoth(aPath, bPath, opts);
  return compareDetailed(A, B).result;
}

/** Both captures' signatures, read side by side. */
export async function readBoth(aPath: string, bPath: string, opts: CompareOptions = {}): Promise<[CaptureSigs, CaptureSigs]> {
  const o = { maxSegments: opts.maxSegments, read: opts.read, showPasswords: opts.showPasswords };
  return Promise.all([readSignatures(aPath, o), readSignatures(bPath, o)]);
}

/** One matched pair of connections with what aligning its segments needs. */
export interface PairWork {
  p: ConnPair;
  dirs: Array<{ a: DirSigs; b: DirSigs; aPeer: DirSigs; bPeer: DirSigs; own: SeqMap; peer: SeqMap; sender: Side }>; // [client's, server's] (roles as in A)
  aUp: Array<boolean | null>; // per direction: its segments pass A first (null: unknown)
}

/** The comparison plus the matched pairs it rests on (the two-point ladder draws one of them). */
export interface CompareDetail {
  result: CompareResult;
  A: CaptureSigs;
  B: CaptureSigs;
  works: PairWork[];
}

function workOf(p: ConnPair): PairWork {
  const bC = p.flipped ? p.b.s2c : p.b.c2s;
  const bS = p.flipped ? p.b.c2s : p.b.s2c;
  const mapC = buildSeqMap(p.a.c2s, bC);
  const mapS = buildSeqMap(p.a.s2c, bS);
  return {
    p,
    dirs: [
      { a: p.a.c2s, b: bC, aPeer: p.a.s2c, bPeer: bS, own: mapC, peer: mapS, sender: 'client' },
      { a: p.a.s2c, b: bS, aPeer: p.a.c2s, bPeer: bC, own: mapS, peer: mapC, sender: 'server' },
    ],
    aUp: [null, null],
  };
}

/** A candidate pair with its evidence and verdict. */
interface Candidate {
  p: ConnPair;
  e: PairEvidence;
  j: Judgement;
}

/** Evidence per candidate pair, gathered once (the timed match meets most pairs again). */
class EvidenceCache {
  private readonly m = new Map<string, PairEvidence>();
  get(p: ConnPair): PairEvidence {
    const k = `${p.a.id}:${p.b.id}:${p.flipped ? 1 : 0}`;
    let e = this.m.get(k);
    if (!e) this.m.set(k, (e = gatherEvidence(workOf(p))));
    return e;
  }
}

type Clock = CompareResult['clock'] & { basis: 'segments' | 'starts' | null };

/** The clock offset from the anchor pairs: NTP-style from segments seen both ways, else (no pair
 *  has both) the median difference of their start times, which includes a one-way delay. */
function clockOf(anchors: readonly Candidate[], span: number): Clock {
  let abMin = Infinity; //  smallest d of segments travelling A → B
  let baMax = -Infinity; // largest d of segments travelling B → A
  let samples = 0;
  const alike: number[] = []; // d of anchors whose two directions have the same median d
  for (const c of anchors) {
    const up = orientation(c.e, null);
    if (c.e.d[0].length === 0 || c.e.d[1].length === 0) continue;
    if (up[0] === null) {
      for (const d of c.e.d) for (const x of d) alike.push(x);
      continue;
    }
    for (let k = 0; k < 2; k++) {
      const d = c.e.d[k]!;
      samples += d.length;
      if (up[k]) for (const x of d) abMin = x < abMin ? x : abMin;
      else for (const x of d) baMax = x > baMax ? x : baMax;
    }
  }
  if (abMin < Infinity && baMax > -Infinity) {
    const minDelay = (abMin - baMax) / 2;
    const consistent = minDelay >= -tolerance(span) / 2;
    const note = consistent
      ? 'from the fastest segment each way, assuming the same minimum delay both ways'
      : 'the two directions overlap: a clock drifted or jumped during the captures, delays are approximate';
    return { offset: (abMin + baMax) / 2, minDelay, samples, consistent, note, basis: 'segments' };
  }
  if (alike.length > 0) {
    // both directions seen at the same instants: one capture point twice (or one file twice)
    return { offset: median(alike), minDelay: 0, samples: alike.length, consistent: true, note: 'both points saw every segment at the same instant (one capture point, or the same capture twice)', basis: 'segments' };
  }
  if (anchors.length > 0) {
    const offset = median(anchors.map((c) => c.p.b.conn.startTime - c.p.a.conn.startTime));
    return { offset, minDelay: null, samples: 0, consistent: true, note: 'no segment was seen both ways at both points: offset from connection start times only, one-way delays unknown', basis: 'starts' };
  }
  return { offset: null, minDelay: null, samples: 0, consistent: true, note: 'no connection is identified in both captures by its ISN or TCP timestamps', basis: null };
}

/** Seconds the captures cover together (the drift allowance grows with it). */
function spanOf(A: CaptureSigs, B: CaptureSigs): number {
  const len = (c: CaptureSigs) => (c.firstTime !== null && c.lastTime !== null ? c.lastTime - c.firstTime : 0);
  return Math.max(len(A), len(B));
}

export function compareDetailed(A: CaptureSigs, B: CaptureSigs): CompareDetail {
  const cache = new EvidenceCache();
  const span = spanOf(A, B);
  const judgeAll = (pairs: ConnPair[], clock: JudgeClock | null): Candidate[] =>
    pairs.map((p) => {
      const e = cache.get(p);
      return { p, e, j: judgePair(e, clock) };
    });
  // 1. candidates by ISN and payload, judged without a clock; the offset rests on those with
  // identity evidence (ISN, timestamps) whose own timing holds
  let cands = judgeAll(matchConnections(A, B, null), null);
  const anchors = cands.filter((c) => c.j.verdict === 'same' && c.j.reason === null);
  const clock = clockOf(anchors, span);
  if (clock.offset === null && cands.some((c) => c.j.verdict === 'same')) clock.note = 'no single offset fits the connections identified by ISN or TCP timestamps: a capture clock stepped or drifted during the captures';

  // 2. candidates again with timing (connections without ISN or payload evidence), judged
  // against the offset
  const jc: JudgeClock | null = clock.offset === null ? null : { offset: clock.offset, fromSegments: clock.basis === 'segments', span };
  if (clock.offset !== null) cands = judgeAll(matchConnections(A, B, clock.offset), jc);
  const same = cands.filter((c) => c.j.verdict === 'same');
  const works = same.map((c) => {
    const w = workOf(c.p);
    w.aUp = [...c.j.aUp];
    return w;
  });
  const judged = new Map<PairWork, Judgement>();
  same.forEach((c, i) => judged.set(works[i]!, c.j));

  // hosts on each side: senders of segments that pass A first are on A's side
  const sideA = new Map<string, number>(); // addr (A's view) → votes (+ A side, − B side)
  const sideB = new Map<string, number>(); // addr (B's view) → votes (+ B side, − A side)
  const vote = (m: Map<string, number>, addr: string, v: number) => m.set(addr, (m.get(addr) ?? 0) + v);
  for (const w of works) {
    for (let k = 0; k < 2; k++) {
      const up = w.aUp[k];
      if (up === null || up === undefined) continue;
      const aSender = k === 0 ? w.p.a.conn.client.addr : w.p.a.conn.server.addr;
      const bSender = (k === 0) !== w.p.flipped ? w.p.b.conn.client.addr : w.p.b.conn.server.addr;
      vote(sideA, aSender, up ? 1 : -1);
      vote(sideB, bSender, up ? -1 : 1);
    }
  }
  for (const w of works) {
    for (let k = 0; k < 2; k++) {
      if (w.aUp[k] !== null) continue;
      const v = sideA.get(k === 0 ? w.p.a.conn.client.addr : w.p.a.conn.server.addr) ?? 0;
      if (v !== 0) w.aUp[k] = v > 0;
    }
  }

  // 3. the verdict on the captures
  const rejected = cands.filter((c) => c.j.verdict !== 'same');
  const undecided = new Map<ConnSigs, string>(); // connection → why nothing is claimed for it
  for (const c of rejected) {
    if (c.j.verdict !== 'unknown') continue;
    undecided.set(c.p.a, `may be B#${c.p.b.id}: ${c.j.reason}`);
    undecided.set(c.p.b, `may be A#${c.p.a.id}: ${c.j.reason}`);
  }
  const sameTraffic = verdictOf(A, B, same, rejected);
  const claims = sameTraffic.verdict === 'yes';
  const windows = claims && clock.offset !== null ? windowsOf(A, B, works, sideA, sideB, clock.offset, span) : null;

  // 4. reports
  const connections: ConnectionReport[] = [];
  const matchedA = new Set<ConnSigs>();
  const matchedB = new Set<ConnSigs>();
  for (const w of works) {
    matchedA.add(w.p.a);
    matchedB.add(w.p.b);
    connections.push(pairReport(w, judged.get(w)!, clock.offset, windows));
  }
  const loneNote = claims ? null : sameTraffic.verdict === 'no' ? 'the captures are not of the same traffic' : 'the captures could not be shown to be of the same traffic';
  for (const c of A.connections) if (!matchedA.has(c)) connections.push(loneReport(c, 'a', claims && !undecided.has(c) ? sideA : null, 0, windows, undecided.get(c) ?? loneNote));
  for (const c of B.connections) if (!matchedB.has(c)) connections.push(loneReport(c, 'b', claims && !undecided.has(c) ? sideB : null, clock.offset ?? 0, windows, undecided.get(c) ?? loneNote));
  connections.sort((x, y) => x.start - y.start);

  const totals = { matched: works.length, onlyA: A.connections.length - works.length, onlyB: B.connections.length - works.length, lost: 0, injected: 0, changed: 0, outside: 0 };
  for (const c of connections) {
    for (const d of c.directions) {
      totals.lost += d.lost.count;
      totals.injected += d.injected.count;
      totals.changed += d.changed;
      totals.outside += d.outside.count;
    }
  }
  const sideList = (m: Map<string, number>) => [...m.entries()].filter(([, v]) => v > 0).map(([k]) => k).sort();
  const { basis: _basis, ...clockOut } = clock;
  const result: CompareResult = {
    a: info(A),
    b: info(B),
    sameTraffic,
    clock: clockOut,
    sides: { a: sideList(sideA), b: sideList(sideB) },
    connections,
    totals,
  };
  return { result, A, B, works };
}

/** The verdict on the two captures from the verdicts on their candidate pairs. */
function verdictOf(A: CaptureSigs, B: CaptureSigs, same: readonly Candidate[], rejected: readonly Candidate[]): CompareResult['sameTraffic'] {
  // look-alikes whose timing contradicts first: they say more than pairs too small to judge
  const ordered = [...rejected.filter((c) => c.j.verdict === 'different'), ...rejected.filter((c) => c.j.verdict !== 'different')];
  const list: RejectedPair[] = ordered
    .slice(0, MAX_LISTED)
    .map((c) => ({ a: c.p.a.id, b: c.p.b.id, verdict: c.j.verdict as Exclude<Verdict, 'same'>, matchedBy: c.p.by, reason: c.j.reason ?? '' }));
  if (same.length > 0) {
    // by the strongest evidence each has: ISNs, else timestamps, else content and timing
    const isn = same.filter((c) => c.e.isn.client || c.e.isn.server).length;
    const ts = same.filter((c) => !(c.e.isn.client || c.e.isn.server) && identityOf(c.e).length > 0).length;
    const content = same.length - isn - ts;
    const by = [isn && `${isn} by ISN`, ts && `${ts} by TCP timestamps`, content && `${content} by ${MIN_SHARED} or more identical segments timed as the others`].filter(Boolean);
    const offClock = same.filter((c) => c.j.reason !== null).length;
    const shared = same.reduce((n, c) => n + c.e.shared[0] + c.e.shared[1], 0);
    const clockWords = offClock > 0 ? `; the clock offset does not fit ${plural(offClock, 'connection')} (no delays given for ${offClock === 1 ? 'it' : 'them'})` : '';
    return { verdict: 'yes', summary: `${plural(same.length, 'connection')} in both (${by.join(', ')}); ${plural(shared, 'segment')} identical at both points${clockWords}`, rejected: list };
  }
  const empty = A.connections.length === 0 ? 'A' : B.connections.length === 0 ? 'B' : null;
  if (empty) return { verdict: 'unknown', summary: `${empty} holds no TCP connection: nothing to compare`, rejected: list };
  const c = ordered[0];
  if (c === undefined) return { verdict: 'no', summary: 'no connection of A shares an ISN, a payload or its ports with one of B', rejected: list };
  const pair = `A#${c.p.a.id} and B#${c.p.b.id}`;
  if (c.j.verdict === 'different') return { verdict: 'no', summary: `no connection of A is one of B: ${pair} share ${c.p.by.join(' and ')}, but ${c.j.reason!.replace(/^not the same traffic: /, '')}`, rejected: list };
  return { verdict: 'unknown', summary: `${pair} ${c.j.reason!.replace(/^cannot judge: /, 'cannot be judged: ')}`, rejected: list };
}

/** When a capture was recording, on A's clock (±Infinity: open on that side). */
interface Window {
  from: number;
  to: number;
}
interface Windows {
  a: Window;
  b: Window;
}

// Heuristic "capture window": a capture was recording from its first frame to its last. Beyond
// them it may have been recording and seen nothing (a NOOP the middlebox dropped is the last
// thing the client side saw, and the server side's last frame came before it), or not have been
// running yet or any more (two tcpdumps started and stopped by hand). A segment with payload that
// came through a capture point, seen at the other point beyond that point's first or last frame,
// tells the two apart: it passed the point unrecorded, so the point was not recording then and
// everything beyond that frame is left unjudged. Without such a segment the window stays open
// and a segment seen at one point only is lost or injected as usual.
function windowsOf(A: CaptureSigs, B: CaptureSigs, works: readonly PairWork[], sideA: Map<string, number>, sideB: Map<string, number>, offset: number, span: number): Windows {
  const tol = tolerance(span);
  // per capture X: its first and last frame on A's clock, and whether payload from X's side was
  // seen only at the other point before / after them
  const edge = (c: CaptureSigs, off: number) => ({ first: (c.firstTime ?? Infinity) - off - tol, last: (c.lastTime ?? -Infinity) - off + tol, before: false, after: false });
  const e = { a: edge(A, 0), b: edge(B, offset) };
  const scan = (from: 'a' | 'b', seenIn: DirSigs, off: number) => {
    const x = e[from];
    for (let i = 0; i < seenIn.n; i++) {
      if (seenIn.len[i]! === 0) continue;
      const t = seenIn.time[i]! - off;
      if (t < x.first) x.before = true;
      else if (t > x.last) x.after = true;
    }
  };
  for (const w of works) {
    for (let k = 0; k < 2; k++) {
      const up = w.aUp[k];
      if (up === null || up === undefined) continue;
      const d = w.dirs[k]!;
      if (up) scan('a', d.b, offset);
      else scan('b', d.a, 0);
    }
  }
  const paired = new Set<ConnSigs>(works.flatMap((w) => [w.p.a, w.p.b]));
  for (const [seenIn, side, off, other] of [[A, sideA, 0, 'b'], [B, sideB, offset, 'a']] as const) {
    for (const c of seenIn.connections) {
      if (paired.has(c)) continue;
      // a sender voted onto the other capture's side sent through the other point first
      if ((side.get(c.conn.client.addr) ?? 0) < 0) scan(other, c.c2s, off);
      if ((side.get(c.conn.server.addr) ?? 0) < 0) scan(other, c.s2c, off);
    }
  }
  const win = (x: typeof e.a): Window => ({ from: x.before ? x.first : -Infinity, to: x.after ? x.last : Infinity });
  return { a: win(e.a), b: win(e.b) };
}

/** Whether the other capture was recording when capture `seenIn` saw a segment at `t` (its clock). */
function otherRunning(windows: Windows | null, seenIn: 'a' | 'b', t: number, offset: number): boolean {
  if (!windows) return true;
  const w = windows[seenIn === 'a' ? 'b' : 'a'];
  const tA = seenIn === 'a' ? t : t - offset;
  return tA >= w.from && tA <= w.to;
}

function info(c: CaptureSigs): CaptureInfo {
  return { file: c.file, frames: c.summary?.frames ?? 0, tcpFrames: c.tcpFrames, connections: c.connections.length, error: c.error, truncated: c.truncated };
}

function ends(c: ConnSigs, flipped = false): { id: number; client: string; server: string } {
  const cl = flipped ? c.conn.server : c.conn.client;
  const sv = flipped ? c.conn.client : c.conn.server;
  return { id: c.id, client: endpointText(cl.addr, cl.port), server: endpointText(sv.addr, sv.port) };
}

export function flagText(f: number): string {
  return tcpFlagNames(f).join(' ') || 'none';
}

function ref(d: DirSigs, i: number, capture: 'a' | 'b'): PacketRef {
  const text = d.snippets?.get(i);
  return { capture, frame: d.frame[i]!, time: d.time[i]!, flags: flagText(d.flags[i]!), seq: (d.seq[i]! - d.base()) >>> 0, len: d.len[i]!, text: text ?? null };
}

function emptyDirection(sender: Side, from: { a: string | null; b: string | null }, upstream: 'a' | 'b' | null, packets: { a: number; b: number }): DirectionReport {
  return {
    sender,
    from,
    upstream,
    packets,
    matched: 0,
    changed: 0,
    lost: { count: 0, packets: [] },
    injected: { count: 0, packets: [] },
    oneSided: { count: 0, packets: [] },
    outside: { count: 0, packets: [] },
    delay: null,
    ttlHops: [],
    windowChanged: 0,
    optionsChanged: 0,
    ipIdChanged: 0,
    seqShift: 0,
    lengthShift: 0,
    synOptions: null,
    changes: [],
  };
}

function listInto(bucket: { count: number; packets: PacketRef[] }, r: PacketRef): void {
  bucket.count++;
  if (bucket.packets.length < MAX_LISTED) bucket.packets.push(r);
}

function pairReport(w: PairWork, j: Judgement, offset: number | null, windows: Windows | null): ConnectionReport {
  const { p } = w;
  const aEnds = ends(p.a);
  const bEnds = ends(p.b, p.flipped);
  const nat: string[] = [];
  if (aEnds.client !== bEnds.client) nat.push(`client ${aEnds.client} (A) appears as ${bEnds.client} (B)`);
  if (aEnds.server !== bEnds.server) nat.push(`server ${aEnds.server} (A) appears as ${bEnds.server} (B)`);
  // a connection the offset does not fit is aligned without timing, and its delays are not given
  const timedOffset = j.delays ? offset : null;
  const notes: string[] = j.reason === null ? [] : [j.reason];
  const directions: DirectionReport[] = [];
  for (let k = 0; k < 2; k++) {
    const d = w.dirs[k]!;
    const aUp = w.aUp[k] ?? null;
    const al = alignDirection(d.a, d.b, d.aPeer, d.bPeer, d.own, d.peer, aUp, timedOffset);
    const r = emptyDirection(d.sender, { a: k === 0 ? aEnds.client : aEnds.server, b: k === 0 ? bEnds.client : bEnds.server }, aUp === null ? null : aUp ? 'a' : 'b', { a: d.a.n, b: d.b.n });
    const delays: number[] = [];
    const hops = new Map<number, number>();
    // one side only: lost or injected when the other capture was running, else outside
    const lone = (seenIn: 'a' | 'b', sig: DirSigs, i: number) => {
      const r0 = ref(sig, i, seenIn);
      if (!otherRunning(windows, seenIn, r0.time, offset ?? 0)) listInto(r.outside, r0);
      else if (aUp === null) listInto(r.oneSided, r0);
      else listInto(aUp === (seenIn === 'a') ? r.lost : r.injected, r0);
    };
    for (let i = 0; i < d.a.n; i++) {
      const jB = al.pairOfA[i]!;
      if (jB < 0) {
        lone('a', d.a, i);
        continue;
      }
      // changed: what the segment says differs (only pairs that differ in key, or SYNs whose
      // options differ, can); header fields are counted below, not listed
      const what = al.changed[i] || (d.a.flags[i]! & TcpFlag.SYN && d.a.opt[i] !== d.b.opt[jB]) ? describeChange(d.a, i, d.b, jB, d.aPeer, d.bPeer, d.peer) : [];
      if (what.length > 0) {
        r.changed++;
        if (r.changes.length < MAX_CHANGES) r.changes.push({ aFrame: d.a.frame[i]!, bFrame: d.b.frame[jB]!, what });
      } else r.matched++;
      const ttlA = d.a.ttl[i]!;
      const ttlB = d.b.ttl[jB]!;
      const h = aUp === false ? ttlB - ttlA : ttlA - ttlB;
      hops.set(h, (hops.get(h) ?? 0) + 1);
      if (d.a.win[i] !== d.b.win[jB]) r.windowChanged++;
      if (d.a.opt[i] !== d.b.opt[jB]) r.optionsChanged++;
      if (d.a.ipId[i] !== d.b.ipId[jB]) r.ipIdChanged++;
      if (timedOffset !== null && aUp !== null && !al.changed[i]) delays.push(aUp ? d.b.time[jB]! - timedOffset - d.a.time[i]! : d.a.time[i]! - (d.b.time[jB]! - timedOffset));
    }
    for (let jB = 0; jB < d.b.n; jB++) if (al.pairOfB[jB]! < 0) lone('b', d.b, jB);
    r.ttlHops = [...hops.entries()].map(([h, count]) => ({ hops: h, count })).sort((x, y) => y.count - x.count);
    if (delays.length > 0) {
      delays.sort((x, y) => x - y);
      // never a negative delay: within the clock tolerance it is 0 (the offset's own error);
      // beyond it the offset does not fit (judge.ts lets no such pair through; kept as a guard)
      const tol = tolerance(d.a.n > 0 ? d.a.time[d.a.n - 1]! - d.a.time[0]! : 0);
      if (delays[0]! >= -tol) {
        const at = (x: number) => Math.max(0, x);
        r.delay = { min: at(delays[0]!), median: at(delays[Math.floor(delays.length / 2)]!), max: at(delays[delays.length - 1]!), samples: delays.length };
      } else notes.push(`${d.sender} → ${d.sender === 'client' ? 'server' : 'client'}: one-way delays not given: at this clock offset a segment would have arrived ${(-delays[0]! * 1000).toFixed(1)} ms before it was sent (the offset does not fit this connection)`);
    }
    if (d.a.synIndex >= 0 && d.b.synIndex >= 0) {
      const isnA = d.a.seq[d.a.synIndex]!;
      const isnB = d.b.seq[d.b.synIndex]!;
      r.seqShift = aUp === false ? (isnA - isnB) | 0 : (isnB - isnA) | 0;
      if (d.a.synOptions !== d.b.synOptions) r.synOptions = { a: d.a.synOptions, b: d.b.synOptions };
    }
    r.lengthShift = d.own.shift() * (aUp === false ? -1 : 1);
    directions.push(r);
  }
  return { a: aEnds, b: bEnds, matchedBy: p.by, evidence: j.evidence, note: notes.length ? notes.join('; ') : null, nat, directions, start: p.a.conn.startTime };
}

/** One difference between the two copies of a segment: `a` is capture A's value, `b` B's. */
export type SegmentDiff =
  | { field: 'payload'; a: string | null; b: string | null; lenA: number; lenB: number } // text of short printable payloads (raw wire text), else null
  | { field: 'length' | 'window' | 'ttl'; a: number; b: number }
  | { field: 'flags' | 'synOptions'; a: string; b: string }
  | { field: 'ack'; by: number } //  B's acknowledgment minus A's mapped into B's numbering (bytes)
  | { field: 'options' }; //         TCP options of a non-SYN segment differ (timestamps rewritten)

/** Everything that differs between copy i of A and copy j of B. `peerMap` maps A's relative
 *  acknowledgments into B's numbering (an ALG's length change moves them). */
export function segmentDiffs(a: DirSigs, i: number, b: DirSigs, j: number, aPeer: DirSigs, bPeer: DirSigs, peerMap: SeqMap): SegmentDiff[] {
  const out: SegmentDiff[] = [];
  if (a.hash[i] !== b.hash[j]) out.push({ field: 'payload', a: a.snippets?.get(i) ?? null, b: b.snippets?.get(j) ?? null, lenA: a.len[i]!, lenB: b.len[j]! });
  else if (a.len[i] !== b.len[j]) out.push({ field: 'length', a: a.len[i]!, b: b.len[j]! });
  if (a.flags[i] !== b.flags[j]) out.push({ field: 'flags', a: flagText(a.flags[i]!), b: flagText(b.flags[j]!) });
  if (a.flags[i]! & TcpFlag.ACK && b.flags[j]! & TcpFlag.ACK) {
    const ackA = peerMap.map((a.ack[i]! - aPeer.base()) >>> 0);
    const ackB = (b.ack[j]! - bPeer.base()) >>> 0;
    if (ackA !== ackB) out.push({ field: 'ack', by: (ackB - ackA) | 0 });
  }
  // a SYN's options in words (mss, wscale, sackOK, ts): when only a timestamp value differs the
  // words are alike, and that is a header rewrite like any other segment's, not a change to show
  if (a.opt[i] !== b.opt[j]) out.push(a.flags[i]! & TcpFlag.SYN && a.synOptions !== b.synOptions ? { field: 'synOptions', a: a.synOptions, b: b.synOptions } : { field: 'options' });
  if (a.win[i] !== b.win[j]) out.push({ field: 'window', a: a.win[i]!, b: b.win[j]! });
  if (a.ttl[i] !== b.ttl[j]) out.push({ field: 'ttl', a: a.ttl[i]!, b: b.ttl[j]! });
  return out;
}

/** The report's words for a pair's differences: payload, length, flags and acknowledgment (which
 *  only a changed pair can differ in), SYN options; the header fields every pair is counted for
 *  apart (window, TTL, options) are left to the counts. */
function describeChange(a: DirSigs, i: number, b: DirSigs, j: number, aPeer: DirSigs, bPeer: DirSigs, peerMap: SeqMap): string[] {
  const what: string[] = [];
  const bytes = (n: number) => `${n} ${n === 1 ? 'byte' : 'bytes'}`;
  for (const d of segmentDiffs(a, i, b, j, aPeer, bPeer, peerMap)) {
    if (d.field === 'payload') {
      // the texts can read alike when the bytes differ: two PASS arguments, both REDACTED
      if (d.a !== null && d.b !== null && d.a !== d.b) what.push(`payload ${JSON.stringify(d.a)} → ${JSON.stringify(d.b)}`);
      else {
        const redacted = d.a !== null && d.a === d.b ? ', its text redacted' : '';
        what.push(d.lenA === d.lenB ? `payload bytes differ (${bytes(d.lenA)}, same length${redacted})` : `payload changed (${d.lenA} → ${bytes(d.lenB)}${redacted})`);
      }
    } else if (d.field === 'length') what.push(`length ${d.a} → ${d.b}`);
    else if (d.field === 'flags') what.push(`flags ${d.a} → ${d.b}`);
    else if (d.field === 'ack') what.push(`acknowledgment moved by ${d.by}`);
    else if (d.field === 'synOptions') what.push(`SYN options "${d.a}" → "${d.b}"`);
  }
  return what;
}

function loneReport(c: ConnSigs, capture: 'a' | 'b', side: Map<string, number> | null, offset: number, windows: Windows | null, note: string | null): ConnectionReport {
  const e = ends(c);
  const directions: DirectionReport[] = [];
  for (const [sender, d] of [['client', c.c2s], ['server', c.s2c]] as const) {
    const addr = sender === 'client' ? c.conn.client.addr : c.conn.server.addr;
    const v = side?.get(addr) ?? 0; // > 0: the sender is on this capture's side (no sides: no claim)
    const upstream: 'a' | 'b' | null = v === 0 ? null : v > 0 ? capture : capture === 'a' ? 'b' : 'a';
    const r = emptyDirection(sender, { a: capture === 'a' ? (sender === 'client' ? e.client : e.server) : null, b: capture === 'b' ? (sender === 'client' ? e.client : e.server) : null }, upstream, {
      a: capture === 'a' ? d.n : 0,
      b: capture === 'b' ? d.n : 0,
    });
    for (let i = 0; i < d.n; i++) {
      const p = ref(d, i, capture);
      const bucket = !otherRunning(windows, capture, p.time, offset) ? r.outside : upstream === null ? r.oneSided : upstream === capture ? r.lost : r.injected;
      listInto(bucket, p);
    }
    directions.push(r);
  }
  const base = { matchedBy: [], evidence: [], note, nat: [], directions };
  return capture === 'a' ? { a: e, b: null, ...base, start: c.conn.startTime } : { a: null, b: e, ...base, start: c.conn.startTime - offset };
}
