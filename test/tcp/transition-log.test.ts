import { expect } from 'chai';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
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
  it('makes an array per two changes (up to six), not one per change: a closed endpoint takes three', () => {
    const log = new TransitionLog();
    const arrays = new Set<unknown>();
    for (const c of [...changes, { state: 'CLOSED' as const, frame: 9, time: 2 }]) {
      log.push(c.state, c.frame, c.time);
      arrays.add((log as unknown as { packed: number[] }).packed);
    }
    expect(log.length).to.equal(6);
    expect(arrays.size).to.equal(3); // a copy per change (concat) made six
    expect(log.list().slice(0, 5)).to.deep.equal(changes);
  });

  it('holds two numbers per change: an endpoint that changed state four times costs < 165 B of heap', () => {
    // (three numbers per change, state code apart from the frame, were ~185 B; every open
    // connection has two logs)
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const n = 20_000;
    const keep: TransitionLog[] = new Array(n);
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < n; i++) {
      const log = new TransitionLog();
      log.push('SYN-SENT', i * 4 + 1, 1_700_000_000.25 + i);
      log.push('ESTABLISHED', i * 4 + 3, 1_700_000_000.5 + i);
      log.push('FIN-WAIT-1', i * 4 + 9, 1_700_000_001.5 + i);
      log.push('FIN-WAIT-2', i * 4 + 10, 1_700_000_001.75 + i);
      keep[i] = log;
    }
    gc();
    gc();
    const per = (process.memoryUsage().heapUsed - before) / n;
    expect(keep[n - 1]!.at(3)).to.deep.equal({ state: 'FIN-WAIT-2', frame: (n - 1) * 4 + 10, time: 1_700_000_001.75 + n - 1 });
    expect(per, `${per.toFixed(0)} B per log`).to.be.below(165);
  });
});
