// What the capture stage hands to the rest of the pipeline: one frame at a time.

import type { MergeInfo } from './merge.ts';
import type { RepeatSummary } from './repeats.ts';

/** One captured frame. The reader reuses a single Frame object: every field, and above all
 *  `data`, is valid only until the sink it was passed to returns. Copy what you keep. */
export interface Frame {
  number: number; //       1-based frame number, equal to Wireshark's for the same file
  offset: number; //       byte offset of this record in the (decompressed) capture stream
  tsSec: number; //        capture time: whole seconds since 1970-01-01 UTC
  tsNsec: number; //       nanoseconds within tsSec, 0..999_999_999
  time: number; //         tsSec + tsNsec / 1e9, seconds (float; µs-precise)
  linkType: number; //     LINKTYPE_* number of the frame's interface (tcpdump.org numbering)
  interfaceId: number; //  pcapng interface id within its section (Wireshark's frame.interface_id); 0 for classic pcap
  capLen: number; //       bytes captured (= data.length)
  origLen: number; //      bytes the frame had on the wire
  data: Buffer; //         the captured bytes: a view into the reader's buffer
  /** Where the captured bytes lie without a view of their own: buf[at, at + capLen) are `data`.
   *  Set by the capture readers (ReaderFrame), for the stages that read every frame at offsets
   *  (the repeat filter's key, the decoder); absent on frames made elsewhere (data, 0). */
  readonly buf?: Buffer;
  readonly at?: number;
}

/** The buffer a frame's captured bytes lie in: the reader's chunk (Frame.buf) or their own view;
 *  they are frameBytes(f)[frameStart(f), frameEnd(f)). For the stages that read every frame at
 *  offsets (the repeat filter's key, the decoder, the inner packet's view). */
export function frameBytes(f: Frame): Buffer {
  return f.buf ?? f.data;
}
export function frameStart(f: Frame): number {
  return f.buf === undefined ? 0 : f.at!;
}
export function frameEnd(f: Frame): number {
  return f.buf === undefined ? f.data.length : f.at! + f.capLen;
}

/**
 * The readers' one reused Frame. The record's bytes are given as the reader's chunk and an offset
 * (`buf`, `at`), and `data`, a view of them, is made only when something reads it: the analysis
 * reads every frame at offsets in `buf`, and a view per frame (a Buffer object, then garbage) was
 * ~65 ns of a bulk data frame. `buf` and `at` are not enumerable and `data` is an enumerable own
 * accessor, so a spread (`{ ...f }`, a frame kept past the sink) copies the view of the bytes and
 * not the chunk the reader goes on to reuse. The accessor's getter is one function for every
 * instance: a closure per instance gave each one after the first dictionary-mode properties (V8
 * shares an object shape only for the same getter), and every stage reading frames slowed down
 * in a process that reads more than one capture.
 */
export class ReaderFrame implements Frame {
  number = 0;
  offset = 0;
  tsSec = 0;
  tsNsec = 0;
  time = 0;
  linkType = 0;
  interfaceId = 0;
  capLen = 0;
  origLen = 0;
  declare data: Buffer;
  declare buf: Buffer;
  declare at: number;
  declare view: Buffer | null; // data, once read for this record

  constructor() {
    Object.defineProperties(this, {
      buf: { value: EMPTY, writable: true, enumerable: false },
      at: { value: 0, writable: true, enumerable: false },
      view: { value: null, writable: true, enumerable: false },
      data: { get: readerFrameData, enumerable: true },
    });
  }

  /** The record's captured bytes are buf[at, at + capLen) (set capLen too). */
  locate(buf: Buffer, at: number): void {
    this.buf = buf;
    this.at = at;
    this.view = null;
  }
}

function readerFrameData(this: ReaderFrame): Buffer {
  return (this.view ??= this.buf.subarray(this.at, this.at + this.capLen));
}

const EMPTY = Buffer.alloc(0);

export type FrameSink = (frame: Frame) => void;

/** Sees every record of the capture as stored, in file order (readers built for rewriting the
 *  file: --annotate): the classic pcap file header (frame 0) and each record with its header;
 *  each pcapng block whole, with the frame number it took (0 for a block that takes none). The
 *  bytes are in the file's byte order and, like Frame.data, valid only during the call; a frame's
 *  record may come just before or just after the frame itself. */
export type RecordSink = (record: Buffer, frame: number) => void;

/** What a whole read found, for the report's `capture` section. */
export interface CaptureSummary {
  file: string; //              path as given ('-' for standard input)
  format: 'pcap' | 'pcapng';
  nanosecond: boolean; //       classic pcap with the nanosecond magic
  compressed: 'gzip' | null;
  linkTypes: number[]; //       distinct link types, in order of first appearance
  frames: number; //            frames delivered
  bytes: number; //             bytes of the (decompressed) capture read
  truncated: boolean; //        the capture ended inside a record (Ctrl-C on a capture)
  warnings: CaptureWarning[];
  /** Frames the analysis left out as copies, and time going backwards (repeats.ts); set by the
   *  analysis, not the reader. */
  repeats?: RepeatSummary;
  /** Several files read as one, merged by time (merge.ts): what they were and how to reproduce
   *  the merged frame numbers. */
  merged?: MergeInfo;
}

export interface CaptureWarning {
  offset: number; //   byte offset the warning is about
  message: string; //  one line, no trailing period
}

/** A capture that cannot be read further: the CLI prints `file: offset N: message`, exits 2,
 *  and still reports what was analysed up to `offset`. */
export class CaptureError extends Error {
  constructor(
    readonly file: string,
    readonly offset: number,
    readonly reason: string,
    readonly code:
      | 'not-a-capture'
      | 'bad-record-length'
      | 'bad-block'
      | 'unsupported-link-type'
      | 'read-failed'
      | 'gzip',
  ) {
    super(`${file}: offset ${offset}: ${reason}`);
    this.name = 'CaptureError';
  }

  /** What was read before the error (frames delivered, link types...), set by the reader so the
   *  CLI can still report the part of the capture that was analysed. */
  summary: CaptureSummary | null = null;
}

/** LINKTYPE_* numbers (https://www.tcpdump.org/linktypes.html) the decoder supports. */
export const LinkType = {
  NULL: 0, //          BSD loopback: 4-byte address family in host byte order
  ETHERNET: 1,
  RAW: 101, //         raw IPv4 or IPv6, version from the first nibble
  LOOP: 108, //        OpenBSD loopback: address family in network byte order
  LINUX_SLL: 113, //   Linux cooked capture v1 (tcpdump -i any, older libpcap)
  IPV4: 228,
  IPV6: 229,
  LINUX_SLL2: 276, //  Linux cooked capture v2 (tcpdump -i any)
} as const;

/** Names of the link types decoded here (format/link-types.ts holds the one table). */
export { linkTypeName } from '../format/link-types.ts';
