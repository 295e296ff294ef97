// Inputs the fuzzer found that broke a contract, minimised by hand, kept so they stay fixed.
// (The file-pump allocation finding has its own file: memory-bounds.test.ts.)
import { expect } from 'chai';
import { LinkType, type Frame } from '../../src/capture/frame.ts';
import { PcapngWriter } from '../../src/capture/pcapng-writer.ts';
import { buildFragmentedFrames, buildFrame } from '../../src/craft/packet-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { FragmentReassembler } from '../../src/decode/ip-fragments.ts';
import { checkDecode, readPushed } from './harness/oracles.ts';

let n = 0;
function frame(data: Buffer): Frame {
  n++;
  return { number: n, offset: 0, tsSec: 1, tsNsec: 0, time: 1 + n / 1000, linkType: LinkType.ETHERNET, interfaceId: 0, capLen: data.length, origLen: data.length, data };
}

describe('fuzz/regressions', () => {
  // Found by the decoder campaign (mutated fragment offsets): a fragment with MF set lying wholly
  // past the end that the last fragment (MF clear) declared made assemble() copy a negative
  // length; Buffer.copy threw RangeError, the decoder's catch-all turned the completing frame into
  // 'malformed: decoder error' and the datagram stayed in the table.
  it('IPv4 fragments beyond the datagram end the last fragment declared are dropped, not a decoder error', () => {
    const ip = { src: '192.0.2.1', dst: '192.0.2.2', id: 7, protocol: 6 };
    const tcp = buildFrame({ linkType: LinkType.RAW, ip: { src: ip.src, dst: ip.dst }, tcp: { srcPort: 40000, dstPort: 21, flags: 'PA', payload: 'x'.repeat(12) } }).subarray(20);
    expect(tcp.length).to.equal(32);
    const frag = (offset: number, more: boolean, bytes: Buffer) => frame(buildFrame({ ip: { ...ip, fragmentOffset: offset, mf: more }, ipPayload: bytes }));
    const d = new PacketDecoder();
    const order = [
      frag(32, true, Buffer.alloc(8, 0xd1)), // past the end (32) that B declares
      frag(40, true, Buffer.alloc(8, 0xc1)), //  further past: total - offset < 0
      frag(24, false, tcp.subarray(24)), //      B: the last 8 bytes, MF clear: total 32
      frag(0, true, tcp.subarray(0, 24)), //     A: completes the datagram
    ];
    expect(order.map((f) => checkDecode(d, f))).to.deep.equal(['fragment', 'fragment', 'fragment', 'tcp']);
    expect(d.packet.reassembled).to.equal(true);
    expect(d.packet.payload().toString()).to.equal('x'.repeat(12));
    expect(d.fragments!.size).to.equal(0);
  });

  it('FragmentReassembler: the completed payload is exactly the declared length', () => {
    const r = new FragmentReassembler();
    const header = Buffer.alloc(20, 0x45);
    // 16..32 lie past the end (16) declared by the fragment at 8; coverage still has no hole
    expect(r.add('k', 0, 16, true, Buffer.alloc(8, 2), header, 6)).to.equal(null);
    expect(r.add('k', 0, 24, true, Buffer.alloc(8, 3), header, 6)).to.equal(null);
    expect(r.add('k', 0, 8, false, Buffer.alloc(8, 1), header, 6)).to.equal(null);
    const done = r.add('k', 0, 0, true, Buffer.alloc(8, 0), header, 6);
    expect(done).to.not.equal(null);
    expect(done!.packet.subarray(done!.headerLength)).to.deep.equal(Buffer.concat([Buffer.alloc(8, 0), Buffer.alloc(8, 1)]));
    expect([r.size, r.bytes]).to.deep.equal([0, 0]);
  });

  // Found probing for slow inputs: each IDB's link type was added to the summary after a linear
  // search of the ones seen, so 65536 interfaces with distinct link types (the most a file may
  // declare, a 1.3 MB file) cost 2^31 comparisons: seconds instead of milliseconds.
  it('65536 interfaces with distinct link types read as fast as 65536 with the same one', () => {
    // one section header, then 65536 copies of a 20-byte IDB with the link type patched in
    const out: Buffer[] = [];
    const w = new PcapngWriter((c) => out.push(c));
    w.addInterface({ linkType: 1 });
    const [shb, idb] = out as [Buffer, Buffer];
    const file = (distinct: boolean) => {
      const b = Buffer.alloc(shb.length + 65536 * idb.length);
      shb.copy(b);
      for (let i = 0; i < 65536; i++) {
        const at = shb.length + i * idb.length;
        idb.copy(b, at);
        b.writeUInt16LE(distinct ? i : 1, at + 8);
      }
      return b;
    };
    const time = (b: Buffer) => {
      const t0 = performance.now();
      const o = readPushed(b);
      return { ms: performance.now() - t0, o };
    };
    const same = time(file(false));
    const distinct = time(file(true));
    expect(same.o.summary!.linkTypes).to.deep.equal([1]);
    expect(distinct.o.summary!.linkTypes).to.have.length(65536);
    expect(distinct.o.summary!.linkTypes.slice(0, 3)).to.deep.equal([0, 1, 2]);
    // linear in both cases (before the fix: ~40 times slower); generous for a loaded machine
    expect(distinct.ms).to.be.below(5 * same.ms + 200);
  });

  // Found probing for slow inputs: a datagram that never completes (a hole that no fragment
  // fills) kept every repeated fragment, and each one re-sorted them all: 8000 frames took seconds.
  it('a datagram repeating one fragment forever stays bounded and costs linear time', () => {
    const ip = { src: '192.0.2.1', dst: '192.0.2.2', id: 7, protocol: 6 };
    const frag = (offset: number, more: boolean, bytes: number) => frame(buildFrame({ ip: { ...ip, fragmentOffset: offset, mf: more }, ipPayload: Buffer.alloc(bytes, 1) }));
    const d = new PacketDecoder();
    checkDecode(d, frag(0, true, 24));
    checkDecode(d, frag(64, false, 8)); // 24..64 stays a hole
    const mid = frag(8, true, 8);
    const repeat = (n: number) => {
      const t0 = performance.now();
      for (let i = 0; i < n; i++) expect(checkDecode(d, mid)).to.equal('fragment');
      return performance.now() - t0;
    };
    repeat(800); // warm up
    const ms800 = repeat(800);
    const ms8000 = repeat(8000);
    expect(d.fragments!.bytes).to.be.at.most(64 * 24); // at most 64 fragments of it are held
    expect(d.fragments!.dropped).to.be.at.least(100); // one drop per 64 fragments
    // 10× the fragments cost about 10× the time (before the fix: 100×, ~3 s for 8000); a ratio,
    // not a wall-clock bound, so that a loaded machine does not fail it, and only when the large
    // run took long enough for the ratio to mean something
    if (ms8000 > 200) expect(ms8000 / Math.max(ms800, 1), `${ms800.toFixed(0)} ms → ${ms8000.toFixed(0)} ms`).to.be.below(40);
  });

  it('a segment in 31 fragments (1460 bytes at the minimum IPv4 MTU) is still reassembled', () => {
    const frames = buildFragmentedFrames({ ip: { src: '192.0.2.1', dst: '192.0.2.2' }, tcp: { srcPort: 20, dstPort: 40001, flags: 'A', payload: 'q'.repeat(1460) } }, 48);
    expect(frames.length).to.equal(31);
    const d = new PacketDecoder();
    expect(frames.map((f) => checkDecode(d, frame(f))).at(-1)).to.equal('tcp');
    expect(d.packet.payloadLength).to.equal(1460);
  });
});
