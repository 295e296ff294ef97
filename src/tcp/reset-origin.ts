// Was an RST sent by the host it claims to come from, or forged in its name by a device in
// between (a firewall rejecting with tcp-reset, an IPS, a NAT or load balancer that lost the
// connection's state)? Judged from the IP and TCP header history ip-history.ts keeps per endpoint.
//
// Heuristic: forged RST
//   An RST is judged forged when at least one strong signal, or two weak ones, hold:
//   strong  ttl           its TTL is none of the (one or two) TTLs of every other segment of the
//                         claimed sender (at least 2 of them). A host's TTL is stable per path,
//                         and a device in between sits at another hop count.
//   strong  ip-id         the sender's IP IDs count up by one per segment (a per-connection
//                         counter, as Linux keeps per socket) and the RST's ID is not the next
//                         one (more than IPID_PER_CONN_SLACK off the IDs before or after it).
//   strong  ip-id-copied  its IP ID (non-zero) equals that of the peer's segment it answers: an
//                         injector that built the RST by turning that packet around.
//   weak    ip-id-host    the sender's IP IDs rise with gaps (a host-wide counter shared with its
//                         other traffic) and the RST's ID is further off than that counter's
//                         observed rate allows.
//   weak    window-copied its (non-zero) window equals that of the segment it answers and lies
//                         outside every window the sender advertised.
//
// What is deliberately not evidence, because genuine stacks do it:
//   - IP ID 0 (with or without DF): Linux sends RSTs from a control socket with ID 0 once the
//     connection's socket is gone (and its SYN-ACKs too), as does its netfilter REJECT target;
//     Windows and FreeBSD may send RSTs without DF. IP ID 0 is only mentioned next to other signals.
//   - a window of 0 or any other window that merely differs: stacks send 0 or their current window.
//   - loopback (or both ends on one address): nothing can sit in between.
//   - a sender seen with more than two TTLs, or fewer than two segments: nothing stable to compare.

import type { Connection, Endpoint, IpHistory, RstSample, Side } from './types.ts';

/** Off-sequence distance still taken as a per-connection counter's own next ID (segments the
 *  capture missed, retransmissions). */
export const IPID_PER_CONN_SLACK = 64;
/** Share of IP ID steps that must follow a counter's pattern to trust it. */
const PATTERN_SHARE = 0.9;

export type ResetSignal = 'ttl' | 'ip-id' | 'ip-id-copied' | 'ip-id-host' | 'window-copied';
const STRONG: ReadonlySet<ResetSignal> = new Set(['ttl', 'ip-id', 'ip-id-copied']);

export interface ResetJudgement {
  by: Side; //                 the side the RST claims to come from
  sample: RstSample;
  forged: boolean;
  signals: ResetSignal[]; //   what does not fit
  evidence: string; //         one line for people: "TTL 64 vs 63 on every other segment from 198.51.100.2 (12); IP ID 0 …"
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
    for (const rs of h.resets) out.push(loop ? { by: side, sample: rs, forged: false, signals: [], evidence: 'loopback: nothing sits in between' } : judgeOne(side, ep, peer, rs));
  }
  out.sort((a, b) => a.sample.frame - b.sample.frame);
  return out;
}

/** The forged RSTs only. */
export function forgedResets(conn: Connection): ResetJudgement[] {
  return judgeResets(conn).filter((j) => j.forged);
}

function judgeOne(by: Side, ep: Endpoint, peer: Endpoint, rs: RstSample): ResetJudgement {
  const h = ep.ipHistory!;
  const signals: ResetSignal[] = [];
  const words: string[] = [];

  // TTL
  const samples = h.ttlCounts.reduce((a, b) => a + b, 0);
  if (samples >= 2 && h.ttlOther === 0 && h.ttls.length <= 2 && !h.ttls.includes(rs.ttl)) {
    signals.push('ttl');
    words.push(`TTL ${rs.ttl} vs ${h.ttls.join(' or ')} on every other segment from ${ep.addr} (${samples})`);
  }

  // IP ID: first whether it continues the sender's own counter, then whether it was copied
  if (rs.ipId > 0) {
    const fit = fitsOwnCounter(h, rs);
    if (fit !== 'fits' && rs.ipId === rs.peerIpId) {
      signals.push('ip-id-copied');
      words.push(`IP ID ${rs.ipId} copied from the ${peer.addr} segment it answers (frame ${rs.peerFrame})`);
    } else if (fit === 'off-per-connection' || fit === 'off-host-wide') {
      const perConn = fit === 'off-per-connection';
      signals.push(perConn ? 'ip-id' : 'ip-id-host');
      words.push(`IP ID ${rs.ipId} vs ${perConn ? 'a per-connection' : 'a host-wide'} sequence around ${aroundId(rs)}`);
    }
  }
  // IP ID 0 is no evidence by itself (Linux), but it is part of the picture next to a TTL mismatch
  if (rs.ipId === 0 && signals.length > 0 && h.idCount > h.idZero) words.push(`IP ID 0 vs a sequence around ${aroundId(rs)}`);

  // window
  if (rs.window > 0 && rs.window === rs.peerWindow && h.windowMin >= 0 && (rs.window < h.windowMin || rs.window > h.windowMax)) {
    signals.push('window-copied');
    words.push(`window ${rs.window} copied from the segment it answers (${ep.addr} advertised ${h.windowMin === h.windowMax ? String(h.windowMin) : `${h.windowMin}–${h.windowMax}`})`);
  }

  const strong = signals.filter((s) => STRONG.has(s)).length;
  const forged = strong >= 1 || signals.length - strong >= 2;
  return { by, sample: rs, forged, signals, evidence: words.length ? words.join('; ') : 'its TTL, IP ID and window fit the sender' };
}

/** Whether a non-zero RST IP ID continues the sender's counter, as far as its history tells. */
function fitsOwnCounter(h: IpHistory, rs: RstSample): 'fits' | 'off-per-connection' | 'off-host-wide' | 'unknown' {
  if (rs.prevIpId < 0 && rs.nextIpId < 0) return 'unknown';
  const steps = h.idPlusOne + h.idSmallRise + h.idOtherStep;
  if (steps < 2) {
    // too short a history to know the counter's kind; right next to its neighbour still counts as its own
    const near = (from: number, to: number) => from >= 0 && ((to - from) & 0xffff) >= 1 && ((to - from) & 0xffff) <= IPID_PER_CONN_SLACK;
    return near(rs.prevIpId, rs.ipId) || near(rs.ipId, rs.nextIpId) ? 'fits' : 'unknown';
  }
  const perConn = h.idPlusOne >= PATTERN_SHARE * steps;
  const hostWide = !perConn && h.idPlusOne + h.idSmallRise >= PATTERN_SHARE * steps;
  if (!perConn && !hostWide) return 'unknown'; // random IDs: nothing to continue
  const span = h.idLastTime - h.idFirstTime;
  const rate = span > 0 ? h.idRiseTotal / span : 0; // IDs per second
  const allowance = (dt: number) => (perConn ? IPID_PER_CONN_SLACK : IPID_PER_CONN_SLACK + 2 * h.idMaxRise + 4 * rate * Math.max(0, dt));
  const fits = (from: number, to: number, dt: number) => {
    const rise = (to - from) & 0xffff;
    return rise >= 1 && rise <= allowance(dt);
  };
  const prevOk = rs.prevIpId < 0 || fits(rs.prevIpId, rs.ipId, rs.time - rs.prevTime);
  const nextOk = rs.nextIpId < 0 || fits(rs.ipId, rs.nextIpId, rs.nextTime - rs.time);
  if (prevOk && nextOk) return 'fits';
  return perConn ? 'off-per-connection' : 'off-host-wide';
}

function aroundId(rs: RstSample): string {
  return String(rs.prevIpId >= 0 ? rs.prevIpId : rs.nextIpId >= 0 ? rs.nextIpId : '?');
}

function isLoopback(addr: string): boolean {
  return addr.startsWith('127.') || addr === '::1';
}
