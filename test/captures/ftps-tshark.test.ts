// The decrypted FTPS control channel against Wireshark: with each capture's key log, the commands
// and replies ftpdiag reads inside TLS (`analyze --keylog`) are the ones tshark decodes with
// `-o tls.keylog_file:`, frame for frame. tshark 4.0 follows "AUTH TLS" on port 21, not curl's
// "AUTH SSL" nor implicit FTPS on 990 (it dissects those records as FTP lines): those traces are
// skipped here with that reason (their decryption is checked by test/tls/tshark.test.ts). The
// tshark runs (~1.5 s each) go in parallel: the reason this file takes a few seconds.

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import type { Session } from '../../src/ftp/types.ts';
import { readKeyLog } from '../../src/tls/keylog.ts';
import { hasTshark } from '../tls/support.ts';

const dir = fileURLToPath(new URL('../../captures/', import.meta.url));
const traces = readdirSync(dir)
  .filter((f) => f.endsWith('.keylog') && existsSync(dir + f.replace(/\.keylog$/, '.pcap')))
  .map((f) => f.replace(/\.keylog$/, ''))
  .sort();

function tsharkFtp(name: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const args = ['-n', '-r', `${dir}${name}.pcap`, '-o', `tls.keylog_file:${dir}${name}.keylog`, '-Y', 'ftp.request.command || ftp.response.code', '-T', 'fields', '-E', 'occurrence=f', '-e', 'frame.number', '-e', 'ftp.request.command', '-e', 'ftp.response.code'];
    const p = spawn('tshark', args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    p.once('exit', (code) => (code === 0 ? resolve(out.split('\n').filter(Boolean)) : reject(new Error(`tshark ${args.join(' ')} exited ${code}`))));
  });
}

/** 'frame command' and 'frame code' lines of every session, as tshark prints them (a multi-line
 *  reply at its first frame and its last). */
function ours(sessions: readonly Session[]): { commands: string[]; replies: Set<string> } {
  const commands: string[] = [];
  const replies = new Set<string>();
  for (const s of sessions) {
    const all = [...(s.greeting ? [s.greeting] : []), ...s.unsolicited, ...s.commands.flatMap((c) => [...c.preliminary, ...(c.reply ? [c.reply] : [])])];
    for (const c of s.commands) commands.push(`${c.frame} ${c.verb}`);
    for (const r of all) for (const f of new Set([r.firstFrame, r.frame])) replies.add(`${f} ${r.code}`);
  }
  return { commands: commands.sort(), replies };
}

/** tshark 4.0 decodes FTP inside TLS only after "AUTH TLS" on port 21. */
const tsharkFollows = (sessions: readonly Session[]) =>
  sessions.length > 0 && sessions.every((s) => s.server.port === 21 && s.commands.some((c) => c.verb === 'AUTH' && /^TLS/i.test(c.arg)));

describe('captures/: decrypted FTPS control channels against tshark -o tls.keylog_file:', function () {
  this.timeout(120_000);
  const theirs = new Map<string, string[]>();
  const mineOf = new Map<string, Session[]>();
  before(async function () {
    if (!hasTshark()) this.skip(); // tshark is not installed (apt-get install tshark): nothing to compare with
    for (const name of traces) {
      const { result } = await analyzeFile(`${dir}${name}.pcap`, { rules: loadRules(), keyLog: readKeyLog(`${dir}${name}.keylog`) });
      mineOf.set(name, result.sessions);
    }
    const compared = traces.filter((n) => tsharkFollows(mineOf.get(n)!));
    const outs = await Promise.all(compared.map(tsharkFtp));
    compared.forEach((n, i) => theirs.set(n, outs[i]!));
  });

  it('has the FTPS captures with key logs, some of them with AUTH TLS', () => {
    expect(traces.length).to.be.at.least(8);
    expect(theirs.size).to.be.at.least(2);
  });

  for (const name of traces) {
    it(`${name}: the same commands and replies, frame for frame`, function () {
      // curl says AUTH SSL, implicit FTPS has no AUTH: tshark 4.0 does not decode FTP inside those
      if (!theirs.has(name)) this.skip();
      const lines = theirs.get(name)!.map((l) => l.split('\t'));
      const commands = lines.filter((c) => c[1]).map((c) => `${c[0]} ${c[1]!.toUpperCase()}`).sort();
      const replies = lines.filter((c) => c[2]).map((c) => `${c[0]} ${c[2]}`);
      const result = { sessions: mineOf.get(name)! };
      const mine = ours(result.sessions);
      expect(commands.length, 'commands tshark decoded inside TLS').to.be.greaterThan(5);
      expect(mine.commands, 'commands (frame, verb)').to.deep.equal(commands);
      for (const r of replies) expect(mine.replies.has(r), `tshark's reply ${r}`).to.equal(true);
      const frames = new Set(replies);
      for (const s of result.sessions) for (const c of s.commands) if (c.reply) expect(frames.has(`${c.reply.firstFrame} ${c.reply.code}`), `our reply ${c.reply.firstFrame} ${c.reply.code} to ${c.verb}`).to.equal(true);
    });
  }
});
