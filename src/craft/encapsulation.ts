// Encoders for the encapsulations of mirrored and carrier traffic (VXLAN, GENEVE, GRE, ERSPAN
// types I-III, MPLS with Ethernet pseudowires, PPPoE/PPP, IP in IP), and wrappers that put a
// whole crafted trace inside them: each wrapper takes an Ethernet frame as the ladder DSL writes
// it and returns the Ethernet frame a capture on the underlay (or the carrier link) would hold.
// Wrappers nest: `vxlan()(...)` of a frame `gre({ payload: 'ethernet' })` produced is VXLAN
// carrying GRE carrying the frame.
//
//   const t = new TraceBuilder();   …ladder as usual…
//   const frames = encapsulateFrames(t.frames(), tunnel.vxlan({ vni: 42 }));
//   writeFileSync('x.pcap', framesToPcap(frames, { linkType: LinkType.ETHERNET }));
//
// Overrides (version, flags, lengths) exist so tests can build malformed headers on purpose.

import { LinkType } from '../capture/frame.ts';
import { EtherType, IpProtocol, PppProtocol, UdpPort } from '../decode/protocol-numbers.ts';
import { buildIpPacket, internetChecksum, isIpv6Text, wrapLink, type FrameSpec } from './packet-builder.ts';
import type { CraftedFrame } from './trace-builder.ts';

// ---------------------------------------------------------------------------------------------
// headers (each returns its header followed by the payload)

/** VXLAN (RFC 7348): flags with the I bit, VNI. */
export function encodeVxlan(inner: Buffer, o: { vni?: number; flags?: number } = {}): Buffer {
  const h = Buffer.alloc(8);
  h[0] = o.flags ?? 0x08;
  h.writeUIntBE((o.vni ?? 0) & 0xffffff, 4, 3);
  return Buffer.concat([h, inner]);
}

export interface GeneveSpec {
  vni?: number;
  protocol?: number; //  default Transparent Ethernet Bridging (an Ethernet frame)
  options?: Buffer; //   TLVs, a multiple of 4 bytes
  version?: number; //   default 0
  optionWords?: number; // override of the options-length field (malformed tests)
}

/** GENEVE (RFC 8926). */
export function encodeGeneve(payload: Buffer, o: GeneveSpec = {}): Buffer {
  const options = o.options ?? Buffer.alloc(0);
  if (options.length % 4) throw new Error('GENEVE options must be a multiple of 4 bytes');
  const h = Buffer.alloc(8);
  h[0] = ((o.version ?? 0) << 6) | ((o.optionWords ?? options.length / 4) & 0x3f);
  h.writeUInt16BE(o.protocol ?? EtherType.TEB, 2);
  h.writeUIntBE((o.vni ?? 0) & 0xffffff, 4, 3);
  return Buffer.concat([h, options, payload]);
}

/** A GENEVE option TLV: class(2) type(1) length in words(5 bits) and `data` (padded to 4). */
export function geneveOption(optionClass: number, type: number, data: Buffer): Buffer {
  const padded = Buffer.concat([data, Buffer.alloc((4 - (data.length % 4)) % 4)]);
  const h = Buffer.alloc(4);
  h.writeUInt16BE(optionClass, 0);
  h[2] = type;
  h[3] = (padded.length / 4) & 0x1f;
  return Buffer.concat([h, padded]);
}

export interface GreSpec {
  protocol: number; //    protocol type of the payload (EtherType space)
  checksum?: boolean; //  C: checksum over header and payload, computed
  key?: number; //        K
  sequence?: number; //   S
  version?: number; //    0 (default) or 1 (PPTP: key = payload length << 16 | call id, computed when absent)
  ack?: number; //        version 1: acknowledgment number (A)
  routing?: Buffer; //    R: source route entries as given, ending with the null entry (RFC 1701)
  flags?: number; //      override of the whole flags/version word (malformed tests)
}

/** GRE (RFC 2784/2890; RFC 1701 routing; RFC 2637 version 1). */
export function encodeGre(payload: Buffer, o: GreSpec): Buffer {
  const version = o.version ?? 0;
  const key = o.key ?? (version === 1 ? ((payload.length << 16) | 1) >>> 0 : undefined);
  let flags = version & 7;
  if (o.checksum || o.routing) flags |= o.checksum ? 0x8000 : 0;
  if (o.routing) flags |= 0x4000;
  if (key !== undefined) flags |= 0x2000;
  if (o.sequence !== undefined) flags |= 0x1000;
  if (version === 1 && o.ack !== undefined) flags |= 0x0080;
  const words: number[] = [];
  if (o.checksum || o.routing) words.push(0); // checksum (filled below) and offset
  if (key !== undefined) words.push(key);
  if (o.sequence !== undefined) words.push(o.sequence);
  if (version === 1 && o.ack !== undefined) words.push(o.ack);
  const h = Buffer.alloc(4 + 4 * words.length);
  h.writeUInt16BE(o.flags ?? flags, 0);
  h.writeUInt16BE(o.protocol, 2);
  words.forEach((w, i) => h.writeUInt32BE(w >>> 0, 4 + 4 * i));
  const out = Buffer.concat([h, o.routing ?? Buffer.alloc(0), payload]);
  if (o.checksum) out.writeUInt16BE(internetChecksum(out), 4);
  return out;
}

export interface ErspanSpec {
  type: 1 | 2 | 3;
  session?: number; //    10 bits
  vlan?: number; //       12 bits
  cos?: number;
  truncated?: boolean; // T: the mirror cut the frame
  index?: number; //      type II: 20 bits
  timestamp?: number; //  type III: uint32
  granularity?: number; // type III Gra: 0 100 µs, 1 100 ns (default), 2 IEEE 1588, 3 user
  hardwareId?: number; // type III, 6 bits
  platform?: Buffer; //   type III: the 8-byte platform-specific subheader (sets O)
  version?: number; //    override of the version nibble (malformed tests)
}

/** ERSPAN header + mirrored Ethernet frame (type I: the frame alone). */
export function encodeErspan(inner: Buffer, o: ErspanSpec): Buffer {
  if (o.type === 1) return inner;
  const version = o.version ?? (o.type === 2 ? 1 : 2);
  const first = ((version & 0xf) << 12) | ((o.vlan ?? 0) & 0x0fff);
  const second = (((o.cos ?? 0) & 7) << 13) | (o.truncated ? 0x0400 : 0) | ((o.session ?? 0) & 0x3ff);
  if (o.type === 2) {
    const h = Buffer.alloc(8);
    h.writeUInt16BE(first, 0);
    h.writeUInt16BE(second, 2);
    h.writeUInt32BE((o.index ?? 0) & 0xfffff, 4);
    return Buffer.concat([h, inner]);
  }
  const platform = o.platform ?? Buffer.alloc(0);
  if (platform.length !== 0 && platform.length !== 8) throw new Error('the ERSPAN platform-specific subheader is 8 bytes');
  const h = Buffer.alloc(12);
  h.writeUInt16BE(first, 0);
  h.writeUInt16BE(second, 2);
  h.writeUInt32BE((o.timestamp ?? 0) >>> 0, 4);
  // P(1) FT(5)=0 Ethernet HW ID(6) D(1) Gra(2) O(1)
  h.writeUInt16BE((((o.hardwareId ?? 0) & 0x3f) << 4) | (((o.granularity ?? 1) & 3) << 1) | (platform.length ? 1 : 0), 10);
  return Buffer.concat([h, platform, inner]);
}

export interface MplsLabel {
  label: number;
  tc?: number; //  traffic class (EXP)
  ttl?: number; // default 64
}

/** An MPLS label stack (bottom-of-stack set on the last) and, for a pseudowire, an optional
 *  control word (RFC 4385: first nibble 0, sequence number in the low 16 bits). */
export function encodeMpls(payload: Buffer, labels: ReadonlyArray<number | MplsLabel>, o: { controlWord?: number; noBottom?: boolean } = {}): Buffer {
  if (labels.length === 0) throw new Error('an MPLS stack needs at least one label');
  const h = Buffer.alloc(4 * labels.length + (o.controlWord !== undefined ? 4 : 0));
  labels.forEach((l, i) => {
    const s = typeof l === 'number' ? { label: l } : l;
    const bottom = i === labels.length - 1 && !o.noBottom ? 1 : 0;
    h.writeUInt32BE((((s.label & 0xfffff) << 12) | (((s.tc ?? 0) & 7) << 9) | (bottom << 8) | ((s.ttl ?? 64) & 0xff)) >>> 0, 4 * i);
  });
  if (o.controlWord !== undefined) h.writeUInt32BE(o.controlWord & 0xffff, 4 * labels.length);
  return Buffer.concat([h, payload]);
}

/** PPP protocol field (two bytes, or one when `compress` and the value allows) + payload;
 *  `addressControl` prefixes ff 03 (RFC 1662 framing, as PPTP sends it). */
export function encodePpp(payload: Buffer, protocol: number, o: { compress?: boolean; addressControl?: boolean } = {}): Buffer {
  const field = o.compress && protocol < 0x100 ? Buffer.from([protocol]) : Buffer.from([protocol >> 8, protocol & 0xff]);
  return Buffer.concat([o.addressControl ? Buffer.from([0xff, 0x03]) : Buffer.alloc(0), field, payload]);
}

/** PPPoE session header (RFC 2516) in front of a PPP frame (protocol field included). */
export function encodePppoe(ppp: Buffer, o: { sessionId?: number; code?: number; versionType?: number; length?: number } = {}): Buffer {
  const h = Buffer.alloc(6);
  h[0] = o.versionType ?? 0x11;
  h[1] = o.code ?? 0;
  h.writeUInt16BE((o.sessionId ?? 1) & 0xffff, 2);
  h.writeUInt16BE(o.length ?? ppp.length, 4);
  return Buffer.concat([h, ppp]);
}

// ---------------------------------------------------------------------------------------------
// outer packets and frames

export interface OuterIp {
  src: string; //  dotted quad or IPv6 text
  dst: string;
  ttl?: number;
  id?: number;
  df?: boolean;
}

export interface OuterEthernet {
  srcMac?: string;
  dstMac?: string;
  vlan?: number[]; //     outermost first
  vlanTpids?: number[];
}

/** An IP packet carrying `payload` as protocol `protocol`. */
export function outerIpPacket(outer: OuterIp, protocol: number, payload: Buffer): Buffer {
  return buildIpPacket({ ip: { ...outer, protocol }, ipPayload: payload });
}

/** An IP packet carrying a UDP datagram (checksum computed). */
export function outerUdpPacket(outer: OuterIp, srcPort: number, dstPort: number, payload: Buffer): Buffer {
  return buildIpPacket({ ip: outer, udp: { srcPort, dstPort, payload } });
}

/** An Ethernet frame carrying `payload` as `etherType`. */
export function outerEthernetFrame(etherType: number, payload: Buffer, eth: OuterEthernet = {}): Buffer {
  const spec: FrameSpec = { linkType: LinkType.ETHERNET, srcMac: eth.srcMac ?? '02:00:00:00:01:01', dstMac: eth.dstMac ?? '02:00:00:00:01:02' };
  if (eth.vlan) spec.vlan = eth.vlan;
  if (eth.vlanTpids) spec.vlanTpids = eth.vlanTpids;
  return wrapLink(spec, etherType, payload);
}

/** The EtherType and payload of an Ethernet frame (past any VLAN tags). */
export function ethernetPayload(frame: Buffer): { etherType: number; payload: Buffer } {
  let off = 12;
  let type = frame.readUInt16BE(off);
  while (type === EtherType.VLAN || type === EtherType.QINQ || type === EtherType.QINQ_OLD) {
    off += 4;
    type = frame.readUInt16BE(off);
  }
  return { etherType: type, payload: frame.subarray(off + 2) };
}

const ipVersionEtherType = (packet: Buffer) => (packet[0]! >> 4 === 6 ? EtherType.IPV6 : EtherType.IPV4);

// ---------------------------------------------------------------------------------------------
// wrappers for whole traces

/** Ethernet frame in, the frame carrying it on the underlay out. Wrappers keep per-trace state
 *  (outer IP ids, sequence numbers), so use one per trace. */
export type FrameWrapper = (frame: Buffer) => Buffer;

export interface UnderlaySpec {
  outer?: OuterIp; //        default 198.51.100.1 → 198.51.100.2 (a mirror source and its collector)
  ethernet?: OuterEthernet;
}

const DEFAULT_OUTER: OuterIp = { src: '198.51.100.1', dst: '198.51.100.2' };

/** Outer IP packets of one wrapper: ids count up from the spec's (or 1). */
function underlay(u: UnderlaySpec): { ip(protocol: number, payload: Buffer): Buffer; udp(srcPort: number, dstPort: number, payload: Buffer): Buffer; frame(ipPacket: Buffer): Buffer } {
  const outer = u.outer ?? DEFAULT_OUTER;
  let id = outer.id ?? 1;
  const next = (): OuterIp => ({ ...outer, id: id++ & 0xffff });
  return {
    ip: (protocol, payload) => outerIpPacket(next(), protocol, payload),
    udp: (srcPort, dstPort, payload) => outerUdpPacket(next(), srcPort, dstPort, payload),
    frame: (ipPacket) => outerEthernetFrame(isIpv6Text(outer.src) ? EtherType.IPV6 : EtherType.IPV4, ipPacket, u.ethernet),
  };
}

/** A UDP source port derived from the inner frame's addresses and ports, as VTEPs pick one per
 *  inner flow (RFC 7348 §5) from the dynamic range. */
function flowPort(inner: Buffer): number {
  let h = 0;
  for (let i = 14; i < Math.min(inner.length, 54); i++) h = (h * 31 + inner[i]!) >>> 0;
  return 49152 + (h % 16384);
}

export const tunnel = {
  /** VXLAN to UDP `port` (default 4789). */
  vxlan(o: UnderlaySpec & { vni?: number; port?: number } = {}): FrameWrapper {
    const u = underlay(o);
    return (f) => u.frame(u.udp(flowPort(f), o.port ?? UdpPort.VXLAN, encodeVxlan(f, { vni: o.vni ?? 42 })));
  },

  /** GENEVE carrying the Ethernet frame, or (payload 'ip') its IP packet. */
  geneve(o: UnderlaySpec & { vni?: number; port?: number; payload?: 'ethernet' | 'ip'; options?: Buffer } = {}): FrameWrapper {
    const u = underlay(o);
    return (f) => {
      const ip = ethernetPayload(f).payload;
      const body = o.payload === 'ip' ? encodeGeneve(ip, { vni: o.vni ?? 42, protocol: ipVersionEtherType(ip), options: o.options }) : encodeGeneve(f, { vni: o.vni ?? 42, options: o.options });
      return u.frame(u.udp(flowPort(f), o.port ?? UdpPort.GENEVE, body));
    };
  },

  /** GRE carrying the Ethernet frame (Transparent Ethernet Bridging, as gretap) or its IP packet. */
  gre(o: UnderlaySpec & { payload: 'ethernet' | 'ip'; key?: number; sequence?: boolean; checksum?: boolean }): FrameWrapper {
    const u = underlay(o);
    let seq = 0;
    return (f) => {
      const ip = ethernetPayload(f).payload;
      const spec: GreSpec = o.payload === 'ethernet' ? { protocol: EtherType.TEB } : { protocol: ipVersionEtherType(ip) };
      if (o.key !== undefined) spec.key = o.key;
      if (o.sequence) spec.sequence = seq++;
      if (o.checksum) spec.checksum = true;
      return u.frame(u.ip(IpProtocol.GRE, encodeGre(o.payload === 'ethernet' ? f : ip, spec)));
    };
  },

  /** ERSPAN of `type` in GRE (type I: no GRE flags; II and III: GRE sequence numbers). */
  erspan(o: UnderlaySpec & Omit<ErspanSpec, 'index' | 'timestamp'> & { timestampStep?: number }): FrameWrapper {
    const u = underlay(o);
    let seq = 0;
    let timestamp = 1_000_000;
    return (f) => {
      const n = seq++;
      const body = encodeErspan(f, { ...o, index: n, timestamp });
      timestamp = (timestamp + (o.timestampStep ?? 10_000)) >>> 0;
      const gre: GreSpec = { protocol: o.type === 3 ? EtherType.ERSPAN_III : EtherType.ERSPAN_I_II };
      if (o.type !== 1) gre.sequence = n;
      return u.frame(u.ip(IpProtocol.GRE, encodeGre(body, gre)));
    };
  },

  /** An MPLS label stack on Ethernet, carrying the IP packet or (pseudowire) the Ethernet frame,
   *  with or without a control word. */
  mpls(o: { labels: ReadonlyArray<number | MplsLabel>; payload: 'ip' | 'ethernet'; controlWord?: boolean; ethernet?: OuterEthernet }): FrameWrapper {
    let seq = 1;
    return (f) => {
      const body = o.payload === 'ip' ? ethernetPayload(f).payload : f;
      const stack = encodeMpls(body, o.labels, o.controlWord ? { controlWord: seq++ } : {});
      return outerEthernetFrame(EtherType.MPLS, stack, o.ethernet);
    };
  },

  /** A PPPoE session on Ethernet (tags in `ethernet.vlan`, e.g. 802.1ad + 802.1Q) carrying the IP packet. */
  pppoe(o: { sessionId?: number; ethernet?: OuterEthernet; compress?: boolean } = {}): FrameWrapper {
    return (f) => {
      const ip = ethernetPayload(f).payload;
      const protocol = ipVersionEtherType(ip) === EtherType.IPV6 ? PppProtocol.IPV6 : PppProtocol.IPV4;
      return outerEthernetFrame(EtherType.PPPOE_SESSION, encodePppoe(encodePpp(ip, protocol, { compress: o.compress }), { sessionId: o.sessionId ?? 0x1234 }), o.ethernet);
    };
  },

  /** PPP in enhanced GRE (PPTP, version 1) carrying the IP packet. */
  pptp(o: UnderlaySpec = {}): FrameWrapper {
    const u = underlay(o);
    let seq = 1;
    return (f) => {
      const ip = ethernetPayload(f).payload;
      const protocol = ipVersionEtherType(ip) === EtherType.IPV6 ? PppProtocol.IPV6 : PppProtocol.IPV4;
      return u.frame(u.ip(IpProtocol.GRE, encodeGre(encodePpp(ip, protocol, { addressControl: true }), { protocol: EtherType.PPP, version: 1, sequence: seq++ })));
    };
  },

  /** The IP packet directly in an outer IP packet (IPIP, 6in4, IPv6 in IPv6). */
  ipInIp(o: UnderlaySpec = {}): FrameWrapper {
    const u = underlay(o);
    return (f) => {
      const ip = ethernetPayload(f).payload;
      return u.frame(u.ip(ipVersionEtherType(ip) === EtherType.IPV6 ? IpProtocol.IPV6 : IpProtocol.IPV4, ip));
    };
  },
};

/** The frames of a crafted trace, each put through `wrap` (times and numbering unchanged). */
export function encapsulateFrames(frames: readonly CraftedFrame[], wrap: FrameWrapper): CraftedFrame[] {
  return frames.map((f) => {
    const data = wrap(f.data);
    return { ...f, data, origLen: data.length };
  });
}
