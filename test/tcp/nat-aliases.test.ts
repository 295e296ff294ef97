// A connection paired across a NAT (nat-halves.ts) is found by its other half's 4-tuple through
// an alias. When the engine forgets the connection its aliases go too: kept, they piled up to the
// cap (65,536) and made every new flow's SYN build endpoint strings to look them up.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { run } from './helpers.ts';

describe('tcp/nat-halves: aliases of a forgotten connection', () => {
  it('go when it leaves the table; a later packet on its other half starts a new conversation', () => {
    const t = new TraceBuilder();
    // the client's half as it came in from inside, the server's as it came in from outside
    const inside = t.tcp({ client: '10.0.0.5:40000', server: '198.51.100.20:21', clientIsn: 1000, serverIsn: 900000 });
    const outside = t.tcp({ client: '203.0.113.9:61000', server: '198.51.100.20:21', clientIsn: 1000, serverIsn: 900000 });
    inside.client('S');
    outside.lose('client', 1);
    outside.server('SA');
    inside.lose('server', 1);
    inside.client('A');
    outside.server('PA', '220 ready\r\n');
    inside.lose('server', 11);
    inside.client('FA');
    outside.lose('client', 1);
    outside.server('FA');
    inside.lose('server', 1);
    inside.client('A');
    // long after: another connection (the forgotten one's flow leaves the table), then the
    // outside 4-tuple again
    const other = t.tcp({ client: '10.0.0.6:40001', server: '198.51.100.20:21' });
    other.client('S', undefined, { dt: 60 });
    const late = outside.server('A', undefined, { dt: 1 });
    const r = run(t, { keepConnections: true }, undefined, true);
    expect(r.conns[0]!.nat).to.not.equal(null);
    expect(r.rec.forgotten().map((f) => f.id)).to.include(0);
    const aliases = (r.engine as unknown as { nat: { aliases: Map<string, unknown> } }).nat.aliases;
    expect(aliases.size).to.equal(0);
    expect(r.conns).to.have.length(3);
    expect(r.conns[2]!.firstFrame).to.equal(late);
  });
});

describe('tcp/nat-halves: SYN candidates of forgotten flows', () => {
  it('let go of the flow when the engine forgets it (a candidate held the whole flow for 10 s)', () => {
    const t = new TraceBuilder();
    for (let i = 0; i < 40; i++) {
      const c = t.tcp({ client: `10.0.0.5:${40000 + i}`, server: '198.51.100.20:21' });
      c.handshake();
      c.client('R');
    }
    const r = run(t, { maxEndedFlows: 1, closeGraceSeconds: 0 }, undefined, true);
    expect(r.rec.forgotten().length).to.be.above(30);
    const nat = (r.engine as unknown as { nat: { candidates: Array<{ flow: { inTable: boolean } | null }> } }).nat;
    expect(nat.candidates.length).to.be.above(30); // all within PAIR_SECONDS: still candidates
    const holding = nat.candidates.filter((c) => c.flow !== null && !c.flow.inTable);
    expect(holding).to.have.length(0);
  });
});
