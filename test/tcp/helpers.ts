// Test support: run crafted traces through the real decoder and the engine, recording every
// listener call.

import type { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import type { DecodedPacket } from '../../src/decode/packet.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import type { Connection, Side, TcpEngineOptions, TcpListener } from '../../src/tcp/types.ts';

export type Call =
  | { kind: 'conn'; id: number; frame: number }
  | { kind: 'data'; id: number; from: Side; offset: number; bytes: Buffer; frame: number }
  | { kind: 'gap'; id: number; from: Side; offset: number; length: number; frame: number }
  | { kind: 'control'; id: number; from: Side; flags: number; frame: number }
  | { kind: 'end'; id: number; atFrame: number }
  | { kind: 'forget'; id: number; atFrame: number };

/** Records every call; streams are rebuilt per connection and direction (gaps as '?' bytes). */
export class Recorder implements TcpListener {
  calls: Call[] = [];
  currentFrame = 0; // frame being fed when a call happens
  onConnectionHook: ((conn: Connection) => void) | null = null;

  onConnection(conn: Connection, pkt: DecodedPacket): void {
    this.calls.push({ kind: 'conn', id: conn.id, frame: pkt.frame });
    this.onConnectionHook?.(conn);
  }

  onData(conn: Connection, from: Side, data: Buffer, offset: number, frame: number): void {
    this.calls.push({ kind: 'data', id: conn.id, from, offset, bytes: Buffer.from(data), frame });
  }

  onGap(conn: Connection, from: Side, offset: number, length: number, frame: number): void {
    this.calls.push({ kind: 'gap', id: conn.id, from, offset, length, frame });
  }

  onControl(conn: Connection, from: Side, flags: number, frame: number): void {
    this.calls.push({ kind: 'control', id: conn.id, from, flags, frame });
  }

  onEnd(conn: Connection): void {
    this.calls.push({ kind: 'end', id: conn.id, atFrame: this.currentFrame });
  }

  onForget(conn: Connection): void {
    this.calls.push({ kind: 'forget', id: conn.id, atFrame: this.currentFrame });
  }

  /** The bytes delivered for one direction, gaps filled with '?'; checks offsets are contiguous. */
  stream(id: number, from: Side): string {
    let out = '';
    let next = 0;
    for (const c of this.calls) {
      if ((c.kind !== 'data' && c.kind !== 'gap') || c.id !== id || c.from !== from) continue;
      if (c.offset !== next) throw new Error(`stream ${id}/${from}: offset ${c.offset}, expected ${next}`);
      if (c.kind === 'data') {
        out += c.bytes.toString('latin1');
        next += c.bytes.length;
      } else {
        out += '?'.repeat(c.length);
        next += c.length;
      }
    }
    return out;
  }

  gaps(id: number, from: Side): Array<{ offset: number; length: number }> {
    const out: Array<{ offset: number; length: number }> = [];
    for (const c of this.calls) if (c.kind === 'gap' && c.id === id && c.from === from) out.push({ offset: c.offset, length: c.length });
    return out;
  }

  ends(): number[] {
    return this.calls.filter((c) => c.kind === 'end').map((c) => c.id);
  }

  /** Connections that left the flow table, with the frame being fed when they did. */
  forgotten(): Array<{ id: number; atFrame: number }> {
    return this.calls.flatMap((c) => (c.kind === 'forget' ? [{ id: c.id, atFrame: c.atFrame }] : []));
  }
}

export interface Run {
  engine: TcpEngine;
  rec: Recorder;
  conns: readonly Connection[];
  /** Analysis flag bits per frame number. */
  flags: Map<number, number>;
}

/** Feeds every frame of `t` through the decoder and a new engine, then finish() unless `open`. */
export function run(t: TraceBuilder, opts: Partial<TcpEngineOptions> = {}, setup?: (rec: Recorder) => void, open = false): Run {
  const rec = new Recorder();
  setup?.(rec);
  const engine = new TcpEngine(rec, opts);
  const flags = feed(engine, rec, t);
  if (!open) {
    rec.currentFrame = Number.MAX_SAFE_INTEGER;
    engine.finish();
  }
  return { engine, rec, conns: engine.connections, flags };
}

/** Feeds the frames of `t` into an existing engine. */
export function feed(engine: TcpEngine, rec: Recorder, t: TraceBuilder): Map<number, number> {
  const dec = new PacketDecoder();
  const flags = new Map<number, number>();
  t.captureFrames().forEach((frame) => {
    if (dec.decode(frame) !== 'tcp') return;
    rec.currentFrame = frame.number;
    engine.packet(dec.packet);
    flags.set(frame.number, engine.lastFlags);
  });
  return flags;
}

/** Frames whose analysis flags include `bit`. */
export function framesWith(flags: Map<number, number>, bit: number): number[] {
  const out: number[] = [];
  for (const [frame, f] of flags) if (f & bit) out.push(frame);
  return out;
}

/** The states an endpoint went through, in order. */
export function statesOf(c: Connection, side: Side): string[] {
  return c[side].transitions.list().map((t) => t.state);
}
