// Linux cooked capture v1 (LINKTYPE_LINUX_SLL, `tcpdump -i any` on older libpcap).
//
//   packet type(2) ARPHRD type(2) address length(2) address(8) protocol(2) payload
//   e.g. 00 04 | 00 01 | 00 06 | 02 00 00 00 00 01 00 00 | 08 00 | 45 …
//
// The protocol field holds an EtherType for ordinary devices; small values (1 = 802.3, 4 = 802.2
// LLC, …) are Linux ETH_P_* pseudo types that never carry IP directly.

import type { DecodedPacket } from './packet.ts';
import type { LinkLayer } from './layers.ts';
import { unwrapVlanTags } from './ethernet.ts';

export const SLL_HEADER_LENGTH = 16;

export function decodeLinuxSll(data: Buffer, at: number, end: number, out: LinkLayer, pkt: DecodedPacket): boolean {
  if (end - at < SLL_HEADER_LENGTH) return false;
  return unwrapVlanTags(data, at + SLL_HEADER_LENGTH, data.readUInt16BE(at + 14), out, pkt, end);
}
