// What an open connection holds outside the JavaScript heap (typed arrays and buffers): the ring
// of recent segments an RST is compared with (ip-history.ts) and the delivered bytes kept until
// the peer acknowledges them (reassembler.ts). Measured as the process's ArrayBuffer memory after
// a full collection, with many connections open at once, each a slow exchange (one segment a
// second each way, as an interactive control connection talks) with its last reply unacknowledged.

import { expect } from 'chai';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import type { Connection } from '../../src/tcp/types.ts';
import { RECENT_SECONDS } from '../../src/tcp/types.ts';

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;

/** ArrayBuffer memory in use after a full collection, bytes. */
function arrayBuffers(): number {
  gc();
  gc();
  return process.memoryUsage().arrayBuffers;
}

/** `n` connections, all open at the end, each `rounds` command/reply pairs one second apart. */
function slowConnections(n: number, rounds: number): TraceBuilder {
  const t = new TraceBuilder({ step: 0.0001 });
  const conns = Array.from({ length: n }, (_, i) => t.tcp({ client: `10.1.${i >> 8}.${i & 255}:40000`, server: '192.0.2.2:21' }));
  for (const c of conns) c.handshake();
  for (let r = 0; r < rounds; r++) {
    t.wait(1);
    for (const c of conns) {
      c.client('PA', 'NOOP\r\n');
      c.server('PA', '200 NOOP ok\r\n');
    }
  }
  return t;
}

describe('tcp: memory held per open connection', function () {
  this.timeout(60_000);

  it('a slow exchange keeps a small ring of recent segments, and kept bytes do not pin a pool slab', () => {
    const n = 600;
    const frames = slowConnections(n, 40).captureFrames();
    const open: Connection[] = [];
    // the listener takes a scratch buffer for a moment per segment (as a record reader does):
    // buffers under 4 KB are cut from Buffer's shared 8 KB slabs, as a small kept copy would be,
    // and one small copy still alive keeps its whole slab
    let scratch = 0;
    const engine = new TcpEngine({ onConnection: (c) => void open.push(c), onData: (_c, _f, data) => void (scratch += Buffer.allocUnsafe(2048).length + data.length), onGap() {}, onEnd() {} });
    const dec = new PacketDecoder();
    const before = arrayBuffers();
    for (const f of frames) if (dec.decode(f) === 'tcp') engine.packet(dec.packet);
    const perConn = (arrayBuffers() - before) / n;
    expect(frames.length).to.be.above(0); // the frames stay alive until after the measurement
    expect(scratch).to.be.above(0);
    expect(open.filter((c) => !c.ended)).to.have.length(n);
    // a ring per endpoint: here (a segment and an ACK a second each way) 8 entries of 4 doubles
    // (256 B) each; grown to 64 entries it was 2 KB
    for (const c of open.slice(0, 3)) {
      for (const side of ['client', 'server'] as const) {
        expect(c[side].ipHistory!.recentSize, side).to.be.at.most(8);
      }
    }
    // two rings (512 B, in the engine's slab of 8-entry rings) and the server's unacknowledged
    // reply kept in 256 B of its own; before: 4 KB of rings and a share of an 8 KB pool slab
    expect(perConn, `${perConn.toFixed(0)} B of ArrayBuffer memory per open connection`).to.be.below(1024);
  });

  it('an idle control connection (a command every few seconds) keeps the smallest ring: 4 entries, 128 B', () => {
    const t = new TraceBuilder({ step: 0.0001 });
    const conns = Array.from({ length: 20 }, (_, i) => t.tcp({ client: `10.3.0.${i}:40000`, server: '192.0.2.2:21' }));
    for (const c of conns) c.handshake();
    for (let r = 0; r < 10; r++) {
      t.wait(5);
      for (const c of conns) {
        c.client('PA', 'NOOP\r\n');
        c.server('PA', '200 NOOP ok\r\n');
      }
    }
    const open: Connection[] = [];
    const engine = new TcpEngine({ onConnection: (c) => void open.push(c), onData() {}, onGap() {}, onEnd() {} });
    const dec = new PacketDecoder();
    for (const f of t.captureFrames()) if (dec.decode(f) === 'tcp') engine.packet(dec.packet);
    expect(open).to.have.length(20);
    for (const c of open) for (const side of ['client', 'server'] as const) expect(c[side].ipHistory!.recentSize, side).to.equal(4);
  });

  it('the ring still grows while the segments it would drop are recent enough for an RST to copy', () => {
    const t = new TraceBuilder({ step: 0.001 });
    const c = t.tcp({ client: '10.1.0.1:40000', server: '192.0.2.2:21' });
    c.handshake();
    for (let i = 0; i < 100; i++) c.server('PA', 'x'.repeat(100)); // 100 segments in 0.1 s
    const open: Connection[] = [];
    const engine = new TcpEngine({ onConnection: (k) => void open.push(k), onData() {}, onGap() {}, onEnd() {} });
    const dec = new PacketDecoder();
    for (const f of t.captureFrames()) if (dec.decode(f) === 'tcp') engine.packet(dec.packet);
    expect(open[0]!.server.ipHistory!.recentSize).to.equal(64);
    expect(RECENT_SECONDS).to.be.above(0.1);
  });

  it('the rings of ended connections are reused: the slabs follow the connections open at once, not the total', () => {
    const t = new TraceBuilder({ step: 0.001 });
    const batch = (k: number) => {
      const conns = Array.from({ length: 200 }, (_, i) => t.tcp({ client: `10.2.${k}.${i}:40000`, server: '192.0.2.2:21' }));
      for (const c of conns) c.handshake();
      for (const c of conns) c.client('PA', 'NOOP\r\n');
      for (const c of conns) c.server('PA', '200 ok\r\n');
      for (const c of conns) c.close();
      t.wait(10); // past the close grace
    };
    for (let k = 0; k < 10; k++) batch(k);
    const ended: Connection[] = [];
    const engine = new TcpEngine({ onConnection() {}, onData() {}, onGap() {}, onEnd: (c) => void ended.push(c) });
    const dec = new PacketDecoder();
    let most = 0;
    for (const f of t.captureFrames()) {
      if (dec.decode(f) === 'tcp') engine.packet(dec.packet);
      most = Math.max(most, engine.recentRings.bytes);
    }
    engine.finish();
    expect(ended).to.have.length(2000);
    expect(ended.every((c) => (c.client.ipHistory?.recentSize ?? 0) === 0 && (c.server.ipHistory?.recentSize ?? 0) === 0)).to.equal(true);
    // 200 connections open at a time, two 8-entry rings each (256 B): 100 KB, doubled at most by
    // the slab's growth; 2,000 connections' rings would be 1 MB
    expect(most).to.be.at.most(2 * 200 * 2 * 256);
  });

  it('a forgotten connection keeps its IP history only when it has an RST to judge', () => {
    const t = new TraceBuilder({ step: 0.001 });
    const closed = t.tcp({ client: '10.3.0.1:40000', server: '192.0.2.2:21' });
    closed.handshake();
    closed.client('PA', 'NOOP\r\n');
    closed.close();
    const reset = t.tcp({ client: '10.3.0.2:40000', server: '192.0.2.2:21' });
    reset.handshake();
    reset.client('PA', 'NOOP\r\n');
    reset.server('R');
    t.wait(30); // past the ended-flow grace: both are forgotten at the next frame
    t.tcp({ client: '10.3.0.3:40000', server: '192.0.2.2:21' }).handshake();
    const forgotten: Connection[] = [];
    const engine = new TcpEngine({ onConnection() {}, onData() {}, onGap() {}, onEnd() {}, onForget: (c) => void forgotten.push(c) });
    const dec = new PacketDecoder();
    for (const f of t.captureFrames()) if (dec.decode(f) === 'tcp') engine.packet(dec.packet);
    expect(forgotten.map((c) => c.id)).to.deep.equal([0, 1]);
    expect([forgotten[0]!.client.ipHistory, forgotten[0]!.server.ipHistory]).to.deep.equal([undefined, undefined]);
    expect(forgotten[1]!.server.ipHistory!.resets.map((r) => r.frame)).to.deep.equal([forgotten[1]!.server.rstFrame]);
    expect(forgotten[1]!.client.ipHistory).to.not.equal(undefined); // the RST is judged against its peer's segments too
  });
});

describe('tcp: heap per open connection', function () {
  this.timeout(60_000);

  it('an idle control connection (greeting, three commands answered and acknowledged) holds < 3.6 KB of engine heap', () => {
    // 3.8 KB here (4.2 KB bundled, bench/engine-heap.ts) with a sink object per direction, a list
    // of held segments, an event record and six IPv6 key words per flow, two TTL lists and a ring
    // record per endpoint, its stream coverage an object of its own; now 3.5 KB (bundled 3.7)
    const n = 4000;
    const t = new TraceBuilder({ step: 0.00001 });
    const conns = Array.from({ length: n }, (_, i) => t.tcp({ client: `10.4.${i >> 8}.${i & 255}:40000`, server: '192.0.2.2:21' }));
    for (const c of conns) c.handshake();
    for (const c of conns) c.server('PA', '220 ready\r\n');
    for (const cmd of ['USER anonymous\r\n', 'PASS x\r\n', 'PWD\r\n']) {
      t.wait(1);
      for (const c of conns) {
        c.client('PA', cmd);
        c.server('PA', '200 ok\r\n');
      }
    }
    for (const c of conns) c.client('A');
    const frames = t.captureFrames();
    const engine = new TcpEngine({ onConnection() {}, onData() {}, onGap() {}, onEnd() {} });
    const dec = new PacketDecoder();
    gc();
    gc();
    const before = process.memoryUsage().heapUsed;
    for (const f of frames) if (dec.decode(f) === 'tcp') engine.packet(dec.packet);
    gc();
    gc();
    const per = (process.memoryUsage().heapUsed - before) / n;
    expect(engine.stats.liveFlows).to.equal(n); // (the engine is alive until after the measurement)
    expect(frames.length).to.be.above(0);
    expect(per, `${(per / 1024).toFixed(2)} KB of heap per open connection`).to.be.below(3.6 * 1024);
  });
});
