// The cap on ended flows kept in the flow table (TcpEngineOptions.maxEndedFlows): memory follows
// the connections open at a time, not the length of the capture.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { run } from './helpers.ts';

/** Two conversations closed one after the other, then a late segment on the first one's 4-tuple
 *  once both have ended. */
function trace(): { t: TraceBuilder; late: number } {
  const t = new TraceBuilder();
  const a = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
  const b = t.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:21' });
  a.handshake();
  a.close();
  b.handshake();
  b.close();
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
  });
});
