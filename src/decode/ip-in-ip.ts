// An IP packet carried directly in another (IPv4 in IP, RFC 2003; IPv6 in IP, RFC 2473 and 6in4
// tunnels, RFC 4213): the outer header is the whole encapsulation.

import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { NetworkContext } from './layers.ts';
import { Encapsulation, enterLayer, enterPayload } from './encapsulation.ts';
import { decodeIpv4 } from './ipv4.ts';
import { decodeIpv6 } from './ipv6.ts';

export function decodeIpv4InIp(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (!enterLayer(Encapsulation.IP_IN_IP, pkt, ctx)) return 'malformed';
  enterPayload(ctx, ctx.wireEnd);
  return decodeIpv4(data, off, pkt, ctx);
}

export function decodeIpv6InIp(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (!enterLayer(Encapsulation.IP_IN_IP, pkt, ctx)) return 'malformed';
  enterPayload(ctx, ctx.wireEnd);
  return decodeIpv6(data, off, pkt, ctx);
}
