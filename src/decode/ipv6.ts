// IPv6 header (RFC 8200 §3) and its extension-header chain (§4).
//
//   ver/class/flow(4) payload length(2) next header(1) hop limit(1) src(16) dst(16) [extension headers…] upper layer
//   e.g. 60 00 00 00 | 00 20 | 06 | 40 | 20 01 0d b8 … 01 | 20 01 0d b8 … 02

import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { NetworkContext } from './layers.ts';
import { IpProtocol } from './protocol-numbers.ts';
import { decodeTcp } from './tcp.ts';
import { decodeIpPayload, mayCarryTcp } from './ip-payload.ts';

/** Most extension headers walked before calling the chain malformed (real ones have 0-3). */
const MAX_EXTENSION_HEADERS = 16;

export function decodeIpv6(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (ctx.capEnd - off < 40) return 'truncated';
  if (data[off]! >> 4 !== 6) return malformed(pkt, 'IPv6 header with a version other than 6');
  const wireAvail = ctx.wireEnd - off - 40;
  let plen = data.readUInt16BE(off + 4);
  // Payload length 0: a jumbogram (RFC 2675) or segmentation offload; either way the packet
  // runs to the end of the frame (Wireshark does the same)
  if (plen === 0) plen = wireAvail;
  else if (plen > wireAvail && !ctx.tunnelled) return malformed(pkt, 'IPv6 payload length past the end of the frame');
  // (inside a tunnel: cut by the mirror, as in ipv4.ts)

  pkt.ipVersion = 6;
  pkt.ipOffset = off;
  pkt.addrLength = 16;
  pkt.addrOffsetSrc = off + 8;
  pkt.addrOffsetDst = off + 24;
  pkt.ttl = data[off + 7]!;
  pkt.ipId = -1;
  pkt.ipTotalLength = 40 + plen;
  return walkIpv6Chain(data, off + 40, data[off + 6]!, off + 40 + plen, pkt, ctx);
}

/** Follows next-header values from `p` until TCP (decoded), another upper layer (not-tcp) or a
 *  fragment. `wireEnd`: end of the IPv6 payload per its header. */
export function walkIpv6Chain(
  data: Buffer,
  start: number,
  firstNext: number,
  wireEnd: number,
  pkt: DecodedPacket,
  ctx: NetworkContext,
): DecodeOutcome {
  const capEnd = Math.min(wireEnd, ctx.capEnd);
  let p = start;
  let next = firstNext;
  for (let n = 0; n <= MAX_EXTENSION_HEADERS; n++) {
    switch (next) {
      case IpProtocol.TCP:
        return decodeTcp(data, p, wireEnd, capEnd, pkt);
      case IpProtocol.HOP_BY_HOP:
      case IpProtocol.ROUTING:
      case IpProtocol.DEST_OPTIONS:
      case IpProtocol.AH: {
        if (p + 2 > wireEnd) return malformed(pkt, 'IPv6 extension header past the end of the packet');
        if (p + 2 > capEnd) return 'truncated';
        // AH counts 32-bit words minus 2 (RFC 4302); the others 8-byte units minus 1
        const len = next === IpProtocol.AH ? (data[p + 1]! + 2) * 4 : (data[p + 1]! + 1) * 8;
        if (p + len > wireEnd) return malformed(pkt, 'IPv6 extension header past the end of the packet');
        if (p + len > capEnd) return 'truncated';
        next = data[p]!;
        p += len;
        break;
      }
      case IpProtocol.FRAGMENT: {
        if (p + 8 > wireEnd) return malformed(pkt, 'IPv6 fragment header past the end of the packet');
        if (p + 8 > capEnd) return 'truncated';
        const word = data.readUInt16BE(p + 2);
        const offset = word & 0xfff8; // 13-bit offset in 8-byte units, already × 8 in place
        const more = (word & 1) !== 0;
        const fragNext = data[p]!;
        if (offset === 0 && !more) {
          // atomic fragment (RFC 6946): a whole packet that merely carries the header
          next = fragNext;
          p += 8;
          break;
        }
        return fragment(data, p, offset, more, fragNext, wireEnd, capEnd, pkt, ctx);
      }
      default:
        // a tunnel (UDP, GRE, IP in IP, MPLS in IP) or not TCP (ICMPv6, ESP, no next header, …)
        return decodeIpPayload(next, data, p, wireEnd, capEnd, pkt, ctx);
    }
  }
  return malformed(pkt, 'IPv6 extension-header chain too long');
}

function fragment(
  data: Buffer,
  p: number,
  offset: number,
  more: boolean,
  fragNext: number,
  wireEnd: number,
  capEnd: number,
  pkt: DecodedPacket,
  ctx: NetworkContext,
): DecodeOutcome {
  const fragments = ctx.fragments;
  // only TCP, or a tunnel that may carry it, directly after the fragment header is reassembled;
  // other payloads are just counted
  if (fragments === null || !mayCarryTcp(fragNext, ctx) || capEnd < wireEnd) return 'fragment';
  const ip = pkt.ipOffset;
  const key = `6:${data.toString('hex', ip + 8, ip + 40)}:${data.readUInt32BE(p + 4)}`;
  // the rebuilt packet keeps just the fixed header: the extension headers before the fragment
  // header carry nothing the TCP stage uses
  const done = fragments.add(key, ctx.time, offset, more, data.subarray(p + 8, wireEnd), data.subarray(ip, ip + 40), fragNext);
  if (done === null) return 'fragment';
  const b = done.packet;
  b[6] = done.next;
  b.writeUInt16BE(Math.min(b.length - 40, 0xffff), 4);
  pkt.data = b;
  pkt.reassembled = true;
  pkt.ipOffset = 0;
  pkt.addrOffsetSrc = 8;
  pkt.addrOffsetDst = 24;
  pkt.ipTotalLength = b.length;
  return decodeIpPayload(done.next, b, 40, b.length, b.length, pkt, ctx);
}

function malformed(pkt: DecodedPacket, reason: string): DecodeOutcome {
  pkt.malformed = reason;
  return 'malformed';
}
