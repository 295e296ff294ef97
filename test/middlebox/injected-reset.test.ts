// injected-reset: crafted ladders where a device in between forges an RST (true positives) and
// where the host's own stack sends it (false positives to avoid), judged by src/tcp/reset-origin.ts
// and reported by the rule in rules/middlebox.yaml.

import { expect } from 'chai';
import { TraceBuilder, type ConnectionOptions } from '../../src/craft/trace-builder.ts';
import { judgeResets } from '../../src/tcp/reset-origin.ts';
import type { Connection } from '../../src/tcp/types.ts';
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
    // the server's IDs rise by 300 per segment (a counter shared with its other traffic); the
    // client always advertises window 4321, the server 65535
    const hostWide = (rst: { ipId: number; window?: number }) => {
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
      c.server('RA', undefined, rst);
      return judgeResets(only(runTrace(t)))[0]!;
    };
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
    expect(inj!.action).to.contain("TTL 64: if its sender started from 64, it sits on the capture point's own network segment");
    expect(f.some((x) => x.id === 'tcp-reset'), 'tcp-reset superseded').to.equal(false);
  });

  it('stays quiet on the host’s own RST', () => {
    const t = ladder((c) => c.server('RA'));
    expect(findings(t).some((x) => x.id === 'injected-reset')).to.equal(false);
  });
});

