// Class 2 of issue 23: replies whose command is not in the capture are evidence all the same;
// and a control connection captured in one direction only is said as such, not "the server hung".

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { analyzeTrace, byId, json, login, text, worse } from './support.ts';

/** A control connection whose start is not in the capture: the server's segment first. */
function midSession(t: TraceBuilder, client = '203.0.113.5:50123', server = '198.51.100.7:21') {
  return t.tcp({ client, server });
}

describe('field captures: replies to commands not in the capture', () => {
  it('a 425 and a 221 from a session begun before the capture: reply codes seen, an error of the 425 kind', () => {
    const t = new TraceBuilder();
    const c = midSession(t);
    c.server('PA', '425 Cannot build data connection: Connection refused.\r\n221 Bye.\r\n');
    c.server('FA');
    const r = analyzeTrace(t);
    const doc = json(r);
    expect(doc.replyCodes.map((x: { code: number }) => x.code)).to.deep.equal([221, 425]);
    expect(r.sessions[0]!.loginState).to.equal('unknown');
    const [f] = byId(r, 'reply-without-command');
    expect(f!.severity).to.equal('error');
    expect(f!.frames).to.deep.equal([1]);
    expect(f!.summary).to.include('425 Cannot build data connection');
    expect(f!.summary).to.include('(the session began before the capture); then 221 Bye.');
    expect(text(r)).to.include('login state unknown (began before the capture)');
    expect(text(r)).to.not.include('not logged in');
  });

  it('a 426 after data whose RETR came before the capture: the transfer was aborted (error)', () => {
    const t = new TraceBuilder();
    const c = midSession(t, '203.0.113.5:50124');
    c.server('PA', '426 Connection closed; transfer aborted.\r\n');
    c.client('A');
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 Goodbye.\r\n');
    const r = analyzeTrace(t);
    const [f] = byId(r, 'reply-without-command');
    expect(f!.severity).to.equal('error');
    expect(f!.summary).to.include('426 Connection closed; transfer aborted. (frame 1)');
    expect(f!.summary).to.include('was aborted');
  });

  it('a 221 alone is information, and a 421 keeps its own finding', () => {
    const t = new TraceBuilder();
    const a = midSession(t, '203.0.113.5:50125');
    a.server('PA', '221 Goodbye.\r\n');
    a.server('FA');
    const b = midSession(t, '203.0.113.6:50126');
    b.server('PA', '421 Timeout.\r\n');
    b.server('FA');
    const r = analyzeTrace(t);
    expect(byId(r, 'reply-without-command').map((f) => [f.session, f.severity])).to.deep.equal([[0, 'info']]);
    expect(byId(r, 'service-unavailable').map((f) => [f.session, f.severity])).to.deep.equal([[1, 'error']]);
    expect(json(r).replyCodes.map((x: { code: number }) => x.code)).to.deep.equal([221, 421]);
  });

  it('a reply with no command pending in a session captured from its SYN is unprompted, not "answering commands not in the capture"', () => {
    const t = new TraceBuilder();
    const c = login(t);
    c.client('PA', 'NOOP\r\n');
    c.server('PA', '200 NOOP ok\r\n');
    c.server('PA', '221 Goodbye.\r\n', { dt: 0.5 });
    c.server('FA');
    c.client('FA');
    c.server('A');
    const r = analyzeTrace(t);
    const [f] = byId(r, 'reply-without-command');
    expect([f!.severity, f!.title]).to.deep.equal(['info', 'Reply with no command pending']);
    expect(f!.summary).to.match(/221 Goodbye\. \(frame \d+\) with no command pending/);
    expect(f!.summary).to.include('so the server sent it unprompted');
    expect(f!.summary).to.not.include('not in the capture');
  });

  it('replies to commands the capture dropped (client bytes missing) say so, with the bytes', () => {
    const t = new TraceBuilder();
    const c = login(t);
    c.lose('client', 'PASV\r\n');
    c.server('PA', '227 Entering Passive Mode (198,51,100,20,195,80)\r\n');
    c.client('PA', 'NOOP\r\n');
    c.server('PA', '200 NOOP ok\r\n');
    const r = analyzeTrace(t);
    const [f] = byId(r, 'reply-without-command');
    expect(f!.title).to.equal('Reply to a command not in the capture');
    expect(f!.summary).to.include('answering commands missing from the capture (6 bytes of the client');
    // and from a session begun before the capture: commands sent before it
    const m = new TraceBuilder();
    const mid = midSession(m, '203.0.113.5:50127');
    mid.server('PA', '250 OK.\r\n');
    mid.client('A');
    expect(byId(analyzeTrace(m), 'reply-without-command')[0]!.summary).to.include('answering commands sent before the capture began');
  });

  for (const [verb, line] of [['RETR', '230_no_space'], ['STOR', '2260 Transfer complete']] as const) {
    it(`an invalid reply line (${line}) to ${verb} is quoted whole and not counted as a valid code in the transfer table`, () => {
      const t = new TraceBuilder();
      const c = login(t);
      c.client('PA', `${verb} f.bin\r\n`);
      c.server('PA', `${line}\r\n`);
      const r = analyzeTrace(t);
      expect(r.transfers[0]!.replyCodes).to.deep.equal([0]);
      expect(r.transfers[0]!.outcome).to.equal('unknown');
      expect(text(r)).to.match(new RegExp(`${verb} +│ f\\.bin +│[^\\n]*│ \\?\\?\\? +│ unknown`));
      const [f] = byId(r, 'invalid-reply-code');
      expect(f!.summary).to.include(`"${line}"`);
    });
  }

  it('commands without any reply in a one-way capture are not "the server hung"', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.10:40000', server: '198.51.100.20:21' });
    c.client('S');
    // the capture holds the client's direction only: its commands, never a reply
    c.client('A', undefined, { dt: 0.01 });
    for (const line of ['USER alice', 'PASS x', 'PASV', 'RETR a.bin', 'QUIT']) c.client('PA', `${line}\r\n`, { dt: 0.05 });
    c.client('FA');
    const r = analyzeTrace(t);
    expect(byId(r, 'unanswered-command')).to.have.length(0);
    const [f] = byId(r, 'control-one-direction');
    expect(f!.summary).to.include("holds only the client's segments of this control connection, so its replies are not in the capture");
    expect(worse(r).map((x) => x.id)).to.not.include('unanswered-command');
  });
});
