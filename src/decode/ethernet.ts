// Ethernet II (IEEE 802.3) with 802.1Q VLAN tags and 802.1ad / pre-standard QinQ stacks.
//
//   dst(6) src(6) [TPID(2) TCI(2)]… EtherType(2) payload
//   e.g. 02 00 00 00 00 02 | 02 00 00 00 00 01 | 81 00 00 64 | 08 00 | 45 00 …

import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { LinkLayer, NetworkContext } from './layers.ts';
import { EtherType } from './protocol-numbers.ts';
import { layerMalformed, layerTruncated } from './encapsulation.ts';

/** A value below this in the type/length field is an 802.3 length (LLC frame), not an EtherType. */
const MIN_ETHERTYPE = 0x0600;

/** Most tags we unwrap before giving up: real networks stack two; more is garbage or an attack. */
const MAX_TAGS = 8;

export function isVlanTpid(t: number): boolean {
  return t === EtherType.VLAN || t === EtherType.QINQ || t === EtherType.QINQ_OLD;
}

/** Unwraps VLAN tags starting at `offset` whose type field said `etherType`; records the first two
 *  VLAN ids in `pkt`. Sets out.offset / out.etherType; false when the bytes (up to `end`) end
 *  inside a tag. */
export function unwrapVlanTags(data: Buffer, offset: number, etherType: number, out: LinkLayer, pkt: DecodedPacket, end: number): boolean {
  let off = offset;
  let type = etherType;
  for (let tags = 0; isVlanTpid(type) && tags < MAX_TAGS; tags++) {
    if (off + 4 > end) return false;
    const vid = data.readUInt16BE(off) & 0x0fff;
    if (tags === 0) pkt.vlan = vid;
    else if (tags === 1) pkt.innerVlan = vid;
    type = data.readUInt16BE(off + 2);
    off += 4;
  }
  out.offset = off;
  out.etherType = type >= MIN_ETHERTYPE && !isVlanTpid(type) ? type : -1;
  return true;
}

export function decodeEthernet(data: Buffer, at: number, end: number, out: LinkLayer, pkt: DecodedPacket): boolean {
  if (end - at < 14) return false;
  return unwrapVlanTags(data, at + 14, (data[at + 12]! << 8) | data[at + 13]!, out, pkt, end);
}

/**
 * An Ethernet frame carried inside a tunnel (VXLAN, GENEVE or GRE bridging, ERSPAN, an MPLS
 * pseudowire), without FCS, as if captured on the host: its VLAN tags replace the outer ones.
 */
export function decodeEthernetPayload(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (ctx.wireEnd - off < 14) return layerMalformed(pkt, ctx, 'inner Ethernet frame shorter than its 14-byte header');
  if (ctx.capEnd - off < 14) return layerTruncated(pkt, ctx);
  pkt.vlan = -1;
  pkt.innerVlan = -1;
  const link = ctx.link;
  if (!unwrapVlanTags(data, off + 14, (data[off + 12]! << 8) | data[off + 13]!, link, pkt, ctx.capEnd)) return layerTruncated(pkt, ctx);
  const next = ctx.tables.etherTypes.get(link.etherType);
  if (next === undefined) return 'not-ip';
  if (link.offset >= ctx.capEnd) return 'truncated';
  return next(data, link.offset, pkt, ctx);
}
