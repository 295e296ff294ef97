// The bench's replicated traces (bench/big-trace.ts) feed the release tests and `npm run bench`. Both
// reuse a cached copy, so a generator that no longer runs went unseen on a machine that had the cache:
// this builds a small one afresh every time and checks that its replicas are the captures' sessions.
import { expect } from 'chai';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { benchTrace } from '../../bench/big-trace.ts';
import { readCapture } from '../../src/capture/read.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { analyzeFile } from '../../src/pipeline/analyze.ts';

describe('bench/big-trace: a replicated trace built afresh', function () {
  this.timeout(120_000);

  it('writes Ethernet frames whose IP packets decode, with FTP sessions in them', async () => {
    const name = `test-fresh-${process.pid}`;
    const info = await benchTrace({ name, layout: 'sequential', frames: 3_000, prefixFrames: 0 }, { regen: true, log: () => {} });
    try {
      expect(info.frames).to.be.at.least(3_000);
      const dec = new PacketDecoder({ reassembleFragments: false });
      const kinds = new Map<string, number>();
      let bad = 0;
      await readCapture(info.file, (f) => {
        const kind = dec.decode(f);
        kinds.set(kind, (kinds.get(kind) ?? 0) + 1);
        // every frame is Ethernet + the captured IP packet: its header starts right after the 14 bytes
        if (kind === 'tcp' && dec.packet.ipOffset - (f.at ?? 0) !== 14) bad++;
      });
      expect(bad).to.equal(0);
      expect(kinds.get('tcp')).to.equal(info.frames);
      const { result } = await analyzeFile(info.file, { rules: loadRules([]) });
      expect(result.sessions.length).to.be.at.least(info.replicas / 2);
    } finally {
      for (const f of [info.file, path.join(path.dirname(info.file), `${name}.json`)]) fs.rmSync(f, { force: true });
    }
  });
});
