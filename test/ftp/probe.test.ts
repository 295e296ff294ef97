// The recogniser's input (Probe.head): the first JUDGE_BYTES of each direction up to its first
// gap, whatever the segmentation. The first segment's copy serves as the head until a second one
// comes; checked against the bytes as sent, fed whole, byte by byte and split at random.

import { expect } from 'chai';
import fc from 'fast-check';
import { JUDGE_BYTES, Probe } from '../../src/ftp/control/probe.ts';
import type { Side } from '../../src/tcp/types.ts';

type Piece = { side: Side; bytes: Buffer } | { side: Side; gap: true };

/** Feeds the pieces, each data piece cut into `cuts` chunks; returns both heads after every step
 *  and the chunks' data as kept. */
function feed(pieces: Piece[], cut: (b: Buffer) => Buffer[]): { heads: string[]; chunks: string[] } {
  const p = new Probe();
  const heads: string[] = [];
  let frame = 1;
  for (const x of pieces) {
    if ('gap' in x) p.gap(x.side, frame++, 0, 10, false);
    else for (const c of cut(x.bytes)) p.add(x.side, Buffer.from(c), frame++, 0);
    heads.push(`${p.head('client').toString('hex')}/${p.head('server').toString('hex')}`);
  }
  return { heads, chunks: p.chunks.filter((c) => c.data !== null).map((c) => c.data!.toString('hex')) };
}

/** The heads as the model says: bytes of each side up to its first gap, at most JUDGE_BYTES. */
function model(pieces: Piece[]): string[] {
  const bytes: Record<Side, number[]> = { client: [], server: [] };
  const frozen: Record<Side, boolean> = { client: false, server: false };
  const out: string[] = [];
  for (const x of pieces) {
    if ('gap' in x) {
      if (bytes[x.side].length > 0) frozen[x.side] = true;
    } else if (!frozen[x.side]) bytes[x.side].push(...x.bytes);
    const h = (s: Side) => Buffer.from(bytes[s].slice(0, JUDGE_BYTES)).toString('hex');
    out.push(`${h('client')}/${h('server')}`);
  }
  return out;
}

const side = fc.constantFrom<Side>('client', 'server');
const piece: fc.Arbitrary<Piece> = fc.oneof(
  { weight: 6, arbitrary: fc.record({ side, bytes: fc.uint8Array({ minLength: 1, maxLength: 900 }).map((a) => Buffer.from(a)) }) },
  { weight: 1, arbitrary: fc.record({ side, gap: fc.constant(true as const) }) },
);

describe('ftp/control Probe heads', () => {
  it('hold the first bytes of each side up to its first gap: whole, byte by byte, split at random (property)', () => {
    fc.assert(
      fc.property(fc.array(piece, { minLength: 1, maxLength: 12 }), fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }), (pieces, sizes) => {
        const want = model(pieces);
        const whole = feed(pieces, (b) => [b]);
        expect(whole.heads).to.deep.equal(want);
        // the segments as sent are kept for replay, unchanged by the head taking on later bytes
        expect(whole.chunks).to.deep.equal(pieces.filter((x) => !('gap' in x)).map((x) => (x as { bytes: Buffer }).bytes.toString('hex')));
        const bytewise = feed(pieces, (b) => Array.from(b, (_, i) => b.subarray(i, i + 1)));
        expect(bytewise.heads).to.deep.equal(want);
        let k = 0;
        const random = feed(pieces, (b) => {
          const out: Buffer[] = [];
          for (let i = 0; i < b.length; ) {
            const n = sizes[k++ % sizes.length]!;
            out.push(b.subarray(i, i + n));
            i += n;
          }
          return out;
        });
        expect(random.heads).to.deep.equal(want);
      }),
      { numRuns: 200 },
    );
  });
});
