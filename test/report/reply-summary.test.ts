// Reply codes counted session by session in whatever order a streaming analysis releases them
// list the same codes, counts and first frames as a pass over all sessions in id order.

import { expect } from 'chai';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { ReplyCodeCounter, replyCodesSeen } from '../../src/view/reply-codes.ts';
import { corpusIt } from '../support/trace-files.ts';

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
});
