// Scenarios 5 and 6: data connections ended by an RST from the client.
//  - upload-rst: the client sends part of a STOR, then closes the data socket with SO_LINGER 0
//    (Node's resetAndDestroy): the server sees a reset instead of end-of-file. Recorded on three
//    servers, because they disagree about what that means: some answer 426 and keep the partial
//    file, some answer 226 as if the upload had completed.
//  - download-rst: the client reads part of a RETR, stops reading (its window fills), then
//    resets the data connection: 426 when the server is still mid-file, 226 when the whole file
//    was already in the socket buffers.

import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { patternBytes, RawFtp } from '../lib/raw-ftp.ts';
import { sleep } from '../lib/cleanup.ts';
import { startFtpSrv } from '../lib/servers/ftp-srv.ts';
import { startPyftpdlib } from '../lib/servers/pyftpdlib.ts';
import type { RunningServer } from '../lib/servers/server.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import { transfer } from '../lib/session.ts';
import { codesOf, PY_INTERRUPT_CLIENT, runInterrupt } from '../lib/py-interrupt.ts';
import { KB, RAW_CLIENT, endpoint, hostFilter, loginAndSetup, realTruth, serverFileSize, sessionOf } from './common.ts';

type Starter = (ctx: ScenarioContext, host: string) => Promise<RunningServer>;

const UPLOAD_SERVERS: Array<{ trace: string; host: string; start: Starter }> = [
  { trace: 'vsftpd-upload-rst', host: '127.0.0.71', start: (ctx, host) => startVsftpd(ctx, { host }) },
  { trace: 'pyftpdlib-upload-rst', host: '127.0.0.72', start: (ctx, host) => startPyftpdlib(ctx, { host }) },
  { trace: 'ftpsrv-upload-rst', host: '127.0.0.73', start: (ctx, host) => startFtpSrv(ctx, { host }) },
];

const UPLOAD_SIZE = 128 * KB; // what the client meant to send
const UPLOAD_SENT = 48 * KB; //  what it sent before the reset

async function recordUploadRst(ctx: ScenarioContext, v: (typeof UPLOAD_SERVERS)[number]): Promise<void> {
  const server = await v.start(ctx, v.host);
  const filter = hostFilter(server.host);
  const cap = await ctx.capture(v.trace, { iface: 'lo', filter });
  const c = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  await loginAndSetup(c, server, { feat: false });
  const file = `${server.uploadPrefix}backup.tar`;
  const t = await transfer(c, `STOR ${file}`, { mode: 'passive', upload: patternBytes(UPLOAD_SIZE), resetAfter: UPLOAD_SENT, expectedBytes: UPLOAD_SIZE, finalTimeoutMs: 8000 });
  await sleep(300); // let the server finish writing what it got before we look at its disk
  t.serverFileSize = serverFileSize(server, file);
  await c.quit();
  const stats = await cap.stop();
  await server.stop();
  const final = t.replies.at(-1);
  ctx.writeTruth(v.trace, realTruth('upload-rst', stats, filter, server, {
    client: { ...RAW_CLIENT, address: '127.0.0.1' },
    mode: 'passive',
    sessions: [sessionOf('main', c, server)],
    transfers: [t],
    resets: [`client reset the STOR data connection (SO_LINGER 0) after writing ${t.clientWrote} of ${UPLOAD_SIZE} bytes`],
    story:
      `The client starts STOR ${file} (${UPLOAD_SIZE} B) over a passive data connection to ${server.software} ${server.version}, ` +
      `writes ${t.clientWrote} B, then closes the data socket with SO_LINGER 0, so the data connection ends with an RST from the client ` +
      `instead of a FIN. ${server.software} answers ${final === -1 ? 'nothing within 8 s' : final} on the control connection ` +
      `(${final === 226 ? 'it reports success although the upload was cut: only the RST in the trace shows the truncation' : final !== undefined && final >= 400 ? 'it reports the failed transfer' : 'no final reply'}) ` +
      `and ${t.serverFileSize === null ? 'keeps no file: it deleted the partial upload' : `keeps ${t.serverFileSize} bytes on disk`}. The client then sends QUIT.`,
  }));
}

// 1. vsftpd-download-rst: the Python client (16 KiB receive buffer) reads 32 KiB of an 8 MiB file,
//    stops reading for 300 ms, then closes the data socket with SO_LINGER 0: vsftpd is mid-file,
//    its write fails: 426.
// 2. vsftpd-download-rst-after-buffered: the raw Node client (default buffers) does the same with
//    a 96 KiB file; vsftpd has already handed the whole file to the kernel when the RST comes,
//    and reports 226 for a download the client never completed.
async function recordDownloadRst(ctx: ScenarioContext): Promise<void> {
  const name = 'vsftpd-download-rst';
  const size = 8 * 1024 * KB;
  const server = await startVsftpd(ctx, { host: '127.0.0.74', files: { 'image.iso': patternBytes(size) } });
  const filter = hostFilter(server.host);
  const cap = await ctx.capture(name, { iface: 'lo', filter });
  const r = await runInterrupt({ host: server.host, port: server.port, user: server.user, password: server.password, path: 'image.iso', readBefore: 32 * KB, mode: 'rst' });
  const stats = await cap.stop();
  await server.stop();
  const codes = codesOf(r.steps, 'RETR image.iso');
  ctx.writeTruth(
    name,
    realTruth('download-rst', stats, filter, server, {
      client: { software: PY_INTERRUPT_CLIENT, address: '127.0.0.1' },
      mode: 'passive',
      sessions: [{ label: 'main', client: r.controlClient, server: endpoint(server.host, server.port), dialog: r.steps, replyCodes: r.steps.flatMap((s) => s.replies.map((x) => x.code)) }],
      transfers: [{ command: 'RETR image.iso', mode: 'passive', dataServer: r.dataServer, dataClient: r.dataClient, expectedBytes: size, clientRead: r.bytesRead, dataEnd: 'rst-by-client', replies: codes, serverFileSize: serverFileSize(server, 'image.iso') }],
      resets: [`client stopped reading after ${r.bytesRead} B, waited 300 ms (its 16 KiB receive window filled), then reset the RETR data connection (SO_LINGER 0)`],
      story:
        `RETR image.iso (${size} B) from vsftpd ${server.version} in passive mode. The client reads ${r.bytesRead} B, stops reading for 300 ms — ` +
        `the server fills the client's small receive window and waits (zero window) — and resets the data connection with SO_LINGER 0. ` +
        `vsftpd's next write fails and it answers ${codes.slice(1).join(' ')} on the control connection. The file on the server is untouched. QUIT → 221.`,
    }),
  );
}

async function recordDownloadRstBuffered(ctx: ScenarioContext): Promise<void> {
  const name = 'vsftpd-download-rst-after-buffered';
  const size = 96 * KB;
  const server = await startVsftpd(ctx, { host: '127.0.0.75', files: { 'image.iso': patternBytes(size) } });
  const filter = hostFilter(server.host);
  const cap = await ctx.capture(name, { iface: 'lo', filter });
  const c = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  await loginAndSetup(c, server, { feat: false });
  const t = await transfer(c, 'RETR image.iso', { mode: 'passive', resetAfter: 1, stallMs: 300, expectedBytes: size, finalTimeoutMs: 8000 });
  t.serverFileSize = serverFileSize(server, 'image.iso');
  await c.quit();
  const stats = await cap.stop();
  await server.stop();
  const final = t.replies.at(-1);
  ctx.writeTruth(
    name,
    realTruth('download-rst', stats, filter, server, {
      client: { ...RAW_CLIENT, address: '127.0.0.1' },
      mode: 'passive',
      sessions: [sessionOf('main', c, server)],
      transfers: [t],
      resets: [`client stopped reading after ${t.clientRead} B, waited 300 ms, then reset the RETR data connection (SO_LINGER 0)`],
      story:
        `RETR image.iso (${size} B, small enough to sit whole in the socket buffers) from vsftpd ${server.version}. The client reads the first ` +
        `${t.clientRead} B, stops reading for 300 ms and resets the data connection with SO_LINGER 0. vsftpd answers ${final}` +
        (final === 226
          ? ': it had already handed the whole file to the kernel, so it reports success for a download the client never completed; only the RST, and the client\'s ACKs short of the file size, tell the truth.'
          : '.') +
        ` QUIT → 221.`,
    }),
  );
}

export const uploadRst: Scenario = {
  name: 'upload-rst',
  title: 'STOR cut by a client RST (SO_LINGER 0) on vsftpd, pyftpdlib and ftp-srv: 426 or 226, partial file kept',
  traces: UPLOAD_SERVERS.map((s) => s.trace),
  async run(ctx) {
    for (const v of UPLOAD_SERVERS) await recordUploadRst(ctx, v);
  },
};

export const downloadRst: Scenario = {
  name: 'download-rst',
  title: 'RETR from vsftpd reset by the client midway (after a zero window): 426, and 226 when the file was all buffered',
  traces: ['vsftpd-download-rst', 'vsftpd-download-rst-after-buffered'],
  async run(ctx) {
    await recordDownloadRst(ctx);
    await recordDownloadRstBuffered(ctx);
  },
};
