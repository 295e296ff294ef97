// What an open control session holds between commands: with 10^5 connections open at once every
// byte of it counts (issue 27: ≤ 6 KB per open connection, the whole process). Structural checks
// (no closure made per session or per TLS connection, lists most sessions never fill shared until
// their first entry) and the FTP stage's and engine's heap per idle session, measured after a full
// collection with many sessions open at once.

import { expect } from 'chai';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { idleControlConnections } from '../../bench/engine-heap.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import { FtpAnalyzer } from '../../src/ftp/analyzer.ts';
import type { ControlSession } from '../../src/ftp/control/session.ts';
import type { ConnApp } from '../../src/ftp/conn-app.ts';
import { FtpTlsChannel, ftpTlsContext } from '../../src/ftp/tls-channel.ts';
import type { Frame } from '../../src/capture/frame.ts';
import type { FtpCommand, Transfer } from '../../src/ftp/types.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** `n` control connections open at once, each logged in, a directory listed over a passive data
 *  connection (opened, carried, closed, 226), then idle between commands (bench/engine-heap.ts);
 *  `extra` adds lines. */
function idleSessions(n: number, extra?: (t: TraceBuilder, i: number, c: TcpLadder) => void): Frame[] {
  return idleControlConnections(n, { withListing: true, then: extra });
}

/** The frames through the engine and the FTP stage, every connection left open; a transfer settled
 *  while its session goes on is let go as the pipeline lets it go (a part of its unit), unless
 *  `releaseParts` is false. */
function run(frames: Frame[], releaseParts = true): { ftp: FtpAnalyzer; engine: TcpEngine; controls: ControlSession[]; apps: ConnApp[] } {
  const done: Transfer[] = [];
  const ftp = new FtpAnalyzer({ transferDone: (t) => void done.push(t) });
  const engine = new TcpEngine(ftp);
  const dec = new PacketDecoder();
  for (const f of frames) {
    if (dec.decode(f) === 'tcp') engine.packet(dec.packet);
    if (releaseParts) for (const t of done) if (ftp.partOf(t)) ftp.releasePart(t);
    done.length = 0;
  }
  const controls = [...field<Map<number, ControlSession>>(ftp, 'controls').values()];
  return { ftp, engine, controls, apps: [...field<Map<number, ConnApp>>(ftp, 'apps').values()] };
}

/** A private field of an object, for structural checks. */
function field<T>(o: object, name: string): T {
  return (o as Record<string, T>)[name]!;
}

describe('ftp: what an idle control session holds', function () {
  this.timeout(120_000);

  it('no closure of its own: its line sinks are methods the splitters call with the session as this', () => {
    const { controls } = run(idleSessions(2));
    expect(controls).to.have.length(2);
    for (const cs of controls) {
      const own = Object.entries(cs).filter(([, v]) => typeof v === 'function').map(([k]) => k);
      expect(own, 'function-valued fields of a control session').to.deep.equal([]);
      expect(field(cs, 'clientSplitter')).to.equal(null);
      expect(field(cs, 'serverSplitter')).to.equal(null);
    }
  });

  it('lists and records most sessions never fill are one frozen shared one until their first entry', () => {
    // session 0 gets an unsolicited reply and an overlong line; session 1 nothing more
    const long = `NOOP ${'x'.repeat(9000)}\r\n`;
    const { controls, apps: all } = run(
      idleSessions(2, (t, i, c) => {
        if (i !== 0) return;
        t.wait(1);
        c.server('PA', '200 nobody asked\r\n');
        c.client('PA', long.slice(0, 1400));
        for (let k = 1400; k < long.length; k += 1400) c.client('PA', long.slice(k, k + 1400));
        c.server('PA', '500 line too long\r\n');
      }),
    );
    const [a, b] = controls as [ControlSession, ControlSession];
    expect(a.session.unsolicited).to.have.length(1);
    expect(a.session.overlongFrames).to.have.length(1);
    const s = b.session;
    for (const list of [s.features, s.unsolicited, s.overlongFrames, s.pendingOverflowFrames]) {
      expect(list).to.have.length(0);
      expect(Object.isFrozen(list)).to.equal(true);
    }
    expect(s.features).to.equal(a.session.features); // the same list: none made for this session
    expect(s.pendingOverflowFrames).to.equal(a.session.pendingOverflowFrames);
    expect(s.unsolicited).to.equal(s.overlongFrames);
    // no TLS seen: the shared TLS record; commands that got no 1yz reply: the shared empty list
    expect(s.tls).to.equal(a.session.tls);
    expect(Object.isFrozen(s.tls)).to.equal(true);
    const [user, pass] = s.commands as [FtpCommand, FtpCommand];
    expect(user.preliminary).to.have.length(0);
    expect(user.preliminary).to.equal(pass.preliminary);
    expect(Object.isFrozen(user.preliminary)).to.equal(true);
    // its transfer answered: no list of running transfers (nor a grown, emptied one)
    expect(field(b, 'running')).to.equal(field(a, 'running'));
    expect(Object.isFrozen(field(b, 'running'))).to.equal(true);
    // a control connection never links a transfer: its ConnApp holds no list of its own
    const apps = all.filter((app) => app.role === 'control');
    expect(apps).to.have.length(2);
    expect(apps[0]!.tracks).to.have.length(0);
    expect(apps[0]!.tracks).to.equal(apps[1]!.tracks);
  });

  it('a TLS connection makes no closures: its readers call back through shared functions, its FTP channel is its listener', () => {
    const a = new FtpTlsChannel(ftpTlsContext());
    const b = new FtpTlsChannel(ftpTlsContext());
    const tlsA = field<object>(a, 'tls');
    const tlsB = field<object>(b, 'tls');
    expect(field(tlsA, 'listener')).to.equal(a);
    for (const side of ['client', 'server']) {
      const da = field<object>(tlsA, side);
      const db = field<object>(tlsB, side);
      expect(field(field<object>(da, 'reader'), 'sink')).to.equal(field(field<object>(db, 'reader'), 'sink'));
      expect(field(field<object>(da, 'hs'), 'sink')).to.equal(field(field<object>(db, 'hs'), 'sink'));
    }
  });

  it('a TLS data connection that ended, its transfer settled, keeps only its TLS facts', () => {
    const t = new TraceBuilder();
    const ctl = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    ctl.handshake();
    ctl.server('PA', '220 ready\r\n');
    for (const [cmd, reply] of [['USER a', '331 pass'], ['PASS b', '230 in'], ['PBSZ 0', '200 PBSZ=0'], ['PROT P', '200 P'], ['PASV', '227 Entering Passive Mode (192,0,2,2,10,21).'], ['RETR a', '150 Opening.']]) {
      ctl.client('PA', `${cmd}\r\n`);
      ctl.server('PA', `${reply}\r\n`);
    }
    const d = t.tcp({ client: '192.0.2.1:50021', server: '192.0.2.2:2581' });
    d.handshake();
    d.client('PA', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x01, 0x01])); // a TLS record on the data connection
    d.server('PA', 50);
    d.client('A');
    d.close();
    ctl.server('PA', '226 Done.\r\n');
    t.wait(3); // past the close grace (2 s): the data connection's end is told
    ctl.client('PA', 'NOOP\r\n');
    ctl.server('PA', '200 ok\r\n');
    ctl.client('A');
    const { ftp, apps } = run(t.captureFrames(), false);
    const tr = ftp.transfers[0]!;
    expect(field<Map<number, { settled: boolean }>>(ftp, 'tracks').get(tr.id)!.settled).to.equal(true);
    expect(tr.tlsData).to.not.equal(null);
    const data = apps.find((a) => a.role === 'data')!;
    expect(data.tls).to.not.equal(null);
    expect(field(data.tls!, 'tls'), 'the TLS connection state after its transfer settled').to.equal(null);
    // a FIN or RST told after that is still noted in the facts, as before
    data.tls!.close('client', 'rst', 99);
    expect(data.tls!.finish()).to.equal(tr.tlsData!.connection);
    expect(tr.tlsData!.connection.end.client.rstFrame).to.equal(99);
  });

  it('heap per idle control session, with its engine state, many open at once, stays bounded', () => {
    const n = 3000;
    const frames = idleSessions(n);
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    const { ftp, engine, controls } = run(frames);
    gc();
    gc();
    const per = (process.memoryUsage().heapUsed - before) / n;
    expect(controls).to.have.length(n); // (alive until after the measurement)
    expect(ftp.liveSessionCount).to.equal(n);
    expect(engine.stats.liveFlows).to.be.at.least(n);
    expect(frames.length).to.be.above(0);
    // 2026-12-07, n = 3000 (tsx, unbundled: its name wrappers inflate closures; bench/engine-heap.ts
    // `ftp` measures the bundle): 13.0 KB at 63b40d9, 11.25 KB with no closures per session or
    // TLS connection, shared empty lists and records, and short lists at their exact size
    expect(per, `${(per / 1024).toFixed(2)} KB of heap per idle control session`).to.be.below(12.2 * 1024);
  });
});
