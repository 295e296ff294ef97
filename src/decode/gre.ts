// GRE (RFC 2784 with the key and sequence number of RFC 2890, RFC 1701's routing; version 1 is
// PPTP's enhanced GRE, RFC 2637). The protocol type names the payload: IPv4/IPv6, an Ethernet
// frame (Transparent Ethernet Bridging, 0x6558: gretap, NVGRE), ERSPAN (0x88be, 0x22eb), MPLS,
// PPP (PPTP).
//
//   C R K S s recur(3) A flags(4) ver(3) | protocol type(2) | [checksum(2) offset(2)] [key(4)] [sequence(4)] [ack(4), v1] [routing…]
//   e.g. 30 00 65 58 | 00 00 00 2a | 00 00 00 07 | 02 00 00 00 00 02 …   (key 42, sequence 7, Ethernet)

import { u16be } from '../capture/endian-read.ts';
import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { NetworkContext } from './layers.ts';
import { Encapsulation, enterLayer, enterPayload, headerFits, layerMalformed } from './encapsulation.ts';

const CHECKSUM = 0x8000; // checksum (and offset) present
const ROUTING = 0x4000; //  routing present (RFC 1701; deprecated by RFC 2784)
const KEY = 0x2000;
const SEQUENCE = 0x1000;
const ACK = 0x0080; //      acknowledgment number present (version 1)
const VERSION = 0x0007;

/** Most source route entries walked (RFC 1701 §2.1) before the routing field is called malformed. */
const MAX_ROUTE_ENTRIES = 16;

export function decodeGre(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (!enterLayer(Encapsulation.GRE, pkt, ctx)) return 'malformed';
  let fits = headerFits(off, 4, 'GRE', pkt, ctx);
  if (fits !== 'ok') return fits;
  const flags = u16be(data, off);
  const version = flags & VERSION;
  // version 0: RFC 2784/2890; version 1: PPTP, whose key field holds payload length and call id
  if (version > 1) return layerMalformed(pkt, ctx, `GRE header of version ${version}`);
  if (version === 1 && !(flags & KEY)) return layerMalformed(pkt, ctx, 'enhanced GRE (version 1) header without its key field');
  const length = 4 + (flags & (CHECKSUM | ROUTING) ? 4 : 0) + (flags & KEY ? 4 : 0) + (flags & SEQUENCE ? 4 : 0) + (version === 1 && flags & ACK ? 4 : 0);
  fits = headerFits(off, length, 'GRE', pkt, ctx);
  if (fits !== 'ok') return fits;
  let p = off + length;
  if (flags & ROUTING) {
    // source route entries: address family(2) SRE offset(1) SRE length(1) routing information,
    // ended by an entry of family 0 and length 0
    for (let n = 0; ; n++) {
      if (n === MAX_ROUTE_ENTRIES) return layerMalformed(pkt, ctx, `GRE routing field of more than ${MAX_ROUTE_ENTRIES} entries`);
      fits = headerFits(p, 4, 'GRE routing', pkt, ctx);
      if (fits !== 'ok') return fits;
      const family = u16be(data, p);
      const sreLength = data[p + 3]!;
      p += 4 + sreLength;
      if (family === 0 && sreLength === 0) break;
    }
    fits = headerFits(p, 0, 'GRE routing', pkt, ctx);
    if (fits !== 'ok') return fits;
  }
  const next = ctx.tables.greProtocols.get(u16be(data, off + 2));
  if (next === undefined) return 'not-ip';
  ctx.greFlags = flags;
  enterPayload(ctx, ctx.wireEnd);
  return next(data, p, pkt, ctx);
}
