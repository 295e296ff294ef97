// IPv4 header (RFC 791 §3.1).
//
//   ver/IHL(1) TOS(1) total length(2) id(2) flags/fragment offset(2) TTL(1) protocol(1) checksum(2) src(4) dst(4) options…
//   e.g. 45 00 00 3c | 1c 46 40 00 | 40 06 b1 e6 | c0 00 02 01 | c0 00 02 02

// bounds are checked before every read below (capture/endian-read.ts)
import { u16be } from '../capture/endian-read.ts';
import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import type { NetworkContext } from './layers.ts';
import { IpProtocol } from './protocol-numbers.ts';
import { decodeIpPayload, mayCarryTcp } from './ip-payload.ts';
import { decodeTcp } from './tcp.ts';

const FLAG_DF = 0x4000;
const FLAG_MF = 0x2000;
const OFFSET_MASK = 0x1fff; // fragment offset, 8-byte units

export function decodeIpv4(data: Buffer, off: number, pkt: DecodedPacket, ctx: NetworkContext): DecodeOutcome {
  if (ctx.capEnd - off < 20) return 'truncated';
  const vihl = data[off]!;
  if (vihl >> 4 !== 4) return malformed(pkt, 'IPv4 header with a version other than 4');
  const hl = (vihl & 0x0f) * 4;
  if (hl < 20) return malformed(pkt, 'IPv4 header length below 20 bytes');
  const wireAvail = ctx.wireEnd - off;
  let total = u16be(data, off + 2);
  // Total length 0: TCP segmentation offload
  // Definition: a sender handing a large segment to the NIC leaves the field 0 and a capture on
  // that host sees it so; like Wireshark, take the packet to run to the end of the frame.
  if (total === 0) total = wireAvail;
  else if (total < hl) return malformed(pkt, 'IPv4 total length below the header length');
  else if (total > wireAvail && !ctx.tunnelled) return malformed(pkt, 'IPv4 total length past the end of the frame');
  // (inside a tunnel a packet longer than the tunnel's payload was cut by the mirror that sent it
  // — ERSPAN's T bit, a traffic mirror's packet length — and is taken like a snaplen cut)
  if (hl > total) return malformed(pkt, 'IPv4 header longer than the packet');
  if (off + hl > ctx.capEnd) return 'truncated';

  pkt.ipVersion = 4;
  pkt.ipOffset = off;
  pkt.addrLength = 4;
  pkt.addrOffsetSrc = off + 12;
  pkt.addrOffsetDst = off + 16;
  pkt.ttl = data[off + 8]!;
  pkt.ipId = u16be(data, off + 4);
  pkt.ipTotalLength = total;
  const frag = u16be(data, off + 6);
  pkt.dontFragment = (frag & FLAG_DF) !== 0;
  let protocol = data[off + 9]!;
  const wireEnd = off + total;
  const capEnd = Math.min(wireEnd, ctx.capEnd);

  if (frag & (FLAG_MF | OFFSET_MASK)) {
    const fragments = ctx.fragments;
    if (fragments === null || !mayCarryTcp(protocol, ctx) || capEnd < wireEnd) return 'fragment';
    // key: addresses, id and protocol (RFC 791 §3.2); string built only on this rare path
    const key = `4:${data.toString('hex', off + 12, off + 20)}:${pkt.ipId}`;
    const done = fragments.add(key, ctx.time, (frag & OFFSET_MASK) * 8, (frag & FLAG_MF) !== 0,
      data.subarray(off + hl, wireEnd), data.subarray(off, off + hl), protocol);
    if (done === null) return 'fragment';
    // continue on the rebuilt packet: header of the first fragment with its lengths made whole
    const p = done.packet;
    p.writeUInt16BE(Math.min(p.length, 0xffff), 2);
    p.writeUInt16BE(0, 6);
    pkt.data = p;
    pkt.reassembled = true;
    pkt.ipOffset = 0;
    pkt.addrOffsetSrc = 12;
    pkt.addrOffsetDst = 16;
    pkt.ipTotalLength = p.length;
    return decodeIpPayload(protocol, p, done.headerLength, p.length, p.length, pkt, ctx);
  }

  let t = off + hl;
  if (protocol === IpProtocol.AH) {
    // AH (RFC 4302) between IPv4 and TCP: length in 32-bit words minus 2
    if (t + 2 > wireEnd) return malformed(pkt, 'AH header past the end of the packet');
    if (t + 2 > capEnd) return 'truncated';
    const ahLen = (data[t + 1]! + 2) * 4;
    if (t + ahLen > wireEnd) return malformed(pkt, 'AH header past the end of the packet');
    if (t + ahLen > capEnd) return 'truncated';
    protocol = data[t]!;
    t += ahLen;
  }
  // TCP first, without the call through the dispatch tables: nearly every frame is TCP
  if (protocol === IpProtocol.TCP) return decodeTcp(data, t, wireEnd, capEnd, pkt);
  return decodeIpPayload(protocol, data, t, wireEnd, capEnd, pkt, ctx);
}

function malformed(pkt: DecodedPacket, reason: string): DecodeOutcome {
  pkt.malformed = reason;
  return 'malformed';
}
