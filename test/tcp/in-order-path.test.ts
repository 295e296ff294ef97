// The engine's short path for in-order segments (engine.ts inOrder) must do exactly what the
// general path does for them: every trace here runs through two engines, one with the short path
// and one without (inOrderPath: false), and after every packet the analysis flags, the data
// offset, the packet's connection and all of its flow's state (trackers, Wireshark and Zeek state,
// coverage, transition logs, IP history) must be the same; at the end, every connection and every
// listener call. The traces: the repository's recorded captures, the seed scenarios under every
// stack profile, and crafted ladders that walk the short path's edges (zero windows, duplicate and
// unseen ACKs, window full, keep-alives, reordering, sequence wrap, snapshot cuts, mid-stream
// starts, closes and resets, a handshake without a measurable RTT, delivery switched off).

import { expect } from 'chai';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Frame } from '../../src/capture/frame.ts';
import { readCapture } from '../../src/capture/read.ts';
import { craftScenario, SEED_SCENARIOS } from '../../src/craft/ftp-scenarios.ts';
import { STACK_PROFILES } from '../../src/craft/stack-profiles.ts';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import type { Connection, Side as TcpSide } from '../../src/tcp/types.ts';
import { Recorder } from './helpers.ts';

const CAPTURES = fileURLToPath(new URL('../../captures/', import.meta.url));

/** A plain tree of `x` for deep comparison: class instances as their fields, shared objects and
 *  cycles as the path where they were first met, buffers as hex. */
function snapshot(x: unknown, path = '$', seen = new Map<object, string>()): unknown {
  if (x === null || typeof x !== 'object') return typeof x === 'function' ? '(fn)' : x;
  const at = seen.get(x);
  if (at !== undefined) return `@${at}`;
  seen.set(x, path);
  if (Buffer.isBuffer(x)) return x.toString('hex');
  if (ArrayBuffer.isView(x)) return Array.from(x as unknown as ArrayLike<number>);
  if (x instanceof Map) return [...x].map(([k, v], i) => [k, snapshot(v, `${path}<${i}>`, seen)]);
  if (Array.isArray(x)) return x.map((v, i) => snapshot(v, `${path}[${i}]`, seen));
  const out: Record<string, unknown> = { '': x.constructor?.name };
  const o = x as Record<string, unknown>;
  // a reassembler's kept bytes and their frames come from shared pools of reused buffers and
  // lists: only [keptFrom, next) and the first keptPairs slots count
  if (x.constructor?.name === 'Reassembler') {
    const frames = (o.keptFrames as number[]).slice(0, o.keptPairs as number);
    const kept = Buffer.isBuffer(o.kept) ? o.kept.subarray(0, (o.next as number) - (o.keptFrom as number)).toString('hex') : null;
    return { ...(snapshot({ ...o, kept: null, keptFrames: null }, path, seen) as object), kept, keptFrames: frames };
  }
  for (const k of Object.keys(x)) {
    // the listener and the engine-wide counters are the same objects for every flow; a flow's
    // bucket key comes from the table's random hash key
    if (k === 'listener' || k === 'stats' || k === 'hash') continue;
    out[k] = snapshot(o[k], `${path}.${k}`, seen);
  }
  return out;
}

/** Deep equality of two states (compared as text; on a difference chai shows where). */
function same(a: unknown, b: unknown, where: string): void {
  const sa = snapshot(a);
  const sb = snapshot(b);
  if (JSON.stringify(sa) !== JSON.stringify(sb)) expect(sa, where).to.deep.equal(sb);
}

interface Side {
  engine: TcpEngine;
  rec: Recorder;
  decoder: PacketDecoder;
}

function side(inOrderPath: boolean, stops: boolean): Side {
  const rec = stops ? new StopsDelivery() : new Recorder();
  return { engine: new TcpEngine(rec, { inOrderPath }), rec, decoder: new PacketDecoder() };
}

/** The flow the engine handled last (private to the engine: read for the comparison only). */
function lastFlow(e: TcpEngine): unknown {
  return (e as unknown as { table: { last: unknown } }).table.last;
}

/** Runs `frames` through both engines, comparing after every packet; returns how many segments
 *  took the short path. */
function compare(name: string, frames: Iterable<Frame>, stops = false): number {
  const fast = side(true, stops);
  const slow = side(false, stops);
  let taken = 0;
  const e = fast.engine as unknown as { inOrder: (...a: unknown[]) => boolean };
  const inOrder = e.inOrder;
  e.inOrder = function (this: unknown, ...a: unknown[]): boolean {
    const took = inOrder.apply(this, a);
    if (took) taken++;
    return took;
  };
  for (const f of frames) {
    const kind = fast.decoder.decode(f);
    expect(slow.decoder.decode(f)).to.equal(kind);
    if (kind !== 'tcp') continue;
    fast.rec.currentFrame = slow.rec.currentFrame = f.number;
    fast.engine.packet(fast.decoder.packet);
    slow.engine.packet(slow.decoder.packet);
    const where = `${name} frame ${f.number}`;
    expect(fast.engine.lastFlags, where).to.equal(slow.engine.lastFlags);
    expect(fast.engine.lastDataOffset, where).to.equal(slow.engine.lastDataOffset);
    expect(fast.engine.lastConnection?.id, where).to.equal(slow.engine.lastConnection?.id);
    same(lastFlow(fast.engine), lastFlow(slow.engine), where);
  }
  fast.rec.currentFrame = slow.rec.currentFrame = Number.MAX_SAFE_INTEGER;
  fast.engine.finish();
  slow.engine.finish();
  same(fast.engine.connections, slow.engine.connections, name);
  same(fast.rec.calls, slow.rec.calls, name);
  return taken;
}

async function captureFrames(path: string): Promise<Frame[]> {
  const frames: Frame[] = [];
  // a frame's data is a view valid until the next one: copy it
  await readCapture(path, (f) => void frames.push({ ...f, data: Buffer.from(f.data) }));
  return frames;
}

/** Crafted ladders that reach each edge of the short path's conditions. */
function edgeLadders(): TraceBuilder {
  const t = new TraceBuilder({ step: 0.0005 });
  // sequence numbers wrapping past 2^32, a zero window held and reopened, window full
  const a = t.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:2121', clientIsn: 0xfffff000, serverIsn: 0xffffff00, serverWindow: 3000 });
  a.handshake();
  for (let i = 0; i < 6; i++) {
    a.client('A', 1000);
    if (i % 2 === 1) a.server('A');
  }
  a.client('PA', 1000); // reaches the server's 3000-byte window
  a.server('A', undefined, { window: 0 });
  a.client('A', 1, { noAdvance: true }); // zero-window probe
  a.server('A', undefined, { window: 0 });
  a.server('A', undefined, { window: 500 }); // a window update
  a.client('A', 1, { noAdvance: true }); // the probe's byte again: in order, but nothing new
  a.server('A', undefined, { window: 0 });
  a.client('A', 100); // not a probe: the reopening ACK below acknowledges it
  a.server('A', undefined, { window: 8000, dt: 0.2 });
  // duplicate ACKs, a fast retransmission, reordering
  const lostAt = a.nextSeq('client');
  a.client('A', 1000, { seq: lostAt + 1000 }); // the segment before it is "lost"
  a.server('A');
  a.server('A');
  a.server('A');
  a.client('A', 1000, { seq: lostAt, noAdvance: true });
  a.server('A');
  a.client('A', 500);
  a.server('A');
  a.server('A', undefined, { window: 9000 }); // window update
  a.client('A', 0, { seq: a.nextSeq('client') - 1, noAdvance: true, dt: 1 }); // keep-alive
  a.server('A');
  a.server('PA', 'reply\r\n');
  a.client('A');
  a.close();
  // acknowledgments of unseen data, a spurious retransmission, then an RST mid-transfer
  const b = t.tcp({ client: '192.0.2.1:40002', server: '192.0.2.2:2122' });
  b.handshake();
  b.server('A', 1448);
  b.client('PA', 'x', { ack: 1 + 3 * 1448 });
  b.server('A'); // acknowledges the client, its own stream already acknowledged beyond it
  b.server('A', 1448); // in order, but below what the client acknowledged: spurious
  b.server('A', 1448);
  b.client('PA', 'y', { ack: 1 + 3 * 1448 });
  b.server('A', 1448, { seq: 1, noAdvance: true });
  b.client('A');
  b.server('A', 1448);
  b.client('R');
  b.server('A', 1448);
  // mid-stream start (no handshake), a stray ACK after FIN and the RST it draws
  const c = t.tcp({ client: '192.0.2.1:40003', server: '192.0.2.2:2123' });
  c.client('PA', 'NOOP\r\n');
  c.server('PA', '200 ok\r\n');
  c.client('A');
  c.server('A', 700);
  c.client('A');
  c.server('FA');
  c.client('A');
  c.client('FA');
  c.server('A');
  c.client('A', undefined, { noAdvance: true });
  c.server('R');
  // a half close with data after it, and a simultaneous open
  const d = t.tcp({ client: '192.0.2.1:40004', server: '192.0.2.2:2124' });
  d.handshake();
  d.client('PA', 'STOR x\r\n');
  d.server('A');
  d.client('FA');
  d.server('A');
  d.server('PA', 'late\r\n');
  d.client('A');
  d.server('FA');
  d.client('A');
  // the sender's next sequence number wraps to exactly 0 (Wireshark's "unknown"), a TTL that
  // changes, a retransmission timeout answered by in-order ACKs
  const e = t.tcp({ client: '192.0.2.1:40005', server: '192.0.2.2:2125', clientIsn: 0xffffffff - 1000 });
  e.handshake();
  e.client('A', 1000);
  e.server('PA', 'hi\r\n');
  e.client('A');
  e.client('PA', 'more\r\n', { ttl: 50 });
  e.server('A');
  const again = e.nextSeq('server');
  e.server('PA', 'lost?\r\n');
  e.server('PA', 'lost?\r\n', { seq: again, noAdvance: true, dt: 1 });
  e.client('PA', 'busy\r\n', { ack: again }); // not yet acknowledging the retransmission
  e.client('A');
  e.client('PA', 'next\r\n');
  e.server('A');
  return t;
}

/** Handshakes whose ACK carries the SYN's or the SYN-ACK's timestamp (no RTT or turnaround
 *  yet), and a listener that stops
 *  delivery after the first bytes, as the FTP stage does for a data connection. */
function sameInstantLadder(): TraceBuilder {
  const t = new TraceBuilder({ step: 0 });
  // the SYN-ACK a moment after the SYN, the ACK at the SYN-ACK's instant: no turnaround yet
  const b = t.tcp({ client: '192.0.2.1:40007', server: '192.0.2.2:2127' });
  b.client('S');
  b.server('SA', undefined, { dt: 0.001 });
  b.client('A');
  b.client('PA', 'NOOP\r\n', { dt: 0.001 });
  b.server('PA', '200 ok\r\n', { dt: 0.001 });
  b.client('A', undefined, { dt: 0.001 });
  const a = t.tcp({ client: '192.0.2.1:40006', server: '192.0.2.2:2126' });
  a.handshake();
  a.client('PA', 'LIST\r\n');
  a.server('A', undefined, { dt: 0.001 });
  a.server('PA', '150 here\r\n');
  a.client('A', undefined, { dt: 0.001 });
  a.server('PA', 'more\r\n');
  a.client('A');
  return t;
}

/** Stops delivery on a connection once it delivered something (the FTP stage's data connections). */
class StopsDelivery extends Recorder {
  override onData(conn: Connection, from: TcpSide, data: Buffer, offset: number, frame: number): void {
    super.onData(conn, from, data, offset, frame);
    conn.deliver = false;
  }
}

describe('tcp/in-order-path: the short path does what the general path does', function () {
  this.timeout(60_000);

  it('on crafted ladders at the short path\'s edges, whole and cut to 96 bytes a frame', async () => {
    const t = edgeLadders();
    expect(compare('edges', t.captureFrames())).to.be.greaterThan(10);
    const dir = mkdtempSync(join(tmpdir(), 'ftpdiag-in-order-'));
    try {
      t.writePcap(join(dir, 'cut.pcap'), { snaplen: 96 });
      expect(compare('edges cut', await captureFrames(join(dir, 'cut.pcap')))).to.be.greaterThan(10);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(compare('same instant', sameInstantLadder().captureFrames(), true)).to.be.greaterThan(2);
  });

  it('on every seed scenario under every stack profile', () => {
    let taken = 0;
    for (const scenario of SEED_SCENARIOS) {
      for (const [name, profile] of Object.entries(STACK_PROFILES)) {
        for (const direction of ['upload', 'download'] as const) {
          const t = craftScenario({ scenario, client: profile, server: STACK_PROFILES.linux, tcpOptions: name !== 'embedded', direction, mode: 'passive' });
          taken += compare(`${scenario}/${name}/${direction}`, t.captureFrames());
        }
      }
    }
    expect(taken).to.be.greaterThan(100);
  });

  it('on every recorded capture of captures/', async () => {
    const files = readdirSync(CAPTURES).filter((f) => /\.pcap(ng)?$/.test(f));
    expect(files.length).to.be.greaterThan(10);
    let taken = 0;
    for (const f of files) taken += compare(f, await captureFrames(join(CAPTURES, f)));
    expect(taken).to.be.greaterThan(1000);
  });
});
