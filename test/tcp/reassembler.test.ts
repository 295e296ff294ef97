// Stream reassembly on its own: in-order delivery, overlaps, out-of-order, gaps, the cap; and the
// capture-coverage count. Property tests check that any segmentation, order and duplication of a
// byte string delivers exactly that string.

import { expect } from 'chai';
import fc from 'fast-check';
import { Coverage, Reassembler, type StreamSink } from '../../src/tcp/reassembler.ts';

class Sink implements StreamSink {
  out: Array<{ kind: 'data' | 'gap'; offset: number; text: string; length: number; frame: number }> = [];
  buffered = 0;
  streamData(data: Buffer, start: number, length: number, offset: number, frame: number): void {
    this.out.push({ kind: 'data', offset, text: data.toString('latin1', start, start + length), length, frame });
  }
  streamGap(offset: number, length: number, frame: number): void {
    this.out.push({ kind: 'gap', offset, text: '', length, frame });
  }
  bufferedDelta(delta: number): void {
    this.buffered += delta;
  }
  /** Delivered stream with gaps as '?'; asserts contiguity. */
  text(): string {
    let s = '';
    for (const o of this.out) {
      expect(o.offset).to.equal(s.length);
      s += o.kind === 'data' ? o.text : '?'.repeat(o.length);
    }
    return s;
  }
}

function put(r: Reassembler, offset: number, text: string, frame = 1): boolean {
  const b = Buffer.from(text, 'latin1');
  return r.insert(offset, b, 0, b.length, frame, 0);
}

describe('tcp/reassembler', () => {
  it('delivers in-order data at once', () => {
    const s = new Sink();
    const r = new Reassembler(s, 1000);
    put(r, 0, 'USER ');
    put(r, 5, 'x\r\n');
    expect(s.text()).to.equal('USER x\r\n');
    expect(r.next).to.equal(8);
  });

  it('holds out-of-order data until the hole fills, with the frame that carried it', () => {
    const s = new Sink();
    const r = new Reassembler(s, 1000);
    put(r, 5, 'world', 7);
    expect(s.out).to.deep.equal([]);
    expect(r.buffered).to.equal(5);
    expect(s.buffered).to.equal(5);
    put(r, 0, 'hello', 8);
    expect(s.text()).to.equal('helloworld');
    expect(s.out.map((o) => o.frame)).to.deep.equal([8, 7]);
    expect(r.buffered).to.equal(0);
    expect(s.buffered).to.equal(0);
  });

  it('trims retransmissions and overlaps: the first copy of a byte wins', () => {
    const s = new Sink();
    const r = new Reassembler(s, 1000);
    put(r, 0, 'AAAA');
    put(r, 2, 'BBBBBB'); // bytes 2-3 already delivered
    put(r, 0, 'CCCCCCCC'); // a full retransmission: nothing new
    expect(s.text()).to.equal('AAAABBBB');
    // overlaps among held segments
    put(r, 12, 'XXXX');
    put(r, 10, 'YYYYYYYY'); // [10,12) and [16,18) are new
    put(r, 8, 'ZZ');
    expect(s.text()).to.equal('AAAABBBBZZYYXXXXYY');
  });

  it('flushTo declares holes as gaps and resumes after them', () => {
    const s = new Sink();
    const r = new Reassembler(s, 1000);
    put(r, 0, 'ab');
    put(r, 6, 'gh');
    put(r, 10, 'kl');
    r.flushTo(8, 3);
    expect(s.text()).to.equal('ab????gh');
    expect(s.out[1]).to.deep.include({ kind: 'gap', offset: 2, length: 4, frame: 3 });
    r.flushAll(12, 4);
    expect(s.text()).to.equal('ab????gh??kl');
    // bytes of a declared gap that come late are not delivered again
    put(r, 2, 'cdef');
    expect(s.text()).to.equal('ab????gh??kl');
  });

  it('the cap forces the earliest hole out and reports an overflow', () => {
    const s = new Sink();
    const r = new Reassembler(s, 10);
    expect(put(r, 5, '12345')).to.equal(false);
    expect(put(r, 12, 'abcdefgh')).to.equal(true); // 13 bytes would be held
    expect(s.text()).to.equal('?????12345');
    expect(r.buffered).to.equal(8);
    // one segment bigger than the cap on its own
    const s2 = new Sink();
    const r2 = new Reassembler(s2, 4);
    expect(put(r2, 3, 'abcdef')).to.equal(true);
    expect(s2.text()).to.equal('???abcdef');
  });

  it('re-sending held bytes does not count against the cap', () => {
    const s = new Sink();
    const r = new Reassembler(s, 10);
    put(r, 5, '1234567890');
    expect(put(r, 5, '1234567890')).to.equal(false);
    expect(r.buffered).to.equal(10);
  });

  it('discard drops what is held', () => {
    const s = new Sink();
    const r = new Reassembler(s, 100);
    put(r, 5, 'abc');
    r.discard();
    expect(r.buffered).to.equal(0);
    expect(s.buffered).to.equal(0);
  });

  it('property: any segmentation, order and duplication delivers exactly the original bytes', () => {
    fc.assert(
      fc.property(
        fc.uint8Array({ minLength: 1, maxLength: 3000 }),
        fc.array(fc.nat(), { minLength: 1, maxLength: 40 }),
        fc.array(fc.nat(), { maxLength: 20 }),
        fc.nat(),
        (bytes, cuts, dupSeeds, seed) => {
          const data = Buffer.from(bytes);
          const n = data.length;
          const points = [...new Set(cuts.map((c) => c % n))].filter((x) => x > 0).sort((a, b) => a - b);
          const bounds = [0, ...points, n];
          const segs: Array<[number, number]> = [];
          for (let i = 0; i + 1 < bounds.length; i++) segs.push([bounds[i]!, bounds[i + 1]!]);
          // overlapping retransmissions: random ranges of the same content
          for (const d of dupSeeds) {
            const a = d % n;
            const b = a + 1 + ((d >> 3) % (n - a));
            segs.push([a, b]);
          }
          // deterministic shuffle from `seed`
          let x = seed | 1;
          for (let i = segs.length - 1; i > 0; i--) {
            x = (Math.imul(x, 1103515245) + 12345) >>> 0;
            const j = x % (i + 1);
            [segs[i], segs[j]] = [segs[j]!, segs[i]!];
          }
          const s = new Sink();
          const r = new Reassembler(s, 1 << 20);
          for (const [a, b] of segs) r.insert(a, data, a, b - a, 1, 0);
          r.flushAll(n, 2);
          expect(s.out.every((o) => o.kind === 'data')).to.equal(true);
          expect(Buffer.from(s.text(), 'latin1').equals(data)).to.equal(true);
          expect(r.buffered).to.equal(0);
          expect(s.buffered).to.equal(0);
        },
      ),
      { numRuns: 200 },
    );
  });

  it('property: segments missing from the capture come out as gaps of exactly their size', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 1, max: 200 }), fc.boolean()), { minLength: 1, maxLength: 30 }), (spec) => {
        const s = new Sink();
        const r = new Reassembler(s, 1 << 20);
        let off = 0;
        let expected = '';
        const present: Array<[number, string]> = [];
        for (const [len, kept] of spec) {
          const text = String.fromCharCode(97 + (off % 26)).repeat(len);
          if (kept) present.push([off, text]);
          expected += kept ? text : '?'.repeat(len);
          off += len;
        }
        for (const [o, t] of present.reverse()) put(r, o, t);
        r.flushAll(off, 9);
        expect(s.text()).to.equal(expected);
      }),
      { numRuns: 200 },
    );
  });
});

describe('tcp/reassembler: Coverage', () => {
  it('counts each captured byte once and remembers holes', () => {
    const c = new Coverage();
    expect(c.add(0, 10)).to.equal(10);
    expect(c.add(20, 30)).to.equal(10); // hole [10, 20)
    expect(c.holes).to.deep.equal([10, 20]);
    expect(c.firstHoleBelow(15)).to.equal(10);
    expect(c.firstHoleBelow(10)).to.equal(-1);
    expect(c.add(0, 30)).to.equal(10); // fills the hole
    expect(c.holes).to.deep.equal([]);
    expect(c.add(5, 25)).to.equal(0); // a retransmission
    expect(c.add(40, 50)).to.equal(10);
    expect(c.add(42, 44)).to.equal(0);
    expect(c.add(32, 34)).to.equal(2); // splits [30, 40)
    expect(c.holes).to.deep.equal([30, 32, 34, 40]);
    expect(c.add(-5, 1)).to.equal(0); // before the stream start
  });
});

describe('tcp/reassembler: Coverage with more holes than it remembers', () => {
  /** The plain model: every hole in an array, the lowest dropped by a shift when one too many. */
  class CoverageModel {
    hi = 0;
    holes: number[] = [];
    add(start: number, end: number): number {
      start = Math.max(0, start);
      if (end <= start) return 0;
      let fresh = 0;
      if (start >= this.hi) {
        if (start > this.hi) {
          this.holes.push(this.hi, start);
          if (this.holes.length > 128) this.holes.splice(0, 2);
        }
        fresh = end - start;
        this.hi = end;
        return fresh;
      }
      if (end > this.hi) {
        fresh += end - this.hi;
        [end, this.hi] = [this.hi, end];
      }
      const next: number[] = [];
      for (let i = 0; i < this.holes.length; i += 2) {
        const [hs, he] = [this.holes[i]!, this.holes[i + 1]!];
        const os = Math.max(hs, start);
        const oe = Math.min(he, end);
        if (os >= oe) next.push(hs, he);
        else {
          fresh += oe - os;
          if (hs < os) next.push(hs, os);
          if (oe < he) next.push(oe, he);
        }
      }
      this.holes = next;
      return fresh;
    }
  }

  it('keeps the 64 highest holes, as a shifting list would, across its compactions', () => {
    // a capture cut by a snapshot length: 10 bytes seen of every 100, then retransmissions
    // fill some holes, low and high
    const c = new Coverage();
    const m = new CoverageModel();
    for (let k = 0; k < 1000; k++) {
      expect(c.add(k * 100, k * 100 + 10)).to.equal(m.add(k * 100, k * 100 + 10));
      if (k % 97 === 0) {
        const at = k * 100 - 3000;
        expect(c.add(at, at + 150)).to.equal(m.add(at, at + 150));
      }
      expect(c.holes).to.deep.equal(m.holes);
      expect(c.firstHoleBelow(k * 100)).to.equal(m.holes.length && m.holes[0]! < k * 100 ? m.holes[0] : -1);
    }
    expect(c.holes.length).to.equal(128);
    c.trim();
    expect(c.holes).to.deep.equal(m.holes);
  });

  it('agrees with the model on random segments', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.integer({ min: 0, max: 20_000 }), fc.integer({ min: 1, max: 300 })), { maxLength: 600 }), (segs) => {
        const c = new Coverage();
        const m = new CoverageModel();
        for (const [start, len] of segs) {
          expect(c.add(start, start + len)).to.equal(m.add(start, start + len));
          expect(c.holes).to.deep.equal(m.holes);
        }
      }),
      { numRuns: 200 },
    );
  });
});
