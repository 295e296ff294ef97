// What the package tests share: `npm pack` of this repository (once per test run), npm's
// environment without the variables `npm test` sets, and a registry on loopback that serves the
// package's dependencies at the versions npm-shrinkwrap.json pins, from npm's own cache.
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const repo = fileURLToPath(new URL('../../', import.meta.url));
export const pkg = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8')) as { name: string; version: string };

/** The environment for npm and the installed command: `npm test` exports its whole
 *  configuration as npm_* variables (cache, prefix, …), which would steer the npm run here. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !/^npm_/i.test(k)) env[k] = v;
  env['PATH'] = `${dirname(process.execPath)}:${env['PATH'] ?? '/usr/bin:/bin'}`;
  env['npm_config_update_notifier'] = 'false';
  env['npm_config_fund'] = 'false';
  env['npm_config_audit'] = 'false';
  return { ...env, ...extra };
}

export const hasNpm = spawnSync('npm', ['--version'], { encoding: 'utf8', env: cleanEnv() }).status === 0;

/** One file of `npm pack --json`. */
export interface PackedFile {
  path: string;
  size: number;
}
/** What `npm pack --json` prints (the same as `npm pack --dry-run --json`) and the tarball. */
export interface Packed {
  size: number; //         bytes of the .tgz
  unpackedSize: number; // bytes of its files
  entryCount: number;
  files: PackedFile[];
  tarball: string; //      path of the .tgz written
}

let packed: Packed | null = null;

/** `npm pack --json` of the repository, into a temporary folder; once per test run. It runs the
 *  `prepack` script as a publish does, so dist/ (the bundle, the man page) is built afresh. */
export function packRepo(): Packed {
  if (packed) return packed;
  const dest = mkdtempSync(join(tmpdir(), 'ftpdiag-pack-'));
  process.once('exit', () => rmSync(dest, { recursive: true, force: true })); // shared by test files
  const r = spawnSync('npm', ['pack', '--json', '--pack-destination', dest], { cwd: repo, encoding: 'utf8', env: cleanEnv(), maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`npm pack failed (${r.status}): ${r.stderr}`);
  // prepack's output (npm run build) comes before the JSON on stdout
  const json = JSON.parse(r.stdout.slice(r.stdout.search(/^\[\s*\{/m))) as Array<Omit<Packed, 'tarball'> & { filename: string }>;
  const p = json[0]!;
  packed = { size: p.size, unpackedSize: p.unpackedSize, entryCount: p.entryCount, files: p.files, tarball: join(dest, p.filename) };
  return packed;
}

/** One package of the lockfile that a user's install needs (not a development dependency). */
interface LockedPackage {
  name: string;
  version: string;
  integrity: string;
  manifest: Record<string, unknown>; // the fields of package.json an install resolves with
}

/** The non-development packages npm-shrinkwrap.json pins. */
function lockedRuntimePackages(): LockedPackage[] {
  const lock = JSON.parse(readFileSync(join(repo, 'npm-shrinkwrap.json'), 'utf8')) as { packages: Record<string, Record<string, unknown>> };
  const out: LockedPackage[] = [];
  for (const [path, e] of Object.entries(lock.packages)) {
    if (path === '' || e['dev'] === true || e['link'] === true) continue;
    const name = (e['name'] as string | undefined) ?? path.slice(path.lastIndexOf('node_modules/') + 'node_modules/'.length);
    const manifest: Record<string, unknown> = { name, version: e['version'] };
    for (const k of ['dependencies', 'optionalDependencies', 'peerDependencies', 'peerDependenciesMeta', 'bin', 'engines', 'os', 'cpu', 'hasInstallScript', 'license']) {
      if (e[k] !== undefined) manifest[k] = e[k];
    }
    out.push({ name, version: e['version'] as string, integrity: e['integrity'] as string, manifest });
  }
  return out;
}

/** Where npm's content-addressed cache keeps the tarball of `integrity` (cacache's layout). */
function cachedTarball(cacheDir: string, integrity: string): string {
  const [algo, b64] = integrity.split('-', 2) as [string, string];
  const hex = Buffer.from(b64, 'base64').toString('hex');
  return join(cacheDir, '_cacache', 'content-v2', algo, hex.slice(0, 2), hex.slice(2, 4), hex.slice(4));
}

export interface LocalRegistry {
  url: string; //    http://127.0.0.1:PORT/
  specs: string[]; // name@version of every package served
  close(): Promise<void>;
}

/**
 * A registry on 127.0.0.1 serving the `published` package and its runtime dependencies exactly
 * as the lockfile pins them (packuments built from its entries, tarballs taken from npm's cache,
 * which `npm ci` filled), so that a test can prime a cache of its own without any other network.
 * Development dependencies are not served. Throws naming the packages npm's cache lacks.
 */
export async function startLocalRegistry(published: Packed): Promise<LocalRegistry> {
  const cacheDir = spawnSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).stdout.trim();
  const deps = lockedRuntimePackages();
  const missing = deps.filter((p) => !existsSync(cachedTarball(cacheDir, p.integrity)));
  if (missing.length > 0) throw new Error(`npm's cache (${cacheDir}) lacks ${missing.map((p) => `${p.name}@${p.version}`).join(', ')}: run npm ci`);
  // ftpdiag itself as the registry would publish it: its package.json, and _hasShrinkwrap, which
  // the registry sets when the tarball holds npm-shrinkwrap.json (npm then installs that tree)
  const manifest = JSON.parse(spawnSync('tar', ['-xzOf', published.tarball, 'package/package.json'], { encoding: 'utf8' }).stdout) as Record<string, unknown>;
  const self: LockedPackage & { file: string } = {
    name: manifest['name'] as string,
    version: manifest['version'] as string,
    integrity: `sha512-${createHash('sha512').update(readFileSync(published.tarball)).digest('base64')}`,
    manifest: { ...manifest, _hasShrinkwrap: published.files.some((f) => f.path === 'npm-shrinkwrap.json') },
    file: published.tarball,
  };
  const pkgs = [...deps.map((p) => ({ ...p, file: cachedTarball(cacheDir, p.integrity) })), self];
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  const tarballs = new Map<string, string>(); // URL path -> file
  const packuments = new Map<string, { name: string; 'dist-tags': Record<string, string>; versions: Record<string, unknown> }>();
  for (const [i, p] of pkgs.entries()) {
    const path = `/-/${i}.tgz`;
    tarballs.set(path, p.file);
    const doc = packuments.get(p.name) ?? { name: p.name, 'dist-tags': { latest: p.version }, versions: {} };
    doc.versions[p.version] = { ...p.manifest, dist: { tarball: `${url.slice(0, -1)}${path}`, integrity: p.integrity } };
    packuments.set(p.name, doc);
  }
  server.on('request', (req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', url).pathname);
    const file = tarballs.get(path);
    const doc = packuments.get(path.slice(1));
    if (file) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(readFileSync(file));
    } else if (doc) {
      res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(doc));
    } else {
      res.writeHead(404, { 'content-type': 'application/json' }).end('{"error":"not found"}');
    }
  });
  return {
    url,
    specs: pkgs.map((p) => `${p.name}@${p.version}`),
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `cmd` without blocking the event loop (the local registry answers from this process),
 *  as the user `as` names when given (uid/gid; spawn drops supplementary groups). */
export function run(cmd: string, args: string[], opts: { cwd?: string; env: Record<string, string>; as?: { uid: number; gid: number } }): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env, stdio: ['ignore', 'pipe', 'pipe'], ...(opts.as ?? {}) });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
  });
}
