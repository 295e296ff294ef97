// One conversation on a 4-tuple: the public Connection, the two endpoint trackers and the state
// the engine keeps for it (table links, close-out timing, detector bookkeeping).

import type { Connection, Side, TcpEventKind, TcpListener } from './types.ts';
import { MAX_CONFLICTS, MAX_EVENT_FRAMES, NO_CONFLICTS, type DataConflict } from './types.ts';
import { SeqAnalysisConn } from './analysis.ts';
import { ZeekConn } from './conn-state.ts';
import { doubles } from './doubles.ts';
import { EndpointTracker, newEndpoint } from './endpoint-state.ts';
import { FlowKey } from './flow-table.ts';
import type { StreamConflict, StreamSink } from './reassembler.ts';

/** Where every flow's reassembled bytes go: the engine's listener, and its count of bytes held. */
export interface Delivery {
  readonly listener: TcpListener;
  readonly stats: { bufferedBytes: number };
}

/** One end of a flow, and the sink of its direction's reassembled bytes (delivered to the
 *  listener): a sink object of its own per direction was 56 B and an allocation more per
 *  direction that carried data. */
export class FlowEndpoint extends EndpointTracker implements StreamSink {
  flow!: Flow;

  streamData(data: Buffer, start: number, length: number, offset: number, frame: number, time: number): void {
    this.flow.out.listener.onData(this.flow.conn, this.side, data.subarray(start, start + length), offset, frame, time);
  }

  streamGap(offset: number, length: number, frame: number): void {
    this.flow.out.listener.onGap(this.flow.conn, this.side, offset, length, frame);
  }

  bufferedDelta(delta: number): void {
    this.flow.out.stats.bufferedBytes += delta;
  }

  streamConflict(c: StreamConflict): void {
    const flow = this.flow;
    const conn = flow.conn;
    flow.note('inconsistent-retransmission', this.side, c.frame);
    const fact: DataConflict = {
      by: this.side,
      offset: c.offset,
      firstFrame: c.firstFrame,
      frame: c.frame,
      first: c.first.toString('latin1'),
      second: c.second.toString('latin1'),
      firstLine: null,
      secondLine: null,
      secret: false,
      taken: null,
      replyFrame: 0,
    };
    if (conn.conflicts === NO_CONFLICTS) conn.conflicts = [fact];
    else if (conn.conflicts.length < MAX_CONFLICTS) (conn.conflicts as DataConflict[]).push(fact);
    flow.out.listener.onConflict?.(conn, this.side, fact);
  }
}

/** The events of a connection without any (most connections): one frozen empty record for all;
 *  its own at the first event (note). An object each was 56 B and an allocation per flow. */
const NO_EVENTS: Connection['events'] = Object.freeze({});

/** A flow's own doubles (closeAt, lastTime), then where its records' begin. */
const FLOW_SLOTS = 2;
const CLIENT_AT = FLOW_SLOTS + SeqAnalysisConn.SLOTS;
const ZEEK_AT = CLIENT_AT + 2 * EndpointTracker.SLOTS;
const DOUBLES = ZEEK_AT + ZeekConn.SLOTS;

export class Flow extends FlowKey {
  readonly conn: Connection;
  readonly client: FlowEndpoint;
  readonly server: FlowEndpoint;
  readonly fromA: FlowEndpoint; //  sender of packets from side A (the first packet's source)
  readonly fromB: FlowEndpoint;
  readonly ws: SeqAnalysisConn;
  readonly zeek: ZeekConn;
  /** Its numbers that are not small integers, and its records' (doubles.ts): its own first
   *  (FLOW_SLOTS), then the Wireshark connection state, the two trackers, Zeek's endpoints. */
  private readonly d: number[];
  nextClosing: Flow | null = null; // close-out queue link
  rstFrame = 0; //                  first acceptable RST (0: none)
  refused = false; //               the handshake was refused (the first RST answered the SYN)
  strayBy: EndpointTracker | null = null; // sent a stray ACK after FIN; the peer's next segment is watched
  strayFrame = 0; //                that stray ACK's frame
  strayBelow = 0; //                bytes its ack lay below the highest its sender had sent

  constructor(
    id: number,
    first: { frame: number; time: number; ipVersion: 4 | 6 },
    srcAddr: string,
    srcPort: number,
    dstAddr: string,
    dstPort: number,
    dstIsServer: boolean,
    roleGuessed: boolean,
    readonly out: Delivery,
  ) {
    super();
    const d = doubles(DOUBLES);
    this.d = d;
    this.ws = new SeqAnalysisConn(d, FLOW_SLOTS);
    this.closeAt = -1;
    const srcEp = newEndpoint(srcAddr, srcPort);
    const dstEp = newEndpoint(dstAddr, dstPort);
    const clientEp = dstIsServer ? srcEp : dstEp;
    const serverEp = dstIsServer ? dstEp : srcEp;
    this.client = new FlowEndpoint(clientEp, 'client', d, CLIENT_AT);
    this.server = new FlowEndpoint(serverEp, 'server', d, CLIENT_AT + EndpointTracker.SLOTS);
    this.client.peer = this.server;
    this.server.peer = this.client;
    this.client.flow = this;
    this.server.flow = this;
    this.fromA = dstIsServer ? this.client : this.server;
    this.fromB = dstIsServer ? this.server : this.client;
    this.zeek = new ZeekConn(!dstIsServer, d, ZEEK_AT);
    this.lastTime = first.time;
    this.conn = {
      id,
      client: clientEp,
      server: serverEp,
      roleGuessed,
      ipVersion: first.ipVersion,
      firstFrame: first.frame,
      lastFrame: first.frame,
      startTime: first.time,
      endTime: first.time,
      connState: 'OTH',
      history: this.zeek.history,
      closedBy: null,
      closeKind: null,
      closeFrame: null,
      ended: false,
      evicted: false,
      idleEndedAt: null,
      events: NO_EVENTS,
      reset: null,
      nat: null,
      halfClose: null,
      strayAck: null,
      lost: null,
      conflicts: NO_CONFLICTS,
      deliver: true,
      app: null,
      // set later (engine.ts, ip-history.ts), but given their slots here: a property added to an
      // object after it was made goes to an out-of-object array (~40 B per connection)
      holes: undefined,
      longestSilence: undefined,
    };
  }

  /** Capture time of the close-out (both FINs acknowledged, or RST), seconds; -1 open. */
  get closeAt(): number {
    return this.d[0]!;
  }
  set closeAt(v: number) {
    this.d[0] = v;
  }

  /** Capture time of the last packet, seconds. */
  get lastTime(): number {
    return this.d[1]!;
  }
  set lastTime(v: number) {
    this.d[1] = v;
  }

  /** Counts one occurrence of `kind` in a segment sent by `by` (null: not about one side's
   *  segment, e.g. an eviction). Records are made on first use. */
  note(kind: TcpEventKind, by: Side | null, frame: number): void {
    const events = this.events();
    let r = events[kind];
    if (r === undefined) {
      r = { count: 0, frames: [], client: 0, server: 0 };
      events[kind] = r;
    }
    r.count++;
    if (r.frames.length < MAX_EVENT_FRAMES) {
      const fr = r.frames;
      // frames arrive in capture order except for facts settled later: keep the list ascending
      if (fr.length === 0 || fr[fr.length - 1]! < frame) fr.push(frame);
      else if (fr[fr.length - 1]! !== frame) {
        let i = fr.length;
        while (i > 0 && fr[i - 1]! > frame) i--;
        if (fr[i - 1] !== frame) fr.splice(i, 0, frame);
      }
    }
    if (by === 'client') r.client++;
    else if (by === 'server') r.server++;
  }

  /** The connection's events, to add to: its own record from the first on. */
  private events(): Connection['events'] {
    const conn = this.conn;
    if (conn.events === NO_EVENTS) conn.events = {};
    return conn.events;
  }

  /** Counts `n` more occurrences whose frames are not kept (past a list's cap). */
  noteUncited(kind: TcpEventKind, by: Side | null, n: number): void {
    if (n <= 0) return;
    const r = (this.events()[kind] ??= { count: 0, frames: [], client: 0, server: 0 });
    r.count += n;
    if (by === 'client') r.client += n;
    else if (by === 'server') r.server += n;
  }
}
