// The reader hands each frame out where it lies in its chunk (Frame.buf, Frame.at) and makes
// `data` only when it is read; the decoder and the repeat filter's key read the frame there. Every
// frame of every capture of captures/ (pcap and pcapng, Ethernet, Linux cooked v1/v2, tunnels)
// must decode and key exactly as a copy of it made by a spread (a plain frame at offset 0) does.
import { expect } from 'chai';
import { join } from 'node:path';
import { ReaderFrame, type Frame } from '../../src/capture/frame.ts';
import { readCapture } from '../../src/capture/read.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import type { DecodedPacket } from '../../src/decode/packet.ts';
import { InnerPacketKeys } from '../../src/pipeline/inner-packet.ts';
import { projectRoot, traceFiles } from '../support/trace-files.ts';

const OFFSETS = ['ipOffset', 'addrOffsetSrc', 'addrOffsetDst', 'tcpOffset', 'payloadOffset'] as const;

/** The decoded fields, offsets counted from the frame's first byte (`at` in `data`; 0 stays 0:
 *  a field the frame's layers did not set). */
function fields(p: DecodedPacket, at: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(p)) {
    if (k === 'data') continue;
    out[k] = Array.isArray(v) ? [...(v as unknown[])] : v;
  }
  if (!p.reassembled) for (const k of OFFSETS) out[k] = p[k] === 0 ? 0 : p[k] - at;
  out.src = p.ipVersion === 0 ? '' : p.srcAddr();
  out.payload = p.payload().toString('hex');
  return out;
}

describe('capture: the reader frame, read at its offset in the chunk', () => {
  it('decodes and keys every frame of captures/ as a plain copy of it does, and a copy carries no chunk', async () => {
    const files = traceFiles(join(projectRoot, 'captures'));
    expect(files.length).to.be.greaterThan(20);
    const linkTypes = new Set<number>();
    let atNonZero = 0;
    for (const file of files) {
      const [atChunk, atCopy] = [new PacketDecoder(), new PacketDecoder()];
      const [keysChunk, keysCopy] = [new InnerPacketKeys(), new InnerPacketKeys()];
      await readCapture(file, (f: Frame) => {
        if (f.number > 400) return;
        linkTypes.add(f.linkType);
        const copy = { ...f };
        expect(copy.buf, 'a spread copies no chunk').to.equal(undefined);
        expect(f.buf!.subarray(f.at!, f.at! + f.capLen).equals(copy.data), `${file} frame ${f.number}: data`).to.equal(true);
        if (f.at! > 0) atNonZero++;
        const where = `${file} frame ${f.number}`;
        expect(keysChunk.key(f), `${where}: key`).to.equal(keysCopy.key(copy));
        expect(keysChunk.view(f), `${where}: view`).to.equal(keysCopy.view(copy));
        expect(atChunk.decode(f), `${where}: outcome`).to.equal(atCopy.decode(copy));
        expect(atChunk.packet.data, `${where}: the chunk`).to.equal(f.buf);
        expect(fields(atChunk.packet, f.at!), where).to.deep.equal(fields(atCopy.packet, 0));
      });
    }
    expect(atNonZero, 'frames inside the chunk').to.be.greaterThan(1000);
    expect([...linkTypes].sort((a, b) => a - b), 'link types covered').to.include.members([1, 113, 276]);
  });

  it('gives every reader frame the same data getter (one object shape for all: a getter per frame made the second and later ones dictionary-mode objects)', () => {
    const [a, b] = [new ReaderFrame(), new ReaderFrame()];
    const getter = (f: ReaderFrame) => Object.getOwnPropertyDescriptor(f, 'data')!.get;
    expect(getter(a)).to.be.a('function');
    expect(getter(a)).to.equal(getter(b));
    b.locate(Buffer.from([1, 2, 3, 4, 5]), 1);
    b.capLen = 3;
    expect([...b.data]).to.deep.equal([2, 3, 4]);
    expect(Object.keys(b)).to.include('data').and.not.include.members(['buf', 'at', 'view']);
  });
});
