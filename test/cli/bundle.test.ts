// bin/ftpdiag.js runs the esbuild bundle (dist/cli/ftpdiag.mjs) only when it is as new as every
// file under src/, and the bundle must behave exactly as the sources do.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBundle } from '../../scripts/build-bundle.mjs';

const repo = fileURLToPath(new URL('../../', import.meta.url));

/** A package tree of its own: bin/ (a copy of the real one) and dist/ with a stand-in bundle
 *  that says it ran; with `clone`, also src/ with stand-in sources and node_modules (for tsx). */
function standInPackage(clone: boolean): string {
  const dir = mkdtempSync(join(tmpdir(), clone ? 'ftpdiag-bin-' : 'ftpdiag-installed-'));
  mkdirSync(join(dir, 'bin'));
  mkdirSync(join(dir, 'dist/cli'), { recursive: true });
  copyFileSync(join(repo, 'bin/ftpdiag.js'), join(dir, 'bin/ftpdiag.js'));
  writeFileSync(join(dir, 'package.json'), '{"type":"module"}');
  writeFileSync(join(dir, 'dist/cli/ftpdiag.mjs'), "console.log('bundle');\n");
  if (clone) {
    mkdirSync(join(dir, 'src/cli'), { recursive: true });
    symlinkSync(join(repo, 'node_modules'), join(dir, 'node_modules'));
    writeFileSync(join(dir, 'src/cli/main.ts'), "const from: string = 'sources';\nconsole.log(from);\n");
  }
  return dir;
}

describe('bin/ftpdiag.js: bundle or sources', () => {
  let dir = '';
  before(() => {
    dir = standInPackage(true);
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  const run = (env: Record<string, string> = {}) => {
    const r = spawnSync(process.execPath, [join(dir, 'bin/ftpdiag.js')], { encoding: 'utf8', env: { ...process.env, FTPDIAG_NO_BUNDLE: '', ...env } });
    expect(r.status, r.stderr).to.equal(0);
    return r.stdout.trim();
  };
  const age = (rel: string, secondsAgo: number) => {
    const t = Date.now() / 1000 - secondsAgo;
    utimesSync(join(dir, rel), t, t);
  };

  it('runs the bundle when it is newer than every source file', () => {
    age('src/cli/main.ts', 100);
    age('dist/cli/ftpdiag.mjs', 10);
    expect(run()).to.equal('bundle');
  });

  it('runs the sources through tsx when a source file changed after the bundle was built', () => {
    age('src/cli/main.ts', 5);
    age('dist/cli/ftpdiag.mjs', 10);
    expect(run()).to.equal('sources');
  });

  it('runs the sources when asked (FTPDIAG_NO_BUNDLE), fresh bundle or not', () => {
    age('src/cli/main.ts', 100);
    age('dist/cli/ftpdiag.mjs', 10);
    expect(run({ FTPDIAG_NO_BUNDLE: '1' })).to.equal('sources');
  });

  it('runs the sources when there is no bundle', () => {
    rmSync(join(dir, 'dist'), { recursive: true });
    expect(run()).to.equal('sources');
  });
});

describe('bin/ftpdiag.js: an installed package (no src/)', () => {
  let dir = '';
  beforeEach(() => {
    // what npm installs: bin/ and dist/, no sources and no node_modules/tsx (a development
    // dependency), so loading the TypeScript sources would fail
    dir = standInPackage(false);
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  const run = (env: Record<string, string> = {}) => spawnSync(process.execPath, [join(dir, 'bin/ftpdiag.js')], { encoding: 'utf8', env: { ...process.env, ...env } });

  it('runs the bundle, whatever its age and FTPDIAG_NO_BUNDLE', () => {
    const t = Date.now() / 1000 - 1e6;
    utimesSync(join(dir, 'dist/cli/ftpdiag.mjs'), t, t);
    const r = run({ FTPDIAG_NO_BUNDLE: '1' });
    expect(r.stderr).to.equal('');
    expect(r.stdout.trim()).to.equal('bundle');
  });

  it('says the bundle is missing in one line, exit 2, when a package was published without it', () => {
    rmSync(join(dir, 'dist'), { recursive: true });
    const r = run();
    expect(r.status).to.equal(2);
    expect(r.stderr).to.match(/^ftpdiag: .*dist\/cli\/ftpdiag\.mjs is missing: .*\n$/);
  });
});

describe('the esbuild bundle (npm run build)', function () {
  this.timeout(120_000);
  let out = '';
  before(async () => {
    // built as `npm run build` does, at the same depth as dist/cli/ (paths to rules/ and
    // package.json are taken relative to the module), with its regress worker beside it
    await buildBundle(join(repo, 'test-artifacts/bundle-test'));
    out = join(repo, 'test-artifacts/bundle-test/ftpdiag.mjs');
  });
  after(() => rmSync(join(repo, 'test-artifacts/bundle-test'), { recursive: true, force: true }));

  const both = (args: string[]) => {
    const viaBundle = spawnSync(process.execPath, [out, ...args], { encoding: 'utf8', cwd: repo, maxBuffer: 1 << 28 });
    const viaSources = spawnSync(process.execPath, [join(repo, 'bin/ftpdiag.js'), ...args], { encoding: 'utf8', cwd: repo, maxBuffer: 1 << 28, env: { ...process.env, FTPDIAG_NO_BUNDLE: '1' } });
    return { viaBundle, viaSources };
  };

  for (const args of [
    ['analyze', '--json', join(repo, 'captures/pyftpdlib-missing-file-550.pcap')],
    ['analyze', '--no-color', join(repo, 'captures/crafted-windows-stray-ack-rst.pcap')],
    ['regress', '--jobs', '2', '--width', '300', join(repo, 'captures')],
  ]) {
    it(`gives what the sources give: ${args.slice(0, 2).join(' ')}`, () => {
      const { viaBundle, viaSources } = both(args);
      expect(viaBundle.stderr).to.equal(viaSources.stderr);
      expect(viaBundle.status).to.equal(viaSources.status);
      // regress prints each trace's seconds in its last column: compare the rest
      const strip = (s: string) => (args[0] === 'regress' ? s.replace(/\d+\.\d+ │$/gm, 'T │') : s);
      expect(strip(viaBundle.stdout)).to.equal(strip(viaSources.stdout));
      expect(viaBundle.stdout.length).to.be.greaterThan(100);
    });
  }

  // the built-in catalog is data in the bundle (src/diagnose/catalog-data.ts): a run parses no
  // YAML; once a rules/*.yaml changed after the build, it reads the YAML and says what it says
  describe('its built-in catalog', () => {
    let tree = '';
    const hook = join(tmpdir(), `i27-yaml-hook-${process.pid}.cjs`);
    before(() => {
      // a package tree of its own: the built bundle at dist/cli/, a copy of rules/, package.json
      tree = mkdtempSync(join(tmpdir(), 'i27-bundle-rules-'));
      cpSync(join(repo, 'test-artifacts/bundle-test'), join(tree, 'dist/cli'), { recursive: true });
      cpSync(join(repo, 'rules'), join(tree, 'rules'), { recursive: true });
      copyFileSync(join(repo, 'package.json'), join(tree, 'package.json'));
      symlinkSync(join(repo, 'node_modules'), join(tree, 'node_modules'));
      // says on standard error when the yaml package is loaded
      writeFileSync(hook, "const M = require('node:module'); const load = M._load; M._load = function (r, ...a) { if (r === 'yaml') process.stderr.write('yaml loaded\\n'); return load.call(this, r, ...a); };\n");
    });
    after(() => {
      rmSync(tree, { recursive: true, force: true });
      rmSync(hook, { force: true });
    });
    const analyze = () => spawnSync(process.execPath, ['--require', hook, join(tree, 'dist/cli/ftpdiag.mjs'), 'analyze', join(repo, 'captures/vsftpd-upload-rst.pcap')], { encoding: 'utf8', cwd: repo });

    it('loads no YAML parser while rules/ is as it was built', () => {
      const r = analyze();
      expect(r.stderr).to.equal('');
      expect(r.stdout).to.include('Upload ended with RST instead of FIN');
    });

    it('reads the YAML after a rules/*.yaml was edited without rebuilding, and shows the edit', () => {
      const file = join(tree, 'rules/ftp-transfer.yaml');
      writeFileSync(file, readFileSync(file, 'utf8').replace('title: Upload ended with RST instead of FIN', 'title: Upload ended with RST (edited)'));
      const r = analyze();
      expect(r.stderr).to.equal('yaml loaded\n');
      expect(r.stdout).to.include('Upload ended with RST (edited)');
    });
  });
});
