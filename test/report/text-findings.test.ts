// The text report spools its findings as numbers only and keeps the texts of the few instances
// of each rule that the findings section may show in full (the first of each rule, severity and
// background-ness in report order). Whatever order units are released in, the report must be the
// one made from all of them at once, and show the texts of the right instances.

import { expect } from 'chai';
import { TextReport } from '../../src/report/text.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import type { ReleasedUnit } from '../../src/pipeline/release.ts';
import { unitView } from '../../src/view/unit.ts';
import { analysisResult } from '../diagnose/fixtures.ts';

function finding(i: number, over: Partial<Finding>): Finding {
  return {
    id: 'upload-reset', severity: 'error', title: `title ${i}`, summary: `summary of instance ${i}`, explanation: 'the explanation', causes: ['cause one'],
    action: 'the action', references: ['RFC 959 §4.2.1'], frames: [1000 + i], connection: i, session: null, transfer: null, ...over,
  };
}

/** Units of one finding each: a rule repeated 40 times (folds), one 3 times (shown in full),
 *  background info findings of two rules, an info rule about FTP connections. */
function units(): ReleasedUnit[] {
  const out: ReleasedUnit[] = [];
  const unit = (f: Finding, subject: number): ReleasedUnit => ({ connections: [], sessions: [], transfers: [], roles: new Map(), findings: [{ finding: f, group: 2, subject, seq: 0 }] });
  for (let i = 0; i < 40; i++) out.push(unit(finding(i, { frames: [5000 - i * 7, 6000] }), i)); // report order: the last arrive first
  for (let i = 40; i < 43; i++) out.push(unit(finding(i, { id: 'port-refused', severity: 'warning', explanation: `why ${i % 2}` }), i));
  for (let i = 43; i < 60; i++) out.push(unit(finding(i, { id: i % 3 ? 'zero-window' : 'dup-ack', severity: 'info', frames: [9000 - i] }), i));
  return out;
}

function report(list: ReleasedUnit[]): string {
  const text = new TextReport({ color: false, width: 80 }, true);
  try {
    for (const u of list) text.add(unitView(u, { showPasswords: false }));
    return [...text.render(analysisResult({ released: { connections: 60, sessions: 0, transfers: 0 } } as never))].join('');
  } finally {
    text.close();
  }
}

describe('report/text: findings spooled as numbers, texts kept for the shown', () => {
  it('gives the same report whatever order the units arrive in', () => {
    const list = units();
    const expected = report(list);
    let seed = 5;
    const shuffled = list
      .map((u) => ({ u, k: (seed = (seed * 1103515245 + 12345) % 2 ** 31) }))
      .sort((a, b) => a.k - b.k)
      .map((x) => x.u);
    expect(report(shuffled)).to.equal(expected);
    expect(report([...list].reverse())).to.equal(expected);
  });

  it('shows the texts of the first instances in report order and folds the rest', () => {
    const out = report(units());
    // upload-reset: frames 5000 - 7i, so instances 39 and 38 come first
    expect(out).to.include('summary of instance 39').and.include('summary of instance 38');
    expect(out).not.to.include('summary of instance 37');
    expect(out).to.match(/… and 38 more upload-reset like these/);
    // three of port-refused: all shown, each explanation once
    for (const i of [40, 41, 42]) expect(out).to.include(`summary of instance ${i}`);
    expect(out.match(/Why: why 0/g)).to.have.length(1);
    expect(out.match(/Why: why 1/g)).to.have.length(1);
    // background connections: one line per rule, the title of its first instance (highest i)
    expect(out).to.include('Other TCP connections');
    expect(out).to.match(/zero-window ×12 — title 59 \(/);
    expect(out).to.match(/dup-ack ×5 — title 57 \(/);
  });
});
