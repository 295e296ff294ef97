// proftpd 1.3.8 (Debian's proftpd-core, unpacked, not installed) standalone with a config of ours:
// anonymous login into a temp root, uploads into incoming/, logs in the temp dir. With `tls`,
// mod_tls from Debian's proftpd-mod-crypto (unpacked the same way) is loaded for explicit FTPS
// (AUTH TLS required for login and data: TLSRequired on) with a certificate of the scenario's.

import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { ScenarioContext } from '../context.ts';
import { freeRange, pickPort, waitListening } from '../net-util.ts';
import { debVersion, extractedBinary } from './debian-extract.ts';
import { readyOrDied, spawnDaemon, type RunningServer } from './server.ts';

export interface ProftpdOptions {
  host: string;
  port?: number;
  files?: Record<string, Buffer>;
  netns?: string; //  run inside this network namespace
  /** mod_tls: certificate and key files, TLSProtocol, and more mod_tls directives (name → value). */
  tls?: { cert: string; key: string; protocols?: string; directives?: Record<string, string> };
}

/** The mod_tls part of the config (TLSRequired on: AUTH TLS before login, PROT P for data). */
function tlsConfig(ctx: ScenarioContext, tls: NonNullable<ProftpdOptions['tls']>, run: string): string {
  const mod = extractedBinary(ctx, 'proftpd-mod-crypto', 'usr/lib/proftpd/mod_tls.so');
  const directives: Record<string, string> = {
    TLSEngine: 'on',
    TLSLog: `${run}/tls.log`,
    TLSProtocol: tls.protocols ?? 'TLSv1.2 TLSv1.3',
    TLSRSACertificateFile: tls.cert,
    TLSRSACertificateKeyFile: tls.key,
    TLSRequired: 'on',
    TLSVerifyClient: 'off',
    TLSRenegotiate: 'none',
    ...tls.directives,
  };
  return `ModulePath ${dirname(mod)}
LoadModule mod_tls.c
<IfModule mod_tls.c>
${Object.entries(directives).map(([k, v]) => `  ${k} ${v}`).join('\n')}
</IfModule>
`;
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
  const port = o.port ?? (o.netns ? 21 : await pickPort(o.host, 21));
  // a namespace of the scenario's own has every port free
  const [pasvMin, pasvMax] = o.netns ? [50000, 50019] : await freeRange(o.host, 20);
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
${o.tls ? tlsConfig(ctx, o.tls, run) : ''}<Anonymous ${root}>
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
  const [cmd, args] = o.netns ? ['ip', ['netns', 'exec', o.netns, bin, '-n', '-c', confFile]] : [bin, ['-n', '-c', confFile]];
  const d = spawnDaemon(ctx, 'proftpd', cmd, args);
  await readyOrDied('proftpd', waitListening(o.host, port, o.netns ? { netns: o.netns } : {}), d.exited, d.output);
  return {
    software: 'proftpd',
    version: debVersion(ctx, 'proftpd-core'),
    host: o.host,
    port,
    root,
    uploadPrefix: 'incoming/',
    user: 'anonymous',
    password: 'ftpdiag@example.org',
    config: { Port: port, PassivePorts: `${pasvMin} ${pasvMax}`, Anonymous: true, uploads: 'incoming/', ...(o.tls ? { TLSRequired: 'on', TLSProtocol: o.tls.protocols ?? 'TLSv1.2 TLSv1.3', ...o.tls.directives } : {}) },
    // xferlog: "Sat Nov 21 13:00:00 2026 0 127.0.0.1 65536 /report.bin b _ o a ftpdiag@ ftp 0 * c";
    // TLSLog: "2026-12-06 13:41:08,853 mod_tls/2.9.2[14073]: client did not reuse TLS session, …"
    logLines: () => [
      ...readLines(xfer).map((l) => l.replace(/^\w{3} \w{3}\s+\d+ [\d:]+ \d{4} \d+ /, '').split(root).join('')),
      ...(o.tls ? readLines(`${run}/tls.log`).map((l) => l.replace(/^[\d-]+ [\d:,]+ (mod_tls\/[\d.]+)\[\d+\]/, '$1')) : []),
    ],
    stop: d.stop,
  };
}

function readLines(file: string): string[] {
  return existsSync(file) ? readFileSync(file, 'utf8').split('\n').filter(Boolean) : [];
}
