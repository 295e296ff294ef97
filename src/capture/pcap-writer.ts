// Classic libpcap file writer: the "tcpdump -w" format (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcap-04.html).
// Used by tests and fixtures (framesToPcap) and by live capture `-w` (PcapFileWriter).
import { putU16, putU32 } from './endian-write.ts';
import * as fs from 'node:fs';

/** Where a writer puts its bytes, one call per header or record. */
export type ByteSink = (chunk: Buffer) => void;

/** A frame to write: absolute capture time plus the captured bytes. */
export interface FrameToWrite {
  tsSec: number; //     whole seconds since 1970-01-01 UTC
  tsNsec: number; //    nanoseconds within tsSec, 0..999_999_999
  data: Buffer; //      captured bytes (written as given: caplen = data.length)
  origLen?: number; //  bytes on the wire, bytes; default data.length
  interfaceId?: number; // pcapng only: index of the IDB in the current section
  comments?: readonly string[]; // pcapng EPB only: opt_comment options (UTF-8)
}

export interface PcapWriterOptions {
  linkType: number; //      LINKTYPE_* number
  snaplen?: number; //      bytes; default 262144 (libpcap's MAXIMUM_SNAPLEN)
  nanosecond?: boolean; //  write the a1b23c4d magic and nanosecond fractions
  bigEndian?: boolean; //   write every header field big-endian (as a SPARC or PowerPC host would)
}

export const PCAP_MAGIC_US = 0xa1b2c3d4;
export const PCAP_MAGIC_NS = 0xa1b23c4d;
export const PCAP_DEFAULT_SNAPLEN = 262144;

/** Writes the 24-byte global header at construction, then one 16-byte header + data per frame.
 *  Each record goes to the sink as ONE chunk so a sink that writes it straight to a file never
 *  leaves half a record behind after a clean exit. */
export class PcapWriter {
  private readonly be: boolean;
  private readonly ns: boolean;

  constructor(
    private readonly out: ByteSink,
    opts: PcapWriterOptions,
  ) {
    this.be = opts.bigEndian === true;
    this.ns = opts.nanosecond === true;
    const h = Buffer.alloc(24);
    putU32(h, 0, this.ns ? PCAP_MAGIC_NS : PCAP_MAGIC_US, this.be);
    putU16(h, 4, 2, this.be); // version 2.4, the only one in use since 1998
    putU16(h, 6, 4, this.be);
    // thiszone and sigfigs stay 0, as every modern writer leaves them
    putU32(h, 16, opts.snaplen ?? PCAP_DEFAULT_SNAPLEN, this.be);
    putU32(h, 20, opts.linkType, this.be);
    out(h);
  }

  writeFrame(f: FrameToWrite): void {
    const len = f.data.length;
    const rec = Buffer.allocUnsafe(16 + len);
    putU32(rec, 0, f.tsSec, this.be);
    // µs files lose the sub-microsecond part, as libpcap does (truncation, not rounding)
    putU32(rec, 4, this.ns ? f.tsNsec : Math.floor(f.tsNsec / 1000), this.be);
    putU32(rec, 8, len, this.be);
    putU32(rec, 12, f.origLen ?? len, this.be);
    f.data.copy(rec, 16);
    this.out(rec);
  }

}

/** A whole classic pcap file in memory (fixtures, tests). */
export function framesToPcap(frames: Iterable<FrameToWrite>, opts: PcapWriterOptions): Buffer {
  const chunks: Buffer[] = [];
  const w = new PcapWriter((c) => chunks.push(c), opts);
  for (const f of frames) w.writeFrame(f);
  return Buffer.concat(chunks);
}

/** Writes every chunk to an fd with writeSync, looping over short writes (and, on a
 *  non-blocking descriptor such as a standard output Node made so, over a full pipe). */
export function fdSink(fd: number): ByteSink {
  return (chunk) => {
    let done = 0;
    while (done < chunk.length) {
      try {
        done += fs.writeSync(fd, chunk, done, chunk.length - done);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EAGAIN') throw e;
        Atomics.wait(PAUSE, 0, 0, 1); // the reader is behind: 1 ms, then again
      }
    }
  };
}
const PAUSE = new Int32Array(new SharedArrayBuffer(4));

/** Classic pcap written to a path for live `-w`. Every record is handed to the kernel with
 *  writeSync as soon as it is written (no user-space buffer), so a SIGINT/exit right after
 *  writeFrame returns never loses that packet. */
export class PcapFileWriter {
  private fd: number | null;
  private readonly owned: boolean;
  private readonly writer: PcapWriter;
  frames = 0; // frames written

  constructor(
    readonly path: string,
    opts: PcapWriterOptions,
  ) {
    // '-': standard output (tcpdump -w -), written to but never closed here
    this.owned = path !== '-';
    this.fd = this.owned ? fs.openSync(path, 'w') : 1;
    this.writer = new PcapWriter(fdSink(this.fd), opts);
  }

  writeFrame(f: FrameToWrite): void {
    if (this.fd === null) throw new Error(`${this.path}: writer is closed`);
    this.writer.writeFrame(f);
    this.frames++;
  }

  close(): void {
    if (this.fd === null) return;
    if (this.owned) fs.closeSync(this.fd);
    this.fd = null;
  }
}
