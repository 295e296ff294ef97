import { expect } from 'chai';
import { diagnoseAll, RuleEvaluator, normalizeFrames, type DiagnoseInput } from '../../src/diagnose/evaluate.ts';
import { LoginLedger } from '../../src/ftp/logins.ts';
import { builtinRuleSet, parseRuleFile, emptyRuleSet } from '../../src/diagnose/rule-loader.ts';
import { emptyDecodeCounts } from '../../src/diagnose/facts.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import type { RuleSet } from '../../src/diagnose/rule-types.ts';
import { dataSides } from '../../src/ftp/data/measure.ts';
import { captureSummary, fixtureRoles, command, connection, endpoint, reply, session, transfer, uploadResetScenario } from './fixtures.ts';

function input(parts: Partial<DiagnoseInput>): DiagnoseInput {
  return { connections: [], sessions: [], transfers: [], roles: fixtureRoles(parts.sessions ?? [], parts.transfers ?? []), showPasswords: false, capture: captureSummary(), decode: emptyDecodeCounts(), ...parts };
}

function run(parts: Partial<DiagnoseInput>, rules: RuleSet = builtinRuleSet()): Finding[] {
  return diagnoseAll(new RuleEvaluator(rules), input(parts));
}

const byId = (fs: Finding[], id: string) => fs.filter((f) => f.id === id);

function ruleSetOf(yaml: string): RuleSet {
  const set = emptyRuleSet();
  for (const r of parseRuleFile(yaml, 'test.yaml')!) {
    set.rules.push(r);
    set.byScope[r.scope].push(r);
  }
  return set;
}

/** A user rule over transfers. */
function transferRule(id: string, when: string, summary: string): RuleSet {
  return ruleSetOf(`rules:
  - id: ${id}
    severity: warning
    title: ${id}
    scope: transfer
    when: ${when}
    summary: '${summary}'
    explanation: x
    action: y
`);
}

describe('diagnose/evaluate', () => {
  describe('upload-reset', () => {
    it('says the server answered 426 although it acknowledged every byte', () => {
      const fs = run(uploadResetScenario(1_461_302, 1_461_302, 426));
      const [f] = byId(fs, 'upload-reset');
      expect(f).to.not.equal(undefined);
      expect(f!.severity).to.equal('error');
      expect(f!.summary).to.match(/answered 426 although it had acknowledged every byte the client sent, 1\.46 MB \(1461302 bytes\), before the client's RST at frame 60/);
      expect(f!.frames).to.deep.equal([25, 60, 62]);
      expect(f!.transfer).to.equal(0);
      expect(f!.connection).to.equal(1);
      // the more specific finding replaces the generic ones about the same transfer/connection
      expect(byId(fs, 'tcp-reset')).to.have.length(0);
      expect(byId(fs, 'transfer-aborted')).to.have.length(0);
    });

    it('says the server answered 226 and kept a file shorter than the client wrote', () => {
      const [f] = byId(run(uploadResetScenario(100_000, 64_000, 226)), 'upload-reset');
      expect(f!.severity).to.equal('error');
      expect(f!.summary).to.match(/answered 226 and kept a file shorter than the client wrote/);
      expect(f!.summary).to.match(/sent 100 kB \(100000 bytes\), but only 64\.0 kB \(64000 bytes\) were acknowledged/);
      expect(f!.summary).to.match(/remaining 36\.0 kB \(36000 bytes\)/);
      expect(f!.explanation).to.match(/discard the 36\.0 kB/);
    });

    it('warns that a 226 after an acknowledged but aborted upload may hide a cut file', () => {
      const [f] = byId(run(uploadResetScenario(5000, 5000, 226)), 'upload-reset');
      expect(f!.severity).to.equal('error');
      expect(f!.summary).to.equal(
        'STOR big.bin (transfer 0): the server answered 226 and kept the 5.00 kB (5000 bytes) it received, although the client aborted the upload with RST at frame 60 instead of closing it: the stored file may be shorter than what the client meant to send, and no error was reported',
      );
    });

    it('does not fire for a download reset by the server, nor for a FIN-closed upload', () => {
      const sc = uploadResetScenario(5000, 5000, 226);
      sc.transfers[0]!.direction = 'download';
      sc.transfers[0]!.command = 'RETR';
      expect(byId(run(sc), 'upload-reset')).to.have.length(0);
      const fin = uploadResetScenario(5000, 5000, 226);
      fin.connections[1]!.reset = null;
      fin.connections[1]!.closeKind = 'fin';
      expect(byId(run(fin), 'upload-reset')).to.have.length(0);
    });

    it('maps the sender to the data connection’s server end in active mode', () => {
      // active mode: the FTP server opens the data connection, so the uploading FTP client is
      // the TCP server of it; a RST from the TCP client is the receiver's
      const sc = uploadResetScenario(5000, 1000, 426);
      const t = sc.transfers[0]!;
      t.mode = 'active';
      t.dataSides = dataSides('client', 'server'); // active: the FTP server connected
      expect(byId(run(sc), 'upload-reset')).to.have.length(0);
      sc.connections[1]!.reset!.by = 'server';
      expect(byId(run(sc), 'upload-reset')).to.have.length(1);
    });
  });

  it('diagnoses a 425 with a refused data connection, superseding handshake-refused', () => {
    const control = connection(0);
    const refused = connection(1, {
      client: endpoint({ addr: '10.0.0.1', port: 50001, synFrame: 30, segments: 1 }),
      server: endpoint({ addr: '10.0.0.2', port: 30000, synFrame: null, rstFrame: 31, segments: 1 }),
      firstFrame: 30,
      lastFrame: 31,
      connState: 'REJ',
      events: { 'handshake-refused': { count: 1, frames: [30, 31], client: 0, server: 1 } },
    });
    const t = transfer(0, {
      dataConnection: 1,
      dataSetupFrames: [30],
      replyCodes: [425],
      finalReply: reply(425, 33, "Can't open data connection."),
      outcome: 'failed',
      announcement: { mode: 'passive', command: 'PASV', addr: '10.0.0.2', port: 30000, frame: 18, controlPeerAddr: '10.0.0.2', mismatch: false, family: 4 },
    });
    const s = session(0, 0, { commands: [command(0, 'PASV', '', 17, reply(227, 18)), command(1, 'RETR', 'file.bin', 20, t.finalReply)], transfers: [0] });
    const fs = run({ connections: [control, refused], sessions: [s], transfers: [t] });
    const [f] = byId(fs, 'data-connection-failed');
    expect(f!.severity).to.equal('error');
    expect(f!.summary).to.equal("RETR file.bin (transfer 0): the client's connection to 10.0.0.2:30000 (frame 30) was refused with RST; the server answered 425");
    expect(f!.frames).to.deep.equal([18, 20, 30, 31, 33]);
    expect(byId(fs, 'handshake-refused')).to.have.length(0);
  });

  it('reports a failed login with the 530 frames, per client over its sessions', () => {
    const s = session(0, 0, {
      loggedIn: false,
      loginState: 'failed',
      // as the FTP stage records them: USER and PASS in one login (the ledger reads its user)
      commands: [command(0, 'USER', 'bob', 5, reply(331, 6), { login: 0 }), command(1, 'PASS', 'secret', 7, reply(530, 8, 'Login incorrect.'), { login: 0 })],
      logins: [{ user: 'bob', password: 'secret', commands: [0, 1] }],
    });
    const ledger = new LoginLedger();
    ledger.add(s);
    const [f] = byId(run({ connections: [connection(0)], sessions: [s], logins: { clients: ledger.result(), untracked: 0 } }), 'login-failed');
    expect(f!.severity).to.equal('error');
    expect(f!.frames).to.deep.equal([8]);
    expect(f!.session).to.equal(null);
    expect(f!.summary).to.equal('client 10.0.0.1 → server 10.0.0.2:21: 1 login attempt refused with 530 "Login incorrect." for user bob: wrong user name or password (1 session, first at frame 8); no login from this client succeeded in the capture');
  });

  it('never puts a PASS argument into a finding unless asked to', () => {
    const evil = ruleSetOf(`rules:
  - id: echo-args
    severity: info
    title: echo
    scope: command
    when: cmd.verb == "PASS"
    summary: 'arg={cmd.arg} line={cmd.line}'
    explanation: x
    action: y
`);
    const s = session(0, 0, { commands: [command(0, 'PASS', 'hunter2', 7, reply(230, 8))] });
    const [hidden] = run({ connections: [connection(0)], sessions: [s] }, evil);
    expect(hidden!.summary).to.equal('arg=REDACTED line=PASS REDACTED');
    const [shown] = run({ connections: [connection(0)], sessions: [s], showPasswords: true }, evil);
    expect(shown!.summary).to.equal('arg=hunter2 line=PASS hunter2');
  });

  it('rates retransmissions: info below 2 %, warning above, info on background connections', () => {
    const ctl = (count: number, segs: number) =>
      connection(0, { client: endpoint({ segments: segs }), server: endpoint({ addr: '10.0.0.2', port: 21, segments: segs }), events: { retransmission: { count, frames: [50], client: count, server: 0 } } });
    const s = session(0, 0);
    expect(byId(run({ connections: [ctl(5, 500)], sessions: [s] }), 'retransmission')[0]!.severity).to.equal('info');
    const heavy = byId(run({ connections: [ctl(50, 500)], sessions: [s] }), 'retransmission')[0]!;
    expect(heavy.severity).to.equal('warning');
    expect(heavy.summary).to.match(/^control connection of session 0 \(10\.0\.0\.1:40000 → 10\.0\.0\.2:21\): 50 retransmissions \(5\.0% of 1000 segments; 50 by the client, 0 by the server\)$/);
    expect(byId(run({ connections: [ctl(50, 500)] }), 'retransmission')[0]!.severity).to.equal('info');
  });

  it('evaluates a user rule over transfer facts (slow transfers)', () => {
    const slow = transferRule('slow-transfer', 't.rate != null && t.rate < 1000000.0', '{t.label} ran at {fmtRate(t.rate)}');
    const s = session(0, 0, { transfers: [0, 1, 2] });
    const ts = [transfer(0, { rate: 250_000 }), transfer(1, { rate: 5_000_000 }), transfer(2, { rate: null })];
    const fs = run({ connections: [connection(0)], sessions: [s], transfers: ts }, slow);
    expect(fs.map((f) => f.summary)).to.deep.equal(['RETR file.bin (transfer 0) ran at 250 kB/s']);
  });

  it("binds cmd to the transfer's own command when the client pipelined several in one frame", () => {
    const verb = transferRule('transfer-command', 'cmd != null', '{cmd.verb} {cmd.arg} (frame {cmd.frame})');
    // PASV and RETR in one segment (frame 20), as lftp pipelines them
    const commands = [command(0, 'PASV', '', 20, reply(227, 21, 'Entering Passive Mode (10,0,0,2,195,80)')), command(1, 'RETR', 'file.bin', 20, reply(226, 30, 'done'))];
    const s = session(0, 0, { commands, transfers: [0] });
    const fs = run({ connections: [connection(0)], sessions: [s], transfers: [transfer(0, { commandFrame: 20, commandIndex: 1 })] }, verb);
    expect(fs.map((f) => f.summary)).to.deep.equal(['RETR file.bin (frame 20)']);
  });

  it('reports a rule failing at run time once, with its file and line, and goes on', () => {
    const broken = ruleSetOf(`rules:
  - id: careless
    severity: info
    title: careless
    scope: transfer
    when: t.rate < 5.0
    summary: x
    explanation: x
    action: y
  - id: fine
    severity: info
    title: fine
    scope: transfer
    when: "true"
    summary: ok
    explanation: x
    action: y
`);
    const s = session(0, 0, { transfers: [0, 1] });
    const ev = new RuleEvaluator(broken);
    const fs = diagnoseAll(ev, input({ connections: [connection(0)], sessions: [s], transfers: [transfer(0), transfer(1)] }));
    expect(fs.map((f) => f.id)).to.deep.equal(['fine', 'fine']);
    expect(ev.runErrors).to.have.length(1);
    expect(ev.runErrors[0]).to.include({ rule: 'careless', file: 'test.yaml', line: 6, count: 2 });
  });

  it('lists rules that failed in the rule set\'s order, whatever order the subjects were diagnosed in', () => {
    const broken = ruleSetOf(`rules:
  - id: first
    severity: warning
    title: first
    scope: session
    when: int(s.label) == 1
    summary: x
    explanation: x
    action: y
  - id: second
    severity: warning
    title: second
    scope: transfer
    when: int(t.label) == 1
    summary: x
    explanation: x
    action: y
`);
    const s = session(0, 0, { transfers: [0] });
    const ev = new RuleEvaluator(broken);
    // a transfer diagnosed before its session (as a long session's unit is: release.ts)
    ev.evaluate('transfer', { t: { label: 'RETR a (transfer 0)' } }, { connection: 0, session: 0, transfer: 0 });
    diagnoseAll(ev, input({ connections: [connection(0)], sessions: [s], transfers: [] }));
    expect(ev.runErrors.map((e) => e.rule)).to.deep.equal(['first', 'second']);
  });

  it('orders findings by severity, then first frame', () => {
    const rules = ruleSetOf(`rules:
  - id: a
    severity: info
    title: a
    scope: transfer
    when: "true"
    frames: '[t.commandFrame]'
    summary: a
    explanation: x
    action: y
  - id: b
    severity: error
    title: b
    scope: transfer
    when: t.id == 1
    frames: '[t.commandFrame]'
    summary: b
    explanation: x
    action: y
`);
    const s = session(0, 0, { transfers: [0, 1] });
    const fs = run({ connections: [connection(0)], sessions: [s], transfers: [transfer(0, { commandFrame: 90 }), transfer(1, { commandFrame: 95 })] }, rules);
    expect(fs.map((f) => `${f.id}@${f.frames[0]}`)).to.deep.equal(['b@95', 'a@90', 'a@95']);
  });

  it('normalizes frame lists: flattens, drops 0 and junk, sorts, dedupes', () => {
    expect(normalizeFrames([5n, [3n, 0n], 5n, 2.5, -1n, null])).to.deep.equal([3, 5]);
  });

  it('explains an unanswered command by how the capture ends', () => {
    const open = connection(0, { closeKind: null, closedBy: null, closeFrame: null, endTime: 1002 });
    const s = session(0, 0, { commands: [command(0, 'LIST', '', 50, null)] });
    const [f] = byId(run({ connections: [open], sessions: [s] }), 'unanswered-command');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.match(/^LIST \(frame 50\) has no reply in the capture, which ends 1\.500 s later with the control connection still open$/);
    // the command is the control connection's last packet: not "0.000 s later" (trial 1, B15)
    const last = connection(0, { closeKind: null, closedBy: null, closeFrame: null, endTime: 1000.5 });
    const [g] = byId(run({ connections: [last], sessions: [s] }), 'unanswered-command');
    expect(g!.summary).to.equal('LIST (frame 50) has no reply in the capture, which ends there with the control connection still open');
  });
});
