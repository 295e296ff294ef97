// The bounded pass of the mutation fuzzer that runs with `npm test`: the same campaigns as
// scripts/fuzz.ts (harness/campaign.ts), with fixed PRNG seeds and case counts so every run checks
// the same inputs, in a worker watched for hangs. Findings are saved to ./fuzz-findings/ (with a
// replay command) and fail the test. The long run: node --import tsx scripts/fuzz.ts --seconds N.
import { expect } from 'chai';
import type { Target } from './harness/campaign.ts';
import { describeFindings, FINDINGS_DIR, saveFinding } from './harness/findings.ts';
import { runFuzz } from './harness/pool.ts';

// [target, cases, PRNG seed]: about a second each on a 2-core machine. 'all' runs every reader
// check (push, chunked push, file pump, gzip stream) on each mutant capture and decodes its
// frames; 'decoder' mutates frames themselves (headers, fragments, snaplen cuts, link types).
const RUNS: Array<[Target, number, number]> = [
  ['all', 1000, 0x5eed0001],
  ['decoder', 30_000, 0x5eed0002],
];

describe('fuzz/campaign (bounded mutation pass)', function () {
  this.timeout(60_000);
  for (const [target, iterations, seed] of RUNS) {
    it(`${target}: ${iterations} mutants of the crafted and corpus seeds break no contract`, async () => {
      const r = await runFuzz({ target, iterations, seed, workers: 1, hangMs: 5000, maxSeedBytes: 8 * 1024 });
      for (const g of r.findings) saveFinding(FINDINGS_DIR, g);
      expect(r.findings, describeFindings(r.findings)).to.deep.equal([]);
      expect(r.cases).to.equal(iterations);
      // the mutants reach every ending, so the pass is not just re-reading valid files
      const endings = Object.keys(r.outcomes);
      if (target !== 'decoder') expect(endings).to.include.members(['reader:ok', 'reader:truncated', 'reader:bad-block', 'reader:bad-record-length']);
      if (target !== 'reader') expect(endings).to.include.members(['decoder:tcp', 'decoder:malformed', 'decoder:truncated', 'decoder:fragment']);
    });
  }
});
