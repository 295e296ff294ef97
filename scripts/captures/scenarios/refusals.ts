// Scenarios 8-11: the server says no.
//  - port-refused: PORT to a client port where nothing listens → the server's SYN gets an RST → 425.
//  - wrong-password: a local-user login with a bad password → 530 (vsftpd, PAM). Recorded with
//    `tcpdump -i any -y LINUX_SLL` for a Linux cooked v1 link type.
//  - missing-file: SIZE, RETR and CWD of names that do not exist → 550 (pyftpdlib).
//  - too-many-clients: vsftpd max_clients=1; a second client gets 421 in the greeting.

import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { sleep } from '../lib/cleanup.ts';
import { freePort } from '../lib/net-util.ts';
import { RawFtp } from '../lib/raw-ftp.ts';
import { startPyftpdlib } from '../lib/servers/pyftpdlib.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import { transfer } from '../lib/session.ts';
import { RAW_CLIENT, hostFilter, loginAndSetup, realTruth, serverFileSize, sessionOf } from './common.ts';

async function portRefused(ctx: ScenarioContext): Promise<void> {
  const name = 'vsftpd-port-refused-425';
  const server = await startVsftpd(ctx, { host: '127.0.0.91', files: { 'notes.txt': Buffer.from('hello\n'.repeat(100)) } });
  const filter = hostFilter(server.host);
  const cap = await ctx.capture(name, { iface: 'lo', filter });
  const c = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  await loginAndSetup(c, server, { feat: false });
  const closed = await freePort('127.0.0.1'); // free now: nothing listens there
  const port = await c.cmd(`PORT 127,0,0,1,${closed >> 8},${closed & 255}`);
  const retr = await c.cmdFinal('RETR notes.txt');
  await c.quit();
  const stats = await cap.stop();
  await server.stop();
  ctx.writeTruth(
    name,
    realTruth('port-refused', stats, filter, server, {
      client: { ...RAW_CLIENT, address: '127.0.0.1' },
      mode: 'active',
      sessions: [sessionOf('main', c, server)],
      transfers: [{ command: 'RETR notes.txt', mode: 'active', dataClient: `127.0.0.1:${closed}`, dataEnd: 'refused: nothing listens on the PORT address', replies: retr.map((r) => r.code), serverFileSize: serverFileSize(server, 'notes.txt') }],
      resets: [`the client's kernel answered the server's data-connection SYN to 127.0.0.1:${closed} with RST (port closed)`],
      story:
        `Active mode against vsftpd ${server.version}: the client sends PORT for 127.0.0.1:${closed}, where nothing listens (→ ${port.code}), then RETR notes.txt. ` +
        `vsftpd connects from its side, the client's kernel answers the SYN with an RST, and vsftpd replies ${retr.map((r) => r.code).join(' ')} ` +
        `("${retr.at(-1)?.text}"). No data connection is ever established. QUIT → 221.`,
    }),
  );
}

async function wrongPassword(ctx: ScenarioContext): Promise<void> {
  const name = 'vsftpd-wrong-password-530-sll';
  const server = await startVsftpd(ctx, { host: '127.0.0.92', localUsers: true });
  const filter = hostFilter(server.host);
  const cap = await ctx.capture(name, { iface: 'any', linkType: 'LINUX_SLL', filter });
  const c = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  const user = await c.cmd('USER backup');
  const pass = await c.cmd('PASS not-the-password');
  // a user retrying, then giving up; vsftpd may close after a failed login
  let retry = null;
  try {
    await c.cmd('USER backup');
    retry = await c.cmd('PASS still-wrong');
  } catch {
    /* vsftpd closed the connection */
  }
  await c.quit();
  const stats = await cap.stop();
  await server.stop();
  ctx.writeTruth(
    name,
    realTruth('wrong-password', stats, filter, server, {
      client: { ...RAW_CLIENT, address: '127.0.0.1' },
      mode: 'none',
      sessions: [sessionOf('main', c, server)],
      transfers: [],
      resets: [],
      notes: ['captured with tcpdump -i any -y LINUX_SLL: Linux cooked v1 (SLL) link headers', "user 'backup' is a system account without a usable password: PAM refuses any password"],
      story:
        `Login to vsftpd ${server.version} (local users enabled, PAM) as 'backup' with a wrong password: USER → ${user.code}, PASS → ${pass.code} ("${pass.text}"). ` +
        `vsftpd waits about 3 s (PAM's fail delay) before each 530. ${retry ? `The client retries: PASS → ${retry.code}, then QUIT → 221.` : 'vsftpd closes the control connection after the failed login.'} No data connection.`,
    }),
  );
}

async function missingFile(ctx: ScenarioContext): Promise<void> {
  const name = 'pyftpdlib-missing-file-550';
  const server = await startPyftpdlib(ctx, { host: '127.0.0.93', files: { 'present.txt': Buffer.from('here\n') } });
  const filter = hostFilter(server.host);
  const cap = await ctx.capture(name, { iface: 'lo', filter });
  const c = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  await loginAndSetup(c, server, { feat: false });
  const size = await c.cmd('SIZE reports/2024-q4.csv');
  const t = await transfer(c, 'RETR reports/2024-q4.csv', { mode: 'passive' });
  const cwd = await c.cmd('CWD reports');
  await c.quit();
  const stats = await cap.stop();
  await server.stop();
  ctx.writeTruth(
    name,
    realTruth('missing-file', stats, filter, server, {
      client: { ...RAW_CLIENT, address: '127.0.0.1' },
      mode: 'passive',
      sessions: [sessionOf('main', c, server)],
      transfers: [{ ...t, serverFileSize: serverFileSize(server, 'reports/2024-q4.csv') }],
      resets: [],
      story:
        `pyftpdlib ${server.version} on port ${server.port}; the client asks for a file that is not there: SIZE → ${size.code}, then PASV and ` +
        `RETR reports/2024-q4.csv → ${t.replies.join(' ')} ("${c.transcript.steps.find((s) => s.command?.startsWith('RETR'))?.replies[0]?.text}"), ` +
        `with the passive data connection the client had opened closed again unused; CWD reports → ${cwd.code}. QUIT → 221.`,
    }),
  );
}

async function tooManyClients(ctx: ScenarioContext): Promise<void> {
  const name = 'vsftpd-too-many-clients-421';
  const server = await startVsftpd(ctx, { host: '127.0.0.94', maxClients: 1 });
  const filter = hostFilter(server.host);
  const cap = await ctx.capture(name, { iface: 'lo', filter });
  const first = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  await loginAndSetup(first, server, { feat: false });
  await sleep(100);
  const second = await RawFtp.connect({ host: server.host, port: server.port, localAddress: '127.0.0.1' });
  const greeting = second.greeting();
  await second.waitClosed(2000);
  await first.quit();
  const stats = await cap.stop();
  await server.stop();
  ctx.writeTruth(
    name,
    realTruth('too-many-clients', stats, filter, server, {
      client: { ...RAW_CLIENT, address: '127.0.0.1' },
      mode: 'none',
      sessions: [sessionOf('first client', first, server), sessionOf('second client', second, server)],
      transfers: [],
      resets: [],
      story:
        `vsftpd ${server.version} with max_clients=1. A first client logs in and stays. A second client connects: vsftpd greets it with ` +
        `${greeting?.code} ("${greeting?.text}") instead of 220 and closes the connection (${second.closedBy}). The first client then QUITs (221).`,
    }),
  );
}

export const portRefusedScenario: Scenario = {
  name: 'port-refused',
  title: 'PORT to a closed client port: server SYN answered by RST → 425 (vsftpd)',
  traces: ['vsftpd-port-refused-425'],
  run: portRefused,
};
export const wrongPasswordScenario: Scenario = {
  name: 'wrong-password',
  title: 'wrong password → 530 (vsftpd local user via PAM), Linux cooked v1 capture',
  traces: ['vsftpd-wrong-password-530-sll'],
  run: wrongPassword,
};
export const missingFileScenario: Scenario = {
  name: 'missing-file',
  title: 'SIZE/RETR/CWD of a missing file → 550 (pyftpdlib)',
  traces: ['pyftpdlib-missing-file-550'],
  run: missingFile,
};
export const tooManyClientsScenario: Scenario = {
  name: 'too-many-clients',
  title: 'second client refused with 421 (vsftpd max_clients=1)',
  traces: ['vsftpd-too-many-clients-421'],
  run: tooManyClients,
};
