// One long FTP session (issue 27): its transfers are diagnosed one at a time, each with the
// connections tried for it, and their facts dropped at once, so that a session of 10^5 transfers
// does not hold every fact of it while it is diagnosed. The findings must be exactly those of a
// pass that holds every fact at once (diagnoseAll).

import { expect } from 'chai';
import { types } from 'node:util';
import { Analysis } from '../../src/pipeline/analyze.ts';
import type { ReleasedUnit } from '../../src/pipeline/release.ts';
import { builtinRuleSet, loadRules, parseRuleFile, ruleSetOf } from '../../src/diagnose/rule-loader.ts';
import { Diagnosis, diagnoseAll, RuleEvaluator, type DiagnoseInput } from '../../src/diagnose/evaluate.ts';
import type { Fact } from '../../src/diagnose/facts.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import { loggedIn, manyTransfers, numberedDownload } from '../support/crafted-sessions.ts';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { findingSortKey, PARTS_AFTER, type ReleasedFinding } from '../../src/pipeline/release.ts';
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

/** The session's unit and the parts of it released before it ended (release.ts tryPart), put
 *  together again: the unit a session of the same capture released whole would be. */
function sessionWhole(units: readonly ReleasedUnit[]): { session: ReleasedUnit; parts: ReleasedUnit[]; whole: ReleasedUnit } {
  const session = units.find((u) => u.sessions.length === 1)!;
  const id = session.sessions[0]!.id;
  const parts = units.filter((u) => u.sessions.length === 0 && u.transfers.length > 0 && u.transfers.every((x) => x.session === id));
  const whole: ReleasedUnit = {
    connections: [...session.connections, ...parts.flatMap((u) => u.connections)].sort((x, y) => x.id - y.id),
    sessions: session.sessions,
    transfers: [...session.transfers, ...parts.flatMap((u) => u.transfers)].sort((x, y) => x.id - y.id),
    findings: [...session.findings, ...parts.flatMap((u) => u.findings)],
    roles: new Map([...session.roles, ...parts.flatMap((u) => [...u.roles])]),
  };
  return { session, parts, whole };
}

describe('pipeline/release: a long session is diagnosed one transfer at a time', () => {
  it('holds the facts of one transfer at a time, and finds what a pass holding every fact finds', () => {
    const n = 150;
    const units: ReleasedUnit[] = [];
    const a = new Analysis({ rules, release: (u) => units.push(u) });
    for (const f of manyTransfers(n).captureFrames()) a.frame(f);
    a.finish(null);
    const { whole: session } = sessionWhole(units);
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

  it('past 1,024 commands, makes each command fact of the list when it is read', () => {
    const units: ReleasedUnit[] = [];
    const a = new Analysis({ rules, release: (u) => units.push(u), wholeSessions: true });
    for (const f of manyTransfers(600).captureFrames()) a.frame(f);
    a.finish(null);
    const unit = units.find((u) => u.sessions.length === 1)!;
    const s = unit.sessions[0]!;
    expect(s.commands.length).to.be.above(1024);
    const d = new Diagnosis(new RuleEvaluator(rules), inputOf(unit));
    const list = d.facts.sessionFact(s)['commands'] as Fact[];
    // a list made as it is read, not 10^3 facts at once
    expect(types.isProxy(list)).to.equal(true);
    expect(Array.isArray(list)).to.equal(true);
    expect(list).to.have.length(s.commands.length);
    const text = (x: unknown) => JSON.stringify(x, (_, v) => (typeof v === 'bigint' ? String(v) : v));
    for (const t of unit.transfers.filter((x) => x.id % 97 === 0)) {
      const alone = new Diagnosis(new RuleEvaluator(rules), inputOf(unit)).facts.transferCommandFact(t);
      expect(text(list[t.commandIndex!])).to.equal(text(alone));
    }
    expect(list.filter((x) => x['code'] === 550n)).to.have.length(s.commands.filter((c) => c.reply?.code === 550).length);
    expect([...list].map((x) => x['frame'])).to.deep.equal(s.commands.map((c) => BigInt(c.frame)));
    // CEL reads it by index, length, filter and exists as it reads a list
    const extra = parseRuleFile(
      `rules:\n  - id: long-list\n    severity: info\n    title: t\n    scope: session\n    when: "s.commands.exists(x, x.code == 550) && s.commands[s.commandCount - 1].frame > 0"\n    summary: "{s.commands[s.commandCount - 1].frame} {size(s.commands.filter(x, x.code == 550))} {s.commands.map(x, x.verb).filter(v, v == 'PORT').size()}"\n    explanation: x\n    action: y\n`,
      'test.yaml',
    )!;
    const found = new Diagnosis(new RuleEvaluator(ruleSetOf([...extra])), inputOf(unit)).session(s);
    expect(found.map((f) => f.summary)).to.deep.equal([`${s.commands.at(-1)!.frame} ${s.commands.filter((c) => c.reply?.code === 550).length} ${s.commands.filter((c) => c.verb === 'PORT').length}`]);
  });

  it('releases settled transfers before the session ends, and judges them on its final state', () => {
    // a session of n quick downloads; download `slow` runs 12 s while the control connection is
    // silent, and the client resets the control connection 3 s after the 226 that ends the silence:
    // control-idle-timeout, a rule that reads the control connection's final longest silence
    const slow = PARTS_AFTER + 8;
    const n = slow + 72;
    const t = new TraceBuilder();
    const ctl = loggedIn(t);
    for (let i = 0; i < n; i++) {
      numberedDownload(t, ctl, i, (d) => {
        if (i !== slow) return d.stream('server', 2000);
        for (let k = 0; k < 4; k++) {
          t.wait(3);
          d.server('PA', 1000);
          d.client('A');
        }
      });
      // quiet enough for the engine to forget a data connection a transfer later
      t.wait(0.02);
    }
    ctl.client('RA');
    const units: ReleasedUnit[] = [];
    // ended data connections are forgotten at once (the default is after 5 s, or 512 of them)
    const a = new Analysis({ rules, release: (u) => units.push(u), tcp: { endedFlowSeconds: 0.01, closeGraceSeconds: 0.01 } });
    let mostLive = 0;
    for (const f of t.captureFrames()) {
      a.frame(f);
      mostLive = Math.max(mostLive, a.releaseStats.liveTransfers);
    }
    a.finish(null);
    const { session, parts, whole } = sessionWhole(units);
    // most transfers went out as parts of the session's unit before it ended, each with its data
    // connection, so that the FTP stage held a few at a time, not n
    // (the first PARTS_AFTER go whole: the session was not long when they settled; the parts go
    // out in batches, the last one whole with the session)
    const released = parts.flatMap((u) => u.transfers);
    expect(released.length).to.be.at.least(n - PARTS_AFTER - 40);
    expect(units.indexOf(parts[0]!)).to.be.below(units.indexOf(session));
    expect(mostLive).to.be.below(PARTS_AFTER + 48);
    expect(a.releaseStats.parts).to.equal(parts.length);
    const slowId = released.find((x) => x.argument === `f${slow}`)?.id;
    expect(slowId, 'the slow transfer went out as a part').to.be.a('number');

    // the findings are those of one pass over the session's unit put together
    const streamed = whole.findings.map((r) => r.finding);
    const all = diagnoseAll(new RuleEvaluator(rules), inputOf(whole));
    expect(streamed.map(key).sort()).to.deep.equal(all.map(key).sort());
    // … among them control-idle-timeout about the slow transfer, judged when the session ended
    const idle = streamed.filter((f) => f.id === 'control-idle-timeout');
    expect(idle.map((f) => f.transfer)).to.deep.equal([slowId]);
    expect(session.findings.some((r) => r.finding.id === 'control-idle-timeout')).to.equal(true);
  });

  it('finds in parts what a pass over the whole session finds, failures and resets included', () => {
    // 425s, 426s, 550s and resets; the engine forgets ended connections at once (few may wait)
    const units: ReleasedUnit[] = [];
    const a = new Analysis({ rules, release: (u) => units.push(u), tcp: { maxEndedFlows: 2, maxClosingFlows: 2 } });
    for (const f of manyTransfers(3 * PARTS_AFTER).captureFrames()) a.frame(f);
    a.finish(null);
    const { parts, whole } = sessionWhole(units);
    expect(parts.flatMap((u) => u.transfers).length).to.be.at.least(PARTS_AFTER / 2);
    // the 550s (no connection, tried again once a command followed) went out in parts too
    const kinds = new Set(parts.flatMap((u) => u.transfers.map((x) => x.finalReply?.code)));
    expect([...kinds]).to.include.members([226, 550]);
    const streamed = whole.findings.map((r) => r.finding);
    const all = diagnoseAll(new RuleEvaluator(rules), inputOf(whole));
    expect(streamed.map(key).sort()).to.deep.equal(all.map(key).sort());
    expect(all.filter((f) => f.transfer !== null).length).to.be.at.least(PARTS_AFTER);
  });

  it('goes on releasing parts past the bound on kept commands', () => {
    // the session keeps its first 2·PARTS_AFTER commands; the transfers after them have no
    // command fact, in parts as in a pass over the whole session
    const units: ReleasedUnit[] = [];
    const a = new Analysis({ rules, release: (u) => units.push(u), tcp: { maxEndedFlows: 2, maxClosingFlows: 2 }, ftp: { maxCommands: 2 * PARTS_AFTER } });
    for (const f of manyTransfers(4 * PARTS_AFTER).captureFrames()) a.frame(f);
    a.finish(null);
    const { whole } = sessionWhole(units);
    const s = whole.sessions[0]!;
    expect(s.commandsDropped).to.be.above(0);
    const late = sessionWhole(units).parts.flatMap((u) => u.transfers).filter((x) => x.commandIndex! >= s.commands.length);
    expect(late.length).to.be.at.least(PARTS_AFTER / 2);
    const streamed = whole.findings.map((r) => r.finding);
    const all = diagnoseAll(new RuleEvaluator(rules), inputOf(whole));
    expect(streamed.map(key).sort()).to.deep.equal(all.map(key).sort());
  });
  it('counts a rule that fails at run time once per subject, and orders findings as a session released whole', () => {
    // a user rule failing on every transfer: a transfer tried as a part and kept for its session
    // (a reset's finding supersedes) is evaluated twice; the first try must not count
    const rule = (id: string, when: string, summary: string) =>
      `  - id: ${id}\n    severity: info\n    title: ${id}\n    scope: transfer\n    when: "${when}"\n    summary: "${summary}"\n    explanation: x\n    action: y\n`;
    const extra = parseRuleFile(`rules:\n${rule('careless', '10 / (t.id - t.id) > 0', 'x')}${rule('careless-text', 'true', 'rate {10 / (t.id - t.id)}')}${rule('after-it', 'true', 'transfer {t.id}')}`, 'test.yaml')!;
    const set = ruleSetOf([extra[1]!, ...builtinRuleSet().rules, extra[0]!, extra[2]!]);
    const order = (a: ReleasedFinding, b: ReleasedFinding) => {
      const x = findingSortKey(a);
      const y = findingSortKey(b);
      for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return x[i]! - y[i]!;
      return 0;
    };
    const run = (wholeSessions: boolean) => {
      const units: ReleasedUnit[] = [];
      const a = new Analysis({ rules: set, release: (u) => units.push(u), tcp: { maxEndedFlows: 2, maxClosingFlows: 2 }, wholeSessions });
      for (const f of manyTransfers(3 * PARTS_AFTER).captureFrames()) a.frame(f);
      const r = a.finish(null);
      const parts = units.filter((u) => u.sessions.length === 0 && u.transfers.length > 0).length;
      const findings = units.flatMap((u) => u.findings).sort(order).map((x) => key(x.finding));
      return { parts, errors: r.ruleErrors.map((e) => [e.rule, e.count]), findings };
    };
    const inParts = run(false);
    const whole = run(true);
    expect(inParts.parts).to.be.above(0);
    expect(whole.parts).to.equal(0);
    expect(inParts.errors).to.deep.equal(whole.errors);
    expect(inParts.findings).to.deep.equal(whole.findings);
  });
});
