// Every per-connection list is capped, with a count of what it did not keep: a flood of SYNs on
// one 4-tuple (30 M SYNs kept every frame number: 607 MB), a state machine driven round, and
// millions of one-byte segments held out of order.

import { expect } from 'chai';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { buildFrame } from '../../src/craft/packet-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import { MAX_HELD_SEGMENTS, Reassembler, type StreamSink } from '../../src/tcp/reassembler.ts';
import { MAX_TRANSITIONS, TransitionLog } from '../../src/tcp/transition-log.ts';
import { MAX_EVENT_FRAMES, type Connection } from '../../src/tcp/types.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** Heap in use after a full collection, bytes. */
function heapUsed(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed;
}

describe('tcp: per-connection lists are capped', function () {
  this.timeout(60_000);

  it('1,000,000 SYNs on one 4-tuple: all counted in handshake-unanswered, 200 frames kept, the heap does not grow with them', () => {
    const data = buildFrame({ ip: { src: '192.0.2.1', dst: '198.51.100.2' }, tcp: { srcPort: 40000, dstPort: 21, seq: 1000, flags: 'S' } });
    const decoder = new PacketDecoder();
    decoder.decode({ number: 1, offset: 0, tsSec: 0, tsNsec: 0, time: 1, linkType: 1, interfaceId: 0, capLen: data.length, origLen: data.length, data });
    const p = decoder.packet;
    const ended: Connection[] = [];
    const engine = new TcpEngine({ onConnection() {}, onData() {}, onGap() {}, onEnd: (c) => void ended.push(c) });
    const n = 1_000_000;
    const feed = (from: number, to: number) => {
      for (let i = from; i <= to; i++) {
        p.frame = i;
        p.time = 1_700_000_000 + i * 1e-5; // 100,000 SYNs a second: never idle, never closed
        engine.packet(p);
      }
    };
    feed(1, 1000);
    const before = heapUsed();
    feed(1001, n);
    const grew = heapUsed() - before;
    engine.finish();
    expect(grew, `heap grew ${(grew / 1e6).toFixed(1)} MB`).to.be.below(2_000_000); // a kept frame list: 8 MB
    expect(ended).to.have.length(1);
    const e = ended[0]!.events['handshake-unanswered']!;
    expect(e.count).to.equal(n);
    expect(e.client).to.equal(n);
    expect(e.frames).to.have.length(MAX_EVENT_FRAMES);
    expect(e.frames[0]).to.equal(1);
  });

  it('a state log keeps its first changes and the latest, and counts the rest', () => {
    const log = new TransitionLog();
    const states = ['ESTABLISHED', 'FIN-WAIT-1', 'CLOSED'] as const;
    for (let i = 0; i < 1000; i++) log.push(states[i % 3]!, i + 1, i);
    expect(log.length).to.equal(MAX_TRANSITIONS);
    expect(log.notKept).to.equal(1000 - MAX_TRANSITIONS);
    expect(log.at(MAX_TRANSITIONS - 2).frame).to.equal(MAX_TRANSITIONS - 1);
    expect(log.at(MAX_TRANSITIONS - 1)).to.deep.equal({ state: states[999 % 3], frame: 1000, time: 999 });
  });

  it('out-of-order one-byte segments: at most 4,096 held, the rest given up as overflow', () => {
    let gaps = 0;
    let buffered = 0;
    const sink: StreamSink = { streamData() {}, streamGap: () => void gaps++, bufferedDelta: (d) => void (buffered += d) };
    const r = new Reassembler(sink, 4 * 1024 * 1024);
    const one = Buffer.from('x');
    let overflows = 0;
    for (let i = 0; i < 30_000; i++) if (r.insert(2 + 2 * i, one, 0, 1, i + 1, 0)) overflows++; // a hole before each
    expect(r.pendingSegments).to.be.at.most(MAX_HELD_SEGMENTS);
    expect(buffered).to.equal(r.buffered).and.at.most(MAX_HELD_SEGMENTS);
    expect(overflows).to.be.greaterThan(0);
    expect(gaps).to.be.greaterThan(0);
  });
});
