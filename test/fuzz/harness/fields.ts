// Where the length and type fields of a seed sit, so the mutator can aim at them.
//
// Heading: structure-aware mutation
// Definition: random bit flips almost never hit the 4 bytes of a record length in a 100 KiB file;
// the bugs live there (lengths that disagree, point past the end, or ask for 200 MiB). So each
// seed is walked once, here, and every length/type/offset field found is listed with its width
// and byte order; the mutator then writes boundary values (0, 1, max, current ± small) into them.
// The walk is deliberately independent of the reader under test (pcap/pcapng layouts re-read from
// the specs); only the frame-level map reuses the decoder, to find the IP and TCP headers.
import type { Frame } from '../../../src/capture/frame.ts';
import { PacketDecoder } from '../../../src/decode/decoder.ts';

export interface Field {
  at: number; //          byte offset in the input
  width: 1 | 2 | 4; //    bytes
  le: boolean; //         little-endian (width > 1)
}

const u32 = (b: Buffer, o: number, le: boolean) => (le ? b.readUInt32LE(o) : b.readUInt32BE(o));

/** Length/type fields of a pcap or pcapng file (and of the frames inside it). */
export function captureFields(buf: Buffer): Field[] {
  if (buf.length < 4) return [];
  const m = buf.readUInt32BE(0);
  if (m === 0x0a0d0d0a) return pcapngFields(buf);
  if (m === 0xd4c3b2a1 || m === 0x4d3cb2a1) return pcapFields(buf, true);
  if (m === 0xa1b2c3d4 || m === 0xa1b23c4d) return pcapFields(buf, false);
  return [];
}

function pcapFields(buf: Buffer, le: boolean): Field[] {
  const f: Field[] = [{ at: 0, width: 4, le }];
  if (buf.length < 24) return f;
  f.push({ at: 4, width: 2, le }, { at: 6, width: 2, le }, { at: 16, width: 4, le }, { at: 20, width: 4, le });
  const linkType = u32(buf, 20, le) & 0xffff;
  let pos = 24;
  while (pos + 16 <= buf.length) {
    const capLen = u32(buf, pos + 8, le);
    for (const o of [0, 4, 8, 12]) f.push({ at: pos + o, width: 4, le });
    if (pos + 16 + capLen > buf.length) break;
    frameFields(buf.subarray(pos + 16, pos + 16 + capLen), linkType, pos + 16, f);
    pos += 16 + capLen;
  }
  return f;
}

function pcapngFields(buf: Buffer): Field[] {
  const f: Field[] = [];
  let le = true;
  let links: number[] = [];
  let pos = 0;
  while (pos + 12 <= buf.length) {
    const type = u32(buf, pos, le);
    if (type === 0x0a0d0d0a) {
      const bom = buf.readUInt32LE(pos + 8);
      le = bom === 0x1a2b3c4d ? true : bom === 0x4d3c2b1a ? false : le;
      links = [];
    }
    const len = u32(buf, pos + 4, le);
    f.push({ at: pos, width: 4, le }, { at: pos + 4, width: 4, le });
    if (len < 12 || len % 4 !== 0 || pos + len > buf.length) break;
    f.push({ at: pos + len - 4, width: 4, le });
    if (type === 0x0a0d0d0a && len >= 28) {
      f.push({ at: pos + 8, width: 4, le }, { at: pos + 12, width: 2, le });
    } else if (type === 1 && len >= 20) {
      f.push({ at: pos + 8, width: 2, le }, { at: pos + 12, width: 4, le });
      links.push(le ? buf.readUInt16LE(pos + 8) : buf.readUInt16BE(pos + 8));
      // options: code(2) length(2) value, padded to 4
      for (let o = pos + 16; o + 4 <= pos + len - 4; ) {
        f.push({ at: o, width: 2, le }, { at: o + 2, width: 2, le });
        const olen = le ? buf.readUInt16LE(o + 2) : buf.readUInt16BE(o + 2);
        if (olen > 0) f.push({ at: o + 4, width: 1, le });
        o += 4 + olen + ((4 - (olen & 3)) & 3);
      }
    } else if ((type === 6 || type === 2) && len >= 32) {
      for (const o of [8, 12, 16, 20, 24]) f.push({ at: pos + o, width: 4, le });
      const capLen = u32(buf, pos + 20, le);
      const id = type === 6 ? u32(buf, pos + 8, le) : le ? buf.readUInt16LE(pos + 8) : buf.readUInt16BE(pos + 8);
      if (capLen <= len - 32 && links[id] !== undefined) frameFields(buf.subarray(pos + 28, pos + 28 + capLen), links[id]!, pos + 28, f);
    } else if (type === 3 && len >= 16) {
      f.push({ at: pos + 8, width: 4, le });
    }
    pos += len;
  }
  return f;
}

const decoder = new PacketDecoder({ reassembleFragments: false });

/** Link, IP and TCP header fields of one frame whose bytes start at `base` in the input. */
export function frameFields(data: Buffer, linkType: number, base: number, out: Field[] = []): Field[] {
  const frame: Frame = {
    number: 1, offset: 0, tsSec: 0, tsNsec: 0, time: 0, linkType, interfaceId: 0,
    capLen: data.length, origLen: data.length, data,
  };
  decoder.decode(frame);
  const p = decoder.packet;
  if (p.ipVersion === 0) {
    // no IP found: still aim at the bytes where a link header keeps its type field
    if (data.length >= 14) out.push({ at: base + 12, width: 2, le: false });
    return out;
  }
  const ip = p.ipOffset;
  if (p.encapsulations !== 0 && !p.reassembled) {
    // tunnel, label and PPPoE headers lie between the link header and the inner IP header: aim
    // at every 16-bit word there (their lengths, flags, protocol types and ports are 16-bit or
    // fit in one)
    for (let o = 14; o + 2 <= ip; o += 2) out.push({ at: base + o, width: 2, le: false });
  }
  if (ip >= 2) out.push({ at: base + ip - 2, width: 2, le: false }); // EtherType / protocol field
  if (p.ipVersion === 4) {
    out.push({ at: base + ip, width: 1, le: false }, { at: base + ip + 2, width: 2, le: false }, { at: base + ip + 6, width: 2, le: false }, { at: base + ip + 9, width: 1, le: false });
  } else {
    out.push({ at: base + ip + 4, width: 2, le: false }, { at: base + ip + 6, width: 1, le: false });
  }
  if (p.tcpHeaderLength > 0) {
    const t = p.tcpOffset;
    out.push({ at: base + t + 12, width: 1, le: false }, { at: base + t + 13, width: 1, le: false });
    for (let o = t + 20; o < t + p.tcpHeaderLength; o++) out.push({ at: base + o, width: 1, le: false });
  }
  return out;
}
