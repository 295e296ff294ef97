// The TCP heuristics that must hold on every stack: stray-ack-after-fin by its definition,
// window stalls measured in time, what a side does after its own FIN, the RST after a finished
// close, capture clocks that go backwards, and gaps the capture dropped rather than the network
// lost. Engine facts on crafted ladders, and the severity the rules give them.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { builtinRuleSet } from '../../src/diagnose/rule-loader.ts';
import { Analysis } from '../../src/pipeline/analyze.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import { run } from './helpers.ts';

/** An FTP control connection (so its findings are not background traffic), 0.1 ms per frame. */
function ladder(t = new TraceBuilder({ step: 0.0001 })) {
  const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:21' });
  return { t, c };
}

function findings(t: TraceBuilder): Finding[] {
  const a = new Analysis({ rules: builtinRuleSet() });
  for (const f of t.captureFrames()) a.frame(f);
  return a.finish().findings;
}

describe('tcp: stray-ack-after-fin by its definition', () => {
  it('the delayed older ACK: after the ACK of the FIN, an ACK of the data before it (the NT ladder), and the RST it drew', () => {
    const { t, c } = ladder();
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.server('A', 1000);
    c.server('FA');
    const finAck = c.client('A'); // acknowledges the data and the FIN
    const older = c.client('A', undefined, { ack: 1012, dt: 0.2 }); // the delayed ACK of the data only
    const rst = c.server('R');
    const k = run(t).conns[0]!;
    expect(k.strayAck).to.deep.equal({ by: 'client', finAckFrame: finAck, frame: older, rstFrame: rst, ackBelow: 1 });
    expect(k.reset!.afterStrayAck).to.equal(true);
    const f = findings(t);
    expect(f.find((x) => x.id === 'stray-ack-after-fin')!.severity).to.equal('warning');
    expect(f.some((x) => x.id === 'tcp-reset'), 'the RST is the stray ACK’s consequence').to.equal(false);
  });

  it('a window update after the ACK of the FIN acknowledges nothing new: a stray ACK, info without an RST', () => {
    const { t, c } = ladder();
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.server('A', 500);
    c.server('FA');
    c.client('A', undefined, { window: 1000 });
    const update = c.client('A', undefined, { window: 65535, dt: 0.01 });
    c.client('FA');
    c.server('A');
    const k = run(t).conns[0]!;
    expect(k.strayAck).to.deep.include({ frame: update, rstFrame: null, ackBelow: 0 });
    const stray = findings(t).find((x) => x.id === 'stray-ack-after-fin')!;
    expect(stray.severity).to.equal('info');
    expect(stray.summary).to.contain('no RST followed');
  });

  it('the stray ACK that drew the RST is the one reported, not an earlier harmless one', () => {
    const { t, c } = ladder();
    c.handshake();
    c.server('FA');
    c.client('A', undefined, { window: 1000 });
    c.client('A', undefined, { window: 2000 }); // a window update: stray, no answer
    c.client('FA');
    c.server('A');
    const repeat = c.client('A');
    const rst = c.server('R');
    const k = run(t).conns[0]!;
    expect(k.events['stray-ack-after-fin']!.count).to.equal(2);
    expect(k.strayAck).to.deep.include({ frame: repeat, rstFrame: rst });
  });

  it('not a keep-alive, not the answer to one, not an ACK that acknowledges something new', () => {
    const { t, c } = ladder();
    c.handshake();
    c.server('FA');
    c.client('A');
    // the server (FIN-WAIT-2, keep-alive on) probes; the client answers: neither is stray
    c.server('A', undefined, { seq: c.nextSeq('server') - 1, dt: 75 });
    c.client('A');
    // the client's own keep-alive (CLOSE-WAIT), and the server's answer
    c.client('A', undefined, { seq: c.nextSeq('client') - 1, dt: 75 });
    c.server('A');
    // new data from the client, and the ACK of it
    c.client('PA', 'late\r\n');
    c.server('A');
    const k = run(t).conns[0]!;
    expect(k.events['keep-alive']!.count).to.equal(2);
    expect(k.strayAck).to.equal(null);
    expect(k.events['stray-ack-after-fin']).to.equal(undefined);
  });
});

describe('tcp: window stalls are measured in time', () => {
  /** A download whose receiver advertises zero windows of `closed` seconds, `times` times. */
  function stalls(closed: number, times: number, end: 'fin' | 'reset-while-closed') {
    const { t, c } = ladder();
    c.handshake();
    c.server('PA', '220 ready\r\n');
    for (let i = 0; i < times; i++) {
      c.server('A', 1000);
      c.client('A', undefined, { window: 0 });
      c.client('A', undefined, { dt: closed });
    }
    if (end === 'reset-while-closed') {
      c.server('A', 1000);
      c.client('A', undefined, { window: 0 });
      c.client('RA', undefined, { dt: 3 });
    } else {
      c.server('FA');
      c.client('FA');
      c.server('A');
    }
    return t;
  }

  it('27 zero windows of 0.2 ms each on a healthy transfer: flow control, info', () => {
    const t = stalls(0.0002, 27, 'fin');
    const k = run(t).conns[0]!;
    expect(k.client.stall).to.deep.include({ count: 27, periods: 27, closedAtEnd: false });
    expect(k.client.stall!.longest).to.be.closeTo(0.0003, 0.00002); // the trace's 0.1 ms step included
    expect(k.client.stall!.total).to.be.closeTo(27 * 0.0003, 0.0005);
    const zw = findings(t).find((x) => x.id === 'zero-window')!;
    expect(zw.severity).to.equal('info');
    expect(zw.summary).to.match(/the client closed its receive window 27 times .* flow control/);
  });

  it('a window closed for seconds holds the transfer up: warning with the longest and total time', () => {
    const t = stalls(3, 2, 'fin');
    const zw = findings(t).find((x) => x.id === 'zero-window')!;
    expect(zw.severity).to.equal('warning');
    expect(zw.summary).to.match(/kept its receive window closed for 3\.\d+ s .*6\.\d+ s in all/);
  });

  it('a window still closed when the connection ends stalled it for good: warning', () => {
    const t = stalls(0.0002, 1, 'reset-while-closed');
    const k = run(t).conns[0]!;
    expect(k.client.stall).to.deep.include({ periods: 2, closedAtEnd: true });
    expect(k.client.stall!.longest).to.be.closeTo(3, 0.01);
    expect(findings(t).find((x) => x.id === 'zero-window')!.severity).to.equal('warning');
  });

  it('zero windows a side advertises after its own FIN belong to its close, not to a stall', () => {
    // old Windows: the client closes, then acknowledges the server's FIN (and its retransmission) with window 0
    const { t, c } = ladder();
    c.handshake();
    c.server('PA', '530 Login incorrect.\r\n');
    c.client('FA');
    c.server('A');
    c.server('FA');
    c.client('A');
    c.server('FA', undefined, { seq: c.nextSeq('server') - 1, dt: 0.2 });
    c.client('A', undefined, { window: 0 });
    c.server('R', undefined, { dt: 0.1 });
    const k = run(t).conns[0]!;
    expect(k.events['zero-window']!.count, "Wireshark's flag stays").to.equal(1);
    expect(k.client.stall).to.equal(undefined);
    expect(k.server.retransmissionsAfterFin).to.equal(1);
    const f = findings(t);
    expect(f.some((x) => x.id === 'zero-window')).to.equal(false);
    // both had closed and everything was acknowledged: the RST lost nothing
    expect(k.reset).to.deep.include({ senderFinFrame: k.server.finFrame, peerFinFrame: k.client.finFrame, peerFinished: true });
    const reset = f.find((x) => x.id === 'control-reset')!;
    expect(reset.severity).to.equal('info');
    expect(reset.summary).to.contain('after both sides had closed');
  });
});

describe('tcp: after the close', () => {
  it('retransmissions of a side’s FIN are its close, not loss: info however many', () => {
    const { t, c } = ladder();
    c.handshake();
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 bye\r\n');
    c.client('A');
    c.server('FA');
    for (let i = 0; i < 6; i++) c.server('FA', undefined, { seq: c.nextSeq('server') - 1, dt: 0.2 * 2 ** i });
    const k = run(t).conns[0]!;
    expect(k.events['retransmission']!.count).to.equal(6);
    expect(k.server.retransmissionsAfterFin).to.equal(6);
    const rt = findings(t).find((x) => x.id === 'retransmission')!;
    expect(rt.severity).to.equal('info');
    expect(rt.summary).to.contain("all after their sender's own FIN");
  });

  it('a data connection reset after both FINs, everything acknowledged: info, nothing was lost', () => {
    const t = new TraceBuilder({ step: 0.0001 });
    const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:21' });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'PASV\r\n');
    c.server('PA', '227 Entering Passive Mode (198,51,100,2,195,80).\r\n');
    const d = t.tcp({ client: '192.0.2.1:40001', server: '198.51.100.2:50000' });
    d.handshake();
    c.client('PA', 'RETR a.bin\r\n');
    c.server('PA', '150 Opening BINARY mode data connection for a.bin (2000 bytes).\r\n');
    d.server('PA', 2000);
    d.server('FA');
    d.client('A');
    d.client('FA');
    d.server('A');
    d.server('R', undefined, { dt: 0.3 }); // the server's stack, its socket gone, resets at the end
    c.server('PA', '226 Transfer complete.\r\n');
    const reset = findings(t).find((x) => x.id === 'tcp-reset')!;
    expect(reset.severity).to.equal('info');
    expect(reset.summary).to.contain('after both sides had closed');
  });

  it('an RST from a side that had not closed first is not taken as harmless', () => {
    const { t, c } = ladder();
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.server('A', 1000);
    c.server('FA');
    c.client('A');
    c.client('RA', undefined, { dt: 0.3 }); // the client never sent FIN: it may have left data unread
    const k = run(t).conns[0]!;
    expect(k.reset).to.deep.include({ senderFinFrame: 0, peerFinished: true });
    expect(findings(t).find((x) => x.id === 'control-reset')!.severity).to.equal('error');
  });
});

describe('tcp: a capture whose clock goes backwards', () => {
  it('a segment repeated after the clock jumped back is a retransmission, as Wireshark’s unsigned time difference has it', () => {
    const { t, c } = ladder();
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('A');
    t.wait(-30); // the file's second half starts again earlier
    const again = c.server('PA', '220 ready\r\n', { seq: 1 });
    const k = run(t).conns[0]!;
    expect(k.events['out-of-order']).to.equal(undefined);
    expect(k.events['spurious-retransmission']!.frames).to.deep.equal([again]);
  });
});

describe('tcp: bytes the capture dropped are not bytes the network lost', () => {
  /** Three segments from the server, the middle one missing here; `after` writes the rest. */
  function gap(after: (c: ReturnType<typeof ladder>['c']) => void) {
    const { t, c } = ladder();
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('A');
    c.server('A', 1000);
    c.lose('server', 1000);
    c.server('A', 1000);
    after(c);
    return findings(t).find((x) => x.id === 'lost-segment')!;
  }

  it('the receiver acknowledged every missing byte and nothing was resent: the capture dropped it, info', () => {
    const f = gap((c) => c.client('A'));
    expect(f.severity).to.equal('info');
    expect(f.summary).to.contain('the capture dropped them, the data arrived');
  });

  it('the hole was filled by a resend: the network lost it, warning', () => {
    const f = gap((c) => {
      c.client('A', undefined, { ack: 1012 });
      c.client('A', undefined, { ack: 1012 });
      c.server('A', 1000, { seq: 1012, dt: 0.2 });
      c.client('A');
    });
    expect(f.severity).to.equal('warning');
  });

  it('a hole nobody acknowledged may never have arrived: warning', () => {
    const f = gap((c) => {
      c.client('A', undefined, { ack: 1012 });
      c.client('RA', undefined, { ack: 1012, dt: 1 });
    });
    expect(f.severity).to.equal('warning');
  });
});
