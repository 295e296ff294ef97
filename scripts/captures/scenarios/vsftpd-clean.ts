// Scenario 2: clean sessions against vsftpd with the raw client, in three data modes:
// passive (PASV), active with connect_from_port_20=YES (data from port 20, the classic), and
// active with connect_from_port_20=NO (data from a random port: firewalls that expect 20 break).

import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { RawFtp } from '../lib/raw-ftp.ts';
import type { DataMode } from '../lib/session.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import { RAW_CLIENT, brief, cleanFiles, cleanSession, hostFilter, loginAndSetup, realTruth, sessionOf } from './common.ts';

interface Variant {
  trace: string;
  host: string;
  mode: DataMode;
  port20: boolean;
  what: string;
}

const VARIANTS: Variant[] = [
  { trace: 'vsftpd-passive-clean', host: '127.0.0.21', mode: 'passive', port20: false, what: 'passive mode (PASV/227)' },
  { trace: 'vsftpd-active-port20-clean', host: '127.0.0.22', mode: 'active', port20: true, what: 'active mode (PORT), data connections from port 20 (connect_from_port_20=YES)' },
  { trace: 'vsftpd-active-anyport-clean', host: '127.0.0.23', mode: 'active', port20: false, what: 'active mode (PORT), data connections from a random server port (connect_from_port_20=NO)' },
];

async function record(ctx: ScenarioContext, v: Variant): Promise<void> {
  const files = cleanFiles('incoming/');
  const server = await startVsftpd(ctx, { host: v.host, connectFromPort20: v.port20, files: { [files.download.name]: files.download.data } });
  const filter = hostFilter(v.host);
  const cap = await ctx.capture(v.trace, { iface: 'lo', filter });
  const c = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  await loginAndSetup(c, server);
  const transfers = await cleanSession(c, server, files, v.mode);
  const stats = await cap.stop();
  await server.stop();
  ctx.writeTruth(v.trace, realTruth('vsftpd-clean', stats, filter, server, {
    client: { ...RAW_CLIENT, address: '127.0.0.1' },
    mode: v.mode,
    sessions: [sessionOf('main', c, server)],
    transfers,
    resets: [],
    story:
      `A clean anonymous vsftpd ${server.version} session in ${v.what}: login, SYST, FEAT, PWD, TYPE I, then ` +
      `${transfers.map(brief).join('; ')}; QUIT → 221. Every transfer ends with 226 and its data connection closes with FINs; ` +
      `the uploaded file holds STOR + APPE bytes (${transfers[3]?.serverFileSize} B). vsftpd 3.0.3 has no MLSD: it answers 500.`,
  }));
  ctx.log(`${v.trace}: ${stats.packetsCaptured} packets, ${stats.bytes} B`);
}

export const vsftpdClean: Scenario = {
  name: 'vsftpd-clean',
  title: 'vsftpd: LIST/RETR/STOR/APPE/MLSD in passive, active from port 20, active from a random port',
  traces: VARIANTS.map((v) => v.trace),
  async run(ctx) {
    for (const v of VARIANTS) await record(ctx, v);
  },
};
