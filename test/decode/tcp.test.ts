import { expect } from 'chai';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { TcpFlag } from '../../src/decode/packet.ts';
import { SEG, specFrame, V4, V6 } from './frame-helper.ts';

describe('decode/tcp', () => {
  it('reads every header field and all flag bits', () => {
    const d = new PacketDecoder();
    expect(d.decode(specFrame({ ip: V4, tcp: { srcPort: 1, dstPort: 65535, seq: 0xffffffff, ack: 0x80000000, flags: 'FSRPAUEC', window: 0, urgent: 77 } }))).to.equal('tcp');
    const p = d.packet;
    expect([p.srcPort, p.dstPort, p.seq, p.ack, p.window, p.urgent, p.tcpHeaderLength]).to.deep.equal([1, 65535, 0xffffffff, 0x80000000, 0, 77, 20]);
    expect(p.flags).to.equal(0xff);
    expect(p.flags & TcpFlag.CWR).to.equal(TcpFlag.CWR);
    expect([p.payloadLength, p.segmentLength]).to.deep.equal([0, 0]);
  });

  it('reads MSS, window scale, SACK-permitted and timestamps (SYN layout)', () => {
    const d = new PacketDecoder();
    const f = specFrame({ ip: V6, tcp: { ...SEG, flags: 'S', payload: '', options: { mss: 1440, windowScale: 8, sackPermitted: true, ts: [0xfffffffe, 12345] } } });
    expect(d.decode(f)).to.equal('tcp');
    const p = d.packet;
    expect([p.mss, p.windowScale, p.sackPermitted, p.tsVal, p.tsEcr, p.tcpHeaderLength, p.optionsMalformed]).to.deep.equal([1440, 8, true, 0xfffffffe, 12345, 40, false]);
  });

  it('reads up to four SACK blocks and reuses the array between frames', () => {
    const d = new PacketDecoder();
    const arr = d.packet.sackBlocks;
    const sack: Array<[number, number]> = [[1, 2], [0xfffffff0, 0x10], [5, 6], [7, 8]];
    expect(d.decode(specFrame({ ip: V4, tcp: { ...SEG, options: { sack } } }))).to.equal('tcp');
    expect(d.packet.sackBlocks).to.deep.equal([1, 2, 0xfffffff0, 0x10, 5, 6, 7, 8]);
    expect(d.decode(specFrame({ ip: V4, tcp: { ...SEG, options: { ts: [1, 2], sack: [[9, 10]] } } }))).to.equal('tcp');
    expect(d.packet.sackBlocks).to.deep.equal([9, 10]);
    expect([d.packet.tsVal, d.packet.tsEcr]).to.deep.equal([1, 2]);
    expect(d.decode(specFrame({ ip: V4, tcp: SEG }))).to.equal('tcp');
    expect(d.packet.sackBlocks).to.have.length(0);
    expect(d.packet.sackBlocks).to.equal(arr);
    expect([d.packet.mss, d.packet.tsVal, d.packet.windowScale]).to.deep.equal([-1, -1, -1]);
  });

  it('caps a window scale above 14 at 14 (RFC 7323)', () => {
    const d = new PacketDecoder();
    d.decode(specFrame({ ip: V4, tcp: { ...SEG, options: { windowScale: 15 } } }));
    expect(d.packet.windowScale).to.equal(14);
  });

  it('skips unknown options by length and stops at EOL', () => {
    const d = new PacketDecoder();
    // MPTCP-like kind 30 (len 4), then MSS; then EOL followed by garbage that must not be read
    const raw = Buffer.from([30, 4, 0, 0, 2, 4, 0x05, 0xb4, 0, 2, 4, 0x01, 0x00]);
    expect(d.decode(specFrame({ ip: V4, tcp: { ...SEG, options: { raw } } }))).to.equal('tcp');
    expect([d.packet.mss, d.packet.optionsMalformed]).to.deep.equal([1460, false]);
  });

  it('stops at an option whose length runs past the header, still decoding the segment', () => {
    const d = new PacketDecoder();
    // MSS fine, then timestamps claiming 10 bytes with only 4 left in the header
    const raw = Buffer.from([2, 4, 0x02, 0x18, 8, 10, 0, 0]);
    expect(d.decode(specFrame({ ip: V4, tcp: { ...SEG, options: { raw } } }))).to.equal('tcp');
    expect([d.packet.mss, d.packet.tsVal, d.packet.optionsMalformed]).to.deep.equal([536, -1, true]);
    expect(d.packet.payload().toString()).to.equal('USER anonymous\r\n');
    expect(d.counters.optionsMalformed).to.equal(1);
  });

  it('stops at an option length below 2, and ignores a known kind with a wrong length', () => {
    const d = new PacketDecoder();
    expect(d.decode(specFrame({ ip: V4, tcp: { ...SEG, options: { raw: Buffer.from([3, 1, 2, 4, 5, 0xb4, 0, 0]) } } }))).to.equal('tcp');
    expect([d.packet.windowScale, d.packet.mss, d.packet.optionsMalformed]).to.deep.equal([-1, -1, true]);
    expect(d.decode(specFrame({ ip: V4, tcp: { ...SEG, options: { raw: Buffer.from([2, 3, 5, 3, 3, 6, 5, 9, 0, 0, 0, 0]) } } }))).to.equal('tcp');
    expect([d.packet.mss, d.packet.windowScale, d.packet.optionsMalformed]).to.deep.equal([-1, 6, true]);
    expect(d.packet.sackBlocks).to.have.length(0); // SACK with length 9 is not a multiple of 8 + 2
    // a lone kind byte at the very end of the header has no length byte
    expect(d.decode(specFrame({ ip: V4, tcp: { ...SEG, options: { raw: Buffer.from([1, 1, 1, 2]) } } }))).to.equal('tcp');
    expect(d.packet.optionsMalformed).to.equal(true);
  });
});
