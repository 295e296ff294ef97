import { expect } from 'chai';
import { fileURLToPath } from 'node:url';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { renderJson, renderJsonChunks } from '../../src/report/json.ts';
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
});
