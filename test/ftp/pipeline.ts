// Test support: runs frames (crafted or read from a file) through the real decoder, TCP engine
// and FTP analyzer, recording the analyzer's events in order.

import { toCaptureFrames } from '../../src/craft/capture-files.ts';
import { LinkType } from '../../src/capture/frame.ts';
import { readCapture } from '../../src/capture/read.ts';
import type { CraftedFrame } from '../../src/craft/trace-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import type { Connection } from '../../src/tcp/types.ts';
import { FtpAnalyzer } from '../../src/ftp/analyzer.ts';

export interface PipelineRun {
  ftp: FtpAnalyzer;
  engine: TcpEngine;
  events: string[]; //     'transfer:<id>:<outcome>', 'session:<id>', 'conn:<id>:<role>' in order
  connections: readonly Connection[];
}

function pipeline(): { ftp: FtpAnalyzer; engine: TcpEngine; decoder: PacketDecoder; events: string[] } {
  const events: string[] = [];
  const ftp = new FtpAnalyzer({
    transferDone: (t) => events.push(`transfer:${t.id}:${t.outcome}`),
    sessionEnded: (s) => events.push(`session:${s.id}`),
    connectionEnded: (c) => events.push(`conn:${c.id}:${ftp.roleOf(c)}`),
  });
  return { ftp, engine: new TcpEngine(ftp), decoder: new PacketDecoder(), events };
}

export function runCrafted(frames: CraftedFrame[], linkType: number = LinkType.ETHERNET): PipelineRun {
  const { ftp, engine, decoder, events } = pipeline();
  toCaptureFrames(frames, linkType).forEach((frame) => {
    if (decoder.decode(frame) === 'tcp') engine.packet(decoder.packet);
  });
  engine.finish();
  ftp.finish(engine.connections);
  return { ftp, engine, events, connections: engine.connections };
}

export async function runFile(path: string): Promise<PipelineRun> {
  const { ftp, engine, decoder, events } = pipeline();
  await readCapture(path, (frame) => {
    if (decoder.decode(frame) === 'tcp') engine.packet(decoder.packet);
  });
  engine.finish();
  ftp.finish(engine.connections);
  return { ftp, engine, events, connections: engine.connections };
}
