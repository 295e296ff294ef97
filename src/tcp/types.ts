// The TCP stage's contract with the stages after it. The engine (flow table, per-side state
// machine, reassembly, detectors) lives beside this file; upper layers see only these shapes.

import type { DecodedPacket } from '../decode/packet.ts';

/** RFC 9293 §3.3.2 states of one endpoint, as inferred from the capture point. */
export type TcpState =
  | 'LISTEN' // never seen: only the peer's SYN was
  | 'SYN-SENT'
  | 'SYN-RECEIVED'
  | 'ESTABLISHED'
  | 'FIN-WAIT-1'
  | 'FIN-WAIT-2'
  | 'CLOSE-WAIT'
  | 'CLOSING'
  | 'LAST-ACK'
  | 'TIME-WAIT'
  | 'CLOSED'
  | 'UNKNOWN'; // capture began mid-connection and nothing has told us yet

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
}

/** 'early-half-close': side `by` sent FIN at `finFrame`, then the peer still sent data. */
export interface HalfCloseFact {
  by: Side;
  finFrame: number;
  peerBytesAfter: number; //    payload bytes the peer sent after that FIN
  peerFramesAfter: number[]; // first frames of that data (at most 20)
}

/** 'stray-ack-after-fin': `by` had acknowledged the peer's FIN, then sent `frame` acknowledging
 *  nothing new; `rstFrame` is the peer's RST that answered it, if any. */
export interface StrayAckFact {
  by: Side;
  finAckFrame: number; //       where `by` first acknowledged the peer's FIN
  frame: number; //             the stray segment
  rstFrame: number | null;
}

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
  transitions: Transition[]; // every state change with its frame
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
}

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
  events: Partial<Record<TcpEventKind, TcpEventRecord>>;
  reset: ResetFact | null;
  halfClose: HalfCloseFact | null;
  strayAck: StrayAckFact | null;
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
  /** A SYN, FIN or RST was seen (after any data it carried was delivered). */
  onControl?(conn: Connection, from: Side, flags: number, frame: number, time: number): void;
  /** The connection was closed out; its facts are final. Also called for every open connection
   *  at the end of the capture. */
  onEnd(conn: Connection): void;
}

export interface TcpEngineOptions {
  maxFlows: number; //               live flows before the oldest idle ones are evicted
  maxBufferedBytesPerFlow: number; // out-of-order bytes kept per direction for reassembly
  /** Seconds of capture time a connection stays open after its close-out (both FINs acknowledged,
   *  or an RST), so a trailing ACK or RST/ACK, a stray ACK after FIN and the RST answering it, or
   *  a refused SYN's retries still belong to it; onEnd fires when this has passed. */
  closeGraceSeconds: number;
}

export const defaultTcpEngineOptions: TcpEngineOptions = {
  maxFlows: 200_000,
  maxBufferedBytesPerFlow: 4 * 1024 * 1024,
  closeGraceSeconds: 2,
};

/** Engine counters, updated as packets come. */
export interface TcpEngineStats {
  liveFlows: number; //     flows held in the flow table (open, or closed out and kept for late packets)
  evicted: number; //       open flows closed out early because the table was full
  bufferedBytes: number; // out-of-order bytes held for reassembly, all flows
}
