// judge.ts: the verdict on one candidate pair from its evidence. Evidence is built here by hand
// (the crafted two-point traces of guardrails.test.ts exercise it end to end).

import { expect } from 'chai';
import { CLOCK_TOLERANCE } from '../../src/compare/align.ts';
import { DRIFT_PPM, judgePair, MIN_SHARED, tolerance, type JudgeClock, type PairEvidence } from '../../src/compare/judge.ts';

const OFF = 10; // B's clock minus A's

/** Evidence of a pair whose client's segments took `up` seconds A → B and server's `down` B → A. */
function evidence(o: Partial<PairEvidence> & { up?: number[]; down?: number[] } = {}): PairEvidence {
  const up = o.up ?? [0.002, 0.003, 0.002, 0.004, 0.002];
  const down = o.down ?? [0.002, 0.002, 0.005, 0.002, 0.003];
  return {
    isn: { client: false, server: false },
    isnDiffers: { client: false, server: false },
    timestamps: 0,
    shared: [up.length, down.length],
    payload: 6,
    d: [up.map((x) => OFF + x), down.map((x) => OFF - x)],
    span: 2,
    ...o,
  };
}

const anchored: JudgeClock = { offset: OFF, fromSegments: true, span: 60 };

describe('judge: one candidate pair', () => {
  it('an ISN identifies a connection; its delays hold', () => {
    const j = judgePair(evidence({ isn: { client: true, server: false } }), null);
    expect(j).to.deep.include({ verdict: 'same', reason: null, aUp: [true, false] });
    expect(j.evidence).to.deep.equal(['client ISN', '10 segments identical at both points', 'one-way delays consistent']);
  });

  it('TCP timestamps identical on two distinct segments identify it too (one does not)', () => {
    expect(judgePair(evidence({ timestamps: 2, shared: [1, 1], up: [0.002], down: [0.002] }), null).verdict).to.equal('same');
    expect(judgePair(evidence({ timestamps: 1, shared: [1, 1], up: [0.002], down: [0.002] }), null).verdict).to.equal('unknown');
  });

  it('with an ISN and delays no offset can fit, the match stands and the clock is blamed: no delays', () => {
    // the server's segments seem to take 0.3 s less than nothing: d of both directions overlap
    const j = judgePair(evidence({ isn: { client: true, server: true }, down: [0.002, -0.3, 0.002] }), null);
    expect(j.verdict).to.equal('same');
    expect(j.delays).to.equal(false);
    expect(j.reason).to.match(/^its one-way delays are not given: at any clock offset some of its segments would have arrived 149\.0 ms or more before they were sent; the match rests on its client and server ISNs, so the clock is wrong/);
  });

  it('without identity the same timing makes it another connection', () => {
    const j = judgePair(evidence({ down: [0.002, -0.3, 0.002] }), anchored);
    expect(j.verdict).to.equal('different');
    expect(j.reason).to.match(/^not the same traffic: at any clock offset/);
  });

  it('against the offset the identified connections show: early arrivals, one-way travel, implausible delays', () => {
    // seen one way only (nothing to test on its own), one segment 45 ms before the others' offset
    const early = evidence({ d: [[OFF + 0.01, OFF - 0.045, OFF + 0.02], []], shared: [3, 0] });
    expect(judgePair(early, { ...anchored, span: 1 }).reason).to.match(/at the clock offset the other connections show, some of its segments would have arrived 45\.0 ms before they were sent/);
    // self-consistent, but 50 ms before the others' offset: both directions would travel B → A
    const before = evidence({ d: [[OFF - 0.05 + 0.002, OFF - 0.05 + 0.003], [OFF - 0.05 - 0.002, OFF - 0.05 - 0.003]], shared: [2, 2] });
    expect(judgePair(before, anchored).reason).to.contain('both its directions would travel from B to A');
    // both directions an hour after the offset: both would travel A → B
    const later = evidence({ d: [[OFF + 3600.01, OFF + 3600.02], [OFF + 3600.0, OFF + 3600.005]], shared: [2, 2] });
    expect(judgePair(later, anchored).reason).to.contain('both its directions would travel from A to B');
    // one direction only, its fastest segment an hour between the points
    const lone = evidence({ d: [[OFF + 3600.01], []], shared: [1, 0] });
    expect(judgePair(lone, anchored).reason).to.contain('its fastest segment would have taken 3600 s between the points');
  });

  it('both ISNs rewritten (both SYNs at both points) is another connection; one rewritten is a randomising firewall', () => {
    const both = judgePair(evidence({ isnDiffers: { client: true, server: true } }), anchored);
    expect(both.verdict).to.equal('different');
    expect(both.reason).to.contain('both ISNs differ');
    const one = judgePair(evidence({ isnDiffers: { client: true, server: false } }), anchored);
    expect(one.verdict).to.equal('same');
  });

  it('content and timing alone match only against the offset of identified connections, and only with enough of it', () => {
    const many = evidence({ up: [0.002, 0.003, 0.002, 0.004, 0.002], down: [0.002, 0.002, 0.005, 0.002] });
    expect(many.shared[0] + many.shared[1]).to.be.at.least(MIN_SHARED);
    const withAnchor = judgePair(many, anchored);
    expect(withAnchor.verdict).to.equal('same');
    expect(withAnchor.evidence).to.include('one-way delays consistent with the other connections');
    const alone = judgePair(many, null);
    expect(alone.verdict).to.equal('unknown');
    expect(alone.reason).to.contain('a look-alike session (the same commands, the same file) cannot be ruled out');
    // an offset from connection starts includes a delay: it cannot test one
    expect(judgePair(many, { offset: OFF, fromSegments: false, span: 60 }).verdict).to.equal('unknown');
    const few = judgePair(evidence({ up: [0.002, 0.003, 0.002, 0.004, 0.002], down: [0.002, 0.003] }), anchored);
    expect(few.verdict).to.equal('unknown');
    expect(few.reason).to.match(/only 7 segments are identical at both points \(5 from the client, 2 from the server; 8 with 3 each way are needed/);
  });

  it('the timing tolerance is the clock tolerance plus the drift over the time spanned', () => {
    expect(tolerance(0)).to.equal(CLOCK_TOLERANCE);
    expect(tolerance(100)).to.be.closeTo(CLOCK_TOLERANCE + (DRIFT_PPM / 1e6) * 100, 1e-12);
    // directions overlapping by 6 ms: drift over 100 s, not over 1 s
    const overlap = (span: number) => evidence({ isn: { client: false, server: false }, down: [0.002, -0.01, 0.002], span });
    expect(judgePair(overlap(100), null).verdict).to.not.equal('different');
    expect(judgePair(overlap(1), null).verdict).to.equal('different');
  });
});
