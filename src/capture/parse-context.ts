// State shared by the format-specific record loops (pcap-records.ts, pcapng-blocks.ts) and the
// stream parser that drives them.
import { CaptureError, ReaderFrame, type CaptureSummary, type FrameSink, type RecordSink } from './frame.ts';

export class ParseContext {
  /** The one Frame every delivery reuses (see Frame's validity rule). */
  readonly frame = new ReaderFrame();
  readonly summary: CaptureSummary;
  /** Bytes needed from the position a loop returned, to make progress; bytes. */
  need = 1;
  /** Stream offset of the next unconsumed byte; bytes. */
  consumed = 0;

  constructor(
    readonly file: string,
    readonly onFrame: FrameSink,
    readonly onRecord: RecordSink | null = null,
  ) {
    this.summary = {
      file,
      format: 'pcap',
      nanosecond: false,
      compressed: null,
      linkTypes: [],
      frames: 0,
      bytes: 0,
      truncated: false,
      warnings: [],
    };
  }

  /** Link types already in summary.linkTypes. A Set, not linkTypes.includes(): a pcapng file
   *  may declare up to 65536 interfaces with distinct link types, and a linear search per IDB made
   *  that 1.3 MB file take seconds (found probing for slow inputs, test/fuzz/regressions.test.ts). */
  private readonly seenLinkTypes = new Set<number>();

  noteLinkType(linkType: number): void {
    if (this.seenLinkTypes.has(linkType)) return;
    this.seenLinkTypes.add(linkType);
    this.summary.linkTypes.push(linkType);
  }

  warn(offset: number, message: string): void {
    // bounded: a corrupt file must not grow an unbounded warning list
    if (this.summary.warnings.length < 100) this.summary.warnings.push({ offset, message });
  }

  /** Builds the error the reader throws, carrying a snapshot of what was read so far. */
  fail(offset: number, reason: string, code: CaptureError['code']): CaptureError {
    const e = new CaptureError(this.file, offset, reason, code);
    // everything before the offending record or block was read and delivered
    e.summary = { ...this.summary, bytes: offset, linkTypes: [...this.summary.linkTypes], warnings: [...this.summary.warnings] };
    return e;
  }
}

/** Format-specific record loop: consumes whole records from buf[pos..end) and returns the new
 *  position; sets ctx.need when it stops for lack of bytes. `base` is the stream offset of buf[0]. */
export interface RecordLoop {
  feed(buf: Buffer, pos: number, end: number, base: number): number;
  /** One line describing the unit the stream ended inside ("record", "block", "file header"). */
  readonly unitName: string;
}
