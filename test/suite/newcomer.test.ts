// The suite on a newcomer's machine: a clone without the shared corpus beside it, in a directory
// other users cannot enter (a home directory, `mktemp -d`). Every test file that reads the corpus
// must load there (its corpus tests pending, with the reason; without ../shared the suite used to
// abort while loading, behind an unrelated esbuild message), and the live test that drops to
// `nobody` must still run. A copy of the clone is made in a fresh 0700 temporary directory for
// that. Slow for a unit test (a mocha run of its own, ~10 s on a busy 2-core machine): it is the
// only way to see what a newcomer sees.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot } from '../support/trace-files.ts';

const mocha = join(projectRoot, 'node_modules', 'mocha', 'bin', 'mocha.js');

/** Test files that touch the shared corpus. */
function corpusTestFiles(): string[] {
  const out: string[] = [];
  for (const d of readdirSync(join(projectRoot, 'test'))) {
    const dir = join(projectRoot, 'test', d);
    if (!statSync(dir).isDirectory()) continue;
    for (const f of readdirSync(dir)) {
      if (!f.endsWith('.test.ts') || d === 'suite') continue;
      if (/shared|corpusDir|everyTrace|corpusIt/.test(readFileSync(join(dir, f), 'utf8'))) out.push(`test/${d}/${f}`);
    }
  }
  return out.sort();
}

describe('the suite on a newcomer\'s machine (no ../shared, a clone others cannot enter)', function () {
  this.timeout(300_000);
  let dir = '';
  let clone = '';
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftpdiag-newcomer-')); // 0700
    clone = join(dir, 'ftpdiag');
    const tar = spawnSync('sh', ['-c', `mkdir -p "${clone}" && tar -C "${projectRoot}" --exclude=./node_modules --exclude=./.git --exclude=./dist --exclude=./fuzz-findings --exclude=./test-artifacts -cf - . | tar -C "${clone}" -xf -`]);
    expect(tar.status, tar.stderr?.toString()).to.equal(0);
    symlinkSync(join(projectRoot, 'node_modules'), join(clone, 'node_modules'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('every test file that reads the corpus loads, its corpus tests pending with the reason', () => {
    const files = corpusTestFiles();
    expect(files.length).to.be.greaterThan(10);
    const r = spawnSync(process.execPath, [mocha, '--dry-run', ...files], { cwd: clone, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' } });
    expect(r.stderr + r.stdout, 'a file failed to load').to.not.include('Exception during run');
    expect(r.status, r.stderr).to.equal(0);
    expect(r.stdout.trimEnd().split('\n').at(-1)).to.match(/^\d+ passed, 0 failed, \d+ skipped$/);
    expect(r.stdout).to.include('needs the shared corpus');
  });

  it('the live test that drops to nobody runs from it', function () {
    if (process.getuid?.() !== 0 || spawnSync('setpriv', ['--version']).status !== 0) this.skip(); // it needs root and setpriv itself
    const r = spawnSync(process.execPath, [mocha, 'test/cli/live.test.ts', '-g', 'run as nobody'], { cwd: clone, encoding: 'utf8' });
    expect(r.stdout.trimEnd().split('\n').at(-1), r.stdout.slice(-2000)).to.equal('1 passed, 0 failed');
  });
});
