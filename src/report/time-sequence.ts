// The time-sequence graph of a data connection as data (Stevens' and tcptrace's "tsg"):
// x = time, y = relative sequence number of the data sender; each data segment a short vertical
// bar from its first to its last byte, the receiver's cumulative ACK as a step line above which
// nothing is acknowledged, its advertised window's right edge when the scale is known, segments
// re-sent below the highest byte already sent in another colour, SYN/FIN/RST as markers.
// Built from the replay pass in bounded memory: past MAX_POINTS the points are merged into
// time buckets (min/max per bucket), which is what a screen of ~800 px shows anyway.

import { TcpFlag } from '../decode/packet.ts';
import { endpointText } from '../format/endpoint.ts';
import type { TransferView } from '../view/unit.ts';
import type { Transfer } from '../ftp/types.ts';
import type { Connection, Side } from '../tcp/types.ts';
import type { ReplayConsumer, ReplayPacket, ReplaySelection } from './packet-replay.ts';

export interface SeqBar {
  t: number; //        seconds since the capture's first frame (bucket middle when merged)
  lo: number; //       first relative sequence number (byte) covered
  hi: number; //       one past the last byte
  retrans: boolean; // re-sent below the highest byte already seen (or arrived out of order)
}

export interface SeqPoint {
  t: number;
  v: number; //        relative sequence number
}

export interface SeqEvent {
  t: number;
  frame: number;
  kind: 'SYN' | 'FIN' | 'RST';
  by: 'sender' | 'receiver';
}

export interface TimeSeqModel {
  conn: number;
  transfer: number | null;
  title: string; //    raw
  senderLabel: string; //  raw 'addr:port'
  receiverLabel: string;
  start: number; //    seconds since the capture's first frame
  end: number;
  bars: SeqBar[];
  acks: SeqPoint[]; // receiver's cumulative ACK as it moved
  window: SeqPoint[]; // ack + advertised window (scaled); empty when the scale is unknown
  events: SeqEvent[];
  segments: number; // data segments of the sender
  retransmissions: number;
  bytes: number; //   highest relative byte reached (stream length)
  merged: boolean; // points were bucketed
}

const MAX_POINTS = 3000;
const BUCKETS = 800;
const MAX_EVENTS = 40;

/** Window scale shift of `side`'s advertisements: known when both SYNs were seen (RFC 7323:
 *  the option applies only if both sent it; else no scaling). -1 when unknown. */
function scaleOf(c: Connection, side: Side): number {
  if (c.client.synFrame === null || c.server.synFrame === null) return -1;
  return c[side].windowScale >= 0 ? c[side].windowScale : 0;
}

export class TimeSeqBuilder implements ReplayConsumer {
  readonly selections: ReplaySelection[];
  private readonly sender: Side; //             TCP side that sends the data
  private readonly scale: number; //             receiver's window shift (bits), -1 unknown
  private captureStart: number | null = null; // seconds since epoch of the capture's frame 1
  private bars: SeqBar[] = [];
  private acks: SeqPoint[] = [];
  private window: SeqPoint[] = [];
  private readonly events: SeqEvent[] = []; //   at most MAX_EVENTS
  private highest = -Infinity; //                one past the highest byte the sender sent so far (relative seq)
  private lastAck = -Infinity; //                receiver's highest cumulative ACK so far (relative seq)
  private lastEdge = -Infinity; //               last window right edge drawn (relative seq)
  private segments = 0; //                       data segments of the sender
  private retransmissions = 0; //                of those, below `highest`
  private merged = false; //                     points are bucketed (past MAX_POINTS)
  private readonly t0: number; //   connection start, seconds since epoch
  private readonly span: number; // connection duration, seconds (> 0)

  /** The data connection `c` of transfer `transfer`: its sender is the FTP stage's record
   *  (Transfer.dataSides: the endpoint whose bytes are counted). */
  constructor(
    private readonly c: Connection,
    private readonly transfer: TransferView,
  ) {
    this.selections = [{ connection: c, fromFrame: c.firstFrame, toFrame: c.lastFrame }];
    this.sender = transfer.t.dataSides?.counted ?? 'server';
    this.scale = scaleOf(c, this.sender === 'client' ? 'server' : 'client');
    this.t0 = c.startTime;
    this.span = Math.max(c.endTime - c.startTime, 1e-6);
  }

  start(t: number): void {
    this.captureStart = t;
  }

  private rel(t: number): number {
    return t - (this.captureStart ?? this.t0);
  }

  push(p: ReplayPacket): void {
    const t = this.rel(p.time);
    const fromSender = p.from === this.sender;
    const kind = p.flags & TcpFlag.RST ? 'RST' : p.flags & TcpFlag.FIN ? 'FIN' : p.flags & TcpFlag.SYN ? 'SYN' : null;
    if (kind && this.events.length < MAX_EVENTS) this.events.push({ t, frame: p.frame, kind, by: fromSender ? 'sender' : 'receiver' });
    if (fromSender) {
      if (p.len > 0) {
        // Heuristic "re-sent" (tcptrace's): a segment starting below the highest byte already
        // sent is a retransmission, or arrived out of order at the capture point; the two look
        // alike from one capture point, so the graph names both.
        this.segments++;
        const lo = p.seqOffset;
        const hi = p.seqOffset + p.len;
        const retrans = lo < this.highest;
        if (retrans) this.retransmissions++;
        this.highest = Math.max(this.highest, hi);
        this.addBar({ t, lo, hi, retrans }, p.time);
      }
    } else if (p.flags & TcpFlag.ACK) {
      if (p.ackOffset > this.lastAck) {
        this.lastAck = p.ackOffset;
        this.addPoint(this.acks, { t, v: p.ackOffset }, p.time);
      }
      if (this.scale >= 0 && !(p.flags & TcpFlag.RST)) {
        const edge = p.ackOffset + p.window * 2 ** (p.flags & TcpFlag.SYN ? 0 : this.scale);
        if (edge !== this.lastEdge) {
          this.lastEdge = edge;
          this.addPoint(this.window, { t, v: edge }, p.time);
        }
      }
    }
    if (this.bars.length > MAX_POINTS || this.acks.length > MAX_POINTS || this.window.length > MAX_POINTS) this.mergeAll();
  }

  private bucketOf(epoch: number): number {
    return Math.min(BUCKETS - 1, Math.max(0, Math.floor(((epoch - this.t0) / this.span) * BUCKETS)));
  }

  private bucketTime(b: number): number {
    return this.rel(this.t0 + ((b + 0.5) / BUCKETS) * this.span);
  }

  private addBar(bar: SeqBar, epoch: number): void {
    if (!this.merged) {
      this.bars.push(bar);
      return;
    }
    const t = this.bucketTime(this.bucketOf(epoch));
    // merge into a bar of the same bucket and colour (the last two bars: one of each colour)
    for (let i = this.bars.length - 1; i >= 0 && i >= this.bars.length - 2; i--) {
      const b = this.bars[i]!;
      if (b.t === t && b.retrans === bar.retrans) {
        b.lo = Math.min(b.lo, bar.lo);
        b.hi = Math.max(b.hi, bar.hi);
        return;
      }
    }
    this.bars.push({ ...bar, t });
  }

  private addPoint(list: SeqPoint[], pt: SeqPoint, epoch: number): void {
    if (!this.merged) {
      list.push(pt);
      return;
    }
    const t = this.bucketTime(this.bucketOf(epoch));
    const last = list[list.length - 1];
    if (last && last.t === t) last.v = pt.v; // the latest value of the bucket
    else list.push({ t, v: pt.v });
  }

  /** Switches to buckets: re-files every point kept so far. */
  private mergeAll(): void {
    if (this.merged) return;
    this.merged = true;
    const toEpoch = (t: number) => t + (this.captureStart ?? this.t0);
    const bars = this.bars;
    const acks = this.acks;
    const win = this.window;
    this.bars = [];
    this.acks = [];
    this.window = [];
    for (const b of bars) this.addBar(b, toEpoch(b.t));
    for (const a of acks) this.addPoint(this.acks, a, toEpoch(a.t));
    for (const w of win) this.addPoint(this.window, w, toEpoch(w.t));
  }

  finish(): TimeSeqModel {
    const c = this.c;
    const s = c[this.sender];
    const rcv = c[this.sender === 'client' ? 'server' : 'client'];
    const t = this.transfer;
    return {
      conn: c.id,
      transfer: t.t.id,
      title: `Connection ${c.id}: data of ${t.label}`,
      senderLabel: endpointText(s.addr, s.port),
      receiverLabel: endpointText(rcv.addr, rcv.port),
      start: this.rel(c.startTime),
      end: this.rel(c.endTime),
      bars: this.bars,
      acks: this.acks,
      window: this.window,
      events: this.events,
      segments: this.segments,
      retransmissions: this.retransmissions,
      bytes: Math.max(0, this.highest === -Infinity ? 0 : this.highest - 1),
      merged: this.merged,
    };
  }
}
