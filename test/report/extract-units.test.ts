// The pieces of --extract on their own: the ranges a file was written in (only new bytes are
// reported, whatever the order and overlap), and file names made from hostile arguments.

import { expect } from 'chai';
import fc from 'fast-check';
import { ByteRanges } from '../../src/report/extract/byte-ranges.ts';
import { extractedFileName, MAX_NAME_BYTES, safeComponent } from '../../src/report/extract/file-name.ts';

describe('ByteRanges', () => {
  it('reports each byte as new exactly once, whatever the order and overlap of the ranges', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(fc.nat(300), fc.integer({ min: 1, max: 60 })), { maxLength: 40 }), (ranges) => {
        const r = new ByteRanges();
        const seen = new Uint8Array(400);
        for (const [s, n] of ranges) {
          r.add(s, s + n, (a, b) => {
            for (let i = a; i < b; i++) seen[i]!++;
          });
        }
        const want = new Uint8Array(400);
        for (const [s, n] of ranges) for (let i = s; i < s + n; i++) want[i] = 1;
        expect([...seen]).to.deep.equal([...want]);
        // the gaps are exactly the bytes never added, below the highest one added
        const gaps = r.gaps(r.end, 1000);
        const missing = [...want.slice(0, r.end)].filter((x) => x === 0).length;
        expect(gaps.bytes).to.equal(missing);
        expect(r.covered).to.equal([...want].filter((x) => x === 1).length);
      }),
      { numRuns: 300 },
    );
  });

  it('keeps in-order data as one range and says when its bound is hit', () => {
    const r = new ByteRanges(4);
    for (let i = 0; i < 100; i++) r.add(i * 10, i * 10 + 10);
    expect(r.count).to.equal(1);
    for (let i = 0; i < 10; i++) r.add(2000 + i * 20, 2000 + i * 20 + 10); // ten disjoint ranges
    expect(r.saturated).to.equal(true);
    expect(r.count).to.be.at.most(4);
  });

  it('lists gaps up to a bound and counts them all', () => {
    const r = new ByteRanges();
    for (let i = 0; i < 10; i++) r.add(i * 10, i * 10 + 5);
    const g = r.gaps(100, 3);
    expect(g.ranges).to.deep.equal([
      [5, 10],
      [15, 20],
      [25, 30],
    ]);
    expect([g.count, g.bytes]).to.deep.equal([10, 50]);
    expect(r.overlaps(5, 10)).to.equal(false);
    expect(r.overlaps(4, 6)).to.equal(true);
  });
});

/** Any code points, lone surrogates included, and plenty of the troublesome ones. */
const anyText = fc
  .array(fc.oneof(fc.integer({ min: 0, max: 0x10ffff }), fc.constantFrom(0x2f, 0x5c, 0x2e, 0x20, 0x1b, 0x0a, 0x7f, 0x85, 0x202e, 0x200f, 0xfeff, 0xd800, 0xe9)), { maxLength: 300 })
  .map((cps) => String.fromCodePoint(...cps));

describe('extracted file names', () => {
  it('never holds a separator, a control, format or bidi character, and stays within the bound', () => {
    fc.assert(
      fc.property(anyText, fc.nat(1000), fc.nat(100000), (arg, s, t) => {
        const name = extractedFileName(s, t, 'RETR', arg);
        expect(name.startsWith(`s${s}-t${t}-RETR`)).to.equal(true);
        expect(name).to.not.match(/[/\\<>:"|?*]|\p{C}/u);
        expect(Buffer.byteLength(name)).to.be.at.most(MAX_NAME_BYTES);
        expect(name).to.not.match(/[. ]$/);
      }),
      { numRuns: 200 },
    );
  });

  it('keeps what is readable of the path the command named', () => {
    expect(extractedFileName(0, 1, 'RETR', 'pub/linux/kernel-6.1.tar.xz')).to.equal('s0-t1-RETR-pub_linux_kernel-6.1.tar.xz');
    expect(extractedFileName(2, 3, 'LIST', '')).to.equal('s2-t3-LIST');
    expect(extractedFileName(0, 0, 'STOR', 'résumé .pdf')).to.equal('s0-t0-STOR-résumé .pdf');
    expect(safeComponent('..')).to.equal('__');
    expect(safeComponent('a\u202egnp.exe')).to.equal('a_gnp.exe');
    const long = extractedFileName(0, 0, 'RETR', `${'é'.repeat(200)}.iso`);
    expect(Buffer.byteLength(long)).to.be.at.most(MAX_NAME_BYTES);
    expect(long.endsWith('~.iso')).to.equal(true);
  });
});
