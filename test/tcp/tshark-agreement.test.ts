// Agreement with tshark 4.0's TCP analysis on every trace of the public corpus.
//
// For each tshark flag we compare frame sets over all frames of all traces:
//   agreement = |ours ∩ tshark| / |ours ∪ tshark|   (1 when both are empty)
// and fail below 95%. tshark's tcp.analysis.retransmission is also set on fast and spurious
// retransmissions, so it is compared with the union of our three retransmission kinds; the
// fast/spurious flags are compared one to one as well. Connection ids must give the same number
// of conversations as tcp.stream does.
//
// Frames where we differ from tshark on purpose are listed in DELIBERATE with the reason; they
// are removed from both sides before counting. There are none today: the engine reproduces
// tshark on the whole corpus.

import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../../src/capture/read.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import type { TcpEventKind } from '../../src/tcp/types.ts';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const THRESHOLD = 0.95;

/** tshark flag → our event kinds whose frames together make that flag's set. */
const FLAGS: ReadonlyArray<readonly [string, readonly TcpEventKind[]]> = [
  ['retransmission', ['retransmission', 'fast-retransmission', 'spurious-retransmission']],
  ['fast_retransmission', ['fast-retransmission']],
  ['spurious_retransmission', ['spurious-retransmission']],
  ['duplicate_ack', ['duplicate-ack']],
  ['lost_segment', ['lost-segment']],
  ['ack_lost_segment', ['ack-unseen']],
  ['zero_window', ['zero-window']],
  ['out_of_order', ['out-of-order']],
  ['keep_alive', ['keep-alive']],
  ['window_full', ['window-full']],
];

/** Deliberate differences: trace → tshark flag → frames, each with the reason. */
const DELIBERATE: Record<string, Record<string, Array<{ frame: number; reason: string }>>> = {};

interface Reference {
  frames: number;
  tcpStreams: number;
  tcpAnalysis: Record<string, number[]>;
}

interface TraceResult {
  name: string;
  streams: number;
  frames: number;
  ours: Map<string, Set<number>>;
}

async function analyse(path: string, name: string): Promise<TraceResult> {
  const decoder = new PacketDecoder();
  const engine = new TcpEngine({ onConnection() {}, onData() {}, onGap() {}, onEnd() {} });
  let frames = 0;
  await readCapture(path, (frame) => {
    frames++;
    if (decoder.decode(frame) === 'tcp') engine.packet(decoder.packet);
  });
  engine.finish();
  const ours = new Map<string, Set<number>>();
  for (const [flag, kinds] of FLAGS) {
    const set = new Set<number>();
    for (const conn of engine.connections) {
      for (const kind of kinds) {
        const rec = conn.events[kind];
        if (rec === undefined) continue;
        // the comparison must see every frame: no record may have been cut at MAX_EVENT_FRAMES
        expect(rec.frames.length, `${name}: ${kind} frames cut`).to.equal(rec.count);
        for (const f of rec.frames) set.add(f);
      }
    }
    ours.set(flag, set);
  }
  return { name, streams: engine.connections.length, frames, ours };
}

describe('tcp/tshark-agreement: TCP analysis flags on the public corpus', function () {
  this.timeout(60_000);
  const results: TraceResult[] = [];
  const refs = new Map<string, Reference>();

  before(async function () {
    if (!existsSync(`${CORPUS}public`)) this.skip();
    for (const source of readdirSync(`${CORPUS}public`).sort()) {
      for (const file of readdirSync(`${CORPUS}public/${source}`).sort()) {
        const name = `${source}/${file}`;
        const refPath = `${CORPUS}reference/${name}.json`;
        if (!existsSync(refPath)) continue;
        refs.set(name, JSON.parse(readFileSync(refPath, 'utf8')) as Reference);
        results.push(await analyse(`${CORPUS}public/${name}`, name));
      }
    }
  });

  it('reads every trace of the corpus', () => {
    expect(results.length).to.be.greaterThan(40);
    for (const r of results) expect(r.frames, r.name).to.equal(refs.get(r.name)!.frames);
  });

  it('finds as many conversations as tshark has tcp.stream values, trace by trace', () => {
    const wrong = results.filter((r) => r.streams !== refs.get(r.name)!.tcpStreams).map((r) => `${r.name}: ${r.streams} vs ${refs.get(r.name)!.tcpStreams}`);
    expect(wrong).to.deep.equal([]);
  });

  it(`agrees with tshark on each flag (|A∩B|/|A∪B| ≥ ${THRESHOLD})`, () => {
    const lines: string[] = [];
    const failures: string[] = [];
    for (const [flag] of FLAGS) {
      let inter = 0;
      let union = 0;
      const onlyOurs: string[] = [];
      const onlyTshark: string[] = [];
      for (const r of results) {
        const skip = new Set((DELIBERATE[r.name]?.[flag] ?? []).map((d) => d.frame));
        const a = [...r.ours.get(flag)!].filter((f) => !skip.has(f));
        const b = new Set((refs.get(r.name)!.tcpAnalysis[flag] ?? []).filter((f) => !skip.has(f)));
        const both = a.filter((f) => b.has(f)).length;
        inter += both;
        union += a.length + b.size - both;
        for (const f of a) if (!b.has(f)) onlyOurs.push(`${r.name}#${f}`);
        for (const f of b) if (!a.includes(f)) onlyTshark.push(`${r.name}#${f}`);
      }
      const agreement = union === 0 ? 1 : inter / union;
      lines.push(`${flag.padEnd(24)} ${String(inter).padStart(4)} / ${String(union).padStart(4)}  ${(agreement * 100).toFixed(1)}%`);
      if (agreement < THRESHOLD) failures.push(`${flag}: ${(agreement * 100).toFixed(1)}% only ours ${onlyOurs.slice(0, 10)} only tshark ${onlyTshark.slice(0, 10)}`);
    }
    console.log(`      tshark agreement over ${results.length} traces (frames in both / in either):\n      ${lines.join('\n      ')}`);
    expect(failures).to.deep.equal([]);
  });

  it('saw each compared kind at least once somewhere, so the figures mean something', () => {
    const seen = (flag: string) => results.some((r) => r.ours.get(flag)!.size > 0);
    for (const flag of ['retransmission', 'spurious_retransmission', 'duplicate_ack', 'lost_segment', 'ack_lost_segment', 'zero_window', 'out_of_order', 'keep_alive']) {
      expect(seen(flag), flag).to.equal(true);
    }
  });
});
