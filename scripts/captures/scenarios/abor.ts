// Scenario 7: ABOR during a RETR, from a Python client (py/retr_interrupt.py: Node cannot send
// TCP urgent data, nor shrink a socket's receive buffer).
//  - vsftpd-abor-urgent: the RFC 959 way: Telnet IP (IAC IP) and Telnet Synch (IAC, then DM as
//    urgent data: URG flag + urgent pointer), then "ABOR". vsftpd needs async_abor_enable=YES to
//    look at the control connection during a transfer; it answers 426 then 226.
//  - pyftpdlib-abor-plain: a plain "ABOR" line, no Telnet signals.
// In both the client has read 32 KiB and stopped reading, so the server is blocked on a full
// (16 KiB) window when the ABOR arrives: the transfer really is in flight.

import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { codesOf, PY_INTERRUPT_CLIENT, runInterrupt, type InterruptMode } from '../lib/py-interrupt.ts';
import { patternBytes } from '../lib/raw-ftp.ts';
import { startPyftpdlib } from '../lib/servers/pyftpdlib.ts';
import type { RunningServer } from '../lib/servers/server.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import type { TruthTransfer } from '../lib/truth.ts';
import { KB, endpoint, hostFilter, realTruth, serverFileSize } from './common.ts';

const SIZE = 4 * 1024 * KB;

interface Variant {
  trace: string;
  mode: InterruptMode;
  start: (ctx: ScenarioContext) => Promise<RunningServer>;
  how: string;
}

const VARIANTS: Variant[] = [
  {
    trace: 'vsftpd-abor-urgent',
    mode: 'urgent',
    // async_abor_enable: without it vsftpd reads the control connection only after the transfer
    start: (ctx) => startVsftpd(ctx, { host: '127.0.0.81', files: { 'dump.sql': patternBytes(SIZE) }, extra: { async_abor_enable: 'YES' } }),
    how: 'the RFC 959 way: Telnet IP (FF F4) and Telnet Synch (FF, then F2 sent as TCP urgent data: URG flag and urgent pointer) followed by ABOR',
  },
  {
    trace: 'pyftpdlib-abor-plain',
    mode: 'plain',
    start: (ctx) => startPyftpdlib(ctx, { host: '127.0.0.82', files: { 'dump.sql': patternBytes(SIZE) } }),
    how: 'with a plain ABOR line, no Telnet IP/Synch',
  },
];

async function record(ctx: ScenarioContext, v: Variant): Promise<void> {
  const server = await v.start(ctx);
  const filter = hostFilter(server.host);
  const cap = await ctx.capture(v.trace, { iface: 'lo', filter });
  const r = await runInterrupt({ host: server.host, port: server.port, user: server.user, password: server.password, path: 'dump.sql', readBefore: 32 * KB, mode: v.mode });
  const stats = await cap.stop();
  await server.stop();
  const abor = codesOf(r.steps, 'ABOR');
  const t: TruthTransfer = {
    command: 'RETR dump.sql',
    mode: 'passive',
    dataServer: r.dataServer,
    dataClient: r.dataClient,
    expectedBytes: SIZE,
    clientRead: r.bytesRead,
    dataEnd: 'client closed it after the ABOR replies without reading the rest (unread data: RST)',
    // RFC 959 §4.1.3: the server answers the aborted RETR with 426, then ABOR itself with 226.
    // The transcript files replies under the last command sent, so both arrive under ABOR: the
    // first belongs to the RETR.
    replies: [...codesOf(r.steps, 'RETR dump.sql'), ...abor.slice(0, abor.length - 1)],
    serverFileSize: serverFileSize(server, 'dump.sql'),
  };
  ctx.writeTruth(
    v.trace,
    realTruth('abor', stats, filter, server, {
      client: { software: PY_INTERRUPT_CLIENT, address: '127.0.0.1' },
      mode: 'passive',
      sessions: [{ label: 'main', client: r.controlClient, server: endpoint(server.host, server.port), dialog: r.steps, replyCodes: r.steps.flatMap((s) => s.replies.map((x) => x.code)) }],
      transfers: [t],
      resets: ['the client closed the data socket with unread data after the ABOR replies: its kernel sent an RST'],
      notes: v.mode === 'urgent' ? ['the pseudo-command "<IAC IP IAC>+<urgent DM>" stands for the bytes FF F4 FF sent normally, then F2 sent with MSG_OOB, right before "ABOR\\r\\n"'] : [],
      story:
        `RETR dump.sql (${SIZE} B) from ${server.software} ${server.version} in passive mode. The client reads ${r.bytesRead} B, stops reading for 300 ms ` +
        `(the server fills the small window and waits), then aborts ${v.how}. ${server.software} answers ${abor.join(' then ')} ` +
        `(426 for the interrupted RETR, then 226 for the ABOR itself). The client closes its end of the data connection without reading what was ` +
        `still on the way. QUIT → 221.`,
    }),
  );
}

export const abor: Scenario = {
  name: 'abor',
  title: 'ABOR during RETR: RFC 959 urgent Telnet IP/Synch to vsftpd, plain ABOR to pyftpdlib (Python client)',
  traces: VARIANTS.map((v) => v.trace),
  async run(ctx) {
    for (const v of VARIANTS) await record(ctx, v);
  },
};
