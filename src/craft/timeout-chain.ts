// A sender whose peer is gone: one segment sent, then sent again each time its retransmission
// timer fires, the timer doubled every time up to the stack's ceiling (RFC 6298 §5.5), until the
// stack gives up (and, on Windows, resets the connection). Timers fire a little late: each wait
// gets up to `jitter` of itself added, as the timer wheels of real stacks do.

import type { StackProfile } from './stack-profiles.ts';
import type { Side, TcpLadder } from './trace-builder.ts';

export interface TimeoutChainOptions {
  retries?: number; //      retransmissions written (default: the profile's, all of them)
  firstRto?: number; //     seconds before the first retransmission (default: the profile's minimum)
  jitter?: number; //       fraction of each wait added at most, default 0.03
  following?: number; //    bytes of one more segment sent right after it, lost too (the timer resends only the first)
  peerSends?: boolean; //   the peer still sends an ACK (of older data) after each retransmission
  giveUp?: boolean; //      end as the stack does when it gives up (its RST if it sends one), default true
}

export interface TimeoutChain {
  original: number; //      frame of the first transmission
  following: number; //     frame of the segment after it, 0 if none
  retransmissions: number[]; // frames of the retransmissions
  waits: number[]; //       seconds between successive sendings
  rst: number; //           frame of the give-up RST, 0 if none
}

/** Writes the chain of `side`'s `bytes`-byte segment on `d`, under `stack`'s timer. */
export function timeoutChain(d: TcpLadder, side: Side, bytes: number, stack: StackProfile, o: TimeoutChainOptions = {}): TimeoutChain {
  const peer: Side = side === 'client' ? 'server' : 'client';
  const seq = d.nextSeq(side); // the segment's first byte; the peer acknowledged everything before it
  const jitter = o.jitter ?? 0.03;
  let rto = o.firstRto ?? stack.rto;
  let step = 0; // a deterministic pseudo-jitter, the same on every run
  const late = (s: number) => s * jitter * (((step++ * 7) % 5) / 4);
  const out: TimeoutChain = { original: d.send(side, 'PA', bytes, { seq }), following: 0, retransmissions: [], waits: [], rst: 0 };
  if (o.following) out.following = d.send(side, 'PA', o.following);
  const retries = Math.min(o.retries ?? stack.retries, stack.retries);
  for (let i = 0; i < retries; i++) {
    const wait = rto + late(rto);
    out.waits.push(wait);
    out.retransmissions.push(d.send(side, 'PA', bytes, { seq, noAdvance: true, dt: wait }));
    if (o.peerSends) d.send(peer, 'A', undefined, { ack: seq, dt: 0.01 });
    rto = Math.min(rto * 2, stack.rtoMax);
  }
  if (o.giveUp !== false && stack.rstOnGiveUp && retries === stack.retries) out.rst = d.send(side, 'RA', undefined, { seq, dt: rto });
  return out;
}
