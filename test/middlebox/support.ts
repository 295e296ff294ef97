// Test support for the middlebox tests: crafted traces and capture files through the real decoder
// and TCP engine, and crafted traces through the whole analysis.

import type { Frame } from '../../src/capture/frame.ts';
import { readCapture } from '../../src/capture/read.ts';
import type { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import { builtinRuleSet } from '../../src/diagnose/rule-loader.ts';
import { Analysis } from '../../src/pipeline/analyze.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import type { Connection } from '../../src/tcp/types.ts';

/** The decoder and a TCP engine without an FTP stage: frames in, the connections at the end. */
function tcpOnly(): { frame: (f: Frame) => void; finish: () => readonly Connection[] } {
  const dec = new PacketDecoder();
  const eng = new TcpEngine({ onConnection() {}, onData() {}, onGap() {}, onEnd() {} });
  return {
    frame(f) {
      if (dec.decode(f) === 'tcp') eng.packet(dec.packet);
    },
    finish() {
      eng.finish();
      return eng.connections;
    },
  };
}

/** Decodes and runs a crafted trace through the TCP engine; the connections at the end. */
export function runTrace(t: TraceBuilder): readonly Connection[] {
  const run = tcpOnly();
  for (const f of t.captureFrames()) run.frame(f);
  return run.finish();
}

/** The same for a capture file. */
export async function connectionsOfFile(path: string): Promise<readonly Connection[]> {
  const run = tcpOnly();
  await readCapture(path, (f) => run.frame(f));
  return run.finish();
}

/** The findings of the whole analysis, with the built-in rules, on a crafted trace. */
export function findings(t: TraceBuilder): Finding[] {
  const a = new Analysis({ rules: builtinRuleSet() });
  for (const f of t.captureFrames()) a.frame(f);
  return a.finish().findings;
}
