// Bad input: cut files are reported as truncated (not errors); impossible lengths, foreign files
// and corrupt compression are CaptureErrors with the offending offset and a summary of what was read.
import { expect } from 'chai';
import * as path from 'node:path';
import * as zlib from 'node:zlib';
import { CaptureError, type CaptureSummary } from '../../src/capture/frame.ts';
import { readCapture } from '../../src/capture/read.ts';
import { framesToPcap, type FrameToWrite } from '../../src/capture/pcap-writer.ts';
import { framesToPcapng, PcapngWriter } from '../../src/capture/pcapng-writer.ts';
import { bytes, parseSplit, removeTempFiles, tempFile } from './fixtures.ts';

after(removeTempFiles);

// Layout of the pcap fixture: 24-byte header, then records of 16 + 60 bytes at 24, 100, 176.
const three: FrameToWrite[] = [1, 2, 3].map((i) => ({ tsSec: 1_000 + i, tsNsec: 0, data: bytes(60, i) }));
const pcap = framesToPcap(three, { linkType: 1, snaplen: 65535 });
// pcapng fixture: SHB 28 bytes, IDB 20 bytes, then EPBs of 32 + 60 bytes at 48, 140, 232.
const pcapng = framesToPcapng(three, { linkType: 1 });

async function readBytes(content: Buffer, name = 'f.cap'): Promise<{ summary: CaptureSummary; frames: number }> {
  let frames = 0;
  const summary = await readCapture(tempFile(name, content), () => frames++);
  return { summary, frames };
}

async function readError(content: Buffer): Promise<CaptureError> {
  let frames = 0;
  try {
    await readCapture(tempFile('bad.cap', content), () => frames++);
  } catch (e) {
    expect(e).to.be.instanceOf(CaptureError);
    const err = e as CaptureError;
    expect(err.summary?.frames).to.equal(frames); // the summary says how far we got
    return err;
  }
  throw new Error('expected a CaptureError');
}

function patched(buf: Buffer, edit: (b: Buffer) => void): Buffer {
  const b = Buffer.from(buf);
  edit(b);
  return b;
}

describe('malformed captures', () => {
  describe('cut files are truncated, not errors', () => {
    const cases: Array<[string, Buffer, number, number, string]> = [
      ['pcap cut inside a record header', pcap.subarray(0, 100 + 8), 1, 100, 'record at offset 100 (8 of 16 bytes)'],
      ['pcap cut inside record data', pcap.subarray(0, 100 + 16 + 10), 1, 100, 'record at offset 100 (26 of 76 bytes)'],
      ['pcapng cut inside a block', pcapng.subarray(0, 140 + 50), 1, 140, 'block at offset 140 (50 of 92 bytes)'],
      ['pcapng cut inside a block header', pcapng.subarray(0, 140 + 4), 1, 140, 'block at offset 140 (4 of 12 bytes)'],
    ];
    for (const [name, content, frames, offset, text] of cases) {
      it(name, async () => {
        const r = await readBytes(content);
        expect(r.frames).to.equal(frames);
        expect(r.summary).to.deep.include({ frames, truncated: true, bytes: content.length });
        expect(r.summary.warnings).to.have.length(1);
        expect(r.summary.warnings[0]!.offset).to.equal(offset);
        expect(r.summary.warnings[0]!.message).to.contain(text);
      });
    }

    it('a cut at a record or block boundary is a clean end', async () => {
      const cases: Array<[Buffer, number]> = [[pcap.subarray(0, 176), 2], [pcapng.subarray(0, 232), 2], [pcap.subarray(0, 24), 0], [pcapng.subarray(0, 28), 0]];
      for (const [content, frames] of cases) {
        const r = await readBytes(content);
        expect(r.summary).to.deep.include({ truncated: false, frames, bytes: content.length });
        expect(r.summary.warnings).to.deep.equal([]);
        expect(r.frames).to.equal(frames);
      }
    });

    it('gzip cut short: the frames it holds, then truncated with a warning', async () => {
      const big = framesToPcap(
        Array.from({ length: 3000 }, (_, i) => ({ tsSec: i, tsNsec: 0, data: bytes(60, i) })),
        { linkType: 1 },
      );
      const gz = zlib.gzipSync(big);
      const cut = gz.subarray(0, Math.floor(gz.length / 2));
      // how much a decompressor can recover from the cut file decides how many records are whole
      const recoverable = zlib.gunzipSync(cut, { finishFlush: zlib.constants.Z_SYNC_FLUSH }).length;
      const r = await readBytes(cut, 'cut.pcap.gz');
      expect(r.frames).to.equal(Math.floor((recoverable - 24) / 76)).and.be.greaterThan(0);
      expect(r.summary).to.deep.include({ truncated: true, compressed: 'gzip', bytes: recoverable });
      expect(r.summary.warnings.map((w) => w.message).join('\n')).to.match(/gzip data ends early/);
    });

    it('gzip cut inside its header is a gzip error', async () => {
      const e = await readError(zlib.gzipSync(pcap).subarray(0, 5));
      expect(e.code).to.equal('gzip');
    });
  });

  describe('impossible lengths are errors at the record', () => {
    it('pcap caplen beyond max(snaplen, 256 KiB)', async () => {
      const e = await readError(patched(pcap, (b) => b.writeUInt32LE(0x10000000, 100 + 8)));
      expect(e).to.include({ code: 'bad-record-length', offset: 100 });
      expect(e.message).to.equal(`${e.file}: offset 100: impossible record length 268435456 bytes (snaplen 65535, limit 262144)`);
      expect(e.summary).to.include({ frames: 1, format: 'pcap', bytes: 100 });
    });

    it('pcap caplen above snaplen but within 256 KiB is tolerated (as libpcap and Wireshark do)', () => {
      const small = framesToPcap([{ tsSec: 1, tsNsec: 0, data: bytes(1000, 1) }], { linkType: 1, snaplen: 64 });
      expect(parseSplit(small).frames[0]!.capLen).to.equal(1000);
    });

    it('big-endian pcap caplen beyond the limit, detected before the data arrives', () => {
      const be = framesToPcap(three, { linkType: 1, bigEndian: true });
      const bad = patched(be, (b) => b.writeUInt32BE(0xfffffff0, 24 + 8)).subarray(0, 24 + 16);
      expect(() => parseSplit(bad)).to.throw(CaptureError).with.property('code', 'bad-record-length');
    });

    const blockCases: Array<[string, (b: Buffer) => void, number, RegExp]> = [
      ['trailing length disagrees', (b) => b.writeUInt32LE(96, 140 + 88), 140, /block length 92 disagrees with its trailing copy 96/],
      ['length not a multiple of 4', (b) => b.writeUInt32LE(93, 140 + 4), 140, /bad block length 93/],
      ['length below 12', (b) => b.writeUInt32LE(8, 140 + 4), 140, /bad block length 8/],
      ['length above 256 MiB', (b) => b.writeUInt32LE(0x20000000, 140 + 4), 140, /bad block length 536870912/],
      ['EPB caplen larger than its block', (b) => b.writeUInt32LE(61, 140 + 20), 140, /packet length 61 does not fit in its 92-byte block/],
      ['EPB for an undeclared interface', (b) => b.writeUInt32LE(1, 140 + 8), 140, /packet for interface 1, but the section declares 1/],
      ['IDB shorter than its fixed part', (b) => { b.writeUInt32LE(12, 28 + 4); b.writeUInt32LE(12, 28 + 8); }, 28, /interface description block too short/],
    ];
    for (const [name, edit, offset, msg] of blockCases) {
      it(`pcapng: ${name}`, async () => {
        const e = await readError(patched(pcapng, edit));
        expect(e).to.include({ code: 'bad-block', offset });
        expect(e.reason).to.match(msg);
      });
    }

    it('pcapng: a second SHB with a bad byte-order magic is bad-block; a first one not-a-capture', async () => {
      const out: Buffer[] = [];
      const w = new PcapngWriter((c) => out.push(c));
      w.addInterface({ linkType: 1 });
      w.writeFrame({ tsSec: 1, tsNsec: 0, data: bytes(4, 1) });
      w.newSection();
      const two = Buffer.concat(out);
      const second = two.length - 28;
      const e = await readError(patched(two, (b) => b.writeUInt32LE(0x11223344, second + 8)));
      expect(e).to.include({ code: 'bad-block', offset: second + 8 });
      expect(e.summary?.frames).to.equal(1);
      const e1 = await readError(patched(two, (b) => b.writeUInt32LE(0x11223344, 8)));
      expect(e1.code).to.equal('not-a-capture');
    });
  });

  describe('not a capture', () => {
    it('a ZIP file: says what the first bytes look like', async () => {
      const e = await readError(Buffer.from('504b0304140000000800', 'hex'));
      expect(e).to.include({ code: 'not-a-capture', offset: 0 });
      expect(e.reason).to.equal('not a pcap or pcapng file (starts with 50 4b 03 04: looks like a ZIP archive)');
    });

    it('text, and unknown bytes', async () => {
      expect((await readError(Buffer.from('hello world\n'))).reason).to.equal('not a pcap or pcapng file (starts with 68 65 6c 6c: looks like text)');
      expect((await readError(Buffer.from([0x99, 0x01, 0x02, 0x03, 0x04]))).reason).to.equal('not a pcap or pcapng file (starts with 99 01 02 03)');
    });

    it('an empty file, and a file too short to hold a magic number', async () => {
      const empty = await readError(Buffer.alloc(0));
      expect(empty).to.include({ code: 'not-a-capture', offset: 0, reason: 'empty file: not a pcap or pcapng file' });
      for (const n of [1, 3]) {
        const e = await readError(pcap.subarray(0, n));
        expect(e.code).to.equal('not-a-capture');
        expect(e.reason).to.contain(`only ${n} bytes, starts with d4`);
      }
    });

    it('a file shorter than its file header (pcap) or first block (pcapng): one line, not an empty capture', async () => {
      for (const n of [4, 10, 20, 23]) {
        const e = await readError(pcap.subarray(0, n));
        expect(e, `pcap ${n}`).to.include({ code: 'not-a-capture', offset: 0, reason: `not a capture: the file ends inside its file header (${n} bytes, at least 24 needed)` });
      }
      for (const n of [4, 11, 20, 27]) {
        const e = await readError(pcapng.subarray(0, n));
        expect(e.code, `pcapng ${n}`).to.equal('not-a-capture');
        expect(e.reason, `pcapng ${n}`).to.match(/^not a capture: the file ends inside its section header block/);
      }
      // a whole header and nothing else is a capture with no packet
      expect((await readBytes(pcap.subarray(0, 24))).summary.frames).to.equal(0);
    });

    it('an empty gzip stream, and a gzip of a non-capture', async () => {
      expect((await readError(zlib.gzipSync(Buffer.alloc(0)))).code).to.equal('not-a-capture');
      expect((await readError(zlib.gzipSync(Buffer.from('PK\x03\x04 zip inside gzip')))).code).to.equal('not-a-capture');
    });

    it('a modified (Kuznetsov) pcap is named as such', async () => {
      const e = await readError(patched(pcap, (b) => b.writeUInt32LE(0xa1b2cd34, 0)));
      expect(e.reason).to.match(/Kuznetsov/);
    });
  });

  it('corrupt gzip data (CRC mismatch) is a gzip error carrying what was read', async () => {
    const gz = patched(zlib.gzipSync(pcap), (b) => (b[b.length - 6] ^= 0xff));
    const e = await readError(gz);
    expect(e.code).to.equal('gzip');
    expect(e.reason).to.match(/^corrupt gzip data: incorrect data check/);
    expect(e.summary).to.include({ compressed: 'gzip' }); // readError checked its frame count
  });

  it('a device is streamed (and /dev/zero is not a capture); a directory is read-failed', async () => {
    try {
      await readCapture('/dev/zero', () => {});
      expect.fail('should throw');
    } catch (e) {
      expect(e).to.be.instanceOf(CaptureError).and.include({ code: 'not-a-capture' });
      expect((e as CaptureError).reason).to.contain('starts with 00 00 00 00');
    }
    try {
      await readCapture(path.dirname(tempFile('x', Buffer.alloc(1))), () => {});
      expect.fail('should throw');
    } catch (e) {
      expect(e).to.be.instanceOf(CaptureError).and.include({ code: 'read-failed', reason: 'is a directory, not a capture file' });
    }
  });

  it('a missing file is read-failed', async () => {
    try {
      await readCapture('/nonexistent/dir/x.pcap', () => {});
      expect.fail('should throw');
    } catch (e) {
      expect(e).to.be.instanceOf(CaptureError).and.include({ code: 'read-failed', offset: 0 });
    }
  });

  it('garbage never escapes as anything but a CaptureError (random bytes after valid headers)', () => {
    let seed = 12345;
    const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff) & 0xff;
    for (const prefix of [pcap.subarray(0, 24), pcapng.subarray(0, 48)]) {
      for (let n = 0; n < 300; n++) {
        const junk = Buffer.from(Array.from({ length: 1 + (n % 200) }, rnd));
        try {
          parseSplit(Buffer.concat([prefix, junk]));
        } catch (e) {
          expect(e).to.be.instanceOf(CaptureError);
        }
      }
    }
  });
});
