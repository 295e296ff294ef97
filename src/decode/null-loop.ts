// BSD loopback encapsulations: a 4-byte address family, then the IP packet.
//
//   NULL: family in the capturing host's byte order   e.g. 02 00 00 00 | 45 …   (little-endian host)
//   LOOP: family in network byte order                e.g. 00 00 00 18 | 60 …   (OpenBSD, IPv6)

import type { DecodedPacket } from './packet.ts';
import type { LinkLayer } from './layers.ts';
import { AddressFamily, EtherType } from './protocol-numbers.ts';

function familyToEtherType(af: number): number {
  switch (af) {
    case AddressFamily.INET:
      return EtherType.IPV4;
    case AddressFamily.INET6_BSD:
    case AddressFamily.INET6_FREEBSD:
    case AddressFamily.INET6_DARWIN:
      return EtherType.IPV6;
    default:
      return -1;
  }
}

// Byte-order detection for NULL
// Definition: families are small numbers (< 65536), so a value with any of its upper 16 bits set
// was written by a host of the other byte order; read it swapped. (Wireshark's packet-null.c
// makes the same test.)
export function decodeNull(data: Buffer, at: number, end: number, out: LinkLayer, _pkt: DecodedPacket): boolean {
  if (end - at < 4) return false;
  let af = data.readUInt32LE(at);
  if (af & 0xffff0000) af = data.readUInt32BE(at);
  out.offset = at + 4;
  out.etherType = familyToEtherType(af);
  return true;
}

export function decodeLoop(data: Buffer, at: number, end: number, out: LinkLayer, _pkt: DecodedPacket): boolean {
  if (end - at < 4) return false;
  out.offset = at + 4;
  out.etherType = familyToEtherType(data.readUInt32BE(at));
  return true;
}
