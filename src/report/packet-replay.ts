// A second, narrow pass over a capture for the drawings (ladders, time-sequence graphs): the
// pipeline keeps connections, sessions, transfers and findings but no packets, so the few
// connections a drawing needs are read again, each filtered by its 4-tuple and frame range.
// Each consumer gets small per-packet records with Wireshark-style relative numbers; what it
// keeps of them (and so the memory used) is its own business.

import { CaptureError, type Frame } from '../capture/frame.ts';
import { readCaptures } from '../capture/merge.ts';
import { PacketDecoder, type DecoderOptions } from '../decode/decoder.ts';
import type { DecodedPacket } from '../decode/packet.ts';
import { RelativeSeq } from '../tcp/seq.ts';
import type { Connection, Endpoint, Side } from '../tcp/types.ts';

/** One TCP segment of a selected connection, sequence numbers relative to each side's ISN. */
export interface ReplayPacket {
  frame: number; //    Wireshark frame number
  time: number; //     capture time, seconds since epoch
  conn: number; //     Connection.id
  from: Side; //       the TCP side of that connection that sent it
  flags: number; //    TcpFlag bits
  seq: number; //      relative sequence number (SYN = 0, first data byte = 1) as tshark prints it: mod 2^32
  ack: number; //      relative acknowledgment number in the peer's space, mod 2^32; valid when ACK is set
  seqOffset: number; // seq unwrapped past 2^32 (for pictures of transfers over 4 GiB, and stream offsets)
  ackOffset: number; // ack unwrapped past 2^32
  len: number; //      TCP payload bytes per the IP header (a snaplen may have cut the capture)
  window: number; //   window field as on the wire (not scaled)
  payload: Buffer; //  the payload bytes the capture holds (fewer than len when a snaplen cut
  //                   the frame): a view, valid only during push
}

/** What the replay needs of a connection (a Connection has it; a consumer that outlives the
 *  analysis keeps only this). */
export interface ReplayConnection extends Pick<Connection, 'id' | 'firstFrame' | 'lastFrame'>, Partial<Pick<Connection, 'nat'>> {
  client: Pick<Endpoint, 'addr' | 'port' | 'isn'>;
  server: Pick<Endpoint, 'addr' | 'port' | 'isn'>;
}

/** Frames [fromFrame, toFrame] of one connection. */
export interface ReplaySelection {
  connection: ReplayConnection;
  fromFrame: number;
  toFrame: number;
}

export interface ReplayConsumer {
  selections: readonly ReplaySelection[];
  push(p: ReplayPacket): void;
  /** Called once, at the capture's first frame, with its time (before any push). */
  start?(captureStart: number): void;
}

/** What the pass learnt besides the packets. */
export interface ReplaySummary {
  error: CaptureError | null; // the capture could not be read past some point: packets before it were replayed
}

interface Route {
  consumer: ReplayConsumer;
  sel: ReplaySelection;
}

interface Track {
  conn: ReplayConnection;
  client: RelativeSeq; // the client's sequence space
  server: RelativeSeq;
  routes: Route[];
}

class StopReading extends Error {}

const tupleKey = (aAddr: string, aPort: number, bAddr: string, bPort: number) => `${aAddr}|${aPort}|${bAddr}|${bPort}`;

/** Reads `path` once and hands every selected connection's segments to its consumers, in capture
 *  order. Stops reading after the last selected frame. A capture fault ends the pass (the first
 *  pass has reported it already) and is returned in the summary. */
export async function replayConnections(path: string | readonly string[], consumers: readonly ReplayConsumer[], decode?: DecoderOptions): Promise<ReplaySummary> {
  const summary: ReplaySummary = { error: null };
  const replay = new ConnectionReplay(consumers, decode);
  if (replay.empty) return summary;
  try {
    await readCaptures(path, (f) => {
      if (f.number > replay.lastFrame) throw new StopReading();
      replay.frame(f);
    });
  } catch (e) {
    if (e instanceof CaptureError) summary.error = e;
    else if (!(e instanceof StopReading)) throw e;
  }
  return summary;
}

/** The routing of replayConnections, a frame at a time, for a pass that reads the capture for
 *  other purposes too (analyze --annotate with --extract). */
export class ConnectionReplay {
  // tracks by connection id; lookup by 4-tuple first (ports compared before building strings)
  private readonly tracks = new Map<number, Track>();
  private readonly byTuple = new Map<string, Track[]>();
  private readonly ports = new Set<number>();
  private readonly minFrame: number = Infinity;
  /** The last frame any consumer selected: later frames are of no interest. */
  readonly lastFrame: number = 0;
  private readonly decoder: PacketDecoder;
  private started = false; // consumers told the capture's start (at frame 1)

  constructor(
    private readonly consumers: readonly ReplayConsumer[],
    decode?: DecoderOptions,
  ) {
    this.decoder = new PacketDecoder(decode);
    const { tracks, byTuple, ports } = this;
    let minFrame = Infinity;
    let maxFrame = 0;
    for (const consumer of consumers) {
      for (const sel of consumer.selections) {
        const c = sel.connection;
        let t = tracks.get(c.id);
        if (!t) {
          t = { conn: c, client: new RelativeSeq(c.client.isn), server: new RelativeSeq(c.server.isn), routes: [] };
          tracks.set(c.id, t);
          const key = tupleKey(c.client.addr, c.client.port, c.server.addr, c.server.port);
          byTuple.set(key, [...(byTuple.get(key) ?? []), t]);
          ports.add(c.client.port);
          ports.add(c.server.port);
          // both sides of a NAT: the other half's packets carry the translated endpoint
          if (c.nat) {
            const [ca, cp] = c.nat.translated === 'client' ? [c.nat.addr, c.nat.port] : [c.client.addr, c.client.port];
            const [sa, sp] = c.nat.translated === 'server' ? [c.nat.addr, c.nat.port] : [c.server.addr, c.server.port];
            const alias = tupleKey(ca, cp, sa, sp);
            byTuple.set(alias, [...(byTuple.get(alias) ?? []), t]);
            ports.add(cp);
            ports.add(sp);
          }
        }
        t.routes.push({ consumer, sel });
        minFrame = Math.min(minFrame, sel.fromFrame);
        maxFrame = Math.max(maxFrame, sel.toFrame);
      }
    }
    this.minFrame = minFrame;
    this.lastFrame = maxFrame;
  }

  /** Nothing selected: no need to read. */
  get empty(): boolean {
    return this.tracks.size === 0;
  }

  /** One frame of the capture, in order (a FrameSink). */
  frame(f: Frame): void {
    if (!this.started) {
      this.started = true;
      for (const c of this.consumers) c.start?.(f.time);
    }
    // fragments of a segment may come before its frame range: decode a little early
    if (f.number < this.minFrame - 64 || f.number > this.lastFrame) return;
    if (this.decoder.decode(f) !== 'tcp') return;
    const p = this.decoder.packet;
    if (!this.ports.has(p.srcPort) || !this.ports.has(p.dstPort)) return;
    const src = p.srcAddr();
    const dst = p.dstAddr();
    let from: Side = 'client';
    let candidates = this.byTuple.get(tupleKey(src, p.srcPort, dst, p.dstPort));
    if (!candidates) {
      candidates = this.byTuple.get(tupleKey(dst, p.dstPort, src, p.srcPort));
      from = 'server';
    }
    if (!candidates) return;
    for (const t of candidates) {
      // the same 4-tuple reused later in the capture is another connection: frame ranges tell
      if (p.frame < t.conn.firstFrame || p.frame > t.conn.lastFrame) continue;
      const rec = record(p, t, from);
      for (const r of t.routes) if (p.frame >= r.sel.fromFrame && p.frame <= r.sel.toFrame) r.consumer.push(rec);
      break;
    }
  }
}

function record(p: DecodedPacket, t: Track, from: Side): ReplayPacket {
  const mine = from === 'client' ? t.client : t.server;
  const peer = from === 'client' ? t.server : t.client;
  // a SYN seen first defines its side's base (when the main pass did not know the ISN)
  if (mine.base === null && p.flags & 0x02) mine.setBase(p.seq);
  const hasAck = (p.flags & 0x10) !== 0;
  return {
    frame: p.frame,
    time: p.time,
    conn: t.conn.id,
    from,
    flags: p.flags,
    seq: mine.relative(p.seq),
    ack: hasAck ? peer.relative(p.ack) : 0,
    seqOffset: mine.offset(p.seq),
    ackOffset: hasAck ? peer.offset(p.ack) : 0,
    len: p.segmentLength,
    window: p.window,
    payload: p.payload(),
  };
}

/** Which selected connection holds frame `n`: reads up to that frame and matches its 4-tuple.
 *  null when the frame is not a TCP segment of any of `connections`. */
export async function connectionOfFrame(path: string | readonly string[], n: number, connections: readonly Connection[]): Promise<Connection | null> {
  let found: Connection | null = null;
  const selections = connections.filter((c) => n >= c.firstFrame && n <= c.lastFrame).map((c) => ({ connection: c, fromFrame: n, toFrame: n }));
  await replayConnections(path, [{ selections, push: (p) => void (found ??= connections.find((c) => c.id === p.conn) ?? null) }]);
  return found;
}
