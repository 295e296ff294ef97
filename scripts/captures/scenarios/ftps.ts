// Scenario 15: explicit FTPS. vsftpd with a self-signed certificate made with openssl at record
// time (never stored), TLS required for the anonymous login and for data; basic-ftp with
// secure: true sends AUTH TLS, then (inside TLS) USER/PASS, PBSZ 0, PROT P. On the wire only the
// greeting, AUTH TLS and its 234 are readable; the truth file holds the dialog the client saw.

import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { basicFtpVersion, runBasicFtp } from '../lib/basic-ftp-session.ts';
import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import { brief, cleanFiles, endpoint, hostFilter, noteServerSizes, realTruth } from './common.ts';

export const ftps: Scenario = {
  name: 'ftps',
  title: 'explicit FTPS (AUTH TLS, PBSZ 0, PROT P) vsftpd + basic-ftp, self-signed cert made at record time',
  traces: ['vsftpd-ftps-explicit'],
  async run(ctx) {
    const name = 'vsftpd-ftps-explicit';
    const { cert, key } = throwAwayCertificate(ctx);
    const files = cleanFiles('incoming/');
    const server = await startVsftpd(ctx, { host: '127.0.0.131', ssl: { cert, key }, files: { [files.download.name]: files.download.data } });
    const filter = hostFilter(server.host);
    const cap = await ctx.capture(name, { iface: 'lo', filter });
    const r = await runBasicFtp({
      host: server.host,
      port: server.port,
      user: server.user,
      password: server.password,
      secure: true,
      download: { name: files.download.name, size: files.download.data.length },
      upload: files.upload,
      append: files.append,
    });
    const stats = await cap.stop();
    await server.stop();
    noteServerSizes(r.transfers, server, files);
    ctx.writeTruth(
      name,
      realTruth('ftps', stats, filter, server, {
        client: { software: 'basic-ftp (secure: true)', version: basicFtpVersion(), address: '127.0.0.1' },
        mode: 'extended-passive',
        sessions: [{ label: 'main', client: '127.0.0.1', server: endpoint(server.host, server.port), dialog: r.transcript.steps, replyCodes: r.transcript.codes() }],
        transfers: r.transfers,
        resets: [],
        notes: [
          'everything after "AUTH TLS" → 234 is TLS on the wire: the dialog above is what the client saw inside TLS',
          ...r.info.filter((l) => /TLS|Login security|Connected to/.test(l)).slice(0, 4),
          ...(r.errors.length ? [`client errors: ${r.errors.join('; ')}`] : []),
        ],
        story:
          `Explicit FTPS to vsftpd ${server.version} on port 21 with a throw-away self-signed certificate: after the 220 greeting basic-ftp ` +
          `${basicFtpVersion()} sends AUTH TLS → 234 and the TLS handshake follows on the control connection; from then on the control ` +
          `channel is encrypted: USER/PASS (anonymous), FEAT, TYPE I, PBSZ 0, PROT P, then ${r.transfers.map(brief).join('; ')}, each over an ` +
          `EPSV data connection that starts with its own TLS handshake. A capture analyzer sees FTP commands up to AUTH TLS and only TLS records after it.`,
      }),
    );
  },
};

/** A self-signed certificate and its key, made now in a temp dir of the scenario (gone after it). */
export function throwAwayCertificate(ctx: ScenarioContext): { cert: string; key: string } {
  const dir = ctx.tmpDir('tls');
  const cert = join(dir, 'cert.pem');
  const key = join(dir, 'key.pem');
  try {
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=ftpdiag-capture.invalid'], { stdio: 'ignore' });
  } catch (e) {
    ctx.skip(`openssl could not make a certificate: ${(e as Error).message}`);
  }
  return { cert, key };
}
