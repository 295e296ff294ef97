// pcapng blocks (https://www.ietf.org/archive/id/draft-ietf-opsawg-pcapng-03.html). Every block:
//   type(4) | total length(4) | body | total length(4)     in the byte order of its section
// Sample EPB, little-endian: 06 00 00 00 | 5c 00 00 00 | ifid | ts hi | ts lo | caplen | origlen | data… | 5c 00 00 00
import { MAX_RECORD_BYTES } from './limits.ts';
import type { ParseContext, RecordLoop } from './parse-context.ts';
import { u32be, u32le } from './endian-read.ts';
import { BLOCK, BYTE_ORDER_MAGIC, OPT } from './pcapng-writer.ts';
import { decodeTsresol, TSRESOL_DEFAULT, unitsToTimeBig, type TsUnit } from './pcapng-time.ts';

/** How an interface's timestamps are converted, cheapest first. */
// DECIMAL and BINARY counts below 2^53 (every µs timestamp until year 2255) are divided as plain
// doubles; larger counts (ns since 1970 are ~2^60) by 64-bit long division in 16-bit digits.
const TsPath = {
  DECIMAL: 1, //  10^-n, n <= 9: nsec = rem * 10^(9-n)
  BINARY: 2, //   2^-n, n <= 23: nsec = floor(rem * 1e9 / 2^n), exact since rem * 1e9 < 2^53
  BIG: 3, //      anything finer: BigInt (rare resolutions only)
} as const;
type TsPath = (typeof TsPath)[keyof typeof TsPath];

interface Iface {
  linkType: number; //  LINKTYPE_*
  snaplen: number; //   bytes, 0 = unlimited
  path: TsPath;
  div: number; //       units per second when path < BIG
  nsMul: number; //     DECIMAL: nanoseconds per unit
  unit: TsUnit;
  tsoffset: number; //  seconds added to every timestamp (if_tsoffset)
}

/** More interfaces than this in one file is not a capture but an attack on our memory. */
const MAX_INTERFACES = 65536;
const MIN_LEN = { SHB: 28, IDB: 20, EPB: 32, SPB: 16, PB: 32, ANY: 12 } as const;
const TWO32 = 4294967296;

export class PcapngBlocks implements RecordLoop {
  readonly unitName = 'block';
  private le = true; //                 byte order of the current section
  private readonly ifaces: Iface[] = []; // every interface of the file
  // Frame.interfaceId is the section-local id, as tshark 4.0 reports frame.interface_id (checked:
  // it restarts at 0 in every section), so users can match it with what Wireshark shows.
  private section: number[] = []; //      section-local interface id → index in ifaces
  private sections = 0;
  private numbered = 0; //                 frame numbers given, packets and non-packet records
  private nonPackets = 0; //               custom/journal/sysdig blocks seen
  private readonly ts = { sec: 0, nsec: 0 }; // scratch output of toTime

  constructor(private readonly ctx: ParseContext) {
    ctx.summary.format = 'pcapng';
  }

  feed(buf: Buffer, pos: number, end: number, base: number): number {
    const ctx = this.ctx;
    for (;;) {
      if (end - pos < MIN_LEN.ANY) {
        ctx.need = MIN_LEN.ANY;
        return pos;
      }
      const type = this.u32(buf, pos);
      let le = this.le;
      if (type === BLOCK.SHB) le = this.sectionByteOrder(buf, pos, base);
      const len = le ? u32le(buf, pos + 4) : u32be(buf, pos + 4);
      if (len % 4 !== 0 || len < MIN_LEN.ANY || len > MAX_RECORD_BYTES) {
        throw ctx.fail(base + pos, `bad block length ${len} (block type 0x${type.toString(16)})`, 'bad-block');
      }
      if (end - pos < len) {
        ctx.need = len;
        return pos;
      }
      const trailer = le ? u32le(buf, pos + len - 4) : u32be(buf, pos + len - 4);
      if (trailer !== len) {
        throw ctx.fail(base + pos, `block length ${len} disagrees with its trailing copy ${trailer}`, 'bad-block');
      }
      const numberedBefore = this.numbered;
      switch (type) {
        case BLOCK.SHB:
          this.le = le;
          this.sectionHeader(buf, pos, len, base);
          break;
        case BLOCK.IDB:
          this.interfaceDescription(buf, pos, len, base);
          break;
        case BLOCK.EPB:
          this.enhancedPacket(buf, pos, len, base);
          break;
        case BLOCK.SPB:
          this.simplePacket(buf, pos, len, base);
          break;
        case BLOCK.PB:
          this.obsoletePacket(buf, pos, len, base);
          break;
        case BLOCK.CUSTOM_COPY:
        case BLOCK.CUSTOM_NO_COPY:
        case BLOCK.SYSTEMD_JOURNAL:
        case BLOCK.SYSDIG_EVENT:
        case BLOCK.SYSDIG_EVENT_V2:
        case BLOCK.SYSDIG_EVENT_V2_LARGE:
          this.numberedNonPacket(pos, base);
          break;
        default:
          break; // NRB, ISB, DSB and unknown blocks: skipped by their length
      }
      if (ctx.onRecord !== null) ctx.onRecord(buf.subarray(pos, pos + len), this.numbered !== numberedBefore ? this.numbered : 0);
      pos += len;
    }
  }

  private u32(buf: Buffer, o: number): number {
    return this.le ? u32le(buf, o) : u32be(buf, o);
  }

  private u16(buf: Buffer, o: number): number {
    return this.le ? buf[o]! | (buf[o + 1]! << 8) : (buf[o]! << 8) | buf[o + 1]!;
  }

  /** The byte-order magic right after the SHB length says how to read the whole section. */
  private sectionByteOrder(buf: Buffer, pos: number, base: number): boolean {
    const bom = u32le(buf, pos + 8);
    if (bom === BYTE_ORDER_MAGIC) return true;
    if (bom === 0x4d3c2b1a) return false;
    const first = this.sections === 0;
    throw this.ctx.fail(
      base + pos + 8,
      `bad pcapng byte-order magic ${buf.subarray(pos + 8, pos + 12).toString('hex')}${first ? ': not a pcapng file' : ''}`,
      first ? 'not-a-capture' : 'bad-block',
    );
  }

  private sectionHeader(buf: Buffer, pos: number, len: number, base: number): void {
    if (len < MIN_LEN.SHB) throw this.tooShort(base + pos, 'section header', len);
    const major = this.u16(buf, pos + 12);
    if (major !== 1) {
      throw this.ctx.fail(base + pos, `unsupported pcapng version ${major}.${this.u16(buf, pos + 14)}`, 'bad-block');
    }
    this.sections++;
    this.section = []; // interface ids restart in every section
  }

  private interfaceDescription(buf: Buffer, pos: number, len: number, base: number): void {
    if (len < MIN_LEN.IDB) throw this.tooShort(base + pos, 'interface description', len);
    if (this.ifaces.length >= MAX_INTERFACES) {
      throw this.ctx.fail(base + pos, `more than ${MAX_INTERFACES} interfaces`, 'bad-block');
    }
    const linkType = this.u16(buf, pos + 8);
    const snaplen = this.u32(buf, pos + 12);
    let tsresol = TSRESOL_DEFAULT;
    let tsoffset = 0;
    // options: code(2) | length(2) | value padded to 4, until opt_endofopt or the block's end
    let o = pos + 16;
    const optEnd = pos + len - 4;
    while (optEnd - o >= 4) {
      const code = this.u16(buf, o);
      const olen = this.u16(buf, o + 2);
      if (code === OPT.END) break;
      if (o + 4 + olen > optEnd) {
        this.ctx.warn(base + o, `interface option ${code} overruns its block (ignored)`);
        break;
      }
      if (code === OPT.IF_TSRESOL && olen >= 1) tsresol = buf[o + 4]!;
      else if (code === OPT.IF_TSOFFSET && olen === 8) {
        tsoffset = Number(this.le ? buf.readBigInt64LE(o + 4) : buf.readBigInt64BE(o + 4));
      }
      o += 4 + olen + ((4 - (olen & 3)) & 3);
    }
    this.section.push(this.ifaces.length);
    this.ifaces.push(makeIface(linkType, snaplen, tsresol, tsoffset));
    this.ctx.noteLinkType(linkType);
  }

  private enhancedPacket(buf: Buffer, pos: number, len: number, base: number): void {
    if (len < MIN_LEN.EPB) throw this.tooShort(base + pos, 'enhanced packet', len);
    const id = this.u32(buf, pos + 8);
    const capLen = this.u32(buf, pos + 20);
    if (capLen > len - MIN_LEN.EPB) {
      throw this.ctx.fail(base + pos, `packet length ${capLen} does not fit in its ${len}-byte block`, 'bad-block');
    }
    const iface = this.iface(id, base + pos);
    this.toTime(iface, this.u32(buf, pos + 12), this.u32(buf, pos + 16));
    this.deliver(buf, pos, base, iface, id, capLen, this.u32(buf, pos + 24), 28);
  }

  private obsoletePacket(buf: Buffer, pos: number, len: number, base: number): void {
    if (len < MIN_LEN.PB) throw this.tooShort(base + pos, 'packet', len);
    const id = this.u16(buf, pos + 8);
    const capLen = this.u32(buf, pos + 20);
    if (capLen > len - MIN_LEN.PB) {
      throw this.ctx.fail(base + pos, `packet length ${capLen} does not fit in its ${len}-byte block`, 'bad-block');
    }
    const iface = this.iface(id, base + pos);
    this.toTime(iface, this.u32(buf, pos + 12), this.u32(buf, pos + 16));
    this.deliver(buf, pos, base, iface, id, capLen, this.u32(buf, pos + 24), 28);
  }

  /** SPB: interface 0 of the section, no timestamp (we report 0 s, as Wireshark shows no time);
   *  captured length = min(original length, snaplen when non-zero), per the spec. */
  private simplePacket(buf: Buffer, pos: number, len: number, base: number): void {
    if (len < MIN_LEN.SPB) throw this.tooShort(base + pos, 'simple packet', len);
    const iface = this.iface(0, base + pos);
    const origLen = this.u32(buf, pos + 8);
    const capLen = iface.snaplen !== 0 && origLen > iface.snaplen ? iface.snaplen : origLen;
    if (capLen > len - MIN_LEN.SPB) {
      throw this.ctx.fail(base + pos, `simple packet of ${capLen} bytes does not fit in its ${len}-byte block`, 'bad-block');
    }
    this.ts.sec = 0;
    this.ts.nsec = 0;
    this.deliver(buf, pos, base, iface, 0, capLen, origLen, 12);
  }

  /** Heading: Wireshark frame numbering
   *  Definition: Wireshark 4.0 shows custom blocks, systemd journal entries and sysdig events as
   *  frames (checked with tshark 4.0.17), so they take a frame number here too, for Frame.number to
   *  equal Wireshark's; they are not delivered (no packet to decode). */
  private numberedNonPacket(pos: number, base: number): void {
    this.numbered++;
    if (this.nonPackets++ === 0) {
      this.ctx.warn(base + pos, `non-packet records (custom/journal/sysdig blocks) take frame numbers, as in Wireshark, but are not analysed`);
    }
  }

  private deliver(buf: Buffer, pos: number, base: number, iface: Iface, localId: number, capLen: number, origLen: number, dataAt: number): void {
    const f = this.ctx.frame;
    this.ctx.summary.frames++;
    f.number = ++this.numbered;
    f.offset = base + pos;
    f.tsSec = this.ts.sec;
    f.tsNsec = this.ts.nsec;
    f.time = this.ts.sec + this.ts.nsec / 1e9;
    f.linkType = iface.linkType;
    f.interfaceId = localId;
    f.capLen = capLen;
    f.origLen = origLen;
    f.locate(buf, pos + dataAt);
    this.ctx.onFrame(f);
  }

  private iface(localId: number, offset: number): Iface {
    const g = this.section[localId];
    if (g === undefined) {
      throw this.ctx.fail(offset, `packet for interface ${localId}, but the section declares ${this.section.length}`, 'bad-block');
    }
    return this.ifaces[g]!;
  }

  /** 64-bit unit count (hi:lo) → this.ts, exact to the nanosecond (truncated below it). */
  private toTime(i: Iface, hi: number, lo: number): void {
    const out = this.ts;
    if (i.path === TsPath.BIG) {
      unitsToTimeBig((BigInt(hi) << 32n) | BigInt(lo), i.unit, i.tsoffset, out);
      return;
    }
    const div = i.div;
    let sec: number;
    let rem: number;
    if (hi < 0x200000) {
      // count < 2^53: exact in a double; floor(ts / div) is exact after the correction
      const ts = hi * TWO32 + lo;
      sec = Math.floor(ts / div);
      rem = ts - sec * div;
      if (rem < 0) {
        sec--;
        rem += div;
      } else if (rem >= div) {
        sec++;
        rem -= div;
      }
    } else {
      // long division by 16-bit digits: remainder < div <= 2^32 keeps every step < 2^53
      let r = hi >>> 16;
      let q = Math.floor(r / div);
      r -= q * div;
      let cur = r * 65536 + (hi & 0xffff);
      let d = Math.floor(cur / div);
      q = q * 65536 + d;
      r = cur - d * div;
      cur = r * 65536 + (lo >>> 16);
      d = Math.floor(cur / div);
      q = q * 65536 + d;
      r = cur - d * div;
      cur = r * 65536 + (lo & 0xffff);
      d = Math.floor(cur / div);
      q = q * 65536 + d;
      r = cur - d * div;
      sec = q;
      rem = r;
    }
    out.sec = sec + i.tsoffset;
    out.nsec = i.path === TsPath.BINARY ? Math.floor((rem * 1e9) / div) : rem * i.nsMul;
  }

  private tooShort(offset: number, what: string, len: number) {
    return this.ctx.fail(offset, `${what} block too short (${len} bytes)`, 'bad-block');
  }
}

function makeIface(linkType: number, snaplen: number, tsresol: number, tsoffset: number): Iface {
  const unit = decodeTsresol(tsresol);
  let path: TsPath = TsPath.BIG;
  if (!unit.binary && unit.exp <= 9) path = TsPath.DECIMAL;
  else if (unit.binary && unit.exp <= 23) path = TsPath.BINARY;
  return {
    linkType,
    snaplen,
    path,
    div: path === TsPath.BIG ? 0 : Number(unit.perSecond),
    nsMul: !unit.binary && unit.exp <= 9 ? 10 ** (9 - unit.exp) : 0,
    unit,
    tsoffset,
  };
}
