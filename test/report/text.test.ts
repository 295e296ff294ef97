import { expect } from 'chai';
import { renderText } from '../../src/report/text.ts';
import { wrap } from '../../src/format/words.ts';
import { useColor } from '../../src/report/style.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import { analysisResult, command, connection, reply, session, transfer } from '../diagnose/fixtures.ts';

const ESC = '\x1b';

function finding(over: Partial<Finding>): Finding {
  return {
    id: 'upload-reset', severity: 'error', title: 'Upload ended with RST instead of FIN', summary: 'the summary', explanation: 'the explanation',
    causes: ['cause one'], action: 'the action', references: ['RFC 959 §4.2.1'], frames: [25, 60], connection: 1, session: 0, transfer: 0, ...over,
  };
}

function hostileResult() {
  const evil = 'evil\x1b[2J\x1b]0;pwned\x07.txt';
  const s = session(0, 0, {
    user: 'bob\x1b[31m',
    password: 'hunter2',
    greeting: reply(220, 4, 'hi\x1b[2J'),
    commands: [command(0, 'PASS', 'hunter2', 7, reply(230, 8)), command(1, 'RETR', evil, 20, reply(550, 21, `${evil}: nope`))],
    transfers: [0],
  });
  const t = transfer(0, { argument: evil, replyCodes: [550], finalReply: reply(550, 21), outcome: 'failed', bytesStatus: 'not-opened' });
  return analysisResult({
    connections: [connection(0)],
    sessions: [s],
    transfers: [t],
    findings: [
      finding({ summary: `RETR ${evil} was answered 550`, frames: [20, 21] }),
      finding({ id: 'duplicate-ack', severity: 'info', title: 'Duplicate ACKs', summary: 'dup', frames: [30] }),
    ],
  });
}

describe('report/text', () => {
  it('never lets a wire string write a control character to the terminal', () => {
    const out = renderText(hostileResult(), { color: false });
    expect(out).to.not.include(ESC);
    expect(out).to.not.include('\x07');
    expect(out).to.include('evil\\x1b[2J\\x1b]0;pwned\\x07.txt');
    expect(out).to.include('user bob\\x1b[31m');
  });

  it('with colour on, emits only SGR colour sequences of its own', () => {
    const out = renderText(hostileResult(), { color: true });
    const sequences = out.match(/\x1b[^m]*m?/g) ?? [];
    expect(sequences.length).to.be.greaterThan(0);
    for (const seq of sequences) expect(seq).to.match(/^\x1b\[[0-9;]*m$/);
    expect(out).to.not.include('\x1b[2J');
  });

  it('redacts the password unless the result was built with --show-passwords', () => {
    const r = hostileResult();
    expect(renderText(r, { color: false })).to.include('password REDACTED').and.not.include('hunter2');
    expect(renderText({ ...r, showPasswords: true }, { color: false })).to.include('password hunter2');
  });

  it('has the summary line, sessions, the transfer table, grouped findings and reply codes', () => {
    const out = renderText(hostileResult(), { color: false });
    const lines = out.split('\n');
    expect(lines[0]).to.equal('trace.pcap: pcap, EN10MB, 100 frames — 1 TCP connection, 1 FTP session, 1 transfer — 1 error, 0 warnings, 1 info');
    expect(out).to.include('Session 0: client 10.0.0.1:40000 → server 10.0.0.2:21');
    expect(out).to.match(/│ #\s*│ Command │ Argument\s*│ Mode\s*│ Bytes │ Acked │ Announced │ Replies │ Outcome │/);
    // the fixture transfer was refused (550) before any data connection: no byte counts ('–')
    expect(out).to.match(/│ 0 │ RETR\s+│ evil\\x1b\[2J.*│ passive │\s+– │\s+– │\s+– │ 550\s+│ failed\s+│/);
    expect(out).not.to.contain('n/c');
    expect(out.indexOf('Errors (1)')).to.be.lessThan(out.indexOf('Info (1)'));
    expect(out).to.include('ERROR upload-reset — Upload ended with RST instead of FIN  [frames 20, 21]');
    expect(out).to.include('What to do: the action');
    expect(out).to.match(/Reply codes seen\n {2}220 {2}×1 +Service ready for new user/);
    expect(out).to.match(/550 {2}×1 +Requested action not taken; file unavailable/);
  });

  it('shows "n/c" for a completed transfer whose data connection the capture does not hold', () => {
    // 150 then 226: the data connection existed, but not in this capture (control port only)
    const r = analysisResult({ transfers: [transfer(0, { command: 'NLST', argument: '', dataConnection: null, replyCodes: [150, 226], outcome: 'complete', bytesStatus: 'not-captured' })] });
    const out = renderText(r, { color: false, width: 100 });
    expect(out).to.match(/│ 0 │ NLST\s+│\s+│ passive │\s+n\/c │\s+n\/c │/);
    expect(out).to.contain('n/c: the data connection is not in the capture');
  });

  it('notes a capture fault at the top', () => {
    const out = renderText(analysisResult(), { color: false, error: 'offset 99: bad record length' });
    expect(out.split('\n')[2]).to.equal('capture error: offset 99: bad record length (report covers the frames before it)');
  });

  it('wraps prose at the width with hanging indent', () => {
    expect(wrap('aaa bbb ccc ddd', 12, '    ', '  ')).to.equal('  aaa bbb\n    ccc ddd');
  });

  it('uses colour only on a terminal, never with NO_COLOR, and obeys --color/--no-color otherwise', () => {
    expect(useColor(undefined, true, {})).to.equal(true);
    expect(useColor(undefined, false, {})).to.equal(false);
    expect(useColor(true, false, {})).to.equal(true);
    expect(useColor(false, true, {})).to.equal(false);
    expect(useColor(true, true, { NO_COLOR: '1' })).to.equal(false);
    expect(useColor(undefined, true, { NO_COLOR: '' })).to.equal(true);
  });
});
