// Class 1 of issue 23: a firewall capture holding both sides of a NAT. The two halves of each
// connection are paired by sequence numbers and analysed once; the mapping is said; an FTP
// helper that rewrote PORT is noticed; halves that cannot be paired are not "the server hung".

import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { cli } from '../support/cli.ts';
import { analyzeTrace, byId, tempDir, worse } from './support.ts';

/**
 * One connection as a NAT device's capture holds it: the client's segments as they came in on
 * one side (`seen.client`), the server's as they came in on the other (`seen.server`). Both
 * ladders follow every segment (the other one only counts its sequence numbers), so sequence and
 * acknowledgment numbers are the real ones on each side. `rewrite` gives a client line the length
 * it has on the other side (an ALG).
 */
class NatConnection {
  readonly clientSide: TcpLadder;
  readonly serverSide: TcpLadder;

  constructor(t: TraceBuilder, clientHalf: { client: string; server: string }, serverHalf: { client: string; server: string }, isns: { client: number; server: number }, serverIsnShift = 0) {
    this.clientSide = t.tcp({ ...clientHalf, clientIsn: isns.client, serverIsn: isns.server });
    // a sequence-randomising firewall shifts the client's numbers on the other side
    this.serverSide = t.tcp({ ...serverHalf, clientIsn: isns.client + serverIsnShift, serverIsn: isns.server });
  }

  handshake(): void {
    this.clientSide.client('S', undefined, { options: { mss: 1460 } });
    this.serverSide.lose('client', 1);
    this.serverSide.server('SA', undefined, { options: { mss: 1460 } });
    this.clientSide.lose('server', 1);
    this.clientSide.client('A');
  }

  client(flags: string, payload?: string | number, rewrittenLength?: number): void {
    this.clientSide.client(flags, payload);
    const n = (typeof payload === 'string' ? Buffer.byteLength(payload) : (payload ?? 0)) + (flags.includes('F') ? 1 : 0);
    this.serverSide.lose('client', rewrittenLength ?? n);
  }

  server(flags: string, payload?: string | number): void {
    this.serverSide.server(flags, payload);
    const n = (typeof payload === 'string' ? Buffer.byteLength(payload) : (payload ?? 0)) + (flags.includes('F') ? 1 : 0);
    this.clientSide.lose('server', n);
  }
}

const INSIDE = '10.0.0.5';
const NAT = '203.0.113.9';
const SERVER = '198.51.100.20';

function sourceNatSession(active: 'passive' | 'active-alg', shift = 0): TraceBuilder {
  const t = new TraceBuilder();
  const c = new NatConnection(t, { client: `${INSIDE}:40000`, server: `${SERVER}:21` }, { client: `${NAT}:61000`, server: `${SERVER}:21` }, { client: 1000, server: 900000 }, shift);
  c.handshake();
  c.server('PA', '220 ready\r\n');
  c.client('PA', 'USER alice\r\n');
  c.server('PA', '331 password please\r\n');
  c.client('PA', 'PASS secret\r\n');
  c.server('PA', '230 logged in\r\n');
  let d: NatConnection;
  if (active === 'passive') {
    c.client('PA', 'PASV\r\n');
    c.server('PA', '227 Entering Passive Mode (198,51,100,20,195,80)\r\n');
    c.client('PA', 'RETR a.bin\r\n');
    d = new NatConnection(t, { client: `${INSIDE}:40001`, server: `${SERVER}:50000` }, { client: `${NAT}:61001`, server: `${SERVER}:50000` }, { client: 5000, server: 700000 }, shift);
    d.handshake();
    c.server('PA', '150 Opening BINARY mode data connection\r\n');
    d.server('A', 1200);
    d.server('PA', 800);
    d.client('A');
    d.server('FA');
    d.client('FA');
  } else {
    // the client announces its inside address; an ALG rewrites it to the NAT's (3 bytes longer)
    const port = `PORT 10,0,0,5,156,65\r\n`;
    c.client('PA', port, Buffer.byteLength(`PORT 203,0,113,9,156,65\r\n`));
    c.server('PA', '200 PORT command successful\r\n');
    c.client('PA', 'RETR a.bin\r\n');
    // active mode: the server connects from port 20 to the NAT's address; the client answers from inside
    d = new NatConnection(t, { client: `${SERVER}:20`, server: `${NAT}:40001` }, { client: `${SERVER}:20`, server: `${INSIDE}:40001` }, { client: 7000, server: 8000 });
    d.clientSide.client('S', undefined, { options: { mss: 1460 } });
    d.serverSide.lose('client', 1);
    d.serverSide.server('SA', undefined, { options: { mss: 1460 } });
    d.clientSide.lose('server', 1);
    d.clientSide.client('A');
    c.server('PA', '150 Opening BINARY mode data connection\r\n');
    d.client('PA', 2000);
    d.server('A');
    d.client('FA');
    d.server('FA');
  }
  c.server('PA', '226 Transfer complete\r\n');
  c.client('PA', 'QUIT\r\n');
  c.server('PA', '221 Goodbye\r\n');
  c.client('FA');
  c.server('FA');
  return t;
}

describe('field captures: both sides of a NAT', () => {
  it('source NAT, passive mode: each connection analysed once, the mapping said, nothing louder than info', () => {
    const r = analyzeTrace(sourceNatSession('passive'));
    expect(r.connections).to.have.length(2);
    expect(r.connections[0]!.nat).to.deep.include({ translated: 'client', addr: NAT, port: 61000 });
    expect(r.sessions).to.have.length(1);
    expect(r.sessions[0]!.commands.every((x) => x.reply !== null)).to.equal(true);
    expect(r.transfers.map((x) => [x.command, x.bytes, x.outcome])).to.deep.equal([['RETR', 2000, 'complete']]);
    const [f] = byId(r, 'nat-both-sides');
    expect(f!.summary).to.include(`the connecting side ${INSIDE}:40000 appears as ${NAT}:61000 on the other side (source NAT`);
    expect(byId(r, 'nat-both-sides')).to.have.length(2);
    expect(worse(r)).to.deep.equal([]);
  });

  it('active mode through an FTP helper: the rewritten PORT noticed, the data connection linked', () => {
    const r = analyzeTrace(sourceNatSession('active-alg'));
    expect(r.connections).to.have.length(2);
    expect(r.connections[0]!.nat!.alg).to.deep.equal([{ side: 'client', frame: r.sessions[0]!.commands.find((x) => x.verb === 'PORT')!.frame, delta: 3 }]);
    const [a] = byId(r, 'alg-rewrite');
    expect(a!.summary).to.include('rewrote PORT 10,0,0,5,156,65 (frame');
    expect(a!.summary).to.include(', +3 bytes)');
    expect(r.transfers.map((x) => [x.command, x.mode, x.bytes, x.outcome])).to.deep.equal([['RETR', 'active', 2000, 'complete']]);
    expect(r.connections[1]!.nat).to.deep.include({ translated: 'server', addr: INSIDE, port: 40001 });
    expect(worse(r)).to.deep.equal([]);
    expect(byId(r, 'ack-unseen')).to.deep.equal([]);
  });

  it('destination NAT (port forwarding): the server behind it', () => {
    const t = new TraceBuilder();
    const c = new NatConnection(t, { client: '192.0.2.77:50500', server: '203.0.113.1:21' }, { client: '192.0.2.77:50500', server: '10.1.1.21:21' }, { client: 42, server: 4242 });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 bye\r\n');
    c.client('FA');
    c.server('FA');
    const r = analyzeTrace(t);
    expect(r.connections).to.have.length(1);
    expect(byId(r, 'nat-both-sides')[0]!.summary).to.include('the listening side 203.0.113.1:21 appears as 10.1.1.21:21 on the other side (destination NAT');
  });

  it('a server behind port forwarding whose 227 an FTP helper shortened: the reply named, the offset taken out', () => {
    const t = new TraceBuilder();
    // the capture: the client's packets as they came in from outside, the server's from inside
    const c = new NatConnection(t, { client: '192.0.2.77:50500', server: '1.2.3.4:21' }, { client: '192.0.2.77:50500', server: '172.16.100.200:21' }, { client: 42, server: 4242 });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'PASV\r\n');
    // the server says its inside address; the client got the public one, 7 bytes shorter
    const inside = '227 Entering Passive Mode (172,16,100,200,195,80)\r\n';
    c.serverSide.server('PA', inside);
    c.clientSide.lose('server', Buffer.byteLength(inside) - 7);
    c.client('PA', 'NOOP\r\n');
    c.server('PA', '200 NOOP ok\r\n');
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 bye\r\n');
    c.client('FA');
    c.server('FA');
    const r = analyzeTrace(t);
    expect(r.connections[0]!.nat!.alg.map((a) => [a.side, a.delta])).to.deep.equal([['server', -7]]);
    expect(byId(r, 'alg-rewrite')[0]!.summary).to.include('rewrote 227 Entering Passive Mode (172,16,100,200,195,80) (frame');
    expect(r.sessions[0]!.commands.map((x) => x.reply?.code)).to.deep.equal([227, 200, 221]);
    expect(worse(r)).to.deep.equal([]);
  });

  it('halves a sequence-randomising firewall made unpairable: said, not "the server hung"', () => {
    const r = analyzeTrace(sourceNatSession('passive', 0x1000));
    expect(r.connections.length).to.be.greaterThan(2);
    expect(byId(r, 'unanswered-command')).to.deep.equal([]);
    expect(byId(r, 'control-one-direction').length).to.be.at.least(1);
    expect(byId(r, 'control-one-direction')[0]!.summary).to.include('so its replies are not in the capture');
  });
});

describe('field captures: both sides of a NAT in the drawings', () => {
  it('the packet ladder of a paired connection has the packets of both halves', async () => {
    const tmp = tempDir('ftpdiag-nat-');
    try {
      const file = join(tmp.dir, 'nat.pcap');
      writeFileSync(file, sourceNatSession('passive').toPcap());
      const r = await cli(['ladder', file, '--connection', '0']);
      expect(r.code).to.equal(0);
      expect(r.out).to.include('220 ready');
      expect(r.out).to.include('USER alice');
    } finally {
      tmp.remove();
    }
  });
});

describe('field captures: both sides of a NAT, recorded on a real NAT router', () => {
  // captures/nat-firewall-both-sides.pcap: scripts/captures/scenarios/nat-firewall.ts records vsftpd
  // through a router namespace that masquerades the client and runs conntrack's FTP helper, with
  // tcpdump on the router taking every packet as it came in
  it('pairs every connection, notices the helper\'s PORT rewrite and links the data connections, as the truth file says', async () => {
    const { readFileSync } = await import('node:fs');
    const { analyzeFile } = await import('../../src/pipeline/analyze.ts');
    const { builtinRuleSet } = await import('../../src/diagnose/rule-loader.ts');
    const { projectRoot } = await import('../support/trace-files.ts');
    const base = join(projectRoot, 'captures', 'nat-firewall-both-sides');
    const truth = JSON.parse(readFileSync(`${base}.truth.json`, 'utf8')) as { transfers: Array<{ command: string; clientRead: number }>; sessions: unknown[] };
    const { result: r } = await analyzeFile(`${base}.pcap`, { rules: builtinRuleSet() });
    expect(r.connections).to.have.length(truth.sessions.length + truth.transfers.length);
    expect(r.connections.every((c) => c.nat !== null)).to.equal(true);
    expect(r.connections[0]!.nat).to.deep.include({ translated: 'client', addr: '198.51.100.254' });
    const port = r.sessions[0]!.commands.find((x) => x.verb === 'PORT')!;
    expect(r.connections[0]!.nat!.alg.map((a) => [a.side, a.frame])).to.deep.equal([['client', port.frame]]);
    expect(r.transfers.map((t) => [`${t.command}${t.argument ? ' ' + t.argument : ''}`, t.bytes, t.outcome])).to.deep.equal(truth.transfers.map((t) => [t.command, t.clientRead, 'complete']));
    expect(r.findings.filter((f) => f.severity !== 'info')).to.deep.equal([]);
  });
});
