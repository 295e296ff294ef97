// Debian's FTP servers conflict with each other as packages (vsftpd, proftpd-core, pure-ftpd all
// Provide ftp-server), so proftpd and pure-ftpd are not installed: their .deb is fetched with
// `apt-get download` and unpacked with `dpkg -x` into a cache dir, and run from there. Their
// shared libraries must already be on the machine (ldd checks); otherwise the scenario skips.

import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioContext } from '../context.ts';

/** Path of `binary` (e.g. 'usr/sbin/proftpd') from Debian package `pkg`, unpacked in the cache. */
export function extractedBinary(ctx: ScenarioContext, pkg: string, binary: string): string {
  const dir = join(ctx.cacheDir, pkg);
  const root = join(dir, 'root');
  const bin = join(root, binary);
  if (!existsSync(bin)) {
    mkdirSync(dir, { recursive: true });
    try {
      if (!readdirSync(dir).some((f) => f.endsWith('.deb'))) {
        ctx.log(`apt-get download ${pkg} (into ${dir})`);
        execFileSync('apt-get', ['download', pkg], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'], timeout: 120000 });
      }
      const deb = readdirSync(dir).find((f) => f.endsWith('.deb'));
      if (!deb) throw new Error('no .deb after download');
      execFileSync('dpkg', ['-x', join(dir, deb), root], { stdio: 'ignore' });
    } catch (e) {
      ctx.skip(`${pkg}: could not fetch/unpack the Debian package (${(e as Error).message.split('\n')[0]}); run 'apt-get update' first`);
    }
    if (!existsSync(bin)) ctx.skip(`${pkg}: ${binary} not in the package`);
  }
  let ldd = '';
  try {
    ldd = execFileSync('ldd', [bin], { encoding: 'utf8' });
  } catch {
    /* static or not ELF: let it try */
  }
  const missing = ldd.split('\n').filter((l) => l.includes('not found'));
  if (missing.length) ctx.skip(`${pkg}: shared libraries missing: ${missing.map((l) => l.trim().split(' ')[0]).join(', ')}`);
  return bin;
}

/** Version string of an unpacked package, from its .deb file name (name_VERSION_arch.deb). */
export function debVersion(ctx: ScenarioContext, pkg: string): string {
  const deb = readdirSync(join(ctx.cacheDir, pkg)).find((f) => f.endsWith('.deb')) ?? '';
  return decodeURIComponent(deb.split('_')[1] ?? 'unknown');
}
