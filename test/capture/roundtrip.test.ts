// Writers → readers for every format variant, with every chunking and through gzip.
import { expect } from 'chai';
import * as zlib from 'node:zlib';
import fc from 'fast-check';
import { readCapture } from '../../src/capture/read.ts';
import { framesToPcap, type FrameToWrite } from '../../src/capture/pcap-writer.ts';
import { framesToPcapng } from '../../src/capture/pcapng-writer.ts';
import { decodeTsresol, timeToUnits, unitsToTimeBig } from '../../src/capture/pcapng-time.ts';
import { bytes, collect, multiSection, parseSplit, removeTempFiles, sampleFrames, tempFile, toMicro, type FrameCopy } from './fixtures.ts';

after(removeTempFiles);

/** Checks delivered frames against what was written (exact ns, or truncated to µs). */
function expectFrames(got: FrameCopy[], micro: boolean, linkType: number): void {
  const want = sampleFrames();
  expect(got.length).to.equal(want.length);
  got.forEach((f, i) => {
    const w = want[i]!;
    expect(f.number).to.equal(i + 1);
    expect(f.tsSec).to.equal(w.tsSec);
    expect(f.tsNsec).to.equal(micro ? toMicro(w.tsNsec) : w.tsNsec);
    expect(f.time).to.equal(f.tsSec + f.tsNsec / 1e9);
    expect(f.capLen).to.equal(w.data.length);
    expect(f.origLen).to.equal(w.origLen ?? w.data.length);
    expect(f.data.equals(w.data)).to.equal(true);
    expect(f.linkType).to.equal(linkType);
    expect(f.interfaceId).to.equal(0);
  });
}

function expectMultiSection(got: FrameCopy[]): void {
  // frame 1 is the custom block: numbered as in Wireshark, not delivered; interface ids are
  // section-local (tshark's frame.interface_id)
  const summary = got.map((f) => [f.number, f.tsSec, f.tsNsec, f.linkType, f.interfaceId, f.capLen, f.origLen]);
  expect(summary).to.deep.equal([
    [2, 1_600_000_000, 250_000_000, 1, 0, 60, 60],
    [3, 0, 0, 1, 0, 64, 100],
    [4, 1_700_000_000, 999_999_999, 0, 0, 5, 5],
    [5, 1_700_000_002, 5_859_375, 101, 1, 66, 70],
    [6, 1_700_000_003, 500_000_000, 101, 1, 7, 7],
    [7, 0, 0, 0, 0, 33, 33],
  ]);
  expect(got[1]!.data.equals(bytes(64, 11))).to.equal(true);
  expect(got[3]!.data.equals(bytes(66, 13))).to.equal(true);
  expect(got[5]!.data.equals(bytes(33, 15))).to.equal(true);
}

describe('capture round trips', () => {
  for (const bigEndian of [false, true]) {
    for (const nanosecond of [false, true]) {
      const name = `pcap ${bigEndian ? 'BE' : 'LE'} ${nanosecond ? 'ns' : 'µs'}`;
      it(`${name}: frames, offsets and summary`, () => {
        const file = framesToPcap(sampleFrames(), { linkType: 1, bigEndian, nanosecond });
        const { frames, summary } = parseSplit(file);
        expectFrames(frames, !nanosecond, 1);
        let off = 24;
        for (const f of frames) {
          expect(f.offset).to.equal(off);
          off += 16 + f.capLen;
        }
        expect(summary).to.deep.include({ format: 'pcap', nanosecond, compressed: null, frames: 6, bytes: file.length, truncated: false });
        expect(summary.linkTypes).to.deep.equal([1]);
        expect(summary.warnings).to.deep.equal([]);
      });
    }
    it(`pcapng ${bigEndian ? 'BE' : 'LE'}: EPB frames with µs and ns resolution`, () => {
      expectFrames(parseSplit(framesToPcapng(sampleFrames(), { linkType: 1, bigEndian })).frames, true, 1);
      const ns = parseSplit(framesToPcapng(sampleFrames(), { linkType: 113, bigEndian, tsresol: 9 }));
      expectFrames(ns.frames, false, 113);
      expect(ns.summary).to.deep.include({ format: 'pcapng', nanosecond: false, frames: 6, truncated: false });
    });
    it(`pcapng, first section ${bigEndian ? 'BE' : 'LE'}: two sections, three interfaces, SPB, PB, unknown blocks`, () => {
      const { frames, summary } = parseSplit(multiSection(bigEndian));
      expectMultiSection(frames);
      expect(summary.linkTypes).to.deep.equal([1, 0, 101]);
      expect(summary.frames).to.equal(6); // delivered; the custom block only took a number
      expect(summary.warnings).to.have.length(1);
      expect(summary.warnings[0]!).to.deep.include({ offset: 28 });
      expect(summary.warnings[0]!.message).to.match(/non-packet records/);
    });
  }

  it('pcap: the link-type field keeps only LINKTYPE bits (FCS length bits ignored)', () => {
    const file = framesToPcap(sampleFrames(), { linkType: 1 });
    file.writeUInt32LE(0x1000_0000 | 1, 20);
    expect(parseSplit(file).summary.linkTypes).to.deep.equal([1]);
  });

  it('gives identical frames whatever the chunking: every single split, and byte by byte', () => {
    for (const file of [multiSection(false), framesToPcap(sampleFrames().slice(0, 3), { linkType: 1, bigEndian: true })]) {
      const whole = parseSplit(file);
      for (let k = 0; k <= file.length; k++) {
        const split = parseSplit(file, [k]);
        expect(split.frames, `split at ${k}`).to.deep.equal(whole.frames);
        expect(split.summary).to.deep.equal(whole.summary);
      }
      const byteCuts = Array.from({ length: file.length - 1 }, (_, i) => i + 1);
      expect(parseSplit(file, byteCuts).frames).to.deep.equal(whole.frames);
    }
  });

  it('random chunkings of a mixed file give identical frames', () => {
    const file = multiSection(true);
    const whole = parseSplit(file).frames;
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: file.length - 1 }), { maxLength: 12 }), (cuts) => {
        expect(parseSplit(file, cuts.sort((a, b) => a - b)).frames).to.deep.equal(whole);
      }),
      { numRuns: 200 },
    );
  });

  describe('readCapture from files', () => {
    const variants: Array<[string, Buffer, (f: FrameCopy[]) => void]> = [
      ['pcap LE µs', framesToPcap(sampleFrames(), { linkType: 1 }), (f) => expectFrames(f, true, 1)],
      ['pcap BE ns', framesToPcap(sampleFrames(), { linkType: 1, bigEndian: true, nanosecond: true }), (f) => expectFrames(f, false, 1)],
      ['pcapng BE ns', framesToPcapng(sampleFrames(), { linkType: 1, bigEndian: true, tsresol: 9 }), (f) => expectFrames(f, false, 1)],
      ['pcapng sections', multiSection(false), expectMultiSection],
    ];
    for (const [name, file, check] of variants) {
      it(`${name}, plain and gzip-compressed`, async () => {
        const views: FrameCopy[][] = [];
        for (const [suffix, content] of [['', file], ['.gz', zlib.gzipSync(file)]] as const) {
          const { frames, sink } = collect();
          const progress: Array<[number, number | null]> = [];
          const p = tempFile(`${name.replace(/ /g, '-')}${suffix}`, content);
          const summary = await readCapture(p, sink, { onProgress: (r, t) => progress.push([r, t]) });
          check(frames);
          expect(summary.compressed).to.equal(suffix ? 'gzip' : null);
          expect(summary.bytes).to.equal(file.length);
          expect(summary.truncated).to.equal(false);
          expect(progress.at(-1)).to.deep.equal([content.length, content.length]);
          views.push(frames);
        }
        // offsets are in the decompressed stream: identical to the plain file's, like everything else
        expect(views[1]).to.deep.equal(views[0]);
        expect(views[0]).to.deep.equal(parseSplit(file).frames);
      });
    }

    it('gzip is detected by magic, not by name; concatenated gzip members are all read', async () => {
      const file = framesToPcap(sampleFrames(), { linkType: 1, nanosecond: true });
      const twoMembers = Buffer.concat([zlib.gzipSync(file.subarray(0, 100)), zlib.gzipSync(file.subarray(100))]);
      const { frames, sink } = collect();
      const summary = await readCapture(tempFile('no-suffix.pcap', twoMembers), sink);
      expectFrames(frames, false, 1);
      expect(summary.compressed).to.equal('gzip');
    });

    it('records straddling the 1 MiB read buffer, and records larger than it', async () => {
      const frames: FrameToWrite[] = [];
      // 13 frames of 100000 bytes put record boundaries all around the 1 MiB mark; then a 3 MiB one
      for (let i = 0; i < 13; i++) frames.push({ tsSec: i, tsNsec: 0, data: bytes(100_000, i) });
      frames.push({ tsSec: 99, tsNsec: 0, data: bytes(3 << 20, 99) });
      frames.push({ tsSec: 100, tsNsec: 0, data: bytes(60, 100) });
      for (const file of [
        framesToPcap(frames, { linkType: 1, snaplen: 4 << 20 }),
        framesToPcapng(frames, { linkType: 1, snaplen: 0 }),
      ]) {
        const got = collect();
        const summary = await readCapture(tempFile('big.cap', file), got.sink);
        expect(summary.frames).to.equal(frames.length);
        got.frames.forEach((f, i) => expect(f.data.equals(frames[i]!.data), `frame ${i + 1}`).to.equal(true));
      }
    });
  });

  describe('pcapng timestamp resolutions', () => {
    // reference: exact BigInt conversion of what the writer put in the block
    function viaBigInt(tsSec: number, tsNsec: number, tsresol: number, tsoffset: number): [number, number] {
      const unit = decodeTsresol(tsresol);
      const out = { sec: 0, nsec: 0 };
      unitsToTimeBig(timeToUnits(tsSec, tsNsec, unit, tsoffset), unit, tsoffset, out);
      return [out.sec, out.nsec];
    }

    for (const tsresol of [0, 3, 6, 9, 12, 0x80 | 10, 0x80 | 20, 0x80 | 23, 0x80 | 30, 0x80 | 40]) {
      it(`if_tsresol 0x${tsresol.toString(16)}: equals the exact BigInt conversion, with and without if_tsoffset`, () => {
        fc.assert(
          fc.property(
            fc.integer({ min: 0, max: 4_000_000_000 }),
            fc.integer({ min: 0, max: 999_999_999 }),
            fc.constantFrom(0, -3600, 1_000_000_000),
            (tsSec, tsNsec, tsoffset) => {
              const units = (BigInt(tsSec - tsoffset) + 1n) * decodeTsresol(tsresol).perSecond;
              if (tsSec - tsoffset < 0 || units >= 1n << 64n) return; // not representable in 64 unsigned bits
              const file = framesToPcapng([{ tsSec, tsNsec, data: bytes(4, 1) }], { linkType: 1, tsresol, tsoffset });
              const f = parseSplit(file).frames[0]!;
              expect([f.tsSec, f.tsNsec]).to.deep.equal(viaBigInt(tsSec, tsNsec, tsresol, tsoffset));
            },
          ),
          { numRuns: 150 },
        );
      });
    }

    it('is exact at the nanosecond for 10^-9 and truncates for coarser units', () => {
      const frames = [{ tsSec: 4_294_967_295, tsNsec: 999_999_999, data: bytes(1, 1) }];
      expect(parseSplit(framesToPcapng(frames, { linkType: 1, tsresol: 9 })).frames[0]).to.include({ tsSec: 4_294_967_295, tsNsec: 999_999_999 });
      expect(parseSplit(framesToPcapng(frames, { linkType: 1, tsresol: 3 })).frames[0]).to.include({ tsSec: 4_294_967_295, tsNsec: 999_000_000 });
      // 2^-10 s units: 999999999 ns → 1023 units → floor(1023e9 / 1024) ns
      expect(parseSplit(framesToPcapng(frames, { linkType: 1, tsresol: 0x8a })).frames[0]).to.include({ tsNsec: 999_023_437 });
    });

    it('the writer refuses a time its 64-bit unit count cannot hold', () => {
      expect(() => framesToPcapng([{ tsSec: 20_000_000, tsNsec: 0, data: bytes(1, 1) }], { linkType: 1, tsresol: 12 })).to.throw(RangeError);
      expect(() => framesToPcapng([{ tsSec: 5, tsNsec: 0, data: bytes(1, 1) }], { linkType: 1, tsoffset: 10 })).to.throw(RangeError);
    });
  });
});
