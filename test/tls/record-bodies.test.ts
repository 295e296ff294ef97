// Without a key log an application_data record's body is never read, so a reader told so
// (skipAppData) counts such a body split across segments instead of copying it. Checked against
// a reader that keeps every body (the behaviour before): the same records, frames, losses and
// resyncs, the same bodies for every other type, on crafted streams cut whole, byte by byte and at
// random, with gaps inside bodies and over headers, and junk.

import { expect } from 'chai';
import fc from 'fast-check';
import { TlsRecordReader, type TlsRecord } from '../../src/tls/record-reader.ts';
import { TlsConnection } from '../../src/tls/connection.ts';

type Step = { data: Buffer } | { gap: number };

function rec(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.of(type, 3, 3, body.length >> 8, body.length & 0xff), body]);
}

/** Everything a reader tells but application_data bodies (a skipping reader may leave them empty). */
function read(steps: Step[], skipped: boolean, fromClient: boolean): string[] {
  const out: string[] = [];
  const seen = (r: TlsRecord) => {
    const body = r.type === 23 ? '' : r.body.toString('hex');
    out.push(`${r.type} ${r.version} ${r.offset} ${r.length} ${r.missing} ${r.firstFrame} ${r.frame} ${r.time} ${body}`);
  };
  const reader = new TlsRecordReader(seen, fromClient, skipped);
  let offset = 0;
  let frame = 0;
  for (const s of steps) {
    frame++;
    if ('gap' in s) {
      reader.gap(offset, s.gap, frame);
      offset += s.gap;
    } else {
      reader.feed(s.data, offset, frame, frame / 10);
      offset += s.data.length;
    }
    out.push(`state ${reader.synced} ${reader.records} ${reader.resyncs} ${reader.bytesLost} ${reader.problem} ${reader.problemOffset} ${reader.problemFrame}`);
  }
  return out;
}

const record = fc.oneof(
  fc.record({ type: fc.constantFrom(20, 21, 22, 23, 24), body: fc.uint8Array({ minLength: 0, maxLength: 2500 }) }).map(({ type, body }) => rec(type, Buffer.from(body))),
  { weight: 1, arbitrary: fc.uint8Array({ minLength: 1, maxLength: 40 }).map((a) => Buffer.from(a)) }, // junk
);

/** The stream cut into segments of the given sizes, some replaced by gaps. */
function segments(stream: Buffer, sizes: number[], gapEvery: number): Step[] {
  const steps: Step[] = [];
  let k = 0;
  for (let i = 0; i < stream.length; ) {
    const n = Math.min(sizes[k % sizes.length]!, stream.length - i);
    steps.push(gapEvery > 0 && k % gapEvery === gapEvery - 1 ? { gap: n } : { data: stream.subarray(i, i + n) });
    i += n;
    k++;
  }
  return steps;
}

describe('src/tls record reader: application_data bodies skipped without keys', () => {
  it('tells the same records as a reader that keeps every body (property)', () => {
    fc.assert(
      fc.property(
        fc.array(record, { minLength: 1, maxLength: 12 }),
        fc.array(fc.integer({ min: 1, max: 3000 }), { minLength: 1, maxLength: 6 }),
        fc.nat(6),
        fc.boolean(),
        (records, sizes, gapEvery, fromClient) => {
          const stream = Buffer.concat(records);
          for (const steps of [[{ data: stream }], segments(stream, [1], 0), segments(stream, sizes, 0), segments(stream, sizes, gapEvery)]) {
            expect(read(steps, true, fromClient)).to.deep.equal(read(steps, false, fromClient));
          }
        },
      ),
      { numRuns: 200 },
    );
  });

  it('hands out no application_data body when told to skip them, whole in a segment or split', () => {
    const bodies: Array<[number, number, number]> = [];
    const reader = new TlsRecordReader((r) => void bodies.push([r.type, r.length, r.body.length]), false, true);
    const stream = Buffer.concat([rec(23, Buffer.alloc(300, 1)), rec(22, Buffer.alloc(10, 2)), rec(23, Buffer.alloc(5, 3))]);
    reader.feed(stream, 0, 1, 0); // each body whole in the segment
    reader.feed(stream.subarray(0, 100), stream.length, 2, 0); // split
    reader.feed(stream.subarray(100, 305), stream.length + 100, 3, 0);
    expect(bodies).to.deep.equal([[23, 300, 0], [22, 10, 10], [23, 5, 0], [23, 300, 0]]);
  });

  it('a TLS connection without keys has the same facts whether its records come whole or byte by byte', () => {
    // ClientHello-less stream: application data records split across segments and a close_notify-sized one
    const client = Buffer.concat([rec(22, Buffer.of(1, 0, 0, 0)), rec(20, Buffer.of(1)), rec(23, Buffer.alloc(3000, 7)), rec(21, Buffer.alloc(26, 1))]);
    const server = Buffer.concat([rec(20, Buffer.of(1)), rec(23, Buffer.alloc(1200, 9)), rec(23, Buffer.alloc(40, 3))]);
    const facts = (cut: number) => {
      const c = new TlsConnection();
      for (const [from, bytes] of [['client', client], ['server', server]] as const) {
        for (let i = 0; i < bytes.length; i += cut) c.feed(from, bytes.subarray(i, i + cut), i, 1, 0);
      }
      return JSON.stringify(c.finish());
    };
    const whole = facts(1 << 20);
    expect(JSON.parse(whole).applicationData.client.bytes).to.equal(3000);
    for (const cut of [1, 7, 1448]) expect(facts(cut), `cut ${cut}`).to.equal(whole);
  });
});
