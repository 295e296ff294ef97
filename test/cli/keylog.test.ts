// --keylog on the commands that analyse (analyze, log, ladder) and the key log an expectation
// names (regress): decryption reaches every output, and no secret of the key log ever does. A
// crafted FTPS session with real TLS (test/field/ftps-support.ts) is written to a temporary
// directory with its key log; every output and every file written is searched for each secret.

import { expect } from 'chai';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cli, type CliRun } from '../support/cli.ts';
import { Ftps } from '../field/ftps-support.ts';

/** Every file under `dir`, its text. */
function filesUnder(dir: string): Array<{ name: string; text: string }> {
  const out: Array<{ name: string; text: string }> = [];
  for (const name of readdirSync(dir)) {
    const p = join(dir, name);
    if (statSync(p).isDirectory()) out.push(...filesUnder(p));
    else out.push({ name: p, text: readFileSync(p).toString('latin1') });
  }
  return out;
}

describe('cli: --keylog (FTPS decryption) and no secret in any output', function () {
  this.timeout(60_000);
  let dir = '';
  let trace = '';
  let keylog = '';
  let secrets: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ftpdiag-keylog-'));
    const f = await new Ftps({ version: 'TLSv1.2' }).login('alice');
    await f.transfer('RETR report.bin', { bytes: 12000 });
    await f.transfer('STOR up.bin', { bytes: 3000, end: 'lftp' });
    await f.quit();
    const g = await new Ftps({ version: 'TLSv1.3', client: '192.0.2.7:40001' }).login('bob');
    await g.transfer('RETR a.bin', { resume: false, reuseRequired: true });
    trace = join(dir, 'ftps.pcap');
    keylog = join(dir, 'ftps.keylog');
    // both sessions in one capture: the second's frames after the first's
    writeFileSync(trace, Buffer.concat([f.t.toPcap(), g.t.toPcap().subarray(24)]));
    writeFileSync(keylog, f.keyLogText() + g.keyLogText());
    secrets = (f.keyLogText() + g.keyLogText()).split('\n').filter(Boolean).map((l) => l.split(' ')[2]!);
    f.destroy();
    g.destroy();
  });

  after(() => rmSync(dir, { recursive: true, force: true }));

  const noSecret = (what: string, text: string) => {
    const lower = text.toLowerCase();
    for (const s of secrets) expect(lower.includes(s.toLowerCase()), `${what} holds a secret of the key log`).to.equal(false);
  };

  it('decrypts in analyze, log and ladder; no output, nor any file written, holds a secret', async () => {
    expect(secrets.length).to.be.at.least(6);
    expect(() => noSecret('the key log itself', readFileSync(keylog, 'latin1'))).to.throw(); // the search finds them
    const runs: Array<[string, CliRun]> = [];
    const run = async (args: string[]) => {
      const r = await cli(args);
      runs.push([args.join(' '), r]);
      return r;
    };
    const text = await run(['analyze', '--keylog', keylog, trace]);
    expect(text.code).to.equal(1); // the 522 of the second session is an error
    expect(text.out).to.match(/│ 0 │ RETR\s+│ report\.bin\s+│ passive │\s+12000 │\s+12000 │/);
    expect(text.out).to.include('ftps-session-not-resumed');
    const j = await run(['analyze', '--json', '--keylog', keylog, trace]);
    const doc = JSON.parse(j.out);
    expect(doc.sessions[0].tls.decrypted).to.equal(true);
    expect(doc.transfers.map((t: { command: string; bytes: number | null }) => [t.command, t.bytes])).to.deep.equal([['RETR', 12000], ['STOR', 3000], ['RETR', 0]]);
    expect(doc.sessions[0].tls.connection.clientHello.sni).to.equal('ftps.test.example');
    await run(['analyze', '--keylog', keylog, trace, '--html', join(dir, 'r.html'), '--annotate', join(dir, 'a.pcapng'), '--extract', join(dir, 'files')]);
    for (const format of ['table', 'tsv', 'csv', 'ndjson', 'xferlog']) {
      const r = await run(['log', '--format', format, '--keylog', keylog, trace]);
      expect(r.code, format).to.equal(0);
    }
    expect(runs.at(-1)![1].out).to.match(/ 12000 report\.bin a _ o r alice /);
    const ladder = await run(['ladder', '--keylog', keylog, trace, '--transfer', '0']);
    expect(ladder.code).to.equal(0);
    expect(ladder.out).to.include('RETR report.bin');
    // regress with an expectation that names the key log
    writeFileSync(join(dir, 'ftps.expect.yaml'), 'trace: ftps.pcap\nunexpected: warning\nkeylog: ftps.keylog\n');
    expect((await run(['regress', '--update', trace])).code).to.equal(0);
    const exp = readFileSync(join(dir, 'ftps.expect.yaml'), 'utf8');
    expect(exp).to.match(/decrypted:\n  unexpected: warning/);
    expect(exp).to.include('argument: report.bin');
    expect((await run(['regress', trace])).code).to.equal(0);
    for (const [what, r] of runs) {
      noSecret(`${what} (standard output)`, r.out);
      noSecret(`${what} (standard error)`, r.err);
    }
    for (const f of filesUnder(dir)) if (!f.name.endsWith('.keylog')) noSecret(f.name, f.text);
  });

  it('a file that is not a key log: one line naming it, exit 2, no secret echoed', async () => {
    const bad = join(dir, 'bad.keylog');
    writeFileSync(bad, `CLIENT_RANDOM nothex ${secrets[0]}\n`);
    const r = await cli(['analyze', '--keylog', bad, trace]);
    expect(r.code).to.equal(2);
    expect(r.out).to.equal('');
    expect(r.err.trim().split('\n')).to.have.length(1);
    expect(r.err).to.include('bad.keylog');
    noSecret('the error', r.err);
    const missing = await cli(['log', '--keylog', join(dir, 'none.keylog'), trace]);
    expect([missing.code, missing.err]).to.deep.equal([2, `ftpdiag: ${join(dir, 'none.keylog')}: cannot read the key log (ENOENT)\n`]);
  });

  it('regress: an expectation whose key log is missing is an error naming it, not a pass', async () => {
    const t2 = join(dir, 'other.pcap');
    writeFileSync(t2, readFileSync(trace));
    writeFileSync(join(dir, 'other.expect.yaml'), 'trace: other.pcap\nunexpected: none\nkeylog: gone.keylog\ndecrypted:\n  unexpected: none\n');
    const r = await cli(['regress', t2]);
    expect(r.code).to.equal(1);
    expect(r.out).to.include('keylog:');
    expect(r.out).to.include('gone.keylog');
  });
});
