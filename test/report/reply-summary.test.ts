// Reply codes counted session by session in whatever order a streaming analysis releases them
// list the same codes, counts and first frames as a pass over all sessions in id order.

import { expect } from 'chai';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { ReplyCodeCounter, replyCodesSeen } from '../../src/view/reply-codes.ts';
import { corpusIt } from '../support/trace-files.ts';
import { command, reply, session } from '../diagnose/fixtures.ts';

const corpus = fileURLToPath(new URL('../../../shared/corpus/public/', import.meta.url));

describe('report/reply-summary: counting in any order of sessions', () => {
  corpusIt('gives the id-order result for sessions added in reverse and shuffled order, frames capped at 50', async () => {
    // the sessions of a brute force, with a session of 1,378 replies (cwd-navigation) among them,
    // renumbered into one capture's ids: the long one's frames go past the 50 listed
    const rules = loadRules();
    const brute = (await analyzeFile(join(corpus, 'zeek', 'bruteforce.pcap'), { rules })).result.sessions;
    const long = (await analyzeFile(join(corpus, 'zeek', 'cwd-navigation.pcap'), { rules })).result.sessions;
    const sessions = [...brute.slice(0, 5), ...long, ...brute.slice(5)].map((s, id) => ({ ...s, id }));
    expect(sessions.length).to.be.at.least(20);
    const expected = replyCodesSeen(sessions);
    expect(expected.some((e) => e.count > 50 && e.frames.length === 50)).to.equal(true);
    const reversed = new ReplyCodeCounter();
    for (const s of [...sessions].reverse()) reversed.add(s);
    expect(reversed.result()).to.deep.equal(expected);
    const shuffled = new ReplyCodeCounter();
    const order = sessions.map((s, i) => [(i * 7919) % sessions.length, s] as const).sort((a, b) => a[0] - b[0]);
    for (const [, s] of order) shuffled.add(s);
    expect(shuffled.result()).to.deep.equal(expected);
  });
  it('lists the first 50 frames of a code in (session, position) order however the sessions come, crafted', () => {
    // 300 sessions of 3 to 9 replies each (220 greeting, 200s, a 550 every third command)
    const sessions = Array.from({ length: 300 }, (_, id) => {
      const n = 3 + ((id * 7) % 7);
      const commands = Array.from({ length: n }, (_, i) => command(i, 'NOOP', '', id * 100 + 2 * i + 1, reply(i % 3 === 2 ? 550 : 200, id * 100 + 2 * i + 2)));
      return session(id, id, { greeting: reply(220, id * 100), commands });
    });
    // the reference: every reply's (session, position, frame), sorted, the first 50 frames
    const byCode = new Map<number, Array<[number, number, number]>>();
    for (const s of sessions) {
      const replies = [s.greeting!, ...s.commands.map((c) => c.reply!)];
      replies.forEach((r, pos) => byCode.set(r.code, [...(byCode.get(r.code) ?? []), [s.id, pos, r.frame]]));
    }
    const orders = [sessions, [...sessions].reverse(), sessions.map((s, i) => sessions[(i + 150) % 300]!), sessions.map((s, i) => sessions[i % 2 ? i - 1 : Math.min(i + 1, 299)]!)];
    for (const order of orders) {
      const counter = new ReplyCodeCounter();
      for (const s of order) counter.add(s);
      const got = counter.result();
      expect(got.map((e) => e.code)).to.deep.equal([200, 220, 550]);
      for (const e of got) {
        const all = byCode.get(e.code)!.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
        expect(e.count).to.equal(all.length);
        expect(e.frames).to.deep.equal(all.slice(0, 50).map((x) => x[2]));
      }
    }
  });
});
