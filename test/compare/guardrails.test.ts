// `ftpdiag compare`'s guardrails: it says whether A and B can be the same traffic, with the
// evidence, and claims NAT, loss, injection or a change only when they are. Crafted pairs: the
// same traffic through NAT, with loss and an injected RST, with a large clock offset, with B's
// clock stepping, with B's capture stopping early; look-alike sessions (same ports and payload,
// other ISNs and timing); a pair sharing only a few segments. And every pair of unrelated real
// captures of captures/.

import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compareFiles, type CompareResult } from '../../src/compare/compare.ts';
import { cli } from '../support/cli.ts';
import { writePair } from './support.ts';
import { TwoPoint } from './two-point.ts';

type Side = 'client' | 'server';

const NAT = { clientA: '192.0.2.1:40000', clientB: '198.51.100.254:40000', server: '198.51.100.2:21' };

/** A control session after the handshake; `reply`: the server's reply times in turn (seconds). */
const DIALOG: Array<[Side, string]> = [
  ['server', '220 ready\r\n'],
  ['client', 'USER anonymous\r\n'],
  ['server', '331 password\r\n'],
  ['client', 'PASS guest\r\n'],
  ['server', '230 logged in\r\n'],
  ['client', 'TYPE I\r\n'],
  ['server', '200 Switching to Binary mode.\r\n'],
  ['client', 'PASV\r\n'],
  ['server', '227 Entering Passive Mode (198,51,100,2,195,80).\r\n'],
  ['client', 'RETR file.bin\r\n'],
  ['server', '150 Opening BINARY mode data connection\r\n'],
  ['server', '226 Transfer complete.\r\n'],
  ['client', 'QUIT\r\n'],
  ['server', '221 Goodbye.\r\n'],
];

function handshake(tp: TwoPoint): void {
  tp.send('client', 'S');
  tp.send('server', 'SA');
  tp.send('client', 'A');
}

function dialog(tp: TwoPoint, reply: number[] = [0.005], from = 0, to = DIALOG.length): void {
  let k = 0;
  for (const [side, text] of DIALOG.slice(from, to)) tp.send(side, 'PA', text, { gap: side === 'server' ? reply[k++ % reply.length]! : 0.01 });
}

/** The same traffic through a NAT, B's clock `offset` ahead. */
function natSession(offset = 0.25, delay = 0.0015): TwoPoint {
  const tp = new TwoPoint({ offset, delay }, { ...NAT, clientIsn: 0x3c1a9e07, serverIsn: 0x9b2f4410 });
  handshake(tp);
  dialog(tp);
  return tp;
}

async function compared(a: Buffer, b: Buffer, args: string[] = []): Promise<{ r: CompareResult; text: string; code: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'ftpdiag-i26-'));
  try {
    writeFileSync(join(dir, 'a.pcap'), a);
    writeFileSync(join(dir, 'b.pcap'), b);
    const r = await compareFiles(join(dir, 'a.pcap'), join(dir, 'b.pcap'));
    // wide enough that no line wraps: the tests read sentences
    const t = await cli(['compare', join(dir, 'a.pcap'), join(dir, 'b.pcap'), '--width', '1000', ...args]);
    return { r, text: t.out, code: t.code };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** What every comparison must hold: no negative one-way delay, no change whose before and after
 *  read the same, no claim unless the captures are the same traffic. */
function expectSound(r: CompareResult, text: string): void {
  for (const c of r.connections) {
    for (const d of c.directions) {
      if (d.delay) expect(d.delay.min, 'a negative one-way delay').to.be.at.least(0);
      for (const ch of d.changes) {
        expect(ch.what, 'a change with nothing in it').to.not.be.empty;
        for (const w of ch.what) {
          const [before, after] = w.split(' → ');
          if (after !== undefined) expect(before!.endsWith(` ${after}`), `"changed" with the same before and after: ${w}`).to.equal(false);
          else expect(w).to.not.match(/moved by 0\b/);
        }
      }
    }
  }
  for (const line of text.split('\n')) {
    expect(line, 'a negative delay printed').to.not.match(/delay -|delay −/);
    const m = /^\s*changed A#\d+ → B#\d+: (.*)$/.exec(line);
    if (m) for (const w of m[1]!.split('; ')) expect(w.split(' → ').length === 2 && w.split(' → ')[0]!.endsWith(` ${w.split(' → ')[1]}`), line).to.equal(false);
  }
  if (r.sameTraffic.verdict !== 'yes') {
    expect(r.totals, 'claims between captures not shown to be the same traffic').to.include({ matched: 0, lost: 0, injected: 0, changed: 0 });
    expect(r.connections.flatMap((c) => c.nat)).to.deep.equal([]);
    expect(text).to.contain('No NAT, loss, injection or change is claimed');
  }
}

describe('compare guardrails: the same traffic', () => {
  it('through NAT: the same traffic, identified by its ISNs, with the NAT mapping; exit 0', async () => {
    const tp = natSession();
    const { r, text, code } = await compared(tp.a.toPcap(), tp.b.toPcap());
    expectSound(r, text);
    expect(r.sameTraffic.verdict).to.equal('yes');
    expect(r.sameTraffic.summary).to.contain('1 by ISN');
    const c = r.connections[0]!;
    expect(c.evidence).to.include('client and server ISNs').and.include('one-way delays consistent');
    expect(c.nat).to.deep.equal(['client 192.0.2.1:40000 (A) appears as 198.51.100.254:40000 (B)']);
    expect(r.totals).to.include({ matched: 1, lost: 0, injected: 0, changed: 0 });
    expect(text).to.match(/^Same traffic: yes — 1 connection in both \(1 by ISN\)/m);
    expect(text).to.contain('same connection: client and server ISNs');
    expect(code).to.equal(0);
  });

  it('with loss and an injected RST in between: says so, and --fail-on lost / injected exit 1', async () => {
    const tp = natSession();
    tp.only('a', 'client', 'PA', 'NOOP\r\n'); // dropped in between
    tp.only('a', 'server', 'R'); //              forged toward the client
    tp.only('b', 'client', 'R'); //              forged toward the server
    const { r, text, code } = await compared(tp.a.toPcap(), tp.b.toPcap());
    expectSound(r, text);
    expect(r.sameTraffic.verdict).to.equal('yes');
    const [c2s, s2c] = r.connections[0]!.directions;
    expect(c2s!.lost.packets.map((p) => p.text)).to.deep.equal(['NOOP\r\n']);
    expect(c2s!.injected.packets.map((p) => p.flags)).to.deep.equal(['RST']);
    expect(s2c!.injected.packets.map((p) => [p.capture, p.flags])).to.deep.equal([['a', 'RST']]);
    expect(r.totals).to.include({ lost: 1, injected: 2 });
    expect(code, 'loss is not in the default --fail-on').to.equal(0);
    const f = writePair(tp);
    try {
      expect((await cli(['compare', f.a, f.b, '--fail-on', 'lost'])).code).to.equal(1);
      expect((await cli(['compare', f.a, f.b, '--fail-on', 'injected'])).code).to.equal(1);
      expect((await cli(['compare', f.a, f.b, '--fail-on', 'changed'])).code).to.equal(0);
      expect((await cli(['compare', f.a, f.b, '--fail-on', 'changed,injected'])).code).to.equal(1);
      expect((await cli(['compare', f.a, f.b, '--fail-on', 'changed', '--fail-on', 'lost'])).code).to.equal(1);
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  });

  it('both captures began after the handshake: identified by the TCP timestamps both points saw', async () => {
    const tp = new TwoPoint({ offset: 0.5, delay: 0.002 }, { ...NAT, clientIsn: 0x600d1dea, serverIsn: 0x0ddba11 });
    handshake(tp);
    tp.a.frames().splice(0, 3);
    tp.startB();
    let tsVal = { client: 500_000, server: 9_000_000 };
    for (const [side, text] of DIALOG.slice(0, 6)) {
      const peer = side === 'client' ? 'server' : 'client';
      tsVal = { ...tsVal, [side]: tsVal[side] + 7 };
      const ts: [number, number] = [tsVal[side], tsVal[peer]];
      tp.send(side, 'PA', text, { a: { options: { ts } }, b: { options: { ts } } });
    }
    const { r, text } = await compared(tp.a.toPcap(), tp.b.toPcap());
    expectSound(r, text);
    expect(r.sameTraffic.verdict).to.equal('yes');
    expect(r.sameTraffic.summary).to.contain('1 by TCP timestamps');
    expect(r.connections[0]!.evidence[0]).to.equal('TCP timestamps identical on 6 segments');
    expect(r.clock.offset).to.be.closeTo(0.5, 1e-4);
  });

  for (const offset of [3723.125, -86400.5]) {
    it(`with B's clock ${offset} s off: matched, the offset estimated, the delays right`, async () => {
      const tp = natSession(offset, 0.004);
      const { r, text } = await compared(tp.a.toPcap(), tp.b.toPcap());
      expectSound(r, text);
      expect(r.sameTraffic.verdict).to.equal('yes');
      expect(r.clock.offset).to.be.closeTo(offset, 1e-4);
      for (const d of r.connections[0]!.directions) expect(d.delay!.min, d.sender).to.be.closeTo(0.004, 1e-4);
      expect(r.totals).to.include({ matched: 1, lost: 0, injected: 0 });
    });
  }

  it("B's clock steps mid-connection: the match stands on its ISNs, the clock is blamed and no delay is given", async () => {
    const tp = new TwoPoint({ offset: 0, delay: 0.002 }, { ...NAT, clientIsn: 0x1d2e3f40, serverIsn: 0x51627384 });
    handshake(tp);
    dialog(tp, [0.005], 0, 7);
    tp.stepB(0.5); // B's clock jumps half a second ahead
    dialog(tp, [0.005], 7);
    const { r, text, code } = await compared(tp.a.toPcap(), tp.b.toPcap());
    expectSound(r, text);
    expect(r.sameTraffic.verdict).to.equal('yes');
    const c = r.connections[0]!;
    expect(c.note).to.match(/arrived [\d.]+ ms or more before they were sent/).and.contain('so the clock is wrong, not the match');
    expect(c.directions.map((d) => d.delay)).to.deep.equal([null, null]);
    expect(r.clock.offset).to.equal(null);
    expect(r.clock.note).to.contain('a capture clock stepped');
    expect(text).to.contain('note: its one-way delays are not given');
    expect(code).to.equal(0);
  });

  it("B's capture stops early: what A saw later is not called lost or injected", async () => {
    const tp = natSession();
    tp.stopB();
    tp.send('client', 'PA', 'PASV\r\n');
    tp.send('server', 'PA', '227 Entering Passive Mode (198,51,100,2,195,81).\r\n');
    tp.send('client', 'PA', 'NOOP\r\n');
    tp.send('server', 'PA', '200 NOOP ok.\r\n');
    const { r, text } = await compared(tp.a.toPcap(), tp.b.toPcap());
    expectSound(r, text);
    expect(r.sameTraffic.verdict).to.equal('yes');
    expect(r.totals).to.include({ lost: 0, injected: 0, outside: 4 });
    expect(text).to.contain('seen in A only, while B was not capturing (not judged) (2 segments):');
  });
});

describe('compare guardrails: not the same traffic', () => {
  /** Two sessions of the same shape: same addresses, ports and dialog, their own ISNs and timing. */
  function lookAlikes(): [TwoPoint, TwoPoint] {
    const x = new TwoPoint({ offset: 0, delay: 0.001 }, { ...NAT, clientIsn: 0x0a0b0c0d, serverIsn: 0x1a1b1c1d });
    const y = new TwoPoint({ offset: 0, delay: 0.001 }, { ...NAT, clientIsn: 0x7a7b7c7d, serverIsn: 0x6a6b6c6d });
    handshake(x);
    handshake(y);
    dialog(x, [0.004, 0.03, 0.006, 0.05]);
    dialog(y, [0.03, 0.005, 0.04, 0.002]);
    return [x, y];
  }

  it('look-alike sessions (same ports and payload, other ISNs and timing): not the same, exit 1', async () => {
    const [x, y] = lookAlikes();
    const { r, text, code } = await compared(x.a.toPcap(), y.b.toPcap());
    expectSound(r, text);
    expect(r.sameTraffic.verdict).to.equal('no');
    expect(r.sameTraffic.rejected).to.have.length(1);
    expect(r.sameTraffic.rejected[0]).to.include({ a: 0, b: 0, verdict: 'different' });
    expect(text).to.match(/^Same traffic: no — no connection of A is one of B: A#0 and B#0 share /m);
    expect(r.clock.offset).to.equal(null);
    expect(code, 'no-match is in the default --fail-on').to.equal(1);
  });

  it('look-alikes without their handshakes (no ISN to compare): the timing alone tells them apart', async () => {
    const [x, y] = lookAlikes();
    // both captures began after the handshake
    const skip = (tp: TwoPoint, point: 'a' | 'b') => {
      const frames = (point === 'a' ? tp.a : tp.b).frames();
      frames.splice(0, 3);
    };
    skip(x, 'a');
    skip(y, 'b');
    const { r, text, code } = await compared(x.a.toPcap(), y.b.toPcap());
    expectSound(r, text);
    expect(r.sameTraffic.verdict).to.equal('no');
    expect(r.sameTraffic.rejected[0]!.reason).to.match(/at any clock offset some of its segments would have arrived [\d.]+ ms or more before they were sent/);
    expect(code).to.equal(1);
  });

  it('with --fail-on none the exit status is 0, with any other value 1 (nothing could be checked)', async () => {
    const [x, y] = lookAlikes();
    for (const [args, want] of [[['--fail-on', 'none'], 0], [['--fail-on', 'lost'], 1], [['--fail-on', 'changed,injected'], 1], [['--fail-on', 'no-match'], 1]] as const) {
      const { code } = await compared(x.a.toPcap(), y.b.toPcap(), [...args]);
      expect(code, args.join(' ')).to.equal(want);
    }
  });

  it('a bad --fail-on value is a usage error (exit 2)', async () => {
    const tp = natSession();
    for (const v of ['lots', 'none,lost', '']) {
      const { code } = await compared(tp.a.toPcap(), tp.b.toPcap(), ['--fail-on', v]);
      expect(code, JSON.stringify(v)).to.equal(2);
    }
  });

  it('a pair sharing only a few segments: cannot judge, claims nothing, says why', async () => {
    // A saw the whole session; B started capturing after the handshake and the login, and stopped
    // one exchange later: a few segments in common, no SYN, no timestamps
    const tp = new TwoPoint({ offset: 0.1, delay: 0.001 }, { ...NAT, clientIsn: 0x2b3c4d5e, serverIsn: 0x3c4d5e6f });
    handshake(tp);
    dialog(tp, [0.005], 0, 5);
    tp.startB();
    dialog(tp, [0.005], 5, 7);
    tp.stopB();
    dialog(tp, [0.005], 7);
    const { r, text, code } = await compared(tp.a.toPcap(), tp.b.toPcap());
    expectSound(r, text);
    expect(r.sameTraffic.verdict).to.equal('unknown');
    expect(r.sameTraffic.summary).to.match(/^A#0 and B#0 cannot be judged: only 2 segments are identical at both points/);
    expect(text).to.match(/^Same traffic: cannot judge — /m);
    expect(text).to.contain('the evidence is too weak to say they are the same traffic');
    expect(code).to.equal(1);
    expect((await compared(tp.a.toPcap(), tp.b.toPcap(), ['--fail-on', 'none'])).code).to.equal(0);
  });

  it('two unrelated sessions with different servers and ports: not the same traffic', async () => {
    const x = new TwoPoint({ offset: 0, delay: 0.001 }, { clientA: '192.0.2.7:41000', clientB: '192.0.2.7:41000', server: '192.0.2.8:21', clientIsn: 0x11111111, serverIsn: 0x22222222 });
    const y = new TwoPoint({ offset: 0, delay: 0.001 }, { clientA: '192.0.2.9:52000', clientB: '192.0.2.9:52000', server: '192.0.2.10:21', clientIsn: 0x33333333, serverIsn: 0x44444444 });
    for (const tp of [x, y]) handshake(tp);
    dialog(x, [0.01, 0.002]);
    dialog(y, [0.002, 0.02]);
    const { r, text, code } = await compared(x.a.toPcap(), y.b.toPcap());
    expectSound(r, text);
    expect(r.sameTraffic.verdict).to.equal('no');
    expect(code).to.equal(1);
  });
});

describe('compare guardrails: what "changed" means', () => {
  it('a SYN whose timestamp alone differs is a header rewrite (counted), not a change', async () => {
    const tp = new TwoPoint({ offset: 0, delay: 0.001 }, { ...NAT, clientIsn: 0x01020304, serverIsn: 0x05060708 });
    tp.send('client', 'S', undefined, { a: { options: { mss: 1460, ts: [1000, 0] } }, b: { options: { mss: 1460, ts: [987654, 0] } } });
    tp.send('server', 'SA', undefined, { a: { options: { mss: 1460 } }, b: { options: { mss: 1460 } } });
    tp.send('client', 'A');
    dialog(tp, [0.005], 0, 3);
    const { r, text } = await compared(tp.a.toPcap(), tp.b.toPcap());
    expectSound(r, text);
    const c2s = r.connections[0]!.directions[0]!;
    expect(c2s.changes).to.deep.equal([]);
    expect(c2s.changed).to.equal(0);
    expect(c2s.optionsChanged).to.equal(1);
    expect(text).to.contain('TCP options changed on 1').and.not.contain('SYN options "mss 1460, ts"');
  });

  it('payloads that differ but read alike once redacted are a change without a before-equals-after line', async () => {
    const tp = natSession();
    tp.send('client', 'PA', 'PASS first\r\n', { bPayload: 'PASS second\r\n' });
    tp.send('server', 'PA', '230 logged in\r\n');
    const { r, text } = await compared(tp.a.toPcap(), tp.b.toPcap());
    expectSound(r, text);
    const c2s = r.connections[0]!.directions[0]!;
    expect(c2s.changed).to.equal(1);
    expect(c2s.changes[0]!.what).to.deep.equal(['payload changed (12 → 13 bytes, its text redacted)']);
    expect(text).to.not.contain('second').and.not.contain('first');
    // the two-point ladder draws the change the same way
    const f = writePair(tp);
    try {
      const ladder = await cli(['compare', f.a, f.b, '--ladder']);
      expect(ladder.code, ladder.err).to.equal(0);
      expect(ladder.out).to.contain('payload rewritten (12 → 13 bytes, text redacted)').and.not.contain('(nothing) → (nothing)');
      for (const line of ladder.out.split('\n')) {
        const m = /≠ (.*) → (.*)$/.exec(line.trim());
        if (m) expect(m[1], line).to.not.equal(m[2]);
      }
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  });

  it('a changed segment is one whose payload, length, flags, acknowledgment or SYN options in words differ', async () => {
    const tp = natSession();
    tp.send('client', 'PA', 'SITE X\r\n', { bPayload: 'SITE Y\r\n' }); // same length, other bytes
    tp.send('server', 'PA', '200 ok\r\n', { b: { window: 1234 } }); //   window only: counted, not changed
    const { r, text } = await compared(tp.a.toPcap(), tp.b.toPcap());
    expectSound(r, text);
    const [c2s, s2c] = r.connections[0]!.directions;
    expect(c2s!.changes.map((x) => x.what)).to.deep.equal([['payload "SITE X\\r\\n" → "SITE Y\\r\\n"']]);
    expect(s2c!.changed).to.equal(0);
    expect(s2c!.windowChanged).to.equal(1);
    expect(r.totals.changed).to.equal(1);
  });
});

describe('compare guardrails: unrelated real captures', function () {
  this.timeout(60000);
  const dir = fileURLToPath(new URL('../../captures/', import.meta.url));
  // one capture per server and recorder, each a different session
  const files = readdirSync(dir)
    .filter((f) => /\.pcap(ng)?$/.test(f) && !f.startsWith('middlebox-'))
    .filter((f) => /^(vsftpd-(upload-rst|active-port20-clean|ipv6-epsv-eprt|wrong-password-530-sll|vxlan-underlay-clean)|pyftpdlib-(control-half-close|lftp-passive-clean)|ftpsrv-active-clean|proftpd-basicftp-sll2-clean)\./.test(f));

  it('every ordered pair is "not the same traffic", with no NAT, loss, injection or change', async () => {
    expect(files.length).to.equal(9);
    for (const a of files) {
      for (const b of files) {
        if (a === b) continue;
        const r = await compareFiles(join(dir, a), join(dir, b));
        expect(r.sameTraffic.verdict, `${a} ~ ${b}: ${r.sameTraffic.summary}`).to.equal('no');
        expectSound(r, '  No NAT, loss, injection or change is claimed');
      }
    }
  });

  it('the CLI says so and exits 1', async () => {
    const r = await cli(['compare', join(dir, files[0]!), join(dir, files[1]!)]);
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/^Same traffic: no — /m);
    expect(r.out).to.match(/^Connections: 0 in both, \d+ in A only, \d+ in B only$/m);
  });
});
