// UDP (RFC 768), only as far as tunnels need it: the ports pick a tunnel decoder from the table
// (destination port first, then source, as tshark's Decode As applies to either); any other
// datagram is passed over as not TCP without a look at the rest of its header.
//
//   src port(2) dst port(2) length(2) checksum(2) payload
//   e.g. d4 31 | 12 b5 | 00 5a | 00 00 | 08 00 00 00 00 00 2a 00 …   (VXLAN to 4789, VNI 42)

import { u16be } from '../capture/endian-read.ts';
import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { NetworkContext } from './layers.ts';
import { enterPayload } from './encapsulation.ts';

export function decodeUdp(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (ctx.capEnd - off < 4) return 'truncated'; // not even the ports
  const tunnelPort = ctx.tables.udpTunnelPort;
  const dst = u16be(data, off + 2);
  const src = u16be(data, off);
  if (tunnelPort[dst] === 0 && tunnelPort[src] === 0) return 'not-tcp';
  const next = ctx.tables.udpPorts.get(tunnelPort[dst] === 1 ? dst : src)!;
  if (ctx.wireEnd - off < 8) return malformed(pkt, 'UDP datagram shorter than its 8-byte header');
  if (ctx.capEnd - off < 8) return 'truncated';
  const length = u16be(data, off + 4);
  // length 0: an IPv6 jumbogram (RFC 2675), running to the end of the IP payload
  if (length !== 0 && length < 8) return malformed(pkt, 'UDP length below its 8-byte header');
  if (length > ctx.wireEnd - off && !ctx.tunnelled) return malformed(pkt, 'UDP length past the end of the IP packet');
  if (length !== 0) enterPayload(ctx, off + length);
  return next(data, off + 8, pkt, ctx);
}

function malformed(pkt: DecodedPacket, reason: string): DecodeOutcome {
  pkt.malformed = reason;
  return 'malformed';
}
