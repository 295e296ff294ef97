// One test per TCP event kind, on small crafted ladders, plus the aggregation rules.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { Flag } from '../../src/tcp/analysis.ts';
import { MAX_EVENT_FRAMES } from '../../src/tcp/types.ts';
import { framesWith, run } from './helpers.ts';

function ftp(t = new TraceBuilder()) {
  return { t, c: t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' }) };
}

describe('tcp/events: closing and resets', () => {
  it('early-half-close: the server closes, the client acknowledges and still sends a command', () => {
    const { t, c } = ftp();
    c.handshake();
    const fin = c.server('FA');
    c.client('A');
    const quit = c.client('PA', 'QUIT\r\n');
    const rst = c.server('R');
    const k = run(t).conns[0]!;
    expect(k.halfClose).to.deep.equal({ by: 'server', finFrame: fin, peerBytesAfter: 6, peerFramesAfter: [quit] });
    expect(k.events['early-half-close']).to.deep.equal({ count: 1, frames: [quit], client: 1, server: 0 });
    // the server, already closed, resets: the command was never read
    expect(k.reset).to.deep.include({ by: 'server', frame: rst, senderState: 'FIN-WAIT-2', peerState: 'CLOSE-WAIT' });
    expect(k.reset!.unackedByPeer).to.equal(6);
    expect(k.connState).to.equal('RSTR');
  });

  it('no early-half-close for data crossing the FIN (the sender had not seen it yet)', () => {
    const { t, c } = ftp();
    c.handshake();
    c.client('FA');
    c.server('PA', '221 bye\r\n', { ack: 1 }); // does not acknowledge the FIN
    c.server('FA');
    c.client('A');
    const k = run(t).conns[0]!;
    expect(k.halfClose).to.equal(null);
    expect(k.events['early-half-close']).to.equal(undefined);
  });

  it('stray-ack-after-fin: the Windows pattern, answered by RST', () => {
    const { t, c } = ftp();
    c.handshake();
    c.server('PA', '221 bye\r\n');
    const sfin = c.server('FA');
    const cack = c.client('A'); // acknowledges the server's FIN
    c.client('FA');
    const stray = c.client('A'); // one more ACK, acknowledging nothing new
    const rst = c.server('R');
    const k = run(t).conns[0]!;
    expect(k.server.finFrame).to.equal(sfin);
    expect(k.strayAck).to.deep.equal({ by: 'client', finAckFrame: cack, frame: stray, rstFrame: rst, ackBelow: 0 });
    expect(k.events['stray-ack-after-fin']).to.deep.equal({ count: 1, frames: [stray], client: 1, server: 0 });
    expect(k.reset!.afterStrayAck).to.equal(true);
    expect(k.reset!.by).to.equal('server');
    expect(k.closedBy).to.equal('server');
    expect(k.closeKind).to.equal('fin');
  });

  it('no stray ACK in an orderly close, nor when the ACK answers a retransmitted FIN', () => {
    const a = ftp();
    a.c.handshake();
    a.c.close();
    expect(run(a.t).conns[0]!.strayAck).to.equal(null);
    const b = ftp();
    b.c.handshake();
    b.c.server('FA');
    b.c.client('A');
    b.c.server('FA', undefined, { seq: 1, dt: 0.3 }); // the FIN again: the ACK was lost on the way
    b.c.client('A');
    const k = run(b.t).conns[0]!;
    expect(k.strayAck).to.equal(null);
    expect(k.events['stray-ack-after-fin']).to.equal(undefined);
    // an old duplicate from the peer after the close is answered with an ACK: not stray either
    const d = ftp();
    d.c.handshake();
    d.c.server('PA', '220 hello\r\n');
    d.c.client('A');
    d.c.close();
    d.c.server('A', undefined, { seq: 1, ack: 1, dt: 0.1 }); // a copy of an early ACK, delayed
    d.c.client('A');
    expect(run(d.t).conns[0]!.strayAck).to.equal(null);
  });

  it('data-after-fin: new data beyond the sender\'s own FIN', () => {
    const { t, c } = ftp();
    c.handshake();
    c.client('FA');
    const late = c.client('PA', 'late\r\n');
    const k = run(t).conns[0]!;
    expect(k.events['data-after-fin']).to.deep.equal({ count: 1, frames: [late], client: 1, server: 0 });
  });

  it('data-after-reset: payload after the connection was reset', () => {
    const { t, c } = ftp();
    c.handshake();
    c.client('RA');
    const late = c.server('PA', '421 timeout\r\n');
    const k = run(t).conns[0]!;
    expect(k.events['data-after-reset']).to.deep.equal({ count: 1, frames: [late], client: 0, server: 1 });
  });

  it('an RST/ACK after an RST within the grace still belongs to the connection', () => {
    const { t, c } = ftp();
    c.handshake();
    const first = c.client('RA');
    const second = c.server('RA', undefined, { dt: 0.5 });
    const k = run(t).conns[0]!;
    expect(k.events['tcp-reset']).to.deep.equal({ count: 2, frames: [first, second], client: 1, server: 1 });
    expect(k.reset!.frame).to.equal(first);
  });
});

describe('tcp/events: Wireshark-compatible analysis', () => {
  it('retransmission, spurious retransmission', () => {
    const { t, c } = ftp();
    c.handshake();
    const orig = c.server('PA', '220 hello\r\n');
    const rt = c.server('PA', '220 hello\r\n', { seq: 1, dt: 0.5 });
    c.client('A');
    const spur = c.server('PA', '220 hello\r\n', { seq: 1, dt: 1 });
    const r = run(t);
    const k = r.conns[0]!;
    expect(framesWith(r.flags, Flag.RETRANSMISSION)).to.deep.equal([rt]);
    expect(framesWith(r.flags, Flag.SPURIOUS_RETRANSMISSION)).to.deep.equal([spur]);
    expect(k.events.retransmission).to.deep.equal({ count: 1, frames: [rt], client: 0, server: 1 });
    expect(k.events['spurious-retransmission']!.frames).to.deep.equal([spur]);
    expect(orig).to.be.lessThan(rt);
    // delivered once
    expect(r.rec.stream(0, 'server')).to.equal('220 hello\r\n');
  });

  it('fast retransmission after three duplicate ACKs; duplicate-ack counted per ACK', () => {
    const { t, c } = ftp();
    c.handshake();
    c.server('A', 100);
    c.lose('server', 100);
    c.server('A', 100);
    c.server('A', 100);
    const dups = [c.client('A', undefined, { ack: 101 }), c.client('A', undefined, { ack: 101 }), c.client('A', undefined, { ack: 101 })];
    const fast = c.server('A', 100, { seq: 101, noAdvance: true });
    const r = run(t);
    const k = r.conns[0]!;
    expect(k.events['duplicate-ack']).to.deep.equal({ count: 2, frames: dups.slice(1), client: 2, server: 0 });
    expect(k.events['fast-retransmission']).to.deep.equal({ count: 1, frames: [fast], client: 0, server: 1 });
    expect(k.events['lost-segment']!.frames).to.deep.equal([dups[0]! - 2]);
  });

  it('out-of-order: the missing segment comes within the handshake RTT', () => {
    const { t, c } = ftp();
    c.handshake();
    c.lose('server', 100);
    const ahead = c.server('A', 100);
    const late = c.server('A', 100, { seq: 1, noAdvance: true });
    const r = run(t);
    const k = r.conns[0]!;
    expect(k.events['lost-segment']!.frames).to.deep.equal([ahead]);
    expect(k.events['out-of-order']!.frames).to.deep.equal([late]);
    expect(r.rec.gaps(0, 'server')).to.deep.equal([]); // the hole was filled
    expect(r.rec.stream(0, 'server').length).to.equal(200);
  });

  it('lost-segment and ack-unseen: the capture missed data the receiver got', () => {
    const { t, c } = ftp();
    c.handshake();
    c.server('A', 100);
    c.lose('server', 50);
    const after = c.server('PA', 30);
    const ack = c.client('A');
    const r = run(t);
    const k = r.conns[0]!;
    expect(k.events['lost-segment']!.frames).to.deep.equal([after]);
    expect(k.events['ack-unseen']!.frames).to.deep.equal([ack]);
    expect(k.server.bytesSent).to.equal(180);
    expect(k.server.bytesCaptured).to.equal(130);
    expect(k.server.bytesAcked).to.equal(180);
    expect(k.history).to.include('g'); // a content gap in the responder's stream
    expect(r.rec.gaps(0, 'server')).to.deep.equal([{ offset: 100, length: 50 }]);
  });

  it('zero-window, window-full and keep-alive', () => {
    const { t, c } = ftp();
    c.handshake();
    c.client('A', undefined, { window: 300 });
    const full = c.server('A', 300);
    const zero = c.client('A', undefined, { window: 0 });
    c.client('A', undefined, { window: 8192, dt: 1 });
    const ka = c.server('A', undefined, { seq: c.nextSeq('server') - 1, dt: 60 });
    const r = run(t);
    const k = r.conns[0]!;
    expect(k.events['window-full']!.frames).to.deep.equal([full]);
    expect(k.events['zero-window']!.frames).to.deep.equal([zero]);
    expect(k.events['keep-alive']!.frames).to.deep.equal([ka]);
    expect(k.history).to.include('W'); // the client (originator) advertised a zero window
  });

  it('window-full with window scaling applies the agreed shift', () => {
    const t = new TraceBuilder();
    const d = t.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:21', windowScale: 2 });
    d.handshake();
    d.client('A', undefined, { window: 100 }); // 100 << 2 = 400 bytes
    d.server('A', 300);
    const full = d.server('A', 100);
    const r = run(t);
    const k = r.conns[0]!;
    expect(k.client.windowScale).to.equal(2);
    expect(k.server.windowScale).to.equal(2);
    expect(k.events['window-full']!.frames).to.deep.equal([full]);
  });

  it('keeps one record per kind: count grows, frames stop at MAX_EVENT_FRAMES', () => {
    const { t, c } = ftp();
    c.handshake();
    c.server('PA', '220 x\r\n');
    c.client('A');
    const n = MAX_EVENT_FRAMES + 50;
    for (let i = 0; i < n; i++) c.client('A');
    const k = run(t).conns[0]!;
    const rec = k.events['duplicate-ack']!;
    expect(rec.count).to.equal(n);
    expect(rec.client).to.equal(n);
    expect(rec.frames.length).to.equal(MAX_EVENT_FRAMES);
    expect(rec.frames).to.deep.equal([...rec.frames].sort((a, b) => a - b));
    expect(Object.keys(k.events)).to.deep.equal(['duplicate-ack']);
  });
});

describe('tcp/events: engine limits', () => {
  it('reassembly-overflow: out-of-order bytes beyond the cap force the hole out as a gap', () => {
    const { t, c } = ftp();
    c.handshake();
    c.lose('server', 100);
    c.server('A', 400);
    c.server('A', 400);
    const over = c.server('A', 400); // 1200 buffered > 1000
    const r = run(t, { maxBufferedBytesPerFlow: 1000 });
    const k = r.conns[0]!;
    expect(k.events['reassembly-overflow']!.frames).to.deep.equal([over]);
    expect(r.rec.gaps(0, 'server')).to.deep.equal([{ offset: 0, length: 100 }]);
    expect(r.rec.stream(0, 'server').length).to.equal(1300);
    expect(r.engine.stats.bufferedBytes).to.equal(0);
  });

  it('flow-evicted: past maxFlows the idlest live flow is closed out early', () => {
    const t = new TraceBuilder();
    const a = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    const b = t.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:21' });
    const c = t.tcp({ client: '192.0.2.1:40002', server: '192.0.2.2:21' });
    a.handshake();
    b.handshake();
    a.client('PA', 'NOOP\r\n'); // a is now more recent than b
    c.handshake();
    const r = run(t, { maxFlows: 2 });
    const [ka, kb, kc] = r.conns;
    expect(kb!.evicted).to.equal(true);
    expect(kb!.events['flow-evicted']).to.deep.equal({ count: 1, frames: [kb!.lastFrame], client: 0, server: 0 });
    expect(ka!.evicted).to.equal(false);
    expect(kc!.evicted).to.equal(false);
    expect(r.engine.stats.evicted).to.equal(1);
    expect(r.rec.ends()[0]).to.equal(kb!.id); // closed out before the others
    expect(r.engine.stats.liveFlows).to.equal(2);
  });
});
