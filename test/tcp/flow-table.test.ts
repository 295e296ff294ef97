// The flow table under tuples an attacker chooses: the hash is keyed per table, so sets that
// all shared one bucket under the old unkeyed mix (equal (sport + 1) ^ srcIP; a sweep where
// address and port both increment) spread out, and a chain past MAX_CHAIN gets a new key.
// Measured on bucket occupancy, not on time (timings belong to the bench).

import { expect } from 'chai';
import { buildFrame } from '../../src/craft/packet-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import type { DecodedPacket } from '../../src/decode/packet.ts';
import { FlowKey, FlowTable, type FlowTableOptions } from '../../src/tcp/flow-table.ts';

const decoder = new PacketDecoder();
let frameNo = 0;
// one frame per family, its addresses and ports rewritten for each packet (the decoder does not
// check checksums): building 10^5 frames would cost more than the table
const templates = {
  4: buildFrame({ ip: { src: '192.0.2.1', dst: '192.0.2.2' }, tcp: { srcPort: 1, dstPort: 2, flags: 'S' } }),
  6: buildFrame({ ip: { src: '2001:db8::1', dst: '2001:db8::2' }, tcp: { srcPort: 1, dstPort: 2, flags: 'S' } }),
};

/** An address: an IPv4 number, or an IPv6 one (2001:db8::/96 plus the number). */
type Addr = { v6: boolean; x: number };
type Tuple = [src: Addr, sport: number, dst: Addr, dport: number];
const v4 = (x: number): Addr => ({ v6: false, x: x >>> 0 });
const v6 = (x: number): Addr => ({ v6: true, x: x >>> 0 });

/** The decoded packet src:sport → dst:dport (valid until the next call). */
function packet(src: Addr, sport: number, dst: Addr, dport: number): DecodedPacket {
  const data = templates[src.v6 ? 6 : 4];
  const [ip, len, tcp] = src.v6 ? [14 + 8, 16, 54] : [14 + 12, 4, 34];
  data.writeUInt32BE(src.x, ip + len - 4);
  data.writeUInt32BE(dst.x, ip + 2 * len - 4);
  data.writeUInt16BE(sport, tcp);
  data.writeUInt16BE(dport, tcp + 2);
  const n = ++frameNo;
  if (decoder.decode({ number: n, offset: 0, tsSec: 0, tsNsec: 0, time: n, linkType: 1, interfaceId: 0, capLen: data.length, origLen: data.length, data }) !== 'tcp') throw new Error('not TCP');
  return decoder.packet;
}

/** The most flows that share one bucket key. */
function fullestBucket(flows: readonly FlowKey[]): number {
  const n = new Map<number, number>();
  let most = 0;
  for (const f of flows) {
    const k = (n.get(f.hash) ?? 0) + 1;
    n.set(f.hash, k);
    if (k > most) most = k;
  }
  return most;
}

/** Inserts every tuple (as a SYN from its source), then finds each from both directions. */
function fill(tuples: readonly Tuple[], opts: FlowTableOptions = {}): FlowTable<FlowKey> & { flows: FlowKey[] } {
  const table = new FlowTable<FlowKey>(opts) as FlowTable<FlowKey> & { flows: FlowKey[] };
  const flows: FlowKey[] = (table.flows = []);
  for (const [s, sp, d, dp] of tuples) {
    if (table.find(packet(s, sp, d, dp)) !== null) throw new Error('a new tuple was found');
    const f = new FlowKey();
    table.insert(f);
    flows.push(f);
  }
  tuples.forEach(([s, sp, d, dp], i) => {
    if (table.find(packet(s, sp, d, dp)) !== flows[i] || !table.fromA) throw new Error(`flow ${i} not found from its source`);
    if (table.find(packet(d, dp, s, sp)) !== flows[i] || table.fromA) throw new Error(`flow ${i} not found from its destination`);
  });
  return table;
}

describe('tcp/flow-table: keyed hash, bounded buckets', function () {
  this.timeout(120_000);
  const N = 64_000;
  const SERVER = v4(0xc6336402); // 198.51.100.2

  const sets: Array<[string, () => Tuple[]]> = [
    // all in one bucket under the old hash: (sport + 1) ^ srcIP equal for every tuple
    ['equal (sport + 1) ^ srcIP', () => Array.from({ length: N }, (_, i) => {
      const sport = 1024 + (i % 60000);
      return [v4((0x0a000000 ^ (sport + 1)) + (Math.floor(i / 60000) << 20)), sport, SERVER, 21];
    })],
    ['address and port both incrementing', () => Array.from({ length: N }, (_, i) => [v4(0x0a000000 + i), 1024 + i, SERVER, 21])],
    ['IPv6, address and port both incrementing', () => Array.from({ length: N }, (_, i) => [v6(i), 1024 + i, v6(0xffff0002), 21])],
    ['one client, every source port', () => Array.from({ length: N }, (_, i) => [v4(0xc0000201), 1024 + i, SERVER, 21])],
  ];
  for (const [name, make] of sets) {
    it(`${name}: ${N.toLocaleString('en-US')} flows, no bucket holds more than 4, each found from both sides`, () => {
      const table = fill(make());
      expect(table.size).to.equal(N);
      expect(fullestBucket(table.flows)).to.be.at.most(4);
      expect(table.longestChain).to.be.at.most(4);
      expect(table.rekeys).to.equal(0);
    });
  }

  it('draws the key per table: the same tuples fall into other buckets', () => {
    const tuples: Tuple[] = Array.from({ length: 32 }, (_, i) => [v4(0xc0000201), 40000 + i, v4(0xc6336402), 21]);
    const hashes = () => {
      const t = new FlowTable<FlowKey>();
      return tuples.map(([s, sp, d, dp]) => {
        t.find(packet(s, sp, d, dp));
        const f = new FlowKey();
        t.insert(f);
        return f.hash;
      });
    };
    expect(hashes()).to.not.deep.equal(hashes());
    // a fixed key gives the same buckets (the hash is a function of key and tuple only)
    const fixed = (key: [number, number]) => fill(tuples, { key }).longestChain;
    expect(fixed([1, 2])).to.equal(fixed([1, 2]));
  });

  it('a chain past MAX_CHAIN (8) gets the table a new key; every flow is still found', () => {
    // 6-bit buckets: long chains whatever the key, so new keys are taken at each doubling only
    const tuples: Tuple[] = Array.from({ length: 3000 }, (_, i) => [v4(0xc0000200 + i), 2000 + (i % 7), v4(0xc6336402), 21]);
    const table = fill(tuples, { key: [7, 11], hashBits: 6 });
    expect(table.rekeys).to.be.within(1, 12);
  });
});
