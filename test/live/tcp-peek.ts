// Just enough Ethernet/IPv4/IPv6/TCP parsing to check live frames, kept apart from src/decode so
// the live tests depend on nothing but the capture stage.

export interface TcpPeek {
  srcPort: number;
  dstPort: number;
  seq: number;
  ack: number;
  flags: number; //       TCP flag bits (FIN 0x01, SYN 0x02, RST 0x04, PSH 0x08, ACK 0x10)
  payload: number; //     TCP payload bytes, from the IP length (so right even when the frame is cut)
  payloadOffset: number; // where the payload starts in the frame, bytes
  tsval: number; //       TCP timestamp option value, -1 when absent
}

export const FIN = 0x01;
export const SYN = 0x02;
export const RST = 0x04;

/** TCP fields of an Ethernet (LINKTYPE 1) frame carrying IPv4 or IPv6 TCP, or null. */
export function peekTcp(d: Buffer): TcpPeek | null {
  if (d.length < 14) return null;
  const etherType = d.readUInt16BE(12);
  let ip = 14;
  let tcp: number;
  let tcpLen: number;
  if (etherType === 0x0800) {
    if (d.length < ip + 20 || d[ip + 9] !== 6) return null;
    const ihl = (d[ip]! & 0x0f) * 4;
    tcp = ip + ihl;
    tcpLen = d.readUInt16BE(ip + 2) - ihl;
  } else if (etherType === 0x86dd) {
    if (d.length < ip + 40 || d[ip + 6] !== 6) return null;
    tcp = ip + 40;
    tcpLen = d.readUInt16BE(ip + 4);
  } else {
    return null;
  }
  if (d.length < tcp + 20) return null;
  const hdr = (d[tcp + 12]! >> 4) * 4;
  let tsval = -1;
  for (let o = tcp + 20; o < tcp + hdr && o < d.length; ) {
    const kind = d[o]!;
    if (kind === 0) break;
    if (kind === 1) {
      o++;
      continue;
    }
    const len = d[o + 1] ?? 0;
    if (len < 2) break;
    if (kind === 8 && len === 10 && o + 10 <= d.length) tsval = d.readUInt32BE(o + 2);
    o += len;
  }
  return {
    srcPort: d.readUInt16BE(tcp),
    dstPort: d.readUInt16BE(tcp + 2),
    seq: d.readUInt32BE(tcp + 4),
    ack: d.readUInt32BE(tcp + 8),
    flags: d[tcp + 13]!,
    payload: tcpLen - hdr,
    payloadOffset: tcp + hdr,
    tsval,
  };
}

/** A key naming one TCP segment across two captures of the same traffic. */
export function segmentKey(p: TcpPeek): string {
  return `${p.srcPort}>${p.dstPort} ${p.seq} ${p.ack} ${p.flags} ${p.payload} ${p.tsval}`;
}
