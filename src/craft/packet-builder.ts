// Encoders that build real frames byte by byte: link header (+ VLAN tags), IPv4/IPv6 (+ options,
// extension headers, fragments), TCP/UDP with correct checksums, ARP. Used by tests and by the
// captures script. Overrides (ihl, dataOffset, checksum, …) exist so tests can build malformed
// frames on purpose. Builders may throw on impossible specs: they run on test input, not the wire.

import { LinkType } from '../capture/frame.ts';
import { TcpFlag } from '../decode/packet.ts';
import { AddressFamily, ArpHardware, EtherType, IpProtocol, TcpOptionKind } from '../decode/protocol-numbers.ts';

// ---------------------------------------------------------------------------------------------
// specs

/** Flags as TcpFlag bits or letters: S(YN) A(CK) F(IN) R(ST) P(SH) U(RG) E(CE) C(WR), e.g. 'PA'. */
export type TcpFlagsSpec = number | string;

export interface TcpOptionsSpec {
  mss?: number;
  windowScale?: number; //       shift count
  sackPermitted?: boolean;
  sack?: Array<[number, number]>; // absolute left/right edges (uint32)
  ts?: [number, number]; //      [TSval, TSecr]
  raw?: Buffer; //               bytes appended after the options above, as given (for malformed tests)
}

export interface TcpSpec {
  srcPort: number;
  dstPort: number;
  seq?: number; //        absolute, uint32 (default 0)
  ack?: number; //        absolute, uint32 (default 0)
  flags?: TcpFlagsSpec; // default none
  window?: number; //     default 65535
  urgent?: number; //     default 0
  options?: TcpOptionsSpec;
  payload?: Buffer | string; // strings are written as UTF-8
  dataOffset?: number; // override of the header-length field, in 32-bit words (malformed tests)
  checksum?: number; //   override of the checksum field (bad-checksum tests)
}

export interface UdpSpec {
  srcPort: number;
  dstPort: number;
  payload?: Buffer | string;
}

/** IPv6 extension headers, in the order they are written after the fixed header. */
export type Ipv6ExtensionSpec =
  | { type: 'hop-by-hop' | 'destination'; options?: Buffer } // padded to a multiple of 8 with PadN
  | { type: 'routing'; routingType?: number; segmentsLeft?: number; addresses?: string[] }
  | { type: 'fragment'; offset?: number /* bytes, multiple of 8 */; more?: boolean; id?: number }
  | { type: 'ah'; spi?: number; sequence?: number; icv?: Buffer /* default 12 bytes */ }
  | { type: 'raw'; code: number; bytes: Buffer }; // first byte is overwritten by the next header

export interface IpSpec {
  src: string; //          dotted quad → IPv4; text with ':' → IPv6
  dst: string;
  ttl?: number; //         IPv4 TTL / IPv6 hop limit, default 64
  // IPv4
  id?: number; //          identification, default 0
  df?: boolean; //         don't fragment, default false
  mf?: boolean; //         more fragments
  fragmentOffset?: number; // bytes, multiple of 8
  tos?: number;
  options?: Buffer; //     IPv4 options, zero-padded to a multiple of 4
  ihl?: number; //         override of the header-length field, in 32-bit words
  totalLength?: number; // override of the total-length field (IPv4) / payload-length field (IPv6: bytes after the fixed header)
  checksum?: number; //    override of the IPv4 header checksum
  protocol?: number; //    override of the protocol / next-header number of the transport
  // IPv6
  trafficClass?: number;
  flowLabel?: number;
  extensions?: Ipv6ExtensionSpec[];
}

export interface ArpSpec {
  op?: number; //          1 request, 2 reply
  senderMac?: string;
  senderIp?: string;
  targetMac?: string;
  targetIp?: string;
}

export interface FrameSpec {
  linkType?: number; //    LinkType number, default ETHERNET
  // Ethernet
  srcMac?: string; //      default 02:00:00:00:00:01
  dstMac?: string; //      default 02:00:00:00:00:02
  vlan?: number[]; //      VLAN ids, outermost first (one tag = 802.1Q, two = QinQ)
  vlanTpids?: number[]; // tag protocol ids per tag; default 0x8100, or [0x88a8, 0x8100] for two
  trailer?: Buffer; //     bytes after the network packet (Ethernet padding, FCS)
  // Linux cooked captures
  sllPacketType?: number; // 0 to us, 4 outgoing (default 0)
  sllIfIndex?: number; //  SLL2 interface index (default 1)
  sllHardwareType?: number; // ARPHRD_*, default ETHER
  // BSD loopback
  nullFamily?: number; //  address family value (default 2 / 24 by IP version)
  nullBigEndian?: boolean; // NULL: write the family in big-endian (captures from big-endian hosts)
  // network layer (one of)
  ip?: IpSpec;
  arp?: ArpSpec | true; // an ARP packet instead of IP (link types with an EtherType only)
  etherType?: number; //   with linkPayload: any other link-layer payload (LLDP, …)
  linkPayload?: Buffer;
  // transport (with ip; one of)
  tcp?: TcpSpec;
  udp?: UdpSpec;
  ipPayload?: Buffer; //   raw transport bytes (protocol from ip.protocol, default 253 = experimental)
}

// ---------------------------------------------------------------------------------------------
// small encoders

export function parseTcpFlags(flags: TcpFlagsSpec): number {
  if (typeof flags === 'number') return flags & 0xff;
  let bits = 0;
  for (const ch of flags.toUpperCase()) {
    const bit = FLAG_LETTERS[ch];
    if (bit === undefined) throw new Error(`unknown TCP flag letter '${ch}' in '${flags}'`);
    bits |= bit;
  }
  return bits;
}

const FLAG_LETTERS: Record<string, number> = {
  F: TcpFlag.FIN,
  S: TcpFlag.SYN,
  R: TcpFlag.RST,
  P: TcpFlag.PSH,
  A: TcpFlag.ACK,
  U: TcpFlag.URG,
  E: TcpFlag.ECE,
  C: TcpFlag.CWR,
};

/** 4 bytes for a dotted quad, 16 for IPv6 text (with '::' and an embedded IPv4 tail). */
export function parseIpAddress(text: string): Buffer {
  const t = text.startsWith('[') && text.endsWith(']') ? text.slice(1, -1) : text;
  if (!t.includes(':')) return parseIpv4(t);
  const halves = t.split('::');
  if (halves.length > 2) throw new Error(`bad IPv6 address '${text}'`);
  const words = (s: string): number[] => {
    if (s === '') return [];
    const out: number[] = [];
    for (const part of s.split(':')) {
      if (part.includes('.')) {
        const v4 = parseIpv4(part);
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(part)) throw new Error(`bad IPv6 address '${text}'`);
        out.push(parseInt(part, 16));
      }
    }
    return out;
  };
  const head = words(halves[0]!);
  const tail = halves.length === 2 ? words(halves[1]!) : [];
  const fill = 8 - head.length - tail.length;
  if (halves.length === 1 ? fill !== 0 : fill < 1) throw new Error(`bad IPv6 address '${text}'`);
  const all = [...head, ...new Array<number>(halves.length === 2 ? fill : 0).fill(0), ...tail];
  const buf = Buffer.alloc(16);
  all.forEach((w, i) => buf.writeUInt16BE(w, i * 2));
  return buf;
}

function parseIpv4(t: string): Buffer {
  const parts = t.split('.');
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    throw new Error(`bad IPv4 address '${t}'`);
  }
  return Buffer.from(parts.map(Number));
}

export function parseMac(text: string): Buffer {
  const parts = text.split(/[:-]/);
  if (parts.length !== 6 || parts.some((p) => !/^[0-9a-fA-F]{1,2}$/.test(p))) throw new Error(`bad MAC '${text}'`);
  return Buffer.from(parts.map((p) => parseInt(p, 16)));
}

/** RFC 1071 one's-complement sum of 16-bit words, not yet complemented. */
export function onesComplementSum(buf: Buffer, initial = 0): number {
  let sum = initial;
  const even = buf.length & ~1;
  for (let i = 0; i < even; i += 2) sum += (buf[i]! << 8) | buf[i + 1]!;
  if (buf.length & 1) sum += buf[buf.length - 1]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return sum;
}

/** The Internet checksum (RFC 1071) of `buf` plus an optional partial sum. */
export function internetChecksum(buf: Buffer, initial = 0): number {
  return ~onesComplementSum(buf, initial) & 0xffff;
}

/** Partial sum of the TCP/UDP pseudo-header (RFC 9293 §3.1, RFC 8200 §8.1). */
export function pseudoHeaderSum(src: Buffer, dst: Buffer, protocol: number, length: number): number {
  const tail = Buffer.alloc(src.length === 4 ? 4 : 8);
  if (src.length === 4) {
    tail[1] = protocol;
    tail.writeUInt16BE(length, 2);
  } else {
    tail.writeUInt32BE(length, 0);
    tail[7] = protocol;
  }
  return onesComplementSum(Buffer.concat([src, dst, tail]));
}

/** TCP options in the layout Linux uses: MSS, SACK-permitted + timestamps, NOP + window scale,
 *  NOPs + SACK blocks, then `raw`; zero (EOL) padding to a multiple of 4. */
export function encodeTcpOptions(o: TcpOptionsSpec | undefined): Buffer {
  if (!o) return Buffer.alloc(0);
  const out: number[] = [];
  const u32 = (v: number) => out.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  if (o.mss !== undefined) out.push(TcpOptionKind.MSS, 4, (o.mss >> 8) & 0xff, o.mss & 0xff);
  if (o.ts) {
    if (o.sackPermitted) out.push(TcpOptionKind.SACK_PERMITTED, 2);
    else out.push(TcpOptionKind.NOP, TcpOptionKind.NOP);
    out.push(TcpOptionKind.TIMESTAMPS, 10);
    u32(o.ts[0]);
    u32(o.ts[1]);
  } else if (o.sackPermitted) {
    out.push(TcpOptionKind.NOP, TcpOptionKind.NOP, TcpOptionKind.SACK_PERMITTED, 2);
  }
  if (o.windowScale !== undefined) out.push(TcpOptionKind.NOP, TcpOptionKind.WINDOW_SCALE, 3, o.windowScale & 0xff);
  if (o.sack && o.sack.length > 0) {
    out.push(TcpOptionKind.NOP, TcpOptionKind.NOP, TcpOptionKind.SACK, 2 + 8 * o.sack.length);
    for (const [l, r] of o.sack) {
      u32(l >>> 0);
      u32(r >>> 0);
    }
  }
  if (o.raw) out.push(...o.raw);
  while (out.length % 4) out.push(TcpOptionKind.EOL);
  return Buffer.from(out);
}

function toBytes(p: Buffer | string | undefined): Buffer {
  if (p === undefined) return Buffer.alloc(0);
  return typeof p === 'string' ? Buffer.from(p, 'utf8') : p;
}

// ---------------------------------------------------------------------------------------------
// transport

/** A TCP segment (header + payload) with its checksum computed over the pseudo-header. */
export function buildTcpSegment(spec: TcpSpec, src: Buffer, dst: Buffer): Buffer {
  const options = encodeTcpOptions(spec.options);
  if (options.length > 40) throw new Error(`TCP options need ${options.length} bytes, at most 40 fit`);
  const payload = toBytes(spec.payload);
  const hl = 20 + options.length;
  const seg = Buffer.alloc(hl + payload.length);
  seg.writeUInt16BE(spec.srcPort, 0);
  seg.writeUInt16BE(spec.dstPort, 2);
  seg.writeUInt32BE((spec.seq ?? 0) >>> 0, 4);
  seg.writeUInt32BE((spec.ack ?? 0) >>> 0, 8);
  seg[12] = ((spec.dataOffset ?? hl / 4) & 0x0f) << 4;
  seg[13] = parseTcpFlags(spec.flags ?? 0);
  seg.writeUInt16BE(spec.window ?? 65535, 14);
  seg.writeUInt16BE(spec.urgent ?? 0, 18);
  options.copy(seg, 20);
  payload.copy(seg, hl);
  const sum = internetChecksum(seg, pseudoHeaderSum(src, dst, IpProtocol.TCP, seg.length));
  seg.writeUInt16BE(spec.checksum ?? sum, 16);
  return seg;
}

export function buildUdpDatagram(spec: UdpSpec, src: Buffer, dst: Buffer): Buffer {
  const payload = toBytes(spec.payload);
  const d = Buffer.alloc(8 + payload.length);
  d.writeUInt16BE(spec.srcPort, 0);
  d.writeUInt16BE(spec.dstPort, 2);
  d.writeUInt16BE(d.length, 4);
  payload.copy(d, 8);
  // 0 means "no checksum" in UDP, so a computed 0 is sent as 0xffff (RFC 768)
  const sum = internetChecksum(d, pseudoHeaderSum(src, dst, IpProtocol.UDP, d.length));
  d.writeUInt16BE(sum === 0 ? 0xffff : sum, 6);
  return d;
}

// ---------------------------------------------------------------------------------------------
// network

export function isIpv6Text(addr: string): boolean {
  return addr.includes(':');
}

/** IPv4 header + payload, header checksum computed. */
export function buildIpv4Packet(spec: IpSpec, protocol: number, payload: Buffer): Buffer {
  const opt = spec.options ?? Buffer.alloc(0);
  const optLen = (opt.length + 3) & ~3;
  if (optLen > 40) throw new Error(`IPv4 options need ${optLen} bytes, at most 40 fit`);
  const hl = 20 + optLen;
  const p = Buffer.alloc(hl + payload.length);
  p[0] = 0x40 | ((spec.ihl ?? hl / 4) & 0x0f);
  p[1] = spec.tos ?? 0;
  p.writeUInt16BE(spec.totalLength ?? p.length, 2);
  p.writeUInt16BE((spec.id ?? 0) & 0xffff, 4);
  const frag = spec.fragmentOffset ?? 0;
  if (frag % 8) throw new Error('IPv4 fragment offset must be a multiple of 8 bytes');
  p.writeUInt16BE((spec.df ? 0x4000 : 0) | (spec.mf ? 0x2000 : 0) | ((frag / 8) & 0x1fff), 6);
  p[8] = spec.ttl ?? 64;
  p[9] = spec.protocol ?? protocol;
  parseIpAddress(spec.src).copy(p, 12);
  parseIpAddress(spec.dst).copy(p, 16);
  opt.copy(p, 20);
  p.writeUInt16BE(spec.checksum ?? internetChecksum(p.subarray(0, hl)), 10);
  payload.copy(p, hl);
  return p;
}

const EXT_CODE: Record<Ipv6ExtensionSpec['type'], number> = {
  'hop-by-hop': IpProtocol.HOP_BY_HOP,
  destination: IpProtocol.DEST_OPTIONS,
  routing: IpProtocol.ROUTING,
  fragment: IpProtocol.FRAGMENT,
  ah: IpProtocol.AH,
  raw: -1,
};

function encodeExtension(e: Ipv6ExtensionSpec, next: number): Buffer {
  switch (e.type) {
    case 'hop-by-hop':
    case 'destination': {
      const opts = e.options ?? Buffer.alloc(0);
      const len = Math.max(8, (2 + opts.length + 7) & ~7);
      const b = Buffer.alloc(len);
      b[0] = next;
      b[1] = len / 8 - 1;
      opts.copy(b, 2);
      const pad = len - 2 - opts.length;
      // Pad1 for a single byte, PadN (type 1, length n-2) otherwise (RFC 8200 §4.2)
      if (pad === 1) b[2 + opts.length] = 0;
      else if (pad >= 2) {
        b[2 + opts.length] = 1;
        b[3 + opts.length] = pad - 2;
      }
      return b;
    }
    case 'routing': {
      const addrs = (e.addresses ?? []).map(parseIpAddress);
      const b = Buffer.alloc(8 + 16 * addrs.length);
      b[0] = next;
      b[1] = 2 * addrs.length;
      b[2] = e.routingType ?? 0;
      b[3] = e.segmentsLeft ?? 0;
      addrs.forEach((a, i) => a.copy(b, 8 + 16 * i));
      return b;
    }
    case 'fragment': {
      const b = Buffer.alloc(8);
      b[0] = next;
      const off = e.offset ?? 0;
      if (off % 8) throw new Error('IPv6 fragment offset must be a multiple of 8 bytes');
      b.writeUInt16BE(((off / 8) << 3) | (e.more ? 1 : 0), 2);
      b.writeUInt32BE((e.id ?? 0) >>> 0, 4);
      return b;
    }
    case 'ah': {
      const icv = e.icv ?? Buffer.alloc(12);
      const b = Buffer.alloc(12 + icv.length);
      if (b.length % 4) throw new Error('AH length must be a multiple of 4');
      b[0] = next;
      b[1] = b.length / 4 - 2; // RFC 4302: length in 32-bit words minus 2
      b.writeUInt32BE((e.spi ?? 0x100) >>> 0, 4);
      b.writeUInt32BE((e.sequence ?? 1) >>> 0, 8);
      icv.copy(b, 12);
      return b;
    }
    case 'raw': {
      const b = Buffer.from(e.bytes);
      b[0] = next;
      return b;
    }
  }
}

/** IPv6 fixed header + extension headers + payload. */
export function buildIpv6Packet(spec: IpSpec, protocol: number, payload: Buffer): Buffer {
  const exts = spec.extensions ?? [];
  const transport = spec.protocol ?? protocol;
  const encoded: Buffer[] = [];
  for (let i = 0; i < exts.length; i++) {
    const nextExt = exts[i + 1];
    const next = nextExt ? (nextExt.type === 'raw' ? nextExt.code : EXT_CODE[nextExt.type]) : transport;
    encoded.push(encodeExtension(exts[i]!, next));
  }
  const first = exts[0];
  const firstCode = first ? (first.type === 'raw' ? first.code : EXT_CODE[first.type]) : transport;
  const body = Buffer.concat([...encoded, payload]);
  const h = Buffer.alloc(40);
  h.writeUInt32BE(((6 << 28) | ((spec.trafficClass ?? 0) << 20) | ((spec.flowLabel ?? 0) & 0xfffff)) >>> 0, 0);
  h.writeUInt16BE(spec.totalLength ?? body.length, 4);
  h[6] = firstCode;
  h[7] = spec.ttl ?? 64;
  parseIpAddress(spec.src).copy(h, 8);
  parseIpAddress(spec.dst).copy(h, 24);
  return Buffer.concat([h, body]);
}

/** The address a transport checksum covers as destination: with a routing header that still has
 *  segments left, the final one (RFC 8200 §8.1). */
function checksumDestination(spec: IpSpec): Buffer {
  for (const e of spec.extensions ?? []) {
    if (e.type === 'routing' && (e.segmentsLeft ?? 0) > 0 && e.addresses && e.addresses.length > 0) {
      return parseIpAddress(e.addresses[e.addresses.length - 1]!);
    }
  }
  return parseIpAddress(spec.dst);
}

function transportOf(spec: FrameSpec): { protocol: number; bytes: Buffer } {
  const ip = spec.ip!;
  const src = parseIpAddress(ip.src);
  const dst = checksumDestination(ip);
  if (src.length !== dst.length) throw new Error(`address families differ: ${ip.src} / ${ip.dst}`);
  if (spec.tcp) return { protocol: IpProtocol.TCP, bytes: buildTcpSegment(spec.tcp, src, dst) };
  if (spec.udp) return { protocol: IpProtocol.UDP, bytes: buildUdpDatagram(spec.udp, src, dst) };
  return { protocol: 253, bytes: spec.ipPayload ?? Buffer.alloc(0) };
}

/** The IP packet of a spec (no link header). */
export function buildIpPacket(spec: FrameSpec): Buffer {
  if (!spec.ip) throw new Error('buildIpPacket needs spec.ip');
  const { protocol, bytes } = transportOf(spec);
  return isIpv6Text(spec.ip.src) ? buildIpv6Packet(spec.ip, protocol, bytes) : buildIpv4Packet(spec.ip, protocol, bytes);
}

export function buildArp(a: ArpSpec | true): Buffer {
  const s = a === true ? {} : a;
  const b = Buffer.alloc(28);
  b.writeUInt16BE(1, 0); // hardware: Ethernet
  b.writeUInt16BE(EtherType.IPV4, 2);
  b[4] = 6;
  b[5] = 4;
  b.writeUInt16BE(s.op ?? 1, 6);
  parseMac(s.senderMac ?? '02:00:00:00:00:01').copy(b, 8);
  parseIpAddress(s.senderIp ?? '192.0.2.1').copy(b, 14);
  parseMac(s.targetMac ?? '00:00:00:00:00:00').copy(b, 18);
  parseIpAddress(s.targetIp ?? '192.0.2.2').copy(b, 24);
  return b;
}

// ---------------------------------------------------------------------------------------------
// link

/** Wraps a network-layer packet in the link header of `spec.linkType`. */
export function wrapLink(spec: FrameSpec, etherType: number, packet: Buffer): Buffer {
  const linkType = spec.linkType ?? LinkType.ETHERNET;
  const trailer = spec.trailer ?? Buffer.alloc(0);
  const isV6 = etherType === EtherType.IPV6;
  let head: Buffer;
  switch (linkType) {
    case LinkType.ETHERNET: {
      const vlans = spec.vlan ?? [];
      if (vlans.length > 2) throw new Error('at most two VLAN tags');
      const tpids = spec.vlanTpids ?? (vlans.length === 2 ? [EtherType.QINQ, EtherType.VLAN] : [EtherType.VLAN]);
      head = Buffer.alloc(14 + 4 * vlans.length);
      parseMac(spec.dstMac ?? '02:00:00:00:00:02').copy(head, 0);
      parseMac(spec.srcMac ?? '02:00:00:00:00:01').copy(head, 6);
      let off = 12;
      vlans.forEach((vid, i) => {
        head.writeUInt16BE(tpids[i] ?? EtherType.VLAN, off);
        head.writeUInt16BE(vid & 0x0fff, off + 2); // priority 0, DEI 0
        off += 4;
      });
      head.writeUInt16BE(etherType, off);
      break;
    }
    case LinkType.LINUX_SLL: {
      // packet type, ARPHRD type, address length, address (8, zero-padded), protocol
      head = Buffer.alloc(16);
      head.writeUInt16BE(spec.sllPacketType ?? 0, 0);
      head.writeUInt16BE(spec.sllHardwareType ?? ArpHardware.ETHER, 2);
      head.writeUInt16BE(6, 4);
      parseMac(spec.srcMac ?? '02:00:00:00:00:01').copy(head, 6);
      head.writeUInt16BE(etherType, 14);
      break;
    }
    case LinkType.LINUX_SLL2: {
      // protocol, reserved, interface index, ARPHRD type, packet type, address length, address
      head = Buffer.alloc(20);
      head.writeUInt16BE(etherType, 0);
      head.writeUInt32BE(spec.sllIfIndex ?? 1, 4);
      head.writeUInt16BE(spec.sllHardwareType ?? ArpHardware.ETHER, 8);
      head[10] = spec.sllPacketType ?? 0;
      head[11] = 6;
      parseMac(spec.srcMac ?? '02:00:00:00:00:01').copy(head, 12);
      break;
    }
    case LinkType.NULL:
    case LinkType.LOOP: {
      if (etherType !== EtherType.IPV4 && etherType !== EtherType.IPV6) {
        throw new Error('NULL/LOOP links carry only IP');
      }
      const af = spec.nullFamily ?? (isV6 ? AddressFamily.INET6_BSD : AddressFamily.INET);
      head = Buffer.alloc(4);
      // NULL: host byte order of the capturing machine (little-endian by default); LOOP: network order
      if (linkType === LinkType.LOOP || spec.nullBigEndian) head.writeUInt32BE(af, 0);
      else head.writeUInt32LE(af, 0);
      break;
    }
    case LinkType.RAW:
    case LinkType.IPV4:
    case LinkType.IPV6:
      if (etherType !== EtherType.IPV4 && etherType !== EtherType.IPV6) throw new Error('raw IP links carry only IP');
      head = Buffer.alloc(0);
      break;
    default:
      throw new Error(`cannot build link type ${linkType}`);
  }
  return Buffer.concat([head, packet, trailer]);
}

/** A whole frame, link header first, as it would sit in a capture file. */
export function buildFrame(spec: FrameSpec): Buffer {
  if (spec.ip) {
    const packet = buildIpPacket(spec);
    return wrapLink(spec, isIpv6Text(spec.ip.src) ? EtherType.IPV6 : EtherType.IPV4, packet);
  }
  if (spec.arp) return wrapLink(spec, EtherType.ARP, buildArp(spec.arp));
  if (spec.etherType !== undefined) return wrapLink(spec, spec.etherType, spec.linkPayload ?? Buffer.alloc(0));
  throw new Error('buildFrame needs ip, arp or etherType');
}

/** The frames of one IP packet split into fragments carrying at most `maxFragmentBytes` of the
 *  transport bytes each (rounded down to a multiple of 8). IPv4: MF/offset in the header;
 *  IPv6: a fragment header appended to the spec's extension headers. */
export function buildFragmentedFrames(spec: FrameSpec, maxFragmentBytes: number, id = 0x1234): Buffer[] {
  if (!spec.ip) throw new Error('buildFragmentedFrames needs spec.ip');
  const chunk = maxFragmentBytes & ~7;
  if (chunk <= 0) throw new Error('fragment size must be at least 8 bytes');
  const { protocol, bytes } = transportOf(spec);
  const v6 = isIpv6Text(spec.ip.src);
  const frames: Buffer[] = [];
  for (let off = 0; off < bytes.length || off === 0; off += chunk) {
    const piece = bytes.subarray(off, off + chunk);
    const more = off + chunk < bytes.length;
    const ip: IpSpec = v6
      ? { ...spec.ip, extensions: [...(spec.ip.extensions ?? []), { type: 'fragment', offset: off, more, id }] }
      : { ...spec.ip, id, fragmentOffset: off, mf: more };
    const packet = v6 ? buildIpv6Packet(ip, protocol, piece) : buildIpv4Packet(ip, protocol, piece);
    frames.push(wrapLink(spec, v6 ? EtherType.IPV6 : EtherType.IPV4, packet));
    if (!more) break;
  }
  return frames;
}
