// A connection lost in the middle: one segment sent again and again, each time after a longer
// wait, never acknowledged, and nothing more from the peer.
//
// Heuristic: retransmission timeout with backoff
//   A sender whose segment is not acknowledged sends it again when its retransmission timer
//   fires, and doubles the timer each time (RFC 6298 §5.5): the same sequence number at growing
//   intervals (+0.2, +0.6, +1.2, +2.4, +4.8 s), until the timer reaches the stack's ceiling (Linux
//   120 s, FreeBSD 64 s, Windows 60 s), where the waits stay the same. When the acknowledgment never comes, the peer is
//   gone (crashed, unplugged, its address moved) or the path to it is (a link down, a firewall
//   or NAT that dropped the connection's state and now drops its packets). A chain of at least
//   MIN_RETRANSMISSIONS retransmissions of one segment, each wait at least BACKOFF times the one
//   before, never acknowledged, after which the peer sends nothing more, is that story. Loss that
//   recovers (an ACK comes, new data follows) breaks the chain and stays a matter of counting
//   retransmissions; so does a FIN alone sent again (a close the peer did not acknowledge, once
//   all data was).
//
// Per endpoint O(1) per segment; the chain's frames and times are kept (at most MAX_CHAIN) only
// once a retransmission starts one.

import type { EndpointTracker } from './endpoint-state.ts';
import type { RtoStory, Side } from './types.ts';

/** Retransmissions of one segment before it counts as a timeout chain (Linux's tcp_retries2
 *  gives 15; any stack that backs off three times has waited long). */
export const MIN_RETRANSMISSIONS = 3;
/** Each wait at least this many times the one before: doubling, with timer jitter. */
const BACKOFF = 1.4;
/** Seconds from which a wait may stop growing: a timer at its ceiling (RFC 6298 §2.5 allows
 *  one of at least 60 s; stacks use 60-120 s, lwIP ~384 s) fires at the same interval again. */
const CEILING_FROM = 30;
/** A wait at the ceiling is at least this fraction of the one before (timer jitter). */
const CEILING_SLACK = 0.8;
/** Frames and intervals kept per chain. */
const MAX_CHAIN = 20;

/** One endpoint's current chain: the segment it keeps sending again. */
export class RtoChain {
  start = -1; //              relative offset of the segment's first byte, -1 none
  end = 0; //                 … and its end (bytes, a FIN counting one)
  length = 0; //              payload bytes
  firstFrame = 0; //          its first transmission, if the capture holds it (0: not seen)
  frames: number[] = []; //   its retransmissions, at most MAX_CHAIN
  times: number[] = []; //    the first transmission's (when seen) and the retransmissions' times, seconds
  count = 0; //               retransmissions, all of them
  peerSegments = 0; //        segments the peer sent after the first retransmission

  /** The endpoint sent new data from `start` on (the chain ends once it moves past the segment). */
  sentNew(start: number): void {
    if (this.start >= 0 && start >= this.end) this.reset();
  }

  /** The endpoint retransmitted [start, end) (`length` payload bytes); `t`'s latest segment of
   *  new data is the first transmission when it started at the same byte. */
  retransmitted(start: number, end: number, length: number, frame: number, time: number, t: EndpointTracker): void {
    if (start !== this.start) {
      this.reset();
      this.start = start;
      this.end = end;
      this.length = length;
      if (start === t.lastNewStart) {
        this.firstFrame = t.lastNewFrame;
        this.times.push(t.lastNewTime);
      }
    }
    this.count++;
    if (this.frames.length < MAX_CHAIN) {
      this.frames.push(frame);
      this.times.push(time);
    }
  }

  /** The peer acknowledged up to `acked` (relative offset) of this endpoint's stream. */
  acked(acked: number): void {
    if (this.start >= 0 && acked >= this.end) this.reset();
  }

  /** The peer sent a segment. */
  peerSent(): void {
    if (this.start >= 0) this.peerSegments++;
  }

  reset(): void {
    this.start = -1;
    this.firstFrame = 0;
    this.frames = [];
    this.times = [];
    this.count = 0;
    this.peerSegments = 0;
  }

  /** The chain as a story, when it is one: enough retransmissions, each wait longer by the
   *  backoff, never acknowledged (a chain still open at the end). */
  story(by: Side): RtoStory | null {
    // a FIN alone sent again and again is a close nobody acknowledged: the sender had finished,
    // all its data acknowledged; the retransmission finding says so (retransmissionsAfterFin)
    if (this.start < 0 || this.count < MIN_RETRANSMISSIONS || this.length === 0) return null;
    const t = this.times;
    const intervals: number[] = [];
    for (let i = 1; i < t.length; i++) intervals.push(t[i]! - t[i - 1]!);
    for (let i = 1; i < intervals.length; i++) {
      const prev = intervals[i - 1]!;
      const now = intervals[i]!;
      if (now < BACKOFF * prev && !(prev >= CEILING_FROM && now >= CEILING_SLACK * prev)) return null;
    }
    return {
      by,
      frame: this.firstFrame,
      frames: this.frames.slice(),
      retransmissions: this.count,
      intervals,
      length: this.length,
      firstTime: t[0]!,
      lastTime: t[t.length - 1]!,
      peerSegments: this.peerSegments,
    };
  }
}

/** The story of a connection at its end: the side whose chain qualifies (the longer one if both). */
export function rtoStory(client: RtoChain | null, server: RtoChain | null): RtoStory | null {
  const a = client?.story('client') ?? null;
  const b = server?.story('server') ?? null;
  if (a && b) return a.retransmissions >= b.retransmissions ? a : b;
  return a ?? b;
}
