// The repeat filter's keys for the analysis (pipeline/inner-packet.ts): view() remembers the hash
// of the last two outer layers (link and tunnel headers) it saw; every view must still be the one
// the outer layers' hash gives (a fresh InnerPacketKeys, which remembers nothing), whatever the
// order in which frames with several outer layers come.
import { expect } from 'chai';
import type { Frame } from '../../src/capture/frame.ts';
import { LinkType } from '../../src/capture/frame.ts';
import { encapsulateFrames, tunnel } from '../../src/craft/encapsulation.ts';
import { toCaptureFrames } from '../../src/craft/capture-files.ts';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { InnerPacketKeys } from '../../src/pipeline/inner-packet.ts';
import { login, passiveRetr, quit } from '../field/support.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => (s = (Math.imul(s, 1664525) + 1013904223) >>> 0);
}

/** The Ethernet frame with another source MAC (last byte `mac`) and, when `vlan` >= 0, an 802.1Q tag. */
function relinked(f: Frame, mac: number, vlan: number): Frame {
  const d = Buffer.from(f.data);
  d[11] = mac;
  const data = vlan < 0 ? d : Buffer.concat([d.subarray(0, 12), Buffer.from([0x81, 0x00, vlan >> 8, vlan & 0xff]), d.subarray(12)]);
  return { ...f, data, capLen: data.length, origLen: data.length };
}

describe('pipeline/inner-packet: the outer layers remembered by view()', () => {
  it('gives every frame the view of its own outer layers, over many layers in any order', () => {
    const t = new TraceBuilder();
    const c = login(t);
    passiveRetr(t, c, { bytes: 30_000 });
    quit(c);
    const plain = t.captureFrames();
    const tunnelled = toCaptureFrames(encapsulateFrames(t.frames(), tunnel.vxlan({ vni: 7 })), LinkType.ETHERNET);
    const next = rng(27);
    const frames: Frame[] = [];
    for (let i = 0; i < plain.length; i++) {
      // runs of one layer (a direction's frames), changes of layer, tunnels (too long to remember)
      const r = next() % 10;
      frames.push(r < 4 ? plain[i]! : r < 9 ? relinked(plain[i]!, 1 + (next() % 2), next() % 4 ? 100 + (next() % 3) : -1) : tunnelled[i]!);
    }
    const keys = new InnerPacketKeys();
    const seen = new Set<number>();
    for (const f of frames) {
      const fresh = new InnerPacketKeys();
      expect(keys.key(f), `frame ${f.number}: key`).to.equal(fresh.key(f));
      const v = keys.view(f);
      expect(v, `frame ${f.number}: view`).to.equal(fresh.view(f));
      seen.add(Math.floor(v / 256));
    }
    expect(seen.size, 'outer layers seen').to.be.greaterThan(6);
  });
});
