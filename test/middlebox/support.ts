// Test support for the middlebox tests: crafted traces through the real decoder and TCP engine.

import type { Frame } from '../../src/capture/frame.ts';
import type { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import type { Connection } from '../../src/tcp/types.ts';

/** The builder's frames as the capture stage hands them on (a fresh Frame per frame). */
export function framesOf(t: TraceBuilder): Frame[] {
  return t.captureFrames();
}

/** Decodes and runs a crafted trace through the TCP engine; the connections at the end. */
export function runTrace(t: TraceBuilder): readonly Connection[] {
  const dec = new PacketDecoder();
  const eng = new TcpEngine({ onConnection() {}, onData() {}, onGap() {}, onEnd() {} });
  for (const f of framesOf(t)) if (dec.decode(f) === 'tcp') eng.packet(dec.packet);
  eng.finish();
  return eng.connections;
}
