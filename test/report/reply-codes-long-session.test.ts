// Reply codes seen (src/view/reply-codes.ts) over one session of many replies: a code's kept
// [session, position, frame] entries are cut to the first 50 as they pass 200, not at the
// session's end (one session of 10^5 transfers held an array per reply, ~300,000, until then).

import { expect } from 'chai';
import { ReplyCodeCounter } from '../../src/view/reply-codes.ts';
import { command, reply, session } from '../diagnose/fixtures.ts';

describe('report/reply-codes: one long session', () => {
  it('keeps at most 200 entries of a code while it goes through a session, and lists its first 50 frames', () => {
    const n = 5000;
    const commands = Array.from({ length: n }, (_, i) => command(i, 'NOOP', '', 2 * i + 1, reply(200, 2 * i + 2)));
    let most = 0;
    const counter = new ReplyCodeCounter();
    const byCode = (counter as unknown as { byCode: Map<number, { firsts: unknown[] }> }).byCode;
    // the session's commands, read one at a time: how many entries the code keeps at each read
    const watched = new Proxy(commands, {
      get(target, key, receiver) {
        const slot = byCode.get(200);
        if (slot) most = Math.max(most, slot.firsts.length);
        return Reflect.get(target, key, receiver);
      },
    });
    counter.add({ ...session(0, 0, { greeting: reply(220, 0), commands }), commands: watched });
    expect(most).to.be.at.most(4 * 50 + 1);
    const got = counter.result();
    const e = got.find((x) => x.code === 200)!;
    expect(e.count).to.equal(n);
    expect(e.frames).to.deep.equal(Array.from({ length: 50 }, (_, i) => 2 * i + 2));
  });
});
