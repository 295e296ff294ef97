// Which segment of one capture is which segment of the other, within a matched connection and
// direction. The algorithm, per direction (segments sent by one end):
//
// 1. Relative positions. Each capture's sequence numbers are taken relative to that capture's
//    base for the direction (the SYN's, else the first segment's), so a firewall that randomises
//    ISNs changes nothing here.
// 2. Shift map. An ALG that rewrites a PORT command or a 227 reply changes the segment's length,
//    and every later sequence number of that direction (and every acknowledgment of it) moves by
//    the difference. Payload segments are paired by payload hash (the occurrence whose position
//    agrees with the current shift first); each change of relB − relA along the stream becomes a
//    change point. Positions and acknowledgments of A are mapped through these points to B.
// 3. Exact pairs. A segment's key is (mapped position, mapped acknowledgment, flags, length,
//    payload hash). Segments with equal keys are paired; when a key occurs more than once (a
//    retransmission, duplicate ACKs) and the clock offset is known, each downstream copy takes
//    the latest unpaired upstream copy sent no later than itself (a copy lost in between leaves
//    the original unpaired and the retransmission paired), else occurrences pair in order.
// 4. Changed pairs. Leftovers with the same mapped position and the same SYN/FIN/RST bits, close
//    in time, are the same segment altered in between (a rewritten payload, cleared ECN bits, an
//    acknowledgment moved by a NAT's sequence adjustment).
// 5. What is left is seen on one side only: at the upstream capture only = lost (or dropped)
//    between the points; at the downstream capture only = made between them (injected), or a
//    capture that missed it.

import { TcpFlag } from '../decode/packet.ts';
import type { DirSigs } from './signatures.ts';

/** Seconds a downstream copy may seem to precede its upstream copy (clock jitter, rounding). */
export const CLOCK_TOLERANCE = 0.002;

interface ChangePoint {
  fromA: number; // relative A position from which `delta` applies
  delta: number; // relB − relA (signed)
}

/** Relative position → other capture's relative position. */
export class SeqMap {
  readonly points: ChangePoint[] = [];
  map(relA: number): number {
    // last point with fromA <= relA (binary search: a long session may hold many rewrites)
    const pts = this.points;
    let lo = 0;
    let hi = pts.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (pts[mid]!.fromA <= relA) lo = mid + 1;
      else hi = mid;
    }
    return (relA + (lo > 0 ? pts[lo - 1]!.delta : 0)) >>> 0;
  }
  /** The largest |delta| (bytes an ALG added or removed). */
  shift(): number {
    return this.points.reduce((m, p) => (Math.abs(p.delta) > Math.abs(m) ? p.delta : m), 0);
  }
}

/** Step 2: change points of one direction from payload segments paired by hash. Linear: the
 *  B segment at the position the current shift predicts is looked up directly; only when it is
 *  not there (the shift changed) are the next few B segments with the same hash tried. */
export function buildSeqMap(a: DirSigs, b: DirSigs): SeqMap {
  const m = new SeqMap();
  const baseA = a.base();
  const baseB = b.base();
  const byPos = new Map<string, number>(); //   `${hash}:${len}:${relB}` → B index
  const byHash = new Map<number, number[]>(); // hash → B indices in order
  const cursor = new Map<number, number>(); //   hash → next candidate to try in byHash
  for (let j = 0; j < b.n; j++) {
    if (b.len[j]! === 0) continue;
    const h = b.hash[j]!;
    byPos.set(`${h}:${b.len[j]}:${(b.seq[j]! - baseB) >>> 0}`, j);
    let l = byHash.get(h);
    if (!l) byHash.set(h, (l = []));
    l.push(j);
  }
  const pairs: Array<[number, number]> = [];
  let cur = 0;
  for (let i = 0; i < a.n; i++) {
    if (a.len[i]! === 0) continue;
    const h = a.hash[i]!;
    const relA = (a.seq[i]! - baseA) >>> 0;
    if (byPos.has(`${h}:${a.len[i]}:${(relA + cur) >>> 0}`)) {
      pairs.push([relA, cur]);
      continue;
    }
    const l = byHash.get(h);
    if (!l) continue;
    let k = cursor.get(h) ?? 0;
    let pick = -1;
    for (let tries = 0; k < l.length && tries < 64; k++, tries++) {
      if (b.len[l[k]!]! === a.len[i]!) {
        pick = l[k]!;
        k++;
        break;
      }
    }
    cursor.set(h, k);
    if (pick < 0) continue;
    cur = (((b.seq[pick]! - baseB) >>> 0) - relA) | 0;
    pairs.push([relA, cur]);
  }
  pairs.sort((x, y) => x[0] - y[0]);
  let last = 0;
  for (const [relA, d] of pairs) {
    if (d !== last) {
      m.points.push({ fromA: relA, delta: d });
      last = d;
    }
  }
  return m;
}

export interface DirAlignment {
  a: DirSigs;
  b: DirSigs;
  pairOfA: Int32Array; // B index paired with each A index, -1 none
  pairOfB: Int32Array; // A index paired with each B index, -1 none
  changed: Uint8Array; // per A index: 1 when its pair differs in key (a changed segment)
}

/**
 * Steps 3–5 for one direction. `own`/`peer`: shift maps of this direction and of the reverse one
 * (acknowledgments refer to the peer's stream). `aUpstream`: the segments pass capture A first
 * (null: not known yet); `offset`: B's clock minus A's (null: not known yet).
 */
export function alignDirection(
  a: DirSigs,
  b: DirSigs,
  aPeer: DirSigs,
  bPeer: DirSigs,
  own: SeqMap,
  peer: SeqMap,
  aUpstream: boolean | null,
  offset: number | null,
): DirAlignment {
  const pairOfA = new Int32Array(a.n).fill(-1);
  const pairOfB = new Int32Array(b.n).fill(-1);
  const changed = new Uint8Array(a.n);
  const baseA = a.base();
  const baseB = b.base();
  const peerBaseA = aPeer.base();
  const peerBaseB = bPeer.base();
  const keyA = (i: number) => {
    const ack = a.flags[i]! & TcpFlag.ACK ? peer.map((a.ack[i]! - peerBaseA) >>> 0) : 0;
    return `${own.map((a.seq[i]! - baseA) >>> 0)}:${ack}:${a.flags[i]}:${a.len[i]}:${a.hash[i]}`;
  };
  const keyB = (j: number) => {
    const ack = b.flags[j]! & TcpFlag.ACK ? (b.ack[j]! - peerBaseB) >>> 0 : 0;
    return `${(b.seq[j]! - baseB) >>> 0}:${ack}:${b.flags[j]}:${b.len[j]}:${b.hash[j]}`;
  };
  // step 3: exact pairs
  const groups = new Map<string, { as: number[]; bs: number[] }>();
  for (let i = 0; i < a.n; i++) {
    const k = keyA(i);
    let g = groups.get(k);
    if (!g) groups.set(k, (g = { as: [], bs: [] }));
    g.as.push(i);
  }
  for (let j = 0; j < b.n; j++) {
    const g = groups.get(keyB(j));
    if (g) g.bs.push(j);
  }
  const timed = aUpstream !== null && offset !== null;
  for (const g of groups.values()) {
    if (g.bs.length === 0) continue;
    if (g.as.length === 1 && g.bs.length === 1) {
      pairOfA[g.as[0]!] = g.bs[0]!;
      pairOfB[g.bs[0]!] = g.as[0]!;
      continue;
    }
    if (!timed) {
      for (let k = 0; k < g.as.length && k < g.bs.length; k++) {
        pairOfA[g.as[k]!] = g.bs[k]!;
        pairOfB[g.bs[k]!] = g.as[k]!;
      }
      continue;
    }
    // each downstream copy takes the latest unpaired upstream copy sent no later than itself;
    // copies that carry the same IP ID and TCP options (timestamps tell retransmissions apart)
    // are preferred, as queueing in between can hold a copy longer than the retransmit timer
    const upIsA = aUpstream!;
    const ups = upIsA ? g.as : g.bs;
    const downs = upIsA ? g.bs : g.as;
    const upSig = upIsA ? a : b;
    const downSig = upIsA ? b : a;
    const tUp = (x: number) => (upIsA ? a.time[x]! : b.time[x]! - offset!);
    const tDown = (x: number) => (upIsA ? b.time[x]! - offset! : a.time[x]!);
    const used = new Uint8Array(ups.length);
    for (const d of downs) {
      const td = tDown(d);
      let pick = -1;
      let pickSame = -1;
      for (let u = 0; u < ups.length; u++) {
        if (used[u]) continue;
        if (tUp(ups[u]!) > td + CLOCK_TOLERANCE) break;
        const x = ups[u]!;
        let same = 0;
        if (upSig.opt[x] === downSig.opt[d]) same++;
        if (upSig.ipId[x] === downSig.ipId[d]) same++;
        if (same >= pickSame) {
          pick = u;
          pickSame = same;
        }
      }
      if (pick < 0) continue;
      used[pick] = 1;
      const ai = upIsA ? ups[pick]! : d;
      const bj = upIsA ? d : ups[pick]!;
      pairOfA[ai] = bj;
      pairOfB[bj] = ai;
    }
  }
  // step 4: changed pairs among the leftovers, by mapped position, control bits and time
  const CTL = TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST;
  const leftB = new Map<string, number[]>();
  for (let j = 0; j < b.n; j++) {
    if (pairOfB[j] !== -1) continue;
    const k = `${(b.seq[j]! - baseB) >>> 0}:${b.flags[j]! & CTL}`;
    let l = leftB.get(k);
    if (!l) leftB.set(k, (l = []));
    l.push(j);
  }
  for (let i = 0; i < a.n; i++) {
    if (pairOfA[i] !== -1) continue;
    const l = leftB.get(`${own.map((a.seq[i]! - baseA) >>> 0)}:${a.flags[i]! & CTL}`);
    if (!l) continue;
    let pick = -1;
    let bestDt = Infinity;
    for (let k = 0; k < l.length; k++) {
      const j = l[k]!;
      if (pairOfB[j] !== -1) continue;
      const dt = offset === null ? 0 : Math.abs(b.time[j]! - offset - a.time[i]!);
      if (offset !== null && dt > 2) continue; // too far apart to be one segment
      if (dt < bestDt) {
        bestDt = dt;
        pick = j;
      }
      if (offset === null) break;
    }
    if (pick < 0) continue;
    pairOfA[i] = pick;
    pairOfB[pick] = i;
    changed[i] = 1;
  }
  return { a, b, pairOfA, pairOfB, changed };
}
