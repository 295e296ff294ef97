// Scenario 1: the in-process Node pair. ftp-srv serves on a high port (no port 21: only the
// content says FTP). basic-ftp does the passive session (it prefers EPSV even over IPv4); the raw
// client does the active one (basic-ftp has no active mode).

import { runBasicFtp, basicFtpVersion } from '../lib/basic-ftp-session.ts';
import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { RawFtp } from '../lib/raw-ftp.ts';
import { startFtpSrv } from '../lib/servers/ftp-srv.ts';
import { RAW_CLIENT, brief, cleanFiles, cleanSession, endpoint, hostFilter, loginAndSetup, realTruth, serverFileSize, sessionOf } from './common.ts';

async function passive(ctx: ScenarioContext): Promise<void> {
  const name = 'ftpsrv-basicftp-passive-clean';
  const files = cleanFiles();
  const server = await startFtpSrv(ctx, { host: '127.0.0.31', files: { [files.download.name]: files.download.data } });
  const filter = hostFilter(server.host);
  const cap = await ctx.capture(name, { iface: 'lo', filter });
  const r = await runBasicFtp({
    host: server.host,
    port: server.port,
    user: 'anonymous',
    password: 'guest',
    download: { name: files.download.name, size: files.download.data.length },
    upload: files.upload,
    append: files.append,
    tryMlsd: true,
  });
  const stats = await cap.stop();
  await server.stop();
  const up = serverFileSize(server, files.upload.name);
  for (const t of r.transfers) if (/^(STOR|APPE|RETR) /.test(t.command)) t.serverFileSize = serverFileSize(server, t.command.slice(5));
  // sizes after each step: STOR wrote the upload, APPE added to it (only the end state is on disk)
  const stor = r.transfers.find((t) => t.command.startsWith('STOR '));
  if (stor && up !== null) stor.serverFileSize = up - files.append.length;
  ctx.writeTruth(name, realTruth('ftpsrv-clean', stats, filter, server, {
    client: { software: 'basic-ftp', version: basicFtpVersion(), address: '127.0.0.1' },
    mode: 'extended-passive',
    sessions: [{ label: 'main', client: '127.0.0.1', server: endpoint(server.host, server.port), dialog: r.transcript.steps, replyCodes: r.transcript.codes() }],
    transfers: r.transfers,
    resets: [],
    notes: r.errors.length ? [`client errors: ${r.errors.join('; ')}`] : [],
    story:
      `basic-ftp ${basicFtpVersion()} against ftp-srv ${server.version} on port ${server.port} (not 21). Anonymous USER gets 230 at once ` +
      `(ftp-srv skips PASS for anonymous). basic-ftp asks FEAT, sets TYPE I and uses EPSV (229) for every data connection even over IPv4: ` +
      `${r.transfers.map(brief).join('; ')}. ftp-srv has no MLSD, so the explicit MLSD is refused (${r.transfers.find((t) => t.command === 'MLSD')?.replies.join(' ') ?? 'not sent'}) ` +
      `while its EPSV data connection was already open. QUIT → 221.`,
  }));
}

async function active(ctx: ScenarioContext): Promise<void> {
  const name = 'ftpsrv-active-clean';
  const files = cleanFiles();
  const server = await startFtpSrv(ctx, { host: '127.0.0.32', files: { [files.download.name]: files.download.data } });
  // ftp-srv connects back from 127.0.0.1 (the kernel's choice for a loopback destination), not
  // from its listening address: the client gets an address of its own so the filter catches the
  // data connections by their destination.
  const clientHost = '127.0.0.33';
  const filter = hostFilter(server.host, clientHost);
  const cap = await ctx.capture(name, { iface: 'lo', filter });
  const c = await RawFtp.connect({ host: server.host, port: server.port, localAddress: clientHost });
  await loginAndSetup(c, { ...server, user: 'anonymous' });
  const transfers = await cleanSession(c, server, files, 'active');
  const stats = await cap.stop();
  await server.stop();
  ctx.writeTruth(name, realTruth('ftpsrv-clean', stats, filter, server, {
    client: { ...RAW_CLIENT, address: clientHost },
    mode: 'active',
    sessions: [sessionOf('main', c, server)],
    transfers,
    resets: [],
    story:
      `The raw client against ftp-srv ${server.version} on port ${server.port} in active mode: USER anonymous → 230 directly, SYST, FEAT, PWD, TYPE I, ` +
      `then for each transfer PORT → 200 and ftp-srv connects back from a random port: ${transfers.map(brief).join('; ')}; QUIT → 221.`,
  }));
}

export const ftpsrvClean: Scenario = {
  name: 'ftpsrv-clean',
  title: 'ftp-srv + basic-ftp (EPSV) and ftp-srv + raw client (PORT): LIST/RETR/STOR/APPE/MLSD',
  traces: ['ftpsrv-basicftp-passive-clean', 'ftpsrv-active-clean'],
  async run(ctx) {
    await passive(ctx);
    await active(ctx);
  },
};
