import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { elementText, renderJson, renderJsonChunks, sessionJson, sessionTextPieces } from '../../src/report/json.ts';
import { JsonSpool } from '../../src/report/json-spool.ts';
import { resultView } from '../../src/view/result.ts';
import { sessionView } from '../../src/view/unit.ts';
import { analysisResult, command, connection, reply, session, transfer } from '../diagnose/fixtures.ts';

const captures = (name: string) => fileURLToPath(new URL(`../../captures/${name}`, import.meta.url));

describe('report/json streamed in pieces', () => {
  it('joins to exactly the text of renderJson (fixture with empty and non-empty lists, C1 escapes)', () => {
    const s = session(0, 0, { commands: [command(0, 'USER', 'bob', 5, reply(331, 6))], transfers: [0] });
    const t = transfer(0, { dataConnection: 1, argument: 'a\x9bb' });
    const r = analysisResult({ connections: [connection(0), connection(1)], sessions: [s], transfers: [t] });
    const opts = { error: { message: 'cut', offset: 7, code: 'bad-block' } };
    expect([...renderJsonChunks(r, opts)].join('')).to.equal(renderJson(r, opts));
    const empty = analysisResult({ connections: [], sessions: [], transfers: [] });
    expect([...renderJsonChunks(empty)].join('')).to.equal(renderJson(empty));
  });

  for (const name of ['vsftpd-passive-clean.pcap', 'vsftpd-ftps-explicit.pcap', 'pyftpdlib-lftp-passive-clean.pcapng']) {
    it(`joins to exactly the text of renderJson for ${name}`, async () => {
      const { result } = await analyzeFile(captures(name), { rules: loadRules([]) });
      const pieces = [...renderJsonChunks(result)];
      expect(pieces.join('')).to.equal(renderJson(result));
    });
  }

  it('short sessions share the spool\'s sorted runs; only a session longer than a batch is a run of its own', () => {
    // a run per session made --json merge one cursor per session at the end: 600k sessions took
    // 16 s of CPU and 179 MB instead of 7 s and 102 MB
    const spool = new JsonSpool();
    try {
      const sessions = Array.from({ length: 300 }, (_, i) => session(i, i, { commands: [command(0, 'USER', 'ann', 10, reply(331, 11))], transfers: [] }));
      const long = session(300, 300, { commands: Array.from({ length: 400 }, (_, i) => command(i, 'NOOP', '', 10 + 2 * i, reply(200, 11 + 2 * i))), transfers: [] });
      const r = analysisResult({ connections: [...sessions, long].map((s) => connection(s.id)), sessions: [...sessions, long], transfers: [] });
      spool.add(resultView(r).unit);
      const runs = (spool as unknown as { sessions: { runsWritten: number } }).sessions.runsWritten;
      expect(runs).to.be.at.most(2); // the long one, and the short ones spilled before it
      const released = { connections: 301, sessions: 301, transfers: 0 };
      expect([...spool.render({ ...r, released })].join('')).to.equal(renderJson(r));
    } finally {
      spool.close();
    }
  });

  it('a session of many commands is written in batches of commands, to the same text', () => {
    // 700 commands: three batches and a rest; a credential, C1 bytes and non-ASCII in arguments
    const commands = Array.from({ length: 700 }, (_, i) =>
      i === 1 ? command(i, 'PASS', 'sécret', 10 + 2 * i, reply(230, 11 + 2 * i)) : command(i, 'RETR', `f${i}\x9b€`, 10 + 2 * i, reply(226, 11 + 2 * i)),
    );
    const s = session(0, 0, { commands, transfers: [] });
    const v = sessionView(s, null, { showPasswords: false });
    // the pieces make each batch's command views on their own: a session of 10^5 transfers never
    // holds the views of all its commands (its whole list read at once was ~20 MB at 2·10^5)
    let allRead = 0;
    const counted = Object.create(v, { commands: { get: () => (allRead++, v.commands) } }) as typeof v;
    const pieces = [...sessionTextPieces(counted)];
    expect(allRead).to.equal(0);
    expect(pieces.length).to.be.above(3);
    expect(pieces.join('')).to.equal(elementText(sessionJson(v)));
    // and through the streamed report's spool, the whole document as renderJson gives it
    const r = analysisResult({ connections: [connection(0)], sessions: [s], transfers: [] });
    const spool = new JsonSpool();
    try {
      spool.add(resultView(r).unit);
      // a streamed result carries its totals apart (its lists are empty)
      expect([...spool.render({ ...r, released: { connections: 1, sessions: 1, transfers: 0 } })].join('')).to.equal(renderJson(r));
    } finally {
      spool.close();
    }
  });
});
