// Writer output byte for byte, and PcapFileWriter's promise: a frame written is in the file.
import { expect } from 'chai';
import * as fs from 'node:fs';
import { readCapture } from '../../src/capture/read.ts';
import { PcapFileWriter, PcapWriter } from '../../src/capture/pcap-writer.ts';
import { PcapngWriter } from '../../src/capture/pcapng-writer.ts';
import { bytes, collect, parseSplit, removeTempFiles, tempFile } from './fixtures.ts';

after(removeTempFiles);

function hex(chunks: Buffer[]): string {
  return Buffer.concat(chunks).toString('hex');
}

describe('capture writers', () => {
  it('PcapWriter: LE µs global header and record layout', () => {
    const chunks: Buffer[] = [];
    const w = new PcapWriter((c) => chunks.push(c), { linkType: 1, snaplen: 65535 });
    expect(hex(chunks)).to.equal('d4c3b2a1' + '02000400' + '00000000' + '00000000' + 'ffff0000' + '01000000');
    w.writeFrame({ tsSec: 0x01020304, tsNsec: 5_000_999, data: Buffer.from([0xaa, 0xbb]), origLen: 9 });
    expect(chunks).to.have.length(2); // one chunk per record
    expect(chunks[1]!.toString('hex')).to.equal('04030201' + '88130000' + '02000000' + '09000000' + 'aabb');
  });

  it('PcapWriter: BE ns magic and fields', () => {
    const chunks: Buffer[] = [];
    const w = new PcapWriter((c) => chunks.push(c), { linkType: 113, nanosecond: true, bigEndian: true });
    w.writeFrame({ tsSec: 1, tsNsec: 999_999_999, data: Buffer.from([1]) });
    expect(hex(chunks)).to.equal(
      'a1b23c4d000200040000000000000000000400000000007100000001' + '3b9ac9ff' + '00000001' + '00000001' + '01',
    );
  });

  it('PcapngWriter: SHB, IDB with if_tsresol and if_tsoffset, EPB, SPB padded to 4 bytes', () => {
    const chunks: Buffer[] = [];
    const w = new PcapngWriter((c) => chunks.push(c));
    expect(hex(chunks)).to.equal('0a0d0d0a1c0000004d3c2b1a01000000ffffffffffffffff1c000000');
    chunks.length = 0;
    expect(w.addInterface({ linkType: 1, snaplen: 0, tsresol: 9, tsoffset: 2 })).to.equal(0);
    expect(hex(chunks)).to.equal(
      '01000000' + '2c000000' + '0100' + '0000' + '00000000' + '09000100' + '09000000' + '0e000800' + '0200000000000000' + '00000000' + '2c000000',
    );
    chunks.length = 0;
    w.writeFrame({ tsSec: 3, tsNsec: 5, data: Buffer.from([0xaa]) }); // 1 s = 1e9 units after the 2 s offset
    expect(hex(chunks)).to.equal('06000000' + '24000000' + '00000000' + '00000000' + '05ca9a3b' + '01000000' + '01000000' + 'aa000000' + '24000000');
    chunks.length = 0;
    w.writeSimplePacket(Buffer.from([1, 2, 3, 4, 5]), 60);
    expect(hex(chunks)).to.equal('03000000' + '18000000' + '3c000000' + '0102030405000000' + '18000000');
  });

  it('PcapngWriter: a frame for an interface the section lacks is refused', () => {
    const w = new PcapngWriter(() => {});
    w.addInterface({ linkType: 1 });
    w.newSection();
    expect(() => w.writeFrame({ tsSec: 1, tsNsec: 0, data: bytes(1, 1) })).to.throw(RangeError);
  });

  it('PcapFileWriter: every frame is in the file as soon as writeFrame returns', async () => {
    const path = tempFile('live.pcap', Buffer.alloc(0));
    const w = new PcapFileWriter(path, { linkType: 1 });
    for (let i = 1; i <= 3; i++) {
      w.writeFrame({ tsSec: i, tsNsec: 0, data: bytes(60, i) });
      // read back while the writer is still open: nothing may sit in a user-space buffer
      const got = collect();
      const s = await readCapture(path, got.sink);
      expect(s).to.include({ frames: i, truncated: false });
      expect(got.frames[i - 1]!.data.equals(bytes(60, i))).to.equal(true);
    }
    expect(w.frames).to.equal(3);
    w.close();
    w.close(); // idempotent
    expect(() => w.writeFrame({ tsSec: 9, tsNsec: 0, data: bytes(1, 1) })).to.throw(/closed/);
    expect(fs.statSync(path).size).to.equal(24 + 3 * 76);
  });

  it('SPB: a block too short for min(origLen, snaplen) is a bad block', () => {
    const chunks: Buffer[] = [];
    const w = new PcapngWriter((c) => chunks.push(c));
    w.addInterface({ linkType: 1, snaplen: 0 });
    w.writeSimplePacket(bytes(8, 1), 100); // claims 100 bytes, holds 8
    expect(() => parseSplit(Buffer.concat(chunks))).to.throw(/simple packet of 100 bytes does not fit in its 24-byte block/);
  });
});
