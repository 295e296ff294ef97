// The decode stage's output: one reused, preallocated record per decoder (gopacket's
// DecodingLayerParser idea). Valid until the next frame is decoded.

/** TCP header flag bits (RFC 9293 §3.1, RFC 3168). */
export const TcpFlag = {
  FIN: 0x01,
  SYN: 0x02,
  RST: 0x04,
  PSH: 0x08,
  ACK: 0x10,
  URG: 0x20,
  ECE: 0x40,
  CWR: 0x80,
} as const;

/** Flag names in Wireshark's order (FIN, SYN, RST, PSH, ACK, URG, ECE, CWR), for every place
 *  that prints flags. */
const FLAG_NAMES: ReadonlyArray<readonly [number, string]> = [
  [TcpFlag.FIN, 'FIN'],
  [TcpFlag.SYN, 'SYN'],
  [TcpFlag.RST, 'RST'],
  [TcpFlag.PSH, 'PSH'],
  [TcpFlag.ACK, 'ACK'],
  [TcpFlag.URG, 'URG'],
  [TcpFlag.ECE, 'ECE'],
  [TcpFlag.CWR, 'CWR'],
];

/** The names of the flags set in `flags`, in Wireshark's order. */
export function tcpFlagNames(flags: number): string[] {
  return FLAG_NAMES.filter(([bit]) => flags & bit).map(([, name]) => name);
}

/** Why a frame did not yield a TCP segment; the decoder counts each. */
export type DecodeOutcome =
  | 'tcp' //           a TCP segment: the fields below are filled
  | 'not-ip' //        ARP, LLDP, … (passed over, counted)
  | 'not-tcp' //       IP carrying UDP, ICMP, … (passed over, counted)
  | 'fragment' //      an IPv4/IPv6 fragment that did not complete a TCP segment
  | 'malformed' //     a header that contradicts itself (reason in `malformed`)
  | 'truncated'; //    the frame ends before the headers do (snaplen)

export class DecodedPacket {
  // frame
  frame = 0; //            frame number (1-based)
  time = 0; //             capture time, seconds since epoch (float)
  data: Buffer = Buffer.alloc(0); // bytes holding the frame, valid until the next frame: the reader's
  //                       chunk (Frame.buf; every offset below is an offset in it) or the frame's data
  // network layer
  ipVersion: 0 | 4 | 6 = 0;
  ipOffset = 0; //         offset of the IP header in data
  addrOffsetSrc = 0; //    offset of the source address in data
  addrOffsetDst = 0; //    offset of the destination address in data
  addrLength: 4 | 16 = 4; // bytes per address
  ttl = 0; //              IPv4 TTL or IPv6 hop limit
  ipId = -1; //            IPv4 identification; -1 for IPv6
  ipTotalLength = 0; //    bytes of the IP packet per its header (IPv6: 40 + payload length)
  dontFragment = false; // IPv4 DF bit
  reassembled = false; //  the segment was rebuilt from IP fragments: `data` is then the reassembled
  //                       IP packet (ipOffset 0, or the inner packet's offset in it when the
  //                       fragments were a tunnel's), not the frame, and `frame` is the last fragment's
  vlan = -1; //            outermost 802.1Q/802.1ad VLAN id of the (innermost) Ethernet frame, -1 when untagged
  innerVlan = -1; //       second (inner) VLAN id of a QinQ frame, -1 when absent
  // encapsulations (tunnels, label stacks, PPPoE): the fields above describe the innermost
  // packet, as if captured on the host; its bytes are data[ipOffset, ipOffset + ipTotalLength)
  encapsulations = 0; //   bit (1 << Encapsulation kind) per kind the frame went through, 0 when none
  faultLayer = -1; //      Encapsulation kind whose header was malformed or cut short, -1 otherwise
  erspanTimestamp = -1; // ERSPAN type III timestamp (uint32, in units of erspanGranularity), -1 when absent;
  //                       the frame's time stays the capture's, as in Wireshark
  erspanGranularity = -1; // 0: 100 µs, 1: 100 ns, 2: IEEE 1588, 3: user-defined; -1 when absent
  // transport layer (valid when the outcome is 'tcp')
  srcPort = 0;
  dstPort = 0;
  seq = 0; //              sequence number, uint32 as on the wire
  ack = 0; //              acknowledgment number, uint32 as on the wire
  flags = 0; //            TcpFlag bits
  window = 0; //           window field as on the wire, not scaled
  urgent = 0;
  tcpOffset = 0; //        offset of the TCP header in data
  tcpHeaderLength = 0; //  bytes, 20..60
  // options (-1 / false when absent)
  mss = -1;
  windowScale = -1; //     shift count, 0..14
  sackPermitted = false;
  sackBlocks: number[] = []; // left/right edge pairs (uint32), reused between frames: length is 2 × blocks
  tsVal = -1; //           TCP timestamp option value (uint32), -1 when absent
  tsEcr = -1;
  optionsMalformed = false; // an option's length ran past the header or did not fit its kind:
  //                          options after it were not read (Wireshark flags the same)
  // payload
  payloadOffset = 0; //    offset of the TCP payload in data
  payloadLength = 0; //    payload bytes present in the frame
  segmentLength = 0; //    payload bytes the segment had per the IP header (> payloadLength when snaplen cut it)
  malformed: string | null = null; // reason when the outcome is 'malformed'

  /** Source address as text (dotted quad, or RFC 5952 IPv6). Allocates: call when creating a
   *  flow, not per packet. */
  srcAddr(): string {
    return formatAddress(this.data, this.addrOffsetSrc, this.addrLength);
  }

  dstAddr(): string {
    return formatAddress(this.data, this.addrOffsetDst, this.addrLength);
  }

  /** Clears everything a decode may set, so a field never leaks from the previous frame. */
  reset(): void {
    this.ipVersion = 0;
    this.ipOffset = 0;
    this.addrOffsetSrc = 0;
    this.addrOffsetDst = 0;
    this.addrLength = 4;
    this.ttl = 0;
    this.ipId = -1;
    this.ipTotalLength = 0;
    this.dontFragment = false;
    this.reassembled = false;
    this.vlan = -1;
    this.innerVlan = -1;
    if (this.encapsulations !== 0) {
      // only a frame that went through an encapsulation set these (a fault implies a layer entered)
      this.encapsulations = 0;
      this.faultLayer = -1;
      this.erspanTimestamp = -1;
      this.erspanGranularity = -1;
    }
    this.srcPort = 0;
    this.dstPort = 0;
    this.seq = 0;
    this.ack = 0;
    this.flags = 0;
    this.window = 0;
    this.urgent = 0;
    this.tcpOffset = 0;
    this.tcpHeaderLength = 0;
    this.mss = -1;
    this.windowScale = -1;
    this.sackPermitted = false;
    if (this.sackBlocks.length !== 0) this.sackBlocks.length = 0; // setting length costs even when 0
    this.tsVal = -1;
    this.tsEcr = -1;
    this.optionsMalformed = false;
    this.payloadOffset = 0;
    this.payloadLength = 0;
    this.segmentLength = 0;
    this.malformed = null;
  }

  payload(): Buffer {
    return this.data.subarray(this.payloadOffset, this.payloadOffset + this.payloadLength);
  }
}

/** Dotted quad for 4 bytes; RFC 5952 text (lower case, longest zero run as ::) for 16. */
export function formatAddress(buf: Buffer, off: number, len: 4 | 16): string {
  if (len === 4) return `${buf[off]}.${buf[off + 1]}.${buf[off + 2]}.${buf[off + 3]}`;
  const groups: number[] = [];
  for (let i = 0; i < 16; i += 2) groups.push((buf[off + i]! << 8) | buf[off + i + 1]!);
  // longest run of two or more zero groups becomes '::' (first one on a tie)
  let bestStart = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (bestStart < 0) return hex.join(':');
  return `${hex.slice(0, bestStart).join(':')}::${hex.slice(bestStart + bestLen).join(':')}`;
}
