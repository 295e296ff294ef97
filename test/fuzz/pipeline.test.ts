// The bounded whole-pipeline pass of the mutation fuzzer (harness/pipeline.ts): mutated frames of
// captures/*.pcap through Analysis.frame()/finish(), renderText and renderJson, in a worker
// watched for hangs. Fixed PRNG seed and case count, so every run checks the same inputs.
// Findings are saved to ./fuzz-findings/ and fail the test. The long run:
//   node --import tsx scripts/fuzz.ts --target pipeline --seconds N
import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { describeFindings, FINDINGS_DIR, saveFinding } from './harness/findings.ts';
import { checkPipeline, mutateFrames, pipelineSeeds } from './harness/pipeline.ts';
import { runFuzz } from './harness/pool.ts';
import { Rng } from './harness/rng.ts';

describe('fuzz/pipeline (whole-pipeline mutation pass)', function () {
  this.timeout(90_000); // ~17 s of CPU alone; a bound against a hung worker, not a speed check

  it('1200 mutants of the FTP captures: no exception but CaptureError, no hang, no raw control bytes', async () => {
    const iterations = 1200;
    const r = await runFuzz({ target: 'pipeline', iterations, seed: 0x5eed0003, workers: 1, hangMs: 2000, slowMs: 2000 });
    for (const g of r.findings) saveFinding(FINDINGS_DIR, g);
    expect(r.findings, describeFindings(r.findings)).to.deep.equal([]);
    expect(r.cases).to.equal(iterations);
    expect(r.pipelineCases).to.equal(iterations);
    expect(r.captureSeeds, 'seeded from captures/').to.be.greaterThan(10);
  });

  it('mutants differ from their seed in frames, order or count', () => {
    const seeds = pipelineSeeds();
    const rng = new Rng(7);
    let changed = 0;
    for (let i = 0; i < 50; i++) {
      const s = seeds[i % seeds.length]!;
      const m = mutateFrames(s, rng, s);
      if (m.length !== s.frames.length || m.some((f, k) => !f.data.equals(s.frames[k]!))) changed++;
    }
    expect(changed).to.be.greaterThan(45);
  });

  it('the oracle passes a hostile banner (escaped by the report) and returns the ending', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    c.handshake();
    c.server('PA', '220 \x1b[2J\x9b31mhello\x85\r\n');
    c.client('PA', 'USER \x1b]0;pwned\x07\r\n');
    c.server('PA', '530 \x1b[5m no\r\n');
    c.close();
    const frames = t.captureFrames();
    expect(checkPipeline(frames)).to.equal('ok');
    expect(checkPipeline(frames, { ftp: { maxLine: 4, maxPending: 1 }, tcp: { maxFlows: 1 } })).to.equal('ok');
    // an unsupported link type ends the analysis with a CaptureError, which is allowed
    expect(checkPipeline(frames.map((f) => ({ ...f, linkType: 9999 })))).to.equal('unsupported-link-type');
  });
});
