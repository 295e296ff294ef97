// Per-segment TCP analysis with Wireshark's definitions (epan/dissectors/packet-tcp.c,
// tcp_analyze_sequence_number, as in Wireshark 4.0), so our frame lists can be checked against
// tshark's tcp.analysis.* flags. Written from the documented rules (Wireshark User's Guide,
// "TCP Analysis"), not copied. Everything here works on absolute uint32 sequence numbers.
//
// Like Wireshark, a sequence/ack field equal to 0 means "not known yet" (a genuine 0 happens once
// in 2^32 and then only costs a missed flag); keeping that convention is what makes the flags agree
// with tshark's on SYNs, whose ack field is 0.

import { TcpFlag } from '../decode/packet.ts';
import { doubles } from './doubles.ts';
import { seqGt, seqLe, seqLt } from './seq.ts';

/** Analysis flag bits of one segment. */
export const Flag = {
  RETRANSMISSION: 1 << 0,
  FAST_RETRANSMISSION: 1 << 1,
  SPURIOUS_RETRANSMISSION: 1 << 2,
  OUT_OF_ORDER: 1 << 3,
  LOST_SEGMENT: 1 << 4, //      the segment starts beyond the sender's next expected sequence number
  ACK_LOST_SEGMENT: 1 << 5, //  acknowledges data the capture never saw ("ACKed unseen segment")
  DUPLICATE_ACK: 1 << 6,
  ZERO_WINDOW: 1 << 7,
  ZERO_WINDOW_PROBE: 1 << 8,
  ZERO_WINDOW_PROBE_ACK: 1 << 9,
  WINDOW_UPDATE: 1 << 10,
  WINDOW_FULL: 1 << 11,
  KEEP_ALIVE: 1 << 12,
  KEEP_ALIVE_ACK: 1 << 13,
  REUSED_PORTS: 1 << 14, //     a SYN with a new ISN on a 4-tuple already in use (set by the engine, not here)
} as const;

const SYN = TcpFlag.SYN;
const FIN = TcpFlag.FIN;
const RST = TcpFlag.RST;
const ACK = TcpFlag.ACK;
const SFR = SYN | FIN | RST;

/** Out-of-order vs retransmission: a segment that fills in behind the highest one within this
 *  long is out of order, later it is a retransmission. Wireshark uses the handshake's RTT and
 *  3 ms when the handshake was not seen. */
const DEFAULT_OOO_THRESHOLD = 0.003; // seconds

/** Fast retransmission: resent within this long after the second duplicate ACK. */
const FAST_RETRANSMISSION_WINDOW = 0.02; // seconds

/** One direction's analysis state (what Wireshark keeps per flow direction). Its sequence
 *  numbers and times live in the flow's array of doubles (doubles.ts), at `o`. */
export class SeqAnalysisDir {
  /** Slots it takes in a flow's doubles. */
  static readonly SLOTS = 6;
  baseSet = false; //      base below is known
  window = -1; //          raw window field of the last segment; -1 = none yet
  windowFromSyn = false; // that window came from a SYN (never scaled)
  winScale = -1; //        shift: -1 unknown (no SYN seen), -2 scaling not in use, 0..14
  dupAckNum = 0; //        duplicate ACKs in a row; -1 after an ACKed-unseen report against this direction
  lastSegFlags = 0; //     Flag bits of this direction's last segment

  constructor(
    private readonly d: number[] = doubles(SeqAnalysisDir.SLOTS),
    private readonly o = 0,
  ) {}

  /** Wireshark's base_seq: ISN (SYN seen) or first seq − 1 (uint32). */
  get base(): number {
    return this.d[this.o + 0]!;
  }
  set base(v: number) {
    this.d[this.o + 0] = v;
  }
  /** Highest seq + len (+1 for SYN/FIN) seen; 0 = unknown (uint32). */
  get nextSeq(): number {
    return this.d[this.o + 1]!;
  }
  set nextSeq(v: number) {
    this.d[this.o + 1] = v;
  }
  /** Capture time when nextSeq last advanced, seconds. */
  get nextSeqTime(): number {
    return this.d[this.o + 2]!;
  }
  set nextSeqTime(v: number) {
    this.d[this.o + 2] = v;
  }
  /** Ack field of this direction's last segment; 0 = unknown (uint32). */
  get lastAck(): number {
    return this.d[this.o + 3]!;
  }
  set lastAck(v: number) {
    this.d[this.o + 3] = v;
  }
  /** Capture time of that segment, seconds. */
  get lastAckTime(): number {
    return this.d[this.o + 4]!;
  }
  set lastAckTime(v: number) {
    this.d[this.o + 4] = v;
  }
  /** Highest in-sequence end seen; acks beyond it acknowledge unseen data (uint32). */
  get maxSeqToBeAcked(): number {
    return this.d[this.o + 5]!;
  }
  set maxSeqToBeAcked(v: number) {
    this.d[this.o + 5] = v;
  }


  /** Forgets the sequence state after the endpoint re-synchronised (a SYN-ACK with a new ISN). */
  resync(base: number): void {
    this.base = base;
    this.baseSet = true;
    this.nextSeq = 0;
    this.maxSeqToBeAcked = 0;
    this.dupAckNum = 0;
    this.lastSegFlags = 0;
  }
}

/** Connection-wide analysis state, in the flow's doubles at `o`. */
export class SeqAnalysisConn {
  static readonly SLOTS = 2;

  constructor(
    private readonly d: number[] = doubles(SeqAnalysisConn.SLOTS),
    private readonly o = 0,
  ) {}

  /** Capture time of the most recent SYN without ACK, seconds; 0 = none. */
  get mruSynTime(): number {
    return this.d[this.o + 0]!;
  }
  set mruSynTime(v: number) {
    this.d[this.o + 0] = v;
  }
  /** Handshake round-trip time (SYN to the first ACK without SYN), seconds; 0 = unknown. */
  get firstRtt(): number {
    return this.d[this.o + 1]!;
  }
  set firstRtt(v: number) {
    this.d[this.o + 1] = v;
  }
}

/** Window in bytes a direction last advertised, scaled as Wireshark does for window-full. */
export function advertisedWindow(d: SeqAnalysisDir): number {
  if (d.windowFromSyn || d.winScale < 0) return d.window;
  return d.window * (1 << d.winScale);
}

/**
 * Analyses one segment sent in direction `fwd` (`rev` is the other direction) and updates both
 * directions' state. Returns the Flag bits of the segment. `seglen` is the payload length per the
 * IP header (not what the snaplen kept), `window` the raw window field.
 */
export function analyzeSegment(
  fwd: SeqAnalysisDir,
  rev: SeqAnalysisDir,
  conn: SeqAnalysisConn,
  seq: number,
  ack: number,
  seglen: number,
  flags: number,
  window: number,
  time: number,
): number {
  let f = 0;

  // base sequence numbers (relative numbering; also the port-reuse test looks at them)
  if (!fwd.baseSet) {
    fwd.base = flags & SYN ? seq : (seq - 1) >>> 0;
    fwd.baseSet = true;
  }
  if (!rev.baseSet && flags & ACK) {
    rev.base = (ack - 1) >>> 0;
    rev.baseSet = true;
  }

  const nextSeq = fwd.nextSeq;
  const sameAsLast = seglen === 0 && seq === nextSeq && ack === fwd.lastAck && (flags & SFR) === 0;

  // Zero-window probe: exactly one byte at the next expected seq while the peer's window is 0.
  // Wireshark then skips the other forward checks.
  if (seglen === 1 && seq === nextSeq && rev.window === 0) {
    f |= Flag.ZERO_WINDOW_PROBE;
  } else {
    // Zero window: the sender advertises no room (SYN/FIN/RST excepted).
    if (window === 0 && (flags & SFR) === 0) f |= Flag.ZERO_WINDOW;

    // Lost segment: starts beyond what this direction has sent so far (RSTs excepted).
    if (nextSeq !== 0 && seqGt(seq, nextSeq) && (flags & RST) === 0) f |= Flag.LOST_SEGMENT;

    // Keep-alive: 0 or 1 byte starting one before the next expected seq, no SYN/FIN/RST.
    if (seglen <= 1 && seq === ((nextSeq - 1) >>> 0) && (flags & SFR) === 0) f |= Flag.KEEP_ALIVE;

    // Window update: an empty segment repeating seq and ack with a new, non-zero window.
    if (sameAsLast && window !== 0 && window !== fwd.window) f |= Flag.WINDOW_UPDATE;

    // Window full: the data reaches exactly the right edge of the window the peer offered
    // (only when the peer's window scaling is known).
    if (
      seglen > 0 &&
      rev.winScale !== -1 &&
      rev.window >= 0 &&
      ((seq + seglen) >>> 0) === ((rev.lastAck + advertisedWindow(rev)) >>> 0) &&
      (flags & SFR) === 0
    ) {
      f |= Flag.WINDOW_FULL;
    }

    if (sameAsLast && window !== 0 && window === fwd.window && rev.lastSegFlags & Flag.KEEP_ALIVE) {
      // Keep-alive ACK: repeats the last ACK in answer to a keep-alive.
      f |= Flag.KEEP_ALIVE_ACK;
    } else if (sameAsLast && window === 0 && fwd.window === 0 && rev.lastSegFlags & Flag.ZERO_WINDOW_PROBE) {
      // Zero-window-probe ACK: repeats the last ACK and the zero window after a probe.
      f |= Flag.ZERO_WINDOW_PROBE_ACK;
    } else if (sameAsLast && window !== 0 && window === fwd.window) {
      // Duplicate ACK: an empty segment repeating seq, ack and window (a count parked at -1 by
      // the ACKed-unseen check restarts at 1).
      fwd.dupAckNum = fwd.dupAckNum < 0 ? 1 : fwd.dupAckNum + 1;
      f |= Flag.DUPLICATE_ACK;
    }
  }

  if (ack !== fwd.lastAck) fwd.dupAckNum = 0;

  // ACKed unseen segment: acknowledges beyond the highest in-sequence data seen the other way.
  // One missing stretch is reported once: the first such ACK moves the mark up to the highest
  // data seen; an ACK beyond even that is reported once more, then not again until the other
  // direction's ACK number moves (its dupAckNum, set to -1 here, is reset then). Worked out
  // against tshark 4.0 on crafted traces.
  if (rev.maxSeqToBeAcked !== 0 && seqGt(ack, rev.maxSeqToBeAcked) && flags & ACK) {
    if (seqLt(rev.maxSeqToBeAcked, rev.nextSeq)) {
      rev.maxSeqToBeAcked = rev.nextSeq;
      f |= Flag.ACK_LOST_SEGMENT;
    } else {
      if (rev.dupAckNum === 0) f |= Flag.ACK_LOST_SEGMENT;
      rev.dupAckNum = -1;
    }
  }

  // Retransmission family: a segment carrying data (or SYN/FIN) that does not advance the
  // sequence is a spurious retransmission (the peer had already acknowledged it), a fast
  // retransmission (answers ≥ 2 duplicate ACKs within 20 ms), out of order (arrives within about
  // one RTT of the highest segment) or else a plain retransmission. Keep-alives are none of these.
  if ((seglen > 0 || flags & (SYN | FIN)) && (f & Flag.KEEP_ALIVE) === 0) {
    let notAdvanced = nextSeq !== 0 && seqLt(seq, nextSeq);
    // more than one byte starting one before nextSeq adds new data (the byte before was a probe)
    if (seglen > 1 && ((nextSeq - 1) >>> 0) === seq) notAdvanced = false;
    const oooThreshold = conn.firstRtt > 0 ? conn.firstRtt : DEFAULT_OOO_THRESHOLD;
    // Wireshark holds these time differences unsigned: in a capture whose clock went backwards
    // (files spliced or written twice) a negative one is huge, never "within the window"
    const sinceDupAck = time - rev.lastAckTime;
    const sinceHighest = time - fwd.nextSeqTime;
    const consumed = seglen + (flags & (SYN | FIN) ? 1 : 0);
    if (seglen > 0 && rev.lastAck !== 0 && seqLe((seq + seglen) >>> 0, rev.lastAck)) {
      f |= Flag.SPURIOUS_RETRANSMISSION;
    } else if (
      notAdvanced &&
      rev.dupAckNum >= 2 &&
      rev.lastAck === seq &&
      sinceDupAck >= 0 &&
      sinceDupAck < FAST_RETRANSMISSION_WINDOW
    ) {
      f |= Flag.FAST_RETRANSMISSION;
    } else if (notAdvanced && sinceHighest >= 0 && sinceHighest < oooThreshold && nextSeq !== ((seq + consumed) >>> 0)) {
      f |= Flag.OUT_OF_ORDER;
    } else if (notAdvanced) {
      f |= Flag.RETRANSMISSION;
    }
  }

  // state updates
  let end = (seq + seglen) >>> 0;
  if (flags & (SYN | FIN)) end = (end + 1) >>> 0;
  if ((seqGt(end, fwd.nextSeq) || fwd.nextSeq === 0) && (f & Flag.ZERO_WINDOW_PROBE) === 0) {
    fwd.nextSeq = end;
    fwd.nextSeqTime = time;
  }
  if ((seq === fwd.maxSeqToBeAcked || fwd.maxSeqToBeAcked === 0) && (f & Flag.ZERO_WINDOW_PROBE) === 0) {
    fwd.maxSeqToBeAcked = fwd.nextSeq;
  }
  fwd.window = window;
  fwd.windowFromSyn = (flags & SYN) !== 0;
  fwd.lastAck = ack;
  fwd.lastAckTime = time;
  fwd.lastSegFlags = f;
  return f;
}

/** Window-scale bookkeeping for a SYN or SYN-ACK (`shift` = its option, -1 when absent): scaling
 *  is in use only when both SYNs carried the option. */
export function noteSynWindowScale(fwd: SeqAnalysisDir, rev: SeqAnalysisDir, isSynAck: boolean, shift: number): void {
  if (shift >= 0) fwd.winScale = shift > 14 ? 14 : shift;
  if (fwd.winScale === -1) {
    // this SYN has no option (or the SYN-ACK has none): no scaling either way
    fwd.winScale = -2;
    rev.winScale = -2;
  } else if (isSynAck && rev.winScale === -2) {
    fwd.winScale = -2;
  }
}

/** Handshake RTT bookkeeping, after the segment was analysed (as Wireshark does). */
export function noteHandshakeTiming(conn: SeqAnalysisConn, flags: number, time: number): void {
  if ((flags & (SYN | ACK)) === SYN) conn.mruSynTime = time;
  else if ((flags & (SYN | ACK)) === ACK && conn.mruSynTime !== 0 && conn.firstRtt === 0) {
    // a zero difference (equal timestamps) stays "unknown" and the next ACK tries again, as in Wireshark
    const rtt = time - conn.mruSynTime;
    if (rtt > 0) conn.firstRtt = rtt;
  }
}
