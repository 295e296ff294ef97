// A session's replies as facts (s.replies, s.replyCodes) are made when a rule reads them: a
// session of 10^5 transfers has 3·10^5 replies, and every session rule once read the list (421 is
// now tested on s.codesSeen). What the session fact works out from them (530 frames, invalid
// replies, the replies after the client's close) is the same either way.

import { expect } from 'chai';
import { FactBuilder, type Fact } from '../../src/diagnose/facts.ts';
import { command, connection, fixtureRoles, reply, session } from './fixtures.ts';

function build(unsolicited: boolean) {
  const control = connection(0, { closedBy: 'client', closeKind: 'fin', closeFrame: 30 });
  const s = session(0, 0, {
    greeting: reply(220, 2, 'ready'),
    commands: [
      command(0, 'USER', 'bob', 3, reply(331, 4)),
      command(1, 'PASS', 'x', 5, reply(530, 6, 'no')),
      command(2, 'LIST', '', 7, reply(530, 8, 'log in first')),
      command(3, 'NOOP', '', 9, reply(0, 10, 'garbage', { valid: false })),
      command(4, 'RETR', 'f', 11, reply(226, 40), { preliminary: [reply(150, 12)] }),
    ],
    unsolicited: unsolicited ? [reply(421, 50, 'Timeout')] : [],
  });
  const b = new FactBuilder({ connections: [control], sessions: [s], transfers: [], roles: fixtureRoles([s], []), showPasswords: false });
  return b.sessionFact(s);
}

describe('diagnose: a session fact makes its list of replies when a rule reads it', () => {
  it('no list until read; read, the same list with the close marked; the aggregates from the records', () => {
    const sf = build(false);
    expect(Object.getOwnPropertyDescriptor(sf, 'replies')!.get).to.be.a('function');
    expect(Object.getOwnPropertyDescriptor(sf, 'replyCodes')!.get).to.be.a('function');
    expect(sf['codesSeen']).to.deep.equal([220n, 331n, 530n, 0n, 150n, 226n]);
    expect([sf['loginFailureFrames'], sf['notLoggedInFrames'], sf['invalidReplies']]).to.deep.equal([[6n], [8n], 1n]);
    const after = (sf['clientClose'] as Fact)['repliesAfter'] as Fact[];
    expect(after.map((r) => [r['code'], r['afterClientClose']])).to.deep.equal([[226n, true]]);
    const replies = sf['replies'] as Fact[];
    expect(replies.map((r) => r['code'])).to.deep.equal([220n, 331n, 530n, 530n, 0n, 150n, 226n]);
    expect(replies.map((r) => r['afterClientClose'])).to.deep.equal([false, false, false, false, false, false, true]);
    expect(sf['replyCodes']).to.deep.equal(replies.map((r) => r['code']));
    expect(sf['replies']).to.equal(replies); // made once
    expect(Object.keys(sf).indexOf('replies')).to.equal(Object.keys(build(true)).indexOf('replies'));
  });

  it('with unsolicited replies the list is made at once, sorted by frame, with the same aggregates', () => {
    const sf = build(true);
    expect(Object.getOwnPropertyDescriptor(sf, 'replies')!.get).to.equal(undefined);
    expect((sf['replies'] as Fact[]).map((r) => r['code'])).to.deep.equal([220n, 331n, 530n, 530n, 0n, 150n, 226n, 421n]);
    expect(sf['codesSeen']).to.deep.equal([220n, 331n, 530n, 0n, 150n, 226n, 421n]);
    expect([sf['loginFailureFrames'], sf['notLoggedInFrames'], sf['invalidReplies']]).to.deep.equal([[6n], [8n], 1n]);
  });
});
