// Malformed traces with their exact behaviour, fixtures built here. Extends, without repeating,
// test/capture/malformed.test.ts (one cut per kind, one example per bad length, foreign files)
// and test/decode/errors.test.ts + tcp.test.ts (one example per bad header field): here every cut
// position, every block, every boundary value of each field is checked against a model.
import { expect } from 'chai';
import fc from 'fast-check';
import { LinkType, type Frame } from '../../src/capture/frame.ts';
import { PcapWriter, type FrameToWrite } from '../../src/capture/pcap-writer.ts';
import { PcapngWriter } from '../../src/capture/pcapng-writer.ts';
import { buildFrame, type FrameSpec, type TcpSpec } from '../../src/craft/packet-builder.ts';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { checkReaderOutcome, readPumped, readPushed, readStream, type ReaderOutcome } from './harness/oracles.ts';

// ---------------------------------------------------------------------------------------------
// fixtures: files whose record boundaries are known from the writer, not from the reader

interface Unit {
  start: number; //  byte offset
  end: number; //    exclusive
  data: Buffer | null; // the frame's bytes when the unit delivers a frame
}

interface Written {
  file: Buffer;
  units: Unit[]; //  every header, record or block, in file order
  format: 'pcap' | 'pcapng';
}

/** Records each chunk a writer emits (one per header, record or block) as a unit. */
function recorder(): { sink: (c: Buffer) => void; units: Unit[]; chunks: Buffer[]; markFrame(data: Buffer): void } {
  const units: Unit[] = [];
  const chunks: Buffer[] = [];
  let at = 0;
  return {
    units,
    chunks,
    sink: (c) => {
      chunks.push(Buffer.from(c));
      units.push({ start: at, end: at + c.length, data: null });
      at += c.length;
    },
    markFrame: (data) => (units[units.length - 1]!.data = data),
  };
}

/** A short FTP conversation as crafted frames. */
function conversation(): FrameToWrite[] {
  const t = new TraceBuilder();
  const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21', timestamps: true });
  c.handshake();
  c.server('PA', '220 ready\r\n');
  c.client('PA', 'USER anonymous\r\n');
  c.server('PA', '331 ok\r\n');
  c.close();
  return t.frames();
}

function writtenPcap(bigEndian: boolean, nanosecond: boolean): Written {
  const r = recorder();
  const w = new PcapWriter(r.sink, { linkType: LinkType.ETHERNET, bigEndian, nanosecond });
  for (const f of conversation()) {
    w.writeFrame(f);
    r.markFrame(f.data);
  }
  return { file: Buffer.concat(r.chunks), units: r.units, format: 'pcap' };
}

/** Two sections in both byte orders, EPB, SPB, obsolete PB and an unknown block type. */
function writtenPcapng(firstBigEndian: boolean): Written {
  const r = recorder();
  const frames = conversation();
  const w = new PcapngWriter(r.sink, { bigEndian: firstBigEndian });
  w.addInterface({ linkType: LinkType.ETHERNET, tsresol: 9 });
  for (const f of frames.slice(0, 4)) {
    w.writeFrame({ ...f, interfaceId: 0 });
    r.markFrame(f.data);
  }
  w.writeCustomBlock(5, Buffer.alloc(20)); // an ISB: skipped, no frame number
  w.newSection({ bigEndian: !firstBigEndian });
  w.addInterface({ linkType: LinkType.ETHERNET, snaplen: 0 });
  w.writeSimplePacket(frames[4]!.data);
  r.markFrame(frames[4]!.data);
  w.writeObsoletePacket({ ...frames[5]!, interfaceId: 0 });
  r.markFrame(frames[5]!.data);
  for (const f of frames.slice(6)) {
    w.writeFrame({ ...f, interfaceId: 0 });
    r.markFrame(f.data);
  }
  return { file: Buffer.concat(r.chunks), units: r.units, format: 'pcapng' };
}

/** What reading the first `k` bytes must give, from the writer's units alone. */
function expectCut(w: Written, k: number, o: ReaderOutcome, how: string): void {
  const ctx = `${how}, cut at ${k} of ${w.file.length}`;
  // shorter than a magic number, or than the file header (pcap) or the first block (pcapng):
  // not a capture at all
  if (k < 4 || w.units.some((u) => u.start === 0 && k < u.end)) {
    expect(o.error, ctx).to.deep.include({ code: 'not-a-capture', offset: 0 });
    expect(o.frames, ctx).to.have.length(0);
    return;
  }
  expect(o.error, ctx).to.equal(null);
  const s = o.summary!;
  const before = w.units.filter((u) => u.end <= k && u.data !== null).map((u) => u.data!);
  expect(o.frames.map((f) => f.data), ctx).to.deep.equal(before);
  expect(o.frames.map((f) => f.number), ctx).to.deep.equal(before.map((_, i) => i + 1));
  expect(s.bytes, ctx).to.equal(k);
  const cut = w.units.find((u) => u.start < k && k < u.end);
  if (cut === undefined) {
    // a record boundary: a clean end
    expect(s.truncated, ctx).to.equal(false);
    expect(s.warnings, ctx).to.deep.equal([]);
    return;
  }
  const got = k - cut.start;
  const header = w.format === 'pcap' ? 16 : 12;
  const unit = w.format === 'pcapng' ? 'block' : 'record';
  // the reader knows the record's length once it holds its header
  const need = got < header ? header : cut.end - cut.start;
  expect(s.truncated, ctx).to.equal(true);
  expect(s.warnings, ctx).to.have.length(1);
  expect(s.warnings[0]!.offset, ctx).to.equal(cut.start);
  expect(s.warnings[0]!.message, ctx).to.equal(`capture cut short inside the ${unit} at offset ${cut.start} (${got} of ${need} bytes)`);
}

function u32(b: Buffer, o: number, le: boolean): number {
  return le ? b.readUInt32LE(o) : b.readUInt32BE(o);
}

function setU32(b: Buffer, o: number, v: number, le: boolean): void {
  if (le) b.writeUInt32LE(v >>> 0, o);
  else b.writeUInt32BE(v >>> 0, o);
}

// ---------------------------------------------------------------------------------------------

describe('fuzz/malformed traces: reader', () => {
  const variants: Array<[string, Written]> = [
    ['pcap LE µs', writtenPcap(false, false)],
    ['pcap BE ns', writtenPcap(true, true)],
    ['pcapng LE then BE section', writtenPcapng(false)],
    ['pcapng BE then LE section', writtenPcapng(true)],
  ];

  describe('cut at every byte: clean at each record boundary, truncated with a warning inside', () => {
    for (const [name, w] of variants) {
      it(`${name} (${w.file.length} cuts, pushed)`, () => {
        for (let k = 0; k <= w.file.length; k++) {
          const input = w.file.subarray(0, k);
          const o = readPushed(input);
          checkReaderOutcome(input, o);
          expectCut(w, k, o, 'push');
        }
      });

      it(`${name}: the file pump and a stream end the same way at boundaries and inside records`, async () => {
        // every boundary, one byte either side of it, and inside the headers of the records
        const ks = new Set<number>();
        for (const u of w.units) for (const d of [-1, 0, 1, 5, 13]) ks.add(Math.max(0, Math.min(w.file.length, u.start + d)));
        ks.add(w.file.length);
        for (const k of ks) {
          const input = w.file.subarray(0, k);
          expectCut(w, k, await readPumped(input, [1 + (k % 97), 4096]), 'file pump');
        }
        for (const k of [...ks].filter((_, i) => i % 5 === 0)) {
          const input = w.file.subarray(0, k);
          expectCut(w, k, await readStream([input.subarray(0, k >> 1), input.subarray(k >> 1)]), 'stream');
        }
      });
    }
  });

  describe('impossible pcap record lengths, at the third record', () => {
    const base = writtenPcap(false, false);
    const third = base.units[3]!; // units: header, record 1, record 2, record 3…
    const file = (snaplen: number, capLen: number) => {
      const b = Buffer.from(base.file.subarray(0, third.end));
      b.writeUInt32LE(snaplen, 16);
      b.writeUInt32LE(capLen, third.start + 8);
      return b;
    };
    // limit = max(min(snaplen, 256 MiB), 256 KiB): libpcap's bound, clamped (src/capture/limits.ts)
    const cases: Array<[number, number]> = [
      [0, 262144],
      [65535, 262144],
      [262144, 262144],
      [1_000_000, 1_000_000],
      [0x7fffffff, 256 * 1024 * 1024],
      [0xffffffff, 256 * 1024 * 1024],
    ];
    for (const [snaplen, limit] of cases) {
      it(`snaplen ${snaplen}: caplen ${limit} is a cut record, ${limit + 1} and 0xffffffff are errors`, () => {
        const ok = readPushed(file(snaplen, limit));
        expect(ok.error).to.equal(null);
        expect(ok.frames).to.have.length(2);
        expect(ok.summary).to.deep.include({ truncated: true });
        expect(ok.summary!.warnings[0]!.offset).to.equal(third.start);
        for (const capLen of [limit + 1, 0xffffffff]) {
          const bad = readPushed(file(snaplen, capLen));
          expect(bad.frames).to.have.length(2);
          expect(bad.error).to.deep.equal({
            code: 'bad-record-length',
            offset: third.start,
            reason: `impossible record length ${capLen} bytes (snaplen ${snaplen}, limit ${limit})`,
          });
        }
      });
    }
  });

  describe('pcapng blocks whose lengths disagree (leading vs trailing), for every block', () => {
    for (const [name, w] of variants.filter(([, v]) => v.format === 'pcapng')) {
      it(name, () => {
        let le = true;
        for (const [i, u] of w.units.entries()) {
          if (w.file.readUInt32BE(u.start) === 0x0a0d0d0a) le = w.file.readUInt32LE(u.start + 8) === 0x1a2b3c4d;
          const len = u.end - u.start;
          const framesBefore = w.units.slice(0, i).filter((x) => x.data !== null).length;
          const ctx = `${name}, block ${i} at ${u.start}`;
          // the trailing copy changed
          const t = Buffer.from(w.file);
          setU32(t, u.end - 4, len + 4, le);
          const ot = readPushed(t);
          expect(ot.frames, ctx).to.have.length(framesBefore);
          expect(ot.error, ctx).to.deep.equal({ code: 'bad-block', offset: u.start, reason: `block length ${len} disagrees with its trailing copy ${len + 4}` });
          // the leading length changed, one word either way: the trailing copy is looked for
          // elsewhere; past the end of the file the block is a cut one
          for (const d of [-4, 4]) {
            const l = Buffer.from(w.file);
            setU32(l, u.start + 4, len + d, le);
            const ol = readPushed(l);
            checkReaderOutcome(l, ol);
            expect(ol.frames.length, ctx).to.be.at.least(framesBefore);
            if (u.start + len + d > w.file.length) {
              expect(ol.summary, `${ctx} ${d}`).to.deep.include({ truncated: true });
              continue;
            }
            const found = u32(l, u.start + len + d - 4, le);
            if (found === len + d) continue; // the bytes happen to agree
            expect(ol.frames, `${ctx} ${d}`).to.have.length(framesBefore);
            expect(ol.error, `${ctx} ${d}`).to.deep.equal({
              code: 'bad-block',
              offset: u.start,
              reason: `block length ${len + d} disagrees with its trailing copy ${found}`,
            });
          }
        }
      });
    }
  });

  describe('impossible pcapng lengths', () => {
    const w = writtenPcapng(false);
    const spb = w.units.find((u) => w.file.readUInt32BE(u.start) === 3)!; // the SPB, in the big-endian second section
    const blockCases: Array<[string, (b: Buffer) => void, number, string, string]> = [
      ['first block (SHB) length 8', (b) => b.writeUInt32LE(8, 4), 0, 'bad-block', 'bad block length 8 (block type 0xa0d0d0a)'],
      ['SHB length 24 with a matching trailer: too short', (b) => { b.writeUInt32LE(24, 4); b.writeUInt32LE(24, 20); }, 0, 'bad-block', 'section header block too short (24 bytes)'],
      ['block length 256 MiB + 4', (b) => b.writeUInt32LE(256 * 1024 * 1024 + 4, 28 + 4), 28, 'bad-block', 'bad block length 268435460 (block type 0x1)'],
      ['block length 0xfffffffc', (b) => b.writeUInt32LE(0xfffffffc, 28 + 4), 28, 'bad-block', 'bad block length 4294967292 (block type 0x1)'],
      ['SPB original length beyond its block (snaplen 0)', (b) => b.writeUInt32BE(spb.end - spb.start, spb.start + 8), spb.start, 'bad-block', `simple packet of ${spb.end - spb.start} bytes does not fit in its ${spb.end - spb.start}-byte block`],
    ];
    for (const [name, edit, offset, code, reason] of blockCases) {
      it(name, () => {
        const b = Buffer.from(w.file);
        edit(b);
        const o = readPushed(b);
        checkReaderOutcome(b, o);
        expect(o.error).to.deep.equal({ code, offset, reason });
        expect(o.frames).to.have.length(w.units.filter((u) => u.end <= offset && u.data !== null).length);
      });
    }

    it('block length exactly 256 MiB is allowed: a cut block, not an error', () => {
      const b = Buffer.from(w.file);
      b.writeUInt32LE(256 * 1024 * 1024, 28 + 4);
      const o = readPushed(b);
      expect(o.error).to.equal(null);
      expect(o.summary).to.deep.include({ truncated: true, frames: 0 });
      expect(o.summary!.warnings[0]!.message).to.match(/inside the block at offset 28 \(\d+ of 268435456 bytes\)/);
    });
  });

  describe('wrong magic', () => {
    const pcap = writtenPcap(false, false).file;
    const pcapng = writtenPcapng(false).file;
    const magics = new Set([0xd4c3b2a1, 0xa1b2c3d4, 0x4d3cb2a1, 0xa1b23c4d, 0x0a0d0d0a, 0x34cdb2a1, 0xa1b2cd34]);
    for (const [name, file] of [['pcap', pcap], ['pcapng', pcapng]] as const) {
      it(`${name}: each of the 32 single-bit flips of the magic is not a capture, at offset 0`, () => {
        for (let bit = 0; bit < 32; bit++) {
          const b = Buffer.from(file);
          b[bit >> 3] ^= 1 << (bit & 7);
          if (magics.has(b.readUInt32BE(0))) continue;
          const o = readPushed(b);
          expect(o.error, `bit ${bit}`).to.deep.include({ code: 'not-a-capture', offset: 0 });
          expect(o.error!.reason, `bit ${bit}`).to.match(/^not a pcap or pcapng file \(starts with [0-9a-f ]{11}/);
        }
      });
    }

    it('pcap: an unusual version is a warning, not an error', () => {
      const b = Buffer.from(pcap);
      b.writeUInt16LE(1, 4);
      b.writeUInt16LE(0, 6);
      const o = readPushed(b);
      expect(o.frames).to.have.length(conversation().length);
      expect(o.summary!.warnings).to.deep.equal([{ offset: 0, message: 'unusual pcap version 1.0 (expected 2.4)' }]);
    });
  });
});

// ---------------------------------------------------------------------------------------------

const V4 = { src: '192.0.2.1', dst: '192.0.2.2' };
const V6 = { src: '2001:db8::1', dst: '2001:db8::2' };
const SEG: TcpSpec = { srcPort: 40000, dstPort: 21, seq: 1000, ack: 2000, flags: 'PA', payload: 'USER anonymous\r\n' };

let frameNo = 0;
function frame(data: Buffer, capLen = data.length, linkType: number = LinkType.ETHERNET): Frame {
  return {
    number: ++frameNo, offset: 0, tsSec: 1, tsNsec: 0, time: 1, linkType, interfaceId: 0,
    capLen, origLen: data.length, data: data.subarray(0, capLen),
  };
}

function decode(spec: FrameSpec, capLen?: number) {
  const d = new PacketDecoder();
  const data = buildFrame(spec);
  const out = d.decode(frame(data, capLen ?? data.length));
  return { out, p: d.packet, data };
}

describe('fuzz/malformed traces: decoder', () => {
  describe('IPv4 total length: every value from 0 to past the frame', () => {
    // Ethernet 14 | IPv4 20 | TCP 20 + 16 option bytes | 16 payload bytes | 6 bytes Ethernet padding
    const tcp = { ...SEG, options: { mss: 1460, ts: [1, 2] as [number, number] } };
    const padding = Buffer.alloc(6);
    const model = (t: number, wire: number, capIp: number): [string, RegExp | null, number, number] => {
      // [outcome, reason, segmentLength, payloadLength] for total length t, wire/captured IP bytes
      const total = t === 0 ? wire : t;
      if (t !== 0 && t < 20) return ['malformed', /total length below the header length/, 0, 0];
      if (total > wire) return ['malformed', /total length past the end of the frame/, 0, 0];
      if (total < 40) return ['malformed', /TCP segment shorter than its 20-byte header/, 0, 0];
      if (total < 56) return ['malformed', /TCP data offset past the end of the segment/, 0, 0];
      if (capIp < 56) return ['truncated', null, 0, 0];
      return ['tcp', null, total - 56, Math.min(total, capIp) - 56];
    };
    const run = (capIpBytes: (wire: number) => number) => {
      const wire = buildFrame({ ip: V4, tcp, trailer: padding }).length - 14;
      for (const t of [...Array.from({ length: wire + 3 }, (_, i) => i), 0x7fff, 0xffff]) {
        const capIp = capIpBytes(wire);
        const { out, p } = decode({ ip: { ...V4, totalLength: t }, tcp, trailer: padding }, 14 + capIp);
        const [want, reason, seg, pay] = model(t, wire, capIp);
        expect(out, `total length ${t}`).to.equal(want);
        if (reason) expect(p.malformed, `total length ${t}`).to.match(reason);
        if (want === 'tcp') {
          expect([p.segmentLength, p.payloadLength, p.ipTotalLength], `total length ${t}`).to.deep.equal([seg, pay, t === 0 ? wire : t]);
        }
      }
    };
    it('whole frame captured (0 = runs to the end of the frame, padding included)', () => run((wire) => wire));
    it('snaplen cut inside the payload: the segment keeps its wire length', () => run(() => 56 + 4));
    it('snaplen cut inside the TCP options: truncated once the IP header says the segment is whole', () => run(() => 50));
  });

  it('IPv6 payload length: every value from 0 to past the frame', () => {
    const wire = buildFrame({ ip: V6, tcp: SEG }).length - 14 - 40; // bytes after the fixed header: 36
    for (let plen = 0; plen <= wire + 2; plen++) {
      const { out, p } = decode({ ip: { ...V6, totalLength: plen }, tcp: SEG });
      const len = plen === 0 ? wire : plen;
      const want = plen > wire ? 'malformed' : len < 20 ? 'malformed' : 'tcp';
      expect(out, `payload length ${plen}`).to.equal(want);
      if (want === 'tcp') expect(p.segmentLength).to.equal(len - 20);
      else expect(p.malformed).to.match(plen > wire ? /payload length past the end of the frame/ : /shorter than its 20-byte header/);
    }
  });

  it('IPv4 header length (IHL) below 5: every value is malformed', () => {
    for (let ihl = 0; ihl < 5; ihl++) {
      const { out, p } = decode({ ip: { ...V4, ihl }, tcp: SEG });
      expect([out, p.malformed], `ihl ${ihl}`).to.deep.equal(['malformed', 'IPv4 header length below 20 bytes']);
    }
  });

  describe('TCP data offset: every value 0..15', () => {
    // a 20-byte header and 16 payload bytes: the segment is 36 bytes
    const model = (d: number, capTcp: number): [string, string | null] => {
      if (d < 5) return ['malformed', 'TCP data offset below 5 words'];
      if (4 * d > 36) return ['malformed', 'TCP data offset past the end of the segment'];
      if (4 * d > capTcp) return ['truncated', null];
      return ['tcp', null];
    };
    for (const capTcp of [36, 24]) {
      it(capTcp === 36 ? 'whole segment captured' : 'snaplen cut 4 bytes into the payload', () => {
        for (let dataOffset = 0; dataOffset < 16; dataOffset++) {
          const { out, p } = decode({ ip: V4, tcp: { ...SEG, dataOffset } }, 14 + 20 + capTcp);
          const [want, reason] = model(dataOffset, capTcp);
          expect([out, p.malformed], `data offset ${dataOffset}`).to.deep.equal([want, reason]);
          if (want === 'tcp') {
            expect([p.tcpHeaderLength, p.segmentLength, p.payloadLength]).to.deep.equal([4 * dataOffset, 36 - 4 * dataOffset, capTcp - 4 * dataOffset]);
          }
        }
      });
    }
  });

  describe('TCP options running past the header', () => {
    // Reference model of the option walk (RFC 9293 §3.2, RFC 7323, RFC 2018), written from the
    // RFCs and the documented policy of src/decode/tcp.ts: a missing length byte, a length below
    // 2 or past the header stops the walk; a known kind with the wrong length is skipped; both
    // flag optionsMalformed.
    function model(opts: Buffer) {
      const r = { mss: -1, windowScale: -1, sackPermitted: false, tsVal: -1, tsEcr: -1, sack: [] as number[], malformed: false };
      for (let i = 0; i < opts.length; ) {
        const kind = opts[i]!;
        if (kind === 0) break;
        if (kind === 1) {
          i++;
          continue;
        }
        const len = opts[i + 1];
        if (len === undefined || len < 2 || i + len > opts.length) {
          r.malformed = true;
          break;
        }
        const body = opts.subarray(i + 2, i + len);
        const fits = (n: number) => (len === n ? true : ((r.malformed = true), false));
        if (kind === 2 && fits(4)) r.mss = body.readUInt16BE(0);
        else if (kind === 3 && fits(3)) r.windowScale = Math.min(body[0]!, 14);
        else if (kind === 4 && fits(2)) r.sackPermitted = true;
        else if (kind === 8 && fits(10)) [r.tsVal, r.tsEcr] = [body.readUInt32BE(0), body.readUInt32BE(4)];
        else if (kind === 5) {
          if (len >= 10 && (len - 2) % 8 === 0) for (let b = 0; b < len - 2; b += 4) r.sack.push(body.readUInt32BE(b));
          else r.malformed = true;
        }
        i += len;
      }
      return r;
    }
    const check = (raw: Buffer) => {
      const { out, p } = decode({ ip: V4, tcp: { ...SEG, options: { raw } } });
      const padded = Buffer.concat([raw, Buffer.alloc((4 - (raw.length % 4)) % 4)]);
      const m = model(padded);
      expect(out).to.equal('tcp');
      expect(p.payload().toString()).to.equal('USER anonymous\r\n');
      expect({ mss: p.mss, windowScale: p.windowScale, sackPermitted: p.sackPermitted, tsVal: p.tsVal, tsEcr: p.tsEcr, sack: [...p.sackBlocks], malformed: p.optionsMalformed })
        .to.deep.equal(m);
      return m;
    };

    it('each kind as the last option, its length one byte short of, equal to, and one past the header end', () => {
      for (const [kind, good] of [[2, 4], [3, 3], [4, 2], [5, 10], [8, 10], [30, 6]] as const) {
        for (const room of [good, good + 2]) {
          // NOPs fill the header so that exactly `room` bytes remain for the last option
          const lead = 40 - room;
          for (const len of [room - 1, room, room + 1, 0, 1, 255]) {
            const raw = Buffer.concat([Buffer.alloc(lead, 1), Buffer.from([kind, len]), Buffer.alloc(room - 2, 0x11)]);
            const m = check(raw);
            const past = len < 2 || len > room;
            if (past) expect(m.malformed, `kind ${kind} length ${len} in ${room}`).to.equal(true);
          }
        }
      }
    });

    it('any option bytes: the decoder walks them exactly as the reference model', () => {
      const kind = fc.oneof(fc.constantFrom(0, 1, 2, 3, 4, 5, 8, 30, 254), fc.integer({ min: 0, max: 255 }));
      const option = fc.tuple(kind, fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 255 })), fc.uint8Array({ maxLength: 10 }));
      fc.assert(
        fc.property(fc.array(option, { maxLength: 8 }), (opts) => {
          const raw = Buffer.from(opts.flatMap(([k, l, body]) => (k <= 1 ? [k] : [k, l, ...body]))).subarray(0, 40);
          check(raw);
        }),
        { numRuns: 400 },
      );
    });
  });
});
