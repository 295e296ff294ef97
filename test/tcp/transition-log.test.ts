import { expect } from 'chai';
import { TransitionLog } from '../../src/tcp/transition-log.ts';
import { TcpStates, type Transition } from '../../src/tcp/types.ts';

describe('tcp/transition-log TransitionLog', () => {
  const changes: Transition[] = [
    { state: 'SYN-SENT', frame: 1, time: 1795267542.550181 },
    { state: 'ESTABLISHED', frame: 3, time: 1795267542.5503 },
    { state: 'FIN-WAIT-1', frame: 4_000_000_123, time: 1795267600.000001 },
    { state: 'UNKNOWN', frame: 7, time: 0 },
    { state: 'LISTEN', frame: 8, time: -1.5 },
  ];

  it('gives back every change as recorded, in order (states, large frames, fractional times)', () => {
    const log = new TransitionLog();
    for (const c of changes) log.push(c.state, c.frame, c.time);
    expect(log.length).to.equal(changes.length);
    expect(log.list()).to.deep.equal(changes);
    expect(log.at(2)).to.deep.equal(changes[2]);
  });

  it('serialises as the list of changes, so the JSON report keeps its shape', () => {
    const log = new TransitionLog();
    for (const c of changes) log.push(c.state, c.frame, c.time);
    expect(JSON.parse(JSON.stringify({ transitions: log }))).to.deep.equal({ transitions: changes });
    expect(JSON.stringify(new TransitionLog())).to.equal('[]');
  });

  it('knows every TCP state', () => {
    const log = new TransitionLog();
    TcpStates.forEach((s, i) => log.push(s, i + 1, i));
    expect(log.list().map((t) => t.state)).to.deep.equal([...TcpStates]);
  });
});
