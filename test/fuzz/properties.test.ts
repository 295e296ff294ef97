// Property-based tests (fast-check, which shrinks a failing input to a small one) of the reader
// and decoder contracts of harness/oracles.ts, over seeds from the project's writers/builders and
// the shared corpus, edited by generated edit lists.
// Chunking: test/capture/roundtrip.test.ts already shows valid files read the same under any
// push chunking; here the same holds for broken files too (same frames, same warning or error),
// and across the other read paths (file pump with short reads, standard input).
import { expect } from 'chai';
import fc from 'fast-check';
import { LinkType, type Frame } from '../../src/capture/frame.ts';
import { framesToPcap, type FrameToWrite } from '../../src/capture/pcap-writer.ts';
import { framesToPcapng } from '../../src/capture/pcapng-writer.ts';
import { buildFrame, type FrameSpec } from '../../src/craft/packet-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import type { Field } from './harness/fields.ts';
import { checkDecode, checkReaderOutcome, expectSameOutcome, readPumped, readPushed, readStream } from './harness/oracles.ts';
import { captureSeeds, type CaptureSeed } from './harness/seeds.ts';

/** Bound on one case, milliseconds: a parser loop that stops advancing shows up as a slow case
 *  (a real infinite loop is caught by the campaign's watchdog, campaign.test.ts). */
const CASE_MS = 1000;

type Edit =
  | { kind: 'byte'; at: number; value: number }
  | { kind: 'field'; field: number; value: number }
  | { kind: 'nudge'; field: number; delta: number }
  | { kind: 'cut'; at: number }
  | { kind: 'insert'; at: number; bytes: Uint8Array }
  | { kind: 'delete'; at: number; n: number };

const BOUNDARY_32 = [0, 1, 4, 11, 12, 16, 28, 32, 0x7fffffff, 0xfffffffc, 0xffffffff, 262145, 0x200000, 200 * 1024 * 1024, 256 * 1024 * 1024];

const editArb: fc.Arbitrary<Edit> = fc.oneof(
  fc.record({ kind: fc.constant('byte' as const), at: fc.nat(), value: fc.integer({ min: 0, max: 255 }) }),
  fc.record({ kind: fc.constant('field' as const), field: fc.nat(), value: fc.constantFrom(...BOUNDARY_32) }),
  fc.record({ kind: fc.constant('nudge' as const), field: fc.nat(), delta: fc.integer({ min: -8, max: 8 }) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 40 }) }),
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), n: fc.integer({ min: 1, max: 40 }) }),
);

function writeField(b: Buffer, f: Field, v: number): void {
  if (f.at + f.width > b.length) return;
  const x = f.width === 1 ? v & 0xff : f.width === 2 ? v & 0xffff : v >>> 0;
  if (f.width === 1) b[f.at] = x;
  else if (f.width === 2) f.le ? b.writeUInt16LE(x, f.at) : b.writeUInt16BE(x, f.at);
  else f.le ? b.writeUInt32LE(x, f.at) : b.writeUInt32BE(x, f.at);
}

function readField(b: Buffer, f: Field): number {
  if (f.at + f.width > b.length) return 0;
  if (f.width === 1) return b[f.at]!;
  if (f.width === 2) return f.le ? b.readUInt16LE(f.at) : b.readUInt16BE(f.at);
  return f.le ? b.readUInt32LE(f.at) : b.readUInt32BE(f.at);
}

/** Applies edits in order; positions wrap modulo the current length. */
function applyEdits(seed: CaptureSeed, edits: readonly Edit[]): Buffer {
  let b = Buffer.from(seed.bytes);
  for (const e of edits) {
    const at = (x: number) => (b.length === 0 ? 0 : x % (b.length + 1));
    const field = (i: number) => seed.fields[i % Math.max(1, seed.fields.length)];
    switch (e.kind) {
      case 'byte':
        if (b.length > 0) b[e.at % b.length] = e.value;
        break;
      case 'field': {
        const f = field(e.field);
        if (f) writeField(b, f, e.value);
        break;
      }
      case 'nudge': {
        const f = field(e.field);
        if (f) writeField(b, f, readField(b, f) + e.delta);
        break;
      }
      case 'cut':
        b = b.subarray(0, at(e.at));
        break;
      case 'insert': {
        const p = at(e.at);
        b = Buffer.concat([b.subarray(0, p), e.bytes, b.subarray(p)]);
        break;
      }
      case 'delete': {
        const p = at(e.at);
        b = Buffer.concat([b.subarray(0, p), b.subarray(p + e.n)]);
        break;
      }
    }
  }
  return b;
}

function timed<T>(fn: () => T): T {
  const t0 = performance.now();
  const v = fn();
  const ms = performance.now() - t0;
  if (ms > CASE_MS) throw new Error(`one case took ${ms.toFixed(0)} ms`);
  return v;
}

describe('fuzz/properties', function () {
  // crafted seeds and the shared corpus, big traces cut at a record boundary past 8 KiB
  const seeds = captureSeeds({ maxSeedBytes: 8192 });
  const seedArb = fc.nat({ max: seeds.length - 1 }).map((i) => seeds[i]!);

  it(`any edits of any seed (${seeds.length} seeds): frames + summary or a CaptureError inside the input, bounded memory`, () => {
    fc.assert(
      fc.property(seedArb, fc.array(editArb, { minLength: 1, maxLength: 6 }), (seed, edits) => {
        const input = applyEdits(seed, edits);
        timed(() => checkReaderOutcome(input, readPushed(input)));
      }),
      { numRuns: 1500 },
    );
  });

  it('the same broken bytes read the same pushed whole, pushed in random chunks, pumped from a file, streamed', async () => {
    await fc.assert(
      fc.asyncProperty(
        seedArb,
        fc.array(editArb, { maxLength: 4 }),
        fc.array(fc.nat(), { maxLength: 10 }),
        fc.array(fc.integer({ min: 1, max: 5000 }), { minLength: 1, maxLength: 3 }),
        async (seed, edits, rawCuts, readSizes) => {
          const input = applyEdits(seed, edits);
          const whole = readPushed(input);
          const cuts = rawCuts.map((c) => c % (input.length + 1)).sort((a, b) => a - b);
          const chunked = timed(() => readPushed(input, cuts));
          checkReaderOutcome(input, chunked);
          expectSameOutcome(whole, chunked, `cut at ${cuts.join(',')}`);
          const pumped = await readPumped(input, readSizes);
          checkReaderOutcome(input, pumped);
          expectSameOutcome(whole, pumped, `file pump, reads of ${readSizes.join('/')}`);
          const pieces = [0, ...cuts, input.length].slice(1).map((c, i, a) => input.subarray(i === 0 ? 0 : a[i - 1]!, c));
          const streamed = await readStream(pieces);
          checkReaderOutcome(input, streamed);
          expectSameOutcome(whole, streamed, 'stream');
        },
      ),
      { numRuns: 200 },
    );
  });

  it('any frames written by any writer variant read back as written', () => {
    const frameArb: fc.Arbitrary<FrameToWrite> = fc.record({
      tsSec: fc.integer({ min: 0, max: 0xffffffff }),
      tsNsec: fc.integer({ min: 0, max: 999_999_999 }),
      data: fc.uint8Array({ maxLength: 300 }).map((a) => Buffer.from(a)),
      origLen: fc.option(fc.integer({ min: 300, max: 0xffffffff }), { nil: undefined }),
    });
    const variant = fc.record({ pcapng: fc.boolean(), bigEndian: fc.boolean(), ns: fc.boolean() });
    fc.assert(
      fc.property(fc.array(frameArb, { maxLength: 12 }), variant, (frames, v) => {
        const file = v.pcapng
          ? framesToPcapng(frames, { linkType: LinkType.ETHERNET, bigEndian: v.bigEndian, tsresol: v.ns ? 9 : 6 })
          : framesToPcap(frames, { linkType: LinkType.ETHERNET, bigEndian: v.bigEndian, nanosecond: v.ns });
        const o = readPushed(file);
        checkReaderOutcome(file, o);
        expect(o.summary).to.deep.include({ frames: frames.length, truncated: false, warnings: [] });
        o.frames.forEach((f, i) => {
          const w = frames[i]!;
          const nsec = v.ns ? w.tsNsec : Math.floor(w.tsNsec / 1000) * 1000;
          expect([f.number, f.tsSec, f.tsNsec, f.capLen, f.origLen]).to.deep.equal([i + 1, w.tsSec, nsec, w.data.length, w.origLen ?? w.data.length]);
          expect(f.data.equals(w.data)).to.equal(true);
        });
      }),
      { numRuns: 200 },
    );
  });

  it('decoder: built frames with any header field values, cut anywhere, keep the decoder contract', () => {
    const d = new PacketDecoder();
    const specArb = fc.record({
      linkType: fc.constantFrom(LinkType.ETHERNET, LinkType.LINUX_SLL, LinkType.LINUX_SLL2, LinkType.NULL, LinkType.LOOP, LinkType.RAW),
      v6: fc.boolean(),
      vlan: fc.constantFrom(0, 1, 2).map((k) => (k === 0 ? undefined : [5, 6].slice(0, k))),
      ihl: fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }),
      totalLength: fc.option(fc.integer({ min: 0, max: 0xffff }), { nil: undefined }),
      dataOffset: fc.option(fc.integer({ min: 0, max: 15 }), { nil: undefined }),
      options: fc.uint8Array({ maxLength: 40 }),
      payload: fc.uint8Array({ maxLength: 64 }),
      mf: fc.boolean(),
      fragmentOffset: fc.integer({ min: 0, max: 8191 }).map((x) => x * 8),
      cut: fc.nat(),
      origExtra: fc.nat({ max: 100 }),
    });
    let n = 0;
    fc.assert(
      fc.property(specArb, (s) => {
        const ip = s.v6
          ? { src: '2001:db8::1', dst: '2001:db8::2', totalLength: s.totalLength, extensions: s.mf ? [{ type: 'fragment' as const, offset: s.fragmentOffset, more: true }] : [] }
          : { src: '192.0.2.1', dst: '192.0.2.2', ihl: s.ihl, totalLength: s.totalLength, mf: s.mf, fragmentOffset: s.mf ? s.fragmentOffset : 0 };
        const spec: FrameSpec = {
          linkType: s.linkType,
          vlan: s.linkType === LinkType.ETHERNET ? s.vlan : undefined,
          ip,
          tcp: { srcPort: 1, dstPort: 21, dataOffset: s.dataOffset, options: { raw: Buffer.from(s.options).subarray(0, 40) }, payload: Buffer.from(s.payload) },
        };
        const data = buildFrame(spec);
        const capLen = s.cut % (data.length + 1);
        const f: Frame = {
          number: ++n, offset: 0, tsSec: 1, tsNsec: 0, time: 1 + n, linkType: s.linkType, interfaceId: 0,
          capLen, origLen: data.length + s.origExtra, data: data.subarray(0, capLen),
        };
        timed(() => checkDecode(d, f));
      }),
      { numRuns: 2000 },
    );
    expect(d.counters.frames).to.be.at.least(2000);
  });
});
