// Delivered bytes kept until acknowledged (to tell a later copy that disagrees) live in buffers
// that go back to a shared free list when the peer acknowledges them. Checked here: a later copy
// is compared with what this direction sent, never with bytes another direction left in a reused
// buffer — against a model of the stream, with several reassemblers interleaved.

import { expect } from 'chai';
import fc from 'fast-check';
import { CONFLICT_BYTES, MAX_UNACKED_KEPT, Reassembler, type StreamConflict, type StreamSink } from '../../src/tcp/reassembler.ts';

type Op =
  | { kind: 'send'; who: number; length: number; seed: number } //          next in-order segment
  | { kind: 'resend'; who: number; back: number; length: number; flip: boolean; seed: number } // a later copy of delivered bytes
  | { kind: 'ack'; who: number; upTo: number }; //                          the peer acknowledges (fraction of next, ‰)

const WHO = 3;

const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constant('send' as const), who: fc.nat(WHO - 1), length: fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 200, max: 3000 })), seed: fc.nat(255) }),
  fc.record({ kind: fc.constant('resend' as const), who: fc.nat(WHO - 1), back: fc.integer({ min: 1, max: 4000 }), length: fc.integer({ min: 1, max: 300 }), flip: fc.boolean(), seed: fc.nat(255) }),
  // half of the acknowledgments cover everything delivered (the kept buffer is let go)
  fc.record({ kind: fc.constant('ack' as const), who: fc.nat(WHO - 1), upTo: fc.oneof(fc.constant(1000), fc.integer({ min: 0, max: 1000 })) }),
);

interface Said {
  offset: number;
  first: string;
  second: string;
  firstFrame: number;
  frame: number;
}

/** What each direction must say, from the whole stream it sent and what was acknowledged. */
class Model {
  stream: number[] = []; //   every byte sent, in order (first copies)
  frames: number[] = []; //   the frame that carried each
  acked = 0;
  said: Said[] = [];

  send(bytes: Buffer, frame: number): void {
    for (const b of bytes) {
      this.stream.push(b);
      this.frames.push(frame);
    }
  }

  /** A later copy of [from, from + bytes.length), all delivered already. */
  resend(from: number, bytes: Buffer, frame: number): void {
    const next = this.stream.length;
    // kept: not acknowledged, and within the last MAX_UNACKED_KEPT bytes delivered
    const keptFrom = Math.max(this.acked, next - MAX_UNACKED_KEPT);
    const a = Math.max(from, keptFrom);
    const b = Math.min(from + bytes.length, next);
    if (b <= a) return;
    const first = Buffer.from(this.stream.slice(a, b));
    const second = bytes.subarray(a - from, b - from);
    if (first.equals(second)) return;
    const n = Math.min(b - a, CONFLICT_BYTES);
    this.said.push({ offset: a, first: first.subarray(0, n).toString('hex'), second: second.subarray(0, n).toString('hex'), firstFrame: this.segmentFrame(a, keptFrom), frame });
  }

  /** The frame the reassembler names for kept byte `at`: that of the segment it was kept from
   *  (a segment partly let go counts from where what is kept begins). */
  private segmentFrame(at: number, keptFrom: number): number {
    let k = at;
    while (k > keptFrom && this.frames[k - 1] === this.frames[at]) k--;
    return this.frames[k]!;
  }
}

function run(ops: Op[], only: number | null): Said[][] {
  const said: Said[][] = [];
  const models: Model[] = [];
  const rsms: Reassembler[] = [];
  for (let w = 0; w < WHO; w++) {
    const list: Said[] = [];
    said.push(list);
    models.push(new Model());
    const sink: StreamSink = {
      streamData() {},
      streamGap() {},
      bufferedDelta() {},
      streamConflict: (c: StreamConflict) =>
        void list.push({ offset: c.offset, first: c.first.toString('hex'), second: c.second.toString('hex'), firstFrame: c.firstFrame, frame: c.frame }),
    };
    rsms.push(new Reassembler(sink, 1 << 20));
  }
  let frame = 0;
  for (const o of ops) {
    frame++;
    if (only !== null && o.who !== only) continue;
    const m = models[o.who]!;
    const r = rsms[o.who]!;
    if (o.kind === 'send') {
      const bytes = Buffer.from(Array.from({ length: o.length }, (_, i) => (o.seed + i * 31 + o.who * 7) & 0xff));
      r.insert(m.stream.length, bytes, 0, bytes.length, frame, 0);
      m.send(bytes, frame);
    } else if (o.kind === 'resend') {
      const from = Math.max(0, m.stream.length - o.back);
      const length = Math.min(o.length, m.stream.length - from);
      if (length <= 0) continue;
      const bytes = Buffer.from(m.stream.slice(from, from + length));
      if (o.flip) bytes[o.seed % length] ^= 0x20;
      r.insert(from, bytes, 0, length, frame, 0);
      m.resend(from, bytes, frame);
    } else {
      const upTo = Math.floor((m.stream.length * o.upTo) / 1000);
      r.release(upTo);
      if (upTo > m.acked) m.acked = upTo;
    }
  }
  for (let w = 0; w < WHO; w++) expect(said[w], `direction ${w} against the model`).to.deep.equal(models[w]!.said);
  return said;
}

describe('tcp/reassembler: kept bytes in reused buffers', () => {
  it('a later copy is compared with what its own direction sent, directions interleaved (property)', () => {
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 120 }), (ops) => {
        const together = run(ops, null);
        // each direction alone (no other direction frees or takes buffers in between) says the same
        for (let w = 0; w < WHO; w++) expect(run(ops, w)[w]).to.deep.equal(together[w]);
      }),
      { numRuns: 300 },
    );
  });

  it('a buffer let go by one connection and taken by the next holds only the new bytes', () => {
    const said: string[] = [];
    const sink: StreamSink = { streamData() {}, streamGap() {}, bufferedDelta() {}, streamConflict: (c) => void said.push(`${c.first.toString()}|${c.second.toString()}`) };
    const a = new Reassembler(sink, 1 << 20);
    a.insert(0, Buffer.from('PASS secret\r\n'), 0, 13, 1, 0);
    a.release(13); // its buffer goes back
    const b = new Reassembler(sink, 1 << 20);
    b.insert(0, Buffer.from('USER x\r\n'), 0, 8, 2, 0); // takes it
    b.insert(0, Buffer.from('USER y\r\n'), 0, 8, 3, 0);
    a.insert(0, Buffer.from('PASS guess\r\n'), 0, 12, 4, 0); // acknowledged: nothing to tell
    expect(said).to.deep.equal(['USER x\r\n|USER y\r\n']);
  });
});
