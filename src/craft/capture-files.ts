// Serialises crafted frames to capture files through the capture stage's writers.

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
