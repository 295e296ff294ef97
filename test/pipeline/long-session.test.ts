// One long FTP session (issue 27): its transfers are diagnosed one at a time, each with the
// connections tried for it, and their facts dropped at once, so that a session of 10^5 transfers
// does not hold every fact of it while it is diagnosed. The findings must be exactly those of a
// pass that holds every fact at once (diagnoseAll).

import { expect } from 'chai';
import { Analysis } from '../../src/pipeline/analyze.ts';
import type { ReleasedUnit } from '../../src/pipeline/release.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { Diagnosis, diagnoseAll, RuleEvaluator, type DiagnoseInput } from '../../src/diagnose/evaluate.ts';
import type { Fact } from '../../src/diagnose/facts.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import { manyTransfers } from '../support/crafted-sessions.ts';
import { runCrafted } from '../ftp/pipeline.ts';
import type { ConnApp } from '../../src/ftp/conn-app.ts';

const rules = loadRules();

const key = (f: Finding) => JSON.stringify(f);

/** A released unit as the input of a diagnosis of its own. */
const inputOf = (u: ReleasedUnit): DiagnoseInput => ({
  connections: u.connections,
  sessions: u.sessions,
  transfers: u.transfers,
  roles: u.roles,
  showPasswords: false,
  capture: null,
  decode: { tcp: 0, notIp: 0, notTcp: 0, fragments: 0, malformed: 0, truncated: 0, fragmentConflicts: [], fragmentConflictCount: 0 },
});

describe('pipeline/release: a long session is diagnosed one transfer at a time', () => {
  it('holds the facts of one transfer at a time, and finds what a pass holding every fact finds', () => {
    const n = 150;
    const units: ReleasedUnit[] = [];
    const a = new Analysis({ rules, release: (u) => units.push(u) });
    for (const f of manyTransfers(n).captureFrames()) a.frame(f);
    a.finish(null);
    const session = units.find((u) => u.sessions.length === 1)!;
    expect(session.transfers).to.have.length(n);
    // a data connection (its retries at most one more) and its transfer; not the 2n of a whole pass
    expect(a.releaseStats.maxFacts).to.be.within(1, 4);

    const streamed = units.flatMap((u) => u.findings.map((r) => r.finding)).filter((f) => f.session !== null || f.connection !== null);
    const all = diagnoseAll(new RuleEvaluator(rules), inputOf(session));
    expect(streamed.map(key).sort()).to.deep.equal(all.map(key).sort());
    // findings of several kinds about transfers and their connections: failures, 425, 426, resets
    const ids = new Set(all.map((f) => f.id));
    expect(ids.size).to.be.at.least(3);
    expect(all.filter((f) => f.transfer !== null).length).to.be.at.least(n / 5);
  });

  it('keeps no working state of a transfer once it is settled', () => {
    const r = runCrafted(manyTransfers(50).frames());
    const control = r.connections.map((c) => c.app as ConnApp | undefined).find((a) => a?.role === 'control')!;
    const tracks = control.session!.tracks;
    expect(tracks).to.have.length(50);
    for (const t of tracks) {
      expect(t.settled).to.equal(true);
      // the announced listener of each candidate and the candidates that ended: read once, to settle it
      expect(t.listeners.size + t.ended.size).to.equal(0);
      // the PASV/PORT exchange that set it up, once it was answered (its expectation keys, candidates)
      if (t.t.finalReply !== null) expect(t.setup).to.equal(null);
    }
    expect(tracks.filter((t) => t.t.finalReply !== null).length).to.be.at.least(25);
  });

  it('makes the list of command facts only when a rule reads it', () => {
    const units: ReleasedUnit[] = [];
    const a = new Analysis({ rules, release: (u) => units.push(u) });
    for (const f of manyTransfers(40).captureFrames()) a.frame(f);
    a.finish(null);
    const unit = units.find((u) => u.sessions.length === 1)!;
    const s = unit.sessions[0]!;
    const d = new Diagnosis(new RuleEvaluator(rules), inputOf(unit));
    // the command scope and every transfer's `cmd` took their facts one at a time
    const found = [...d.session(s), ...unit.transfers.flatMap((t) => d.transfer(t))];
    expect(found.length).to.be.above(0);
    const sf = d.facts.sessionFact(s);
    expect(Object.getOwnPropertyDescriptor(sf, 'commands')!.get).to.be.a('function');
    // read, it is the list, made once, each fact the one made alone
    const list = sf['commands'] as Fact[];
    expect(list).to.have.length(s.commands.length);
    expect(sf['commands']).to.equal(list);
    const t = unit.transfers[7]!;
    expect(d.facts.transferCommandFact(t)).to.equal(list[t.commandIndex!]);
    expect(JSON.stringify(list[t.commandIndex!], (_, v) => (typeof v === 'bigint' ? String(v) : v))).to.equal(
      JSON.stringify(new Diagnosis(new RuleEvaluator(rules), inputOf(unit)).facts.transferCommandFact(t), (_, v) => (typeof v === 'bigint' ? String(v) : v)),
    );
  });
});
