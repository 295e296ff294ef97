// Scenario: FTPS with key logs (issue 29). vsftpd with a throw-away self-signed certificate in
// namespaces i29-tls-{cli,rtr,srv} (lib/netns.ts); curl (OpenSSL, $SSLKEYLOGFILE), lftp (GnuTLS,
// $SSLKEYLOGFILE) and a Node tls client ('keylog' events) write the TLS secrets of every session
// beside the capture as NAME.keylog: test keys of servers that existed for seconds. One trace per
// server setting:
//
//   vsftpd-ftps-curl-tls13-reuse       require_ssl_reuse=YES, curl resumes (TLS 1.3 PSK): clean
//   vsftpd-ftps-curl-tls12-suites      require_ssl_reuse=NO, TLS 1.2 with GCM, ChaCha20, CBC suites
//   vsftpd-ftps-reuse-required-522     require_ssl_reuse=YES, curl --no-sessionid: data TLS not resumed
//   vsftpd-ftps-no-prot-p-522          force_anon_data_ssl/force_local_data_ssl=YES, curl --ftp-ssl-control
//   vsftpd-ftps-cert-rejected          curl verifying the self-signed certificate: TLS 1.3 and 1.2 alerts
//   vsftpd-ftps-upload-no-close-notify strict_ssl_read_eof=YES, an upload ended with FIN and no close_notify
//   vsftpd-ftps-implicit-990           implicit_ssl=YES on port 990, curl ftps://
//   vsftpd-ftps-lftp                   lftp: TLS 1.3, then TLS 1.2 CBC without encrypt-then-MAC

import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { curlVersion, runCurl, type CurlResult } from '../lib/curl-session.ts';
import { lftpVersion, runLftp } from '../lib/lftp-session.ts';
import { makeNetnsPath, runNetnsScript, type NetnsPath } from '../lib/netns.ts';
import { patternBytes } from '../lib/raw-ftp.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import type { RunningServer } from '../lib/servers/server.ts';
import type { DialogStep } from '../lib/transcript.ts';
import type { TruthSession, TruthTransfer } from '../lib/truth.ts';
import { KB, brief, realTruth } from './common.ts';

const DOWNLOAD = 'report.bin';
const DOWN_SIZE = 8 * KB;
const UP_SIZE = 4 * KB;

interface Ctx {
  ctx: ScenarioContext;
  ns: NetnsPath;
  cert: string;
  key: string;
  work: string; // client's working dir (downloads, the upload file)
}

const TRACES = [
  'vsftpd-ftps-curl-tls13-reuse',
  'vsftpd-ftps-curl-tls12-suites',
  'vsftpd-ftps-reuse-required-522',
  'vsftpd-ftps-no-prot-p-522',
  'vsftpd-ftps-cert-rejected',
  'vsftpd-ftps-upload-no-close-notify',
  'vsftpd-ftps-implicit-990',
  'vsftpd-ftps-lftp',
];

export const ftpsTls: Scenario = {
  name: 'ftps-tls',
  title: 'FTPS with key logs: vsftpd require_ssl_reuse YES/NO, forced PROT P, implicit 990, a rejected certificate, no close_notify; curl, lftp, Node tls; TLS 1.2 and 1.3',
  traces: TRACES,
  async run(ctx) {
    if (!curlVersion()) ctx.skip('curl is not installed (apt-get install curl)');
    const ns = makeNetnsPath(ctx, 'i29-tls');
    const dir = ctx.tmpDir('tls');
    const cert = join(dir, 'cert.pem');
    const key = join(dir, 'key.pem');
    try {
      execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', key, '-out', cert, '-days', '2', '-subj', '/CN=ftpdiag-capture.invalid'], { stdio: 'ignore' });
    } catch (e) {
      ctx.skip(`openssl could not make a certificate: ${(e as Error).message}`);
    }
    const work = ctx.tmpDir('tls-client');
    writeFileSync(join(work, 'upload.bin'), patternBytes(UP_SIZE, 0x100000));
    const c: Ctx = { ctx, ns, cert, key, work };
    await curlTrace(c, 'vsftpd-ftps-curl-tls13-reuse', { require_ssl_reuse: 'YES' }, [
      { label: 'TLS 1.3 default suite', args: [], upload: true },
      { label: 'TLS 1.3 ChaCha20-Poly1305', args: ['--tls13-ciphers', 'TLS_CHACHA20_POLY1305_SHA256'], upload: false },
    ], 'curl resumes the control connection\'s TLS session on every data connection (a TLS 1.3 PSK), as vsftpd requires');
    await curlTrace(c, 'vsftpd-ftps-curl-tls12-suites', { require_ssl_reuse: 'NO' }, [
      { label: 'ECDHE-RSA-AES128-GCM-SHA256', args: ['--tls-max', '1.2', '--ciphers', 'ECDHE-RSA-AES128-GCM-SHA256'], upload: true },
      { label: 'ECDHE-RSA-AES256-GCM-SHA384', args: ['--tls-max', '1.2', '--ciphers', 'ECDHE-RSA-AES256-GCM-SHA384'], upload: false },
      { label: 'ECDHE-RSA-CHACHA20-POLY1305', args: ['--tls-max', '1.2', '--ciphers', 'ECDHE-RSA-CHACHA20-POLY1305'], upload: false },
      { label: 'ECDHE-RSA-AES128-SHA256 (CBC, encrypt-then-MAC)', args: ['--tls-max', '1.2', '--ciphers', 'ECDHE-RSA-AES128-SHA256'], upload: true },
      { label: 'ECDHE-RSA-AES256-SHA384 (CBC, encrypt-then-MAC)', args: ['--tls-max', '1.2', '--ciphers', 'ECDHE-RSA-AES256-SHA384'], upload: false },
      { label: 'AES128-SHA (RSA key exchange, CBC, HMAC-SHA1)', args: ['--tls-max', '1.2', '--ciphers', 'AES128-SHA'], upload: false },
    ], 'require_ssl_reuse=NO: each TLS 1.2 session picks the one suite curl offers; the data connections may or may not resume');
    await curlTrace(c, 'vsftpd-ftps-reuse-required-522', { require_ssl_reuse: 'YES' }, [
      { label: 'TLS 1.3, --no-sessionid', args: ['--no-sessionid'], upload: false },
      { label: 'TLS 1.2, --no-sessionid', args: ['--no-sessionid', '--tls-max', '1.2'], upload: false },
    ], 'curl --no-sessionid starts every data connection with a fresh TLS session; vsftpd (require_ssl_reuse=YES) closes the data connection right after its TLS handshake and sends 522 on the control connection, which curl does not read: it sees the data connection closed and gives up (exit 18)');
    await curlTrace(c, 'vsftpd-ftps-no-prot-p-522', { force_anon_data_ssl: 'YES', force_local_data_ssl: 'YES', require_ssl_reuse: 'NO' }, [
      { label: '--ftp-ssl-control (TLS on the control connection only)', args: ['--ftp-ssl-control'], replaceSsl: true, upload: false },
    ], 'curl --ftp-ssl-control protects only the control connection (no PROT P); vsftpd forces TLS on data and answers the transfer with 522');
    await curlTrace(c, 'vsftpd-ftps-cert-rejected', { require_ssl_reuse: 'NO' }, [
      { label: 'TLS 1.3, certificate verified', args: [], insecure: false, upload: false },
      { label: 'TLS 1.2, certificate verified', args: ['--tls-max', '1.2'], insecure: false, upload: false },
    ], 'curl verifies the self-signed certificate, rejects it and aborts the handshake with an alert; no login happens');
    await noCloseNotifyTrace(c);
    await curlTrace(c, 'vsftpd-ftps-implicit-990', { implicit_ssl: 'YES', require_ssl_reuse: 'YES' }, [{ label: 'implicit FTPS (ftps://, port 990)', args: [], implicit: true, upload: true }], 'implicit FTPS: TLS from the first byte of the control connection on port 990, no AUTH TLS');
    await lftpTrace(c);
  },
};

interface CurlRun {
  label: string;
  args: string[];
  upload: boolean;
  insecure?: boolean; //   -k (default true)
  replaceSsl?: boolean; // args replace --ssl-reqd
  implicit?: boolean;
}

async function startServer(c: Ctx, extra: Record<string, string>, port = 21): Promise<RunningServer> {
  const server = await startVsftpd(c.ctx, {
    host: c.ns.serverAddr,
    port,
    netns: c.ns.server,
    ssl: { cert: c.cert, key: c.key },
    files: { [DOWNLOAD]: patternBytes(DOWN_SIZE) },
    extra: { ...extra, ...(extra.implicit_ssl ? {} : {}) },
  });
  for (const k of Object.keys(extra)) server.config[k] = extra[k];
  return server;
}

function keyLogFor(c: Ctx, name: string): string {
  return join(c.work, `${name}.keylog`);
}

/** Copies the key log beside the trace; fails when the client wrote none. */
function keepKeyLog(c: Ctx, name: string, path: string): void {
  if (!existsSync(path) || readFileSync(path).length === 0) throw new Error(`${name}: the client wrote no key log at ${path}`);
  const out = join(c.ctx.outDir, `${name}.keylog`);
  copyFileSync(path, out);
  c.ctx.written.push(out);
}

/** A transfer per RETR/STOR/LIST step of a dialog (codes that followed it). */
function transfersOf(dialog: DialogStep[], bytes: (command: string) => Partial<TruthTransfer>): TruthTransfer[] {
  return dialog
    .filter((s) => s.command !== null && /^(RETR|STOR|LIST|NLST|APPE)\b/i.test(s.command))
    .map((s) => ({ command: s.command!, mode: 'extended-passive' as const, replies: s.replies.map((r) => r.code), ...bytes(s.command!) }));
}

async function curlTrace(c: Ctx, name: string, extra: Record<string, string>, runs: CurlRun[], storyTail: string): Promise<void> {
  const implicit = runs.some((r) => r.implicit);
  const server = await startServer(c, extra, implicit ? 990 : 21);
  const filter = `tcp and host ${c.ns.serverAddr}`;
  const keyLog = keyLogFor(c, name);
  const cap = await c.ctx.capture(name, { iface: c.ns.clientIf, netns: c.ns.client, filter });
  const sessions: TruthSession[] = [];
  const transfers: TruthTransfer[] = [];
  const notes: string[] = [];
  for (const [i, run] of runs.entries()) {
    const base = implicit ? `ftps://${server.host}:${server.port}/` : `ftp://${server.host}:${server.port}/`;
    const common = [...(run.replaceSsl ? [] : implicit ? [] : ['--ssl-reqd']), ...(run.insecure === false ? [] : ['-k']), '-u', `${server.user}:${server.password}`, ...run.args];
    const args = [...common, `${base}${DOWNLOAD}`, '-o', join(c.work, `down-${i}.bin`)];
    if (run.upload) args.push('--next', ...common, '-T', join(c.work, 'upload.bin'), `${base}${server.uploadPrefix}up-${i}.bin`);
    const r: CurlResult = await runCurl(c.ns.client, args, { keyLog, cwd: c.work });
    const dialog = r.transcript.steps;
    sessions.push({ label: run.label, client: c.ns.clientAddr, server: `${server.host}:${server.port}`, dialog, replyCodes: r.transcript.codes() });
    const got = join(c.work, `down-${i}.bin`);
    transfers.push(
      ...transfersOf(dialog, (cmd) => {
        if (/^RETR/i.test(cmd)) return { expectedBytes: DOWN_SIZE, clientRead: existsSync(got) ? readFileSync(got).length : 0 };
        if (/^STOR/i.test(cmd)) return { expectedBytes: UP_SIZE, clientWrote: UP_SIZE };
        return {};
      }),
    );
    notes.push(`session "${run.label}": curl ${run.args.join(' ') || '(defaults)'} → exit ${r.exitCode}; ${r.info.filter((l) => /SSL connection using|curl: \(|certificate problem|session/i.test(l)).slice(0, 3).join(' | ')}`);
  }
  const stats = await cap.stop();
  await server.stop();
  keepKeyLog(c, name, keyLog);
  c.ctx.writeTruth(
    name,
    realTruth('ftps-tls', stats, filter, server, {
      client: { software: 'curl (OpenSSL), SSLKEYLOGFILE', version: curlVersion() ?? 'unknown', address: c.ns.clientAddr },
      mode: 'extended-passive',
      sessions,
      transfers,
      resets: [],
      notes: [
        `network: namespaces ${c.ns.client} (${c.ns.clientAddr}) — ${c.ns.router} — ${c.ns.server} (${c.ns.serverAddr}); capture on ${c.ns.clientIf}`,
        `TLS secrets of every session: ${name}.keylog (NSS key log written by the client; throw-away test keys)`,
        ...notes,
      ],
      story:
        `vsftpd ${server.version} with a self-signed certificate (${Object.entries(extra).map(([k, v]) => `${k}=${v}`).join(', ')}) and curl, ${runs.length} session(s): ` +
        `${sessions.map((s) => s.label).join('; ')}.${transfers.length ? ` ${transfers.map(brief).join('; ')}.` : ''} ${storyTail}.`,
    }),
  );
}

async function noCloseNotifyTrace(c: Ctx): Promise<void> {
  const name = 'vsftpd-ftps-upload-no-close-notify';
  const server = await startServer(c, { strict_ssl_read_eof: 'YES', require_ssl_reuse: 'NO' });
  const filter = `tcp and host ${c.ns.serverAddr}`;
  const keyLog = keyLogFor(c, name);
  const cap = await c.ctx.capture(name, { iface: c.ns.clientIf, netns: c.ns.client, filter });
  const script = new URL('../lib/netns-ftps-client.ts', import.meta.url).pathname;
  const r = await runNetnsScript<{ client: string; dialog: DialogStep[]; replyCodes: number[]; transfers: TruthTransfer[]; notes: string[] }>(
    c.ctx,
    c.ns.client,
    'ftps node client',
    script,
    { host: server.host, port: server.port, user: server.user, password: server.password, upload: `${server.uploadPrefix}cut.bin`, uploadSize: 16 * KB, keyLog, tls: 'TLSv1.2' },
    60000,
  );
  const stats = await cap.stop();
  await server.stop();
  keepKeyLog(c, name, keyLog);
  c.ctx.writeTruth(
    name,
    realTruth('ftps-tls', stats, filter, server, {
      client: { software: 'ftpdiag Node tls client (scripts/captures/lib/netns-ftps-client.ts), keylog events', version: process.version, address: c.ns.clientAddr },
      mode: 'extended-passive',
      sessions: [{ label: 'main', client: r.client, server: `${server.host}:${server.port}`, dialog: r.dialog, replyCodes: r.replyCodes }],
      transfers: r.transfers,
      resets: [],
      notes: [`TLS secrets: ${name}.keylog (throw-away test keys)`, ...r.notes],
      story:
        `vsftpd ${server.version} with strict_ssl_read_eof=YES; a Node client logs in over explicit FTPS (TLS 1.2), PROT P, and uploads ${16 * KB} bytes over ` +
        `a TLS data connection which it then closes with a TCP FIN and no TLS close_notify. ${r.transfers.map(brief).join('; ')}: vsftpd cannot tell the upload was not cut short ` +
        'by an attacker\'s FIN, and says the transfer failed.',
    }),
  );
}

async function lftpTrace(c: Ctx): Promise<void> {
  const name = 'vsftpd-ftps-lftp';
  if (!lftpVersion()) {
    c.ctx.log(`${name}: lftp is not installed, skipped`);
    return;
  }
  const server = await startServer(c, { require_ssl_reuse: 'YES' });
  const filter = `tcp and host ${c.ns.serverAddr}`;
  const keyLog = keyLogFor(c, name);
  const cap = await c.ctx.capture(name, { iface: c.ns.clientIf, netns: c.ns.client, filter });
  const sessions: TruthSession[] = [];
  const transfers: TruthTransfer[] = [];
  const notes: string[] = [];
  const runs: Array<{ label: string; priority: string | null }> = [
    { label: 'lftp, GnuTLS defaults (TLS 1.3)', priority: null },
    { label: 'lftp, TLS 1.2 AES-128-CBC HMAC-SHA1 without encrypt-then-MAC', priority: 'NORMAL:-VERS-ALL:+VERS-TLS1.2:-CIPHER-ALL:+AES-128-CBC:-MAC-ALL:+SHA1:%NO_ETM' },
  ];
  for (const run of runs) {
    const r = await runLftpIn(c, server, keyLog, run.priority);
    sessions.push({ label: run.label, client: c.ns.clientAddr, server: `${server.host}:${server.port}`, dialog: r.transcript.steps, replyCodes: r.transcript.codes() });
    transfers.push(...transfersOf(r.transcript.steps, (cmd) => (/^RETR/i.test(cmd) ? { expectedBytes: DOWN_SIZE } : /^STOR/i.test(cmd) ? { expectedBytes: UP_SIZE, clientWrote: UP_SIZE } : {})));
    notes.push(`session "${run.label}": lftp exit ${r.exitCode}; ${r.debug.filter((l) => /TLS|SSL|Certificate|session/i.test(l)).slice(0, 3).join(' | ')}`);
  }
  const stats = await cap.stop();
  await server.stop();
  keepKeyLog(c, name, keyLog);
  c.ctx.writeTruth(
    name,
    realTruth('ftps-tls', stats, filter, server, {
      client: { software: 'lftp (GnuTLS), SSLKEYLOGFILE', version: lftpVersion() ?? 'unknown', address: c.ns.clientAddr },
      mode: 'passive',
      sessions,
      transfers,
      resets: [],
      notes: [`TLS secrets: ${name}.keylog (GnuTLS honours SSLKEYLOGFILE; throw-away test keys)`, ...notes],
      story: `vsftpd ${server.version} (require_ssl_reuse=YES) and lftp ${lftpVersion()} over explicit FTPS: ${sessions.map((s) => s.label).join('; ')}. ${transfers.map(brief).join('; ')}.`,
    }),
  );
}

function runLftpIn(c: Ctx, server: RunningServer, keyLog: string, priority: string | null) {
  const settings = ['set ftp:ssl-force true', 'set ftp:ssl-protect-data true', 'set ssl:verify-certificate no', 'set ftp:passive-mode true', ...(priority ? [`set ssl:priority "${priority}"`] : [])];
  return runLftp({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    commands: [...settings, `get ${DOWNLOAD} -o down-lftp.bin`, `put upload.bin -o ${server.uploadPrefix}up-lftp.bin`],
    cwd: c.work,
    netns: c.ns.client,
    env: { SSLKEYLOGFILE: keyLog },
  });
}
