// Scenario 2 (proftpd, pure-ftpd) + 16 (Linux cooked capture). Both servers come from Debian
// packages unpacked into a cache (see lib/servers/debian-extract.ts); skipped when that fails.
//  - proftpd + basic-ftp, recorded with `tcpdump -i any` → LINUX_SLL2 link type.
//  - pure-ftpd + raw client mixing all four data modes in one session (PASV, EPSV, PORT, EPRT).

import { basicFtpVersion, runBasicFtp } from '../lib/basic-ftp-session.ts';
import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { RawFtp } from '../lib/raw-ftp.ts';
import { startProftpd } from '../lib/servers/proftpd.ts';
import { startPureFtpd } from '../lib/servers/pure-ftpd.ts';
import { transfer } from '../lib/session.ts';
import type { TruthTransfer } from '../lib/truth.ts';
import { RAW_CLIENT, brief, cleanFiles, endpoint, hostFilter, loginAndSetup, noteServerSizes, realTruth, serverFileSize, sessionOf } from './common.ts';

async function proftpd(ctx: ScenarioContext): Promise<void> {
  const name = 'proftpd-basicftp-sll2-clean';
  const files = cleanFiles('incoming/');
  const server = await startProftpd(ctx, { host: '127.0.0.51', files: { [files.download.name]: files.download.data } });
  const filter = hostFilter(server.host);
  const cap = await ctx.capture(name, { iface: 'any', filter });
  const r = await runBasicFtp({
    host: server.host,
    port: server.port,
    user: server.user,
    password: server.password,
    download: { name: files.download.name, size: files.download.data.length },
    upload: files.upload,
    append: files.append,
  });
  const stats = await cap.stop();
  await server.stop();
  noteServerSizes(r.transfers, server, files);
  ctx.writeTruth(name, realTruth('other-servers-clean', stats, filter, server, {
    client: { software: 'basic-ftp', version: basicFtpVersion(), address: '127.0.0.1' },
    mode: 'extended-passive',
    sessions: [{ label: 'main', client: '127.0.0.1', server: endpoint(server.host, server.port), dialog: r.transcript.steps, replyCodes: r.transcript.codes() }],
    transfers: r.transfers,
    resets: [],
    notes: [
      'captured on the "any" pseudo-interface: Linux cooked capture v2 (SLL2) link headers, no Ethernet',
      ...(r.errors.length ? [`client errors: ${r.errors.join('; ')}`] : []),
    ],
    story:
      `basic-ftp ${basicFtpVersion()} against proftpd ${server.version} (anonymous, uploads into incoming/), captured with tcpdump -i any ` +
      `so every frame has a Linux cooked (SLL2) header. proftpd's FEAT lists MLST, so basic-ftp lists with MLSD; every data connection ` +
      `uses EPSV: ${r.transfers.map(brief).join('; ')}. basic-ftp closes with QUIT and FIN without waiting for the 221.`,
  }));
}

async function pureftpd(ctx: ScenarioContext): Promise<void> {
  const name = 'pureftpd-mixed-modes-clean';
  const files = cleanFiles();
  const server = await startPureFtpd(ctx, { host: '127.0.0.61', files: { [files.download.name]: files.download.data } });
  const filter = hostFilter(server.host);
  const cap = await ctx.capture(name, { iface: 'lo', filter });
  const c = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  await loginAndSetup(c, server);
  const transfers: TruthTransfer[] = [];
  transfers.push(await transfer(c, 'LIST', { mode: 'passive' }));
  transfers.push(await transfer(c, `RETR ${files.download.name}`, { mode: 'extended-passive', expectedBytes: files.download.data.length }));
  transfers.at(-1)!.serverFileSize = serverFileSize(server, files.download.name);
  transfers.push(await transfer(c, `STOR ${files.upload.name}`, { mode: 'active', upload: files.upload.data, expectedBytes: files.upload.data.length }));
  transfers.at(-1)!.serverFileSize = serverFileSize(server, files.upload.name);
  transfers.push(await transfer(c, `APPE ${files.upload.name}`, { mode: 'extended-active', upload: files.append, expectedBytes: files.append.length }));
  transfers.at(-1)!.serverFileSize = serverFileSize(server, files.upload.name);
  transfers.push(await transfer(c, 'MLSD', { mode: 'passive' }));
  await c.quit();
  const stats = await cap.stop();
  await server.stop();
  ctx.writeTruth(name, realTruth('other-servers-clean', stats, filter, server, {
    client: { ...RAW_CLIENT, address: '127.0.0.1' },
    mode: 'passive+extended-passive+active+extended-active',
    sessions: [sessionOf('main', c, server)],
    transfers,
    resets: [],
    story:
      `The raw client against pure-ftpd ${server.version} (virtual user ftpdiag, chrooted), one data mode per transfer: ` +
      `${transfers.map((t) => `${brief(t)} [${t.mode}]`).join('; ')}. pure-ftpd answers with multi-line 150-/226- replies ` +
      `and a multi-line 221 goodbye with the session's byte totals.`,
  }));
}

export const otherServersClean: Scenario = {
  name: 'other-servers-clean',
  title: 'proftpd + basic-ftp (tcpdump -i any: SLL2) and pure-ftpd + raw client in PASV/EPSV/PORT/EPRT',
  traces: ['proftpd-basicftp-sll2-clean', 'pureftpd-mixed-modes-clean'],
  async run(ctx) {
    await proftpd(ctx);
    await pureftpd(ctx);
  },
};
