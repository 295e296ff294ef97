// Push parser for pcap and pcapng: bytes in (any chunking), frames out. Detects the format from
// the magic bytes, then hands whole records to the format's loop. A record split across chunks is
// kept as a small unread tail and completed from the next chunk; records that lie entirely in a
// chunk are delivered as views into it, without copying. After it throws a CaptureError the
// parser is spent: the error's summary says what was read.
import type { CaptureSummary, FrameSink, RecordSink } from './frame.ts';
import { CaptureFormat, describeLeadingBytes, detectFormat } from './magic.ts';
import { ParseContext, type RecordLoop } from './parse-context.ts';
import { PcapRecords } from './pcap-records.ts';
import { PcapngBlocks } from './pcapng-blocks.ts';

export interface CaptureParserOptions {
  compressed?: 'gzip' | null; // recorded in the summary (the caller decompresses)
  onRecord?: RecordSink; //      every record as stored (see RecordSink)
}

export class CaptureStreamParser {
  private readonly ctx: ParseContext;
  private loop: RecordLoop | null = null;
  private tail: Buffer = Buffer.alloc(0); // push(): bytes of an incomplete record
  private tailLen = 0; //                    bytes used in `tail`
  private pending = 0; //                    bytes received but not consumed, after the last call
  private ended = false;

  constructor(file: string, onFrame: FrameSink, opts: CaptureParserOptions = {}) {
    this.ctx = new ParseContext(file, onFrame, opts.onRecord ?? null);
    this.ctx.summary.compressed = opts.compressed ?? null;
  }

  get summary(): CaptureSummary {
    this.ctx.summary.bytes = this.ctx.consumed + this.pending;
    return this.ctx.summary;
  }

  /** Bytes that must be available at the first unconsumed byte before anything more can be parsed. */
  get need(): number {
    return this.ctx.need;
  }

  /** Parses whole records in buf[start..end); returns the position of the first unconsumed byte.
   *  The caller keeps the bytes from there on and passes them again, with more after them, once it
   *  has at least `need` of them (readCapture's reused-buffer loop does this). */
  feed(buf: Buffer, start: number, end: number): number {
    if (this.loop === null && !this.detect(buf, start, end)) {
      this.pending = end - start;
      return start;
    }
    const p = this.loop!.feed(buf, start, end, this.ctx.consumed - start);
    this.ctx.consumed += p - start;
    this.pending = end - p;
    return p;
  }

  /** Parses a chunk of any size. The chunk may be reused by the caller once push returns. */
  push(chunk: Buffer): void {
    let c = 0;
    // First complete the record left over from earlier chunks, copying only the bytes it lacks.
    while (this.tailLen > 0 && c < chunk.length) {
      const take = Math.min(this.ctx.need - this.tailLen, chunk.length - c);
      if (take > 0) {
        this.reserve(this.tailLen + take);
        chunk.copy(this.tail, this.tailLen, c, c + take);
        this.tailLen += take;
        c += take;
      }
      if (this.tailLen < this.ctx.need) break;
      const p = this.feed(this.tail, 0, this.tailLen);
      this.tail.copyWithin(0, p, this.tailLen);
      this.tailLen -= p;
    }
    if (c < chunk.length) {
      const p = this.feed(chunk, c, chunk.length);
      const rest = chunk.length - p;
      if (rest > 0) {
        this.reserve(rest);
        chunk.copy(this.tail, 0, p);
        this.tailLen = rest;
      }
    }
    this.pending = this.tailLen;
  }

  /** End of input. A capture cut inside a record is reported (truncated + warning), not thrown.
   *  `leftover`: the unconsumed bytes when the caller used feed() (for the not-a-capture message). */
  end(leftover?: Buffer): CaptureSummary {
    if (this.ended) return this.summary;
    this.ended = true;
    const ctx = this.ctx;
    const summary = this.summary;
    if (this.loop === null) {
      const head = leftover ?? this.tail.subarray(0, this.tailLen);
      throw ctx.fail(
        0,
        head.length === 0
          ? 'empty file: not a pcap or pcapng file'
          : `not a pcap or pcapng file (only ${head.length} bytes, ${describeLeadingBytes(head)})`,
        'not-a-capture',
      );
    }
    if (this.pending > 0 && ctx.consumed === 0) {
      // not even the file header (pcap) or the first block (pcapng: the section header) is
      // whole: a file this short holds no capture, whatever its first bytes say
      const unit = this.loop.unitName === 'block' ? 'section header block' : this.loop.unitName;
      throw ctx.fail(0, `not a capture: the file ends inside its ${unit} (${this.pending} bytes, at least ${ctx.need} needed)`, 'not-a-capture');
    }
    if (this.pending > 0) {
      summary.truncated = true;
      ctx.warn(
        ctx.consumed,
        `capture cut short inside the ${this.loop.unitName} at offset ${ctx.consumed} (${this.pending} of ${ctx.need} bytes)`,
      );
    }
    return summary;
  }

  /** The reading was stopped on purpose (Ctrl-C): what was parsed is the summary, a record cut
   *  by the stop is not a fault, and the warning says where the analysis ends. */
  interrupt(reason: string): CaptureSummary {
    if (this.ended) return this.summary;
    this.ended = true;
    const ctx = this.ctx;
    ctx.warn(ctx.consumed, `reading stopped by ${reason}: the frames after offset ${ctx.consumed} were not analysed`);
    return this.summary;
  }

  private detect(buf: Buffer, start: number, end: number): boolean {
    if (end - start < 4) {
      this.ctx.need = 4;
      return false;
    }
    const fmt = detectFormat(buf, start);
    switch (fmt) {
      case CaptureFormat.PCAP_LE_US:
      case CaptureFormat.PCAP_BE_US:
      case CaptureFormat.PCAP_LE_NS:
      case CaptureFormat.PCAP_BE_NS:
        this.loop = new PcapRecords(
          this.ctx,
          fmt === CaptureFormat.PCAP_LE_US || fmt === CaptureFormat.PCAP_LE_NS,
          fmt === CaptureFormat.PCAP_LE_NS || fmt === CaptureFormat.PCAP_BE_NS,
        );
        return true;
      case CaptureFormat.PCAPNG:
        this.loop = new PcapngBlocks(this.ctx);
        return true;
      case CaptureFormat.PCAP_MODIFIED:
        throw this.ctx.fail(0, 'modified (Kuznetsov) libpcap format is not supported: convert it with editcap -F pcap', 'not-a-capture');
      default:
        throw this.ctx.fail(0, `not a pcap or pcapng file (${describeLeadingBytes(buf.subarray(start, end))})`, 'not-a-capture');
    }
  }

  private reserve(size: number): void {
    if (this.tail.length >= size) return;
    const grown = Buffer.allocUnsafe(Math.max(size, this.tail.length * 2, 65536));
    this.tail.copy(grown, 0, 0, this.tailLen);
    this.tail = grown;
  }
}
