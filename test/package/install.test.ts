// `npm install -g` of the packed tarball as a user would do it: into an empty prefix, with install
// scripts off and no network (--offline, from a cache this test primes from a registry of its own
// on loopback), by a user other than root and from a folder that user can read even when the
// clone sits where only root may enter. Then the installed command runs: --version, analyze,
// regress (in worker threads: from the bundle, without the sources or tsx) and `man ftpdiag`.
// The same package is also installed by name, as from the npm registry, where npm installs the
// tree npm-shrinkwrap.json pins.
// Several seconds (pack with its build, priming, two installs): the only check that what users
// get works.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, chownSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { commandNames } from '../../scripts/build-man.mjs';
import { cleanEnv, hasNpm, packRepo, pkg, repo, run, startLocalRegistry, type Run } from './support.ts';

/** The user who installs: nobody when the tests run as root, else the user running them. */
function installingUser(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'));
  const [, , uid, gid] = line?.split(':') ?? [];
  return { uid: Number(uid ?? 65534), gid: Number(gid ?? 65534) };
}

/** The traces the test runs: one for analyze, four with expectations for regress (so that it
 *  starts worker threads). Small ones, copied from captures/. */
const ANALYZE = 'vsftpd-upload-rst.pcap';
const REGRESS = ['pyftpdlib-missing-file-550', 'vsftpd-port-refused-425', 'vsftpd-too-many-clients-421', 'vsftpd-wrong-password-530-sll'];

const hasMan = spawnSync('man', ['--version'], { encoding: 'utf8' }).status === 0;

describe('package: installed from the tarball, offline, by another user', function () {
  this.timeout(300_000);
  const user = installingUser();
  let dir = ''; //  everything the installing user touches, readable and writable by it
  let prefix = '';
  let env: Record<string, string> = {};
  let install: Run;
  let byName: Run;
  const as = (cmd: string, args: string[], cwd = dir) => run(cmd, args, { cwd, env, as: user });

  before(async function () {
    if (!hasNpm) {
      console.log('      (skipped: no npm on PATH)');
      this.skip();
    }
    if (user && spawnSync(process.execPath, ['-e', '0'], { uid: user.uid, gid: user.gid }).status !== 0) {
      console.log(`      (skipped: user ${user.uid} cannot run ${process.execPath})`);
      this.skip();
    }
    const packed = packRepo();
    dir = mkdtempSync(join(tmpdir(), 'ftpdiag-install-'));
    chmodSync(dir, 0o755);
    prefix = join(dir, 'prefix');
    for (const d of ['home', 'cache', 'prefix', 'by-name', 'traces', 'regress', 'project']) mkdirSync(join(dir, d));
    copyFileSync(packed.tarball, join(dir, basename(packed.tarball)));
    copyFileSync(join(repo, 'captures', ANALYZE), join(dir, 'traces', ANALYZE));
    for (const name of REGRESS) {
      for (const f of readdirSync(join(repo, 'captures')).filter((x) => x.startsWith(`${name}.`) && !x.endsWith('.truth.json'))) {
        copyFileSync(join(repo, 'captures', f), join(dir, 'regress', f));
      }
    }
    // a project of its own version: installed there, ftpdiag's yargs sits in the project's
    // node_modules, where yargs' own guess would report the project's version
    writeFileSync(join(dir, 'project', 'package.json'), JSON.stringify({ name: 'someproject', version: '9.9.9', private: true }));
    if (user) for (const f of walk(dir)) chownSync(f, user.uid, user.gid);

    const registry = await startLocalRegistry(packed).catch((e: Error) => e);
    if (registry instanceof Error) {
      console.log(`      (skipped: ${registry.message})`);
      this.skip();
    }
    env = cleanEnv({ HOME: join(dir, 'home'), PATH: `${join(prefix, 'bin')}:${cleanEnv()['PATH']}`, npm_config_cache: join(dir, 'cache'), npm_config_registry: registry.url, LANG: 'C.UTF-8' });
    const prime = await as('npm', ['cache', 'add', ...registry.specs]);
    await registry.close(); // from here on, nothing to fetch from
    expect(prime.status, prime.stderr).to.equal(0);

    const tgz = join(dir, basename(packed.tarball));
    install = await as('npm', ['install', '-g', '--offline', '--ignore-scripts', '--prefix', prefix, tgz]);
    expect(install.status, install.stderr).to.equal(0);
    const local = await as('npm', ['install', '--offline', '--ignore-scripts', tgz], join(dir, 'project'));
    expect(local.status, local.stderr).to.equal(0);
    // and by name, as `npm install -g ftpdiag` does from the registry
    byName = await as('npm', ['install', '-g', '--offline', '--ignore-scripts', '--prefix', join(dir, 'by-name'), pkg.name]);
    expect(byName.status, byName.stderr).to.equal(0);
  });

  after(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('installs without warnings, and without the sources or any build tool', () => {
    expect(install.stderr).to.not.match(/npm (warn|error)/i);
    const installed = join(prefix, 'lib/node_modules', pkg.name);
    expect(existsSync(join(installed, 'dist/cli/ftpdiag.mjs'))).to.equal(true);
    expect(existsSync(join(installed, 'src'))).to.equal(false);
    const deps = readdirSync(join(installed, 'node_modules'));
    for (const tool of ['tsx', 'esbuild', 'typescript', 'mocha']) expect(deps, tool).to.not.include(tool);
  });

  it('installed by name from a registry, it gets the locked tree and no development dependency', () => {
    expect(byName.stderr).to.not.match(/npm (warn|error)/i);
    const lock = JSON.parse(readFileSync(join(repo, 'npm-shrinkwrap.json'), 'utf8')) as { packages: Record<string, { version?: string; dev?: boolean }> };
    const root = join(dir, 'by-name/lib/node_modules', pkg.name);
    const installed = readdirSync(root, { recursive: true, withFileTypes: true })
      .filter((e) => e.name === 'package.json' && e.parentPath !== root && /(^|\/)node_modules\/(@[^/]+\/)?[^/@]+$/.test(e.parentPath))
      .map((e) => e.parentPath.slice(root.length + 1));
    expect(installed.length).to.be.greaterThan(10);
    const wanted = Object.entries(lock.packages).filter(([path, e]) => path !== '' && !e.dev).map(([path]) => path);
    expect(installed.sort()).to.deep.equal(wanted.sort());
    for (const path of installed) {
      const { version } = JSON.parse(readFileSync(join(root, path, 'package.json'), 'utf8')) as { version: string };
      expect(version, path).to.equal(lock.packages[path]!.version);
    }
  });

  it('ftpdiag --version prints the version of package.json, also installed in a project', async () => {
    const g = await as('ftpdiag', ['--version']);
    expect(g.status, g.stderr).to.equal(0);
    expect(g.stdout).to.equal(`${pkg.version}\n`);
    // the project's node_modules holds yargs: yargs' guess would say 9.9.9
    expect(existsSync(join(dir, 'project/node_modules/yargs'))).to.equal(true);
    const l = await as(join(dir, 'project/node_modules/.bin/ftpdiag'), ['--version'], join(dir, 'project'));
    expect(l.status, l.stderr).to.equal(0);
    expect(l.stdout).to.equal(`${pkg.version}\n`);
  });

  it('analyze explains a capture (and the absent cap binding says nothing)', async () => {
    const r = await as('ftpdiag', ['analyze', join(dir, 'traces', ANALYZE)]);
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(1); // an error-level finding
    expect(r.stdout).to.match(/ERROR upload-reset/);
  });

  it('regress checks a directory in worker threads run from the bundle', async () => {
    const r = await as('ftpdiag', ['regress', '--jobs', '2', join(dir, 'regress')]);
    expect(r.stderr).to.equal('');
    expect(r.status, r.stdout).to.equal(0);
    for (const name of REGRESS) expect(r.stdout).to.include(name);
  });

  it('man ftpdiag shows the installed page, naming every command', async function () {
    if (!hasMan) {
      console.log('      (skipped: no man; apt-get install man-db)');
      this.skip();
    }
    expect(existsSync(join(prefix, 'share/man/man1/ftpdiag.1'))).to.equal(true);
    const r = await run('man', ['ftpdiag'], { cwd: dir, env: { ...env, MANPATH: join(prefix, 'share/man'), MANWIDTH: '80', PAGER: 'cat', MANPAGER: 'cat' }, as: user });
    expect(r.status, r.stderr).to.equal(0);
    const text = r.stdout.replace(/.\x08/g, '');
    expect(text).to.match(/^FTPDIAG\(1\)/);
    expect(text).to.include(`ftpdiag ${pkg.version}`);
    const top = await as('ftpdiag', ['--help']);
    const names = commandNames(top.stdout);
    expect(names.length).to.be.greaterThan(5);
    for (const n of names) expect(text).to.match(new RegExp(`^ {3}ftpdiag ${n}\\b`, 'm'));
  });
});

/** Every file and folder under `d`, `d` included. */
function walk(d: string): string[] {
  return [d, ...readdirSync(d, { withFileTypes: true, recursive: true }).map((e) => join(e.parentPath, e.name))];
}

