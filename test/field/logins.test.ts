// Class 9 of issue 23: logins are judged per client over all its sessions: failed attempts
// followed by a successful login are context, hundreds of failures in a short time are one
// password-guessing finding, and no finding text has an empty list or a count off the sessions.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { Analysis } from '../../src/pipeline/analyze.ts';
import { builtinRuleSet } from '../../src/diagnose/rule-loader.ts';
import { analyzeTrace, byId, json, login, quit, streamedFindings, text } from './support.ts';

/** `n` sessions from one client, each refused; users cycle through `users`. */
function failures(t: TraceBuilder, n: number, users: string[], client = '192.0.2.10', firstPort = 40000, gap = 0.05): void {
  for (let i = 0; i < n; i++) {
    const c = login(t, { client: `${client}:${firstPort + i}`, user: users[i % users.length]!, loginOk: false });
    quit(c);
    t.wait(gap);
  }
}

describe('field captures: logins judged per client', () => {
  it('failed logins followed by a successful one from the same client are context (info), not errors', () => {
    const t = new TraceBuilder();
    failures(t, 2, ['anonymous', 'admin']);
    const ok = login(t, { client: '192.0.2.10:41000', user: 'dj' });
    quit(ok);
    const r = analyzeTrace(t);
    expect(r.findings.filter((f) => f.severity !== 'info')).to.deep.equal([]);
    const [f] = byId(r, 'login-failed');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.include('2 login attempts refused with 530 (user anonymous, admin)');
    expect(f!.summary).to.include('then user dj logged in');
    expect(r.logins[0]!.success!.session).to.equal(2);
    expect(r.sessions.map((s) => s.loginState)).to.deep.equal(['failed', 'failed', 'logged-in']);
  });

  it('a wrong password then the right one in the same session is the same story', () => {
    const t = new TraceBuilder();
    const c = login(t, { loginOk: false });
    c.client('PA', 'USER alice\r\n');
    c.server('PA', '331 password please\r\n');
    c.client('PA', 'PASS right\r\n');
    c.server('PA', '230 logged in\r\n');
    quit(c);
    const r = analyzeTrace(t);
    expect(byId(r, 'login-failed').map((f) => f.severity)).to.deep.equal(['info']);
    expect(r.sessions[0]!.loginState).to.equal('logged-in');
  });

  it('hundreds of refused logins in a short time are one password-guessing finding with counts, users, span and client', () => {
    const t = new TraceBuilder({ step: 0.0005 });
    failures(t, 200, ['admin', 'administrator', 'root'], '203.0.113.66');
    const r = analyzeTrace(t);
    expect(byId(r, 'login-failed')).to.have.length(0);
    const g = byId(r, 'password-guessing');
    expect(g).to.have.length(1);
    expect(g[0]!.severity).to.equal('warning');
    expect(g[0]!.summary).to.match(/^client 203\.0\.113\.66 → server 198\.51\.100\.20:21: 200 logins refused with 530 in \d+\.\d+ s over 200 sessions/);
    expect(g[0]!.summary).to.include('3 users tried: admin, administrator, root');
    const l = json(r).logins[0];
    expect([l.failures, l.failedSessions, l.usersTried, l.success]).to.deep.equal([200, 200, 3, null]);
    // the session lines and the finding agree: one refused login per session
    expect(r.sessions.every((s) => s.commands.filter((c) => c.reply?.code === 530).length === 1)).to.equal(true);
  });

  it('a guessing run that ends in a successful login is an error naming the account', () => {
    const t = new TraceBuilder({ step: 0.0005 });
    failures(t, 40, ['root', 'admin'], '203.0.113.66');
    const win = login(t, { client: '203.0.113.66:50000', user: 'admin' });
    quit(win);
    const [g] = byId(analyzeTrace(t), 'password-guessing');
    expect(g!.severity).to.equal('error');
    expect(g!.summary).to.include('then user admin logged in');
    expect(g!.action).to.include('Treat the account admin as compromised');
  });

  it('failures from two clients are two findings; slow failures are not guessing', () => {
    const t = new TraceBuilder();
    failures(t, 25, ['bob'], '192.0.2.1', 40000, 60); // 25 tries over 24 minutes
    failures(t, 1, ['carol'], '192.0.2.2');
    const r = analyzeTrace(t);
    expect(byId(r, 'password-guessing')).to.have.length(0);
    const fs = byId(r, 'login-failed');
    expect(fs.map((f) => [f.severity, f.summary.split(':')[0]])).to.deep.equal([
      ['error', 'client 192.0.2.1 → server 198.51.100.20'],
      ['error', 'client 192.0.2.2 → server 198.51.100.20'],
    ]);
    expect(fs[0]!.summary).to.include('25 login attempts refused with 530 "Login incorrect." for user bob: wrong user name or password (25 sessions');
  });

  it('a 530 from a session begun before the capture counts as a refused login whose USER is not in the capture', () => {
    const t = new TraceBuilder();
    const c = login(t, { handshake: false, greeting: false, loginOk: false });
    quit(c);
    // the same session, cut so that the capture starts after the PASS: keep from the 530 on
    const frames = t.captureFrames();
    const from = frames.findIndex((f) => f.data.includes(Buffer.from('530 Login')));
    const a = new Analysis({ rules: builtinRuleSet() });
    frames.slice(from).forEach((f, i) => a.frame({ ...f, number: i + 1 }));
    const r = a.finish();
    expect(r.sessions[0]!.loginState).to.equal('failed');
    const [f] = byId(r, 'login-failed');
    expect(f!.summary).to.include('1 attempt whose USER is not in the capture');
    expect(f!.summary).to.not.match(/: ;|\(\)/);
    expect(text(r)).to.include('login failed');
  });

  it('the streaming analysis finds the same', () => {
    const t = new TraceBuilder({ step: 0.0005 });
    failures(t, 30, ['admin']);
    const ok = login(t, { client: '192.0.2.10:41000', user: 'dj' });
    quit(ok);
    const whole = analyzeTrace(t).findings.map((f) => `${f.severity}:${f.id}:${f.summary}`);
    const released = streamedFindings(t);
    expect(released.map((f) => `${f.severity}:${f.id}:${f.summary}`).sort()).to.deep.equal([...whole].sort());
    expect(whole.filter((x) => x.includes('password-guessing'))[0]).to.match(/^error:password-guessing:/);
  });
});

/** One session from `client` whose PASS is refused with `text`. */
function refused(t: TraceBuilder, text: string, client = '192.0.2.20:40000', user = 'hello'): void {
  const c = t.tcp({ client, server: '198.51.100.20:21' });
  c.handshake();
  c.server('PA', '220 ready\r\n');
  c.client('PA', `USER ${user}\r\n`);
  c.server('PA', '331 password please\r\n');
  c.client('PA', 'PASS secret\r\n');
  c.server('PA', `530 ${text}\r\n`);
  quit(c);
}

describe('field captures: a 530 read for what its text says', () => {
  const cases: Array<[string, string, string, string]> = [
    ['Sorry, only 3 connections per host!', 'connection-limit', 'Login refused by a connection limit', 'a connection limit of the server, not the credentials'],
    ['Too many connections (8) from this IP', 'connection-limit', 'Login refused by a connection limit', 'a connection limit of the server, not the credentials'],
    ['This FTP server is anonymous only.', 'anonymous-only', 'Login refused (anonymous logins only)', 'the server takes anonymous logins only'],
    ['Non-anonymous sessions must use encryption.', 'tls-required', 'Login refused (TLS required)', 'the server requires TLS (AUTH TLS) before a login'],
    ['This FTP server does not allow anonymous logins.', 'anonymous-refused', 'Login refused (no anonymous logins)', 'the server accepts no anonymous logins'],
    ['Login not allowed from your host', 'host-denied', 'Login refused (client address not allowed)', "the server refuses logins from this client's address"],
    ['Permission denied.', 'account', 'Login refused (account not allowed)', 'the account is not allowed'],
    ['Password expired', 'account', 'Login refused (account not allowed)', 'the account is not allowed'],
    ['Login incorrect.', 'credentials', 'Login failed (530)', 'wrong user name or password'],
    ['Not logged in.', 'unstated', 'Login failed (530, no reason given)', 'the reply gives no reason'],
  ];
  for (const [text530, reason, title, phrase] of cases) {
    it(`530 ${text530} → ${reason}`, () => {
      const t = new TraceBuilder();
      refused(t, text530);
      const r = analyzeTrace(t);
      expect(r.logins[0]!.reasons.map((x) => x.reason)).to.deep.equal([reason]);
      const [f] = byId(r, 'login-failed');
      expect([f!.severity, f!.title]).to.deep.equal(['error', title]);
      expect(f!.summary).to.include(`refused with 530 "${text530}" for user hello: ${phrase}`);
      if (reason !== 'credentials' && reason !== 'unstated') expect(f!.summary + (f!.causes ?? []).join(' ')).to.not.include('wrong user name or password');
    });
  }

  it('refusals giving different reasons are listed with their counts', () => {
    const t = new TraceBuilder();
    refused(t, 'Login incorrect.', '192.0.2.20:40000');
    refused(t, 'Sorry, only 3 connections per host!', '192.0.2.20:40001');
    refused(t, 'Login incorrect.', '192.0.2.20:40002');
    const [f] = byId(analyzeTrace(t), 'login-failed');
    expect(f!.summary).to.include('the replies give several reasons: 2 × Login incorrect., 1 × Sorry, only 3 connections per host!');
  });

  it('a connection limit, then a login that gets in: information, not "found working credentials"', () => {
    const t = new TraceBuilder();
    refused(t, 'Sorry, only 3 connections per host!', '192.0.2.10:39000');
    quit(login(t, { client: '192.0.2.10:39001', user: 'hello' }));
    const [f] = byId(analyzeTrace(t), 'login-failed');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.include('a connection limit refused the first tries');
    expect(f!.summary).to.not.include('working credentials');
  });
});
