import { expect } from 'chai';
import { LoginLedger, MAX_CLIENTS } from '../../src/ftp/logins.ts';
import type { Session } from '../../src/ftp/types.ts';
import { command, reply, session } from '../diagnose/fixtures.ts';

/** A session of client 10.<a>.<b>.<c> that logs in (ok) or is refused once. */
function loginSession(id: number, client: number, ok: boolean, frame = 10 + id * 10): Session {
  const addr = `10.${(client >> 16) & 255}.${(client >> 8) & 255}.${client & 255}`;
  return session(id, id, {
    client: { addr, port: 40000 },
    loggedIn: ok,
    loginState: ok ? 'logged-in' : 'failed',
    commands: [command(0, 'USER', 'bob', frame, reply(331, frame + 1), { login: 0 }), command(1, 'PASS', 'x', frame + 2, reply(ok ? 230 : 530, frame + 3, ok ? 'ok' : 'Login incorrect.'), { login: 0 })],
    logins: [{ user: 'bob', password: 'x', commands: [0, 1] }],
  });
}

describe('ftp/logins: the login ledger', () => {
  it('makes the record of refusals only for pairs with a refused login, and keeps MAX_CLIENTS pairs at most', () => {
    const ledger = new LoginLedger();
    for (let i = 0; i < MAX_CLIENTS + 5; i++) ledger.add(loginSession(i, i, i % 100 !== 0));
    // one pair in a hundred had a login refused: only those hold the refusals' lists and set
    expect(ledger.size).to.deep.equal({ pairs: MAX_CLIENTS, refused: MAX_CLIENTS / 100 });
    // the bound is said: the sessions of pairs beyond it are counted
    expect(ledger.untracked).to.equal(5);
    expect(ledger.result()).to.have.length(MAX_CLIENTS / 100);
  });

  it('finds the first success after the first refusal, whichever session ended first', () => {
    const ledger = new LoginLedger();
    // the later success ends first: it is remembered before the pair has any refusal
    ledger.add(loginSession(2, 7, true, 50));
    ledger.add(loginSession(1, 7, true, 5));
    ledger.add(loginSession(0, 7, false, 20));
    const [l] = ledger.result();
    expect(l!.sessions).to.equal(3);
    expect(l!.failures).to.equal(1);
    expect(l!.failedSessions).to.equal(1);
    expect(l!.success).to.deep.equal({ user: 'bob', frame: 53, time: 1000.53, session: 2 });
    expect(Object.keys(l!)).to.deep.equal([
      'client', 'server', 'serverPort', 'sessions', 'failures', 'failedSessions', 'failureFrames', 'users', 'usersTried',
      'unknownUser', 'firstFailureFrame', 'firstFailureTime', 'lastFailureFrame', 'lastFailureTime', 'firstSession', 'success', 'reasons',
    ]);
  });
});
