// `ftpdiag compare A B`: two captures of the same traffic taken at two points of the path (say
// the client's side and the server's side of a firewall). Connections are matched across them
// (match-connections.ts), segments within each matched direction (align.ts), the clocks of the
// two capture points are related, and each connection is reported: segments seen on one side
// only (lost or dropped in between, or injected in between), segments changed in between
// (rewritten PORT/227 by an ALG, TTL, window, options), NAT, and the one-way delays.
//
// Clock offset (B's clock minus A's), NTP-style: for an exactly paired segment d = tB − tA is
// offset + delay when it travelled A → B, offset − delay when it travelled B → A. Per connection,
// the direction whose d is larger (by median) is the A → B one. Queueing only lengthens delays,
// so the smallest A → B value and the largest B → A value are the closest to the offset; their
// mean is the estimate, assuming the minimum one-way delay is the same both ways. Their
// difference is twice that minimum delay: negative means the clocks drifted or jumped during
// the captures (reported).

import type { ReadOptions } from '../capture/read.ts';
import { TcpFlag, tcpFlagNames } from '../decode/packet.ts';
import { endpointText } from '../diagnose/facts.ts';
import type { Side } from '../tcp/types.ts';
import { alignDirection, buildSeqMap, type DirAlignment, type SeqMap } from './align.ts';
import { matchConnections, type ConnPair } from './match-connections.ts';
import { readSignatures, type CaptureSigs, type ConnSigs, type DirSigs } from './signatures.ts';

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
  oneSided: { count: number; packets: PacketRef[] }; // seen on one side when upstream is unknown
  delay: DelayStats | null; //  one-way delay between the capture points
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
  matchedBy: string[]; //  evidence of the match ([] for a connection seen in one capture only)
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

export interface CompareResult {
  a: CaptureInfo;
  b: CaptureInfo;
  clock: {
    offset: number | null; //  seconds: B's clock minus A's
    minDelay: number | null; // smallest one-way delay implied (half the gap between the two directions)
    samples: number; //        exactly paired segments it rests on
    consistent: boolean; //    false: the two directions overlap (clock drift, or a clock jump)
    note: string;
  };
  sides: { a: string[]; b: string[] }; // hosts (as each capture sees them) whose packets pass that capture first
  connections: ConnectionReport[];
  totals: { matched: number; onlyA: number; onlyB: number; lost: number; injected: number; changed: number };
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

/** d = tB − tA of every exactly paired segment of an alignment. */
function diffs(al: DirAlignment): number[] {
  const out: number[] = [];
  for (let i = 0; i < al.a.n; i++) {
    const j = al.pairOfA[i]!;
    if (j >= 0 && !al.changed[i]) out.push(al.b.time[j]! - al.a.time[i]!);
  }
  return out;
}

function median(xs: number[]): number {
  const s = [...xs].sort((x, y) => x - y);
  return s.length === 0 ? NaN : s[Math.floor(s.length / 2)]!;
}

export function compareDetailed(A: CaptureSigs, B: CaptureSigs): CompareDetail {
  // 1. match by ISN and payload, align without timing, relate the clocks
  let pairs = matchConnections(A, B, null);
  let abMin = Infinity; //  smallest d of segments travelling A → B
  let baMax = -Infinity; // largest d of segments travelling B → A
  let samples = 0;
  const starts: number[] = [];
  // d of each direction of a pair aligned without timing, and its median (NaN: none aligned);
  // step 2 meets most pairs of step 1 again and needs only the medians, kept per pair
  const untimedDiffs = (w: PairWork): number[][] => w.dirs.map((d) => diffs(alignDirection(d.a, d.b, d.aPeer, d.bPeer, d.own, d.peer, null, null)));
  const untimed = new Map<ConnSigs, { b: ConnSigs; flipped: boolean; medians: number[] }>();
  const untimedMedians = (w: PairWork): number[] => {
    const o = untimed.get(w.p.a);
    return o && o.b === w.p.b && o.flipped === w.p.flipped ? o.medians : untimedDiffs(w).map(median);
  };
  const orient = (works: PairWork[]) => {
    for (const w of works) {
      const ds = untimedDiffs(w);
      const medians = ds.map(median);
      untimed.set(w.p.a, { b: w.p.b, flipped: w.p.flipped, medians });
      const [m0, m1] = medians as [number, number];
      if (Number.isNaN(m0) || Number.isNaN(m1)) continue;
      // the direction with the larger d travels A → B
      const firstIsAB = m0 > m1;
      w.aUp = [firstIsAB, !firstIsAB];
      for (let k = 0; k < 2; k++) {
        const d = ds[k]!;
        samples += d.length;
        if (w.aUp[k]) for (const x of d) abMin = x < abMin ? x : abMin;
        else for (const x of d) baMax = x > baMax ? x : baMax;
      }
    }
  };
  let works = pairs.map(workOf);
  orient(works);
  for (const w of works) starts.push(w.p.b.conn.startTime - w.p.a.conn.startTime);
  let offset: number | null = null;
  let minDelay: number | null = null;
  let consistent = true;
  let note = '';
  if (abMin < Infinity && baMax > -Infinity) {
    offset = (abMin + baMax) / 2;
    minDelay = (abMin - baMax) / 2;
    consistent = minDelay >= -0.001;
    note = consistent
      ? 'from the fastest segment each way, assuming the same minimum delay both ways'
      : 'the two directions overlap: a clock drifted or jumped during the captures, delays are approximate';
  } else if (starts.length > 0) {
    offset = median(starts);
    note = 'no segment was seen both ways at both points: offset from connection start times only';
  } else note = 'no connection was found in both captures';

  // 2. match again with timing (connections without ISN or payload evidence), align with time
  if (offset !== null) {
    pairs = matchConnections(A, B, offset);
    works = pairs.map(workOf);
    if (abMin < Infinity && baMax > -Infinity) {
      // per pair orientation from its own segments, else from the hosts' sides
      for (const w of works) {
        const m = untimedMedians(w);
        for (let k = 0; k < 2; k++) if (!Number.isNaN(m[k]!)) w.aUp[k] = m[k]! > offset;
        if (w.aUp[0] === null && w.aUp[1] !== null) w.aUp[0] = !w.aUp[1];
        if (w.aUp[1] === null && w.aUp[0] !== null) w.aUp[1] = !w.aUp[0];
      }
    }
  }
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

  // 3. reports
  const connections: ConnectionReport[] = [];
  const matchedA = new Set<ConnSigs>();
  const matchedB = new Set<ConnSigs>();
  for (const w of works) {
    matchedA.add(w.p.a);
    matchedB.add(w.p.b);
    connections.push(pairReport(w, offset));
  }
  for (const c of A.connections) if (!matchedA.has(c)) connections.push(loneReport(c, 'a', sideA, 0));
  for (const c of B.connections) if (!matchedB.has(c)) connections.push(loneReport(c, 'b', sideB, offset ?? 0));
  connections.sort((x, y) => x.start - y.start);

  const totals = { matched: works.length, onlyA: A.connections.length - works.length, onlyB: B.connections.length - works.length, lost: 0, injected: 0, changed: 0 };
  for (const c of connections) {
    for (const d of c.directions) {
      totals.lost += d.lost.count;
      totals.injected += d.injected.count;
      totals.changed += d.changed;
    }
  }
  const sideList = (m: Map<string, number>) => [...m.entries()].filter(([, v]) => v > 0).map(([k]) => k).sort();
  const result: CompareResult = {
    a: info(A),
    b: info(B),
    clock: { offset, minDelay, samples, consistent, note },
    sides: { a: sideList(sideA), b: sideList(sideB) },
    connections,
    totals,
  };
  return { result, A, B, works };
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

function pairReport(w: PairWork, offset: number | null): ConnectionReport {
  const { p } = w;
  const aEnds = ends(p.a);
  const bEnds = ends(p.b, p.flipped);
  const nat: string[] = [];
  if (aEnds.client !== bEnds.client) nat.push(`client ${aEnds.client} (A) appears as ${bEnds.client} (B)`);
  if (aEnds.server !== bEnds.server) nat.push(`server ${aEnds.server} (A) appears as ${bEnds.server} (B)`);
  const directions: DirectionReport[] = [];
  for (let k = 0; k < 2; k++) {
    const d = w.dirs[k]!;
    const aUp = w.aUp[k] ?? null;
    const al = alignDirection(d.a, d.b, d.aPeer, d.bPeer, d.own, d.peer, aUp, offset);
    const r = emptyDirection(d.sender, { a: k === 0 ? aEnds.client : aEnds.server, b: k === 0 ? bEnds.client : bEnds.server }, aUp === null ? null : aUp ? 'a' : 'b', { a: d.a.n, b: d.b.n });
    const delays: number[] = [];
    const hops = new Map<number, number>();
    for (let i = 0; i < d.a.n; i++) {
      const j = al.pairOfA[i]!;
      if (j < 0) {
        listInto(aUp === null ? r.oneSided : aUp ? r.lost : r.injected, ref(d.a, i, 'a'));
        continue;
      }
      if (al.changed[i]) r.changed++;
      else r.matched++;
      const ttlA = d.a.ttl[i]!;
      const ttlB = d.b.ttl[j]!;
      const h = aUp === false ? ttlB - ttlA : ttlA - ttlB;
      hops.set(h, (hops.get(h) ?? 0) + 1);
      if (d.a.win[i] !== d.b.win[j]) r.windowChanged++;
      if (d.a.opt[i] !== d.b.opt[j]) r.optionsChanged++;
      if (d.a.ipId[i] !== d.b.ipId[j]) r.ipIdChanged++;
      if (offset !== null && aUp !== null && !al.changed[i]) delays.push(aUp ? d.b.time[j]! - offset - d.a.time[i]! : d.a.time[i]! - (d.b.time[j]! - offset));
      if (r.changes.length < MAX_CHANGES) {
        const what = describeChange(d.a, i, d.b, j, d.aPeer, d.bPeer, d.peer);
        if (what.length > 0) r.changes.push({ aFrame: d.a.frame[i]!, bFrame: d.b.frame[j]!, what });
      }
    }
    for (let j = 0; j < d.b.n; j++) if (al.pairOfB[j]! < 0) listInto(aUp === null ? r.oneSided : aUp ? r.injected : r.lost, ref(d.b, j, 'b'));
    r.ttlHops = [...hops.entries()].map(([h, count]) => ({ hops: h, count })).sort((x, y) => y.count - x.count);
    if (delays.length > 0) {
      delays.sort((x, y) => x - y);
      r.delay = { min: delays[0]!, median: delays[Math.floor(delays.length / 2)]!, max: delays[delays.length - 1]!, samples: delays.length };
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
  return { a: aEnds, b: bEnds, matchedBy: p.by, nat, directions, start: p.a.conn.startTime };
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
  if (a.opt[i] !== b.opt[j]) out.push(a.flags[i]! & TcpFlag.SYN ? { field: 'synOptions', a: a.synOptions, b: b.synOptions } : { field: 'options' });
  if (a.win[i] !== b.win[j]) out.push({ field: 'window', a: a.win[i]!, b: b.win[j]! });
  if (a.ttl[i] !== b.ttl[j]) out.push({ field: 'ttl', a: a.ttl[i]!, b: b.ttl[j]! });
  return out;
}

/** The report's words for a pair's differences: payload, length, flags and acknowledgment (which
 *  only a changed pair can differ in), SYN options; the header fields every pair is counted for
 *  apart (window, TTL, options) are left to the counts. */
function describeChange(a: DirSigs, i: number, b: DirSigs, j: number, aPeer: DirSigs, bPeer: DirSigs, peerMap: SeqMap): string[] {
  const what: string[] = [];
  for (const d of segmentDiffs(a, i, b, j, aPeer, bPeer, peerMap)) {
    if (d.field === 'payload') what.push(d.a !== null && d.b !== null ? `payload ${JSON.stringify(d.a)} → ${JSON.stringify(d.b)}` : `payload changed (${d.lenA} → ${d.lenB} bytes)`);
    else if (d.field === 'length') what.push(`length ${d.a} → ${d.b}`);
    else if (d.field === 'flags') what.push(`flags ${d.a} → ${d.b}`);
    else if (d.field === 'ack') what.push(`acknowledgment moved by ${d.by}`);
    else if (d.field === 'synOptions') what.push(`SYN options "${d.a}" → "${d.b}"`);
  }
  return what;
}

function loneReport(c: ConnSigs, capture: 'a' | 'b', side: Map<string, number>, offset: number): ConnectionReport {
  const e = ends(c);
  const directions: DirectionReport[] = [];
  for (const [sender, d] of [['client', c.c2s], ['server', c.s2c]] as const) {
    const addr = sender === 'client' ? c.conn.client.addr : c.conn.server.addr;
    const v = side.get(addr) ?? 0; // > 0: the sender is on this capture's side
    const upstream: 'a' | 'b' | null = v === 0 ? null : v > 0 ? capture : capture === 'a' ? 'b' : 'a';
    const r = emptyDirection(sender, { a: capture === 'a' ? (sender === 'client' ? e.client : e.server) : null, b: capture === 'b' ? (sender === 'client' ? e.client : e.server) : null }, upstream, {
      a: capture === 'a' ? d.n : 0,
      b: capture === 'b' ? d.n : 0,
    });
    for (let i = 0; i < d.n; i++) listInto(upstream === null ? r.oneSided : upstream === capture ? r.lost : r.injected, ref(d, i, capture));
    directions.push(r);
  }
  return capture === 'a'
    ? { a: e, b: null, matchedBy: [], nat: [], directions, start: c.conn.startTime }
    : { a: null, b: e, matchedBy: [], nat: [], directions, start: c.conn.startTime - offset };
}
