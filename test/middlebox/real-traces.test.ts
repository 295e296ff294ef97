// False positives of injected-reset on real traces: genuine resets of real stacks (Linux, Windows,
// on loopback and across hosts) must not be judged forged. Zeek's rst-inject trace holds the one
// forged RST of the shared corpus. The middlebox-* captures are checked against their truth files
// in middlebox-captures.test.ts.

import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { judgeResets, type ResetJudgement } from '../../src/tcp/reset-origin.ts';
import { connectionsOfFile } from './support.ts';
import { corpusIt } from '../support/trace-files.ts';

const captures = fileURLToPath(new URL('../../captures/', import.meta.url));
const corpus = fileURLToPath(new URL('../../../shared/corpus/public/', import.meta.url));

function traceFiles(): string[] {
  const out = readdirSync(captures)
    .filter((f) => /\.pcap(ng)?$/.test(f) && !f.startsWith('middlebox-'))
    .map((f) => join(captures, f));
  if (existsSync(corpus)) for (const d of readdirSync(corpus)) for (const f of readdirSync(join(corpus, d))) out.push(join(corpus, d, f));
  return out;
}

async function judgeFile(path: string): Promise<ResetJudgement[]> {
  return (await connectionsOfFile(path)).flatMap((c) => judgeResets(c));
}

describe('injected-reset on real traces', function () {
  this.timeout(60000);

  corpusIt('judges no genuine RST forged (every RST of captures/ and the corpus)', async () => {
    let judged = 0;
    const forged: string[] = [];
    for (const f of traceFiles()) {
      for (const j of await judgeFile(f)) {
        judged++;
        if (j.forged) forged.push(`${f.slice(f.lastIndexOf('/', f.lastIndexOf('/') - 1) + 1)}#${j.sample.frame}`);
      }
    }
    expect(judged, 'RSTs judged').to.be.greaterThan(60);
    const expected = existsSync(corpus) ? ['zeek/tcp_rst-inject-rae.pcap#2'] : [];
    expect(forged).to.deep.equal(expected);
  });

  it("finds the forged RST of Zeek's rst-inject trace by TTL and a copied IP ID and window", async function () {
    const file = join(corpus, 'zeek/tcp_rst-inject-rae.pcap');
    if (!existsSync(file)) this.skip();
    const js = await judgeFile(file);
    expect(js.map((j) => [j.sample.frame, j.forged])).to.deep.equal([
      [2, true],
      [7, false],
      [9, false],
    ]);
    expect(js[0]!.evidence).to.equal(
      'TTL 46 vs 49 on every other segment from 1.2.0.3 (2); IP ID 5461 copied from the 1.2.0.2 segment it answers (frame 1); ' +
        'window 16384 copied from the segment it answers (1.2.0.3 advertised 64134)',
    );
  });

  it("accepts the Linux RST/ACK of vsftpd-upload-rst (next IP ID of the socket) and the IP ID 0 RST of suricata's ftp-quit", async function () {
    const up = await judgeFile(join(captures, 'vsftpd-upload-rst.pcap'));
    expect(up.length).to.be.greaterThan(0);
    expect(up.every((j) => !j.forged)).to.equal(true);
    const file = join(corpus, 'suricata-verify/ftp-quit__input.pcap');
    if (!existsSync(file)) this.skip();
    const quit = await judgeFile(file);
    expect(quit).to.have.length(1);
    expect(quit[0]!.sample.ipId).to.equal(0);
    expect(quit[0]!.forged).to.equal(false);
  });
});
