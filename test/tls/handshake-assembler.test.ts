// Handshake messages out of record fragments (tls/handshake-assembler.ts): the same messages
// whether the stream comes in one fragment, byte by byte or cut at random, the 4-byte header
// (msg_type, uint24 length) split anywhere; over-long messages skipped and counted.

import { expect } from 'chai';
import fc from 'fast-check';
import { HandshakeAssembler, MAX_HANDSHAKE_MESSAGE } from '../../src/tls/handshake-assembler.ts';

const message = (type: number, body: Buffer) => Buffer.concat([Buffer.of(type, body.length >> 16, (body.length >> 8) & 0xff, body.length & 0xff), body]);

function assemble(stream: Buffer, sizes: number[]): { got: string[]; tooLarge: number } {
  const got: string[] = [];
  const a = new HandshakeAssembler((type, body, frame) => void got.push(`${type} ${body.length} ${body.subarray(0, 8).toString('hex')} ${body.subarray(-8).toString('hex')} ${frame}`));
  let k = 0;
  for (let i = 0; i < stream.length; k++) {
    const n = Math.min(sizes[k % sizes.length]!, stream.length - i);
    a.push(stream.subarray(i, i + n), 1, 0);
    i += n;
  }
  return { got, tooLarge: a.tooLarge };
}

describe('src/tls handshake assembler', () => {
  it('reads the header byte by byte: type and a uint24 length with every byte set', () => {
    const body = Buffer.alloc(0x010203, 0x5a); // 66,051 bytes: each length byte non-zero
    const stream = Buffer.concat([message(11, body), message(14, Buffer.alloc(0)), message(0xfe, Buffer.of(1, 2, 3))]);
    const whole = assemble(stream, [stream.length]);
    expect(whole.got.map((g) => g.split(' ').slice(0, 2).join(' '))).to.deep.equal(['11 66051', '14 0', '254 3']);
    expect(assemble(stream, [1]).got).to.deep.equal(whole.got);
    expect(assemble(stream, [3, 1, 2]).got).to.deep.equal(whole.got);
  });

  it('skips a message over the cap whatever the cut, and goes on with the next', () => {
    const big = Buffer.concat([Buffer.of(11, (MAX_HANDSHAKE_MESSAGE + 1) >> 16, ((MAX_HANDSHAKE_MESSAGE + 1) >> 8) & 0xff, (MAX_HANDSHAKE_MESSAGE + 1) & 0xff), Buffer.alloc(MAX_HANDSHAKE_MESSAGE + 1)]);
    const stream = Buffer.concat([big, message(2, Buffer.of(7, 7))]);
    for (const sizes of [[stream.length], [4093, 1, 2]]) {
      const r = assemble(stream, sizes);
      expect(r.tooLarge).to.equal(1);
      expect(r.got.map((g) => g.split(' ').slice(0, 2).join(' '))).to.deep.equal(['2 2']);
    }
  });

  it('the same messages however the fragments are cut (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ type: fc.integer({ min: 0, max: 255 }), body: fc.uint8Array({ maxLength: 700 }) }), { minLength: 1, maxLength: 8 }),
        fc.array(fc.integer({ min: 1, max: 900 }), { minLength: 1, maxLength: 5 }),
        (msgs, sizes) => {
          const stream = Buffer.concat(msgs.map((m) => message(m.type, Buffer.from(m.body))));
          const whole = assemble(stream, [stream.length]).got;
          expect(whole).to.have.length(msgs.length);
          expect(assemble(stream, sizes).got).to.deep.equal(whole);
        },
      ),
      { numRuns: 200 },
    );
  });
});
