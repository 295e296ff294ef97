// ERSPAN (Cisco's Encapsulated Remote SPAN, draft-foschiano-erspan-03): a mirrored Ethernet frame
// in GRE, protocol 0x88be (types I and II) or 0x22eb (type III). As Wireshark does, the type is
// told apart by the GRE header and the version field: a GRE header without any flag carries
// type I (no ERSPAN header at all, e.g. Broadcom Trident 2); otherwise version 1 is type II
// (8 bytes) and version 2 type III (12 bytes, plus an 8-byte platform-specific subheader when
// its O flag is set).
//
//   type II:  ver(4)=1 VLAN(12) | COS(3) En(2) T(1) session(10) | reserved(12) index(20) | Ethernet frame
//   e.g.      10 64 | 04 2a | 00 00 00 01 | 02 00 …            (VLAN 100, T set, session 42)
//   type III: ver(4)=2 VLAN(12) | COS(3) BSO(2) T(1) session(10) | timestamp(4) | SGT(2) | P FT(5) HW ID(6) D Gra(2) O | [platform(8)] | Ethernet frame
//   e.g.      20 00 | 00 07 | 00 0f 42 40 | 00 00 | 00 02 | 02 00 …   (session 7, timestamp 1000000, Gra 01: 100 ns)
//
// The frame type (FT) is not read: like Wireshark and the Linux erspan driver, the payload is
// taken to be an Ethernet frame. The T flag says the mirror cut the frame to fit its MTU; inner
// lengths past the payload are then taken like a snaplen cut (ipv4.ts).

import { u16be, u32be } from '../capture/endian-read.ts';
import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { NetworkContext } from './layers.ts';
import { Encapsulation, enterLayer, headerFits, layerMalformed } from './encapsulation.ts';
import { decodeEthernetPayload } from './ethernet.ts';

const TYPE_II_LENGTH = 8;
const TYPE_III_LENGTH = 12;
const PLATFORM_SUBHEADER_LENGTH = 8;
const TYPE_III_OPTIONAL = 0x0001; // O flag in the last 16-bit word of the type III header

export function decodeErspan(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (ctx.greFlags === 0) {
    if (!enterLayer(Encapsulation.ERSPAN_I, pkt, ctx)) return 'malformed';
    return decodeEthernetPayload(data, off, pkt, ctx);
  }
  // the version nibble decides, whichever of the two protocol types the GRE header named
  if (off + 2 <= ctx.capEnd && data[off]! >> 4 === 2) return typeIII(data, off, pkt, ctx);
  if (!enterLayer(Encapsulation.ERSPAN_II, pkt, ctx)) return 'malformed';
  const fits = headerFits(off, TYPE_II_LENGTH, 'ERSPAN type II', pkt, ctx);
  if (fits !== 'ok') return fits;
  const version = data[off]! >> 4;
  if (version !== 1) return layerMalformed(pkt, ctx, `ERSPAN header of version ${version} (1 is type II, 2 type III)`);
  return decodeEthernetPayload(data, off + TYPE_II_LENGTH, pkt, ctx);
}

function typeIII(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (!enterLayer(Encapsulation.ERSPAN_III, pkt, ctx)) return 'malformed';
  let fits = headerFits(off, TYPE_III_LENGTH, 'ERSPAN type III', pkt, ctx);
  if (fits !== 'ok') return fits;
  const word = u16be(data, off + 10);
  pkt.erspanTimestamp = u32be(data, off + 4);
  pkt.erspanGranularity = (word >> 1) & 3;
  const length = TYPE_III_LENGTH + (word & TYPE_III_OPTIONAL ? PLATFORM_SUBHEADER_LENGTH : 0);
  fits = headerFits(off, length, 'ERSPAN type III platform', pkt, ctx);
  if (fits !== 'ok') return fits;
  return decodeEthernetPayload(data, off + length, pkt, ctx);
}
