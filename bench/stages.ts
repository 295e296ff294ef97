// Per-stage cost of the analysis hot path, in-process, CPU ns per frame (user + system CPU time,
// which a busy shared machine disturbs less than wall time): reader alone, reader + the repeat
// filter with the analysis' keys (its own figure: the chain below does not run it), + decoder,
// + TCP engine (a listener that ignores everything), + FTP stage, + the full Analysis per-frame
// chain; then finish() (diagnosis). Usage: node --import tsx bench/stages.ts FILE [runs]
import type { Frame } from '../src/capture/frame.ts';
import { readCapture } from '../src/capture/read.ts';
import { RepeatFilter } from '../src/capture/repeats.ts';
import { PacketDecoder } from '../src/decode/decoder.ts';
import { loadRules } from '../src/diagnose/rule-loader.ts';
import { FtpAnalyzer } from '../src/ftp/analyzer.ts';
import { Analysis } from '../src/pipeline/analyze.ts';
import { InnerPacketKeys } from '../src/pipeline/inner-packet.ts';
import { renderJsonChunks } from '../src/report/json.ts';
import { TcpEngine } from '../src/tcp/engine.ts';
import type { TcpListener } from '../src/tcp/types.ts';

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

const nullListener: TcpListener = {
  onConnection: (c) => void (c.deliver = false),
  onData: () => {},
  onGap: () => {},
  onEnd: () => {},
};

export async function stageCosts(file: string, runs = 3): Promise<Array<{ stage: string; nsPerFrame: number; ms: number }>> {
  const rules = loadRules([]);
  const stages: Array<[string, () => (f: Frame) => void, (() => void)?]> = [
    ['reader', () => () => {}],
    ['reader + repeat filter', () => {
      const inner = new InnerPacketKeys();
      const r = new RepeatFilter({ key: (f) => inner.key(f), view: (f) => inner.view(f) });
      return (f) => void r.check(f);
    }],
    ['+ decoder', () => {
      const d = new PacketDecoder();
      return (f) => void d.decode(f);
    }],
    ['+ TCP engine (null listener)', () => {
      const d = new PacketDecoder();
      // as Analysis runs it: ended connections are not kept (keeping them all inflated the
      // engine's figure with the memory and GC of every connection of the trace)
      const e = new TcpEngine(nullListener, { keepConnections: false });
      return (f) => {
        if (d.decode(f) === 'tcp') e.packet(d.packet);
      };
    }],
    ['+ FTP stage', () => {
      const d = new PacketDecoder();
      const e = new TcpEngine(new FtpAnalyzer(), { keepConnections: false });
      return (f) => {
        if (d.decode(f) === 'tcp') e.packet(d.packet);
      };
    }],
    ['Analysis.frame (full chain)', () => {
      const a = new Analysis({ rules, file });
      return (f) => a.frame(f);
    }],
  ];
  const out: Array<{ stage: string; nsPerFrame: number; ms: number }> = [];
  for (const [stage, make] of stages) {
    const times: number[] = [];
    let frames = 0;
    for (let i = 0; i < runs; i++) {
      const sink = make();
      const t0 = cpuMs();
      const s = await readCapture(file, sink);
      times.push(cpuMs() - t0);
      frames = s.frames;
    }
    times.sort((a, b) => a - b);
    const ms = times[Math.floor(times.length / 2)]!;
    out.push({ stage, ms, nsPerFrame: (ms * 1e6) / frames });
  }
  // finish(): the diagnosis over every subject
  const a = new Analysis({ rules, file });
  const s = await readCapture(file, (f) => a.frame(f));
  const t0 = cpuMs();
  const r = a.finish(s);
  const ms = cpuMs() - t0;
  out.push({ stage: 'finish() (diagnosis)', ms, nsPerFrame: (ms * 1e6) / s.frames });
  const t1 = cpuMs();
  let chars = 0;
  for (const chunk of renderJsonChunks(r)) chars += chunk.length;
  const jms = cpuMs() - t1;
  out.push({ stage: `JSON report (${(chars / 1e6).toFixed(0)} MB)`, ms: jms, nsPerFrame: (jms * 1e6) / s.frames });
  return out;
}

if (process.argv[1]?.endsWith('stages.ts')) {
  const rows = await stageCosts(process.argv[2]!, Number(process.argv[3] ?? 3));
  for (const r of rows) console.log(`${r.stage.padEnd(32)} ${r.ms.toFixed(0).padStart(8)} ms ${r.nsPerFrame.toFixed(0).padStart(7)} ns/frame`);
}
