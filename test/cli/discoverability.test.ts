// What a user finds without reading the source: `ftpdiag rules` (every finding id, its
// severity, scope and file), shell completion that completes (bash and zsh, run for real),
// `-D` as tcpdump's, the tool's version in the JSON report, and colour as FORCE_COLOR and
// NO_COLOR ask.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { TOOL_VERSION } from '../../src/report/tool-version.ts';
import { cli } from '../support/cli.ts';
import { scratchDir } from '../support/crafted-sessions.ts';
import { projectRoot } from '../support/trace-files.ts';

const TRACE = join(projectRoot, 'captures', 'vsftpd-upload-rst.pcap');
const has = (tool: string) => spawnSync(tool, ['-c', 'true']).status === 0;

describe('cli: rules, completion, -D, version, colour', function () {
  this.timeout(60_000);
  const scratch = scratchDir('ftpdiag-i25-find-');
  after(() => scratch.remove());

  it('ftpdiag rules lists every finding id with its severity, title, scope and file; --json the same', async () => {
    const rules = loadRules().rules;
    const text = await cli(['rules', '--width', '200']);
    expect(text.code).to.equal(0);
    for (const r of rules) {
      const line = text.out.split('\n').find((l) => l.trimStart().startsWith(`${r.id} `));
      expect(line, r.id).to.not.equal(undefined);
      expect(line).to.include(r.severity).and.include(r.scope).and.include(r.title);
    }
    expect(text.out).to.match(/^rules\/tcp-setup-close\.yaml \(built-in\): \d+ rules$/m);
    const json = JSON.parse((await cli(['rules', '--json'])).out) as { ftpdiag: { version: string }; rules: Array<{ id: string; severity: string; severities: string[]; scope: string; file: string; line: number }> };
    expect(json.ftpdiag.version).to.equal(TOOL_VERSION);
    expect(json.rules.map((r) => r.id)).to.deep.equal(rules.map((r) => r.id));
    const reset = json.rules.find((r) => r.id === 'injected-reset')!;
    expect(reset.file).to.equal('rules/middlebox.yaml');
    expect(reset.line).to.be.greaterThan(0);
    // a user's rule is listed with its own file
    const mine = scratch.file('mine.yaml');
    writeFileSync(mine, 'rules:\n  - id: any-425\n    severity: warning\n    title: Any 425\n    scope: transfer\n    when: 425 in t.replyCodes\n    summary: "{t.label} got 425"\n    explanation: x\n    action: y\n');
    const withMine = JSON.parse((await cli(['rules', '--json', '--rules', mine])).out) as typeof json;
    expect(withMine.rules.find((r) => r.id === 'any-425')).to.include({ file: mine, severity: 'warning', scope: 'transfer' });
  });

  it('-D (and --list-interfaces) is ftpdiag interfaces, as tcpdump -D', async () => {
    const interfaces = await cli(['interfaces', '--json']);
    expect((await cli(['-D', '--json'])).out).to.equal(interfaces.out);
    expect((await cli(['--list-interfaces', '--json'])).out).to.equal(interfaces.out);
  });

  it('the JSON report, compare --json and live --json (tested there) name the tool version', async () => {
    const doc = JSON.parse((await cli(['analyze', '--json', TRACE])).out) as { ftpdiag: { reportVersion: number; version: string } };
    expect(doc.ftpdiag.version).to.equal(TOOL_VERSION);
    expect(TOOL_VERSION).to.match(/^\d+\.\d+\.\d+/);
    // compare's documents too, beside their own format's version
    const other = TRACE.replace('upload-rst', 'download-rst');
    for (const extra of [[], ['--ladder']]) {
      const cmp = JSON.parse((await cli(['compare', '--json', TRACE, other, ...extra])).out) as { version: number; ftpdiag: { version: string } };
      expect(cmp.ftpdiag.version, extra.join(' ')).to.equal(TOOL_VERSION);
      expect(cmp.version).to.be.a('number');
    }
  });

  it('FORCE_COLOR colours a pipe, FORCE_COLOR=0 a terminal not; NO_COLOR and --no-color win', async () => {
    const coloured = (r: { out: string }) => r.out.includes('\x1b[');
    expect(coloured(await cli(['analyze', TRACE]))).to.equal(false);
    for (const v of ['1', '2', '3', 'true', '']) expect(coloured(await cli(['analyze', TRACE], { env: { FORCE_COLOR: v } })), `FORCE_COLOR=${v}`).to.equal(true);
    for (const v of ['0', 'false']) expect(coloured(await cli(['analyze', TRACE], { stdoutIsTTY: true, env: { FORCE_COLOR: v } })), `FORCE_COLOR=${v}`).to.equal(false);
    expect(coloured(await cli(['analyze', TRACE], { env: { FORCE_COLOR: '1', NO_COLOR: '1' } }))).to.equal(false);
    expect(coloured(await cli(['analyze', TRACE, '--no-color'], { env: { FORCE_COLOR: '1' } }))).to.equal(false);
    expect(coloured(await cli(['log', TRACE], { env: { FORCE_COLOR: '1' } }))).to.equal(true);
  });

  describe('shell completion, run in the shells', () => {
    // The scripts call `ftpdiag` from PATH. There a stub records the words the shell passed and
    // answers what this clone's CLI answers to them (run in-process beforehand: starting the CLI
    // from its sources takes seconds on a busy machine), so each shell's side is checked end to
    // end: the words it sends, and what it offers from the answer.
    const bin = scratch.file('bin');
    const argsFile = scratch.file('args.txt');
    const answerFile = scratch.file('answer.txt');
    before(() => {
      mkdirSync(bin, { recursive: true });
      writeFileSync(join(bin, 'ftpdiag'), `#!/bin/sh\nprintf '%s\\n' "$@" > '${argsFile}'\ncat '${answerFile}'\n`);
      chmodSync(join(bin, 'ftpdiag'), 0o755);
    });
    const env = () => ({ ...process.env, PATH: `${bin}:${process.env['PATH']}` });
    /** Runs `setup` in `shell` with the CLI's answer to `words` ready; what the shell printed. */
    async function run(shell: 'bash' | 'zsh', words: string[], setup: string, args: string[]): Promise<string[]> {
      const answer = await cli(['--complete', shell, '--', ...words]);
      writeFileSync(answerFile, answer.out);
      writeFileSync(argsFile, '');
      const r = spawnSync(shell, [...args, '-c', setup], { encoding: 'utf8', env: env() });
      expect(r.stderr).to.equal('');
      expect(readFileSync(argsFile, 'utf8').split('\n').slice(0, -1), 'the words the shell passed').to.deep.equal(['--complete', shell, '--', ...words]);
      return r.stdout.split('\n').filter((l) => l !== '');
    }

    it('bash: commands, a command\'s options, an option\'s choices; nothing (file names) where a capture goes', async () => {
      const script = (await cli(['completion', 'bash'])).out;
      expect(spawnSync('bash', ['-n'], { input: script }).status).to.equal(0);
      const complete = (...words: string[]) =>
        run('bash', words, `${script}\nCOMP_WORDS=(${words.map((w) => `'${w}'`).join(' ')}); COMP_CWORD=${words.length - 1}; _ftpdiag; printf '%s\\n' "\${COMPREPLY[@]}"`, []);
      expect(await complete('ftpdiag', 'an')).to.deep.equal(['analyze']);
      expect(await complete('ftpdiag', 'analyze', '--js')).to.deep.equal(['--json']);
      expect(await complete('ftpdiag', 'analyze', '--fail-on', 'w')).to.deep.equal(['warning']);
      expect(await complete('ftpdiag', 'log', 'x.pcap', '--format', '')).to.deep.equal(['table', 'tsv', 'csv', 'ndjson', 'xferlog']);
      expect(await complete('ftpdiag', 'analyze', '')).to.deep.equal([]); // the shell's own: file names
      expect(await complete('ftpdiag', 'completion', '')).to.deep.equal(['bash', 'zsh']);
    });

    it('zsh: the same answers reach _describe; none leaves file names to _files', async function () {
      if (!has('zsh')) {
        this.test!.title += ' — skipped: no zsh (apt-get install zsh; .ci/run does)';
        this.skip();
      }
      const script = (await cli(['completion', 'zsh'])).out;
      expect(spawnSync('zsh', ['-n'], { input: script }).status).to.equal(0);
      // compdef, _describe and _files as stubs (the last two print what they were given)
      const complete = (...words: string[]) =>
        run(
          'zsh',
          words,
          ['compdef() { : }', script, '_describe() { print -l -- "${(@P)4}" }', '_files() { print FILES }', `words=(${words.map((w) => `'${w}'`).join(' ')}); CURRENT=${words.length}; _ftpdiag`].join('\n'),
          ['-f'],
        );
      expect(await complete('ftpdiag', 'an')).to.include('analyze:Explain what went wrong in a capture of FTP traffic');
      expect(await complete('ftpdiag', 'analyze', '--fail-on', '')).to.deep.equal(['error', 'warning', 'info', 'none']);
      expect(await complete('ftpdiag', 'analyze', '')).to.deep.equal(['FILES']);
    });

    it('completion without a shell takes $SHELL\'s, and says so when it cannot tell', async () => {
      expect((await cli(['completion'], { env: { SHELL: '/usr/bin/zsh' } })).out).to.match(/^#compdef ftpdiag/);
      expect((await cli(['completion'], { env: { SHELL: '/bin/bash' } })).out).to.match(/complete -o default -o bashdefault -F _ftpdiag ftpdiag/);
      const r = await cli(['completion'], { env: { SHELL: '/bin/fish' } });
      expect(r.code).to.equal(2);
      expect(r.err).to.equal("ftpdiag: name the shell: ftpdiag completion bash or ftpdiag completion zsh ($SHELL is '/bin/fish')\n");
    });
  });
});
