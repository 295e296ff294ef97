import { expect } from 'chai';
import { LinkType } from '../../src/capture/frame.ts';
import { buildFrame } from '../../src/craft/packet-builder.ts';
import { PacketDecoder, supportsLinkType } from '../../src/decode/decoder.ts';
import { frameOf, SEG, specFrame, V4, V6 } from './frame-helper.ts';

const LINKS: Array<[string, number]> = [
  ['ETHERNET', LinkType.ETHERNET],
  ['LINUX_SLL', LinkType.LINUX_SLL],
  ['LINUX_SLL2', LinkType.LINUX_SLL2],
  ['NULL', LinkType.NULL],
  ['LOOP', LinkType.LOOP],
  ['RAW', LinkType.RAW],
];

describe('decode/link layers', () => {
  for (const [name, linkType] of LINKS) {
    for (const [ipName, ip] of [['IPv4', V4], ['IPv6', V6]] as const) {
      it(`${name} carrying ${ipName}/TCP`, () => {
        const d = new PacketDecoder();
        expect(d.decode(specFrame({ linkType, ip, tcp: SEG }))).to.equal('tcp');
        const p = d.packet;
        expect(p.ipVersion).to.equal(ipName === 'IPv4' ? 4 : 6);
        expect(p.srcAddr()).to.equal(ip.src);
        expect(p.dstAddr()).to.equal(ip.dst);
        expect([p.srcPort, p.dstPort, p.seq, p.ack, p.flags, p.window]).to.deep.equal([40000, 21, 1000, 2000, 0x18, 4321]);
        expect(p.payload().toString()).to.equal('USER anonymous\r\n');
        expect(p.segmentLength).to.equal(16);
      });
    }
  }

  it('IPV4 and IPV6 link types', () => {
    const d = new PacketDecoder();
    expect(d.decode(specFrame({ linkType: LinkType.IPV4, ip: V4, tcp: SEG }))).to.equal('tcp');
    expect(d.packet.ipOffset).to.equal(0);
    expect(d.decode(specFrame({ linkType: LinkType.IPV6, ip: V6, tcp: SEG }))).to.equal('tcp');
    expect(d.packet.srcAddr()).to.equal('2001:db8::1');
  });

  it('reports which link types it supports', () => {
    for (const [, lt] of LINKS) expect(supportsLinkType(lt)).to.equal(true);
    expect(new PacketDecoder().supportsLinkType(LinkType.IPV6)).to.equal(true);
    expect(supportsLinkType(105)).to.equal(false); // 802.11
  });

  it('unwraps 802.1Q and QinQ (0x88a8 and 0x9100) tags', () => {
    const d = new PacketDecoder();
    expect(d.decode(specFrame({ vlan: [100], ip: V4, tcp: SEG }))).to.equal('tcp');
    expect([d.packet.vlan, d.packet.innerVlan, d.packet.ipOffset]).to.deep.equal([100, -1, 18]);
    expect(d.decode(specFrame({ vlan: [10, 20], ip: V6, tcp: SEG }))).to.equal('tcp');
    expect([d.packet.vlan, d.packet.innerVlan, d.packet.ipOffset]).to.deep.equal([10, 20, 22]);
    expect(d.decode(specFrame({ vlan: [7, 8], vlanTpids: [0x9100, 0x8100], ip: V4, tcp: SEG }))).to.equal('tcp');
    expect(d.packet.innerVlan).to.equal(8);
    expect(d.packet.payload().toString()).to.equal('USER anonymous\r\n');
    // a VLAN id does not leak into the next, untagged frame
    expect(d.decode(specFrame({ ip: V4, tcp: SEG }))).to.equal('tcp');
    expect(d.packet.vlan).to.equal(-1);
  });

  it('reads VLAN tags inside Linux cooked captures', () => {
    const d = new PacketDecoder();
    const inner = buildFrame({ linkType: LinkType.RAW, ip: V4, tcp: SEG });
    const sll = Buffer.concat([Buffer.from('00000001000602000000000100008100', 'hex'), Buffer.from('00050800', 'hex'), inner]);
    expect(d.decode(frameOf(sll, LinkType.LINUX_SLL))).to.equal('tcp');
    expect(d.packet.vlan).to.equal(5);
  });

  it('detects the NULL address family in either byte order and every AF_INET6 value', () => {
    const d = new PacketDecoder();
    for (const fam of [24, 28, 30]) {
      for (const be of [false, true]) {
        expect(d.decode(specFrame({ linkType: LinkType.NULL, nullFamily: fam, nullBigEndian: be, ip: V6, tcp: SEG })), `AF ${fam} ${be}`).to.equal('tcp');
      }
    }
    expect(d.decode(specFrame({ linkType: LinkType.NULL, nullBigEndian: true, ip: V4, tcp: SEG }))).to.equal('tcp');
    expect(d.decode(specFrame({ linkType: LinkType.LOOP, nullFamily: 28, ip: V6, tcp: SEG }))).to.equal('tcp');
    // an unknown family (AF_IPX = 23 here) is not IP
    expect(d.decode(specFrame({ linkType: LinkType.NULL, nullFamily: 23, ip: V4, tcp: SEG }))).to.equal('not-ip');
  });

  it('passes over ARP, LLDP, 802.3/LLC and unsupported link types, counting them', () => {
    const d = new PacketDecoder();
    expect(d.decode(specFrame({ arp: true }))).to.equal('not-ip');
    expect(d.decode(specFrame({ linkType: LinkType.LINUX_SLL2, arp: true }))).to.equal('not-ip');
    expect(d.decode(specFrame({ etherType: 0x88cc, linkPayload: Buffer.alloc(30) }))).to.equal('not-ip');
    expect(d.decode(specFrame({ etherType: 0x0026, linkPayload: Buffer.alloc(38) }))).to.equal('not-ip'); // 802.3 length
    expect(d.decode(frameOf(Buffer.from([0x50, 1, 2, 3]), LinkType.RAW))).to.equal('not-ip'); // version 5
    expect(d.decode(frameOf(Buffer.alloc(60), 105))).to.equal('not-ip');
    expect(d.counters.notIp).to.equal(6);
    expect(d.counters.unsupportedLinkType).to.equal(1);
    expect(d.counters.frames).to.equal(6);
  });

  it('uses the IP total length, not the frame length, when Ethernet padding follows', () => {
    const d = new PacketDecoder();
    const f = specFrame({ ip: V4, tcp: { ...SEG, payload: 'ab' }, trailer: Buffer.alloc(4, 0xee) });
    expect(d.decode(f)).to.equal('tcp');
    expect(d.packet.payloadLength).to.equal(2);
    expect(d.packet.payload().toString()).to.equal('ab');
  });
});
