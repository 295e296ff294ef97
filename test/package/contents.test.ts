// The published package holds what a user runs and nothing else: the bundle, the rules, the man
// page, README, licence, changelog (and schema/ once there is one), no sources, tests, captures
// or bench; no install script of its own and no build tool among its dependencies.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { collectHelp, renderManPage } from '../../scripts/build-man.mjs';
import { hasNpm, packRepo, pkg, repo, type Packed } from './support.ts';

/** Bounds with room to grow; what the package held when they were set: 19 files, 0.23 MB
 *  packed, 0.81 MB unpacked (before: 427 files, 0.97 MB packed, 4.6 MB unpacked). Raised on
 *  2026-12-06 from 512 KiB and 2 MiB, when it held 28 files, 524,268 B packed (20 B under) and
 *  1.97 MB unpacked: the built-in rule catalog as data in the bundle (~250 KB of JSON, for
 *  start-up) and the performance work's code; a further rise wants a look at what grew. */
const MAX_FILES = 40;
const MAX_PACKED = 768 * 1024;
const MAX_UNPACKED = 3 * 1024 * 1024;

/** Where a published file may come from. */
const ALLOWED = [/^bin\/ftpdiag\.js$/, /^dist\/cli\/[\w-]+\.mjs$/, /^dist\/man\/ftpdiag\.1$/, /^rules\/[\w-]+\.(yaml|md)$/, /^schema\//, /^(README\.md|LICENSE|CHANGELOG\.md|package\.json|npm-shrinkwrap\.json)$/];

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true, recursive: true })
    .filter((e) => e.isFile())
    .map((e) => relative(repo, join(e.parentPath, e.name)));
}

describe('package: what `npm pack` publishes', function () {
  this.timeout(180_000); // npm pack runs the build (bundle and man page) as a publish does
  let p: Packed;
  let paths: string[] = [];

  before(function () {
    if (!hasNpm) {
      console.log('      (skipped: no npm on PATH)');
      this.skip();
    }
    p = packRepo();
    paths = p.files.map((f) => f.path);
  });

  it('holds only what a user runs or reads', () => {
    const stray = paths.filter((f) => !ALLOWED.some((re) => re.test(f)));
    expect(stray).to.deep.equal([]);
    for (const f of ['bin/ftpdiag.js', 'dist/cli/ftpdiag.mjs', 'dist/cli/regress-worker.mjs', 'dist/man/ftpdiag.1', 'README.md', 'LICENSE', 'CHANGELOG.md', 'npm-shrinkwrap.json']) {
      expect(paths, f).to.include(f);
    }
    expect(paths.filter((f) => /\.(ts|pcap|pcapng|gz)$/.test(f) || /^(src|test|captures|bench|scripts)\//.test(f))).to.deep.equal([]);
  });

  it('carries every built-in rule file, and the JSON Schema once the repository has one', () => {
    const needed = filesUnder(join(repo, 'rules'));
    if (existsSync(join(repo, 'schema'))) needed.push(...filesUnder(join(repo, 'schema')));
    expect(needed.length).to.be.greaterThan(5);
    expect(paths).to.include.members(needed);
  });

  it(`stays small: at most ${MAX_FILES} files, ${MAX_PACKED / 1024} KiB packed, ${MAX_UNPACKED / 1024 / 1024} MiB unpacked`, () => {
    expect(p.entryCount).to.be.at.most(MAX_FILES);
    expect(p.size).to.be.at.most(MAX_PACKED);
    expect(p.unpackedSize).to.be.at.most(MAX_UNPACKED);
  });

  it("carries the man page of this version's --help", async () => {
    const r = spawnSync('tar', ['-xzOf', p.tarball, 'package/dist/man/ftpdiag.1'], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const date = /^\.TH FTPDIAG 1 "([\d-]+)"/m.exec(r.stdout)?.[1] ?? '';
    expect(date).to.match(/^\d{4}-\d{2}-\d{2}$/);
    expect(r.stdout).to.equal(renderManPage({ ...(await collectHelp()), version: pkg.version, date }));
  });

  it('runs no script of its own at install and needs no build tool at run time', () => {
    const r = spawnSync('tar', ['-xzOf', p.tarball, 'package/package.json'], { encoding: 'utf8' });
    expect(r.status, r.stderr).to.equal(0);
    const m = JSON.parse(r.stdout) as { scripts?: Record<string, string>; dependencies?: Record<string, string>; man?: string[]; bin?: Record<string, string> };
    // npm runs these when it installs a package (prepare: from a tarball, git or a folder)
    for (const s of ['preinstall', 'install', 'postinstall', 'prepare']) expect(m.scripts?.[s], s).to.equal(undefined);
    for (const tool of ['tsx', 'esbuild', 'typescript']) expect(Object.keys(m.dependencies ?? {})).to.not.include(tool);
    for (const f of [...(m.man ?? []), ...Object.values(m.bin ?? {})]) expect(paths).to.include(f.replace(/^\.\//, ''));
  });
});
