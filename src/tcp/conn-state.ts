// Zeek's summary of a connection: its per-endpoint states (TCP_INACTIVE … TCP_RESET), the
// `history` letters and the conn_state code (base/protocols/conn/main.zeek), reproduced from
// Zeek's documented behaviour so our conn_state matches what an analyst knows from conn.log.
//
// History letters (upper case: originator = our client, lower case: responder):
//   S SYN  H SYN-ACK  A pure ACK  D data  F FIN  R RST  I FIN+RST  Q other multi-flag
//   T retransmission  W zero window  G content gap  ^ roles flipped (first packet from the server)
// S/H, F and R are repeated when a later one carries a different sequence number; T and W are
// logged at the 1st, 10th, 100th … occurrence; the others once per direction.

import type { ConnState } from './types.ts';
import { TcpFlag } from '../decode/packet.ts';
import { doubles } from './doubles.ts';
import { seqDiff } from './seq.ts';

export const ZeekState = {
  INACTIVE: 0,
  SYN_SENT: 1,
  SYN_ACK_SENT: 2,
  PARTIAL: 3,
  ESTABLISHED: 4,
  CLOSED: 5,
  RESET: 6,
} as const;
type ZState = (typeof ZeekState)[keyof typeof ZeekState];

const { INACTIVE, SYN_SENT, SYN_ACK_SENT, PARTIAL, ESTABLISHED, CLOSED, RESET } = ZeekState;
const SYN = TcpFlag.SYN;
const FIN = TcpFlag.FIN;
const RST = TcpFlag.RST;
const ACK = TcpFlag.ACK;

/** Sequence jumps beyond this on a SYN or RST are not trusted (Zeek's TOO_LARGE_SEQ_DELTA). */
const TOO_LARGE_SEQ_DELTA = 1_048_576; // bytes

// history bits, per direction (the responder's are these << 16)
const H_SYN = 1 << 0;
const H_FIN = 1 << 1;
const H_RST = 1 << 2;
const H_FIN_RST = 1 << 3;
const H_DATA = 1 << 4;
const H_ACK = 1 << 5;
const H_MULTI = 1 << 6;
const H_GAP = 1 << 7;

/** One endpoint's Zeek state; its sequence numbers live in the flow's doubles at `o`. */
export class ZeekEndpoint {
  static readonly SLOTS = 5;
  /** Set when state changes; the connection's summary is recomputed then (not per packet). */
  changed = false;
  state: ZState = INACTIVE;
  prev: ZState = INACTIVE; //  state before the last change
  rxmit = 0; //               retransmissions (segments with data not beyond lastSeq)
  rxmitNext = 1; //           count at which 'T' is logged next (1, 10, 100, …)
  zeroWindows = 0; //         zero-window advertisements
  zeroWindowNext = 1; //      count at which 'W' is logged next

  constructor(
    private readonly d: number[] = doubles(ZeekEndpoint.SLOTS),
    private readonly o = 0,
  ) {
    this.histLastSyn = -1;
    this.histLastFin = -1;
    this.histLastRst = -1;
  }

  /** uint32: ISN, or first seq − 1 without a SYN. */
  get startSeq(): number {
    return this.d[this.o + 0]!;
  }
  set startSeq(v: number) {
    this.d[this.o + 0] = v;
  }
  /** uint32: highest seq + segment length seen. */
  get lastSeq(): number {
    return this.d[this.o + 1]!;
  }
  set lastSeq(v: number) {
    this.d[this.o + 1] = v;
  }
  /** Seq of the last SYN logged in the history (uint32, -1 none). */
  get histLastSyn(): number {
    return this.d[this.o + 2]!;
  }
  set histLastSyn(v: number) {
    this.d[this.o + 2] = v;
  }
  /** End of the last FIN logged (-1 none). */
  get histLastFin(): number {
    return this.d[this.o + 3]!;
  }
  set histLastFin(v: number) {
    this.d[this.o + 3] = v;
  }
  /** Seq of the last RST logged (-1 none). */
  get histLastRst(): number {
    return this.d[this.o + 4]!;
  }
  set histLastRst(v: number) {
    this.d[this.o + 4] = v;
  }


  set(s: ZState): void {
    if (s !== this.state) {
      this.prev = this.state;
      this.state = s;
      this.changed = true;
    }
  }
}

export class ZeekConn {
  history = '';
  /** History or an endpoint state changed since the last takeChanged(). */
  private dirty = true;
  private seen = 0; //        history bits logged (originator low 16, responder high 16)
  readonly orig: ZeekEndpoint;
  readonly resp: ZeekEndpoint;
  /** Slots it takes in a flow's doubles. */
  static readonly SLOTS = 2 * ZeekEndpoint.SLOTS;

  /** `flipped`: the first packet came from the responder (Zeek logs '^'). `d`, `o`: the
   *  doubles its endpoints keep their sequence numbers in. */
  constructor(flipped: boolean, d: number[] = doubles(ZeekConn.SLOTS), o = 0) {
    if (flipped) this.history = '^';
    this.orig = new ZeekEndpoint(d, o);
    this.resp = new ZeekEndpoint(d, o + ZeekEndpoint.SLOTS);
  }

  /** Logs `code` the first time `mask` is seen for that direction; true when already seen. */
  private check(isOrig: boolean, mask: number, code: string): boolean {
    const m = isOrig ? mask : mask << 16;
    if ((this.seen & m) === 0) {
      this.seen |= m;
      this.history += isOrig ? code : code.toLowerCase();
      this.dirty = true;
      return false;
    }
    return true;
  }

  private add(isOrig: boolean, code: string): void {
    this.history += isOrig ? code : code.toLowerCase();
    this.dirty = true;
  }

  /** True once after anything the summary depends on changed. */
  takeChanged(): boolean {
    const changed = this.dirty || this.orig.changed || this.resp.changed;
    this.dirty = false;
    this.orig.changed = false;
    this.resp.changed = false;
    return changed;
  }

  /** A content gap in `isOrig`'s stream: an acknowledgment passed bytes never seen. */
  gap(isOrig: boolean): void {
    this.check(isOrig, H_GAP, 'G');
  }

  /**
   * One segment. `len` is the payload length per the IP header, `window` the raw field. Order as
   * in Zeek: endpoint init, history, zero window, peer init from the ACK, retransmission, states.
   */
  segment(isOrig: boolean, flags: number, seq: number, ack: number, len: number, window: number): void {
    const ep = isOrig ? this.orig : this.resp;
    const peer = isOrig ? this.resp : this.orig;
    let segLen = len;
    if (flags & SYN) segLen++;
    if (flags & FIN) segLen++;
    if (flags & RST) segLen -= len;
    const onePast = (seq + segLen) >>> 0;

    // endpoint sequence bases
    switch (ep.state) {
      case INACTIVE:
        if (flags & SYN) {
          ep.startSeq = seq;
          ep.lastSeq = onePast;
        } else {
          ep.startSeq = (seq - 1) >>> 0;
          ep.lastSeq = seq; // so the first packet is not a retransmission
        }
        break;
      case SYN_SENT:
      case SYN_ACK_SENT:
        if (flags & SYN && seq !== ep.startSeq) {
          ep.startSeq = seq;
          ep.lastSeq = onePast;
        }
        break;
      case ESTABLISHED:
      case PARTIAL:
        if (flags & SYN) {
          ep.startSeq = seq;
          ep.lastSeq = onePast;
        }
        break;
      case RESET:
        if (flags & SYN && ep.prev === INACTIVE) {
          ep.startSeq = seq;
          ep.lastSeq = onePast;
        }
        break;
    }

    // history
    const bits = (flags & SYN ? 1 : 0) + (flags & FIN ? 1 : 0) + (flags & RST ? 1 : 0);
    if (bits > 1) {
      if (flags & FIN && flags & RST) this.check(isOrig, H_FIN_RST, 'I');
      else this.check(isOrig, H_MULTI, 'Q');
    } else if (bits === 1) {
      if (flags & SYN) {
        if (this.check(isOrig, H_SYN, flags & ACK ? 'H' : 'S') && seq !== ep.histLastSyn) this.add(isOrig, flags & ACK ? 'H' : 'S');
        ep.histLastSyn = seq;
      } else if (flags & FIN) {
        const finEnd = (seq + len) >>> 0;
        if (this.check(isOrig, H_FIN, 'F') && finEnd !== ep.histLastFin) this.add(isOrig, 'F');
        ep.histLastFin = finEnd;
      } else {
        if (this.check(isOrig, H_RST, 'R') && seq !== ep.histLastRst) this.add(isOrig, 'R');
        ep.histLastRst = seq;
      }
    } else if (len > 0) {
      this.check(isOrig, H_DATA, 'D');
    } else if (flags & ACK) {
      this.check(isOrig, H_ACK, 'A');
    }

    // zero window: interesting unless it comes with or after a RST, or after the peer's FIN
    if (window === 0 && (flags & RST) === 0 && peer.state !== CLOSED && ep.state !== RESET) {
      if (++ep.zeroWindows === ep.zeroWindowNext) {
        this.add(isOrig, 'W');
        ep.zeroWindowNext *= 10;
      }
    }

    // an ACK from an endpoint whose peer was never seen sets the peer's sequence base
    if (flags & ACK && peer.state === INACTIVE) {
      peer.startSeq = (ack - 1) >>> 0;
      peer.lastSeq = (ack - 1) >>> 0;
    }

    // retransmission: data that does not advance the endpoint's highest sequence number
    const deltaLast = seqDiff(onePast, ep.lastSeq);
    if (flags & (SYN | RST) && (deltaLast > TOO_LARGE_SEQ_DELTA || deltaLast < -TOO_LARGE_SEQ_DELTA)) {
      // an outlandish SYN/RST sequence number is not trusted
    } else if (flags & FIN && ep.lastSeq === ((ep.startSeq + 1) >>> 0)) {
      ep.lastSeq = onePast;
    } else if (ep.state === RESET) {
      // nothing after a RST is trusted
    } else if (deltaLast > 0) {
      ep.lastSeq = onePast;
    } else if (len > 0) this.retransmitted(isOrig, ep);

    this.updateStates(isOrig, ep, peer, flags, len, seq);
  }

  /** Both endpoints are ESTABLISHED or PARTIAL: what established() asks. */
  bothEstablished(): boolean {
    const o = this.orig.state;
    const r = this.resp.state;
    return (o === ESTABLISHED || o === PARTIAL) && (r === ESTABLISHED || r === PARTIAL);
  }

  /** segment() for a segment with ACK and without SYN, FIN or RST, advertising a window > 0,
   *  while bothEstablished(): only the history and the retransmission count can move. */
  established(isOrig: boolean, seq: number, len: number): void {
    const ep = isOrig ? this.orig : this.resp;
    if (len > 0) this.check(isOrig, H_DATA, 'D');
    else this.check(isOrig, H_ACK, 'A');
    const onePast = (seq + len) >>> 0;
    if (seqDiff(onePast, ep.lastSeq) > 0) ep.lastSeq = onePast;
    else if (len > 0) this.retransmitted(isOrig, ep);
  }

  /** Counts a retransmission of `ep`; 'T' at the 1st, 10th, 100th … */
  private retransmitted(isOrig: boolean, ep: ZeekEndpoint): void {
    if (++ep.rxmit === ep.rxmitNext) {
      this.add(isOrig, 'T');
      ep.rxmitNext *= 10;
    }
  }

  private updateStates(isOrig: boolean, ep: ZeekEndpoint, peer: ZeekEndpoint, flags: number, len: number, seq: number): void {
    switch (ep.state) {
      case INACTIVE:
        if (flags & SYN) {
          if (isOrig) {
            ep.set(flags & ACK ? SYN_ACK_SENT : SYN_SENT);
          } else {
            // the responder's SYN(-ACK): the originator's SYN is answered
            if (!(flags & ACK) && peer.state === SYN_ACK_SENT && seq === ep.startSeq) peer.set(ESTABLISHED);
            if (peer.state === SYN_SENT) peer.set(ESTABLISHED);
            ep.set(ESTABLISHED);
          }
        }
        if (flags & FIN) ep.set(CLOSED);
        if (flags & RST) ep.set(RESET);
        if (ep.state === INACTIVE) {
          if (!isOrig && len === 0 && this.orig.state === SYN_SENT) {
            // some stacks ACK a SYN before answering it: not a partial connection
          } else if (flags & ACK && peer.state === ESTABLISHED) {
            ep.set(ESTABLISHED); // the SYN was missed, the SYN-ACK was not
          } else {
            ep.set(PARTIAL);
          }
        }
        break;
      case SYN_SENT:
      case SYN_ACK_SENT:
        if (flags & FIN) ep.set(CLOSED);
        if (flags & RST) ep.set(RESET);
        break;
      case ESTABLISHED:
      case PARTIAL:
        if (flags & SYN && ep.state === PARTIAL && peer.state === INACTIVE && !(flags & ACK)) ep.set(SYN_SENT);
        if (flags & FIN && !(flags & RST)) {
          ep.set(CLOSED);
          // a FIN then a RST from the peer was a normal close after all
          if (peer.state === RESET && peer.prev === CLOSED) peer.set(CLOSED);
        }
        if (flags & RST) ep.set(RESET);
        break;
      case CLOSED:
        if (flags & RST && peer.state !== CLOSED) ep.set(RESET);
        break;
      case RESET:
        break;
    }
  }

  /** Zeek's conn_state for the current endpoint states; sizes are the payload bytes each sent. */
  connState(origSize: number, respSize: number): ConnState {
    const os = this.orig.state;
    const rs = this.resp.state;
    const oInactive = os === INACTIVE || os === PARTIAL;
    const rInactive = rs === INACTIVE || rs === PARTIAL;
    if (rs === RESET) {
      if (os === SYN_SENT || os === SYN_ACK_SENT || (os === RESET && origSize === 0 && respSize === 0)) return 'REJ';
      return oInactive ? 'RSTRH' : 'RSTR';
    }
    if (os === RESET) {
      if (rInactive) return /^\^?S[^HAFGIQ]*R/.test(this.history) ? 'RSTOS0' : 'OTH';
      return 'RSTO';
    }
    if (rs === CLOSED && os === CLOSED) return 'SF';
    if (os === CLOSED) return rInactive ? 'SH' : 'S2';
    if (rs === CLOSED) return oInactive ? 'SHR' : 'S3';
    if (os === SYN_SENT && rs === INACTIVE) return 'S0';
    if (os === ESTABLISHED && rs === ESTABLISHED) return 'S1';
    return 'OTH';
  }
}
