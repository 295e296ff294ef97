// Segments the capture dropped (the receiver acknowledged them) are the capture's fault, at info;
// a gap filled later by a retransmission is loss on the network and stays a warning.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { analyzeTrace, byId, login, openPassiveRetr, quit } from './support.ts';

function download(drop: 'capture' | 'network'): TraceBuilder {
  const t = new TraceBuilder();
  const c = login(t);
  const d = openPassiveRetr(t, c);
  d.server('A', 1000);
  if (drop === 'capture') {
    d.lose('server', 1000); // not in the capture, but it reached the client: its ACK says so
    d.server('A', 1000);
    d.client('A');
  } else {
    const seq = d.nextSeq('server');
    d.lose('server', 1000);
    d.server('A', 1000);
    d.client('A', undefined, { ack: seq });
    d.server('A', 1000, { seq, noAdvance: true, dt: 0.2 }); // the retransmission fills the gap
    d.client('A');
  }
  d.server('FA');
  d.client('FA');
  d.server('A');
  c.server('PA', '226 Transfer complete\r\n');
  quit(c);
  return t;
}

describe('field captures: gaps the capture made', () => {
  it('bytes missing from the capture that the receiver acknowledged are a capture drop, at info', () => {
    const r = analyzeTrace(download('capture'));
    const [f] = byId(r, 'lost-segment');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.include('the capture dropped them, the data arrived');
    expect(r.transfers[0]!.outcome).to.equal('complete');
  });

  it('a gap a retransmission filled later is loss on the network: still a warning', () => {
    const r = analyzeTrace(download('network'));
    const [f] = byId(r, 'lost-segment');
    expect(f!.severity).to.equal('warning');
  });
});
