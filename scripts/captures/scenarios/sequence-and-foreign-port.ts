// Two refusals engineers meet less often, against a real vsftpd:
//  - RNTO without RNFR → 503 (bad sequence of commands, RFC 959 §4.1.3);
//  - PORT naming another host than the client's own (127.0.0.96 while the client talks from
//    127.0.0.1): what an FTP bounce, a wrong "external IP" client setting or an ALG that rewrote
//    only one side looks like. vsftpd refuses that by default; with port_promiscuous=YES it
//    connects there, and the RETR's data goes to the other host.

import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { RawFtp } from '../lib/raw-ftp.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import { transfer } from '../lib/session.ts';
import { RAW_CLIENT, hostFilter, loginAndSetup, realTruth, sessionOf } from './common.ts';

const FILE = Buffer.from('quarterly figures\n'.repeat(400));

async function run(ctx: ScenarioContext): Promise<void> {
  const name = 'vsftpd-503-and-foreign-port';
  const foreign = '127.0.0.96'; // the "other host" the PORT names; the client listens there
  const server = await startVsftpd(ctx, { host: '127.0.0.95', files: { 'report.txt': FILE }, extra: { port_promiscuous: 'YES' } });
  const filter = hostFilter(server.host, foreign);
  const cap = await ctx.capture(name, { iface: 'lo', filter });
  const c = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  await loginAndSetup(c, server, { feat: false });
  const rnto = await c.cmd('RNTO renamed.txt');
  const t = await transfer(c, 'RETR report.txt', { mode: 'active', activeHost: foreign, expectedBytes: FILE.length });
  await c.quit();
  const stats = await cap.stop();
  await server.stop();
  ctx.writeTruth(
    name,
    realTruth('sequence-and-foreign-port', stats, filter, server, {
      client: { ...RAW_CLIENT, address: '127.0.0.1' },
      mode: 'active',
      sessions: [sessionOf('main', c, server)],
      transfers: [t],
      resets: [],
      notes: ['vsftpd runs with port_promiscuous=YES, so it accepts a PORT naming another host than the client'],
      story:
        `vsftpd ${server.version}: after an anonymous login the client sends RNTO without RNFR → ${rnto.code} ("${rnto.text}"). ` +
        `Then PORT names ${foreign}, not the client's own 127.0.0.1; with port_promiscuous=YES vsftpd accepts it and ` +
        `RETR report.txt (${FILE.length} B) → ${t.replies.join(' ')}: the data went to ${foreign}. QUIT → 221.`,
    }),
  );
}

export const sequenceAndForeignPort: Scenario = {
  name: 'sequence-and-foreign-port',
  title: 'vsftpd: RNTO without RNFR (503); PORT naming another host (port_promiscuous)',
  traces: ['vsftpd-503-and-foreign-port'],
  run,
};
