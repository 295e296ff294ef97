// Builds Frame records around crafted bytes for the decode tests.
import type { Frame } from '../../src/capture/frame.ts';
import { LinkType } from '../../src/capture/frame.ts';
import { buildFrame, type FrameSpec } from '../../src/craft/packet-builder.ts';

let counter = 0;

/** A Frame over `data`; `capLen` below data.length simulates a snaplen cut (origLen stays full). */
export function frameOf(data: Buffer, linkType: number = LinkType.ETHERNET, capLen = data.length): Frame {
  const cut = data.subarray(0, capLen);
  counter++;
  return {
    number: counter,
    offset: 0,
    tsSec: 1_700_000_000,
    tsNsec: 0,
    time: 1_700_000_000,
    linkType,
    interfaceId: 0,
    capLen: cut.length,
    origLen: data.length,
    data: cut,
  };
}

/** A Frame built from a spec with the spec's link type. */
export function specFrame(spec: FrameSpec, capLen?: number): Frame {
  const data = buildFrame(spec);
  return frameOf(data, spec.linkType ?? LinkType.ETHERNET, capLen ?? data.length);
}

export const V4 = { src: '192.0.2.1', dst: '192.0.2.2' };
export const V6 = { src: '2001:db8::1', dst: '2001:db8::2' };
export const SEG = { srcPort: 40000, dstPort: 21, seq: 1000, ack: 2000, flags: 'PA', window: 4321, payload: 'USER anonymous\r\n' };
