import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkType } from '../../src/capture/frame.ts';
import { parseEndpoint, TraceBuilder } from '../../src/craft/trace-builder.ts';

// Reads the TCP fields of a crafted Ethernet/IPv4 (or IPv6) frame directly from the bytes, so
// these tests do not depend on the decoder they help to test.
function tcpOf(data: Buffer) {
  const ipOff = 14;
  const v6 = data[ipOff]! >> 4 === 6;
  const t = ipOff + (v6 ? 40 : (data[ipOff]! & 0x0f) * 4);
  const hl = (data[t + 12]! >> 4) * 4;
  return {
    seq: data.readUInt32BE(t + 4),
    ack: data.readUInt32BE(t + 8),
    flags: data[t + 13]!,
    window: data.readUInt16BE(t + 14),
    ipId: v6 ? -1 : data.readUInt16BE(ipOff + 4),
    ttl: v6 ? data[ipOff + 7]! : data[ipOff + 8]!,
    options: data.subarray(t + 20, t + hl),
    payload: data.subarray(t + hl).toString(),
  };
}

function which(cmd: string): boolean {
  try {
    execFileSync('which', [cmd], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('craft/trace-builder', () => {
  it('parses endpoints', () => {
    expect(parseEndpoint('192.0.2.1:21')).to.deep.equal({ addr: '192.0.2.1', port: 21 });
    expect(parseEndpoint('[2001:db8::1]:21')).to.deep.equal({ addr: '2001:db8::1', port: 21 });
    expect(() => parseEndpoint('nonsense')).to.throw();
  });

  it('ladders seq/ack through handshake, data, retransmission, loss and close', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21', clientIsn: 1000, serverIsn: 0xfffffff0 });
    expect(c.handshake()).to.deep.equal([1, 2, 3]);
    expect(c.nextSeq('client')).to.equal(1);
    expect(c.nextSeq('server')).to.equal(1);
    const f = t.frames();
    const syn = tcpOf(f[0]!.data);
    expect(syn).to.include({ seq: 1000, ack: 0, flags: 0x02 });
    expect(syn.options.toString('hex')).to.equal('020405b4'); // MSS 1460, no window scale by default
    expect(tcpOf(f[1]!.data)).to.include({ seq: 0xfffffff0, ack: 1001, flags: 0x12 });
    expect(tcpOf(f[2]!.data)).to.include({ seq: 1001, ack: 0xfffffff1, flags: 0x10 });

    expect(c.server('PA', '220 hi\r\n')).to.equal(4); // 8 bytes: wraps past 2^32
    expect(tcpOf(f[3]!.data)).to.include({ seq: 0xfffffff1, ack: 1001, payload: '220 hi\r\n' });
    expect(c.nextSeq('server')).to.equal(9);
    c.client('PA', 'USER a\r\n');
    expect(tcpOf(f[4]!.data)).to.include({ seq: 1001, ack: (0xfffffff0 + 9) >>> 0 });
    // retransmission of the same bytes: seq goes back, nextSeq stays
    c.client('PA', 'USER a\r\n', { seq: 1 });
    expect(tcpOf(f[5]!.data).seq).to.equal(1001);
    expect(c.nextSeq('client')).to.equal(9);
    // keep-alive style: seq one below, noAdvance
    c.client('A', Buffer.alloc(1), { seq: 8, noAdvance: true });
    expect(c.nextSeq('client')).to.equal(9);
    // a lost segment: the next one sits past the hole
    c.lose('server', '331 x\r\n');
    expect(c.nextSeq('server')).to.equal(16);
    const n = c.server('PA', '230 ok\r\n');
    expect(tcpOf(f[n - 1]!.data).seq).to.equal((0xfffffff0 + 16) >>> 0);
    // explicit ack override (a dup-ack style segment) and raw absolute numbers
    c.client('A', undefined, { ack: 9 });
    expect(tcpOf(f[t.count - 1]!.data).ack).to.equal((0xfffffff0 + 9) >>> 0);
    c.client('R', undefined, { rawSeq: 42, rawAck: 43 });
    expect(tcpOf(f[t.count - 1]!.data)).to.include({ seq: 42, ack: 43, flags: 0x04 }); // no A flag: ack as given
    expect(c.nextSeq('client')).to.equal(9);
    const close = c.close();
    expect(close).to.deep.equal([t.count - 3, t.count - 2, t.count - 1, t.count]);
    const [fin1, ack1, fin2, ack2] = close.map((k) => tcpOf(f[k - 1]!.data));
    expect(fin1).to.include({ seq: 1009, flags: 0x11 });
    expect(ack1).to.include({ ack: 1010, flags: 0x10 });
    expect(fin2!.seq).to.equal((0xfffffff0 + 24) >>> 0);
    expect(ack2).to.include({ seq: 1010, ack: (0xfffffff0 + 25) >>> 0 });
    expect(c.nextSeq('client')).to.equal(10);
    expect(c.nextSeq('server')).to.equal(25);
  });

  it('converts relative SACK edges, sets options, ttl, ip ids and windows', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '10.0.0.1:1', server: '10.0.0.2:2', clientIsn: 100, serverIsn: 5000, windowScale: 7, serverWindow: 1000, serverTtl: 120 });
    c.handshake();
    c.client('A', undefined, { options: { sack: [[10, 20]] }, window: 77, ttl: 3, ipId: 9 });
    c.client('A');
    const f = t.frames();
    expect(tcpOf(f[0]!.data).options.toString('hex')).to.equal('020405b4' + '01030307');
    expect(tcpOf(f[1]!.data)).to.include({ window: 1000, ttl: 120 });
    const sack = tcpOf(f[3]!.data);
    expect(sack).to.include({ window: 77, ttl: 3, ipId: 9 });
    expect(sack.options.toString('hex')).to.equal('0101050a' + (5010).toString(16).padStart(8, '0') + (5020).toString(16).padStart(8, '0'));
    expect(tcpOf(f[4]!.data).ipId).to.equal(10);
  });

  it('adds timestamps that echo the peer', () => {
    const t = new TraceBuilder({ start: 1000, step: 0.5 });
    const c = t.tcp({ client: '10.0.0.1:1', server: '10.0.0.2:2', timestamps: true });
    c.handshake();
    const [syn, synack, ack] = t.frames().map((x) => tcpOf(x.data).options);
    const ts = (o: Buffer) => {
      const i = o.indexOf(Buffer.from([8, 10]));
      return [o.readUInt32BE(i + 2), o.readUInt32BE(i + 6)];
    };
    expect(ts(syn!)).to.deep.equal([1_000_000, 0]);
    expect(ts(synack!)).to.deep.equal([1_000_500, 1_000_000]);
    expect(ts(ack!)).to.deep.equal([1_001_000, 1_000_500]);
  });

  it('keeps one clock and frame counter across connections', () => {
    const t = new TraceBuilder({ start: 1_700_000_000, step: 0.25 });
    const ctl = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    const data = t.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:20' });
    ctl.handshake();
    t.wait(2);
    const d = data.handshake();
    expect(d).to.deep.equal([4, 5, 6]);
    const n = ctl.client('PA', 'QUIT\r\n', { dt: 10 });
    expect(n).to.equal(7);
    const times = t.frames().map((x) => x.tsSec + x.tsNsec / 1e9 - 1_700_000_000);
    expect(times).to.deep.equal([0, 0.25, 0.5, 2.75, 3, 3.25, 13.5]);
    expect(t.frames()[1]!.tsNsec).to.equal(250_000_000);
    expect(ctl.isn('client')).to.not.equal(data.isn('client'));
  });

  it('hands out its frames piece by piece, numbering on, with the same bytes as when held whole', () => {
    const build = (t: TraceBuilder, take: (n: number) => void) => {
      const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
      const out: number[] = [...c.handshake()];
      take(3);
      out.push(c.client('PA', 'NOOP\r\n'), c.server('PA', '200 ok\r\n'));
      take(5);
      out.push(...c.close());
      return out;
    };
    const whole = new TraceBuilder({ start: 1_700_000_000 });
    const numbersWhole = build(whole, () => {});
    const pieces = new TraceBuilder({ start: 1_700_000_000 });
    const taken: ReturnType<TraceBuilder['takeFrames']> = [];
    const numbersPieces = build(pieces, (n) => {
      expect(pieces.count).to.equal(n);
      taken.push(...pieces.takeFrames());
      expect(pieces.frames()).to.deep.equal([]);
    });
    taken.push(...pieces.takeFrames());
    expect(numbersPieces).to.deep.equal(numbersWhole);
    expect(numbersPieces).to.deep.equal([1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(pieces.count).to.equal(9);
    expect(taken).to.deep.equal(whole.frames());
    // cut to a snapshot length as toPcap cuts, origLen kept
    pieces.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:20' }).client('PA', 500);
    const [cut] = pieces.takeFrames(100);
    expect(cut!.data.length).to.equal(100);
    expect(cut!.origLen).to.equal(554);
  });

  it('builds IPv6 connections and non-TCP frames', () => {
    const t = new TraceBuilder({ linkType: LinkType.ETHERNET });
    const c = t.tcp({ client: '[2001:db8::1]:40000', server: '[2001:db8::2]:21' });
    c.handshake();
    expect(t.frames()[0]!.data.readUInt16BE(12)).to.equal(0x86dd);
    expect(tcpOf(t.frames()[1]!.data).flags).to.equal(0x12);
    expect(t.udp('192.0.2.1:5000', '192.0.2.2:5001')).to.equal(4);
    expect(t.arp()).to.equal(5);
    expect(t.frames()[4]!.data.readUInt16BE(12)).to.equal(0x0806);
    expect(() => t.tcp({ client: '[2001:db8::1]:1', server: '192.0.2.2:2' })).to.throw();
  });

  it('writes pcap and pcapng headers with snaplen cuts', () => {
    const t = new TraceBuilder({ linkType: LinkType.LINUX_SLL2 });
    const c = t.tcp({ client: '10.0.0.1:1', server: '10.0.0.2:2' });
    c.handshake();
    c.client('PA', 'x'.repeat(100));
    const p = t.toPcap({ snaplen: 64 });
    expect(p.readUInt32LE(0)).to.equal(0xa1b2c3d4);
    expect(p.readUInt32LE(20)).to.equal(LinkType.LINUX_SLL2);
    // 4th record: captured 64, original 20 + 20 + 20 + 100
    let off = 24;
    for (let i = 0; i < 3; i++) off += 16 + p.readUInt32LE(off + 8);
    expect(p.readUInt32LE(off + 8)).to.equal(64);
    expect(p.readUInt32LE(off + 12)).to.equal(160);
    const ng = t.toPcapng();
    expect(ng.readUInt32LE(0)).to.equal(0x0a0d0d0a);
    expect(t.toPcap({ nanosecond: true }).readUInt32LE(0)).to.equal(0xa1b23c4d);
  });

  const tshark = which('tshark');
  (tshark ? it : it.skip)('passes tshark checksum validation on Ethernet/SLL2/NULL/RAW, IPv4 and IPv6 (needs tshark)', function () {
    const dir = mkdtempSync(join(tmpdir(), 'ftpdiag-craft-'));
    try {
      // a few link types × both IP versions (each tshark start costs ~0.3 s); the link wrappers
      // themselves are checked byte by byte in packet-builder.test.ts
      const cases: Array<[number, boolean]> = [[LinkType.ETHERNET, false], [LinkType.LINUX_SLL2, true], [LinkType.NULL, true], [LinkType.RAW, false]];
      for (const [lt, v6] of cases) {
        const t = new TraceBuilder({ linkType: lt });
        const c = v6
          ? t.tcp({ client: '[2001:db8::1]:40000', server: '[2001:db8::2]:21', timestamps: true, sackPermitted: true, windowScale: 7 })
          : t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21', timestamps: true, sackPermitted: true, windowScale: 7 });
        c.handshake();
        c.server('PA', '220 hello\r\n');
        c.client('PA', 'USER anonymous\r\n', { options: { sack: [[1, 5]] } });
        c.close();
        const file = join(dir, `lt${lt}-${v6 ? 6 : 4}.${lt === LinkType.ETHERNET ? 'pcapng' : 'pcap'}`);
        writeFileSync(file, lt === LinkType.ETHERNET ? t.toPcapng() : t.toPcap());
        const out = execFileSync('tshark', ['-r', file, '-o', 'tcp.check_checksum:TRUE', '-T', 'fields', '-e', 'tcp.checksum.status', '-e', 'tcp.seq', '-e', 'tcp.ack'],
          { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
        const rows = out.trim().split('\n').map((l) => l.split('\t'));
        expect(rows.length, `link type ${lt}`).to.equal(9);
        // status 1 = "Good"; relative seq/ack as Wireshark computes them
        expect(rows.map((r) => r[0]), `link type ${lt}`).to.deep.equal(new Array(9).fill('1'));
        expect(rows.map((r) => `${r[1]}/${r[2]}`)).to.deep.equal(['0/0', '0/1', '1/1', '1/1', '1/12', '17/12', '12/18', '12/18', '18/13']);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
