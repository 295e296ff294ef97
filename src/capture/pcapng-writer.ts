// pcapng writer (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html): SHB, IDB with
// if_tsresol/if_tsoffset, EPB, SPB, the obsolete Packet Block, and arbitrary blocks so tests can
// check that readers skip what they do not know.
import { putU16, putU32 } from './endian-write.ts';
import type { ByteSink, FrameToWrite } from './pcap-writer.ts';
import { decodeTsresol, timeToUnits, type TsUnit } from './pcapng-time.ts';

export const BLOCK = {
  SHB: 0x0a0d0d0a, //  Section Header Block (palindromic: same in both byte orders)
  IDB: 1, //           Interface Description Block
  PB: 2, //            Packet Block (obsolete, still written by old tools)
  SPB: 3, //           Simple Packet Block
  NRB: 4, //           Name Resolution Block
  ISB: 5, //           Interface Statistics Block
  EPB: 6, //           Enhanced Packet Block
  DSB: 0x0a, //        Decryption Secrets Block
  SYSTEMD_JOURNAL: 9, // systemd Journal Export Block
  CUSTOM_COPY: 0x00000bad, //    Custom Block that rewriters may copy
  CUSTOM_NO_COPY: 0x40000bad, // Custom Block that rewriters must not copy
  SYSDIG_EVENT: 0x204, //        sysdig/falco event blocks Wireshark shows as frames
  SYSDIG_EVENT_V2: 0x216,
  SYSDIG_EVENT_V2_LARGE: 0x221,
} as const;

export const BYTE_ORDER_MAGIC = 0x1a2b3c4d;
export const OPT = { END: 0, COMMENT: 1, IF_TSRESOL: 9, IF_FCSLEN: 13, IF_TSOFFSET: 14 } as const;

/** Longest option value, bytes: the option length field has 16 bits. */
export const MAX_OPTION_BYTES = 0xffff;

export interface PcapngWriterOptions {
  bigEndian?: boolean; // byte order of the (first) section
  comments?: readonly string[]; // opt_comment options of the section header (UTF-8)
}

export interface InterfaceOptions {
  linkType: number; //    LINKTYPE_* number
  snaplen?: number; //    bytes; 0 = no limit; default 262144
  fcslen?: number; //     if_fcslen: bytes of frame check sequence at the end of each frame; written only if given
  tsresol?: number; //    if_tsresol byte: 6 (µs, default), 9 (ns), 0x80|n = 2^-n s; written only if given
  tsoffset?: number; //   if_tsoffset, seconds added to every timestamp; written only if given
}

interface WrittenInterface {
  unit: TsUnit;
  tsoffset: number; // seconds
  snaplen: number; //  bytes
}

function pad4(n: number): number {
  return (4 - (n & 3)) & 3;
}

export class PcapngWriter {
  private be: boolean;
  private ifaces: WrittenInterface[] = [];

  constructor(
    private readonly out: ByteSink,
    opts: PcapngWriterOptions = {},
  ) {
    this.be = opts.bigEndian === true;
    this.writeShb(opts.comments);
  }

  /** Starts a new section (new SHB, interface ids restart at 0), optionally in the other byte order. */
  newSection(opts: PcapngWriterOptions = {}): void {
    if (opts.bigEndian !== undefined) this.be = opts.bigEndian;
    this.ifaces = [];
    this.writeShb(opts.comments);
  }

  /** Writes an IDB; returns its interface id within the current section. */
  addInterface(opts: InterfaceOptions): number {
    const options: Buffer[] = [];
    if (opts.tsresol !== undefined) options.push(this.option(OPT.IF_TSRESOL, Buffer.from([opts.tsresol])));
    if (opts.fcslen !== undefined) options.push(this.option(OPT.IF_FCSLEN, Buffer.from([opts.fcslen])));
    if (opts.tsoffset !== undefined) {
      const v = Buffer.alloc(8);
      if (this.be) v.writeBigInt64BE(BigInt(opts.tsoffset));
      else v.writeBigInt64LE(BigInt(opts.tsoffset));
      options.push(this.option(OPT.IF_TSOFFSET, v));
    }
    if (options.length > 0) options.push(Buffer.alloc(4)); // opt_endofopt
    const snaplen = opts.snaplen ?? 262144;
    const fixed = Buffer.alloc(8);
    putU16(fixed, 0, opts.linkType, this.be);
    putU32(fixed, 4, snaplen, this.be);
    this.block(BLOCK.IDB, Buffer.concat([fixed, ...options]));
    this.ifaces.push({ unit: decodeTsresol(opts.tsresol ?? 6), tsoffset: opts.tsoffset ?? 0, snaplen });
    return this.ifaces.length - 1;
  }

  /** Enhanced Packet Block. */
  writeFrame(f: FrameToWrite): void {
    const id = f.interfaceId ?? 0;
    const [hi, lo] = this.timestamp(id, f);
    const fixed = Buffer.alloc(20);
    putU32(fixed, 0, id, this.be);
    putU32(fixed, 4, hi, this.be);
    putU32(fixed, 8, lo, this.be);
    putU32(fixed, 12, f.data.length, this.be);
    putU32(fixed, 16, f.origLen ?? f.data.length, this.be);
    this.block(BLOCK.EPB, Buffer.concat([fixed, f.data, Buffer.alloc(pad4(f.data.length)), ...this.comments(f.comments)]));
  }

  /** Simple Packet Block: no timestamp, interface 0; readers take min(origLen, snaplen) bytes. */
  writeSimplePacket(data: Buffer, origLen?: number): void {
    const fixed = Buffer.alloc(4);
    putU32(fixed, 0, origLen ?? data.length, this.be);
    this.block(BLOCK.SPB, Buffer.concat([fixed, data, Buffer.alloc(pad4(data.length))]));
  }

  /** Obsolete Packet Block (type 2): 16-bit interface id and drops count. */
  writeObsoletePacket(f: FrameToWrite & { drops?: number }): void {
    const id = f.interfaceId ?? 0;
    const [hi, lo] = this.timestamp(id, f);
    const fixed = Buffer.alloc(20);
    putU16(fixed, 0, id, this.be);
    putU16(fixed, 2, f.drops ?? 0, this.be);
    putU32(fixed, 4, hi, this.be);
    putU32(fixed, 8, lo, this.be);
    putU32(fixed, 12, f.data.length, this.be);
    putU32(fixed, 16, f.origLen ?? f.data.length, this.be);
    this.block(BLOCK.PB, Buffer.concat([fixed, f.data, Buffer.alloc(pad4(f.data.length))]));
  }

  /** Any block, body padded to 4 bytes (e.g. a type readers do not know, which they must skip). */
  writeCustomBlock(type: number, body: Buffer): void {
    this.block(type, Buffer.concat([body, Buffer.alloc(pad4(body.length))]));
  }

  private writeShb(comments: readonly string[] | undefined): void {
    const body = Buffer.alloc(16);
    putU32(body, 0, BYTE_ORDER_MAGIC, this.be);
    putU16(body, 4, 1, this.be); // version 1.0
    putU16(body, 6, 0, this.be);
    body.fill(0xff, 8, 16); // section length -1: not specified (we stream)
    this.block(BLOCK.SHB, Buffer.concat([body, ...this.comments(comments)]));
  }

  /** opt_comment options and their opt_endofopt; nothing without comments. */
  private comments(texts: readonly string[] | undefined): Buffer[] {
    if (texts === undefined || texts.length === 0) return [];
    return [...texts.map((t) => commentOption(t, this.be)), Buffer.alloc(4)];
  }

  private timestamp(id: number, f: FrameToWrite): [number, number] {
    const iface = this.ifaces[id];
    if (iface === undefined) throw new RangeError(`pcapng writer: no interface ${id} in this section`);
    const units = timeToUnits(f.tsSec, f.tsNsec, iface.unit, iface.tsoffset);
    return [Number((units >> 32n) & 0xffffffffn), Number(units & 0xffffffffn)];
  }

  private option(code: number, value: Buffer): Buffer {
    return encodeOption(code, value, this.be);
  }

  private block(type: number, body: Buffer): void {
    this.out(encodeBlock(type, body, this.be));
  }
}

/** One option: code(2) | length(2) | value padded to 4 bytes. */
export function encodeOption(code: number, value: Buffer, bigEndian: boolean): Buffer {
  const b = Buffer.alloc(4 + value.length + pad4(value.length));
  putU16(b, 0, code, bigEndian);
  putU16(b, 2, value.length, bigEndian);
  value.copy(b, 4);
  return b;
}

/** opt_comment holding `text` as UTF-8, cut (at a character boundary) to what an option holds. */
export function commentOption(text: string, bigEndian: boolean): Buffer {
  let value = Buffer.from(text, 'utf8');
  if (value.length > MAX_OPTION_BYTES) value = Buffer.from(value.subarray(0, MAX_OPTION_BYTES).toString('utf8').replace(/\uFFFD$/, ''), 'utf8');
  return encodeOption(OPT.COMMENT, value, bigEndian);
}

/** A whole block: type, total length, body (already padded to 4), total length again. */
export function encodeBlock(type: number, body: Buffer, bigEndian: boolean): Buffer {
  const total = 12 + body.length;
  const b = Buffer.alloc(total);
  putU32(b, 0, type, bigEndian);
  putU32(b, 4, total, bigEndian);
  body.copy(b, 8);
  putU32(b, total - 4, total, bigEndian);
  return b;
}

/** A whole pcapng file in memory: one section, one interface (id 0) from `opts`. */
export function framesToPcapng(
  frames: Iterable<FrameToWrite>,
  opts: InterfaceOptions & PcapngWriterOptions,
): Buffer {
  const chunks: Buffer[] = [];
  const w = new PcapngWriter((c) => chunks.push(c), { bigEndian: opts.bigEndian });
  w.addInterface(opts);
  for (const f of frames) w.writeFrame({ ...f, interfaceId: 0 });
  return Buffer.concat(chunks);
}
