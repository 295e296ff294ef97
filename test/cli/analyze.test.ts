import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { cli } from '../support/cli.ts';
import { corpusIt } from '../support/trace-files.ts';

const corpus = fileURLToPath(new URL('../../../shared/corpus/public/', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));
const trace = (name: string) => join(corpus, name);

const LOGIN_FAILED = 'zeek/ftp-password-pass-command.pcap';
const RETR_425 = 'suricata-verify/ftp-retr-bypass-realserver__input.pcap';
const CLEAN = 'suricata-verify/ftp-passive-mode.pcap';


/** pcap bytes with record `index`'s captured length replaced by an impossible value. */
function corruptRecord(bytes: Buffer, index: number): { data: Buffer; offset: number } {
  const le = bytes.readUInt32LE(0) === 0xa1b2c3d4;
  const read = (o: number) => (le ? bytes.readUInt32LE(o) : bytes.readUInt32BE(o));
  let off = 24;
  for (let i = 0; i < index; i++) off += 16 + read(off + 8);
  const data = Buffer.from(bytes);
  if (le) data.writeUInt32LE(0x7fffffff, off + 8);
  else data.writeUInt32BE(0x7fffffff, off + 8);
  return { data, offset: off };
}

describe('cli: ftpdiag analyze', function () {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'ftpdiag-cli-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  corpusIt('finds the failed login, redacts the password, exits 1 (default --fail-on error)', async () => {
    const r = await cli(['analyze', trace(LOGIN_FAILED)]);
    expect(r.code).to.equal(1);
    expect(r.err).to.equal('');
    expect(r.out).to.include('ERROR login-failed');
    expect(r.out).to.include('password REDACTED');
    expect(r.out).to.not.match(/\x1b/);
  });

  corpusIt('diagnoses the 425 of a RETR sent without PORT/PASV', async () => {
    const r = await cli(['analyze', trace(RETR_425)]);
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/ERROR data-connection-failed — Data connection could not be opened {2}\[frames 14, 16\]/);
    expect(r.out).to.match(/425 {2}×1 +Can't open data connection/);
  });

  corpusIt('exits 0 when no finding reaches --fail-on, 1 when one does', async () => {
    expect((await cli(['analyze', '--fail-on', 'none', trace(LOGIN_FAILED)])).code).to.equal(0);
    const clean = await cli(['analyze', '--json', trace(CLEAN)]);
    const doc = JSON.parse(clean.out);
    const worst = doc.findings.map((f: { severity: string }) => f.severity);
    expect(worst).to.not.include('error');
    expect(clean.code).to.equal(0);
    const infoCode = (await cli(['analyze', '--fail-on', 'info', trace(CLEAN)])).code;
    expect(infoCode).to.equal(doc.findings.length > 0 ? 1 : 0);
  });

  corpusIt('prints one JSON document with --json, password redacted unless --show-passwords', async () => {
    const r = await cli(['analyze', '--json', trace(LOGIN_FAILED)]);
    const doc = JSON.parse(r.out);
    expect(doc.findings.map((f: { id: string }) => f.id)).to.include('login-failed');
    expect(doc.sessions[0].password).to.equal('REDACTED');
    expect(r.out).to.not.match(/"arg": "(?!REDACTED)[^"]*",\s*"frame": \d+,[^}]*"verb": "PASS"/);
    const shown = JSON.parse((await cli(['analyze', '--json', '--show-passwords', trace(LOGIN_FAILED)])).out);
    expect(shown.sessions[0].password).to.not.equal('REDACTED');
  });

  corpusIt('reads standard input for "-"', async () => {
    const bytes = readFileSync(trace(LOGIN_FAILED));
    const r = await cli(['analyze', '-'], { stdin: Readable.from([bytes]) });
    expect(r.code).to.equal(1);
    expect(r.out.split('\n')[0]).to.match(/^-: pcap, EN10MB, 15 frames/);
  });

  it('answers a file that is not a capture with one line on stderr and exit 2', async () => {
    const notCapture = join(tmp, 'notes.txt');
    writeFileSync(notCapture, 'hello, this is not a pcap\n');
    const r = await cli(['analyze', notCapture]);
    expect(r.code).to.equal(2);
    expect(r.out).to.equal('');
    expect(r.err).to.match(new RegExp(`^ftpdiag: ${notCapture.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: offset 0: [^\\n]+\\n$`));
  });

  it('answers a pcap shorter than its 24-byte header (head -c 20) with one line and exit 2', async () => {
    const short = join(tmp, 'short.pcap');
    writeFileSync(short, Buffer.from('d4c3b2a1020004000000000000000000ffff0000', 'hex'));
    const r = await cli(['analyze', short]);
    expect(r.code).to.equal(2);
    expect(r.out).to.equal('');
    expect(r.err).to.equal(`ftpdiag: ${short}: offset 0: not a capture: the file ends inside its file header (20 bytes, at least 24 needed)\n`);
  });

  corpusIt('still reports what was read before a corrupt record, then exits 2', async () => {
    const { data, offset } = corruptRecord(readFileSync(trace(RETR_425)), 17);
    const bad = join(tmp, 'corrupt.pcap');
    writeFileSync(bad, data);
    const r = await cli(['analyze', bad]);
    expect(r.code).to.equal(2);
    expect(r.out).to.match(/corrupt\.pcap: pcap, EN10MB, 17 frames/);
    expect(r.out).to.include('data-connection-failed');
    expect(r.err).to.equal(`ftpdiag: ${bad}: offset ${offset}: ${r.err.split(': ').slice(3).join(': ')}`);
    expect(r.err.split('\n')).to.have.length(2); // one line and its newline
    expect(r.err).to.not.match(/\n\s+at /);
  });

  corpusIt('reports a capture cut inside a record as a warning, with the report', async () => {
    const bytes = readFileSync(trace(RETR_425));
    const cut = join(tmp, 'cut.pcap');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 10));
    const r = await cli(['analyze', '--fail-on', 'warning', cut]);
    expect(r.code).to.equal(1);
    expect(r.err).to.equal('');
    expect(r.out).to.include('(cut short)');
    expect(r.out).to.include('WARNING capture-truncated');
  });

  corpusIt('adds user rules with --rules and names a bad rule file with its line', async () => {
    const dir = join(tmp, 'rules');
    const { mkdirSync } = await import('node:fs');
    mkdirSync(dir, { recursive: true });
    writeFileSync(
      join(dir, 'mine.yaml'),
      'rules:\n  - id: any-425\n    severity: warning\n    title: Any 425\n    scope: transfer\n    when: 425 in t.replyCodes\n    summary: "{t.label} got 425"\n    explanation: x\n    action: y\n',
    );
    const r = await cli(['analyze', '--rules', dir, '--json', trace(RETR_425)]);
    expect(JSON.parse(r.out).findings.map((f: { id: string }) => f.id)).to.include.members(['any-425', 'data-connection-failed']);
    writeFileSync(join(dir, 'broken.yaml'), 'rules:\n  - id: broken\n    severity: info\n    title: B\n    scope: transfer\n    when: t.nosuch > 1\n    summary: x\n    explanation: x\n    action: y\n');
    const bad = await cli(['analyze', '--rules', dir, trace(RETR_425)]);
    expect(bad.code).to.equal(2);
    expect(bad.out).to.equal('');
    expect(bad.err).to.equal(`ftpdiag: ${join(dir, 'broken.yaml')}:6: rule broken: when: Transfer has no field "nosuch" (see rules/FACTS.md)\n`);
  });

  it('exits 2 on usage errors, each one line', async () => {
    for (const args of [['analyze'], ['analyze', '--fail-on', 'sometimes', 'x.pcap'], ['analyze', '--bogus', 'x.pcap'], ['frobnicate'], []]) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.err, args.join(' ')).to.match(/^ftpdiag: [^\n]+\n$/);
    }
  });

  it('prints per-command help and exits 0', async () => {
    const r = await cli(['analyze', '--help']);
    expect(r.code).to.equal(0);
    expect(r.out).to.include('ftpdiag analyze [trace..]');
    expect(r.out).to.include('--fail-on');
    expect(r.out).to.include('--show-passwords');
  });

  describe('as a process (bin/ftpdiag.js)', function () {
    this.timeout(30000);
    const bin = join(repo, 'bin/ftpdiag.js');
    const spawn = (args: string[], input?: Buffer) =>
      spawnSync(process.execPath, [bin, ...args], { input, encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' }, cwd: repo });

    corpusIt('exits 1 with findings, 2 for a non-capture with one line and no stack', () => {
      const found = spawn(['analyze', trace(LOGIN_FAILED)]);
      expect(found.status).to.equal(1);
      expect(found.stdout).to.include('login-failed');
      const bad = spawn(['analyze', join(repo, 'package.json')]);
      expect(bad.status).to.equal(2);
      expect(bad.stdout).to.equal('');
      expect(bad.stderr.trimEnd().split('\n')).to.have.length(1);
      expect(bad.stderr).to.match(/^ftpdiag: .*package\.json: offset 0: /);
    });

    corpusIt('runs as an executable through its shebang, which passes its V8 flags to node', () => {
      // as installed (node_modules/.bin/ftpdiag is a link to the file)
      const r = spawnSync(bin, ['analyze', '--json', trace(RETR_425)], { encoding: 'utf8', cwd: repo });
      expect(r.status, r.stderr).to.equal(1);
      expect(JSON.parse(r.stdout).transfers[0].replyCodes).to.deep.equal([425]);
      // the same first line on a script that shows what node was started with
      const shebang = readFileSync(bin, 'utf8').split('\n')[0]!;
      expect(shebang).to.match(/^#!\/usr\/bin\/env -S node( --[a-z-]+(=\d+)?)+$/);
      const dir = mkdtempSync(join(tmpdir(), 'ftpdiag-shebang-'));
      try {
        const probe = join(dir, 'probe.mjs');
        writeFileSync(probe, `${shebang}\nconsole.log(JSON.stringify(process.execArgv));\n`, { mode: 0o755 });
        const shown = spawnSync(probe, [], { encoding: 'utf8' });
        expect(JSON.parse(shown.stdout)).to.deep.equal(shebang.split(' ').slice(3));
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });

    corpusIt('reads a capture piped to standard input', () => {
      const r = spawn(['analyze', '--json', '-'], readFileSync(trace(RETR_425)));
      expect(r.status).to.equal(1);
      expect(JSON.parse(r.stdout).transfers[0].replyCodes).to.deep.equal([425]);
    });
  });
});
