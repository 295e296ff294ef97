// TCP header (RFC 9293 §3.1) and options (MSS, window scale, SACK-permitted, SACK, timestamps).
//
//   src port(2) dst port(2) seq(4) ack(4) offset/reserved(1) flags(1) window(2) checksum(2) urgent(2) options…
//   e.g. 9c 40 00 15 | 00 00 03 e8 | 00 00 00 00 | a0 02 | ff ff | 1c 2e | 00 00 | 02 04 05 b4 …

// bounds are checked before every read below (capture/endian-read.ts)
import { u16be, u32be } from '../capture/endian-read.ts';
import type { DecodedPacket, DecodeOutcome } from './packet.ts';
import { TcpOptionKind } from './protocol-numbers.ts';

/** RFC 7323 §2.3: a shift count above 14 is used as 14. */
const MAX_WINDOW_SCALE = 14;

/**
 * Decodes the TCP segment at `off`. `wireEnd` is where the segment ends per the IP header (may lie
 * past the captured bytes), `capEnd` where the captured bytes of it end (<= wireEnd).
 */
export function decodeTcp(data: Buffer, off: number, wireEnd: number, capEnd: number, pkt: DecodedPacket): DecodeOutcome {
  if (wireEnd - off < 20) return malformed(pkt, 'TCP segment shorter than its 20-byte header');
  if (capEnd - off < 20) return 'truncated';
  const hl = (data[off + 12]! >> 4) * 4;
  if (hl < 20) return malformed(pkt, 'TCP data offset below 5 words');
  if (off + hl > wireEnd) return malformed(pkt, 'TCP data offset past the end of the segment');
  if (off + hl > capEnd) return 'truncated';

  pkt.tcpOffset = off;
  pkt.tcpHeaderLength = hl;
  pkt.srcPort = u16be(data, off);
  pkt.dstPort = u16be(data, off + 2);
  pkt.seq = u32be(data, off + 4);
  pkt.ack = u32be(data, off + 8);
  pkt.flags = data[off + 13]!;
  pkt.window = u16be(data, off + 14);
  pkt.urgent = u16be(data, off + 18);
  if (hl > 20) decodeTcpOptions(data, off + 20, off + hl, pkt);
  pkt.payloadOffset = off + hl;
  pkt.segmentLength = wireEnd - (off + hl);
  pkt.payloadLength = capEnd - (off + hl);
  return 'tcp';
}

function malformed(pkt: DecodedPacket, reason: string): DecodeOutcome {
  pkt.malformed = reason;
  return 'malformed';
}

/**
 * Reads the options between `start` and `end` into `pkt`. An option whose length byte is missing,
 * below 2 or runs past the header stops the walk (nothing after it can be trusted); a known kind
 * with the wrong length is skipped. Either sets `optionsMalformed`.
 */
export function decodeTcpOptions(data: Buffer, start: number, end: number, pkt: DecodedPacket): void {
  let i = start;
  while (i < end) {
    const kind = data[i]!;
    if (kind === TcpOptionKind.EOL) return;
    if (kind === TcpOptionKind.NOP) {
      i++;
      continue;
    }
    if (i + 1 >= end) {
      pkt.optionsMalformed = true;
      return;
    }
    const len = data[i + 1]!;
    if (len < 2 || i + len > end) {
      pkt.optionsMalformed = true;
      return;
    }
    switch (kind) {
      case TcpOptionKind.MSS:
        if (len === 4) pkt.mss = u16be(data, i + 2);
        else pkt.optionsMalformed = true;
        break;
      case TcpOptionKind.WINDOW_SCALE:
        if (len === 3) pkt.windowScale = Math.min(data[i + 2]!, MAX_WINDOW_SCALE);
        else pkt.optionsMalformed = true;
        break;
      case TcpOptionKind.SACK_PERMITTED:
        if (len === 2) pkt.sackPermitted = true;
        else pkt.optionsMalformed = true;
        break;
      case TcpOptionKind.SACK:
        if (len >= 10 && (len - 2) % 8 === 0) {
          const blocks = pkt.sackBlocks;
          let n = blocks.length; // several SACK options in one header are unusual but legal: append
          for (let b = i + 2; b < i + len; b += 8) {
            blocks[n++] = u32be(data, b);
            blocks[n++] = u32be(data, b + 4);
          }
        } else pkt.optionsMalformed = true;
        break;
      case TcpOptionKind.TIMESTAMPS:
        if (len === 10) {
          pkt.tsVal = u32be(data, i + 2);
          pkt.tsEcr = u32be(data, i + 6);
        } else pkt.optionsMalformed = true;
        break;
      default:
        break; // other kinds (MPTCP, TFO, MD5, …) are skipped by their length
    }
    i += len;
  }
}
