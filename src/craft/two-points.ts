// Captures that hold one packet twice because it was recorded at two points: a router captured
// on both interfaces (the second sighting has crossed routers: a lower TTL, other MAC addresses),
// a SPAN session on two switches, or two mirror sessions of a cloud traffic mirror delivering the
// same inner packet in different tunnels. Each crafted Ethernet frame is followed, `delay` later,
// by its second sighting; the result is in time order, as a capture file would hold it.
//
//   const frames = seenTwice(t.frames(), { delay: 0.0003, hops: 2, only: (f) => fromServer(f) });
//   const mirrored = seenTwice(t.frames(), { delay: 0.0002, first: tunnel.vxlan({ vni: 1 }), second: tunnel.vxlan({ vni: 2 }) });

import { internetChecksum } from './packet-builder.ts';
import type { FrameWrapper } from './encapsulation.ts';
import type { CraftedFrame } from './trace-builder.ts';

export interface SecondSighting {
  delay: number | ((nth: number) => number); // seconds from the first sighting to the second (of the nth frame seen twice)
  hops?: number; //            routers between the two points: the second has its TTL lowered by this
  secondMac?: string; //       source MAC of the second sighting (the last router's), default unchanged
  first?: FrameWrapper; //     how the first point delivers the frame (a mirror session), default as is
  second?: FrameWrapper; //    … and the second point
  only?: (f: CraftedFrame, index: number) => boolean; // frames seen twice, default all
}

/** The frames with each one's second sighting after it, in time order. */
export function seenTwice(frames: readonly CraftedFrame[], o: SecondSighting): CraftedFrame[] {
  const out: CraftedFrame[] = [];
  const first = o.first ?? ((b: Buffer) => b);
  const second = o.second ?? ((b: Buffer) => b);
  let nth = 0;
  frames.forEach((f, i) => {
    const a = first(f.data);
    out.push({ ...f, data: a, origLen: a.length });
    if (o.only && !o.only(f, i)) return;
    const b = second(lowered(f.data, o.hops ?? 0, o.secondMac));
    const delay = typeof o.delay === 'number' ? o.delay : o.delay(nth++);
    const ns = f.tsNsec + Math.round(delay * 1e9);
    out.push({ tsSec: f.tsSec + Math.floor(ns / 1e9), tsNsec: ns % 1e9, data: b, origLen: b.length });
  });
  // a stable sort by time: a second sighting may come after later first sightings
  return out.map((f, i) => ({ f, i })).sort((x, y) => x.f.tsSec - y.f.tsSec || x.f.tsNsec - y.f.tsNsec || x.i - y.i).map((x) => x.f);
}

/** An Ethernet frame (untagged, IPv4 or IPv6) after `hops` routers: TTL or hop limit lowered,
 *  the IPv4 header checksum made right again, the source MAC the last router's. */
function lowered(frame: Buffer, hops: number, mac: string | undefined): Buffer {
  const b = Buffer.from(frame);
  if (mac !== undefined) Buffer.from(mac.split(':').map((x) => parseInt(x, 16))).copy(b, 6);
  if (hops === 0) return b;
  const type = b.readUInt16BE(12);
  if (type === 0x0800) {
    const hl = (b[14]! & 0x0f) * 4;
    b[22] = b[22]! - hops;
    b.writeUInt16BE(0, 24);
    b.writeUInt16BE(internetChecksum(b.subarray(14, 14 + hl)), 24);
  } else if (type === 0x86dd) b[21] = b[21]! - hops;
  else throw new Error('seenTwice: hops need an untagged IPv4 or IPv6 frame');
  return b;
}
