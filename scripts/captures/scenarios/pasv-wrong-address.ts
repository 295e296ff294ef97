// Scenario 12: a 227 reply that names an address the server does not listen on.
//  - vsftpd-pasv-wrong-address: pasv_address=127.0.0.9 (a NAT/masquerade setting gone wrong).
//    The client's connect to 127.0.0.9 is refused (RST); it then does what FileZilla does with a
//    suspicious 227 — retries the data connection to the control connection's address — which
//    works, and the RETR completes.
//  - ftpsrv-pasv-client-address: ftp-srv 4.6 answers PASV from a loopback/private client with
//    the client's own address (127.0.0.1) although it listens on 127.0.0.102. The client's
//    connect is refused; it sends RETR anyway, and ftp-srv gives up waiting: 425.

import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { connectTcp, patternBytes, RawFtp, readData } from '../lib/raw-ftp.ts';
import { startFtpSrv } from '../lib/servers/ftp-srv.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import type { TruthTransfer } from '../lib/truth.ts';
import { KB, RAW_CLIENT, loginAndSetup, realTruth, serverFileSize, sessionOf } from './common.ts';

async function tryConnect(host: string, port: number): Promise<{ ok: true; sock: import('node:net').Socket } | { ok: false; error: string }> {
  try {
    return { ok: true, sock: await connectTcp(host, port) };
  } catch (e) {
    return { ok: false, error: (e as Error).message };
  }
}

async function vsftpdMasquerade(ctx: ScenarioContext): Promise<void> {
  const name = 'vsftpd-pasv-wrong-address';
  const size = 48 * KB;
  const server = await startVsftpd(ctx, { host: '127.0.0.101', pasvAddress: '127.0.0.9', files: { 'invoice.pdf': patternBytes(size) } });
  const filter = `tcp and (host ${server.host} or host 127.0.0.9)`;
  const cap = await ctx.capture(name, { iface: 'lo', filter });
  const c = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  await loginAndSetup(c, server, { feat: false });
  const p = await c.pasv();
  const first = await tryConnect(p.host, p.port);
  if (first.ok) first.sock.destroy(); // should not happen: nothing listens on 127.0.0.9
  const second = await tryConnect(server.host, p.port);
  const t: TruthTransfer = { command: 'RETR invoice.pdf', mode: 'passive', dataServer: `${p.host}:${p.port}`, expectedBytes: size, replies: [] };
  if (second.ok) {
    t.dataServer = `${server.host}:${p.port} (after ${p.host}:${p.port} was refused)`;
    const r1 = await c.cmd('RETR invoice.pdf');
    t.replies.push(r1.code);
    const d = await readData(second.sock);
    t.clientRead = d.bytes;
    t.dataEnd = d.end;
    t.replies.push((await c.reply()).code);
  } else t.dataEnd = `both connects failed: ${second.error}`;
  t.serverFileSize = serverFileSize(server, 'invoice.pdf');
  await c.quit();
  const stats = await cap.stop();
  await server.stop();
  ctx.writeTruth(
    name,
    realTruth('pasv-wrong-address', stats, filter, server, {
      client: { ...RAW_CLIENT, address: '127.0.0.1' },
      mode: 'passive',
      sessions: [sessionOf('main', c, server)],
      transfers: [t],
      resets: [`the kernel refused the client's SYN to ${p.host}:${p.port} with an RST (nothing listens on ${p.host})`],
      notes: [first.ok ? 'unexpected: the first connect succeeded' : `first connect: ${first.error}`],
      story:
        `vsftpd ${server.version} listens on ${server.host} but is configured with pasv_address=127.0.0.9, so PASV → 227 (${p.host}:${p.port}). ` +
        `The client's SYN to ${p.host}:${p.port} is answered with an RST (connection refused). Like FileZilla with a suspicious 227, the client then ` +
        `connects to the same port on the control connection's address (${server.host}), which works: RETR invoice.pdf → ${t.replies.join(' ')}, ` +
        `${t.clientRead} B received. The trace shows a data connection whose address differs from the one the 227 announced. QUIT → 221.`,
    }),
  );
}

async function ftpsrvQuirk(ctx: ScenarioContext): Promise<void> {
  const name = 'ftpsrv-pasv-client-address';
  const server = await startFtpSrv(ctx, { host: '127.0.0.102', pasvQuirk: true, files: { 'invoice.pdf': patternBytes(16 * KB) } });
  const { pasv_min: lo, pasv_max: hi } = server.config as { pasv_min: number; pasv_max: number };
  const filter = `tcp and (host ${server.host} or (host 127.0.0.1 and portrange ${lo}-${hi}))`;
  const cap = await ctx.capture(name, { iface: 'lo', filter });
  const c = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  await loginAndSetup(c, server, { feat: false });
  const p = await c.pasv();
  const first = await tryConnect(p.host, p.port);
  if (first.ok) first.sock.destroy();
  const retr = await c.cmdFinal('RETR invoice.pdf').catch((e: Error) => [{ code: -1, text: e.message }]);
  await c.quit();
  const stats = await cap.stop();
  await server.stop();
  ctx.writeTruth(
    name,
    realTruth('pasv-wrong-address', stats, filter, server, {
      client: { ...RAW_CLIENT, address: '127.0.0.1' },
      mode: 'passive',
      sessions: [sessionOf('main', c, server)],
      transfers: [{ command: 'RETR invoice.pdf', mode: 'passive', dataServer: `${p.host}:${p.port}`, dataEnd: first.ok ? 'connected (unexpected)' : `refused: ${first.error}`, replies: retr.map((r) => r.code), serverFileSize: serverFileSize(server, 'invoice.pdf') }],
      resets: [`the kernel refused the client's SYN to ${p.host}:${p.port} with an RST (ftp-srv listens for it on ${server.host} only)`],
      story:
        `ftp-srv ${server.version} listens on ${server.host}:${server.port}; with pasv_url given as a string it answers PASV from a loopback client ` +
        `with the client's own address: 227 (${p.host}:${p.port}). The client's connect there is refused (RST). It sends RETR invoice.pdf anyway; ` +
        `ftp-srv waits for a data connection that never comes and answers ${retr.map((r) => r.code).join(' ')} ("${retr.at(-1)?.text}"). QUIT → 221.`,
    }),
  );
}

export const pasvWrongAddress: Scenario = {
  name: 'pasv-wrong-address',
  title: '227 with an address nobody listens on: vsftpd pasv_address (client falls back), ftp-srv client-address quirk (425)',
  traces: ['vsftpd-pasv-wrong-address', 'ftpsrv-pasv-client-address'],
  async run(ctx) {
    await vsftpdMasquerade(ctx);
    await ftpsrvQuirk(ctx);
  },
};
