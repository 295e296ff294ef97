// What an IPv4 or IPv6 packet carries: TCP, decoded at once (the hot path), or another protocol
// with a decoder in the dispatch tables (UDP tunnels, GRE, IP in IP, MPLS in IP); else not TCP.

import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { NetworkContext } from './layers.ts';
import { IpProtocol } from './protocol-numbers.ts';
import { decodeTcp } from './tcp.ts';

/** Whether an IP payload of this protocol can hold TCP (directly or through a tunnel): fragments
 *  of other protocols are only counted, never reassembled. */
export function mayCarryTcp(protocol: number, ctx: NetworkContext): boolean {
  return protocol === IpProtocol.TCP || ctx.tables.ipProtocols.has(protocol);
}

/** Decodes the IP payload at `off`, which ends at `wireEnd` on the wire and `capEnd` in the capture. */
export function decodeIpPayload(protocol: number, data: Buffer, off: number, wireEnd: number, capEnd: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (protocol === IpProtocol.TCP) return decodeTcp(data, off, wireEnd, capEnd, pkt);
  const next = ctx.tables.ipProtocols.get(protocol);
  if (next === undefined) return 'not-tcp';
  ctx.wireEnd = wireEnd;
  ctx.capEnd = capEnd;
  return next(data, off, pkt, ctx);
}
