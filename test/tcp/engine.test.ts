// The engine as the layer above sees it: connection ids, port reuse, the order of listener calls,
// close-out and its grace, delivery through wrap and loss, delivery switched off, statistics.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { TcpFlag } from '../../src/decode/packet.ts';
import { Flag } from '../../src/tcp/analysis.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import { feed, framesWith, Recorder, run } from './helpers.ts';

describe('tcp/engine: conversations and ids', () => {
  it('numbers connections by first frame, across interleaved flows and both directions', () => {
    const t = new TraceBuilder();
    const a = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    const b = t.tcp({ client: '[2001:db8::1]:40001', server: '[2001:db8::2]:21' });
    a.client('S');
    b.client('S');
    a.server('SA');
    b.server('SA');
    a.client('A');
    const { conns } = run(t);
    expect(conns.map((c) => c.id)).to.deep.equal([0, 1]);
    expect(conns[0]!.firstFrame).to.equal(1);
    expect(conns[1]!.firstFrame).to.equal(2);
    expect(conns[1]!.ipVersion).to.equal(6);
    expect(conns[1]!.client.addr).to.equal('2001:db8::1');
    expect(conns[0]!.server.segments).to.equal(1);
    expect(conns[0]!.client.segments).to.equal(2);
  });

  it('port reuse: a new SYN with a new ISN after close starts a new conversation', () => {
    const t = new TraceBuilder();
    const a = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21', clientIsn: 1000 });
    a.handshake();
    a.close();
    const b = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21', clientIsn: 900_000 });
    const syn = b.client('S', undefined, { dt: 0.1 });
    b.server('SA');
    b.client('A');
    const r = run(t);
    expect(r.conns.length).to.equal(2);
    expect(r.conns[1]!.firstFrame).to.equal(syn);
    expect(r.conns[1]!.client.isn).to.equal(900_000);
    // the first one ended (before its grace ran out) before the second began
    const order = r.rec.calls.filter((c) => c.kind === 'end' || c.kind === 'conn').map((c) => `${c.kind}${c.id}`);
    expect(order).to.deep.equal(['conn0', 'end0', 'conn1', 'end1']);
  });

  it('a retransmitted SYN (same ISN) stays in the same conversation', () => {
    const t = new TraceBuilder();
    const a = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    a.client('S');
    a.client('S', undefined, { seq: 0, dt: 1 });
    a.server('SA');
    a.client('A');
    const r = run(t);
    expect(r.conns.length).to.equal(1);
    expect(framesWith(r.flags, Flag.RETRANSMISSION)).to.deep.equal([2]);
    expect(r.conns[0]!.history).to.equal('ShA');
  });
});

describe('tcp/engine: listener calls', () => {
  it('onConnection first; data, then the control of the same segment; onEnd once', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    c.handshake();
    c.server('PA', '220 x\r\n');
    const fin = c.server('FPA', '421 bye\r\n'); // data and FIN in one segment
    c.client('A');
    c.client('FA');
    c.server('A');
    const r = run(t);
    const calls = r.rec.calls;
    expect(calls[0]).to.deep.include({ kind: 'conn', id: 0, frame: 1 });
    const i = calls.findIndex((x) => x.kind === 'data' && x.frame === fin);
    expect(calls[i + 1]).to.deep.include({ kind: 'control', frame: fin, from: 'server', flags: TcpFlag.FIN | TcpFlag.PSH | TcpFlag.ACK });
    expect(r.rec.ends()).to.deep.equal([0]);
    expect(calls[calls.length - 1]!.kind).to.equal('end');
    expect(r.rec.stream(0, 'server')).to.equal('220 x\r\n421 bye\r\n');
    r.engine.finish(); // again: nothing more
    expect(r.rec.ends()).to.deep.equal([0]);
  });

  it('close-out waits for the grace, keeping trailing segments; later packets only count', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    const other = t.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:21' });
    c.handshake();
    c.close();
    const trailing = c.client('A', undefined, { dt: 0.5 }); // within the grace: still this conversation
    const tick = other.client('S', undefined, { dt: 3 }); // another flow, after the grace
    const late = c.server('PA', 'late\r\n', { dt: 0.1 });
    const r = run(t, { closeGraceSeconds: 2 }, undefined, true);
    const k = r.conns[0]!;
    const endCall = r.rec.calls.find((x) => x.kind === 'end' && x.id === 0);
    expect(endCall).to.deep.include({ atFrame: tick });
    expect(k.lastFrame).to.equal(late);
    expect(k.events['data-after-fin']!.frames).to.deep.equal([late]);
    expect(r.rec.calls.some((x) => x.kind === 'data' && x.frame === late)).to.equal(false);
    expect(r.conns.length).to.equal(2);
    expect(trailing).to.be.lessThan(tick);
  });

  it('deliver = false: no buffering or delivery, counting and detection go on', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:20' });
    c.handshake();
    c.server('A', 1000);
    c.lose('server', 500);
    c.server('A', 1000);
    c.client('A');
    const r = run(t, {}, (rec) => {
      rec.onConnectionHook = (conn) => {
        conn.deliver = false;
      };
    });
    const k = r.conns[0]!;
    expect(r.rec.calls.filter((x) => x.kind === 'data' || x.kind === 'gap')).to.deep.equal([]);
    expect(k.server.bytesSent).to.equal(2500);
    expect(k.server.bytesCaptured).to.equal(2000);
    expect(k.server.bytesAcked).to.equal(2500);
    expect(k.events['lost-segment']!.count).to.equal(1);
    expect(r.engine.stats.bufferedBytes).to.equal(0);
  });

  it('switching delivery off later drops what is held', () => {
    const rec = new Recorder();
    const engine = new TcpEngine(rec);
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:20' });
    c.handshake();
    c.lose('server', 100);
    c.server('A', 300);
    feed(engine, rec, t);
    expect(engine.stats.bufferedBytes).to.equal(300);
    engine.connections[0]!.deliver = false;
    const t2 = new TraceBuilder({ start: 1_700_000_001 });
    t2.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:20', clientIsn: c.isn('client'), serverIsn: c.isn('server') }).client('A', undefined, {
      seq: 1,
      ack: 1,
    });
    feed(engine, rec, t2);
    expect(engine.stats.bufferedBytes).to.equal(0);
    engine.finish();
    expect(rec.calls.filter((x) => x.kind === 'data' || x.kind === 'gap')).to.deep.equal([]);
  });
});

describe('tcp/engine: byte streams', () => {
  it('delivers across the 32-bit sequence wrap (ISN near 2^32)', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21', clientIsn: 0xffffff00, serverIsn: 0xfffffff0 });
    c.handshake();
    const text = Array.from({ length: 40 }, (_, i) => `STOR file-${i}.bin\r\n`).join('');
    c.stream('client', text, 97);
    c.server('A');
    c.server('PA', 'x'.repeat(64));
    c.client('A');
    c.close();
    const r = run(t);
    const k = r.conns[0]!;
    expect(r.rec.stream(0, 'client')).to.equal(text);
    expect(r.rec.stream(0, 'server')).to.equal('x'.repeat(64));
    expect(k.client.bytesSent).to.equal(text.length);
    expect(k.client.bytesAcked).to.equal(text.length);
    expect(k.server.bytesSent).to.equal(64);
    expect(Object.keys(k.events)).to.deep.equal([]);
    expect(k.connState).to.equal('SF');
  });

  it('reassembles out-of-order and overlapping retransmissions into the original bytes', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    c.handshake();
    const text = '230 Login successful.\r\n';
    c.lose('server', 10);
    c.server('PA', text.slice(10), { seq: 11 }); // arrives first
    c.server('A', text.slice(0, 14), { seq: 1, noAdvance: true }); // overlaps what is held
    c.server('A', text.slice(5, 12), { seq: 6, noAdvance: true }); // all old
    c.client('A');
    const r = run(t);
    expect(r.rec.stream(0, 'server')).to.equal(text);
    expect(r.rec.gaps(0, 'server')).to.deep.equal([]);
    expect(r.conns[0]!.server.bytesCaptured).to.equal(text.length);
  });

  it('a gap is delivered when the peer acknowledges past it, before the data behind it', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    c.handshake();
    c.server('PA', '150 ok\r\n');
    c.lose('server', 20);
    c.server('PA', '226 done\r\n');
    const ack = c.client('A');
    const r = run(t, {}, undefined, true);
    const gap = r.rec.calls.find((x) => x.kind === 'gap');
    expect(gap).to.deep.include({ offset: 8, length: 20, frame: ack });
    expect(r.rec.stream(0, 'server')).to.equal(`150 ok\r\n${'?'.repeat(20)}226 done\r\n`);
    expect(r.conns[0]!.ended).to.equal(false);
  });

  it('holes still open at the end of the capture come out as gaps; held bytes are counted', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    c.handshake();
    c.lose('client', 5);
    c.client('PA', 'PWD\r\n');
    const rec = new Recorder();
    const engine = new TcpEngine(rec);
    feed(engine, rec, t);
    expect(engine.stats.bufferedBytes).to.equal(5);
    expect(engine.stats.liveFlows).to.equal(1);
    engine.finish();
    expect(rec.stream(0, 'client')).to.equal('?????PWD\r\n');
    expect(engine.stats.bufferedBytes).to.equal(0);
  });

  it('bytes a snaplen cut off are a gap, not data', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    c.handshake();
    const cut = c.server('PA', 'ABCDEFGHIJ');
    c.server('PA', 'KLM');
    c.client('A');
    const frames = t.frames();
    const f = frames[cut - 1]!;
    frames[cut - 1] = { ...f, data: f.data.subarray(0, f.data.length - 4) };
    const r = run(t);
    expect(r.rec.stream(0, 'server')).to.equal('ABCDEF????KLM');
    const k = r.conns[0]!;
    expect(k.server.bytesSent).to.equal(13);
    expect(k.server.bytesCaptured).to.equal(9);
  });
});

describe('tcp/engine: delivery switched back on', () => {
  it('resumes with the next segment, not with a gap over what went by undelivered', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    c.handshake();
    c.server('PA', '220 first\r\n');
    c.client('A');
    const r = run(t, {}, (rec) => {
      rec.onConnectionHook = (conn) => {
        conn.deliver = false;
      };
    }, true);
    const conn = r.conns[0]!;
    conn.deliver = true;
    const t2 = new TraceBuilder({ start: 1_700_000_001 });
    const c2 = t2.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21', clientIsn: c.isn('client'), serverIsn: c.isn('server') });
    c2.server('PA', '230 second\r\n', { seq: c.nextSeq('server'), ack: 1 });
    feed(r.engine, r.rec, t2);
    r.engine.finish();
    const data = r.rec.calls.filter((x) => x.kind === 'data' || x.kind === 'gap');
    expect(data.length).to.equal(1);
    expect(data[0]).to.deep.include({ kind: 'data', offset: 11 });
    expect((data[0] as { bytes: Buffer }).bytes.toString()).to.equal('230 second\r\n');
  });
});
