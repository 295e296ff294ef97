// Linux cooked capture v2 (LINKTYPE_LINUX_SLL2, `tcpdump -i any` on libpcap >= 1.10).
//
//   protocol(2) reserved(2) interface index(4) ARPHRD type(2) packet type(1) address length(1) address(8) payload
//   e.g. 08 00 | 00 00 | 00 00 00 02 | 00 01 | 04 | 06 | 02 00 00 00 00 01 00 00 | 45 …

import type { DecodedPacket } from './packet.ts';
import type { LinkLayer } from './layers.ts';
import { unwrapVlanTags } from './ethernet.ts';

export const SLL2_HEADER_LENGTH = 20;

export function decodeLinuxSll2(data: Buffer, at: number, end: number, out: LinkLayer, pkt: DecodedPacket): boolean {
  if (end - at < SLL2_HEADER_LENGTH) return false;
  return unwrapVlanTags(data, at + SLL2_HEADER_LENGTH, data.readUInt16BE(at), out, pkt, end);
}
