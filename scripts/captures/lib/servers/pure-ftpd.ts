// pure-ftpd 1.0.50 (Debian's pure-ftpd, unpacked, not installed). pure-ftpd's anonymous root is
// the system 'ftp' user's home, which we must not touch, so it runs with a virtual user from a
// PureDB file made by pure-pw in the temp dir (-l puredb:…, -E no anonymous, -A chroot).

import { execFileSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioContext } from '../context.ts';
import { freeRange, pickPort, waitListening } from '../net-util.ts';
import { debVersion, extractedBinary } from './debian-extract.ts';
import { readyOrDied, spawnDaemon, type RunningServer } from './server.ts';

export interface PureFtpdOptions {
  host: string;
  port?: number;
  files?: Record<string, Buffer>;
}

export async function startPureFtpd(ctx: ScenarioContext, o: PureFtpdOptions): Promise<RunningServer> {
  const bin = extractedBinary(ctx, 'pure-ftpd', 'usr/sbin/pure-ftpd');
  const pw = extractedBinary(ctx, 'pure-ftpd', 'usr/bin/pure-pw');
  const dir = ctx.tmpDir('pureftpd');
  chmodSync(dir, 0o755);
  const root = join(dir, 'home');
  execFileSync('mkdir', [root]);
  const ftp = /^ftp:x:(\d+):(\d+):/m.exec(readFileSync('/etc/passwd', 'utf8'));
  if (!ftp) ctx.skip("pure-ftpd's virtual user maps to the system user 'ftp', which is missing");
  const [uid, gid] = [Number(ftp![1]), Number(ftp![2])];
  for (const [name, data] of Object.entries(o.files ?? {})) writeFileSync(join(root, name), data);
  for (const f of ['', ...Object.keys(o.files ?? {})]) chownSync(join(root, f), uid, gid);
  const password = 'secret';
  // The passwd line is written here rather than by `pure-pw useradd`, which hashes with argon2id
  // at t=1023: seconds of CPU per login that would show up as a slow 230 in every trace. A
  // SHA-512 crypt hash (openssl passwd -6) logs in at once.
  const hash = execFileSync('openssl', ['passwd', '-6', '-salt', 'ftpdiagcapture', password], { encoding: 'utf8' }).trim();
  const passwd = join(dir, 'pureftpd.passwd');
  writeFileSync(passwd, `ftpdiag:${hash}:${uid}:${gid}::${root}/./::::::::::::\n`);
  execFileSync(pw, ['mkdb', join(dir, 'pureftpd.pdb'), '-f', passwd], { stdio: 'ignore' });
  const port = o.port ?? (await pickPort(o.host, 21));
  const [pasvMin, pasvMax] = await freeRange(o.host, 20);
  const xfer = join(dir, 'xfer.log');
  const args = ['-S', `${o.host},${port}`, '-l', `puredb:${join(dir, 'pureftpd.pdb')}`, '-E', '-A', '-H', '-p', `${pasvMin}:${pasvMax}`, '-O', `clf:${xfer}`];
  const d = spawnDaemon(ctx, 'pure-ftpd', bin, args);
  await readyOrDied('pure-ftpd', waitListening(o.host, port), d.exited, d.output);
  return {
    software: 'pure-ftpd',
    version: debVersion(ctx, 'pure-ftpd'),
    host: o.host,
    port,
    root,
    uploadPrefix: '',
    user: 'ftpdiag',
    password,
    config: { args: args.map((a) => a.split(dir).join('$TMP')).join(' '), virtualUser: 'ftpdiag' },
    logLines: () =>
      existsSync(xfer)
        ? readFileSync(xfer, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => l.replace(/\[[^\]]+\] /, '').split(root).join(''))
        : [],
    stop: d.stop,
  };
}
