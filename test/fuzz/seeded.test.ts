// The bounded pass of the seeded fuzz targets that runs with `npm test` (the long run:
// `npm run fuzz`, or node --import tsx scripts/fuzz.ts --target cli|detect|flows --seconds N):
//   cli    — every command as typed, standard output working, gone (EPIPE) or failing (ENOSPC),
//            the capture on standard input; exit status, error lines, output formats, and a
//            known password that must never show (harness/cli.ts);
//   detect — sessions with hostile first lines are found, with their transfer and finding
//            (harness/hostile.ts);
//   flows  — colliding tuples, SYN floods and one connection with many random segments stay
//            within their bounds (harness/flows.ts).
// Fixed PRNG seeds and case counts, in a worker watched for hangs; findings are saved to
// ./fuzz-findings/ with the command that replays them, and fail the test.
import { expect } from 'chai';
import type { Target } from './harness/campaign.ts';
import { describeFindings, FINDINGS_DIR, saveFinding } from './harness/findings.ts';
import { runFuzz } from './harness/pool.ts';

// [target, cases, PRNG seed, scale]: a few seconds each on a 2-core machine
const RUNS: Array<[Target, number, number, number]> = [
  ['cli', 120, 0x5eed0021, 1],
  ['detect', 400, 0x5eed0022, 1],
  ['flows', 9, 0x5eed0024, 0.3], // (a seed whose 9 cases draw all three kinds)
];

describe('fuzz/seeded (bounded pass of the cli, detect and flows targets)', function () {
  this.timeout(180_000);
  for (const [target, iterations, seed, scale] of RUNS) {
    it(`${target}: ${iterations} cases break no contract`, async () => {
      const r = await runFuzz({ target, iterations, seed, workers: 1, hangMs: 60_000, slowMs: 30_000, scale });
      for (const g of r.findings) saveFinding(FINDINGS_DIR, g);
      expect(r.findings, describeFindings(r.findings)).to.deep.equal([]);
      expect(r.cases).to.equal(iterations);
      expect(r.seededCases).to.equal(iterations);
      const outcomes = Object.keys(r.outcomes);
      // the cases reach every kind, so the pass is not one path over and over
      if (target === 'cli') for (const cmd of ['analyze', 'log', 'ladder', 'compare', 'regress']) expect(outcomes.some((o) => o.startsWith(`cli:${cmd}:`)), cmd).to.equal(true);
      if (target === 'detect') expect(outcomes).to.include.members(['detect:port-21', 'detect:other-port']);
      if (target === 'flows') expect(outcomes.some((o) => o.startsWith('flows:tuples:'))).to.equal(true);
      if (target === 'flows') expect(outcomes).to.include.members(['flows:syn-flood', 'flows:long-connection']);
    });
  }
});
