// Agreement with tshark 4.0's TCP analysis on every trace of the shared corpus: public/ and the
// real captures of realworld/.
//
// For each tcp.analysis flag tshark reports we compare frame sets over all frames of all traces:
//   agreement = |ours ∩ tshark| / |ours ∪ tshark|   (1 when both are empty)
// and require every frame tshark flags, and no other (agreement 1). tshark's
// tcp.analysis.retransmission is also set on fast and spurious retransmissions, so it is compared
// with the union of our three retransmission kinds; the fast/spurious flags are compared one to
// one as well. Flags that are findings (retransmission, duplicate ACK, zero window, …) are read
// from the connections' events, as the diagnosis sees them; zero-window probes, window updates
// and reused ports, which are not findings, from the analysis bits of each segment. Connection
// ids must give as many conversations as tcp.stream does.
//
// tshark never forgets a conversation; the engine forgets one 5 s (or 512 closes) after it ended,
// to bound memory, and a packet on its 4-tuple later starts a new one. csp-ftp-crack.pcap holds
// its 714 connections twice, the copy 44.6 s earlier by the clock: tshark finds the copy's frames
// in the same streams (6,000 retransmissions). So the engine runs here with ended flows kept for
// the whole capture, as tshark does: what is compared is the analysis, not the memory bound.
//
// Frames where we differ from tshark on purpose are listed in DELIBERATE with the reason; they
// are removed from both sides before counting. There are none today.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../../src/capture/read.ts';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { Flag } from '../../src/tcp/analysis.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import type { TcpEventKind } from '../../src/tcp/types.ts';

const CORPUS = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));

/** tshark flag → the analysis bits of a segment that make it, and the event kinds (findings)
 *  that count those segments. */
const FLAGS: ReadonlyArray<readonly [string, number, readonly TcpEventKind[]]> = [
  ['retransmission', Flag.RETRANSMISSION | Flag.FAST_RETRANSMISSION | Flag.SPURIOUS_RETRANSMISSION, ['retransmission', 'fast-retransmission', 'spurious-retransmission']],
  ['fast_retransmission', Flag.FAST_RETRANSMISSION, ['fast-retransmission']],
  ['spurious_retransmission', Flag.SPURIOUS_RETRANSMISSION, ['spurious-retransmission']],
  ['duplicate_ack', Flag.DUPLICATE_ACK, ['duplicate-ack']],
  ['lost_segment', Flag.LOST_SEGMENT, ['lost-segment']],
  ['ack_lost_segment', Flag.ACK_LOST_SEGMENT, ['ack-unseen']],
  ['zero_window', Flag.ZERO_WINDOW, ['zero-window']],
  ['out_of_order', Flag.OUT_OF_ORDER, ['out-of-order']],
  ['keep_alive', Flag.KEEP_ALIVE, ['keep-alive']],
  ['window_full', Flag.WINDOW_FULL, ['window-full']],
  // not findings of ours, but tshark flags them
  ['zero_window_probe', Flag.ZERO_WINDOW_PROBE, []],
  ['window_update', Flag.WINDOW_UPDATE, []],
  ['reused_ports', Flag.REUSED_PORTS, []],
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
  // ended flows kept for the whole capture, as tshark keeps its conversations (see above)
  const engine = new TcpEngine({ onConnection() {}, onData() {}, onGap() {}, onEnd() {} }, { maxEndedFlows: Infinity, endedFlowSeconds: Infinity });
  let frames = 0;
  const ours = new Map<string, Set<number>>(FLAGS.map(([flag]) => [flag, new Set<number>()]));
  await readCapture(path, (frame) => {
    frames++;
    if (decoder.decode(frame) !== 'tcp') return;
    engine.packet(decoder.packet);
    if (engine.lastFlags !== 0) for (const [flag, bits] of FLAGS) if (engine.lastFlags & bits) ours.get(flag)!.add(frame.number);
  });
  engine.finish();
  // the findings count exactly the segments flagged (their frame lists stop at 200, the counts do not)
  for (const [flag, , kinds] of FLAGS) {
    if (kinds.length === 0) continue;
    let count = 0;
    for (const conn of engine.connections) for (const kind of kinds) count += conn.events[kind]?.count ?? 0;
    expect(count, `${name}: ${kinds.join('+')} events vs ${flag} segments`).to.equal(ours.get(flag)!.size);
  }
  return { name, streams: engine.connections.length, frames, ours };
}

/** Every trace of the corpus with its reference: [name, trace path, reference path]. */
function corpusTraces(): Array<[string, string, string]> {
  const out: Array<[string, string, string]> = [];
  for (const source of readdirSync(`${CORPUS}public`).sort()) {
    for (const file of readdirSync(`${CORPUS}public/${source}`).sort()) out.push([`${source}/${file}`, `${CORPUS}public/${source}/${file}`, `${CORPUS}reference/${source}/${file}.json`]);
  }
  const real = `${CORPUS}realworld/traces`;
  if (existsSync(real)) for (const file of readdirSync(real).sort()) out.push([`realworld/${file}`, `${real}/${file}`, `${CORPUS}realworld/reference/${file}.json`]);
  return out.filter(([, , ref]) => existsSync(ref));
}

describe('tcp/tshark-agreement: TCP analysis flags on the shared corpus (public and realworld)', function () {
  this.timeout(120_000);
  const results: TraceResult[] = [];
  const refs = new Map<string, Reference>();

  before(async function () {
    if (!existsSync(`${CORPUS}public`)) this.skip();
    for (const [name, path, ref] of corpusTraces()) {
      refs.set(name, JSON.parse(readFileSync(ref, 'utf8')) as Reference);
      results.push(await analyse(path, name));
    }
  });

  it('reads every trace of the corpus, the real captures included', () => {
    expect(results.length).to.be.greaterThan(40);
    if (existsSync(`${CORPUS}realworld/traces`)) expect(results.filter((r) => r.name.startsWith('realworld/')).length).to.be.at.least(10);
    for (const r of results) expect(r.frames, r.name).to.equal(refs.get(r.name)!.frames);
  });

  it('finds as many conversations as tshark has tcp.stream values, trace by trace', () => {
    const wrong = results.filter((r) => r.streams !== refs.get(r.name)!.tcpStreams).map((r) => `${r.name}: ${r.streams} vs ${refs.get(r.name)!.tcpStreams}`);
    expect(wrong).to.deep.equal([]);
  });

  it('flags every frame tshark flags, and no other, for each flag (|A∩B|/|A∪B| = 1)', () => {
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
      if (agreement < 1) failures.push(`${flag}: ${(agreement * 100).toFixed(1)}% only ours ${onlyOurs.slice(0, 10)} only tshark ${onlyTshark.slice(0, 10)}`);
    }
    console.log(`      tshark agreement over ${results.length} traces (frames in both / in either):\n      ${lines.join('\n      ')}`);
    expect(failures).to.deep.equal([]);
  });

  it('saw each compared kind at least once somewhere, so the figures mean something', () => {
    const seen = (flag: string) => results.some((r) => r.ours.get(flag)!.size > 0);
    for (const flag of ['retransmission', 'fast_retransmission', 'spurious_retransmission', 'duplicate_ack', 'lost_segment', 'ack_lost_segment', 'zero_window', 'out_of_order', 'keep_alive', 'window_full', 'window_update', 'reused_ports']) {
      expect(seen(flag), flag).to.equal(true);
    }
  });
});

describe('tcp/tshark-agreement: crafted cases the corpus lacks', function () {
  this.timeout(30_000);
  const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

  /** Every tcp.analysis.* flag tshark sets, by frame (from its JSON dissection). */
  function tsharkFlags(file: string): Map<number, Set<string>> {
    // --no-duplicate-keys: a frame with two expert items has two '_ws.expert' keys, and JSON.parse keeps one
    const r = spawnSync('tshark', ['-r', file, '-T', 'json', '--no-duplicate-keys'], { encoding: 'utf8', maxBuffer: 64 << 20 });
    const out = new Map<number, Set<string>>();
    const collect = (v: unknown, into: Set<string>) => {
      if (v === null || typeof v !== 'object') return;
      for (const [k, sub] of Object.entries(v)) {
        const m = /^tcp\.analysis\.([a-z_]+)$/.exec(k);
        if (m && FLAGS.some(([f]) => f === m[1])) into.add(m[1]!);
        collect(sub, into);
      }
    };
    for (const pkt of JSON.parse(r.stdout) as Array<{ _source: { layers: { frame: { 'frame.number': string }; tcp?: unknown } } }>) {
      const set = new Set<string>();
      collect(pkt._source.layers.tcp, set);
      out.set(Number(pkt._source.layers.frame['frame.number']), set);
    }
    return out;
  }

  it('zero-window probes and their ACKs, a window update, reused ports, a clock going backwards: the same flags as tshark', function () {
    if (!hasTshark) this.skip(); // CI installs tshark (.ci/run)
    const t = new TraceBuilder({ step: 0.0001 });
    const a = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21', clientIsn: 1000, serverIsn: 5000 });
    a.handshake();
    a.server('A', 1000);
    a.client('A', undefined, { window: 0 });
    a.server('A', 1, { dt: 0.2, noAdvance: true }); // zero-window probe
    a.client('A', undefined, { window: 0 }); // its ACK
    a.client('A', undefined, { window: 8192, dt: 0.1 }); // window update
    a.server('PA', 500);
    a.client('A');
    a.close();
    // the same 4-tuple, a new ISN: a new conversation (reused ports)
    const b = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21', clientIsn: 900_000, serverIsn: 7_000_000 });
    b.handshake();
    b.lose('server', 1000); // lost before the capture point
    b.server('A', 1000);
    b.client('A', undefined, { ack: 1 });
    b.client('A', undefined, { ack: 1 });
    b.client('A', undefined, { ack: 1 });
    t.wait(-20); // the capture's clock goes back: the resend after two duplicate ACKs is no fast retransmission
    b.server('A', 1000, { seq: 1 });
    b.client('A');
    b.close();
    const dir = mkdtempSync(join(tmpdir(), 'ftpdiag-i22-'));
    try {
      const file = join(dir, 'crafted.pcap');
      t.writePcap(file, { nanosecond: true });
      const theirs = tsharkFlags(file);
      const decoder = new PacketDecoder();
      const engine = new TcpEngine({ onConnection() {}, onData() {}, onGap() {}, onEnd() {} });
      const diffs: string[] = [];
      let flagged = 0;
      for (const f of t.captureFrames()) {
        if (decoder.decode(f) !== 'tcp') continue;
        engine.packet(decoder.packet);
        const mine = new Set(FLAGS.filter(([, bits]) => engine.lastFlags & bits).map(([flag]) => flag));
        const want = theirs.get(f.number) ?? new Set<string>();
        flagged += want.size;
        if ([...mine].sort().join() !== [...want].sort().join()) diffs.push(`frame ${f.number}: ours ${[...mine]} tshark ${[...want]}`);
      }
      expect(diffs).to.deep.equal([]);
      for (const flag of ['zero_window', 'zero_window_probe', 'window_update', 'reused_ports', 'duplicate_ack', 'retransmission', 'lost_segment']) {
        expect([...theirs.values()].some((s) => s.has(flag)), `the trace shows ${flag}`).to.equal(true);
      }
      expect(flagged).to.be.greaterThan(6);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
