import { expect } from 'chai';
import { LinkType } from '../../src/capture/frame.ts';
import {
  buildFragmentedFrames,
  buildFrame,
  encodeTcpOptions,
  internetChecksum,
  onesComplementSum,
  parseIpAddress,
  parseTcpFlags,
  pseudoHeaderSum,
} from '../../src/craft/packet-builder.ts';

// Independent re-checks of what the builder wrote: a correct Internet checksum makes the
// one's-complement sum over the covered bytes (checksum field included) 0xffff.
function ipv4Ok(ip: Buffer): boolean {
  const hl = (ip[0]! & 0x0f) * 4;
  return onesComplementSum(ip.subarray(0, hl)) === 0xffff;
}
function transportOk(src: Buffer, dst: Buffer, proto: number, seg: Buffer): boolean {
  return onesComplementSum(seg, pseudoHeaderSum(src, dst, proto, seg.length)) === 0xffff;
}

describe('craft/packet-builder', () => {
  it('parses flag letters', () => {
    expect(parseTcpFlags('S')).to.equal(0x02);
    expect(parseTcpFlags('SA')).to.equal(0x12);
    expect(parseTcpFlags('PA')).to.equal(0x18);
    expect(parseTcpFlags('FA')).to.equal(0x11);
    expect(parseTcpFlags('RA')).to.equal(0x14);
    expect(parseTcpFlags('UEC')).to.equal(0x20 | 0x40 | 0x80);
    expect(() => parseTcpFlags('X')).to.throw(/unknown TCP flag/);
  });

  it('parses IPv4 and IPv6 address text', () => {
    expect([...parseIpAddress('192.0.2.1')]).to.deep.equal([192, 0, 2, 1]);
    expect(parseIpAddress('2001:db8::1').toString('hex')).to.equal('20010db8000000000000000000000001');
    expect(parseIpAddress('[::1]').toString('hex')).to.equal('0'.repeat(31) + '1');
    expect(parseIpAddress('::').toString('hex')).to.equal('0'.repeat(32));
    expect(parseIpAddress('::ffff:192.0.2.1').toString('hex')).to.equal('00000000000000000000ffffc0000201');
    expect(parseIpAddress('1:2:3:4:5:6:7:8').toString('hex')).to.equal('00010002000300040005000600070008');
    expect(() => parseIpAddress('1::2::3')).to.throw();
    expect(() => parseIpAddress('256.1.1.1')).to.throw();
    expect(() => parseIpAddress('1:2:3')).to.throw();
  });

  it('computes the RFC 1071 example checksum', () => {
    // RFC 1071 §3 worked example: words 0001 f203 f4f5 f6f7 sum to ddf2 (after folding)
    const b = Buffer.from('0001f203f4f5f6f7', 'hex');
    expect(onesComplementSum(b)).to.equal(0xddf2);
    expect(internetChecksum(b)).to.equal(0x220d);
  });

  it('builds an Ethernet/IPv4/TCP frame with correct checksums and fields', () => {
    const f = buildFrame({
      ip: { src: '192.0.2.1', dst: '192.0.2.2', ttl: 57, id: 0xbeef, df: true },
      tcp: { srcPort: 40000, dstPort: 21, seq: 0xfffffff0, ack: 7, flags: 'PA', window: 512, urgent: 3, payload: 'USER a\r\n' },
    });
    expect(f.readUInt16BE(12)).to.equal(0x0800);
    const ip = f.subarray(14);
    expect(ip[0]).to.equal(0x45);
    expect(ip.readUInt16BE(2)).to.equal(20 + 20 + 8);
    expect(ip.readUInt16BE(4)).to.equal(0xbeef);
    expect(ip.readUInt16BE(6)).to.equal(0x4000);
    expect(ip[8]).to.equal(57);
    expect(ip[9]).to.equal(6);
    expect(ipv4Ok(ip)).to.equal(true);
    const tcp = ip.subarray(20);
    expect(tcp.readUInt32BE(4)).to.equal(0xfffffff0);
    expect(tcp.readUInt32BE(8)).to.equal(7);
    expect(tcp[12]! >> 4).to.equal(5);
    expect(tcp[13]).to.equal(0x18);
    expect(tcp.readUInt16BE(14)).to.equal(512);
    expect(tcp.readUInt16BE(18)).to.equal(3);
    expect(tcp.subarray(20).toString()).to.equal('USER a\r\n');
    expect(transportOk(ip.subarray(12, 16), ip.subarray(16, 20), 6, tcp)).to.equal(true);
  });

  it('honours checksum, ihl, total length and data offset overrides (malformed frames)', () => {
    const f = buildFrame({
      linkType: LinkType.RAW,
      ip: { src: '10.0.0.1', dst: '10.0.0.2', ihl: 4, totalLength: 9999, checksum: 0x1234 },
      tcp: { srcPort: 1, dstPort: 2, dataOffset: 3, checksum: 0xabcd },
    });
    expect(f[0]! & 0x0f).to.equal(4);
    expect(f.readUInt16BE(2)).to.equal(9999);
    expect(f.readUInt16BE(10)).to.equal(0x1234);
    expect(f[32]! >> 4).to.equal(3);
    expect(f.readUInt16BE(36)).to.equal(0xabcd);
  });

  it('writes IPv4 options padded to a multiple of 4, and fragment fields', () => {
    const f = buildFrame({
      linkType: LinkType.IPV4,
      ip: { src: '10.0.0.1', dst: '10.0.0.2', options: Buffer.from([0x94, 0x04, 0, 0, 1]), mf: true, fragmentOffset: 1480 },
      tcp: { srcPort: 1, dstPort: 2 },
    });
    expect(f[0]! & 0x0f).to.equal(7); // 20 + 8 bytes of options
    expect(f.subarray(20, 28).toString('hex')).to.equal('9404000001000000');
    expect(f.readUInt16BE(6)).to.equal(0x2000 | 185);
    expect(ipv4Ok(f)).to.equal(true);
  });

  it('encodes every TCP option in the Linux layout', () => {
    const o = encodeTcpOptions({ mss: 1460, sackPermitted: true, ts: [1, 2], windowScale: 7 });
    expect(o.toString('hex')).to.equal('020405b4' + '0402' + '080a0000000100000002' + '01030307');
    const s = encodeTcpOptions({ sack: [[10, 20], [30, 40]] });
    expect(s.toString('hex')).to.equal('01010512' + '0000000a00000014' + '0000001e00000028');
    expect(encodeTcpOptions({ sackPermitted: true }).toString('hex')).to.equal('01010402');
    expect(encodeTcpOptions({ ts: [5, 0] }).toString('hex')).to.equal('0101080a0000000500000000');
    expect(encodeTcpOptions({ raw: Buffer.from([2, 9]) }).toString('hex')).to.equal('02090000');
    expect(() => buildFrame({ ip: { src: '1.1.1.1', dst: '2.2.2.2' }, tcp: { srcPort: 1, dstPort: 2, options: { sack: [[1, 2], [3, 4], [5, 6], [7, 8], [9, 10]] } } })).to.throw(/at most 40/);
  });

  it('builds IPv6 with extension headers and a checksum over the final routing destination', () => {
    const f = buildFrame({
      linkType: LinkType.IPV6,
      ip: {
        src: '2001:db8::1',
        dst: '2001:db8::99',
        ttl: 33,
        extensions: [
          { type: 'hop-by-hop' },
          { type: 'routing', routingType: 0, segmentsLeft: 1, addresses: ['2001:db8::2'] },
          { type: 'destination', options: Buffer.from([0x1e, 0x01, 0x00]) },
          { type: 'ah' },
        ],
      },
      tcp: { srcPort: 1, dstPort: 21, flags: 'S', payload: 'x' },
    });
    expect(f[0]! >> 4).to.equal(6);
    expect(f[6]).to.equal(0); // hop-by-hop first
    expect(f[7]).to.equal(33);
    let off = 40;
    expect(f[off]).to.equal(43); // hop-by-hop → routing
    expect(f[off + 1]).to.equal(0);
    off += 8;
    expect(f[off]).to.equal(60); // routing → destination options
    expect(f[off + 1]).to.equal(2);
    expect(f[off + 3]).to.equal(1);
    off += 24;
    expect(f[off]).to.equal(51); // destination options → AH
    off += (f[off + 1]! + 1) * 8;
    expect(f[off]).to.equal(6); // AH → TCP
    off += (f[off + 1]! + 2) * 4;
    const tcp = f.subarray(off);
    expect(tcp.length).to.equal(21);
    expect(f.readUInt16BE(4)).to.equal(f.length - 40);
    expect(transportOk(f.subarray(8, 24), parseIpAddress('2001:db8::2'), 6, tcp)).to.equal(true);
  });

  it('wraps every link type', () => {
    const ip = { src: '192.0.2.1', dst: '192.0.2.2' };
    const ip6 = { src: '2001:db8::1', dst: '2001:db8::2' };
    const tcp = { srcPort: 1, dstPort: 2 };
    const eth1 = buildFrame({ vlan: [100], ip, tcp });
    expect(eth1.readUInt16BE(12)).to.equal(0x8100);
    expect(eth1.readUInt16BE(14)).to.equal(100);
    expect(eth1.readUInt16BE(16)).to.equal(0x0800);
    const qinq = buildFrame({ vlan: [10, 20], ip: ip6, tcp });
    expect([qinq.readUInt16BE(12), qinq.readUInt16BE(14), qinq.readUInt16BE(16), qinq.readUInt16BE(18), qinq.readUInt16BE(20)])
      .to.deep.equal([0x88a8, 10, 0x8100, 20, 0x86dd]);
    const sll = buildFrame({ linkType: LinkType.LINUX_SLL, ip, tcp });
    expect(sll.length).to.equal(16 + 40);
    expect(sll.readUInt16BE(14)).to.equal(0x0800);
    const sll2 = buildFrame({ linkType: LinkType.LINUX_SLL2, ip: ip6, tcp });
    expect(sll2.length).to.equal(20 + 60);
    expect(sll2.readUInt16BE(0)).to.equal(0x86dd);
    const nul = buildFrame({ linkType: LinkType.NULL, ip: ip6, tcp });
    expect(nul.readUInt32LE(0)).to.equal(24);
    const nulBe = buildFrame({ linkType: LinkType.NULL, nullBigEndian: true, nullFamily: 30, ip: ip6, tcp });
    expect(nulBe.readUInt32BE(0)).to.equal(30);
    const loop = buildFrame({ linkType: LinkType.LOOP, ip, tcp });
    expect(loop.readUInt32BE(0)).to.equal(2);
    expect(buildFrame({ linkType: LinkType.RAW, ip, tcp })[0]).to.equal(0x45);
    expect(buildFrame({ linkType: LinkType.IPV6, ip: ip6, tcp })[0]! >> 4).to.equal(6);
    expect(() => buildFrame({ linkType: LinkType.NULL, arp: true })).to.throw();
    const arp = buildFrame({ arp: true });
    expect(arp.readUInt16BE(12)).to.equal(0x0806);
    expect(arp.length).to.equal(14 + 28);
    const udp = buildFrame({ ip, udp: { srcPort: 5, dstPort: 6, payload: 'hi' } });
    expect(udp[14 + 9]).to.equal(17);
    expect(transportOk(udp.subarray(26, 30), udp.subarray(30, 34), 17, udp.subarray(34))).to.equal(true);
  });

  it('splits a TCP segment into IPv4 and IPv6 fragments', () => {
    const spec = { linkType: LinkType.RAW, ip: { src: '10.0.0.1', dst: '10.0.0.2' }, tcp: { srcPort: 1, dstPort: 2, payload: Buffer.alloc(100, 7) } };
    const v4 = buildFragmentedFrames(spec, 52);
    expect(v4.length).to.equal(3); // 120 bytes of TCP in 48-byte pieces
    expect(v4.map((f) => f.readUInt16BE(6))).to.deep.equal([0x2000 | 0, 0x2000 | 6, 12]);
    expect(v4.every((f) => ipv4Ok(f))).to.equal(true);
    expect(Buffer.concat(v4.map((f) => f.subarray(20)))).to.deep.equal(buildFrame(spec).subarray(20));
    const v6 = buildFragmentedFrames({ ...spec, ip: { src: '2001:db8::1', dst: '2001:db8::2' } }, 64);
    expect(v6.length).to.equal(2);
    expect(v6[0]![6]).to.equal(44);
    expect(v6[1]!.readUInt16BE(42)).to.equal((64 / 8) << 3);
    expect(v6[0]!.readUInt16BE(42) & 1).to.equal(1);
  });
});
