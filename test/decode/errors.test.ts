import { expect } from 'chai';
import fc from 'fast-check';
import { LinkType } from '../../src/capture/frame.ts';
import { buildFrame } from '../../src/craft/packet-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { frameOf, SEG, specFrame, V4, V6 } from './frame-helper.ts';

const OPTS = { mss: 1460, ts: [1, 2] as [number, number] };

describe('decode/truncated frames (snaplen cut inside each header)', () => {
  const cases: Array<[string, number, 'v4' | 'v6', number[]]> = [
    // [link, link type, ip, cut points (bytes kept) that all fall inside a header]
    ['ETHERNET', LinkType.ETHERNET, 'v4', [0, 5, 13, 14, 20, 33, 34, 40, 53, 60, 65]],
    ['ETHERNET+QinQ', LinkType.ETHERNET, 'v6', [14, 16, 19, 21, 22, 50, 61, 62, 80, 94]],
    ['LINUX_SLL', LinkType.LINUX_SLL, 'v4', [3, 15, 16, 30, 36, 50, 67]],
    ['LINUX_SLL2', LinkType.LINUX_SLL2, 'v6', [10, 19, 20, 59, 60, 70, 91]],
    ['NULL', LinkType.NULL, 'v6', [0, 3, 4, 43, 44, 75]],
    ['LOOP', LinkType.LOOP, 'v4', [2, 4, 23, 24, 55]],
    ['RAW', LinkType.RAW, 'v4', [0, 1, 19, 20, 39, 51]],
  ];
  for (const [name, linkType, ipv, cuts] of cases) {
    it(`${name} / ${ipv}`, () => {
      const d = new PacketDecoder();
      const spec = { linkType, vlan: name.includes('QinQ') ? [1, 2] : undefined, ip: ipv === 'v4' ? V4 : V6, tcp: { ...SEG, options: OPTS } };
      const full = buildFrame(spec);
      for (const cut of cuts) expect(d.decode(frameOf(full, linkType, cut)), `cut at ${cut} of ${full.length}`).to.equal('truncated');
      expect(d.counters.truncated).to.equal(cuts.length);
      expect(d.counters.firstTruncated).to.be.greaterThan(0);
    });
  }

  it('a cut inside the payload still yields the segment, with its full length known', () => {
    const d = new PacketDecoder();
    const full = buildFrame({ ip: V4, tcp: SEG });
    expect(d.decode(frameOf(full, LinkType.ETHERNET, full.length - 6))).to.equal('tcp');
    expect([d.packet.payloadLength, d.packet.segmentLength]).to.deep.equal([10, 16]);
    expect(d.packet.payload().toString()).to.equal('USER anony');
  });
});

describe('decode/malformed frames', () => {
  const bad: Array<[string, Parameters<typeof specFrame>[0], RegExp]> = [
    ['IPv4 IHL < 5', { ip: { ...V4, ihl: 4 }, tcp: SEG }, /below 20/],
    ['IPv4 total length beyond the frame', { ip: { ...V4, totalLength: 1000 }, tcp: SEG }, /past the end of the frame/],
    ['IPv4 total length below the header', { ip: { ...V4, totalLength: 12 }, tcp: SEG }, /below the header/],
    ['IPv4 version 5 behind an IPv4 EtherType', { linkType: LinkType.IPV4, ip: V6, tcp: SEG }, /version/],
    ['IPv6 payload length beyond the frame', { ip: { ...V6, totalLength: 400 }, tcp: SEG }, /past the end of the frame/],
    ['TCP data offset < 5', { ip: V4, tcp: { ...SEG, dataOffset: 4 } }, /below 5/],
    ['TCP data offset beyond the segment', { ip: V4, tcp: { ...SEG, payload: '', dataOffset: 15 } }, /past the end of the segment/],
    ['TCP segment shorter than 20 bytes', { ip: { ...V4, protocol: 6 }, ipPayload: Buffer.alloc(12) }, /shorter/],
    ['IPv6 extension header beyond the packet', { ip: { ...V6, protocol: 6, extensions: [{ type: 'raw', code: 60, bytes: Buffer.from([0, 9, 0, 0, 0, 0, 0, 0]) }] }, ipPayload: Buffer.alloc(20) }, /extension header/],
  ];
  for (const [name, spec, reason] of bad) {
    it(name, () => {
      const d = new PacketDecoder();
      expect(d.decode(specFrame(spec))).to.equal('malformed');
      expect(d.packet.malformed).to.match(reason);
      expect(d.counters.malformed).to.equal(1);
      expect(d.counters.firstMalformed!.reason).to.match(reason);
    });
  }

  it('keeps the first malformed example and counts every outcome once', () => {
    const d = new PacketDecoder();
    const first = specFrame({ ip: { ...V4, ihl: 3 }, tcp: SEG });
    d.decode(first);
    d.decode(specFrame({ ip: V4, tcp: { ...SEG, dataOffset: 2 } }));
    d.decode(specFrame({ ip: V4, tcp: SEG }));
    d.decode(specFrame({ arp: true }));
    d.decode(specFrame({ ip: V6, udp: { srcPort: 1, dstPort: 2 } }));
    const c = d.counters;
    expect(c.firstMalformed!.frame).to.equal(first.number);
    expect([c.frames, c.malformed, c.tcp, c.notIp, c.notTcp]).to.deep.equal([5, 2, 1, 1, 1]);
    expect(c.tcp + c.notIp + c.notTcp + c.fragments + c.malformed + c.truncated).to.equal(c.frames);
  });

  it('never fails on random or mangled bytes, whatever the link type', () => {
    const d = new PacketDecoder();
    const links = [0, 1, 101, 108, 113, 228, 229, 276];
    const valid = buildFrame({ vlan: [3], ip: V6, tcp: { ...SEG, options: OPTS } });
    fc.assert(
      fc.property(fc.constantFrom(...links), fc.uint8Array({ maxLength: 120 }), fc.nat(200), (lt, bytes, cut) => {
        d.decode(frameOf(Buffer.from(bytes), lt));
        // the decoder's catch-all would hide an out-of-bounds read: it must never be reached
        if (d.packet.malformed === 'decoder error') return false;
        // also a valid frame with random bytes flipped and a random cut
        const m = Buffer.from(valid);
        for (let i = 0; i < bytes.length && i < m.length; i += 7) m[(bytes[i]! * 3 + i) % m.length] = bytes[i]!;
        const out = d.decode(frameOf(m, LinkType.ETHERNET, Math.min(cut, m.length)));
        if (d.packet.malformed === 'decoder error') return false;
        return ['tcp', 'not-ip', 'not-tcp', 'fragment', 'malformed', 'truncated'].includes(out);
      }),
      { numRuns: 2000 },
    );
    expect(d.counters.frames).to.equal(4000);
  });
});
