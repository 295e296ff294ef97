// injected-reset: crafted ladders where a device in between forges an RST (true positives) and
// where the host's own stack sends it (false positives to avoid), judged by src/tcp/reset-origin.ts
// and reported by the rule in rules/middlebox.yaml.

import { expect } from 'chai';
import { STACK_PROFILES, type StackProfile } from '../../src/craft/stack-profiles.ts';
import { TraceBuilder, type ConnectionOptions, type SendOptions, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { judgeResets, whereFrom } from '../../src/tcp/reset-origin.ts';
import type { Connection } from '../../src/tcp/types.ts';
import { MAX_RST_SAMPLES, RECENT_MAX } from '../../src/tcp/types.ts';
import { findings, runTrace } from './support.ts';

const ENDS: ConnectionOptions = { client: '192.0.2.1:40000', server: '198.51.100.2:21', serverTtl: 52, clientTtl: 64 };

/** A control connection with a few exchanges; `end` writes the RST(s) under test. */
function ladder(end: (c: ReturnType<TraceBuilder['tcp']>) => void, opts: Partial<ConnectionOptions> = {}): TraceBuilder {
  const t = new TraceBuilder();
  const c = t.tcp({ ...ENDS, ...opts });
  c.handshake();
  c.server('PA', '220 ready\r\n');
  c.client('PA', 'USER anonymous\r\n');
  c.server('PA', '331 password\r\n');
  c.client('PA', 'PASS x\r\n');
  c.server('PA', '230 logged in\r\n');
  c.client('PA', 'NOOP\r\n');
  end(c);
  return t;
}

function only(conns: readonly Connection[]): Connection {
  expect(conns).to.have.length(1);
  return conns[0]!;
}

/** The server's IDs rise by 300 per segment (a counter shared with its other traffic); the client
 *  always advertises window 4321, the server 65535. `serverClosed`: the server closed with FIN
 *  before the client's last command, so its stack answers that with RST itself. */
function hostWideLadder(rst: SendOptions, serverClosed = false): TraceBuilder {
  const t = new TraceBuilder();
  const c = t.tcp({ ...ENDS, serverTtl: 64 });
  let id = 1000;
  c.client('S');
  c.server('SA', undefined, { ipId: (id += 300) });
  c.client('A', undefined, { window: 4321 });
  for (const line of ['220 ready\r\n', '331 pw\r\n', '230 in\r\n']) {
    c.server('PA', line, { ipId: (id += 300) });
    c.client('PA', 'NOOP\r\n', { window: 4321 });
  }
  if (serverClosed) {
    c.server('FA', undefined, { ipId: (id += 300) });
    c.client('PA', 'QUIT\r\n', { window: 4321 });
  }
  c.server('RA', undefined, rst);
  return t;
}

describe('injected-reset: judging RSTs', () => {
  it('flags an RST whose TTL differs from every other segment of its claimed sender', () => {
    const t = ladder((c) => c.server('R', undefined, { ttl: 64, ipId: 0, window: 0 }));
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.forged).to.equal(true);
    expect(j!.by).to.equal('server');
    expect(j!.signals).to.deep.equal(['ttl']);
    expect(j!.evidence).to.match(/^TTL 64 vs 52 on every other segment from 198\.51\.100\.2 \(4\); IP ID 0 vs a sequence around \d+$/);
  });

  it('flags an RST off a per-connection IP ID counter even with the right TTL', () => {
    const t = ladder((c) => c.server('RA', undefined, { ipId: 0x7777 }));
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.signals).to.deep.equal(['ip-id']);
    expect(j!.forged).to.equal(true);
    expect(j!.evidence).to.contain('IP ID 30583 vs a per-connection sequence');
  });

  it('flags an RST that copies the IP ID of the packet it answers', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ ...ENDS, serverTtl: 64 });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'USER a\r\n', { ipId: 0x4242 });
    c.server('PA', '331 password\r\n');
    c.client('PA', 'RETR secret.txt\r\n', { ipId: 0x4243 });
    c.server('RA', undefined, { ipId: 0x4243 });
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.signals).to.include('ip-id-copied');
    expect(j!.forged).to.equal(true);
    expect(j!.evidence).to.contain('IP ID 16963 copied from the 192.0.2.1 segment it answers (frame 7)');
  });

  it('accepts the stack’s own RST: next IP ID of the counter, same TTL', () => {
    const t = ladder((c) => c.server('RA'));
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.forged).to.equal(false);
    expect(j!.signals).to.deep.equal([]);
  });

  it('accepts Linux’s RST from a closed socket: IP ID 0, DF, window 0, same TTL', () => {
    const t = ladder((c) => {
      c.server('FA');
      c.client('A');
      c.client('PA', 'QUIT\r\n');
      c.server('R', undefined, { ipId: 0, window: 0, df: true });
    });
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.forged).to.equal(false);
  });

  it('needs two weak signals with a host-wide IP ID counter', () => {
    const hostWide = (rst: SendOptions) => judgeResets(only(runTrace(hostWideLadder(rst))))[0]!;
    const near = hostWide({ ipId: 2500 });
    expect(near.signals, 'the next value of the counter').to.deep.equal([]);
    const off = hostWide({ ipId: 50000 });
    expect(off.signals).to.deep.equal(['ip-id-host']);
    expect(off.forged, 'one weak signal is not enough').to.equal(false);
    const offCopied = hostWide({ ipId: 50000, window: 4321 });
    expect(offCopied.signals).to.deep.equal(['ip-id-host', 'window-copied']);
    expect(offCopied.forged).to.equal(true);
    expect(offCopied.evidence).to.contain('window 4321 copied from the segment it answers (198.51.100.2 advertised 65535)');
  });

  it('never judges loopback connections forged', () => {
    const t = ladder((c) => c.server('R', undefined, { ttl: 128, ipId: 999 }), { client: '127.0.0.1:40000', server: '127.0.0.1:21' });
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.forged).to.equal(false);
  });

  it('does not judge the TTL of a sender seen only once', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ ...ENDS });
    c.client('S');
    c.server('SA');
    c.client('A');
    c.server('RA', undefined, { ttl: 64 });
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.signals).to.not.include('ttl');
    expect(j!.forged).to.equal(false);
  });

  it('judges IPv6 hop limits the same way', () => {
    const t = ladder((c) => c.server('R', undefined, { ttl: 64 }), { client: '[2001:db8::1]:40000', server: '[2001:db8:1::2]:21' });
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.forged).to.equal(true);
    expect(j!.signals).to.deep.equal(['ttl']);
    expect(j!.sample.ipId).to.equal(-1);
  });

  it('a forged RST that arrives before anything else of its claimed sender is judged on what came after', () => {
    // like Zeek's rst-inject trace: the SYN is answered by a forged RST, then the real SYN-ACK
    const t = new TraceBuilder();
    const c = t.tcp({ ...ENDS });
    c.client('S');
    c.server('RA', undefined, { ttl: 60, ipId: 0x5555, rawAck: (c.isn('client') + 1) >>> 0 });
    c.server('SA', undefined, { ipId: 0x200 }); // the real host's counter (the builder would continue the forger's)
    c.client('A');
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'USER a\r\n');
    c.server('PA', '331 password\r\n');
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.forged).to.equal(true);
    expect(j!.evidence).to.match(/^TTL 60 vs 52 on every other segment from 198\.51\.100\.2 \(3\); IP ID 21845 vs a per-connection sequence around 512$/);
  });
});

describe('injected-reset: the rule', () => {
  it('reports a forged RST that ended an FTP control connection as an error, with the evidence', () => {
    const t = ladder((c) => c.server('R', undefined, { ttl: 64, ipId: 0, window: 0 }));
    const f = findings(t);
    const inj = f.find((x) => x.id === 'injected-reset');
    expect(inj, f.map((x) => x.id).join(',')).to.not.equal(undefined);
    expect(inj!.severity).to.equal('error');
    expect(inj!.summary).to.contain('was ended by an RST at frame 10 that claims to come from the server (198.51.100.2) but was forged in between (medium confidence): TTL 64 vs 52');
    expect(inj!.action).to.contain("The RST arrived with TTL 64, 198.51.100.2's own packets with 52: if both started from 64, the device sits on the capture point's own network segment (no router in between), 12 nearer than 198.51.100.2 (12).");
    expect(f.some((x) => x.id === 'tcp-reset'), 'tcp-reset superseded').to.equal(false);
  });

  it('stays quiet on the host’s own RST', () => {
    const t = ladder((c) => c.server('RA'));
    expect(findings(t).some((x) => x.id === 'injected-reset')).to.equal(false);
  });
});


describe('injected-reset: a signal counts only where the sender’s stack makes it informative', () => {
  const { embedded, zeroId, bsd, windows, linux } = STACK_PROFILES;

  /** A control connection between two hosts of `stack`; `end` writes the RST under test. */
  function onStack(stack: StackProfile, end: (c: TcpLadder, t: TraceBuilder) => void): TraceBuilder {
    const t = new TraceBuilder({ step: 0.0005 });
    const c = t.tcp({ ...ENDS, clientStack: stack, serverStack: stack, clientTtl: stack.ttl, serverTtl: stack.ttl - 12 });
    c.handshake();
    c.server('PA', '220 ready\r\n', { dt: 0.02 });
    c.client('PA', 'USER anonymous\r\n');
    c.server('PA', '331 password\r\n', { dt: 0.02 });
    c.client('PA', 'PASS x\r\n');
    c.server('PA', '230 logged in\r\n', { dt: 0.02 });
    c.client('PA', 'RETR a\r\n');
    end(c, t);
    return t;
  }

  it('constant IP IDs: the RST’s ID equals the packet it answers by construction, which proves nothing', () => {
    // the case: a stack (or a crafted trace) writes one ID everywhere
    const t = onStack(embedded, (c) => c.server('RA', undefined, { dt: 0.02 }));
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.sample.ipId).to.equal(j!.sample.peerIpId);
    expect(j!.ipIdPattern).to.equal('constant');
    expect(j!.signals).to.deep.equal([]);
    expect(j!.forged).to.equal(false);
  });

  it('constant, zero and random IDs leave the TTL to judge, and the evidence says so', () => {
    for (const stack of [embedded, zeroId, bsd]) {
      const t = onStack(stack, (c) => c.server('R', undefined, { dt: 0.005, ttl: 61, ipId: 0x2222, window: 0 }));
      const [j] = judgeResets(only(runTrace(t)));
      expect(j!.signals, stack.name).to.deep.equal(['ttl']);
      expect(j!.confidence, stack.name).to.equal('medium');
      expect(j!.evidence, stack.name).to.match(/so (IP IDs prove nothing|only a copied one would tell)\)$/);
    }
  });

  it('a host-wide counter that looked per-connection: a long silence hides what moved it', () => {
    // an old Windows server: the control exchange shows IDs rising by one, then it sends a large
    // file on its data connection for a minute (the same counter), then aborts the control
    // connection itself with the counter thousands further
    const quiet: StackProfile = { ...windows, otherTraffic: 0 }; // nothing else to send during the login
    const t = onStack(quiet, (c, tr) => {
      const d = tr.tcp({ client: '192.0.2.1:40001', server: '198.51.100.2:50000', clientStack: quiet, serverStack: quiet, serverTtl: 116 });
      d.handshake();
      for (let i = 0; i < 3000; i++) d.server('A', 100, { dt: 0.02 });
      c.server('RA', undefined, { dt: 0.5 });
    });
    const control = runTrace(t).find((k) => k.server.port === 21)!;
    const [j] = judgeResets(control);
    expect(j!.ipIdPattern).to.equal('per-connection');
    expect(((j!.sample.ipId - j!.sample.prevIpId) & 0xffff) > 1000, 'the counter moved on').to.equal(true);
    expect(j!.forged).to.equal(false);
  });

  it('a per-connection counter still speaks right after the host’s last segment', () => {
    const t = onStack(linux, (c) => c.server('RA', undefined, { dt: 0.002, ipId: 0x7777 }));
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.signals).to.deep.equal(['ip-id']);
    expect(j!.confidence).to.equal('medium');
  });

  it('a TTL counts only when the sender kept one', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ ...ENDS });
    c.handshake();
    c.server('PA', '220 ready\r\n', { ttl: 52 });
    c.client('PA', 'USER a\r\n');
    c.server('PA', '331 password\r\n', { ttl: 51 }); // a route change: two TTLs
    c.client('PA', 'PASS a\r\n');
    c.server('RA', undefined, { ttl: 60 });
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.ttlStable).to.equal(false);
    expect(j!.signals).to.not.include('ttl');
  });

  it('the host’s own reason wins over weak oddities; a strong signal still convicts', () => {
    // host-wide IDs and a fixed client window, as in the weak-signal test above, but the server
    // had closed with FIN before: its stack answers the QUIT with RST
    const build = (rst: SendOptions) => judgeResets(only(runTrace(hostWideLadder(rst, true))))[0]!;
    const weak = build({ ipId: 50000, window: 4321 });
    expect(weak.signals).to.deep.equal(['ip-id-host', 'window-copied']);
    expect(weak.forged).to.equal(false);
    expect(weak.hostReason).to.contain('had already closed the connection (FIN at frame');
    expect(weak.evidence).to.contain("the host's own RST");
    const strong = build({ ipId: 50000, window: 4321, ttl: 61 });
    expect(strong.forged).to.equal(true);
    expect(strong.confidence).to.equal('high');
  });

  it('a verdict on weak signals only is a warning, not an error', () => {
    const inj = findings(hostWideLadder({ ipId: 50000, window: 4321 })).find((x) => x.id === 'injected-reset')!;
    expect(inj.severity).to.equal('warning');
    expect(inj.summary).to.contain('(low confidence)');
  });
});

describe('injected-reset: a capture point a round trip away from the forger', () => {
  const { linux, windows, bsd, embedded } = STACK_PROFILES;
  const RTT = 0.6; // seconds: capture point next to the client, the forger next to the server

  /**
   * An upload from port 20 (active mode, the data connection alone in the capture): the FTP
   * client sends `flight` segments per round trip; from `cutAt` on, a device next to the server
   * drops them and answers each with an RST in the server's name that copies its IP ID and uses
   * its acknowledgment as sequence number, at the server's TTL. Seen here, each RST comes one RTT
   * after the segment it answers, when the client has sent `flight` more. `serverAcks`: the
   * server's own stack acknowledges what it had between the RSTs.
   */
  function farCut(client: StackProfile, server: StackProfile, o: { flight?: number; serverAcks?: boolean } = {}): { t: TraceBuilder; answered: number[]; rsts: number[]; ack: number } {
    const flight = o.flight ?? 7;
    const t = new TraceBuilder({ step: 0.0001 });
    const serverTtl = server.ttl - 14;
    const d = t.tcp({ client: '128.121.136.217:20', server: '67.169.189.180:2662', clientStack: server, serverStack: client, clientTtl: serverTtl, serverTtl: client.ttl });
    d.client('S', undefined, { options: d.synOptions(d.c) });
    d.server('SA', undefined, { dt: 0.0002, options: d.synOptions(d.s) });
    d.client('A', undefined, { dt: RTT });
    // the upload: `flight` segments a round trip, each flight acknowledged by the server a round trip later
    for (let round = 0; round < 4; round++) {
      for (let i = 0; i < flight; i++) d.server('A', 1460, { dt: RTT / flight });
      d.client('A', undefined, { dt: 0.0001 });
    }
    const ack = d.nextSeq('server');
    const answered: Array<{ frame: number; id: number; seq: number }> = [];
    for (let i = 0; i < flight; i++) {
      const frame = d.server('A', 1460, { dt: RTT / flight });
      answered.push({ frame, id: d.lastIpId('server'), seq: d.nextSeq('client') });
    }
    const rsts: number[] = [];
    for (const [i, a] of answered.entries()) {
      rsts.push(d.client('R', undefined, { dt: RTT / flight, seq: a.seq, ipId: a.id, ttl: serverTtl, window: 0, noAdvance: true }));
      if (i === 2 && o.serverAcks !== false) d.client('A', undefined, { dt: 0.0005, ack });
    }
    return { t, answered: answered.map((a) => a.frame), rsts, ack };
  }

  it('finds the segment each RST copied although the client sent a round trip more since (the lone upload of csp-ftp-uploadfailed)', () => {
    const { t, answered, rsts } = farCut(linux, windows);
    const js = judgeResets(only(runTrace(t)));
    const forged = js.filter((j) => j.by === 'client');
    expect(forged.map((j) => j.sample.frame)).to.deep.equal(rsts);
    expect(forged.map((j) => j.sample.copiedFrame), 'each RST with the segment it answers').to.deep.equal(answered);
    expect(forged.every((j) => j.forged && j.signals.includes('ip-id-copied') && j.signals.includes('still-acking'))).to.equal(true);
    expect(forged[0]!.confidence).to.equal('high');
    expect(forged[0]!.evidence, forged[0]!.evidence).to.match(/^IP ID \d+ copied from the 67\.169\.189\.180 segment it answers, frame \d+ \(60\d ms earlier\); 128\.121\.136\.217's own stack still sent an ACK at frame \d+, 1\d\d ms later, as a host that had reset/);
    expect(forged[4]!.evidence).to.match(/still sent an ACK at frame \d+, between the RST at frame \d+ and this one, both in its name/);
  });

  it('names the forger, not the FTP server, in the transfer and gives the evidence once, with its confidence', () => {
    const { t, rsts } = farCut(linux, windows);
    const f = findings(t);
    const lone = f.find((x) => x.id === 'lone-data-connection')!;
    expect(lone.severity).to.equal('error');
    expect(lone.summary).to.contain(`a device in between cut the upload's data connection (active mode, from port 20) at frame ${rsts[0]} with an RST forged in the name of the FTP server (high confidence, see injected-reset)`);
    expect(lone.summary).to.not.contain('the FTP server reset');
    const inj = f.find((x) => x.id === 'injected-reset')!;
    expect(inj.severity).to.equal('error');
    expect(inj.frames).to.deep.equal(rsts);
    expect(inj.summary).to.contain('claims to come from the FTP server (128.121.136.217)');
    expect(inj.summary).to.match(/together they copy the IP IDs of the segments at frames (\d+, ){6}\d+\)$/);
    expect(inj.action).to.contain("The RST arrived with the TTL of 128.121.136.217's own packets (114)");
    expect(f.some((x) => x.id === 'tcp-reset')).to.equal(false);
  });

  it('on stacks whose IDs cannot speak, the server still acknowledging between the RSTs is the evidence', () => {
    for (const [client, server] of [[embedded, embedded], [bsd, embedded], [embedded, linux]] as const) {
      const { t } = farCut(client, server);
      const first = judgeResets(only(runTrace(t))).find((j) => j.by === 'client')!;
      expect(first.forged, `${client.name}→${server.name}`).to.equal(true);
      expect(first.signals, `${client.name}→${server.name}`).to.include('still-acking');
      if (server === embedded) expect(first.signals, 'no IP ID evidence for a server with one ID').to.deep.equal(['still-acking']);
    }
  });

  it('without the server’s later ACK the copied IDs alone still tell (medium confidence)', () => {
    const { t } = farCut(linux, linux, { serverAcks: false });
    const first = judgeResets(only(runTrace(t))).find((j) => j.by === 'client')!;
    expect(first.signals).to.deep.equal(['ip-id-copied']);
    expect(first.confidence).to.equal('medium');
  });

  it('looks back as far as the segments in flight: 40 segments a round trip are found, the bound is said', () => {
    const { t, answered } = farCut(linux, windows, { flight: 40, serverAcks: false });
    const conn = only(runTrace(t));
    const js = judgeResets(conn).filter((j) => j.by === 'client');
    // the first RST answers the segment 40 back; RSTs beyond MAX_RST_SAMPLES are only counted
    expect(js.map((j) => j.sample.copiedFrame)).to.deep.equal(answered.slice(0, MAX_RST_SAMPLES));
    expect(conn.client.ipHistory!.resetsDropped).to.equal(40 - MAX_RST_SAMPLES);
    expect(RECENT_MAX).to.be.at.least(40);
  });

  it('an RST whose ID matches an earlier segment of the peer it does not answer is not a copy', () => {
    // Linux server: its own RST continues its counter; the client's IDs happen to pass by the same value
    const t = new TraceBuilder();
    const c = t.tcp({ ...ENDS, serverTtl: 64 });
    c.handshake();
    c.server('PA', '220 ready\r\n', { ipId: 500 });
    c.client('PA', 'USER a\r\n', { ipId: 502 }); // acknowledges the 220
    c.server('PA', '331 pw\r\n', { ipId: 501 });
    c.client('PA', 'PASS x\r\n', { ipId: 503 });
    c.server('PA', '230 in\r\n', { ipId: 502 }); // …and the server's counter reaches 502 itself
    c.client('PA', 'NOOP\r\n', { ipId: 504 });
    c.server('RA', undefined, { ipId: 503, seq: c.nextSeq('server') });
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.sample.copiedFrame, 'the client segment with ID 503 acknowledged other data').to.equal(0);
    expect(j!.forged).to.equal(false);
  });

  it('a host in TIME-WAIT that resets a stray segment and then ACKs a retransmitted FIN sent both itself', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ ...ENDS, serverTtl: 64 });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 bye\r\n');
    c.server('FA');
    c.client('FA');
    c.server('A');
    c.client('PA', 'x\r\n', { dt: 0.01 }); // a stray segment after the close
    c.server('R', undefined, { dt: 0.0002 });
    c.client('FA', undefined, { dt: 0.2, seq: c.nextSeq('client') - 4 }); // the FIN again
    c.server('A', undefined, { dt: 0.0002 });
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.signals).to.not.include('still-acking');
    expect(j!.forged).to.equal(false);
  });

  it('an ACK that the host sent before its own RST and that arrives just after it is not “still acking”', () => {
    const t = new TraceBuilder({ step: 0.0001 });
    const c = t.tcp({ ...ENDS });
    c.handshake();
    c.server('PA', '220 ready\r\n', { dt: 0.02 });
    c.client('PA', 'USER a\r\n');
    c.server('A', undefined, { dt: 0.02 });
    c.server('RA', undefined, { dt: 0.01 });
    c.server('A', undefined, { dt: 0.0002 }); // overtaken on the way, acknowledges nothing new
    const [j] = judgeResets(only(runTrace(t)));
    expect(j!.signals).to.deep.equal([]);
    expect(j!.forged).to.equal(false);
  });
});

describe('injected-reset: where the forger sits, as far as the TTLs tell', () => {
  it('a hop count only next to the host’s own: nearer than the host, level with it, or not placeable', () => {
    expect(whereFrom(62, 49, '1.2.0.3')).to.equal("The RST arrived with TTL 62, 1.2.0.3's own packets with 49: if both started from 64, the device sits 2 router hops from the capture point, 13 nearer than 1.2.0.3 (15).");
    expect(whereFrom(50, 50, 'h')).to.contain('as many router hops from the capture point as h (14 if it started from 64)');
    // the trial's case (zeek tcp_rst-inject-rae): 18 hops from 64 would be beyond the host at 15
    const beyond = whereFrom(46, 49, '1.2.0.3');
    expect(beyond).to.contain('lower than the 49');
    expect(beyond).to.contain('the TTL cannot say where it sits');
    expect(beyond).to.not.match(/18 router hops/);
    expect(whereFrom(250, 49, 'h'), 'from 255: 5 hops, nearer than the host at 15 from 64').to.contain('the device sits 5 router hops from the capture point, 10 nearer than h');
    expect(whereFrom(100, 60, 'h'), 'from 128: 28 hops, beyond the host at 4 from 64').to.contain('beyond h');
    expect(whereFrom(64, 0, 'h')).to.equal("The RST arrived with TTL 64: if its sender started from 64, it sits on the capture point's own network segment (no router in between).");
  });

  it('the finding says it (a forged RST that arrives with a lower TTL than the host’s)', () => {
    const t = ladder((c) => c.server('R', undefined, { ttl: 46, ipId: 0, window: 0 }), { serverTtl: 49 });
    const inj = findings(t).find((x) => x.id === 'injected-reset')!;
    expect(inj.action).to.contain("The RST arrived with TTL 46, lower than the 49 of 198.51.100.2's own packets");
    expect(inj.action).to.not.contain('18 router hops');
    expect(inj.action).to.not.contain('\n');
  });
});
