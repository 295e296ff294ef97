// Memory follows the input, never a length field: a record header claiming 200 MiB in a 100-byte
// file must not make the reader allocate 200 MiB, on any read path (file pump, stream, gzip,
// push). Measured two ways: the largest single Buffer allocation (harness/alloc-spy.ts, exact)
// and process.memoryUsage().arrayBuffers right after the read (coarse, before any GC could hide
// it). Before the fix in src/capture/file-pump.ts the file path allocated 2 x 201 MiB here.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Readable } from 'node:stream';
import * as zlib from 'node:zlib';
import { CaptureError, type CaptureSummary } from '../../src/capture/frame.ts';
import { framesToPcap } from '../../src/capture/pcap-writer.ts';
import { framesToPcapng } from '../../src/capture/pcapng-writer.ts';
import { readCapture } from '../../src/capture/read.ts';
import { largestAllocation } from './harness/alloc-spy.ts';
import { allocBound, checkReaderOutcome, expectSameOutcome, readPumped, readPushed } from './harness/oracles.ts';

const MiB = 1024 * 1024;
const CLAIM = 200 * MiB;

let dir: string | null = null;
function tempFile(name: string, content: Buffer): string {
  dir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'ftpdiag-fuzz-mem-'));
  const p = path.join(dir, name);
  fs.writeFileSync(p, content);
  return p;
}
after(() => {
  if (dir !== null) fs.rmSync(dir, { recursive: true, force: true });
});

/** A 100-byte classic pcap: header with snaplen 0xffffffff (limit 256 MiB), one record header
 *  claiming `capLen` bytes, then 60 bytes of it. */
function pcapClaiming(capLen: number): Buffer {
  const b = framesToPcap([{ tsSec: 1, tsNsec: 0, data: Buffer.alloc(60, 0x42) }], { linkType: 1, snaplen: 0xffffffff });
  b.writeUInt32LE(capLen, 24 + 8);
  return b;
}

/** A pcapng whose EPB claims a `len`-byte block. */
function pcapngClaiming(len: number): Buffer {
  const b = framesToPcapng([{ tsSec: 1, tsNsec: 0, data: Buffer.alloc(40, 0x42) }], { linkType: 1 });
  b.writeUInt32LE(len, 48 + 4);
  return b;
}

interface Measured {
  summary: CaptureSummary | null;
  error: CaptureError | null;
  frames: number;
  largest: number; //  bytes: largest single Buffer allocated during the read
  grew: number; //     bytes: growth of process.memoryUsage().arrayBuffers over the read
}

async function measure(read: (sink: () => void) => Promise<CaptureSummary>): Promise<Measured> {
  let frames = 0;
  const before = process.memoryUsage().arrayBuffers;
  let summary: CaptureSummary | null = null;
  let error: CaptureError | null = null;
  const { largest } = await largestAllocation(async () => {
    try {
      summary = await read(() => frames++);
    } catch (e) {
      if (!(e instanceof CaptureError)) throw e;
      error = e;
    }
  });
  const grew = process.memoryUsage().arrayBuffers - before;
  return { summary, error, frames, largest, grew };
}

describe('fuzz/memory bounds: length fields do not size buffers', () => {
  const inputs: Array<[string, Buffer, number]> = [
    ['pcap record claiming 200 MiB', pcapClaiming(CLAIM), 24],
    ['pcap record claiming 256 MiB (the limit)', pcapClaiming(256 * MiB), 24],
    ['pcapng block claiming 200 MiB', pcapngClaiming(CLAIM), 48],
  ];
  for (const [name, input, cutAt] of inputs) {
    const paths: Array<[string, (sink: () => void) => Promise<CaptureSummary>]> = [
      ['file', (sink) => readCapture(tempFile('claim.cap', input), sink)],
      ['gzip file', (sink) => readCapture(tempFile('claim.cap.gz', zlib.gzipSync(input)), sink)],
      ['standard input', (sink) => readCapture('-', sink, { stdin: Readable.from([input.subarray(0, 30), input.subarray(30)]) })],
    ];
    for (const [how, read] of paths) {
      it(`${name} in a ${input.length}-byte file, read from a ${how}: cut record, small buffers`, async () => {
        const m = await measure(read);
        expect(m.error).to.equal(null);
        expect(m.frames).to.equal(0);
        expect(m.summary).to.deep.include({ truncated: true, frames: 0, bytes: input.length });
        expect(m.summary!.warnings[0]!.offset).to.equal(cutAt);
        expect(m.largest, 'largest single allocation').to.be.at.most(allocBound(input.length));
        expect(m.grew, 'arrayBuffers growth').to.be.below(32 * MiB);
      });
    }
    it(`${name}: the in-memory push parser and the file pump with short reads agree`, async () => {
      const pushed = readPushed(input);
      checkReaderOutcome(input, pushed);
      for (const sizes of [[1], [7, 13], [1 << 20]]) {
        const pumped = await readPumped(input, sizes);
        checkReaderOutcome(input, pumped);
        expectSameOutcome(pushed, pumped, `reads of ${sizes.join('/')}`);
      }
    });
  }

  it('a 3 MiB record that is really there: read whole through the pump, buffers grow with the data', async () => {
    const data = Buffer.alloc(3 * MiB + 5);
    for (let i = 0; i < data.length; i += 4096) data[i] = i & 0xff;
    const file = framesToPcapng([{ tsSec: 1, tsNsec: 0, data }, { tsSec: 2, tsNsec: 0, data: Buffer.from('after') }], { linkType: 1 });
    const pushed = readPushed(file);
    expect(pushed.frames.map((f) => f.capLen)).to.deep.equal([data.length, 5]);
    for (const sizes of [[1 << 20], [65536, 333333]]) {
      const pumped = await readPumped(file, sizes);
      checkReaderOutcome(file, pumped);
      expectSameOutcome(pushed, pumped, `reads of ${sizes.join('/')}`);
      expect(pumped.largestAlloc).to.be.at.most(2 * file.length + MiB);
    }
    const m = await measure((sink) => readCapture(tempFile('big.pcapng', file), sink));
    expect(m.frames).to.equal(2);
    expect(m.largest).to.be.at.most(2 * file.length + MiB);
  });

  it('3 MiB of a record claiming 200 MiB: the tail grows to about twice what was read, not to the claim', async () => {
    const b = Buffer.concat([pcapClaiming(CLAIM), Buffer.alloc(3 * MiB)]);
    const m = await measure((sink) => readCapture(tempFile('claim-3m.pcap', b), sink));
    expect(m.summary).to.deep.include({ truncated: true, frames: 0 });
    expect(m.largest).to.be.at.most(2 * b.length + MiB);
    expect(m.grew).to.be.below(32 * MiB);
  });
});
