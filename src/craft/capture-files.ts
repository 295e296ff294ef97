// Serialises crafted frames to capture files through the capture stage's writers.

import type { Frame } from '../capture/frame.ts';
import { framesToPcap as writePcap } from '../capture/pcap-writer.ts';
import { framesToPcapng as writePcapng } from '../capture/pcapng-writer.ts';

export interface WritableFrame {
  tsSec: number;
  tsNsec: number;
  data: Buffer;
  origLen: number;
}

export interface WriteOptions {
  linkType: number;
  nanosecond?: boolean | undefined;
  snaplen?: number | undefined;
}

/** Classic pcap, µs (or ns) timestamps. */
export function framesToPcap(frames: readonly WritableFrame[], opts: WriteOptions): Buffer {
  return writePcap(frames, { linkType: opts.linkType, snaplen: opts.snaplen, nanosecond: opts.nanosecond });
}

/** pcapng: one section, one interface with nanosecond timestamps (if_tsresol 9), so crafted
 *  sub-microsecond steps survive. */
export function framesToPcapng(frames: readonly WritableFrame[], opts: WriteOptions): Buffer {
  return writePcapng(frames, { linkType: opts.linkType, snaplen: opts.snaplen, tsresol: 9 });
}

/** Crafted frames as the capture stage hands them on: Frame records numbered from 1, a fresh
 *  object each (the reader's own Frame is reused; tests that keep frames need their own). */
export function toCaptureFrames(frames: readonly WritableFrame[], linkType: number): Frame[] {
  return frames.map((f, i) => ({
    number: i + 1,
    offset: 0,
    tsSec: f.tsSec,
    tsNsec: f.tsNsec,
    time: f.tsSec + f.tsNsec / 1e9,
    linkType,
    interfaceId: 0,
    capLen: f.data.length,
    origLen: f.origLen,
    data: f.data,
  }));
}
