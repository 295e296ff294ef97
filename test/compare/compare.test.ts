// `ftpdiag compare`: crafted two-point captures with known differences (NAT, an ALG rewriting
// PORT, a segment lost in between, an RST injected in between, a connection dropped by a
// firewall) must come out as exactly those differences.

import { expect } from 'chai';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { compareFiles, type CompareResult } from '../../src/compare/compare.ts';
import { cli } from '../support/cli.ts';
import { writePair } from './support.ts';
import { TwoPoint } from './two-point.ts';

const OFFSET = 5.25; // B's clock is 5.25 s ahead
const DELAY = 0.0015; // 1.5 ms between the points

/** An FTP control session through NAT + ALG, plus an active data connection the firewall drops. */
function scenario(): TwoPoint {
  const tp = new TwoPoint({ offset: OFFSET, delay: DELAY }, { clientA: '192.0.2.1:40000', clientB: '198.51.100.254:40000', server: '198.51.100.2:21' });
  tp.send('client', 'S', undefined, { a: { options: { mss: 1460 } }, b: { options: { mss: 1460 } } });
  tp.send('server', 'SA', undefined, { a: { options: { mss: 1460 } }, b: { options: { mss: 1460 } } });
  tp.send('client', 'A');
  tp.send('server', 'PA', '220 ready\r\n');
  tp.send('client', 'PA', 'USER anonymous\r\n');
  tp.send('server', 'PA', '331 password\r\n');
  tp.send('client', 'PA', 'PASS x\r\n');
  tp.send('server', 'PA', '230 logged in\r\n');
  // the ALG rewrites the PORT command (5 bytes longer): later seq/acks shift by 5 in B
  tp.send('client', 'PA', 'PORT 192,0,2,1,156,65\r\n', { bPayload: 'PORT 198,51,100,254,156,65\r\n' });
  tp.send('server', 'PA', '200 PORT ok\r\n');
  // NOOP lost between A and B, retransmitted 0.2 s later
  const lostSeq = tp.la.nextSeq('client');
  // (the NAT keeps IP IDs: both copies of the retransmission carry the same, the lost original another)
  tp.only('a', 'client', 'PA', 'NOOP\r\n', { ipId: 0x1fff });
  tp.send('client', 'PA', 'NOOP\r\n', { gap: 0.2, a: { seq: lostSeq, noAdvance: true, ipId: 0x2000 }, b: { ipId: 0x2000 } });
  tp.send('server', 'PA', '200 ok\r\n');
  // a firewall between the points forges an RST toward the client
  tp.only('a', 'server', 'R', undefined, { ttl: 64, ipId: 0 });
  return tp;
}

describe('compare: two crafted capture points', () => {
  let r: CompareResult;
  let f: { a: string; b: string; dir: string };
  before(async () => {
    f = writePair(scenario());
    r = await compareFiles(f.a, f.b);
  });
  after(() => rmSync(f.dir, { recursive: true, force: true }));

  it('matches the connection through NAT by its ISNs and reports the translation', () => {
    expect(r.totals.matched).to.equal(1);
    expect(r.sameTraffic.verdict).to.equal('yes');
    const c = r.connections[0]!;
    expect(c.matchedBy).to.include.members(['client ISN', 'server ISN']);
    expect(c.evidence[0]).to.equal('client and server ISNs');
    expect(c.nat).to.deep.equal(['client 192.0.2.1:40000 (A) appears as 198.51.100.254:40000 (B)']);
  });

  it('estimates the clock offset and the one-way delays', () => {
    expect(r.clock.offset).to.be.closeTo(OFFSET, 1e-4);
    expect(r.clock.minDelay).to.be.closeTo(DELAY, 1e-4);
    expect(r.clock.consistent).to.equal(true);
    for (const d of r.connections[0]!.directions) {
      expect(d.delay!.min, d.sender).to.be.closeTo(DELAY, 1e-4);
      expect(d.delay!.max, d.sender).to.be.closeTo(DELAY, 1e-4);
    }
    expect(r.sides).to.deep.equal({ a: ['192.0.2.1'], b: ['198.51.100.2'] });
  });

  it('shows the PORT command rewritten in between and the shifted stream', () => {
    const c2s = r.connections[0]!.directions[0]!;
    expect(c2s.sender).to.equal('client');
    expect(c2s.upstream).to.equal('a');
    expect(c2s.changed).to.equal(1);
    expect(c2s.changes).to.have.length(1);
    expect(c2s.changes[0]!.what).to.deep.equal(['payload "PORT 192,0,2,1,156,65\\r\\n" → "PORT 198,51,100,254,156,65\\r\\n"']);
    expect(c2s.lengthShift).to.equal(5);
    // every segment after the rewrite still pairs exactly (positions mapped through the shift)
    expect(c2s.matched).to.equal(c2s.packets.b - 1);
    expect(c2s.ttlHops).to.deep.equal([{ hops: 1, count: c2s.packets.b }]);
  });

  it('lists the NOOP lost between the points (not its retransmission) and the injected RST', () => {
    const [c2s, s2c] = r.connections[0]!.directions;
    expect(c2s!.lost.count).to.equal(1);
    expect(c2s!.lost.packets[0]!.text).to.equal('NOOP\r\n');
    expect(c2s!.lost.packets[0]!.frame).to.equal(11);
    expect(c2s!.injected.count).to.equal(0);
    expect(s2c!.upstream).to.equal('b');
    expect(s2c!.injected.count).to.equal(1);
    expect(s2c!.injected.packets[0]).to.include({ capture: 'a', flags: "RST", frame: 14 });
    expect(s2c!.lost.count).to.equal(0);
    expect(s2c!.changed).to.equal(0);
    expect(r.totals).to.include({ lost: 1, injected: 1, changed: 1, onlyA: 0, onlyB: 0 });
  });

  it('prints text and JSON through the CLI', async () => {
    const text = await cli(['compare', f.a, f.b, '--width', '1000']);
    expect(text.code).to.equal(0);
    const out = text.out;
    expect(out).to.contain("Clock: B's clock is 5250.0 ms ahead of A's");
    expect(out).to.contain('NAT: client 192.0.2.1:40000 (A) appears as 198.51.100.254:40000 (B)');
    expect(out).to.contain('lost between A and B (seen in A only) (1 segment):');
    expect(out).to.contain('A#11 PSH ACK seq 48 len 6 "NOOP\\r\\n"');
    expect(out).to.contain('appeared between B and A: injected (seen in A only) (1 segment):');
    expect(out).to.match(/changed A#\d+ → B#\d+: payload "PORT 192,0,2,1,156,65\\r\\n" → "PORT 198,51,100,254,156,65\\r\\n"/);
    const json = await cli(['compare', '--json', f.a, f.b]);
    expect(json.code).to.equal(0);
    const j = JSON.parse(json.out) as CompareResult & { version: number };
    expect(j.version).to.equal(1);
    expect(j.totals).to.deep.equal(r.totals);
  });
});

describe('compare: connections seen at one point only', () => {
  it('a data connection whose SYN a firewall drops (A only, lost) and one the other capture lacks', async () => {
    const tp = scenario();
    // the server opens an active data connection from port 20: the firewall drops its SYNs
    const d = tp.b.tcp({ client: '198.51.100.2:20', server: '198.51.100.254:40001', clientIsn: 0x99, serverIsn: 0x77 });
    d.client('S');
    d.client('S', undefined, { dt: 1, noAdvance: true, seq: 0 });
    const f = writePair(tp);
    try {
      const r = await compareFiles(f.a, f.b);
      expect(r.totals).to.include({ matched: 1, onlyA: 0, onlyB: 1 });
      const lone = r.connections.find((c) => c.a === null)!;
      expect(lone.b).to.deep.include({ client: '198.51.100.2:20', server: '198.51.100.254:40001' });
      const c2s = lone.directions[0]!;
      // the sender (the server host) is on B's side: its segments never reached A
      expect(c2s.upstream).to.equal('b');
      expect(c2s.lost.count).to.equal(2);
      expect(c2s.lost.packets.map((p) => p.flags)).to.deep.equal(['SYN', 'SYN']);
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  });

  it('an unrelated pair of captures matches nothing and says so', async () => {
    const x = new TwoPoint({ offset: 0, delay: 0.001 }, { clientA: '192.0.2.7:1000', clientB: '192.0.2.7:1000', server: '192.0.2.8:21', clientIsn: 1, serverIsn: 2 });
    x.send('client', 'S');
    const y = new TwoPoint({ offset: 0, delay: 0.001 }, { clientA: '192.0.2.9:2000', clientB: '192.0.2.9:2000', server: '192.0.2.10:21', clientIsn: 3, serverIsn: 4 });
    y.send('client', 'S');
    const dir = mkdtempSync(join(tmpdir(), 'ftpdiag-compare-'));
    try {
      writeFileSync(join(dir, 'x.pcap'), x.a.toPcap());
      writeFileSync(join(dir, 'y.pcap'), y.b.toPcap());
      const r = await compareFiles(join(dir, 'x.pcap'), join(dir, 'y.pcap'));
      expect(r.totals).to.include({ matched: 0, onlyA: 1, onlyB: 1 });
      expect(r.sameTraffic).to.deep.include({ verdict: 'no', summary: 'no connection of A shares an ISN, a payload or its ports with one of B' });
      expect(r.clock.offset).to.equal(null);
      expect(r.connections.every((c) => c.directions.every((d) => d.upstream === null))).to.equal(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('compare: header rewrites', () => {
  it('a firewall that randomises the client ISN, clamps the MSS and rewrites a window: matched by the server ISN', async () => {
    const tp = new TwoPoint({ offset: -2, delay: 0.004 }, { clientA: '192.0.2.1:40000', clientB: '192.0.2.1:40000', server: '198.51.100.2:21', clientIsnB: 0x0badcafe });
    tp.send('client', 'S', undefined, { a: { options: { mss: 1460, sackPermitted: true } }, b: { options: { mss: 1200, sackPermitted: true } } });
    tp.send('server', 'SA', undefined, { a: { options: { mss: 1460 } }, b: { options: { mss: 1460 } } });
    tp.send('client', 'A');
    tp.send('server', 'PA', '220 ready\r\n');
    tp.send('client', 'PA', 'USER anonymous\r\n', { a: { window: 1000 }, b: { window: 2000 } });
    tp.send('server', 'PA', '331 password\r\n');
    const f = writePair(tp);
    try {
      const r = await compareFiles(f.a, f.b);
      expect(r.totals).to.include({ matched: 1, lost: 0, injected: 0 });
      const c = r.connections[0]!;
      expect(c.matchedBy).to.include('server ISN').and.to.include('payload').and.not.include('client ISN');
      expect(c.nat).to.deep.equal([]);
      expect(r.clock.offset).to.be.closeTo(-2, 1e-4);
      const c2s = c.directions[0]!;
      expect(c2s.seqShift).to.equal((0x0badcafe - 0x11223344) | 0);
      expect(c2s.synOptions).to.deep.equal({ a: 'mss 1460, sackOK', b: 'mss 1200, sackOK' });
      expect(c2s.optionsChanged).to.equal(1);
      expect(c2s.windowChanged).to.equal(1);
      expect(c2s.changes[0]!.what).to.deep.equal(['SYN options "mss 1460, sackOK" → "mss 1200, sackOK"']);
      // the clamped SYN is a changed segment (its options in words differ), the window rewrite a counted header change
      expect(c2s.changed).to.equal(1);
      expect(c2s.matched + c2s.changed, 'every segment still pairs: positions are relative to each capture’s ISN').to.equal(c2s.packets.a);
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  });
});

describe('compare: passwords', () => {
  it('a PASS listed as lost is REDACTED in text and JSON unless --show-passwords', async () => {
    const tp = new TwoPoint({ offset: 0, delay: 0.001 }, { clientA: '192.0.2.1:40000', clientB: '192.0.2.1:40000', server: '198.51.100.2:21' });
    tp.send('client', 'S');
    tp.send('server', 'SA');
    tp.send('client', 'A');
    tp.send('server', 'PA', '331 password\r\n');
    tp.only('a', 'client', 'PA', 'PASS s3cret\r\n');
    const f = writePair(tp);
    try {
      for (const json of [false, true]) {
        const hidden = await cli(['compare', f.a, f.b, ...(json ? ['--json'] : [])]);
        expect(hidden.code).to.equal(0);
        expect(hidden.out).to.contain('PASS REDACTED').and.not.contain('s3cret');
        const shown = await cli(['compare', f.a, f.b, '--show-passwords', ...(json ? ['--json'] : [])]);
        expect(shown.out).to.contain('PASS s3cret');
      }
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  });
});
