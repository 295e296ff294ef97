import { expect } from 'chai';
import { LinkType } from '../../src/capture/frame.ts';
import { buildFragmentedFrames, buildFrame } from '../../src/craft/packet-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { FragmentReassembler } from '../../src/decode/ip-fragments.ts';
import { frameOf, SEG, specFrame, V4, V6 } from './frame-helper.ts';

describe('decode/ipv4', () => {
  it('fills the IPv4 fields', () => {
    const d = new PacketDecoder();
    expect(d.decode(specFrame({ ip: { ...V4, ttl: 117, id: 0xabcd, df: true }, tcp: SEG }))).to.equal('tcp');
    const p = d.packet;
    expect([p.ipVersion, p.ipOffset, p.ttl, p.ipId, p.dontFragment, p.ipTotalLength, p.addrLength]).to.deep.equal([4, 14, 117, 0xabcd, true, 56, 4]);
    expect(p.tcpOffset).to.equal(34);
  });

  it('skips IPv4 options by the header length', () => {
    const d = new PacketDecoder();
    const options = Buffer.from([0x94, 0x04, 0x00, 0x00, 0x07, 0x07, 0x04, 0x00, 0x00, 0x00, 0x00]); // router alert + record route
    expect(d.decode(specFrame({ ip: { ...V4, options }, tcp: SEG }))).to.equal('tcp');
    expect(d.packet.tcpOffset).to.equal(14 + 32);
    expect(d.packet.payload().toString()).to.equal('USER anonymous\r\n');
  });

  it('takes a zero total length (segmentation offload) to run to the end of the frame', () => {
    const d = new PacketDecoder();
    expect(d.decode(specFrame({ ip: { ...V4, totalLength: 0 }, tcp: SEG }))).to.equal('tcp');
    expect(d.packet.segmentLength).to.equal(16);
    expect(d.packet.ipTotalLength).to.equal(56);
  });

  it('passes over UDP and ICMP, and decodes TCP behind an AH header', () => {
    const d = new PacketDecoder();
    expect(d.decode(specFrame({ ip: V4, udp: { srcPort: 53, dstPort: 53, payload: 'q' } }))).to.equal('not-tcp');
    expect(d.decode(specFrame({ ip: { ...V4, protocol: 1 }, ipPayload: Buffer.alloc(8) }))).to.equal('not-tcp');
    expect(d.counters.notTcp).to.equal(2);
    const tcpBytes = buildFrame({ linkType: LinkType.RAW, ip: V4, tcp: SEG }).subarray(20);
    const ah = Buffer.alloc(24); // AH: next header 6, length (24 / 4) - 2 = 4, SPI, sequence, 12-byte ICV
    ah[0] = 6;
    ah[1] = 4;
    ah.writeUInt32BE(0x100, 4);
    expect(d.decode(specFrame({ ip: { ...V4, protocol: 51 }, ipPayload: Buffer.concat([ah, tcpBytes]) }))).to.equal('tcp');
    expect(d.packet.srcPort).to.equal(40000);
  });

  it('counts fragments, and reassembles a fragmented TCP segment (first fragment last too)', () => {
    const d = new PacketDecoder();
    const big = { ...SEG, payload: 'x'.repeat(300) };
    const frags = buildFragmentedFrames({ ip: V4, tcp: big }, 128);
    expect(frags.length).to.equal(3);
    const order = [frags[1]!, frags[0]!, frags[2]!];
    expect(order.map((f) => d.decode(frameOf(f)))).to.deep.equal(['fragment', 'fragment', 'tcp']);
    const p = d.packet;
    expect(p.reassembled).to.equal(true);
    expect(p.payloadLength).to.equal(300);
    expect(p.payload().toString()).to.equal('x'.repeat(300));
    expect([p.srcAddr(), p.seq, p.ipOffset]).to.deep.equal(['192.0.2.1', 1000, 0]);
    expect(d.counters.fragments).to.equal(2);
    expect(d.counters.reassembled).to.equal(1);
    expect(d.fragments!.size).to.equal(0);
    // without reassembly every fragment is just counted
    const plain = new PacketDecoder({ reassembleFragments: false });
    expect(frags.map((f) => plain.decode(frameOf(f)))).to.deep.equal(['fragment', 'fragment', 'fragment']);
    // a non-first fragment alone never completes
    const lone = new PacketDecoder();
    expect(lone.decode(frameOf(frags[2]!))).to.equal('fragment');
    expect(lone.fragments!.size).to.equal(1);
  });

  it('bounds fragment memory', () => {
    const r = new FragmentReassembler({ maxDatagrams: 2, maxBytes: 100, timeoutSeconds: 30 });
    const h = Buffer.alloc(20);
    expect(r.add('a', 0, 0, true, Buffer.alloc(40), h, 6)).to.equal(null);
    expect(r.add('b', 1, 0, true, Buffer.alloc(40), h, 6)).to.equal(null);
    expect(r.add('c', 2, 0, true, Buffer.alloc(40), h, 6)).to.equal(null); // evicts 'a'
    expect([r.size, r.bytes, r.dropped]).to.deep.equal([2, 80, 1]);
    expect(r.add('c', 3, 40, true, Buffer.alloc(48), h, 6)).to.equal(null); // over 100 bytes: evicts 'b'
    expect([r.size, r.bytes]).to.deep.equal([1, 88]);
    expect(r.add('d', 100, 0, true, Buffer.alloc(8), h, 6)).to.equal(null); // 'c' timed out
    expect([r.size, r.bytes]).to.deep.equal([1, 8]);
    expect(r.add('e', 100, 65528, false, Buffer.alloc(16), h, 6)).to.equal(null); // past 65535
    const done = r.add('d', 101, 8, false, Buffer.from('hello'), h, 6);
    expect(done!.packet.length).to.equal(20 + 13);
    expect(done!.packet.subarray(28).toString()).to.equal('hello');
    expect(r.bytes).to.equal(0);
  });
});

describe('decode/ipv6', () => {
  it('fills the IPv6 fields', () => {
    const d = new PacketDecoder();
    expect(d.decode(specFrame({ ip: { ...V6, ttl: 55 }, tcp: SEG }))).to.equal('tcp');
    const p = d.packet;
    expect([p.ipVersion, p.ttl, p.ipId, p.addrLength, p.ipTotalLength, p.tcpOffset]).to.deep.equal([6, 55, -1, 16, 76, 54]);
  });

  it('walks hop-by-hop, routing, destination options and AH headers', () => {
    const d = new PacketDecoder();
    const ip = {
      ...V6,
      extensions: [
        { type: 'hop-by-hop' as const, options: Buffer.from([0x05, 0x02, 0x00, 0x00]) },
        { type: 'routing' as const, routingType: 2, segmentsLeft: 0, addresses: ['2001:db8::3'] },
        { type: 'destination' as const, options: Buffer.alloc(10, 1) },
        { type: 'ah' as const },
      ],
    };
    expect(d.decode(specFrame({ ip, tcp: SEG }))).to.equal('tcp');
    expect(d.packet.tcpOffset).to.equal(14 + 40 + 8 + 24 + 16 + 24);
    expect(d.packet.payload().toString()).to.equal('USER anonymous\r\n');
    expect(d.packet.dstAddr()).to.equal('2001:db8::2');
  });

  it('treats no-next-header, UDP and ICMPv6 as not TCP', () => {
    const d = new PacketDecoder();
    expect(d.decode(specFrame({ ip: { ...V6, protocol: 59 }, ipPayload: Buffer.alloc(0) }))).to.equal('not-tcp');
    expect(d.decode(specFrame({ ip: V6, udp: { srcPort: 1, dstPort: 2 } }))).to.equal('not-tcp');
    expect(d.decode(specFrame({ ip: { ...V6, protocol: 58, extensions: [{ type: 'destination' }] }, ipPayload: Buffer.alloc(8) }))).to.equal('not-tcp');
  });

  it('decodes atomic fragments, counts and reassembles real ones', () => {
    const d = new PacketDecoder();
    expect(d.decode(specFrame({ ip: { ...V6, extensions: [{ type: 'fragment', id: 9 }] }, tcp: SEG }))).to.equal('tcp');
    const frags = buildFragmentedFrames({ linkType: LinkType.LINUX_SLL2, ip: { ...V6, extensions: [{ type: 'hop-by-hop' }] }, tcp: { ...SEG, payload: 'y'.repeat(200) } }, 100);
    expect(frags.map((f) => d.decode(frameOf(f, LinkType.LINUX_SLL2)))).to.deep.equal(['fragment', 'fragment', 'tcp']);
    expect(d.packet.reassembled).to.equal(true);
    expect(d.packet.payload().toString()).to.equal('y'.repeat(200));
    expect(d.packet.srcAddr()).to.equal('2001:db8::1');
    const plain = new PacketDecoder({ reassembleFragments: false });
    expect(plain.decode(frameOf(frags[0]!, LinkType.LINUX_SLL2))).to.equal('fragment');
  });

  it('takes a zero payload length (jumbogram / offload) to run to the end of the frame', () => {
    const d = new PacketDecoder();
    expect(d.decode(specFrame({ ip: { ...V6, totalLength: 0 }, tcp: SEG }))).to.equal('tcp');
    expect(d.packet.segmentLength).to.equal(16);
  });
});
