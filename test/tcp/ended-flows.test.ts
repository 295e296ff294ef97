// The bounds on flows kept after close-out (TcpEngineOptions.maxClosingFlows, maxEndedFlows,
// endedFlowSeconds): memory follows the connections open at a time, not the length of the capture.

import { expect } from 'chai';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { run } from './helpers.ts';

/** Two conversations closed one after the other; b closes out (its second FIN) at bClosedOut. */
function twoClosed(): { t: TraceBuilder; a: TcpLadder; bClosedOut: number } {
  const t = new TraceBuilder();
  const a = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
  const b = t.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:21' });
  a.handshake();
  a.close();
  b.handshake();
  const bClosedOut = b.close()[2]!;
  return { t, a, bClosedOut };
}

/** Then a late segment on the first one's 4-tuple once both have ended. */
function trace(): { t: TraceBuilder; late: number } {
  const { t, a } = twoClosed();
  const c = t.tcp({ client: '192.0.2.1:40002', server: '192.0.2.2:21' });
  c.client('S', undefined, { dt: 3 }); // both graces have passed: a, then b end here
  const late = a.server('PA', 'late\r\n', { dt: 0.1 });
  return { t, late };
}

describe('tcp/engine: ended flows kept for late packets', () => {
  it('counts a late segment in its ended conversation while the flow is kept (default cap)', () => {
    const { t, late } = trace();
    const r = run(t, { closeGraceSeconds: 2 }, undefined, true);
    expect(r.conns.length).to.equal(3);
    expect(r.conns[0]!.lastFrame).to.equal(late);
    expect(r.engine.stats.liveFlows).to.equal(3);
  });

  it('forgets the longest-ended flow beyond maxEndedFlows: a late segment starts a new conversation', () => {
    const { t, late } = trace();
    const r = run(t, { closeGraceSeconds: 2, maxEndedFlows: 1 }, undefined, true);
    expect(r.rec.ends()).to.deep.equal([0, 1]);
    expect(r.conns.length).to.equal(4);
    expect(r.conns[0]!.lastFrame).to.be.lessThan(late);
    expect(r.conns[3]!.firstFrame).to.equal(late);
    expect(r.conns[3]!.roleGuessed).to.equal(true);
    // one ended flow kept (b), c live, the late one live
    expect(r.engine.stats.liveFlows).to.equal(3);
    // a is reported forgotten when b's end pushes it out
    expect(r.rec.forgotten().map((f) => f.id)).to.deep.equal([0]);
  });

  it('forgets an ended flow quiet for longer than endedFlowSeconds, and says so once', () => {
    const t = new TraceBuilder();
    const a = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    a.handshake();
    a.close();
    const b = t.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:21' });
    const seen = b.client('S', undefined, { dt: 30 }); //  a ended (grace passed), still kept
    const after = b.client('S', undefined, { dt: 31 }); // a quiet for 61 s: forgotten here
    const late = a.server('PA', 'late\r\n', { dt: 1 });
    const r = run(t, { closeGraceSeconds: 2, endedFlowSeconds: 60 }, undefined, true);
    expect(r.rec.ends()[0]).to.equal(0);
    expect(r.rec.forgotten()[0]).to.deep.equal({ id: 0, atFrame: after });
    expect(r.rec.forgotten().filter((f) => f.id === 0)).to.have.length(1);
    expect(seen).to.be.lessThan(after);
    // the late segment starts a conversation of its own
    expect(r.conns.at(-1)!.firstFrame).to.equal(late);
    expect(r.conns.at(-1)!.id).to.not.equal(0);
    expect(r.conns[0]!.lastFrame).to.be.lessThan(late);
  });

  it('reports a flow forgotten when a new SYN reuses its 4-tuple', () => {
    const t = new TraceBuilder();
    const a = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    a.handshake();
    const again = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' }); // its own ISN
    const syn = again.client('S', undefined, { dt: 1 });
    const r = run(t, {}, undefined, true);
    expect(r.rec.forgotten()).to.deep.equal([{ id: 0, atFrame: syn }]);
  });
});

describe('tcp/engine: closed-out flows waiting out their grace', () => {
  /** Both closed out within the grace, then a stray ACK from a's client and the server's RST
   *  answering it, still within a's grace. */
  function closing(): { t: TraceBuilder; bClosedOut: number; stray: number; rst: number } {
    const { t, a, bClosedOut } = twoClosed();
    const stray = a.client('A', undefined, { dt: 0.1 });
    const rst = a.server('R', undefined, { dt: 0.01 });
    return { t, bClosedOut, stray, rst };
  }

  it('keeps every closed-out flow for its whole grace while fewer than maxClosingFlows wait', () => {
    const { t, rst } = closing();
    const r = run(t, { closeGraceSeconds: 2 }, undefined, true);
    expect(r.rec.calls.filter((c) => c.kind === 'end')).to.deep.equal([]);
    expect(r.conns[0]!.lastFrame).to.equal(rst);
  });

  it('ends the flow closed out longest ago beyond maxClosingFlows; its late packets still count in it', () => {
    const { t, bClosedOut, stray, rst } = closing();
    const r = run(t, { closeGraceSeconds: 2, maxClosingFlows: 1 }, undefined, true);
    // a ends when b's close-out makes two wait, long before a's 2 s have passed
    expect(r.rec.calls.filter((c) => c.kind === 'end')).to.deep.equal([{ kind: 'end', id: 0, atFrame: bClosedOut }]);
    // the stray ACK and the RST answering it are still a's, as an ended flow's late packets are
    expect(r.conns.length).to.equal(2);
    expect(r.conns[0]!.lastFrame).to.equal(rst);
    expect(r.conns[0]!.strayAck?.frame).to.equal(stray);
    expect(r.conns[0]!.strayAck?.rstFrame).to.equal(rst);
  });
});

describe('tcp/engine: close-out once both sides sent FIN', () => {
  it('ends a connection whose last ACK is missing without waiting for the end of the capture', () => {
    const t = new TraceBuilder();
    const a = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    a.handshake();
    a.client('FA');
    a.server('A');
    a.server('FA'); // the client's last ACK is not in the capture
    const b = t.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:21' });
    const next = b.client('S', undefined, { dt: 3 });
    const r = run(t, { closeGraceSeconds: 2 }, undefined, true);
    expect(r.rec.calls.filter((c) => c.kind === 'end')).to.deep.equal([{ kind: 'end', id: 0, atFrame: next }]);
    expect(r.conns[0]!.closedBy).to.equal('client');
  });
});

describe('tcp/engine: idle timeout', () => {
  function silent(): { t: TraceBuilder; wake: number } {
    const t = new TraceBuilder();
    const a = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    a.handshake();
    const b = t.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:21' });
    const wake = b.client('S', undefined, { dt: 601 }); // a has been silent for 601 s
    return { t, wake };
  }

  it('ends a connection silent for longer than idleTimeoutSeconds, and records when', () => {
    const { t, wake } = silent();
    const r = run(t, { idleTimeoutSeconds: 600 }, undefined, true);
    expect(r.rec.calls.filter((c) => c.kind === 'end')).to.deep.equal([{ kind: 'end', id: 0, atFrame: wake }]);
    expect(r.conns[0]!.idleEndedAt).to.be.closeTo(r.conns[1]!.startTime, 1e-6);
    expect(r.conns[0]!.closeKind).to.equal(null);
  });

  it('keeps it open when the listener asks to (keepIdle), and never with 0', () => {
    const kept = run(silent().t, { idleTimeoutSeconds: 600 }, (rec) => Object.assign(rec, { keepIdle: () => true }), true);
    expect(kept.rec.ends()).to.deep.equal([]);
    const never = run(silent().t, { idleTimeoutSeconds: 0 }, undefined, true);
    expect(never.rec.ends()).to.deep.equal([]);
    expect(never.conns[0]!.idleEndedAt).to.equal(null);
  });
});
