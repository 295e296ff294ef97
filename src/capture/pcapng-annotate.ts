// A capture rewritten as pcapng with comments (`analyze --annotate`): every record of the input in
// its order, frames byte for byte with their timestamps and interfaces, plus packet comments
// (opt_comment) on the frames someone wants to point at and comments on the first section header.
// Opened in Wireshark, the comments show in the packet list, in Expert Info (group Comment) and
// are selected by the display filter `frame.comment contains "…"`.
//
//  - classic pcap in: one section, one interface (the file's link type, snaplen and FCS length;
//    if_tsresol 9 for a nanosecond file, else the µs default), one Enhanced Packet Block per record
//    with the record's own timestamp, lengths and bytes.
//  - pcapng in: each block copied as it is, in its section's byte order, except that a commented
//    Enhanced or obsolete Packet Block gets opt_comment options before its opt_endofopt (comments
//    it already has stay), and every Section Header Block says "section length not specified",
//    since added comments change the length of what follows. A Simple Packet Block has no options:
//    its frame is copied without the comment and counted in `uncommentable`.
// Input comes from the reader's RecordSink (src/capture/frame.ts), so the records are the ones
// the analysis read, numbered as it and Wireshark number them.

import { u32be, u32le } from './endian-read.ts';
import { CaptureFormat, detectFormat } from './magic.ts';
import type { ByteSink } from './pcap-writer.ts';
import { BLOCK, BYTE_ORDER_MAGIC, commentOption, encodeBlock, PcapngWriter } from './pcapng-writer.ts';

/** Where the comments come from. */
export interface CommentSource {
  /** Comments for frame `n`, or null; asked once per frame, in increasing frame order. */
  commentsFor(frame: number): readonly string[] | null;
}

/** Frames that should have carried a comment but could not, listed up to this many. */
const MAX_LISTED_UNCOMMENTABLE = 20;
/** Byte offset of the options of an Enhanced (or obsolete) Packet Block before its packet data. */
const PACKET_DATA_AT = 28;
/** … and of a Section Header Block's options. */
const SHB_OPTIONS_AT = 24;

export interface AnnotateStats {
  frames: number; //          frames written
  commented: number; //       frames that got comments
  uncommentable: number[]; // frames whose block cannot carry a comment (Simple Packet Block), ≤ 20
  uncommentableCount: number;
}

const pad4 = (n: number) => (4 - (n & 3)) & 3;

export class PcapngAnnotator {
  readonly stats: AnnotateStats = { frames: 0, commented: 0, uncommentable: [], uncommentableCount: 0 };
  // classic pcap input
  private writer: PcapngWriter | null = null; // made at the file header
  private pcapLe = true; //                    byte order of the pcap file
  private pcapNs = false; //                   nanosecond timestamps
  // pcapng input
  private be = false; //                       byte order of the current section
  private sections = 0; //                     section headers seen

  constructor(
    private readonly out: ByteSink,
    private readonly source: CommentSource,
    private readonly sectionComments: readonly string[],
  ) {}

  /** One record as the reader found it (a RecordSink). */
  record(rec: Buffer, frame: number): void {
    if (this.writer !== null) return this.pcapRecord(rec, frame);
    if (this.sections === 0 && detectFormat(rec, 0) !== CaptureFormat.PCAPNG) return this.pcapHeader(rec);
    this.block(rec, frame);
  }

  // ---- classic pcap ---------------------------------------------------------------------------

  /** Global header: magic | version | thiszone | sigfigs | snaplen | linktype (+ FCS bits). */
  private pcapHeader(h: Buffer): void {
    const fmt = detectFormat(h, 0);
    this.pcapLe = fmt === CaptureFormat.PCAP_LE_US || fmt === CaptureFormat.PCAP_LE_NS;
    this.pcapNs = fmt === CaptureFormat.PCAP_LE_NS || fmt === CaptureFormat.PCAP_BE_NS;
    const u32 = this.pcapLe ? u32le : u32be;
    const snaplen = u32(h, 16);
    const field = u32(h, 20);
    // the link-type field's top bits: F (0x04000000) says an FCS of (bits 28–31) 16-bit words ends
    // each frame (pcap draft §4); pcapng says it with if_fcslen, in octets
    const fcslen = field & 0x04000000 ? ((field >>> 28) & 0xf) * 2 : undefined;
    this.writer = new PcapngWriter(this.out, { comments: this.sectionComments });
    this.writer.addInterface({ linkType: field & 0x03ffffff, snaplen, tsresol: this.pcapNs ? 9 : 6, ...(fcslen !== undefined ? { fcslen } : {}) });
  }

  /** Record: ts_sec | ts_usec or ts_nsec | caplen | origlen | data. */
  private pcapRecord(rec: Buffer, frame: number): void {
    const u32 = this.pcapLe ? u32le : u32be;
    const limit = this.pcapNs ? 1_000_000_000 : 1_000_000;
    let sec = u32(rec, 0);
    let frac = u32(rec, 4);
    // an out-of-range fraction is carried into the seconds, as the reader (and Wireshark) show it
    if (frac >= limit) {
      sec += Math.floor(frac / limit);
      frac %= limit;
    }
    const comments = this.source.commentsFor(frame);
    this.writer!.writeFrame({
      tsSec: sec,
      tsNsec: this.pcapNs ? frac : frac * 1000,
      data: rec.subarray(16),
      origLen: u32(rec, 12),
      interfaceId: 0,
      ...(comments ? { comments } : {}),
    });
    this.stats.frames++;
    if (comments) this.stats.commented++;
  }

  // ---- pcapng ---------------------------------------------------------------------------------

  private block(b: Buffer, frame: number): void {
    const type = this.be ? u32be(b, 0) : u32le(b, 0);
    if (type === BLOCK.SHB) {
      this.be = u32le(b, 8) !== BYTE_ORDER_MAGIC;
      this.out(this.sectionHeader(b));
      return;
    }
    if (frame === 0) {
      this.out(b);
      return;
    }
    if (type === BLOCK.EPB || type === BLOCK.PB || type === BLOCK.SPB) this.stats.frames++;
    const comments = this.source.commentsFor(frame);
    if (comments === null) {
      this.out(b);
      return;
    }
    if (type === BLOCK.EPB || type === BLOCK.PB) {
      const capLen = this.be ? u32be(b, 20) : u32le(b, 20);
      const rewritten = withComments(b, type, PACKET_DATA_AT + capLen + pad4(capLen), comments, this.be);
      if (rewritten !== null) {
        this.out(rewritten);
        this.stats.commented++;
        return;
      }
    }
    this.out(b);
    this.stats.uncommentableCount++;
    if (this.stats.uncommentable.length < MAX_LISTED_UNCOMMENTABLE) this.stats.uncommentable.push(frame);
  }

  /** A section header with "length not specified"; the first also gets the section comments. */
  private sectionHeader(b: Buffer): Buffer {
    const first = this.sections++ === 0;
    const out = first && this.sectionComments.length > 0 ? withComments(b, BLOCK.SHB, SHB_OPTIONS_AT, this.sectionComments, this.be) : null;
    const copy = out ?? Buffer.from(b);
    copy.fill(0xff, 16, 24); // section length: -1
    return copy;
  }
}

/**
 * `block` with opt_comment options added at the end of its options (before opt_endofopt, which is
 * then written again), the options it has kept. null when its options overrun the block (a
 * malformed block is copied as it is rather than guessed at).
 */
function withComments(block: Buffer, type: number, optionsAt: number, comments: readonly string[], be: boolean): Buffer | null {
  const end = block.length - 4; // the trailing length
  const u16 = (o: number) => (be ? block.readUInt16BE(o) : block.readUInt16LE(o));
  let o = optionsAt;
  if (o > end) return null;
  while (end - o >= 4) {
    const code = u16(o);
    if (code === 0) break; // opt_endofopt: anything after it is not an option
    const next = o + 4 + u16(o + 2) + pad4(u16(o + 2));
    if (next > end) return null;
    o = next;
  }
  const endOfOpt = Buffer.alloc(4);
  return encodeBlock(type, Buffer.concat([block.subarray(8, o), ...comments.map((c) => commentOption(c, be)), endOfOpt]), be);
}

/** Writes to a file descriptor in chunks of about 1 MiB (one write per record would be one
 *  system call per frame). Errors (ENOSPC…) surface from write() or flush(). */
export class BufferedFileSink {
  private readonly buf = Buffer.allocUnsafe(1 << 20);
  private used = 0;
  written = 0; // bytes handed to the kernel

  constructor(private readonly write: (chunk: Buffer) => void) {}

  readonly sink: ByteSink = (chunk) => {
    if (this.used + chunk.length > this.buf.length) this.flush();
    if (chunk.length >= this.buf.length) {
      this.write(chunk);
      this.written += chunk.length;
      return;
    }
    chunk.copy(this.buf, this.used);
    this.used += chunk.length;
  };

  flush(): void {
    if (this.used === 0) return;
    this.write(this.buf.subarray(0, this.used));
    this.written += this.used;
    this.used = 0;
  }
}
