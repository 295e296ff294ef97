// MPLS label stacks (RFC 3032) and what follows the bottom of the stack: IPv4, IPv6, or an
// Ethernet pseudowire (RFC 4448) with or without the control word of RFC 4385.
//
//   label(20) TC(3) S(1) TTL(8), repeated until S (bottom of stack) is set | payload
//   e.g. 00 3e 80 40 | 00 3e 91 40 | 45 00 …      (labels 1000 and 1001, then IPv4)
//        00 3e 91 40 | 00 00 00 05 | 00 1b 21 …   (label 1001, control word, sequence 5, Ethernet)
//
// What follows the stack
// Definition: MPLS does not say what it carries; the label's meaning lives in the routers' tables.
// Like Wireshark (packet-mpls.c, after BCP 128 / RFC 4928), the first nibble decides: 4 is IPv4
// and 6 is IPv6 when the IP header's length fills the rest of the packet (up to 4 bytes of link
// padding); anything else is taken as an Ethernet pseudowire. For a pseudowire, a first nibble of 0
// may be a control word (RFC 4385 reserves 0 for it) or the first byte of a destination MAC
// address such as 00:1b:21: Wireshark asks its OUI database whether the addresses look real; here
// the frame is read both ways and the one whose EtherType we know (IPv4, IPv6, ARP, VLAN tags,
// MPLS, PPPoE, LLDP) wins, the control word on a tie (no control word if the nibble is not 0).
// An IP header whose length does not fill the packet is still taken as IP when neither
// pseudowire reading holds (link padding and a captured FCS can exceed 4 bytes).

import { u16be } from '../capture/endian-read.ts';
import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { NetworkContext } from './layers.ts';
import { Encapsulation, enterLayer, headerFits, layerMalformed } from './encapsulation.ts';
import { decodeEthernetPayload, isVlanTpid } from './ethernet.ts';
import { decodeIpv4 } from './ipv4.ts';
import { decodeIpv6 } from './ipv6.ts';
import { EtherType } from './protocol-numbers.ts';

/** Labels walked before a stack without a bottom is called malformed (real stacks: 1-5). */
const MAX_LABELS = 16;
/** Reserved label 13, the Generic Associated Channel (RFC 5586): OAM, not a payload. */
const GAL = 13;
/** Bytes of link padding an IP header's length may leave at the end of the packet (Wireshark's). */
const IP_PADDING = 4;
const CONTROL_WORD = 4;

export function decodeMpls(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (!enterLayer(Encapsulation.MPLS, pkt, ctx)) return 'malformed';
  let p = off;
  let label = -1;
  for (let n = 0; ; n++) {
    if (n === MAX_LABELS) return layerMalformed(pkt, ctx, `MPLS label stack without a bottom within ${MAX_LABELS} labels`);
    const fits = headerFits(p, 4, 'MPLS label stack', pkt, ctx);
    if (fits !== 'ok') return fits;
    label = (data[p]! << 12) | (data[p + 1]! << 4) | (data[p + 2]! >> 4);
    const bottom = (data[p + 2]! & 1) !== 0;
    p += 4;
    if (bottom) break;
  }
  if (label === GAL || p >= ctx.wireEnd) return 'not-ip';
  if (p >= ctx.capEnd) return 'truncated';
  const rest = ctx.wireEnd - p;
  const nibble = data[p]! >> 4;
  const ipLength = nibble === 4 ? ipv4Length(data, p, ctx) : nibble === 6 ? ipv6Length(data, p, ctx) : -1;
  if (ipLength >= 0 && ipLength <= rest && rest - ipLength <= IP_PADDING) return (nibble === 4 ? decodeIpv4 : decodeIpv6)(data, p, pkt, ctx);
  // a pseudowire: with a control word only after a first nibble of 0 (RFC 4385 §3)
  if (nibble === 0 && knownEtherType(data, p + CONTROL_WORD + 12, ctx)) return pseudowire(Encapsulation.PW_ETHERNET_CW, data, p + CONTROL_WORD, pkt, ctx);
  if (knownEtherType(data, p + 12, ctx)) return pseudowire(Encapsulation.PW_ETHERNET, data, p, pkt, ctx);
  if (ipLength >= 0 && ipLength <= rest) return (nibble === 4 ? decodeIpv4 : decodeIpv6)(data, p, pkt, ctx);
  if (nibble === 0) return pseudowire(Encapsulation.PW_ETHERNET_CW, data, p + CONTROL_WORD, pkt, ctx);
  return 'not-ip';
}

/** The IPv4 total length at `p`, -1 when not captured. */
function ipv4Length(data: Buffer, p: number, ctx: NetworkContext): number {
  return p + 4 <= ctx.capEnd ? u16be(data, p + 2) : -1;
}

/** The IPv6 packet length (fixed header + payload length) at `p`, -1 when not captured. */
function ipv6Length(data: Buffer, p: number, ctx: NetworkContext): number {
  return p + 6 <= ctx.capEnd ? 40 + u16be(data, p + 4) : -1;
}

/** Whether the two bytes at `at` are an EtherType an Ethernet frame of a pseudowire would carry. */
function knownEtherType(data: Buffer, at: number, ctx: NetworkContext): boolean {
  if (at + 2 > ctx.capEnd) return false;
  const t = u16be(data, at);
  return ctx.tables.etherTypes.has(t) || isVlanTpid(t) || t === EtherType.ARP || t === EtherType.LLDP || t === EtherType.PPPOE_DISCOVERY;
}

function pseudowire(kind: typeof Encapsulation.PW_ETHERNET | typeof Encapsulation.PW_ETHERNET_CW, data: Buffer, p: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (!enterLayer(kind, pkt, ctx)) return 'malformed';
  return decodeEthernetPayload(data, p, pkt, ctx);
}
