// The TCP stage's contract with the stages after it. The engine (flow table, per-side state
// machine, reassembly, detectors) lives beside this file; upper layers see only these shapes.

import type { DecodedPacket } from '../decode/packet.ts';
import type { TransitionLog } from './transition-log.ts';

/** RFC 9293 §3.3.2 states of one endpoint, as inferred from the capture point. */
export const TcpStates = [
  'LISTEN', // never seen: only the peer's SYN was
  'SYN-SENT',
  'SYN-RECEIVED',
  'ESTABLISHED',
  'FIN-WAIT-1',
  'FIN-WAIT-2',
  'CLOSE-WAIT',
  'CLOSING',
  'LAST-ACK',
  'TIME-WAIT',
  'CLOSED',
  'UNKNOWN', // capture began mid-connection and nothing has told us yet
] as const;
export type TcpState = (typeof TcpStates)[number];

/** Zeek's conn_state summary of how a connection went (base/protocols/conn/main.zeek). */
export type ConnState =
  | 'S0' | 'S1' | 'SF' | 'REJ' | 'S2' | 'S3' | 'RSTO' | 'RSTR' | 'RSTOS0' | 'RSTRH' | 'SH' | 'SHR' | 'OTH';

export type Side = 'client' | 'server';

/** Stable ids of what the TCP engine detects. Their descriptions live in rules/, once. */
export const TcpEventKinds = [
  'handshake-unanswered', // SYN never answered
  'handshake-refused', //   SYN answered by RST
  'tcp-reset', //           connection ended by RST
  'early-half-close', //    one side sent FIN, the other went on sending data afterwards
  'stray-ack-after-fin', // an endpoint that had acknowledged its peer's FIN sent another segment acknowledging nothing new
  'data-after-fin', //      data sent by a side after its own FIN
  'data-after-reset', //    data sent after the connection was reset
  'retransmission',
  'fast-retransmission',
  'spurious-retransmission',
  'out-of-order',
  'lost-segment', //        data missing from the capture (a gap in the sequence space)
  'ack-unseen', //          an ACK for data the capture never saw
  'duplicate-ack',
  'zero-window',
  'window-full',
  'keep-alive',
  'reassembly-overflow', // out-of-order bytes beyond the per-flow cap were dropped from reassembly
  'inconsistent-retransmission', // a retransmitted or overlapping segment disagrees with the first copy of its bytes
  'flow-evicted', //        the flow table was full: this idle flow was closed out early
] as const;
export type TcpEventKind = (typeof TcpEventKinds)[number];

/** Per-connection aggregate of one kind of event: a lossy trace gives one record, not 10,000. */
export interface TcpEventRecord {
  count: number; //          occurrences
  frames: number[]; //       proving frames, ascending, at most MAX_EVENT_FRAMES
  client: number; //         occurrences in segments sent by the client
  server: number; //         … by the server
}
export const MAX_EVENT_FRAMES = 200;

/** How the connection ended by RST: filled for 'tcp-reset'. */
export interface ResetFact {
  by: Side; //                  who sent the (first) RST
  frame: number;
  time: number;
  senderState: TcpState; //     the resetter's state just before the RST
  peerState: TcpState; //       the other side's state then
  unackedBySender: number; //   bytes the resetter had sent that the peer had not acknowledged
  unackedByPeer: number; //     bytes the peer had sent that the resetter had not acknowledged (in flight or unread)
  afterStrayAck: boolean; //    the RST answered a stray ACK after FIN
  senderFinFrame: number; //    the resetter's own FIN before the RST (0: none): it had closed gracefully first
  peerFinFrame: number; //      the peer's FIN before the RST (0: none)
  /** The peer had finished before the RST: its FIN came and the resetter acknowledged every byte
   *  and the FIN (nothing the peer sent was lost to the RST). */
  peerFinished: boolean;
}

/** 'early-half-close': side `by` sent FIN at `finFrame`, then the peer still sent data. */
export interface HalfCloseFact {
  by: Side;
  finFrame: number;
  peerBytesAfter: number; //    payload bytes the peer sent after that FIN
  peerFramesAfter: number[]; // first frames of that data (at most 20)
}

/** 'stray-ack-after-fin': `by` had acknowledged the peer's FIN, then sent `frame` acknowledging
 *  nothing new; `rstFrame` is the peer's RST that answered it, if any. The first stray ACK that
 *  drew an RST, else the first one. */
export interface StrayAckFact {
  by: Side;
  finAckFrame: number; //       where `by` first acknowledged the peer's FIN
  frame: number; //             the stray segment
  rstFrame: number | null;
  ackBelow: number; //          bytes its ack lay below the highest ack it had sent (0: an exact repeat)
}

/** How long one side kept its receive window closed (zero-window advertisements sent before its
 *  own FIN; a window closed after a side's own FIN belongs to its close, not to a stall). A
 *  period runs from the first segment advertising 0 to the first one advertising more, or to
 *  the end of the connection (its FIN or RST, the peer's RST, the end of the capture). */
export interface WindowStall {
  count: number; //             segments advertising a zero window
  periods: number; //           times the window closed
  total: number; //             seconds closed, all periods
  longest: number; //           seconds, the longest period
  longestFrom: number; //       frame that began it
  longestTo: number; //         frame that ended it
  closedAtEnd: boolean; //      the connection ended while the window was closed
  closedSince: number; //       time the current period began (seconds); -1 while open
  closedFrame: number; //       frame that began the current period
}

/** 'inconsistent-retransmission': a later copy of bytes of one direction (a retransmission, an
 *  overlapping segment) that disagrees with the copy seen first, which is the one analysed. */
export interface DataConflict {
  by: Side; //                    the side whose stream it is
  offset: number; //              stream offset where the two copies overlap (relative, first data byte 0)
  firstFrame: number; //          frame of the copy seen first (delivered to the FTP stage)
  frame: number; //               frame of the later copy
  first: string; //               the first copy's bytes there, Latin-1, at most 256
  second: string; //              the later copy's
  // --- added by the FTP stage (a control connection's command lines) ---
  firstLine: string | null; //    the command line as the first copy has it
  secondLine: string | null; //   … as the later copy would have it (null when it cannot be rebuilt)
  secret: boolean; //             the bytes belong to a command that carries a credential (PASS, ACCT, …)
  taken: 'first' | 'second' | null; // the copy the server acted on, when its replies tell
  replyFrame: number; //          the reply that tells (or the command's final reply), 0 when none
}

/** Conflicts kept per connection (all are counted in events['inconsistent-retransmission']). */
export const MAX_CONFLICTS = 20;
/** The conflicts of a connection without any: one frozen list for all (a list each is ~32 bytes
 *  per connection for something rare). */
export const NO_CONFLICTS: readonly DataConflict[] = Object.freeze([]);

export interface Transition {
  state: TcpState;
  frame: number;
  time: number;
}

/** One side of a connection, as seen from the capture point. Byte counts are relative to the
 *  side's ISN (first data byte = 0), so they survive 32-bit sequence wrap. */
export interface Endpoint {
  addr: string;
  port: number;
  state: TcpState;
  transitions: TransitionLog; // every state change with its frame (a list of Transition in JSON)
  isn: number | null; //       initial sequence number (absolute uint32); null if the SYN was not seen
  synFrame: number | null;
  finFrame: number | null; //  first FIN sent by this side
  rstFrame: number | null; //  first RST sent by this side
  bytesSent: number; //        highest payload byte offset sent (relative), i.e. the stream length so far
  bytesAcked: number; //       how much of this side's stream the peer acknowledged
  bytesCaptured: number; //    unique payload bytes actually present in the capture (bytesSent minus gaps)
  segments: number; //         segments this side sent
  windowScale: number; //      shift from its SYN, -1 if unknown or not agreed
  mss: number; //              from its SYN, -1 if absent
  lastTtl: number; //          IP TTL/hop limit of its last segment
  /** Its zero-window periods, from its first zero window on (engine.ts; absent before). */
  stall?: WindowStall;
  retransmissionsAfterFin: number; // retransmissions it sent after its own FIN (a close's, not a transfer's)
  gapBytesFilled: number; //   bytes that filled a hole in its stream as seen here (the network lost them, a resend came)
  gapBytesReordered: number; // bytes that filled a hole arriving out of order (reordered on the way, not lost)
  gapsReordered: number; //    holes in its stream an out-of-order segment closed completely: no loss behind those lost-segment flags
  missingUnacked: number; //   bytes of its stream never captured nor acknowledged by the peer (final at the end)
  /** IP/TCP header history of what it sent, to tell its own RSTs from forged ones
   *  (ip-history.ts fills it, reset-origin.ts judges). Set by the engine while the connection is in
   *  its table; dropped when it is forgotten without any RST (forgetIpHistory). */
  ipHistory?: IpHistory;
}

/** Distinct TTLs kept per endpoint: a host's TTL is stable per path, so more means the
 *  capture mixes paths (or capture points) and the TTL proves nothing. */
export const MAX_TTL_VALUES = 4;
/** RSTs kept per endpoint with their header fields. */
export const MAX_RST_SAMPLES = 8;

/** One RST an endpoint sent (or that claims to come from it), with what surrounded it. */
export interface RstSample {
  frame: number;
  time: number; //           seconds since epoch
  ttl: number; //            IP TTL / hop limit
  ipId: number; //           IPv4 identification, -1 for IPv6
  df: boolean; //            IPv4 don't-fragment bit
  window: number; //         raw window field
  flags: number; //          TcpFlag bits
  prevIpId: number; //       IP ID of this side's last non-zero-ID, non-RST segment before it, -1 none
  prevTime: number; //       its time (seconds), 0 when none
  nextIpId: number; //       … of its first such segment after it, -1 none
  nextTime: number;
  peerFrame: number; //      the peer's last segment before it (the one it may answer), 0 none
  peerIpId: number; //       that segment's IP ID, -1 none / IPv6
  peerWindow: number; //     that segment's raw window, -1 none
  senderClosed: boolean; //  its claimed sender had sent a FIN or an RST before (its socket may be gone)
  /** A recent segment of the peer (up to RECENT_SECONDS before, not only the last one) whose
   *  non-zero IP ID the RST carries and which it could answer (its seq is that segment's ack, or
   *  its ack that segment's end): the packet a forger turned around. 0: none. */
  copiedFrame: number;
  copiedTime: number; //     that segment's time (seconds), 0 none
  ackBefore: number; //      ack field (uint32) of the claimed sender's last non-SYN ACK before it, -1 none
  laterFrame: number; //     the claimed sender's first later segment with ACK and without SYN or RST, 0 none
  laterTime: number; //      its time (seconds)
  laterTtl: number; //       its TTL
  laterAck: number; //       its ack field (uint32)
}

/** Running summary of an endpoint's IP headers (RSTs excluded), updated in O(1) per segment. */
export interface IpHistory {
  // its distinct TTL / hop-limit values, first seen first, at most MAX_TTL_VALUES: the first in a
  // field (nearly every endpoint has one), the others in a list (two lists of their own per
  // endpoint were ~0.1 KB and two allocations)
  ttl: number; //            the first, -1 none yet
  moreTtls: number[]; //     the others
  ttlSegments: number; //    segments with one of them
  ttlOther: number; //       segments whose TTL was none of them (a fifth distinct value or more)
  idCount: number; //        IPv4 segments with a non-zero IP ID
  idZero: number; //         IPv4 segments with IP ID 0 (Linux SYN-ACKs, old Linux with DF)
  idLast: number; //         last non-zero IP ID, -1 none
  idFirstTime: number; //    time of the first non-zero IP ID (seconds)
  idLastTime: number; //     time of the last one
  idPlusOne: number; //      consecutive non-zero IDs that rose by exactly 1 (a per-connection counter)
  idSmallRise: number; //    … rose by 2..IPID_MAX_STEP (a host-wide counter shared with other traffic)
  idOtherStep: number; //    … fell or jumped (random IDs, or several senders behind one address)
  idSame: number; //         … repeated the previous ID (a stack that never changes it)
  idPlusOneGap: number; //   longest silence (seconds) across which its ID still rose by exactly 1
  idMaxRise: number; //      largest rise among the small rises
  idRiseTotal: number; //    sum of the rises counted above (over idLastTime - idFirstTime: the counter's rate)
  windowMin: number; //      raw window of its non-SYN, non-RST segments, -1 none
  windowMax: number;
  lastFrame: number; //      its last segment of any kind (RSTs included), 0 none
  lastIpId: number; //       that segment's IP ID, -1 none / IPv6
  lastWindow: number; //     that segment's raw window, -1 none
  resets: RstSample[]; //    its RSTs, at most MAX_RST_SAMPLES
  resetsDropped: number; //  RSTs beyond that
  awaitingNext: boolean; //  a sample in `resets` still waits for nextIpId
  awaitingLater: boolean; // a sample in `resets` still waits for laterFrame
  lastAck: number; //        ack field (uint32) of its last non-SYN, non-RST segment with ACK, -1 none
  /** A ring of its recent IPv4 segments with a non-zero ID (RSTs aside), newest last, for the
   *  peer's RSTs to be compared with: what an RST in its name may have copied. Grows from 4 to
   *  RECENT_MAX entries while the endpoint sends faster than 4 segments in RECENT_SECONDS (most
   *  connections are short or slow). Its entries live in the engine's typed slabs (ip-history.ts
   *  RecentRings); here only where (its fields, not an object of their own: one per endpoint, made
   *  again at each growth). Per entry: time (s), frame * 65536 + IP ID, ack (uint32), sequence
   *  end (uint32: seq + length + SYN/FIN). */
  recentSize: number; //     entries (4, 8, 16, 32 or RECENT_MAX); 0 none: until its first such
  //                         segment, and again once the connection ended
  recentSlot: number; //     its place in the slab of rings of that size
  recentNext: number; //     entry to write next
  recentFilled: number; //   entries in use
}

/** Entries kept per endpoint: a window of segments in flight one round trip before an RST. */
export const RECENT_MAX = 64;
/** How far back (seconds) an RST may answer a segment: a capture point one RTT or more away from
 *  the forger sees the RST that long after the segment it answers. */
export const RECENT_SECONDS = 3;

/** An FTP-aware device (ALG) changed the length of a segment between the two halves of a
 *  connection paired across a NAT (nat-halves.ts). */
export interface AlgRewrite {
  side: Side; //    whose bytes were rewritten (the sender of the segment)
  frame: number; // the segment that carried the rewritten line
  delta: number; // bytes the rewrite added (negative: removed)
}

/** A connection whose two directions the capture holds under different addresses (both sides
 *  of a NAT), paired by sequence numbers (nat-halves.ts). */
export interface NatPairing {
  translated: Side; //  which endpoint the NAT changed: 'client' (source NAT), 'server' (destination NAT)
  addr: string; //      that endpoint as the other half shows it
  port: number;
  frame: number; //     first frame of the other half (the SYN-ACK)
  alg: AlgRewrite[]; // lines an ALG rewrote in between, at most 20
}

/** A segment sent again and again with growing waits, never acknowledged (rto-chain.ts): the
 *  connection was lost. */
export interface RtoStory {
  by: Side; //                  the side that kept sending it
  frame: number; //             its first transmission if it was the sender's latest new segment, else 0
  frames: number[]; //          its retransmissions (at most 20)
  retransmissions: number; //   all of them
  intervals: number[]; //       seconds between successive sendings (first transmission included when seen)
  length: number; //            payload bytes of the segment (never 0: a FIN alone is a close)
  firstTime: number; //         time of the first sending in `intervals` (seconds since 1970)
  lastTime: number; //          time of the last retransmission
  peerSegments: number; //      segments the peer sent after the first retransmission (none: it fell silent)
}

/** The longest silence of a connection: no segment either way between two frames. */
export interface Silence {
  seconds: number;
  fromFrame: number; //      last segment before it
  toFrame: number; //        first segment after it
  fromTime: number; //       seconds since epoch
  toTime: number;
}

/** A hole in one side's byte stream where a segment started beyond everything that side had
 *  sent before (the lost-segment event): the bytes between were never captured here. */
export interface SeqHole {
  frame: number; //   the segment after the hole (the one lost-segment cites)
  by: Side; //        whose stream
  offset: number; //  relative stream offset where the hole starts (first data byte 0)
  bytes: number; //   its size: how far the segment started beyond the highest byte seen before
}

/** Holes kept per connection (all are counted in events['lost-segment']). */
export const MAX_HOLES = 20;

export interface Connection {
  id: number; //               0-based, in order of first frame: equals Wireshark's tcp.stream for the same trace
  client: Endpoint;
  server: Endpoint;
  roleGuessed: boolean; //     no SYN seen: roles come from a port heuristic
  ipVersion: 4 | 6;
  firstFrame: number;
  lastFrame: number;
  startTime: number; //        seconds since epoch
  endTime: number;
  connState: ConnState; //     as of now; final after the engine reports the close
  history: string; //          Zeek-style history letters (ShADadFfRr…)
  closedBy: Side | null; //    who closed first
  closeKind: 'fin' | 'rst' | null;
  closeFrame: number | null;
  ended: boolean; //           closed out: both FINs acknowledged, RST, eviction, or end of capture
  evicted: boolean;
  /** Capture time at which the engine stopped waiting for a connection silent for longer than
   *  idleTimeoutSeconds (ended without a close); null otherwise. */
  idleEndedAt: number | null;
  events: Partial<Record<TcpEventKind, TcpEventRecord>>;
  reset: ResetFact | null;
  /** Both sides of a NAT: the other half's address for the translated endpoint; null otherwise. */
  nat: NatPairing | null;
  halfClose: HalfCloseFact | null;
  strayAck: StrayAckFact | null;
  /** A segment retransmitted with backoff and never acknowledged, final at the end (rto-chain.ts). */
  lost: RtoStory | null;
  conflicts: readonly DataConflict[]; // the first MAX_CONFLICTS inconsistent retransmissions (NO_CONFLICTS, shared, while none)
  /** The first MAX_HOLES holes of its byte streams (engine.ts, with the lost-segment event);
   *  absent while there is none. */
  holes?: SeqHole[];
  /** Longest gap between two consecutive segments (ip-history.ts); absent before the second one. */
  longestSilence?: Silence;
  /** Upper layers set this to false when they only need counts (FTP data connections): the
   *  engine then stops buffering and delivering payload but keeps counting and checking. */
  deliver: boolean;
  /** Slot for the upper layer's per-connection state (the engine never reads it). */
  app: unknown;
}

/** What the engine tells the layer above, in capture order. Buffers passed to onData are valid
 *  only during the call. */
export interface TcpListener {
  /** First packet of a new conversation (a SYN, or mid-stream traffic). */
  onConnection(conn: Connection, pkt: DecodedPacket): void;
  /** In-order payload bytes of one direction. `offset` is the relative stream offset of data[0]. */
  onData(conn: Connection, from: Side, data: Buffer, offset: number, frame: number, time: number): void;
  /** `length` bytes of one direction are missing from the capture; delivery resumes after them. */
  onGap(conn: Connection, from: Side, offset: number, length: number, frame: number): void;
  /** A later copy of delivered (not yet acknowledged) or held bytes disagreed with the first
   *  (the record is also in conn.conflicts when it was kept). */
  onConflict?(conn: Connection, from: Side, c: DataConflict): void;
  /** A SYN, FIN or RST was seen (after any data it carried was delivered). */
  onControl?(conn: Connection, from: Side, flags: number, frame: number, time: number): void;
  /** The connection was closed out; its facts are final. Also called for every open connection
   *  at the end of the capture. */
  onEnd(conn: Connection): void;
  /** An ended connection left the flow table: no later packet can change it any more (one on
   *  its 4-tuple starts a new conversation), so whatever was built from it can be let go. */
  onForget?(conn: Connection): void;
  /** The connection's other half, under other addresses across a NAT, was found (conn.nat is set
   *  now): its endpoints as that half shows them may be the ones an application announced. */
  onNatPaired?(conn: Connection): void;
  /** A live connection has been silent for idleTimeoutSeconds: true keeps it open (an FTP control
   *  connection stays quiet while its transfer runs), false lets the engine end it. */
  keepIdle?(conn: Connection): boolean;
}

export interface TcpEngineOptions {
  maxFlows: number; //               live flows before the oldest idle ones are evicted
  maxBufferedBytesPerFlow: number; // out-of-order bytes kept per direction for reassembly
  /** Out-of-order bytes kept across all flows; past it the direction holding the most gives up its
   *  earliest hole (a gap and a 'reassembly-overflow' event), as the per-flow cap does. */
  maxBufferedBytesTotal: number;
  /** Seconds of capture time a connection stays open after its close-out (both FINs sent,
   *  or an RST), so a trailing ACK or RST/ACK, a stray ACK after FIN and the RST answering it, or
   *  a refused SYN's retries still belong to it; onEnd fires when this has passed. */
  closeGraceSeconds: number;
  /** Closed-out connections waiting out their grace; beyond this the one closed out longest ago
   *  ends at once (onEnd), as if its grace had passed. Its late packets still count in it, as an
   *  ended flow's do. A busy trace closing 1,400 connections a second held ~2,800 flows in a 2 s
   *  grace, more than it had open: this bounds them by a count, as maxEndedFlows bounds the
   *  ended ones, and leaves the grace whole at lower rates. */
  maxClosingFlows: number;
  /** Ended (closed-out) flows kept in the table so that late packets on their 4-tuple still count
   *  in them; beyond this the longest-ended one is forgotten (a packet for it later starts a new
   *  conversation). Bounds the table by the connections open at a time, not by the file length. */
  maxEndedFlows: number;
  /** … and for at most this many seconds of capture time after their last packet, so that what
   *  is known about a closed connection can be let go soon after it closed (see onForget). */
  endedFlowSeconds: number;
  /** Keep every connection for the end of the capture (`connections`); false: a connection is
   *  let go when its flow is forgotten (after onForget), so memory follows the connections open
   *  at a time. */
  keepConnections: boolean;
  /** A live connection silent for this many seconds of capture time is ended (onEnd) unless the
   *  listener keeps it (keepIdle); Zeek's tcp_inactivity_timeout is 5 min. 0: never. */
  idleTimeoutSeconds: number;
  /** Segments of the common in-order case take the engine's short path (engine.ts inOrder), which
   *  does what the general path does for them with fewer steps. false only in the test that holds
   *  the two paths to the same states. */
  inOrderPath: boolean;
}

export const defaultTcpEngineOptions: TcpEngineOptions = {
  maxFlows: 200_000,
  maxBufferedBytesPerFlow: 4 * 1024 * 1024,
  maxBufferedBytesTotal: 256 * 1024 * 1024,
  closeGraceSeconds: 2,
  maxClosingFlows: 1024,
  // ~11 KB of state per ended flow (with its session): ~6 MB. With the close grace before it,
  // an ended flow still takes late packets for 2 s + 512 closes later
  maxEndedFlows: 512,
  endedFlowSeconds: 5, // Zeek's tcp_close_delay
  keepConnections: true,
  idleTimeoutSeconds: 600,
  inOrderPath: true,
};

/** Engine counters, updated as packets come. */
export interface TcpEngineStats {
  liveFlows: number; //     flows held in the flow table (open, or closed out and kept for late packets)
  evicted: number; //       open flows closed out early because the table was full
  bufferedBytes: number; // out-of-order bytes held for reassembly, all flows
}
