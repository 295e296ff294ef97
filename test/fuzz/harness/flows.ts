// Adversarial flow sets: what an attacker who writes the capture can choose to slow the analysis
// down or make it hold memory without bound.
//
// Heading: flow oracle
// Definition: (1) tuples chosen to collide (equal (sport + 1) ^ srcIP, the old unkeyed hash's
// weakness; address and port sweeps; one client's every port; IPv6 sweeps) never put more than 4
// flows in a bucket of the keyed table and never make it take a new key; (2) a SYN flood on one
// 4-tuple counts every SYN and keeps at most MAX_EVENT_FRAMES frames; (3) one connection with
// `scale` × 10^5 segments of random flags, sequence numbers, lengths and order goes through the
// whole analysis with every per-connection list within its cap. Each case is timed by the
// campaign (a quadratic path shows as 'slow').

import { buildFrame } from '../../../src/craft/packet-builder.ts';
import { PacketDecoder } from '../../../src/decode/decoder.ts';
import type { DecodedPacket } from '../../../src/decode/packet.ts';
import { loadRules } from '../../../src/diagnose/rule-loader.ts';
import type { RuleSet } from '../../../src/diagnose/rule-types.ts';
import { Analysis } from '../../../src/pipeline/analyze.ts';
import { FlowKey, FlowTable } from '../../../src/tcp/flow-table.ts';
import { TcpEngine } from '../../../src/tcp/engine.ts';
import { MAX_TRANSITIONS } from '../../../src/tcp/transition-log.ts';
import { MAX_CONFLICTS, MAX_EVENT_FRAMES, type Connection } from '../../../src/tcp/types.ts';
import { Finding } from './oracles.ts';
import type { Rng } from './rng.ts';

const decoder = new PacketDecoder({ reassembleFragments: false });
const template = { 4: buildFrame({ ip: { src: '192.0.2.1', dst: '198.51.100.2' }, tcp: { srcPort: 1, dstPort: 21, flags: 'S' } }), 6: buildFrame({ ip: { src: '2001:db8::1', dst: '2001:db8::2' }, tcp: { srcPort: 1, dstPort: 21, flags: 'S' } }) };

/** A SYN from `src`:`sport` to the server (port 21), decoded (valid until the next call). */
function syn(v6: boolean, src: number, sport: number, frame: number, time: number): DecodedPacket {
  const data = template[v6 ? 6 : 4];
  data.writeUInt32BE(src >>> 0, v6 ? 34 : 26);
  data.writeUInt16BE(sport & 0xffff, v6 ? 54 : 34);
  decoder.decode({ number: frame, offset: 0, tsSec: Math.floor(time), tsNsec: 0, time, linkType: 1, interfaceId: 0, capLen: data.length, origLen: data.length, data });
  return decoder.packet;
}

/** (1) chosen tuples into a keyed table. */
function collidingTuples(rng: Rng, n: number): string {
  const kind = rng.int(4);
  const v6 = kind === 3;
  const table = new FlowTable<FlowKey>();
  const base = rng.u32();
  for (let i = 0; i < n; i++) {
    const sport = 1024 + (i % 60000);
    const src = kind === 0 ? (base ^ (sport + 1)) + (Math.floor(i / 60000) << 20) : kind === 2 ? base : base + i;
    const p = syn(v6, src, kind === 2 ? 1024 + (i % 64000) : sport, i + 1, i);
    if (table.find(p) === null) table.insert(new FlowKey());
  }
  if (table.longestChain > 4 || table.rekeys > 0) {
    throw new Finding('invariant', `flow table: ${n} chosen tuples (kind ${kind}) put ${table.longestChain} flows in one bucket (${table.rekeys} new keys)`);
  }
  return `tuples:${['xor', 'sweep', 'ports', 'v6'][kind]}`;
}

/** (2) a SYN flood on one 4-tuple. */
function synFlood(rng: Rng, n: number): string {
  const ended: Connection[] = [];
  const engine = new TcpEngine({ onConnection() {}, onData() {}, onGap() {}, onEnd: (c) => void ended.push(c) });
  const src = rng.u32();
  const sport = 1024 + rng.int(60000);
  for (let i = 1; i <= n; i++) engine.packet(syn(false, src, sport, i, 1_700_000_000 + i * 1e-5));
  engine.finish();
  const e = ended[0]?.events['handshake-unanswered'];
  if (ended.length !== 1 || e === undefined || e.count !== n || e.frames.length > MAX_EVENT_FRAMES) {
    throw new Finding('invariant', `SYN flood of ${n}: ${ended.length} connections, handshake-unanswered ${e?.count ?? 0} with ${e?.frames.length ?? 0} frames`);
  }
  return 'syn-flood';
}

let rules: RuleSet | null = null;

/** (3) one connection, many random segments, through the whole analysis. */
function longConnection(rng: Rng, n: number): string {
  const a = new Analysis({ rules: (rules ??= loadRules()) });
  const flags = [0x02, 0x12, 0x10, 0x18, 0x11, 0x19, 0x04, 0x14, 0x01];
  const payloads = [Buffer.alloc(0), Buffer.from('USER a\r\n'), Buffer.from('220 hi\r\n'), Buffer.from('PASV\r\n'), Buffer.alloc(1), Buffer.alloc(1460, 0x41), Buffer.from('x')];
  let cseq = rng.u32();
  let sseq = rng.u32();
  for (let i = 1; i <= n; i++) {
    const fromClient = rng.chance(0.5);
    const payload = rng.pick(payloads);
    const jump = rng.chance(0.1) ? rng.int(5000) - 2500 : 0;
    const seq = fromClient ? (cseq += jump) : (sseq += jump);
    const data = buildFrame({
      ip: fromClient ? { src: '192.0.2.1', dst: '198.51.100.2' } : { src: '198.51.100.2', dst: '192.0.2.1' },
      tcp: { srcPort: fromClient ? 40000 : 21, dstPort: fromClient ? 21 : 40000, seq: seq >>> 0, ack: (fromClient ? sseq : cseq) >>> 0, flags: rng.pick(flags), payload },
    });
    if (fromClient) cseq += payload.length;
    else sseq += payload.length;
    const time = 1_700_000_000 + i * 1e-4;
    a.frame({ number: i, offset: 0, tsSec: Math.floor(time), tsNsec: 0, time, linkType: 1, interfaceId: 0, capLen: data.length, origLen: data.length, data });
  }
  const r = a.finish();
  for (const c of r.connections) {
    for (const [kind, e] of Object.entries(c.events)) if (e.frames.length > MAX_EVENT_FRAMES) throw new Finding('invariant', `one connection of ${n} segments: ${kind} keeps ${e.frames.length} frames`);
    if (c.conflicts.length > MAX_CONFLICTS) throw new Finding('invariant', `one connection of ${n} segments: ${c.conflicts.length} conflicts kept`);
    for (const ep of [c.client, c.server]) if (ep.transitions.length > MAX_TRANSITIONS) throw new Finding('invariant', `one connection of ${n} segments: ${ep.transitions.length} state changes kept`);
  }
  return 'long-connection';
}

/** One adversarial case, sizes up to `scale` × 10^5 (SYN flood and long connection), 6 × 10^4
 *  × `scale` tuples. */
export function checkFlowCase(rng: Rng, scale: number): string {
  const k = rng.int(3);
  if (k === 0) return collidingTuples(rng, Math.ceil(rng.range(5_000, 60_000) * scale));
  if (k === 1) return synFlood(rng, Math.ceil(rng.range(10_000, 100_000) * scale));
  return longConnection(rng, Math.ceil(rng.range(2_000, 20_000) * scale));
}
