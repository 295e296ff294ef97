// A second, narrow pass over a capture for the drawings (ladders, time-sequence graphs): the
// pipeline keeps connections, sessions, transfers and findings but no packets, so the few
// connections a drawing needs are read again, each filtered by its 4-tuple and frame range.
// Each consumer gets small per-packet records with Wireshark-style relative numbers; what it
// keeps of them (and so the memory used) is its own business.

import { CaptureError, type Frame } from '../capture/frame.ts';
import { readCaptures } from '../capture/merge.ts';
import { PacketDecoder } from '../decode/decoder.ts';
import type { DecodedPacket } from '../decode/packet.ts';
import type { Connection, Side } from '../tcp/types.ts';

/** One TCP segment of a selected connection, sequence numbers relative to each side's ISN. */
export interface ReplayPacket {
  frame: number; //    Wireshark frame number
  time: number; //     capture time, seconds since epoch
  conn: number; //     Connection.id
  from: Side; //       the TCP side of that connection that sent it
  flags: number; //    TcpFlag bits
  seq: number; //      relative sequence number (SYN = 0, first data byte = 1), unwrapped past 2^32
  ack: number; //      relative acknowledgment number in the peer's space; valid when ACK is set
  len: number; //      TCP payload bytes per the IP header (a snaplen may have cut the capture)
  window: number; //   window field as on the wire (not scaled)
}

/** Frames [fromFrame, toFrame] of one connection. */
export interface ReplaySelection {
  connection: Connection;
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

/** Per-side base for relative numbers. Heuristic "relative sequence numbers": Wireshark's
 *  definition: the side's ISN when its SYN was seen (the SYN is 0, the first data byte 1);
 *  otherwise the first sequence number seen minus one, so the first byte seen is 1. An ACK seen
 *  before the peer sent anything fixes the peer's base at ack − 1 the same way. Unwrapping: each
 *  new value is placed nearest to the previous one (32-bit signed difference), so a transfer
 *  over 4 GiB keeps counting up. */
class RelativeSpace {
  base: number | null = null; //   absolute uint32 base
  lastAbs = 0; //                  last absolute value converted
  lastRel = 0; //                  its relative value (bytes, may exceed 2^32)

  constructor(isn: number | null) {
    if (isn !== null) this.setBase(isn);
  }

  setBase(abs: number): void {
    this.base = abs >>> 0;
    this.lastAbs = this.base;
    this.lastRel = 0;
  }

  rel(abs: number): number {
    if (this.base === null) this.setBase((abs - 1) >>> 0);
    const d = ((abs >>> 0) - this.lastAbs) | 0; // signed 32-bit distance from the previous value
    this.lastAbs = abs >>> 0;
    this.lastRel += d;
    return this.lastRel;
  }
}

interface Route {
  consumer: ReplayConsumer;
  sel: ReplaySelection;
}

interface Track {
  conn: Connection;
  client: RelativeSpace; // the client's sequence space
  server: RelativeSpace;
  routes: Route[];
}

class StopReading extends Error {}

const tupleKey = (aAddr: string, aPort: number, bAddr: string, bPort: number) => `${aAddr}|${aPort}|${bAddr}|${bPort}`;

/** Reads `path` once and hands every selected connection's segments to its consumers, in capture
 *  order. Stops reading after the last selected frame. A capture fault ends the pass (the first
 *  pass has reported it already) and is returned in the summary. */
export async function replayConnections(path: string | readonly string[], consumers: readonly ReplayConsumer[]): Promise<ReplaySummary> {
  const summary: ReplaySummary = { error: null };
  // tracks by connection id; lookup by 4-tuple first (ports compared before building strings)
  const tracks = new Map<number, Track>();
  const byTuple = new Map<string, Track[]>();
  const ports = new Set<number>();
  let minFrame = Infinity;
  let maxFrame = 0;
  for (const consumer of consumers) {
    for (const sel of consumer.selections) {
      const c = sel.connection;
      let t = tracks.get(c.id);
      if (!t) {
        t = { conn: c, client: new RelativeSpace(c.client.isn), server: new RelativeSpace(c.server.isn), routes: [] };
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
  if (tracks.size === 0) return summary;
  const decoder = new PacketDecoder();
  let started = false; // consumers told the capture's start (at frame 1)
  const onFrame = (f: Frame) => {
    if (!started) {
      started = true;
      for (const c of consumers) c.start?.(f.time);
    }
    // fragments of a segment may come before its frame range: decode a little early
    if (f.number < minFrame - 64) return;
    if (f.number > maxFrame) throw new StopReading();
    if (decoder.decode(f) !== 'tcp') return;
    const p = decoder.packet;
    if (!ports.has(p.srcPort) || !ports.has(p.dstPort)) return;
    const src = p.srcAddr();
    const dst = p.dstAddr();
    let from: Side = 'client';
    let candidates = byTuple.get(tupleKey(src, p.srcPort, dst, p.dstPort));
    if (!candidates) {
      candidates = byTuple.get(tupleKey(dst, p.dstPort, src, p.srcPort));
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
  };
  try {
    await readCaptures(path, onFrame);
  } catch (e) {
    if (e instanceof CaptureError) summary.error = e;
    else if (!(e instanceof StopReading)) throw e;
  }
  return summary;
}

function record(p: DecodedPacket, t: Track, from: Side): ReplayPacket {
  const mine = from === 'client' ? t.client : t.server;
  const peer = from === 'client' ? t.server : t.client;
  // a SYN seen first defines its side's base (when the main pass did not know the ISN)
  if (mine.base === null && p.flags & 0x02) mine.setBase(p.seq);
  const seq = mine.rel(p.seq);
  const ack = p.flags & 0x10 ? peer.rel(p.ack) : 0;
  return { frame: p.frame, time: p.time, conn: t.conn.id, from, flags: p.flags, seq, ack, len: p.segmentLength, window: p.window };
}

/** Which selected connection holds frame `n`: reads up to that frame and matches its 4-tuple.
 *  null when the frame is not a TCP segment of any of `connections`. */
export async function connectionOfFrame(path: string | readonly string[], n: number, connections: readonly Connection[]): Promise<Connection | null> {
  let found: Connection | null = null;
  const selections = connections.filter((c) => n >= c.firstFrame && n <= c.lastFrame).map((c) => ({ connection: c, fromFrame: n, toFrame: n }));
  await replayConnections(path, [{ selections, push: (p) => void (found ??= connections.find((c) => c.id === p.conn) ?? null) }]);
  return found;
}
