// Scenario 13: the client half-closes the control connection (shutdown(SHUT_WR): a FIN) right
// after sending RETR, while the server still has the transfer and its replies to send. Servers
// differ: vsftpd finishes the transfer, sends 226, then sees the EOF and closes; pyftpdlib
// notices the EOF at once and drops the session.

import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { connectTcp, patternBytes, RawFtp, readData } from '../lib/raw-ftp.ts';
import { startPyftpdlib } from '../lib/servers/pyftpdlib.ts';
import type { RunningServer } from '../lib/servers/server.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import type { TruthTransfer } from '../lib/truth.ts';
import { KB, RAW_CLIENT, hostFilter, loginAndSetup, realTruth, serverFileSize, sessionOf } from './common.ts';

const SIZE = 96 * KB;

const VARIANTS: Array<{ trace: string; host: string; start: (ctx: ScenarioContext, host: string) => Promise<RunningServer> }> = [
  { trace: 'vsftpd-control-half-close', host: '127.0.0.111', start: (ctx, host) => startVsftpd(ctx, { host, files: { 'log.tgz': patternBytes(SIZE) } }) },
  { trace: 'pyftpdlib-control-half-close', host: '127.0.0.112', start: (ctx, host) => startPyftpdlib(ctx, { host, files: { 'log.tgz': patternBytes(SIZE) } }) },
];

async function record(ctx: ScenarioContext, v: (typeof VARIANTS)[number]): Promise<void> {
  const server = await v.start(ctx, v.host);
  const filter = hostFilter(server.host);
  const cap = await ctx.capture(v.trace, { iface: 'lo', filter });
  const c = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  await loginAndSetup(c, server, { feat: false });
  const p = await c.pasv();
  const data = await connectTcp(p.host, p.port);
  c.send('RETR log.tgz');
  c.socket.end(); // FIN right behind the command: shutdown(SHUT_WR), reading goes on
  const d = await readData(data);
  await c.waitClosed(5000);
  const codes = c.transcript.steps.at(-1)!.replies.map((r) => r.code);
  const stats = await cap.stop();
  await server.stop();
  const t: TruthTransfer = {
    command: 'RETR log.tgz',
    mode: 'passive',
    dataServer: `${p.host}:${p.port}`,
    expectedBytes: SIZE,
    clientRead: d.bytes,
    dataEnd: d.end,
    replies: codes,
    serverFileSize: serverFileSize(server, 'log.tgz'),
  };
  ctx.writeTruth(
    v.trace,
    realTruth('control-half-close', stats, filter, server, {
      client: { ...RAW_CLIENT, address: '127.0.0.1' },
      mode: 'passive',
      sessions: [sessionOf('main', c, server)],
      transfers: [t],
      resets: [],
      notes: ['the client sent FIN on the control connection right after "RETR log.tgz\\r\\n" (half-close) and kept reading both connections'],
      story:
        `After login and PASV, the client sends RETR log.tgz (${SIZE} B) and immediately half-closes the control connection (FIN), ` +
        `still reading. ${server.software} ${server.version} replies ${codes.length ? codes.join(' ') : 'nothing'} after the FIN; the client reads ` +
        `${d.bytes} of ${SIZE} B on the data connection (${d.end}), and the server then closes the control connection (${c.closedBy}).` +
        (d.bytes < SIZE && !codes.includes(226)
          ? ` The download is silently truncated: the server gave up on the session when it read the FIN and closed the data connection ` +
            `normally (FIN) after ${d.bytes} B, with no 226 and no 4xx: only the byte count short of the file size shows it.`
          : ' The transfer completes normally despite the half-closed control connection.'),
    }),
  );
}

export const controlHalfClose: Scenario = {
  name: 'control-half-close',
  title: 'client FIN on the control connection right after RETR (vsftpd finishes, pyftpdlib drops)',
  traces: VARIANTS.map((v) => v.trace),
  async run(ctx) {
    for (const v of VARIANTS) await record(ctx, v);
  },
};
