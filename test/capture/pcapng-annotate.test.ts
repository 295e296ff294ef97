// The annotating rewriter on its own, over inputs built block by block: what must be copied as
// it is (custom blocks that take frame numbers, options it does not know), what cannot carry a
// comment (a Simple Packet Block, a block whose options overrun it), and classic pcap details
// that must survive the move to pcapng (nanosecond time, the FCS length in the link-type field).

import { expect } from 'chai';
import { readCapture } from '../../src/capture/read.ts';
import { LinkType } from '../../src/capture/frame.ts';
import { BufferedFileSink, PcapngAnnotator } from '../../src/capture/pcapng-annotate.ts';
import { BLOCK, PcapngWriter, encodeBlock, encodeOption } from '../../src/capture/pcapng-writer.ts';
import { framesToPcap } from '../../src/capture/pcap-writer.ts';
import { traceFile, cleanupExtractions } from '../report/extract-support.ts';

const frame = (i: number) => Buffer.from(`frame ${i} `.repeat(3 + i), 'latin1');

/** Runs the annotator over `input` with `comments` by frame; returns the output. */
async function annotateBytes(input: Buffer, comments: Record<number, string[]>, section: string[] = ['headline']): Promise<{ out: Buffer; a: PcapngAnnotator }> {
  const chunks: Buffer[] = [];
  const sink = new BufferedFileSink((c) => chunks.push(Buffer.from(c)));
  const a = new PcapngAnnotator(sink.sink, { commentsFor: (n) => comments[n] ?? null }, section);
  await readCapture(traceFile(input, 'in.cap'), () => {}, { onRecord: (rec, n) => a.record(rec, n) });
  sink.flush();
  return { out: Buffer.concat(chunks), a };
}

/** Per frame number: the opt_comment texts of its (E)PB, read straight from the blocks. */
async function commentsOf(file: Buffer): Promise<Map<number, string[]>> {
  const out = new Map<number, string[]>();
  let be = false;
  await readCapture(traceFile(file, 'out.pcapng'), () => {}, {
    onRecord: (b, n) => {
      if (b.readUInt32LE(0) === BLOCK.SHB) be = b.readUInt32LE(8) !== 0x1a2b3c4d;
      const u32 = (o: number) => (be ? b.readUInt32BE(o) : b.readUInt32LE(o));
      const u16 = (o: number) => (be ? b.readUInt16BE(o) : b.readUInt16LE(o));
      const type = u32(0);
      let o = type === BLOCK.SHB ? 24 : type === BLOCK.EPB || type === BLOCK.PB ? 28 + u32(20) + ((4 - (u32(20) & 3)) & 3) : -1;
      if (o < 0) return;
      const texts: string[] = [];
      while (o + 4 <= b.length - 4 && u16(o) !== 0) {
        const len = u16(o + 2);
        if (u16(o) === 1) texts.push(b.subarray(o + 4, o + 4 + len).toString('utf8'));
        o += 4 + len + ((4 - (len & 3)) & 3);
      }
      if (texts.length) out.set(type === BLOCK.SHB ? 0 : n, texts);
    },
  });
  return out;
}

async function frames(file: Buffer): Promise<string[]> {
  const out: string[] = [];
  await readCapture(traceFile(file, 'f.cap'), (f) => out.push(`${f.number} ${f.tsSec}.${f.tsNsec} ${f.interfaceId} ${f.linkType} ${f.origLen} ${f.data.toString('hex')}`));
  return out;
}

describe('PcapngAnnotator', () => {
  after(cleanupExtractions);

  it('copies custom blocks (which take frame numbers) and unknown options, comments the right frames', async () => {
    const chunks: Buffer[] = [];
    const w = new PcapngWriter((c) => chunks.push(c));
    w.addInterface({ linkType: LinkType.ETHERNET });
    w.writeFrame({ tsSec: 1, tsNsec: 0, data: frame(1) }); // 1
    w.writeCustomBlock(BLOCK.CUSTOM_COPY, Buffer.from('\x00\x00\x7f\x7fpen and paper')); // 2: a frame number, no packet
    w.writeFrame({ tsSec: 2, tsNsec: 5000, data: frame(3) }); // 3
    // 4: an EPB with an epb_flags option and no opt_endofopt
    const body = Buffer.alloc(20);
    body.writeUInt32LE(0, 0);
    body.writeUInt32LE(0, 4);
    body.writeUInt32LE(3_000_000, 8);
    const data = frame(4);
    body.writeUInt32LE(data.length, 12);
    body.writeUInt32LE(data.length, 16);
    chunks.push(encodeBlock(BLOCK.EPB, Buffer.concat([body, data, Buffer.alloc((4 - (data.length & 3)) & 3), encodeOption(2, Buffer.from([1, 0, 0, 0]), false)]), false));
    const input = Buffer.concat(chunks);
    const { out, a } = await annotateBytes(input, { 3: ['ftpdiag x error: three'], 4: ['ftpdiag y info: four', 'ftpdiag z info: four again'] });
    expect(await frames(out)).to.deep.equal(await frames(input));
    const c = await commentsOf(out);
    expect(c.get(0)).to.deep.equal(['headline']);
    expect(c.get(3)).to.deep.equal(['ftpdiag x error: three']);
    expect(c.get(4)).to.deep.equal(['ftpdiag y info: four', 'ftpdiag z info: four again']);
    expect(out.includes(Buffer.from('pen and paper'))).to.equal(true);
    expect(a.stats).to.include({ frames: 3, commented: 2, uncommentableCount: 0 });
  });

  it('counts a cited Simple Packet Block and a block whose options overrun it as uncommentable, copied as they are', async () => {
    const chunks: Buffer[] = [];
    const w = new PcapngWriter((c) => chunks.push(c));
    w.addInterface({ linkType: LinkType.ETHERNET, snaplen: 0 });
    w.writeSimplePacket(frame(1)); // 1
    w.writeFrame({ tsSec: 1, tsNsec: 0, data: frame(2) }); // 2, made malformed below
    const input = Buffer.concat(chunks);
    // frame 2's block: an option claiming more bytes than the block has
    const epbAt = input.length - chunks[chunks.length - 1]!.length;
    const optAt = epbAt + 28 + frame(2).length + ((4 - (frame(2).length & 3)) & 3);
    const bad = Buffer.concat([input.subarray(0, optAt), Buffer.from([1, 0, 200, 0]), input.subarray(optAt)]);
    bad.writeUInt32LE(chunks[chunks.length - 1]!.length + 4, epbAt + 4);
    bad.writeUInt32LE(chunks[chunks.length - 1]!.length + 4, bad.length - 4);
    const { out, a } = await annotateBytes(bad, { 1: ['ftpdiag a error: one'], 2: ['ftpdiag b error: two'] });
    expect(await frames(out)).to.deep.equal(await frames(bad));
    expect(a.stats.uncommentable).to.deep.equal([1, 2]);
    expect(a.stats.commented).to.equal(0);
  });

  it('turns a nanosecond pcap with an FCS length into pcapng without losing either', async () => {
    const pcap = framesToPcap(
      [1, 2, 3].map((i) => ({ tsSec: 1_700_000_000 + i, tsNsec: 123_456_789 * i % 1e9, data: frame(i), origLen: frame(i).length + 4 })),
      { linkType: LinkType.ETHERNET, nanosecond: true, snaplen: 1500 },
    );
    pcap.writeUInt32LE(LinkType.ETHERNET | 0x04000000 | (2 << 28), 20); // FCS of 2 16-bit words
    const { out } = await annotateBytes(pcap, { 2: ['ftpdiag c warning: two'] });
    expect(await frames(out)).to.deep.equal(await frames(pcap));
    // the interface says so: if_tsresol 9, if_fcslen 4, snaplen 1500
    const idbAt = out.readUInt32LE(4);
    expect(out.readUInt32LE(idbAt)).to.equal(BLOCK.IDB);
    expect(out.readUInt32LE(idbAt + 12)).to.equal(1500);
    const opts = out.subarray(idbAt + 16, idbAt + out.readUInt32LE(idbAt + 4) - 4);
    expect(opts.subarray(0, 8).equals(Buffer.from([9, 0, 1, 0, 9, 0, 0, 0]))).to.equal(true);
    expect(opts.subarray(8, 16).equals(Buffer.from([13, 0, 1, 0, 4, 0, 0, 0]))).to.equal(true);
    expect((await commentsOf(out)).get(2)).to.deep.equal(['ftpdiag c warning: two']);
  });
});
