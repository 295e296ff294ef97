// Reordering or loss: what filled a hole in a byte stream.
//
// Heuristic: reordered on the way, not lost
//   Wireshark calls a segment that fills a hole within about one round trip of the highest one
//   "out of order" (tcp.analysis.out_of_order); a fast retransmission answering the receiver's
//   report of the hole looks the same to that test. But a sender learns of a hole only from the
//   receiver's ACK stuck at its start (a duplicate ACK; with SACK a single one), and its
//   retransmission then passes the capture point no sooner than the capture point's turnaround to
//   the sender after that report (the ACK travels on to the sender, the retransmission comes back).
//   The turnaround is measured on the handshake: SYN to SYN-ACK for the server, SYN-ACK to ACK for
//   the client. A fill seen before any report, or sooner after it than an eighth of that
//   turnaround, was on its way before the sender could know: the network reordered it, nothing
//   was lost. An eighth, not a half: next to the sender the turnaround is only the stack's time to
//   answer a SYN, and a SACK-driven retransmission can come faster than that (a third of it, in
//   the namespace recordings of captures/). Without a handshake (turnaround unknown) a reported
//   hole counts as loss, as Wireshark's flags say.
//
//   nDPI's ftp.pcap, captured next to the client (turnaround to the server 28.8 ms): the segment
//   after a hole at 6.711196, the client's duplicate ACK at 6.711227, the missing segment at
//   6.711477 - 0.25 ms after the report (1/115 of the turnaround): reordering. netem loss in a
//   namespace, captured next to the server (turnaround 28-55 us): SACK at 0.116171,
//   retransmission at 0.116191 - 20 us (1/2.7 of it): loss.
//
// O(1) per segment; only the latest hole of each stream is followed (a fill of an older one
// counts as loss, Wireshark's reading).

import type { EndpointTracker } from './endpoint-state.ts';

/** A fill sooner after the hole's report than turnaround / REPORT_TO_FILL was not its answer. */
const REPORT_TO_FILL = 8;

/** A segment of `s` beyond everything seen so far left bytes [start, …) missing (at `time`). */
export function holeOpened(s: EndpointTracker, start: number, time: number): void {
  s.holeStart = start;
  s.holeOpened = time;
  s.holeReported = -1;
}

/** `s`'s peer acknowledged up to `ackRel` of `s`'s stream at `time`: stuck at the hole's start
 *  after the hole opened, it reports the hole to `s`. */
export function noteHoleReport(s: EndpointTracker, ackRel: number, time: number): void {
  if (ackRel === s.holeStart && s.holeReported < 0 && time >= s.holeOpened) s.holeReported = time;
}

/** Handshake timing: `s` sent a SYN (`synAck` false) or SYN-ACK at `time`. */
export function noteSyn(s: EndpointTracker, synAck: boolean, time: number): void {
  if (synAck && s.peer.synTime > 0 && s.turnaround === 0 && time > s.peer.synTime) s.turnaround = time - s.peer.synTime;
  s.synTime = time;
}

/** Handshake timing: `s` sent a segment with ACK and without SYN at `time` (its handshake ACK
 *  gives the client's turnaround). */
export function noteHandshakeAck(s: EndpointTracker, time: number): void {
  const synAck = s.peer.synTime;
  if (s.turnaround === 0 && s.synTime > 0 && synAck > s.synTime && time > synAck) s.turnaround = time - synAck;
}

/** Whether a segment of `s` flagged out of order that starts at `start` and arrives at `time`
 *  filled a hole the network only reordered. */
export function reorderedFill(s: EndpointTracker, start: number, time: number): boolean {
  if (start !== s.holeStart) return false;
  if (s.holeReported < 0) return true;
  return s.turnaround > 0 && time - s.holeReported < s.turnaround / REPORT_TO_FILL;
}
