// vsftpd run standalone (listen=YES) from a config file in a temp dir, anonymous login into a
// temp root. Everything that would touch the machine's own setup is turned off: no chroot dir
// under /var, no seccomp sandbox and no network-namespace isolation (both fail in containers).

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { ScenarioContext } from '../context.ts';
import { freeRange, pickPort, waitListening } from '../net-util.ts';
import { readyOrDied, spawnDaemon, type RunningServer } from './server.ts';

export const VSFTPD = '/usr/sbin/vsftpd';

export interface VsftpdOptions {
  host: string; //                 127.0.0.x or ::1 or a namespace address
  port?: number; //                default: 21 when free, else any free port
  files?: Record<string, Buffer>; // put in the anonymous root before start
  connectFromPort20?: boolean; //  active data connections from port 20 (default false: any port)
  maxClients?: number;
  maxPerIp?: number;
  pasvAddress?: string; //         address announced in 227 replies (default: the control socket's)
  ssl?: { cert: string; key: string }; // explicit FTPS (AUTH TLS), TLS required for logins and data
  localUsers?: boolean; //         allow local (PAM) logins too: a wrong password then gets 530
  netns?: string; //               run inside this network namespace
  extra?: Record<string, string>; // more vsftpd.conf settings
}

export function vsftpdVersion(): string {
  try {
    // vsftpd -v prints its version on file descriptor 0
    const out = execFileSync('sh', ['-c', `${VSFTPD} -v 0>&1`], { encoding: 'utf8' });
    return /version\s+(\S+)/.exec(out)?.[1] ?? out.trim();
  } catch (e) {
    return `unknown (${(e as Error).message})`;
  }
}

function ftpUid(): { uid: number; gid: number } | null {
  const line = readFileSync('/etc/passwd', 'utf8')
    .split('\n')
    .find((l) => l.startsWith('ftp:'));
  if (!line) return null;
  const f = line.split(':');
  return { uid: Number(f[2]), gid: Number(f[3]) };
}

export async function startVsftpd(ctx: ScenarioContext, o: VsftpdOptions): Promise<RunningServer> {
  if (!existsSync(VSFTPD)) ctx.skip(`vsftpd is not installed (${VSFTPD}); apt-get install vsftpd`);
  if (process.getuid?.() !== 0) ctx.skip('vsftpd needs root here (it drops privileges per session)');
  if (!ftpUid()) ctx.skip("vsftpd's anonymous login needs the system user 'ftp' (created by the vsftpd package)");
  const v6 = o.host.includes(':');
  const dir = ctx.tmpDir('vsftpd');
  chmodSync(dir, 0o755);
  const root = join(dir, 'anon');
  const empty = join(dir, 'empty');
  mkdirSync(root);
  mkdirSync(empty);
  // vsftpd refuses an anonymous root the anonymous user may write to: uploads go to incoming/
  chmodSync(root, 0o755);
  mkdirSync(join(root, 'incoming'));
  chmodSync(join(root, 'incoming'), 0o777);
  chmodSync(empty, 0o755);
  for (const [name, data] of Object.entries(o.files ?? {})) {
    writeFileSync(join(root, name), data);
    chmodSync(join(root, name), 0o644);
  }
  const port = o.port ?? (o.netns ? 21 : await pickPort(o.host, 21));
  const [pasvMin, pasvMax] = o.netns ? [50000, 50099] : await freeRange(o.host, 20); // `extra` may override
  const log = join(dir, 'vsftpd.log');
  const conf: Record<string, string> = {
    ...(v6 ? { listen: 'NO', listen_ipv6: 'YES', listen_address6: o.host } : { listen: 'YES', listen_address: o.host }),
    listen_port: String(port),
    background: 'NO',
    anonymous_enable: 'YES',
    anon_root: root,
    no_anon_password: 'NO',
    write_enable: 'YES',
    anon_upload_enable: 'YES',
    anon_mkdir_write_enable: 'YES',
    anon_other_write_enable: 'YES',
    anon_umask: '022',
    local_enable: o.localUsers ? 'YES' : 'NO',
    pam_service_name: 'vsftpd',
    secure_chroot_dir: empty,
    pasv_enable: 'YES',
    pasv_min_port: String(pasvMin),
    pasv_max_port: String(pasvMax),
    port_enable: 'YES',
    connect_from_port_20: o.connectFromPort20 ? 'YES' : 'NO',
    seccomp_sandbox: 'NO',
    isolate: 'NO',
    isolate_network: 'NO',
    xferlog_enable: 'YES',
    xferlog_std_format: 'NO',
    log_ftp_protocol: 'NO', // the dialog is in the truth file already; keep the transfer lines
    vsftpd_log_file: log,
    use_localtime: 'NO',
    ftpd_banner: 'ftpdiag capture vsftpd',
    ...(o.maxClients !== undefined ? { max_clients: String(o.maxClients) } : {}),
    ...(o.maxPerIp !== undefined ? { max_per_ip: String(o.maxPerIp) } : {}),
    ...(o.pasvAddress ? { pasv_address: o.pasvAddress, pasv_addr_resolve: 'NO' } : {}),
    ...(o.ssl
      ? {
          ssl_enable: 'YES',
          rsa_cert_file: o.ssl.cert,
          rsa_private_key_file: o.ssl.key,
          allow_anon_ssl: 'YES',
          force_anon_logins_ssl: 'YES',
          force_anon_data_ssl: 'YES',
          ssl_tlsv1: 'YES',
          require_ssl_reuse: 'NO', // basic-ftp's TLS 1.3 data sessions don't always resume the control session
          ssl_ciphers: 'HIGH',
        }
      : {}),
    ...(o.extra ?? {}),
  };
  const confFile = join(dir, 'vsftpd.conf');
  writeFileSync(confFile, Object.entries(conf).map(([k, v]) => `${k}=${v}\n`).join(''));
  chmodSync(confFile, 0o600); // vsftpd refuses a config file others may write
  const cmd = o.netns ? 'ip' : VSFTPD;
  const args = o.netns ? ['netns', 'exec', o.netns, VSFTPD, confFile] : [confFile];
  const d = spawnDaemon(ctx, 'vsftpd', cmd, args, { marker: confFile }); // session processes leave the group
  await readyOrDied('vsftpd', waitListening(o.host, port, o.netns ? { netns: o.netns } : {}), d.exited, d.output);
  const keep = ['listen_port', 'connect_from_port_20', 'pasv_min_port', 'pasv_max_port', 'max_clients', 'max_per_ip', 'pasv_address', 'ssl_enable', 'local_enable', 'anonymous_enable', 'write_enable'];
  return {
    software: 'vsftpd',
    version: vsftpdVersion(),
    host: o.host,
    port,
    root,
    uploadPrefix: 'incoming/',
    user: 'anonymous',
    password: 'ftpdiag@example.org',
    config: Object.fromEntries(Object.entries(conf).filter(([k]) => keep.includes(k))),
    logLines: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter(Boolean).map(stripVsftpdTime) : []),
    stop: d.stop,
  };
}

// "Sat Nov 21 13:00:00 2026 [pid 1234] [ftp] OK DOWNLOAD: ..." → "[ftp] OK DOWNLOAD: ..."; the
// time and pid change every run and would make the truth files churn.
function stripVsftpdTime(line: string): string {
  return line.replace(/^\w{3} \w{3}\s+\d+ [\d:]+ \d{4} \[pid \d+\] /, '');
}
