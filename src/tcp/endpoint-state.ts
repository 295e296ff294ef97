// One endpoint of a connection as seen from the capture point: its RFC 9293 state (inferred from
// what it sent and what it must have received), its position in its own sequence space and the
// bookkeeping of the detectors that look at it. The receiver's transitions are dated at the frame
// that shows the segment it received (the capture point cannot see later).

import { RtoChain } from './rto-chain.ts';
import type { Endpoint, Side, TcpState } from './types.ts';
import { SeqAnalysisDir } from './analysis.ts';
import { doubles } from './doubles.ts';
import { Coverage, type Reassembler } from './reassembler.ts';
import { TransitionLog } from './transition-log.ts';

export function newEndpoint(addr: string, port: number): Endpoint {
  return {
    addr,
    port,
    state: 'UNKNOWN',
    transitions: new TransitionLog(),
    isn: null,
    synFrame: null,
    finFrame: null,
    rstFrame: null,
    bytesSent: 0,
    bytesAcked: 0,
    bytesCaptured: 0,
    segments: 0,
    windowScale: -1,
    mss: -1,
    lastTtl: 0,
    retransmissionsAfterFin: 0,
    gapBytesFilled: 0,
    gapBytesReordered: 0,
    gapsReordered: 0,
    missingUnacked: 0,
    // set later (window-stall.ts, ip-history.ts), but given their slots here: a property added
    // to an object after it was made goes to an out-of-object array (~40 B per endpoint)
    stall: undefined,
    ipHistory: undefined,
  };
}

/** Per-endpoint tracking state. `ep` is the public view the listener reads. Its sequence
 *  numbers and times, and those of its Wireshark state, live in the flow's doubles at `o`. What
 *  the capture holds of its stream (a Coverage) is its own fields, read through `cov`: an object
 *  of its own per endpoint was 56 B and an allocation more per flow direction. */
export class EndpointTracker extends Coverage {
  /** Slots it takes in a flow's doubles, its Wireshark state's included. */
  static readonly SLOTS = 8 + SeqAnalysisDir.SLOTS;
  peer!: EndpointTracker;
  // sequence space (relative offsets: the first data byte is 0)
  baseKnown = false; //     base below is known
  hiRel = 0; //             end of the highest data byte sent (offset, bytes)
  synSeen = false; //       it sent a SYN (its ISN is known)
  finSeen = false; //       it sent a FIN
  finRel = 0; //            offset of the FIN (= stream length), valid when finSeen
  ackedRel = -1; //         highest offset of this stream the peer acknowledged (-1: none); a FIN counts 1
  // what this endpoint acknowledged of its peer
  ackSent = false; //       it sent a segment with ACK (so it heard from its peer)
  ackedPeerFinFrame = 0; // frame where it first acknowledged the peer's FIN (0: not yet)
  needsAnswer = false; //   it sent data/SYN/FIN, a probe or an old duplicate, and the peer has sent nothing since
  // Wireshark-compatible analysis state of what it sends
  readonly ws: SeqAnalysisDir;
  // delivery of its stream
  rsm: Reassembler | null = null;
  synFrames: number[] | null = null; // frames of its first SYNs (for handshake-unanswered), client only, at most MAX_EVENT_FRAMES
  synCount = 0; //                    its SYNs, all of them (a SYN flood on one 4-tuple: millions)
  // its latest segment of new data (the original a retransmission repeats) and the segment it
  // keeps retransmitting, if any (rto-chain.ts; made at its first retransmission)
  lastNewStart = -1; //      relative offset of that segment's first byte, -1 none
  lastNewFrame = 0;
  rto: RtoChain | null = null;
  // reordering or loss (reordering.ts): its latest hole
  holeStart = -1; //     relative offset where the latest hole in its stream begins, -1 none

  constructor(
    readonly ep: Endpoint,
    readonly side: Side,
    private readonly d: number[] = doubles(EndpointTracker.SLOTS),
    private readonly o = 0,
  ) {
    super();
    this.ws = new SeqAnalysisDir(d, o + 8);
    this.holeReported = -1;
  }

  /** Which bytes of its stream the capture held. */
  get cov(): Coverage {
    return this;
  }

  /** uint32 sequence number of offset 0 (ISN + 1, or inferred mid-stream). */
  get base(): number {
    return this.d[this.o + 0]!;
  }
  set base(v: number) {
    this.d[this.o + 0] = v;
  }
  /** Ack field of its last ACK segment (uint32). */
  get lastAck(): number {
    return this.d[this.o + 1]!;
  }
  set lastAck(v: number) {
    this.d[this.o + 1] = v;
  }
  /** Highest ack field it sent (uint32, wrap-safe), valid when ackSent. */
  get highAck(): number {
    return this.d[this.o + 2]!;
  }
  set highAck(v: number) {
    this.d[this.o + 2] = v;
  }
  /** Seconds: when its latest segment of new data was sent. */
  get lastNewTime(): number {
    return this.d[this.o + 3]!;
  }
  set lastNewTime(v: number) {
    this.d[this.o + 3] = v;
  }
  /** Seconds: when a segment beyond its latest hole was seen (reordering.ts). */
  get holeOpened(): number {
    return this.d[this.o + 4]!;
  }
  set holeOpened(v: number) {
    this.d[this.o + 4] = v;
  }
  /** Seconds: the peer's first ACK stuck at holeStart after that, -1 none. */
  get holeReported(): number {
    return this.d[this.o + 5]!;
  }
  set holeReported(v: number) {
    this.d[this.o + 5] = v;
  }
  /** Seconds: its SYN or SYN-ACK, 0 unseen. */
  get synTime(): number {
    return this.d[this.o + 6]!;
  }
  set synTime(v: number) {
    this.d[this.o + 6] = v;
  }
  /** Seconds from the peer's handshake segment to its answer, as the capture point sees them (0 unknown). */
  get turnaround(): number {
    return this.d[this.o + 7]!;
  }
  set turnaround(v: number) {
    this.d[this.o + 7] = v;
  }

  /** Relative offset of sequence number `seq` (wrap-safe near the highest point). */
  rel(seq: number): number {
    return this.hiRel + ((seq - this.base - this.hiRel) | 0);
  }

  /** Stream length as far as known: the FIN's offset, else the highest byte sent or acknowledged. */
  dataEnd(): number {
    if (this.finSeen) return this.finRel;
    return this.ackedRel > this.hiRel ? this.ackedRel : this.hiRel;
  }

  /** Bytes of its stream the peer acknowledged (the FIN's sequence number excluded). */
  acked(): number {
    if (this.ackedRel <= 0) return 0;
    const end = this.dataEnd();
    return this.ackedRel < end ? this.ackedRel : end;
  }

  finAcked(): boolean {
    return this.finSeen && this.ackedRel >= this.finRel + 1;
  }

  /** Bytes of its stream that never showed up in the capture and that the peer never
   *  acknowledged either: they may never have arrived. Missing bytes the peer acknowledged did
   *  arrive; the capture dropped them. */
  missingUnacked(): number {
    const end = this.dataEnd();
    const acked = this.ackedRel < 0 ? 0 : this.ackedRel < end ? this.ackedRel : end;
    const unacked = (from: number, to: number) => (to > acked ? to - (from > acked ? from : acked) : 0);
    const h = this.cov.holes;
    let n = 0;
    for (let i = 0; i < h.length; i += 2) n += unacked(h[i]!, h[i + 1]!);
    if (end > this.cov.hi) n += unacked(this.cov.hi, end);
    return n;
  }
}

/** Records a state change with the frame that shows it. */
export function setState(t: EndpointTracker, state: TcpState, frame: number, time: number): void {
  const ep = t.ep;
  if (ep.state === state) return;
  ep.state = state;
  ep.transitions.push(state, frame, time);
}

/** Not yet synchronised: a SYN may (re)start the handshake from here. */
function isUnsynchronised(s: TcpState): boolean {
  return s === 'UNKNOWN' || s === 'LISTEN' || s === 'CLOSED';
}

/** `s` sent a SYN without ACK. */
export function onSynSent(s: EndpointTracker, frame: number, time: number): void {
  const r = s.peer;
  if (r.ep.state === 'SYN-SENT' && s.ep.state !== 'SYN-SENT') {
    // simultaneous open: each side receives the other's SYN
    setState(s, 'SYN-RECEIVED', frame, time);
    setState(r, 'SYN-RECEIVED', frame, time);
    return;
  }
  if (isUnsynchronised(s.ep.state)) setState(s, 'SYN-SENT', frame, time);
  if (r.ep.state === 'UNKNOWN') setState(r, 'LISTEN', frame, time);
}

/** `s` sent a SYN-ACK. */
export function onSynAckSent(s: EndpointTracker, frame: number, time: number): void {
  const r = s.peer;
  if (isUnsynchronised(s.ep.state) || s.ep.state === 'SYN-SENT') setState(s, 'SYN-RECEIVED', frame, time);
  // a SYN-ACK answers a SYN, seen or not
  if (r.ep.state === 'UNKNOWN' || r.ep.state === 'LISTEN') setState(r, 'SYN-SENT', frame, time);
}

/**
 * `s` sent a segment without SYN that carries an ACK. `acksSyn`: it acknowledges the peer's SYN;
 * `acksFin`: it acknowledges the peer's FIN for the first time.
 */
export function onAckSent(s: EndpointTracker, acksSyn: boolean, acksFin: boolean, frame: number, time: number): void {
  const r = s.peer;
  if (acksSyn) {
    if (s.ep.state === 'SYN-SENT' || s.ep.state === 'SYN-RECEIVED') setState(s, 'ESTABLISHED', frame, time);
    if (r.ep.state === 'SYN-RECEIVED') setState(r, 'ESTABLISHED', frame, time);
  }
  // mid-stream: traffic with ACK means both ends were synchronised before the capture began
  if (s.ep.state === 'UNKNOWN') setState(s, 'ESTABLISHED', frame, time);
  if (r.ep.state === 'UNKNOWN') setState(r, 'ESTABLISHED', frame, time);
  if (acksFin) {
    const st = r.ep.state;
    if (st === 'FIN-WAIT-1') setState(r, 'FIN-WAIT-2', frame, time);
    else if (st === 'CLOSING') setState(r, 'TIME-WAIT', frame, time);
    else if (st === 'LAST-ACK') setState(r, 'CLOSED', frame, time);
  }
}

/** `s` sent its first FIN (its ACK, if any, was handled before). A FIN that does not acknowledge
 *  the peer's earlier FIN crossed it: a simultaneous close, both ends go through CLOSING. */
export function onFinSent(s: EndpointTracker, frame: number, time: number): void {
  const r = s.peer;
  const st = s.ep.state;
  if (st === 'CLOSE-WAIT' && r.finSeen && s.ackedPeerFinFrame === 0 && r.ep.state === 'FIN-WAIT-1') {
    setState(s, 'CLOSING', frame, time);
    setState(r, 'CLOSING', frame, time);
    return;
  }
  if (st === 'CLOSE-WAIT') setState(s, 'LAST-ACK', frame, time);
  else if (st === 'ESTABLISHED' || st === 'SYN-RECEIVED' || st === 'SYN-SENT' || st === 'UNKNOWN') setState(s, 'FIN-WAIT-1', frame, time);
  const rs = r.ep.state;
  if (rs === 'FIN-WAIT-1') setState(r, 'CLOSING', frame, time);
  else if (rs === 'FIN-WAIT-2') setState(r, 'TIME-WAIT', frame, time);
  else if (rs === 'ESTABLISHED' || rs === 'SYN-RECEIVED' || rs === 'SYN-SENT' || rs === 'UNKNOWN') setState(r, 'CLOSE-WAIT', frame, time);
}

/** `s` sent an acceptable RST: both ends are closed. */
export function onRstSent(s: EndpointTracker, frame: number, time: number): void {
  setState(s, 'CLOSED', frame, time);
  setState(s.peer, 'CLOSED', frame, time);
}
