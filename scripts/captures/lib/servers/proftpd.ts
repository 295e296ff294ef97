// proftpd 1.3.8 (Debian's proftpd-core, unpacked, not installed) standalone with a config of ours:
// anonymous login into a temp root, uploads into incoming/, logs in the temp dir.

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioContext } from '../context.ts';
import { freeRange, pickPort, waitListening } from '../net-util.ts';
import { debVersion, extractedBinary } from './debian-extract.ts';
import { readyOrDied, spawnDaemon, type RunningServer } from './server.ts';

export interface ProftpdOptions {
  host: string;
  port?: number;
  files?: Record<string, Buffer>;
}

export async function startProftpd(ctx: ScenarioContext, o: ProftpdOptions): Promise<RunningServer> {
  const bin = extractedBinary(ctx, 'proftpd-core', 'usr/sbin/proftpd');
  const dir = ctx.tmpDir('proftpd');
  chmodSync(dir, 0o755);
  const root = join(dir, 'anon');
  const run = join(dir, 'run');
  mkdirSync(root);
  mkdirSync(run);
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'incoming'));
  chmodSync(join(root, 'incoming'), 0o777);
  for (const [name, data] of Object.entries(o.files ?? {})) {
    writeFileSync(join(root, name), data);
    chmodSync(join(root, name), 0o644);
  }
  const port = o.port ?? (await pickPort(o.host, 21));
  const [pasvMin, pasvMax] = await freeRange(o.host, 20);
  const xfer = join(run, 'xfer.log');
  const conf = `ServerName "ftpdiag capture proftpd"
ServerType standalone
Port ${port}
DefaultAddress ${o.host}
SocketBindTight on
UseIPv6 off
User nobody
Group nogroup
Umask 022
MaxInstances 10
PidFile ${run}/proftpd.pid
ScoreboardFile ${run}/scoreboard
DelayTable ${run}/delay
WtmpLog off
UseReverseDNS off
PassivePorts ${pasvMin} ${pasvMax}
SystemLog ${run}/system.log
TransferLog ${xfer}
AuthOrder mod_auth_unix.c
<Anonymous ${root}>
  User ftp
  Group nogroup
  UserAlias anonymous ftp
  RequireValidShell off
  AllowOverwrite on
  AllowStoreRestart on
  <Directory incoming>
    <Limit STOR APPE>
      AllowAll
    </Limit>
  </Directory>
</Anonymous>
`;
  const confFile = join(dir, 'proftpd.conf');
  writeFileSync(confFile, conf);
  const d = spawnDaemon(ctx, 'proftpd', bin, ['-n', '-c', confFile]);
  await readyOrDied('proftpd', waitListening(o.host, port), d.exited, d.output);
  return {
    software: 'proftpd',
    version: debVersion(ctx, 'proftpd-core'),
    host: o.host,
    port,
    root,
    uploadPrefix: 'incoming/',
    user: 'anonymous',
    password: 'ftpdiag@example.org',
    config: { Port: port, PassivePorts: `${pasvMin} ${pasvMax}`, Anonymous: true, uploads: 'incoming/' },
    // xferlog: "Sat Nov 21 13:00:00 2026 0 127.0.0.1 65536 /report.bin b _ o a ftpdiag@ ftp 0 * c"
    logLines: () =>
      existsSync(xfer)
        ? readFileSync(xfer, 'utf8')
            .split('\n')
            .filter(Boolean)
            .map((l) => l.replace(/^\w{3} \w{3}\s+\d+ [\d:]+ \d{4} \d+ /, ''))
        : [],
    stop: d.stop,
  };
}
