// Seed inputs for the fuzzer: captures written by the project's own writers and builders (every
// format variant, every link type, TCP options, IPv6 extension headers, fragments), plus the real
// public traces of the shared corpus when present.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { LinkType } from '../../../src/capture/frame.ts';
import { framesToPcap } from '../../../src/capture/pcap-writer.ts';
import { PcapngWriter } from '../../../src/capture/pcapng-writer.ts';
import { buildFragmentedFrames, buildFrame, type FrameSpec } from '../../../src/craft/packet-builder.ts';
import { TraceBuilder } from '../../../src/craft/trace-builder.ts';
import { multiSection } from '../../capture/fixtures.ts';
import { captureFields, frameFields, type Field } from './fields.ts';
import { readPushed } from './oracles.ts';
import { tunnelCaptures, tunnelFrames } from './tunnel-seeds.ts';

export interface CaptureSeed {
  name: string;
  bytes: Buffer;
  fields: Field[]; // where its length/type fields sit (fields.ts)
}

/** Frames decoded one after another (several for fragments, so reassembly state is exercised). */
export interface FrameSeed {
  name: string;
  linkType: number;
  frames: Buffer[];
  fields: Field[][]; // per frame
}

/** The shared corpus of real traces, beside the repository (CI has it there too). */
export const CORPUS_DIR = new URL('../../../../shared/corpus/public/', import.meta.url);

const V4 = { client: '192.0.2.1:40000', server: '192.0.2.2:21', data: ['192.0.2.1:40001', '192.0.2.2:20'] as const };
const V6 = { client: '[2001:db8::1]:40000', server: '[2001:db8::2]:21', data: ['[2001:db8::1]:40001', '[2001:db8::2]:20'] as const };

/** A short FTP session: handshake with every option, control lines, a data connection with a
 *  SACK, a lost segment, a fragmented segment, noise (UDP, ARP), a reset and a close. */
function ftpSession(linkType: number, v6: boolean, vlan?: number[]): TraceBuilder {
  const a = v6 ? V6 : V4;
  const t = new TraceBuilder({ linkType });
  const ctl = t.tcp({ client: a.client, server: a.server, windowScale: 7, sackPermitted: true, timestamps: true, vlan });
  ctl.handshake();
  ctl.server('PA', '220 ready\r\n');
  ctl.client('PA', 'USER anonymous\r\n');
  ctl.server('PA', '331 password please\r\n');
  ctl.client('PA', 'PASS x\r\n');
  ctl.server('PA', '230-welcome\r\n230 logged in\r\n');
  ctl.client('PA', 'RETR f\r\n');
  const data = t.tcp({ client: a.data[1], server: a.data[0], mss: 536, vlan });
  data.handshake();
  ctl.server('PA', '150 opening\r\n');
  data.client('A', 300);
  data.lose('client', 200);
  data.client('PA', 100);
  data.server('A', undefined, { options: { sack: [[501, 601]] } });
  if (linkType === LinkType.ETHERNET || linkType === LinkType.LINUX_SLL || linkType === LinkType.LINUX_SLL2) t.arp();
  t.udp(v6 ? '[2001:db8::9]:53' : '192.0.2.9:53', v6 ? '[2001:db8::1]:5353' : '192.0.2.1:5353', 'dns');
  const big = { ip: { src: v6 ? '2001:db8::2' : '192.0.2.2', dst: v6 ? '2001:db8::1' : '192.0.2.1', id: 77 }, tcp: { srcPort: 21, dstPort: 40000, flags: 'PA', payload: 'x'.repeat(300) } };
  for (const f of buildFragmentedFrames({ linkType, vlan, ...big }, 128)) t.raw(f);
  data.client('R');
  ctl.server('PA', '426 aborted\r\n');
  ctl.close();
  return t;
}

/** Captures from the project's writers: every format variant and link type. */
export function craftedCaptures(): Array<{ name: string; bytes: Buffer }> {
  const out: Array<{ name: string; bytes: Buffer }> = [];
  const eth = ftpSession(LinkType.ETHERNET, false, [10]);
  out.push({ name: 'crafted/eth-vlan.pcap', bytes: eth.toPcap() });
  out.push({ name: 'crafted/eth-vlan-ns.pcap', bytes: eth.toPcap({ nanosecond: true }) });
  out.push({ name: 'crafted/eth-vlan.pcapng', bytes: eth.toPcapng() });
  out.push({ name: 'crafted/eth-snaplen64.pcap', bytes: eth.toPcap({ snaplen: 64 }) });
  out.push({ name: 'crafted/eth-be.pcap', bytes: framesToPcap(eth.frames(), { linkType: LinkType.ETHERNET, bigEndian: true }) });
  const links: Array<[string, number, boolean]> = [
    ['sll2-v6', LinkType.LINUX_SLL2, true],
    ['sll-v4', LinkType.LINUX_SLL, false],
    ['null-v6', LinkType.NULL, true],
    ['loop-v4', LinkType.LOOP, false],
    ['raw-v4', LinkType.RAW, false],
    ['ipv6link', LinkType.IPV6, true],
    ['eth-qinq-v6', LinkType.ETHERNET, true],
  ];
  for (const [name, lt, v6] of links) {
    const t = ftpSession(lt, v6, name.includes('qinq') ? [100, 200] : undefined);
    out.push({ name: `crafted/${name}.${lt === LinkType.LINUX_SLL2 ? 'pcapng' : 'pcap'}`, bytes: lt === LinkType.LINUX_SLL2 ? t.toPcapng() : t.toPcap() });
  }
  out.push({ name: 'crafted/multi-section-le.pcapng', bytes: multiSection(false) });
  out.push({ name: 'crafted/multi-section-be.pcapng', bytes: multiSection(true) });
  // pcapng with a binary-resolution interface and an offset, big-endian
  const chunks: Buffer[] = [];
  const w = new PcapngWriter((c) => chunks.push(c), { bigEndian: true });
  w.addInterface({ linkType: LinkType.ETHERNET, tsresol: 0x80 | 30, tsoffset: -5 });
  w.addInterface({ linkType: LinkType.RAW, tsresol: 9, snaplen: 0 });
  for (const [i, f] of eth.frames().slice(0, 8).entries()) w.writeFrame({ ...f, interfaceId: 0, tsSec: f.tsSec + i });
  w.writeObsoletePacket({ tsSec: 1, tsNsec: 0, data: buildFrame({ linkType: LinkType.RAW, ip: { src: '192.0.2.1', dst: '192.0.2.2' }, tcp: { srcPort: 1, dstPort: 2 } }), interfaceId: 1 });
  out.push({ name: 'crafted/binary-tsresol-be.pcapng', bytes: Buffer.concat(chunks) });
  out.push(...tunnelCaptures());
  return out;
}

/** Files of the shared corpus (and any extra directories), read whole; [] when absent. */
export function corpusCaptures(dirs: readonly string[] = [fileDir(CORPUS_DIR)]): Array<{ name: string; bytes: Buffer }> {
  const out: Array<{ name: string; bytes: Buffer }> = [];
  const walk = (dir: string, rel: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p, `${rel}${e.name}/`);
      else if (/\.(pcap|pcapng|cap)$/.test(e.name)) out.push({ name: `${rel}${e.name}`, bytes: fs.readFileSync(p) });
    }
  };
  for (const d of dirs) if (fs.existsSync(d)) walk(d, `${path.basename(d)}/`);
  return out;
}

function fileDir(u: URL): string {
  return decodeURIComponent(u.pathname);
}

/** Cuts a capture at the first record boundary past `maxBytes` (a clean end: fuzzing stays fast
 *  on big traces while keeping their first records). */
export function cutAtRecord(bytes: Buffer, maxBytes: number): Buffer {
  if (bytes.length <= maxBytes) return bytes;
  const o = readPushed(bytes);
  const next = o.frames.find((f) => f.offset >= maxBytes);
  return next === undefined ? bytes : bytes.subarray(0, next.offset);
}

export function captureSeeds(opts: { corpus?: boolean; corpusDirs?: string[]; maxSeedBytes?: number } = {}): CaptureSeed[] {
  const all = craftedCaptures();
  if (opts.corpus !== false) all.push(...corpusCaptures(opts.corpusDirs));
  return all.map(({ name, bytes }) => {
    const b = cutAtRecord(bytes, opts.maxSeedBytes ?? Infinity);
    return { name, bytes: b, fields: captureFields(b) };
  });
}

/** Frames built one by one for the decoder: each header variant the decoders know. */
function craftedFrames(): Array<{ name: string; linkType: number; frames: Buffer[] }> {
  const v4 = { src: '192.0.2.1', dst: '192.0.2.2' };
  const v6 = { src: '2001:db8::1', dst: '2001:db8::2' };
  const seg = { srcPort: 40000, dstPort: 21, seq: 1000, ack: 2000, flags: 'PA', payload: 'USER anonymous\r\n' };
  const opts = { mss: 1460, windowScale: 7, sackPermitted: true, ts: [1, 2] as [number, number], sack: [[5, 9], [20, 30]] as Array<[number, number]> };
  const out: Array<{ name: string; linkType: number; frames: Buffer[] }> = [];
  const one = (name: string, spec: FrameSpec) => out.push({ name, linkType: spec.linkType ?? LinkType.ETHERNET, frames: [buildFrame(spec)] });
  for (const lt of [LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.NULL, LinkType.LOOP, LinkType.RAW]) {
    one(`lt${lt}-v4-options`, { linkType: lt, ip: { ...v4, options: Buffer.from([0x94, 4, 0, 0]) }, tcp: { ...seg, options: opts } });
    one(`lt${lt}-v6-ext`, {
      linkType: lt,
      ip: { ...v6, extensions: [{ type: 'hop-by-hop', options: Buffer.from([5, 2, 0, 0]) }, { type: 'routing', addresses: ['2001:db8::3'] }, { type: 'destination' }, { type: 'ah' }] },
      tcp: { ...seg, options: opts },
    });
  }
  one('ipv4link', { linkType: LinkType.IPV4, ip: v4, tcp: seg });
  one('qinq-v4', { vlan: [1, 2], ip: v4, tcp: { ...seg, options: { raw: Buffer.from([30, 6, 1, 2, 3, 4, 1, 0]) } } });
  one('v4-tso-zero-length', { ip: { ...v4, totalLength: 0 }, tcp: seg });
  one('v6-atomic-fragment', { ip: { ...v6, extensions: [{ type: 'fragment', id: 9 }] }, tcp: seg });
  one('eth-padding', { ip: v4, tcp: { ...seg, payload: '' }, trailer: Buffer.alloc(6) });
  const tcpBytes = buildFrame({ linkType: LinkType.RAW, ip: v4, tcp: seg }).subarray(20);
  const ah = Buffer.alloc(24);
  ah[0] = 6;
  ah[1] = 4;
  one('v4-ah', { ip: { ...v4, protocol: 51 }, ipPayload: Buffer.concat([ah, tcpBytes]) });
  one('arp', { arp: true });
  one('v6-udp', { ip: v6, udp: { srcPort: 1, dstPort: 2, payload: 'x' } });
  const big = { ...seg, payload: 'z'.repeat(400) };
  out.push({ name: 'v4-fragments', linkType: LinkType.ETHERNET, frames: buildFragmentedFrames({ ip: v4, tcp: big }, 128) });
  out.push({ name: 'v6-fragments', linkType: LinkType.LINUX_SLL2, frames: buildFragmentedFrames({ linkType: LinkType.LINUX_SLL2, ip: { ...v6, extensions: [{ type: 'hop-by-hop' }] }, tcp: big }, 96) });
  out.push(...tunnelFrames());
  return out;
}

/** Decoder seeds: crafted frames, then (up to `perCapture`) frames of each capture seed. */
export function frameSeeds(captures: readonly CaptureSeed[], perCapture = 40): FrameSeed[] {
  const out: FrameSeed[] = craftedFrames().map((s) => ({ ...s, fields: s.frames.map((f) => frameFields(f, s.linkType, 0)) }));
  for (const c of captures) {
    const o = readPushed(c.bytes);
    const step = Math.max(1, Math.floor(o.frames.length / perCapture));
    for (let i = 0; i < o.frames.length; i += step) {
      const f = o.frames[i]!;
      out.push({ name: `${c.name}#${f.number}`, linkType: f.linkType, frames: [f.data], fields: [frameFields(f.data, f.linkType, 0)] });
    }
  }
  return out;
}
