// Scenario 3: IPv6 on ::1 against vsftpd (listen_ipv6): EPSV for downloads, EPRT for uploads
// (RFC 2428). Active data connections come from [::1]:20 (connect_from_port_20=YES). The
// capture filter names every port in advance (control, passive range, 20, the client's EPRT
// ports) because other programs may use ::1 at the same time.

import type { Scenario } from '../lib/context.ts';
import { freePort, freeRange } from '../lib/net-util.ts';
import { RawFtp } from '../lib/raw-ftp.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import { transfer } from '../lib/session.ts';
import { baseName, captureSection, type TruthTransfer } from '../lib/truth.ts';
import { RAW_CLIENT, brief, cleanFiles, loginAndSetup, serverFileSize, sessionOf } from './common.ts';

export const ipv6: Scenario = {
  name: 'ipv6',
  title: 'vsftpd on ::1: EPSV (LIST, RETR) and EPRT (STOR, APPE)',
  traces: ['vsftpd-ipv6-epsv-eprt'],
  async run(ctx) {
    const name = 'vsftpd-ipv6-epsv-eprt';
    const host = '::1';
    // is there IPv6 loopback at all?
    await freePort(host).catch(() => ctx.skip('no IPv6 loopback (::1) on this machine'));
    const files = cleanFiles('incoming/');
    const [pasvMin, pasvMax] = await freeRange(host, 20);
    const server = await startVsftpd(ctx, {
      host,
      connectFromPort20: true,
      files: { [files.download.name]: files.download.data },
      extra: { pasv_min_port: String(pasvMin), pasv_max_port: String(pasvMax) },
    });
    const p1 = await freePort(host);
    let p2 = await freePort(host);
    while (p2 === p1) p2 = await freePort(host);
    const filter = `tcp and ip6 host ::1 and (port ${server.port} or port 20 or portrange ${pasvMin}-${pasvMax} or port ${p1} or port ${p2})`;
    const cap = await ctx.capture(name, { iface: 'lo', filter });
    const c = await RawFtp.connect({ host, port: server.port });
    await loginAndSetup(c, server);
    const transfers: TruthTransfer[] = [];
    transfers.push(await transfer(c, 'LIST', { mode: 'extended-passive' }));
    transfers.push(await transfer(c, `RETR ${files.download.name}`, { mode: 'extended-passive', expectedBytes: files.download.data.length }));
    transfers.at(-1)!.serverFileSize = serverFileSize(server, files.download.name);
    transfers.push(await transfer(c, `STOR ${files.upload.name}`, { mode: 'extended-active', activePort: p1, upload: files.upload.data, expectedBytes: files.upload.data.length }));
    transfers.at(-1)!.serverFileSize = serverFileSize(server, files.upload.name);
    transfers.push(await transfer(c, `APPE ${files.upload.name}`, { mode: 'extended-active', activePort: p2, upload: files.append, expectedBytes: files.append.length }));
    transfers.at(-1)!.serverFileSize = serverFileSize(server, files.upload.name);
    await c.quit();
    const stats = await cap.stop();
    await server.stop();
    ctx.writeTruth(name, {
      trace: baseName(stats.file),
      scenario: 'ipv6',
      crafted: false,
      recordedAt: new Date().toISOString(),
      capture: captureSection(stats, filter),
      server: { software: server.software, version: server.version, address: host, port: server.port, config: server.config },
      client: { ...RAW_CLIENT, address: '::1' },
      mode: 'extended-passive+extended-active',
      sessions: [sessionOf('main', c, server)],
      transfers,
      resets: [],
      serverLog: server.logLines(),
      story:
        `An IPv6 session on ::1 with vsftpd ${server.version}: anonymous login, then EPSV → 229 (|||port|) for ` +
        `${transfers.slice(0, 2).map(brief).join(' and ')}, and EPRT |2|::1|port| → 200 for ${transfers.slice(2).map(brief).join(' and ')}; ` +
        `vsftpd opens the EPRT data connections from [::1]:20. QUIT → 221.`,
    });
  },
};
