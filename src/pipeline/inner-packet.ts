// The repeat filter's key for the analysis: a frame's inner IP packet, as the host sent it.
//
// One packet seen at two points of its path differs only in what the path changes: the TTL (or
// hop limit) and with it the IPv4 header checksum, and the layers around it (Ethernet addresses,
// VLAN tags, the VXLAN/GRE/ERSPAN headers of a mirror session). Its IP ID, addresses, TCP header,
// checksum and payload stay the same. The key hashes the IP packet, data[ipOffset, ipOffset +
// ipTotalLength) as the decode stage finds it through any tunnel, with the TTL and the header
// checksum read as 0; the view (capture/repeats.ts) keeps what the key leaves out, so the filter
// can tell a copy made at another point from one recorded twice at the same point.
//
// Frames that hold no IP packet (ARP, LLDP, a malformed header) keep the whole-frame key.

import { frameBytes, frameEnd, frameStart, LinkType, type Frame } from '../capture/frame.ts';
import { bytesKey, frameBytesKey } from '../capture/repeats.ts';
import { PacketDecoder, type DecoderOptions } from '../decode/decoder.ts';

const ETHERTYPE_IPV4 = 0x0800;
const ETHERTYPE_IPV6 = 0x86dd;

export class InnerPacketKeys {
  private readonly decoder: PacketDecoder; // its own, without fragment reassembly: keys have no state
  // the IP packet of the frame last given to key(), for view()
  private frame: Frame | null = null;
  private data: Uint8Array = Buffer.alloc(0); // bytes holding it (the reader's chunk: Frame.buf)
  private at = 0; //                             the frame's first byte in them
  private end = 0; //                            the end of its captured bytes in them
  private ipOffset = -1; //                      the IP packet's offset in them, -1: no IP packet
  private ttl = 0;
  // The outer layers' hashes of the last two frames (view()): a capture's frames nearly always
  // repeat one of two link headers (a connection's two directions), and comparing ≤ 32 bytes
  // costs less than hashing them (the hash was a third of the repeat filter's key time).
  private readonly outerSeen = [new OuterLayers(), new OuterLayers()];
  private outerNext = 0; //                      the entry the next new layers replace

  constructor(opts: DecoderOptions = {}) {
    this.decoder = new PacketDecoder({ ...opts, reassembleFragments: false });
  }

  /** The frame's identity: its inner IP packet without TTL and header checksum. */
  key(f: Frame): number {
    this.locate(f);
    const off = this.ipOffset;
    if (off < 0) return frameBytesKey(f);
    const d = this.data;
    const v4 = d[off]! >> 4 === 4;
    const total = v4 ? (d[off + 2]! << 8) | d[off + 3]! : 40 + ((d[off + 4]! << 8) | d[off + 5]!);
    const end = Math.min(this.end, off + (total > 0 ? total : this.end - off));
    this.ttl = d[off + (v4 ? 8 : 7)]!;
    return bytesKey(d, off, end, end - off, total, off + (v4 ? 8 : 7), v4 ? off + 10 : -1);
  }

  /** How it was seen: its TTL, and a hash of the bytes before its IP header (the link and tunnel
   *  layers). Called after key() for the same frame. */
  view(f: Frame): number {
    if (this.frame !== f) this.key(f);
    const off = this.ipOffset;
    if (off < 0) return 0;
    const at = this.at;
    const outer = off === at ? 0 : this.outerHash(this.data, at, off, f.linkType);
    return outer * 256 + this.ttl;
  }

  /** The 21-bit hash of d[at, off), the layers before the IP header (as bytesKey gives it). */
  private outerHash(d: Uint8Array, at: number, off: number, linkType: number): number {
    const n = off - at;
    for (const e of this.outerSeen) if (e.holds(d, at, n, linkType)) return e.hash;
    const hash = bytesKey(d, at, off, n, linkType, -1, -1) & 0x1fffff;
    if (n <= OuterLayers.MAX) {
      this.outerSeen[this.outerNext]!.keep(d, at, n, linkType, hash);
      this.outerNext ^= 1;
    }
    return hash;
  }

  /** Finds the frame's inner IP packet: at once for plain Ethernet and raw IP (nearly every frame
   *  of a capture taken on a host), through the decoder for everything else. A reader's frame is
   *  read where it lies in the reader's chunk (Frame.buf, Frame.at), as the decoder reads it. */
  private locate(f: Frame): void {
    this.frame = f;
    const d = frameBytes(f);
    const at = frameStart(f);
    const end = frameEnd(f);
    this.data = d;
    this.at = at;
    this.end = end;
    this.ipOffset = -1;
    let off = -1;
    if (f.linkType === LinkType.ETHERNET && end - at >= 34) {
      const type = (d[at + 12]! << 8) | d[at + 13]!;
      if (type === ETHERTYPE_IPV4 || type === ETHERTYPE_IPV6) off = at + 14;
    } else if ((f.linkType === LinkType.RAW || f.linkType === LinkType.IPV4 || f.linkType === LinkType.IPV6) && end - at >= 20) off = at;
    // …when it carries TCP directly: a UDP or GRE packet may be a tunnel around the real one
    if (off >= 0 && plainIp(d, off, end) && carriesTcp(d, off)) {
      this.ipOffset = off;
      return;
    }
    const dec = this.decoder;
    const outcome = dec.decode(f);
    const p = dec.packet;
    if (outcome === 'not-ip' || outcome === 'malformed' || p.ipVersion === 0 || p.data !== d) return;
    if (plainIp(d, p.ipOffset, end)) this.ipOffset = p.ipOffset;
  }
}

/** One outer layer (link and tunnel headers) and its hash, remembered by InnerPacketKeys. */
class OuterLayers {
  static readonly MAX = 32; //           bytes: Ethernet with two VLAN tags fits, a tunnel's layers not
  private readonly bytes = new Uint8Array(OuterLayers.MAX);
  private length = -1; //                bytes held, -1: none
  private linkType = -1;
  hash = 0;

  /** d[at, at + n) with `linkType` are the layers held. */
  holds(d: Uint8Array, at: number, n: number, linkType: number): boolean {
    if (n !== this.length || linkType !== this.linkType) return false;
    const b = this.bytes;
    for (let i = 0; i < n; i++) if (b[i] !== d[at + i]) return false;
    return true;
  }

  keep(d: Uint8Array, at: number, n: number, linkType: number, hash: number): void {
    for (let i = 0; i < n; i++) this.bytes[i] = d[at + i]!;
    this.length = n;
    this.linkType = linkType;
    this.hash = hash;
  }
}

/** The IP header at `off` says TCP comes next (IPv4: protocol 6, not a fragment; IPv6: next header 6). */
function carriesTcp(d: Uint8Array, off: number): boolean {
  if (d[off]! >> 4 === 4) return d[off + 9] === 6 && ((d[off + 6]! & 0x3f) | d[off + 7]!) === 0;
  return d[off + 6] === 6;
}

/** An IPv4 or IPv6 header fits at `off`, before `end` (the fields key() reads are there). */
function plainIp(d: Uint8Array, off: number, end: number): boolean {
  const v = d[off]! >> 4;
  return (v === 4 && end - off >= 20) || (v === 6 && end - off >= 40);
}
