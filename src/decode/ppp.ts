// PPP (RFC 1661) as DSL access links carry it: inside PPPoE sessions (RFC 2516), on Ethernet or
// behind 802.1ad/QinQ tags, and inside PPTP's enhanced GRE (RFC 2637).
//
//   PPPoE: ver(4)=1 type(4)=1 | code(1)=0 | session id(2) | length(2) | PPP protocol(2) | payload
//   e.g.   11 00 | 12 34 | 00 3e | 00 21 | 45 …        (session 0x1234, 62 bytes of PPP, IPv4)
//   PPP in GRE: [ff 03] protocol(1 or 2) | payload
//   e.g.   ff 03 00 21 45 …   or   21 45 …   (address/control and protocol field compressed)
//
// The protocol field is one byte when its value is odd in the first byte (protocol-field
// compression, RFC 1661 §6.5), two otherwise. LCP, IPCP and the other control protocols carry
// no TCP: they are passed over as not IP.

import { u16be } from '../capture/endian-read.ts';
import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { NetworkContext } from './layers.ts';
import { Encapsulation, enterLayer, enterPayload, headerFits, layerMalformed } from './encapsulation.ts';

const PPPOE_HEADER_LENGTH = 6;
const PPPOE_VERSION_TYPE = 0x11;
const PPPOE_SESSION_DATA = 0x00;

export function decodePppoeSession(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (!enterLayer(Encapsulation.PPPOE, pkt, ctx)) return 'malformed';
  const fits = headerFits(off, PPPOE_HEADER_LENGTH, 'PPPoE', pkt, ctx);
  if (fits !== 'ok') return fits;
  if (data[off] !== PPPOE_VERSION_TYPE) return layerMalformed(pkt, ctx, 'PPPoE header of a version or type other than 1');
  if (data[off + 1] !== PPPOE_SESSION_DATA) return layerMalformed(pkt, ctx, 'PPPoE session frame with a code other than 0');
  const length = u16be(data, off + 4);
  const end = off + PPPOE_HEADER_LENGTH + length;
  if (end > ctx.wireEnd && !ctx.tunnelled) return layerMalformed(pkt, ctx, 'PPPoE length past the end of the frame');
  // the length field ends the PPP frame: Ethernet padding after it is not part of it
  if (end < ctx.wireEnd) ctx.wireEnd = end;
  if (ctx.wireEnd < ctx.capEnd) ctx.capEnd = ctx.wireEnd;
  return pppPayload(data, off + PPPOE_HEADER_LENGTH, pkt, ctx);
}

/** PPP with its optional address/control bytes (PPTP's GRE payload). */
export function decodePpp(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (!enterLayer(Encapsulation.PPP, pkt, ctx)) return 'malformed';
  let p = off;
  const fits = headerFits(p, 2, 'PPP', pkt, ctx);
  if (fits !== 'ok') return fits;
  if (data[p] === 0xff && data[p + 1] === 0x03) p += 2; // address and control (RFC 1662)
  enterPayload(ctx, ctx.wireEnd);
  return pppPayload(data, p, pkt, ctx);
}

/** The protocol field at `off` and what it names. */
function pppPayload(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  let fits = headerFits(off, 1, 'PPP', pkt, ctx);
  if (fits !== 'ok') return fits;
  let protocol = data[off]!;
  let p = off + 1;
  if ((protocol & 1) === 0) {
    fits = headerFits(off, 2, 'PPP', pkt, ctx);
    if (fits !== 'ok') return fits;
    protocol = (protocol << 8) | data[off + 1]!;
    p++;
  }
  const next = ctx.tables.pppProtocols.get(protocol);
  if (next === undefined) return 'not-ip';
  return next(data, p, pkt, ctx);
}
