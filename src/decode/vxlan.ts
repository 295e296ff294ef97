// VXLAN (RFC 7348): an Ethernet frame in UDP, to port 4789 (or a port the user names: Linux's
// own default is 8472). AWS VPC Traffic Mirroring and Azure virtual network TAP deliver mirrored
// packets this way.
//
//   flags(1) reserved(3) VNI(3) reserved(1) | inner Ethernet frame
//   e.g. 08 00 00 00 | 00 00 2a 00 | 02 00 00 00 00 02 02 00 00 00 00 01 08 00 45 …
//
// The I flag (0x08) says the VNI is valid; like Wireshark and unlike a VTEP, a frame without it is
// still decoded: a mirror's copy is worth reading whatever its flags.

import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { NetworkContext } from './layers.ts';
import { Encapsulation, enterLayer, headerFits } from './encapsulation.ts';
import { decodeEthernetPayload } from './ethernet.ts';

export const VXLAN_HEADER_LENGTH = 8;

export function decodeVxlan(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (!enterLayer(Encapsulation.VXLAN, pkt, ctx)) return 'malformed';
  const fits = headerFits(off, VXLAN_HEADER_LENGTH, 'VXLAN', pkt, ctx);
  if (fits !== 'ok') return fits;
  return decodeEthernetPayload(data, off + VXLAN_HEADER_LENGTH, pkt, ctx);
}
