// Wrap-safe sequence arithmetic.

import { expect } from 'chai';
import fc from 'fast-check';
import { seqAdd, seqDiff, seqGe, seqGt, seqLe, seqLt, unwrap } from '../../src/tcp/seq.ts';
import { EndpointTracker, newEndpoint } from '../../src/tcp/endpoint-state.ts';

describe('tcp/seq', () => {
  it('compares across the 2^32 wrap', () => {
    expect(seqLt(0xfffffff0, 0x10)).to.equal(true);
    expect(seqGt(0x10, 0xfffffff0)).to.equal(true);
    expect(seqLe(5, 5)).to.equal(true);
    expect(seqGe(5, 5)).to.equal(true);
    expect(seqDiff(0x10, 0xfffffff0)).to.equal(0x20);
    expect(seqDiff(0xfffffff0, 0x10)).to.equal(-0x20);
    expect(seqAdd(0xffffffff, 2)).to.equal(1);
  });

  it('unwraps to offsets near a reference, also past 4 GiB', () => {
    expect(unwrap(0x10, 0xfffffff0, 100)).to.equal(132);
    expect(unwrap(0xffffff00, 0x100, 2 ** 33)).to.equal(2 ** 33 - 0x200);
  });

  it('property: relative offsets of a long stream survive any number of wraps', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), fc.array(fc.integer({ min: 1, max: 1 << 24 }), { minLength: 1, maxLength: 600 }), (isn, steps) => {
        const t = new EndpointTracker(newEndpoint('192.0.2.1', 1), 'client');
        t.base = (isn + 1) >>> 0;
        let offset = 0;
        for (const step of steps) {
          offset += step;
          const seq = (t.base + offset) >>> 0;
          expect(t.rel(seq)).to.equal(offset);
          t.hiRel = offset;
        }
      }),
      { numRuns: 100 },
    );
  });
});
