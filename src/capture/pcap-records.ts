// Classic libpcap records. File layout (all fields in the writer's byte order):
//   global header, 24 bytes:  d4 c3 b2 a1 | 02 00 04 00 | thiszone | sigfigs | snaplen | linktype
//   each record, 16 bytes:    ts_sec | ts_usec (or ts_nsec) | caplen | origlen, then caplen bytes
import { u32be, u32le } from './endian-read.ts';
import { pcapMaxCapLen } from './limits.ts';
import type { ParseContext, RecordLoop } from './parse-context.ts';

export const PCAP_HEADER_LEN = 24;
export const PCAP_RECORD_HEADER_LEN = 16;

export class PcapRecords implements RecordLoop {
  private header = true; //  still expecting the 24-byte global header
  private linkType = 0; //   LINKTYPE_* of every record
  private maxCapLen = 0; //  bytes; see limits.ts
  private snaplen = 0; //    bytes, from the header
  private fracWarned = false;

  constructor(
    private readonly ctx: ParseContext,
    private readonly le: boolean,
    private readonly ns: boolean,
  ) {
    ctx.summary.format = 'pcap';
    ctx.summary.nanosecond = ns;
  }

  get unitName(): string {
    return this.header ? 'file header' : 'record';
  }

  feed(buf: Buffer, pos: number, end: number, base: number): number {
    if (this.header) {
      if (end - pos < PCAP_HEADER_LEN) {
        this.ctx.need = PCAP_HEADER_LEN;
        return pos;
      }
      this.readHeader(buf, pos, base);
      pos += PCAP_HEADER_LEN;
    }
    return this.le ? this.recordsLE(buf, pos, end, base) : this.recordsBE(buf, pos, end, base);
  }

  private readHeader(buf: Buffer, pos: number, base: number): void {
    const u16 = (o: number) => (this.le ? buf.readUInt16LE(pos + o) : buf.readUInt16BE(pos + o));
    const u32 = (o: number) => (this.le ? u32le(buf, pos + o) : u32be(buf, pos + o));
    const major = u16(4);
    if (major !== 2) this.ctx.warn(base + pos, `unusual pcap version ${major}.${u16(6)} (expected 2.4)`);
    this.snaplen = u32(16);
    // the top bits of the link-type field carry FCS information (LT_LINKTYPE in libpcap)
    this.linkType = u32(20) & 0x03ffffff;
    this.maxCapLen = pcapMaxCapLen(this.snaplen);
    this.ctx.noteLinkType(this.linkType);
    this.header = false;
    this.ctx.onRecord?.(buf.subarray(pos, pos + PCAP_HEADER_LEN), 0);
  }

  // The two loops below are the hot path: one per byte order so the field reads stay branch-free.
  // Nothing is allocated per record (the frame's `data` view only when a sink reads it).

  private recordsLE(buf: Buffer, pos: number, end: number, base: number): number {
    const ctx = this.ctx;
    const f = ctx.frame;
    const sink = ctx.onFrame;
    const summary = ctx.summary;
    const maxCap = this.maxCapLen;
    const fracScale = this.ns ? 1 : 1000;
    const fracLimit = this.ns ? 1_000_000_000 : 1_000_000;
    const linkType = this.linkType;
    const onRecord = ctx.onRecord;
    while (end - pos >= PCAP_RECORD_HEADER_LEN) {
      const capLen = u32le(buf, pos + 8);
      if (capLen > maxCap) throw this.badLength(base + pos, capLen);
      const recEnd = pos + PCAP_RECORD_HEADER_LEN + capLen;
      if (recEnd > end) {
        ctx.need = PCAP_RECORD_HEADER_LEN + capLen;
        return pos;
      }
      let sec = u32le(buf, pos);
      let frac = u32le(buf, pos + 4);
      if (frac >= fracLimit) {
        sec += Math.floor(frac / fracLimit);
        frac %= fracLimit;
        this.fracOutOfRange(base + pos);
      }
      const nsec = frac * fracScale;
      f.number = ++summary.frames;
      f.offset = base + pos;
      f.tsSec = sec;
      f.tsNsec = nsec;
      f.time = sec + nsec / 1e9;
      f.linkType = linkType;
      f.interfaceId = 0;
      f.capLen = capLen;
      f.origLen = u32le(buf, pos + 12);
      f.locate(buf, pos + PCAP_RECORD_HEADER_LEN);
      if (onRecord !== null) onRecord(buf.subarray(pos, recEnd), f.number);
      pos = recEnd;
      sink(f);
    }
    ctx.need = PCAP_RECORD_HEADER_LEN;
    return pos;
  }

  private recordsBE(buf: Buffer, pos: number, end: number, base: number): number {
    const ctx = this.ctx;
    const f = ctx.frame;
    const sink = ctx.onFrame;
    const summary = ctx.summary;
    const maxCap = this.maxCapLen;
    const fracScale = this.ns ? 1 : 1000;
    const fracLimit = this.ns ? 1_000_000_000 : 1_000_000;
    const linkType = this.linkType;
    const onRecord = ctx.onRecord;
    while (end - pos >= PCAP_RECORD_HEADER_LEN) {
      const capLen = u32be(buf, pos + 8);
      if (capLen > maxCap) throw this.badLength(base + pos, capLen);
      const recEnd = pos + PCAP_RECORD_HEADER_LEN + capLen;
      if (recEnd > end) {
        ctx.need = PCAP_RECORD_HEADER_LEN + capLen;
        return pos;
      }
      let sec = u32be(buf, pos);
      let frac = u32be(buf, pos + 4);
      if (frac >= fracLimit) {
        sec += Math.floor(frac / fracLimit);
        frac %= fracLimit;
        this.fracOutOfRange(base + pos);
      }
      const nsec = frac * fracScale;
      f.number = ++summary.frames;
      f.offset = base + pos;
      f.tsSec = sec;
      f.tsNsec = nsec;
      f.time = sec + nsec / 1e9;
      f.linkType = linkType;
      f.interfaceId = 0;
      f.capLen = capLen;
      f.origLen = u32be(buf, pos + 12);
      f.locate(buf, pos + PCAP_RECORD_HEADER_LEN);
      if (onRecord !== null) onRecord(buf.subarray(pos, recEnd), f.number);
      pos = recEnd;
      sink(f);
    }
    ctx.need = PCAP_RECORD_HEADER_LEN;
    return pos;
  }

  private badLength(offset: number, capLen: number) {
    return this.ctx.fail(
      offset,
      `impossible record length ${capLen} bytes (snaplen ${this.snaplen}, limit ${this.maxCapLen})`,
      'bad-record-length',
    );
  }

  /** A fraction >= 1 s is carried into the seconds (Wireshark shows such records too). */
  private fracOutOfRange(offset: number): void {
    if (this.fracWarned) return;
    this.fracWarned = true;
    this.ctx.warn(offset, `timestamp fraction out of range (carried into seconds)`);
  }
}
