// Which connection of capture A is which connection of capture B. Addresses and ports are no
// help when a NAT sits between the two capture points, so a pair is scored on what a NAT leaves
// alone:
//
//   +100  same initial sequence number of the client's SYN (a 32-bit random value: a match is
//         all but certain), +100 for the server's SYN-ACK likewise
//   +10   per payload hash shared by the first MATCH_PAYLOADS payload segments of the same
//         direction (FTP's greeting, USER, PASS … lines; a hash seen in more than
//         MAX_CANDIDATES_PER_KEY connections, like a banner every session repeats, is ignored as a
//         key but still counts once a pair is a candidate by another key)
//   +5    same server port, +5 same client port (port-preserving NAT, or no NAT at all)
//   timing, once a clock offset is known: +30 when the starts agree within 1 s, +10 within 10 s,
//         −60 beyond 120 s
//
// Candidates come from indexes of B by ISN and by first payload hashes (and by 4-tuple), so
// the work is linear in the connections, not quadratic. Both orientations are tried (B's TCP
// client may be A's server when one capture missed the handshake and the roles were guessed).
// Pairs are taken greedily, best score first, each connection at most once; a score below
// MIN_SCORE is no match. Sequence-randomising firewalls change ISNs: payload and timing then
// carry the match.

import type { CaptureSigs, ConnSigs, DirSigs } from './signatures.ts';

const MATCH_PAYLOADS = 8;
const MAX_CANDIDATES_PER_KEY = 64;
export const MIN_SCORE = 20;

export interface ConnPair {
  a: ConnSigs;
  b: ConnSigs;
  flipped: boolean; //  B's client is A's server
  score: number;
  by: string[]; //      evidence: 'client ISN', 'server ISN', 'payload', 'ports', 'timing'
}

/** First payload hashes of a direction, in order (distinct). */
function firstPayloads(d: DirSigs): number[] {
  const out: number[] = [];
  for (let i = 0; i < d.n && out.length < MATCH_PAYLOADS; i++) {
    const h = d.hash[i]!;
    if (d.len[i]! > 0 && h !== 0 && !out.includes(h)) out.push(h);
  }
  return out;
}

function isn(d: DirSigs): number | null {
  return d.synIndex >= 0 ? d.seq[d.synIndex]! : null;
}

/** `offset`: B's clock minus A's, when known (seconds). */
export function matchConnections(A: CaptureSigs, B: CaptureSigs, offset: number | null): ConnPair[] {
  // index B
  const byKey = new Map<string, ConnSigs[]>();
  const add = (key: string, c: ConnSigs) => {
    let l = byKey.get(key);
    if (!l) byKey.set(key, (l = []));
    if (l.length <= MAX_CANDIDATES_PER_KEY) l.push(c);
  };
  const bPayloads = new Map<ConnSigs, [number[], number[]]>();
  for (const c of B.connections) {
    for (const d of [c.c2s, c.s2c]) {
      const i = isn(d);
      if (i !== null) add(`isn:${i}`, c);
    }
    const p: [number[], number[]] = [firstPayloads(c.c2s), firstPayloads(c.s2c)];
    bPayloads.set(c, p);
    for (const h of [...p[0], ...p[1]]) add(`pay:${h}`, c);
    add(`tuple:${c.conn.client.addr}:${c.conn.client.port}:${c.conn.server.addr}:${c.conn.server.port}`, c);
    add(`tuple:${c.conn.server.addr}:${c.conn.server.port}:${c.conn.client.addr}:${c.conn.client.port}`, c);
  }
  const scored: ConnPair[] = [];
  for (const a of A.connections) {
    const aPay: [number[], number[]] = [firstPayloads(a.c2s), firstPayloads(a.s2c)];
    const keys: string[] = [];
    for (const d of [a.c2s, a.s2c]) {
      const i = isn(d);
      if (i !== null) keys.push(`isn:${i}`);
    }
    for (const h of [...aPay[0], ...aPay[1]]) keys.push(`pay:${h}`);
    keys.push(`tuple:${a.conn.client.addr}:${a.conn.client.port}:${a.conn.server.addr}:${a.conn.server.port}`);
    const cands = new Set<ConnSigs>();
    for (const k of keys) {
      const l = byKey.get(k);
      if (l && l.length <= MAX_CANDIDATES_PER_KEY) for (const c of l) cands.add(c);
    }
    for (const b of cands) {
      const bp = bPayloads.get(b)!;
      let best: ConnPair | null = null;
      for (const flipped of [false, true]) {
        const p = score(a, b, flipped, aPay, flipped ? [bp[1], bp[0]] : bp, offset);
        if (best === null || p.score > best.score) best = p;
      }
      if (best!.score >= MIN_SCORE) scored.push(best!);
    }
  }
  scored.sort((x, y) => y.score - x.score || x.a.id - y.a.id || x.b.id - y.b.id);
  const usedA = new Set<ConnSigs>();
  const usedB = new Set<ConnSigs>();
  const out: ConnPair[] = [];
  for (const p of scored) {
    if (usedA.has(p.a) || usedB.has(p.b)) continue;
    usedA.add(p.a);
    usedB.add(p.b);
    out.push(p);
  }
  out.sort((x, y) => x.a.id - y.a.id);
  return out;
}

function score(a: ConnSigs, b: ConnSigs, flipped: boolean, aPay: [number[], number[]], bPay: [number[], number[]], offset: number | null): ConnPair {
  const bC = flipped ? b.s2c : b.c2s;
  const bS = flipped ? b.c2s : b.s2c;
  const bClient = flipped ? b.conn.server : b.conn.client;
  const bServer = flipped ? b.conn.client : b.conn.server;
  let s = 0;
  const by: string[] = [];
  const ci = isn(a.c2s);
  if (ci !== null && ci === isn(bC)) {
    s += 100;
    by.push('client ISN');
  }
  const si = isn(a.s2c);
  if (si !== null && si === isn(bS)) {
    s += 100;
    by.push('server ISN');
  }
  let shared = 0;
  for (const h of aPay[0]) if (bPay[0].includes(h)) shared++;
  for (const h of aPay[1]) if (bPay[1].includes(h)) shared++;
  if (shared > 0) {
    s += 10 * shared;
    by.push('payload');
  }
  if (a.conn.server.port === bServer.port) s += 5;
  if (a.conn.client.port === bClient.port) s += 5;
  if (offset !== null) {
    const dt = Math.abs(b.conn.startTime - a.conn.startTime - offset);
    if (dt < 1) {
      s += 30;
      by.push('timing');
    } else if (dt < 10) {
      s += 10;
      by.push('timing');
    } else if (dt > 120) s -= 60;
  }
  return { a, b, flipped, score: s, by };
}
