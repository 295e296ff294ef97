// Was an RST sent by the host it claims to come from, or forged in its name by a device in
// between (a firewall rejecting with tcp-reset, an IPS, a NAT or load balancer that lost the
// connection's state)? Judged from the IP and TCP header history ip-history.ts keeps per endpoint.
//
// Heuristic: forged RST
//   A header field is evidence only where the claimed sender's own history makes it informative,
//   so each signal first asks whether that sender's stack lets it speak:
//   strong  ttl           its TTL differs from the one TTL of every other segment of the claimed
//                         sender (at least 2 of them). A host's TTL is stable per path, and a
//                         device in between sits at another hop count. A sender seen with two or
//                         more TTLs gives no TTL evidence.
//   strong  ip-id         the sender's IP IDs count up by one per segment (a per-connection
//                         counter, as Linux keeps per socket) and the RST's ID is not the next one
//                         (more than IPID_PER_CONN_SLACK off the IDs before or after it). Only
//                         across a silence no longer than one the counter was already seen to
//                         cross with a step of 1: a host-wide counter on a quiet host also rises
//                         by one, and the host's other connections move it while this one is silent.
//   strong  ip-id-copied  its IP ID (non-zero) equals that of a segment of the peer it answers
//                         (the peer's last one, or any recent one whose acknowledgment the RST's
//                         sequence number is, see ip-history.ts findCopied) while the sender's own
//                         IDs vary and the RST's does not continue them: an injector that built
//                         the RST by turning that packet around, seen up to a round trip later.
//   strong  still-acking  the claimed sender's stack went on sending ACKs after the RST (more than
//                         STILL_ACKING_SECONDS later, or acknowledging new data), with its own TTL,
//                         although it had not closed before: a host that resets a connection
//                         drops it and answers anything later with RST, never with an ACK. Not
//                         an IP ID signal: it holds on every stack.
//   weak    ip-id-host    the sender's IP IDs rise with gaps (a host-wide counter shared with its
//                         other traffic) and the RST's ID is further off than that counter's
//                         observed rate allows.
//   weak    window-copied its (non-zero) window equals that of the segment it answers and lies
//                         outside every window the sender advertised.
//   A verdict needs one strong signal or two weak ones. Its confidence: high with two strong
//   signals or a strong and a weak one, medium with one strong signal, low with weak ones only.
//
// The host's own explanation wins over a weak oddity: when the claimed sender had reason to send
// the RST itself (it answers a stray ACK after FIN, or the sender had already closed with FIN or
// RST, so its stack answers any segment for that connection with RST) and no strong signal holds,
// the RST is the host's.
//
// What is deliberately not evidence, because genuine stacks do it:
//   - IP ID 0 (with or without DF): Linux sends RSTs from a control socket with ID 0 once the
//     connection's socket is gone (and its SYN-ACKs too), as does its netfilter REJECT target;
//     stacks that write 0 whenever DF is set. IP ID 0 is only mentioned next to other signals.
//   - any IP ID of a sender whose IDs do not vary (a constant ID, as embedded stacks and many
//     crafted traces write, or always 0), or vary at random (BSD and macOS with random_id): there
//     is no sequence for the RST to break, and a constant ID equals the peer's by construction.
//   - a window of 0 or any other window that merely differs: stacks send 0 or their current window.
//   - loopback (or both ends on one address): nothing can sit in between.

import type { Connection, Endpoint, IpHistory, RstSample, Side } from './types.ts';
import { seqGt } from './seq.ts';

/** Off-sequence distance still taken as a per-connection counter's own next ID (segments the
 *  capture missed, retransmissions). */
export const IPID_PER_CONN_SLACK = 64;
/** Share of IP ID steps that must follow a counter's pattern to trust it. */
const PATTERN_SHARE = 0.9;
/** A silence this short cannot hide much of a host-wide counter's movement (seconds). */
const QUIET_SECONDS = 0.01;
/** An ACK of the claimed sender this long after its RST was sent after it, not overtaken by it on
 *  the way (seconds). */
const STILL_ACKING_SECONDS = 0.001;
/** RSTs this close together (seconds), with the same TTL and flags, are one device's burst. */
const BURST_SECONDS = 1;

export type ResetSignal = 'ttl' | 'ip-id' | 'ip-id-copied' | 'ip-id-host' | 'window-copied' | 'still-acking';
const STRONG: ReadonlySet<ResetSignal> = new Set(['ttl', 'ip-id', 'ip-id-copied', 'still-acking']);

/** How a sender's IPv4 IDs behave over its segments (RSTs and zero IDs aside). */
export type IpIdPattern = 'per-connection' | 'host-wide' | 'random' | 'constant' | 'zero' | 'few' | 'none';

export type Confidence = 'high' | 'medium' | 'low';

export interface ResetJudgement {
  by: Side; //                 the side the RST claims to come from
  sample: RstSample;
  forged: boolean;
  signals: ResetSignal[]; //   what does not fit
  confidence: Confidence | null; // of a forged verdict; null when not forged
  ipIdPattern: IpIdPattern; // the claimed sender's IP IDs, which decide whether they can speak
  ttlStable: boolean; //       the claimed sender showed one TTL on at least two segments
  hostReason: string; //       why the host itself would send it ('' none): a stray ACK, a closed socket
  evidence: string; //         one line for people: "TTL 64 vs 63 on every other segment from 198.51.100.2 (12); IP ID 0 …"
  hostTtl: number; //          the claimed sender's one TTL (ttlStable), 0 unknown
  location: string; //         what the TTLs say about where the RST's sender sits, one or two sentences
}

/** Every RST of the connection (both sides, at most MAX_RST_SAMPLES each) with its judgement. */
export function judgeResets(conn: Connection): ResetJudgement[] {
  const out: ResetJudgement[] = [];
  const loop = isLoopback(conn.client.addr) || isLoopback(conn.server.addr) || conn.client.addr === conn.server.addr;
  for (const side of ['client', 'server'] as const) {
    const ep = conn[side];
    const peer = side === 'client' ? conn.server : conn.client;
    const h = ep.ipHistory;
    if (!h) continue;
    let witness: RstSample | null = null; // of the current burst
    let prev: RstSample | null = null;
    for (const rs of h.resets) {
      if (prev === null || !sameBurst(prev, rs)) witness = null;
      if (witness === null && stillSpeaking(h, rs)) witness = rs;
      prev = rs;
      out.push(
        loop
          ? { by: side, sample: rs, forged: false, signals: [], confidence: null, ipIdPattern: ipIdPattern(h), ttlStable: false, hostReason: '', evidence: 'loopback: nothing sits in between', hostTtl: 0, location: '' }
          : judgeOne(conn, side, ep, peer, rs, witness),
      );
    }
  }
  out.sort((a, b) => a.sample.frame - b.sample.frame);
  return out;
}

/** The forged RSTs only. */
export function forgedResets(conn: Connection): ResetJudgement[] {
  return judgeResets(conn).filter((j) => j.forged);
}

/** The pattern of a sender's non-zero IP IDs, from the steps between consecutive ones. */
export function ipIdPattern(h: IpHistory): IpIdPattern {
  if (h.idCount === 0) return h.idZero > 0 ? 'zero' : 'none';
  const steps = h.idPlusOne + h.idSmallRise + h.idOtherStep + h.idSame;
  if (steps < 2) return 'few';
  if (h.idSame >= PATTERN_SHARE * steps) return 'constant';
  if (h.idPlusOne >= PATTERN_SHARE * steps) return 'per-connection';
  if (h.idPlusOne + h.idSmallRise >= PATTERN_SHARE * steps) return 'host-wide';
  return 'random';
}

/** Its IDs are seen to change from segment to segment (never repeating one). */
function idsVary(h: IpHistory): boolean {
  return h.idCount >= 2 && h.idSame === 0;
}

/** RSTs of one burst: one device answering several segments in a row (same TTL and flags, each
 *  within BURST_SECONDS of the one before). */
function sameBurst(a: RstSample, b: RstSample): boolean {
  return a.ttl === b.ttl && a.flags === b.flags && b.time - a.time <= BURST_SECONDS;
}

/** The sender used one TTL on at least two segments (its RSTs aside), and no other. */
function ttlStable(h: IpHistory): boolean {
  return h.ttlSegments >= 2 && h.ttlOther === 0 && h.moreTtls.length === 0;
}

/** The claimed sender's own stack went on after this RST: an ACK (no SYN, no RST) more than
 *  STILL_ACKING_SECONDS later or acknowledging new data, with its one TTL, from a sender that had
 *  not closed before (a host in TIME-WAIT still ACKs a retransmitted FIN after answering a stray
 *  segment with RST) and had been acknowledging as an established connection does. */
function stillSpeaking(h: IpHistory, rs: RstSample): boolean {
  if (rs.laterFrame === 0 || rs.senderClosed || rs.ackBefore < 0) return false;
  if (rs.laterTime - rs.time < STILL_ACKING_SECONDS && !seqGt(rs.laterAck, rs.ackBefore)) return false;
  return !ttlStable(h) || rs.laterTtl === h.ttl;
}

function judgeOne(conn: Connection, by: Side, ep: Endpoint, peer: Endpoint, rs: RstSample, witness: RstSample | null): ResetJudgement {
  const h = ep.ipHistory!;
  const signals: ResetSignal[] = [];
  const words: string[] = [];
  const limits: string[] = [];

  // TTL: only a sender with one TTL on every other segment
  const samples = h.ttlSegments;
  const oneTtl = ttlStable(h);
  if (oneTtl && rs.ttl !== h.ttl) {
    signals.push('ttl');
    words.push(`TTL ${rs.ttl} vs ${h.ttl} on every other segment from ${ep.addr} (${samples})`);
  } else if (samples >= 2 && !oneTtl) limits.push(`${ep.addr} used ${1 + h.moreTtls.length + (h.ttlOther > 0 ? 1 : 0)} TTLs, so TTL proves nothing`);

  // IP ID: only a sender whose IDs vary; first whether the RST continues its counter, then
  // whether it was copied from the packet it answers
  const pattern = ipIdPattern(h);
  if (pattern === 'constant' || pattern === 'zero') limits.push(`${ep.addr} writes ${pattern === 'zero' ? 'IP ID 0' : 'the same IP ID'} in every packet, so IP IDs prove nothing`);
  else if (pattern === 'random') limits.push(`${ep.addr} uses random IP IDs, so only a copied one would tell`);
  if (rs.ipId > 0 && pattern !== 'constant' && pattern !== 'zero' && pattern !== 'none') {
    const fit = fitsOwnCounter(h, rs, pattern);
    if (fit !== 'fits' && (rs.ipId === rs.peerIpId || rs.copiedFrame > 0) && idsVary(h)) {
      signals.push('ip-id-copied');
      const latest = rs.ipId === rs.peerIpId;
      words.push(
        latest
          ? `IP ID ${rs.ipId} copied from the ${peer.addr} segment it answers (frame ${rs.peerFrame})`
          : `IP ID ${rs.ipId} copied from the ${peer.addr} segment it answers, frame ${rs.copiedFrame} (${seconds(rs.time - rs.copiedTime)} earlier)`,
      );
    } else if (fit === 'off') {
      const perConn = pattern === 'per-connection';
      signals.push(perConn ? 'ip-id' : 'ip-id-host');
      words.push(`IP ID ${rs.ipId} vs ${perConn ? 'a per-connection' : 'a host-wide'} sequence around ${aroundId(rs)}`);
    }
  }
  // IP ID 0 is no evidence by itself (Linux), but it is part of the picture next to a TTL mismatch
  if (rs.ipId === 0 && signals.length > 0 && h.idCount > 0) words.push(`IP ID 0 vs a sequence around ${aroundId(rs)}`);

  // window
  if (rs.window > 0 && rs.window === rs.peerWindow && h.windowMin >= 0 && (rs.window < h.windowMin || rs.window > h.windowMax)) {
    signals.push('window-copied');
    words.push(`window ${rs.window} copied from the segment it answers (${ep.addr} advertised ${h.windowMin === h.windowMax ? String(h.windowMin) : `${h.windowMin}–${h.windowMax}`})`);
  }

  // the claimed sender's own stack still acknowledging after it, or after an earlier RST of the
  // same burst (between them)
  if (witness !== null) {
    signals.push('still-acking');
    const news = seqGt(witness.laterAck, witness.ackBefore) ? ', acknowledging new data' : '';
    words.push(
      witness === rs || witness.laterTime > rs.time
        ? `${ep.addr}'s own stack still sent an ACK at frame ${witness.laterFrame}, ${seconds(witness.laterTime - rs.time)} later${news}, as a host that had reset the connection would not`
        : `${ep.addr}'s own stack still sent an ACK at frame ${witness.laterFrame}${news}, between the RST at frame ${witness.frame} and this one, both in its name, as a host that had reset the connection would not`,
    );
  }

  // the host's own reasons to send it
  const stray = conn.strayAck;
  const hostReason =
    stray !== null && stray.rstFrame === rs.frame
      ? `it answers the stray ACK at frame ${stray.frame}`
      : rs.senderClosed
        ? `${ep.addr} had already closed the connection (${ep.finFrame !== null ? `FIN at frame ${ep.finFrame}` : `RST at frame ${ep.rstFrame}`}), and its stack answers any later segment with RST`
        : '';

  const strong = signals.filter((s) => STRONG.has(s)).length;
  const weak = signals.length - strong;
  let forged = strong >= 1 || weak >= 2;
  if (forged && strong === 0 && hostReason !== '') forged = false; // the host's own explanation wins
  const confidence: Confidence | null = !forged ? null : strong >= 2 || (strong === 1 && weak >= 1) ? 'high' : strong === 1 ? 'medium' : 'low';

  let evidence = words.length ? words.join('; ') : 'its TTL, IP ID and window fit the sender';
  if (signals.length > 0 && !forged) evidence += hostReason !== '' ? `; but ${hostReason}: the host's own RST` : '; one weak signal is not enough';
  if (forged && limits.length > 0) evidence += ` (${limits.join('; ')})`;
  const hostTtl = oneTtl ? h.ttl : 0;
  return { by, sample: rs, forged, signals, confidence, ipIdPattern: pattern, ttlStable: oneTtl, hostReason, evidence, hostTtl, location: whereFrom(rs.ttl, hostTtl, ep.addr) };
}

/** The initial TTL a sender most likely started from: the next common one (64, 128, 255). */
export function initialTtl(ttl: number): number {
  return ttl <= 64 ? 64 : ttl <= 128 ? 128 : 255;
}

function hops(n: number): string {
  return n === 0 ? "on the capture point's own network segment (no router in between)" : `${n} router hop${n === 1 ? '' : 's'} from the capture point`;
}

/**
 * Where the RST's sender sits, as far as the TTLs tell: its hop count only makes sense next to
 * the host's. A device on the path between the capture point and the host is nearer than the
 * host, so (from the same initial TTL) its packets arrive with a higher TTL; one that arrives
 * lower would sit beyond the host, which no device in between does: it started from another TTL
 * or chose one, and the TTL cannot place it.
 */
export function whereFrom(ttl: number, hostTtl: number, hostAddr: string): string {
  const init = initialTtl(ttl);
  const own = init - ttl;
  if (hostTtl <= 0) return `The RST arrived with TTL ${ttl}: if its sender started from ${init}, it sits ${hops(own)}.`;
  const hostInit = initialTtl(hostTtl);
  const hostHops = hostInit - hostTtl;
  const host = `${hostAddr}'s own packets`;
  if (init === hostInit) {
    if (ttl > hostTtl) return `The RST arrived with TTL ${ttl}, ${host} with ${hostTtl}: if both started from ${init}, the device sits ${hops(own)}, ${ttl - hostTtl} nearer than ${hostAddr} (${hostHops}).`;
    if (ttl === hostTtl) return `The RST arrived with the TTL of ${host} (${ttl}): the device sits as many router hops from the capture point as ${hostAddr} (${hostHops} if it started from ${init}), next to it, or it copies the host's TTL.`;
    return `The RST arrived with TTL ${ttl}, lower than the ${hostTtl} of ${host}: a device on the path between the capture point and ${hostAddr} would arrive with a TTL at least as high, so the RST's sender started from a lower TTL than the host, or chose its TTL, and the TTL cannot say where it sits.`;
  }
  if (own <= hostHops) return `The RST arrived with TTL ${ttl}, ${host} with ${hostTtl}: if the RST's sender started from ${init} and ${hostAddr} from ${hostInit}, the device sits ${hops(own)}, ${hostHops - own} nearer than ${hostAddr}.`;
  return `The RST arrived with TTL ${ttl}, ${host} with ${hostTtl} (${hostHops} hops from ${hostInit}): from ${init} its sender would sit ${own} hops away, beyond ${hostAddr}, so it started from another TTL or chose one, and the TTL cannot say where it sits.`;
}

function seconds(s: number): string {
  return s < 1 ? `${Math.round(s * 1000)} ms` : `${s.toFixed(2)} s`;
}

/** Whether a non-zero RST IP ID continues the sender's counter, as far as its history tells. */
function fitsOwnCounter(h: IpHistory, rs: RstSample, pattern: IpIdPattern): 'fits' | 'off' | 'unknown' {
  if (rs.prevIpId < 0 && rs.nextIpId < 0) return 'unknown';
  if (pattern === 'few') {
    // too short a history to know the counter's kind; right next to its neighbour still counts as its own
    const near = (from: number, to: number) => from >= 0 && ((to - from) & 0xffff) >= 1 && ((to - from) & 0xffff) <= IPID_PER_CONN_SLACK;
    return near(rs.prevIpId, rs.ipId) || near(rs.ipId, rs.nextIpId) ? 'fits' : 'unknown';
  }
  if (pattern !== 'per-connection' && pattern !== 'host-wide') return 'unknown'; // random IDs: nothing to continue
  const perConn = pattern === 'per-connection';
  const span = h.idLastTime - h.idFirstTime;
  const rate = span > 0 ? h.idRiseTotal / span : 0; // IDs per second
  const check = (from: number, to: number, dt: number): 'fits' | 'off' | 'unknown' => {
    if (from < 0 || to < 0) return 'unknown';
    const rise = (to - from) & 0xffff;
    const allowance = perConn ? IPID_PER_CONN_SLACK : IPID_PER_CONN_SLACK + 2 * h.idMaxRise + 4 * rate * Math.max(0, dt);
    if (rise >= 1 && rise <= allowance) return 'fits';
    // a counter seen rising by one may still be host-wide on a quiet host: across a silence
    // longer than any it was seen to cross, other connections may have moved it
    if (perConn && dt > Math.max(QUIET_SECONDS, h.idPlusOneGap)) return 'unknown';
    return 'off';
  };
  const prev = check(rs.prevIpId, rs.ipId, rs.time - rs.prevTime);
  const next = check(rs.ipId, rs.nextIpId, rs.nextTime - rs.time);
  if (prev === 'off' || next === 'off') return 'off';
  return prev === 'fits' || next === 'fits' ? 'fits' : 'unknown';
}

function aroundId(rs: RstSample): string {
  return String(rs.prevIpId >= 0 ? rs.prevIpId : rs.nextIpId >= 0 ? rs.nextIpId : '?');
}

function isLoopback(addr: string): boolean {
  return addr.startsWith('127.') || addr === '::1';
}
