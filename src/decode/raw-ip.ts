// Link types with no link header: the frame starts with the IP header.
//   RAW: IPv4 or IPv6, told apart by the version nibble (0x4_ / 0x6_); IPV4 / IPV6: fixed.

import type { DecodedPacket } from './packet.ts';
import type { LinkLayer } from './layers.ts';
import { EtherType } from './protocol-numbers.ts';

export function decodeRawIp(data: Buffer, at: number, end: number, out: LinkLayer, _pkt: DecodedPacket): boolean {
  if (end - at < 1) return false;
  const version = data[at]! >> 4;
  out.offset = at;
  out.etherType = version === 4 ? EtherType.IPV4 : version === 6 ? EtherType.IPV6 : -1;
  return true;
}

export function decodeIpv4Link(_data: Buffer, at: number, _end: number, out: LinkLayer, _pkt: DecodedPacket): boolean {
  out.offset = at;
  out.etherType = EtherType.IPV4;
  return true;
}

export function decodeIpv6Link(_data: Buffer, at: number, _end: number, out: LinkLayer, _pkt: DecodedPacket): boolean {
  out.offset = at;
  out.etherType = EtherType.IPV6;
  return true;
}
