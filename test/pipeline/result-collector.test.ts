import { expect } from 'chai';
import type { Finding } from '../../src/diagnose/finding.ts';
import { ResultCollector } from '../../src/pipeline/result.ts';
import { SubjectGroup } from '../../src/pipeline/release.ts';

describe('pipeline/result: a whole-capture result', () => {
  it("makes each finding's texts as it takes the unit (they are made from records a later frame may change)", () => {
    const read: string[] = [];
    const finding = (id: string): Finding => ({
      id,
      severity: 'warning',
      title: id,
      get summary() {
        read.push(id);
        return `${id} summary`;
      },
      explanation: 'x',
      action: 'y',
      references: [],
      frames: [1],
      connection: 0,
      session: null,
      transfer: null,
    });
    const collector = new ResultCollector();
    collector.add({ connections: [], sessions: [], transfers: [], roles: new Map(), findings: [{ finding: finding('a'), group: SubjectGroup.connection, subject: 0, seq: 0 }] });
    expect(read).to.deep.equal(['a']);
    expect(collector.lists().findings.map((f) => f.summary)).to.deep.equal(['a summary']);
  });
});
