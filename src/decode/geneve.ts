// GENEVE (RFC 8926): what cloud load balancers and appliances (AWS Gateway Load Balancer) wrap
// traffic in, UDP port 6081. The protocol type names the payload: Ethernet (0x6558) or IPv4/IPv6
// directly. Options (TLVs) are skipped by the header's total options length.
//
//   ver(2 bits) opt len(6 bits, 4-byte words) | O C rsvd(6) | protocol type(2) | VNI(3) reserved(1) | options | payload
//   e.g. 00 00 65 58 | 00 00 2a 00 | 02 00 00 00 00 02 …         (no options, Ethernet, VNI 42)
//        02 00 08 00 | 00 00 2a 00 | 01 08 01 01 00 00 00 07 | 45 …  (one option: 4-byte header, 4 data bytes; IPv4)

import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { NetworkContext } from './layers.ts';
import { Encapsulation, enterLayer, headerFits, layerMalformed } from './encapsulation.ts';

export function decodeGeneve(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (!enterLayer(Encapsulation.GENEVE, pkt, ctx)) return 'malformed';
  let fits = headerFits(off, 8, 'GENEVE', pkt, ctx);
  if (fits !== 'ok') return fits;
  const version = data[off]! >> 6;
  // RFC 8926 §3.4: a packet of an unknown version cannot be parsed further
  if (version !== 0) return layerMalformed(pkt, ctx, `GENEVE header of version ${version}`);
  const length = 8 + (data[off]! & 0x3f) * 4;
  fits = headerFits(off, length, 'GENEVE', pkt, ctx);
  if (fits !== 'ok') return fits;
  const next = ctx.tables.geneveProtocols.get((data[off + 2]! << 8) | data[off + 3]!);
  if (next === undefined) return 'not-ip';
  return next(data, off + length, pkt, ctx);
}
