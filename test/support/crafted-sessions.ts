// Crafted FTP sessions for tests that need a capture of a given shape on disk: many sessions
// that each fail their login (an error finding per session, a report of any length).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';

/** `n` sessions in sequence, each refused at PASS (530: login-failed, an error). */
export function failedLogins(n: number, t = new TraceBuilder()): TraceBuilder {
  for (let i = 0; i < n; i++) {
    const c = t.tcp({ client: `192.0.2.${1 + (i % 200)}:${40000 + Math.floor(i / 200)}`, server: '198.51.100.2:21' });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', `USER user${i}\r\n`);
    c.server('PA', '331 password please\r\n');
    c.client('PA', 'PASS wrong\r\n');
    c.server('PA', '530 Login incorrect.\r\n');
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 bye\r\n');
    c.close();
  }
  return t;
}

/** A control connection of `t` from 192.0.2.10:40000 to 192.0.2.20:21, greeted and logged in;
 *  the caller goes on from there. */
export function loggedIn(t: TraceBuilder): TcpLadder {
  const c = t.tcp({ client: '192.0.2.10:40000', server: '192.0.2.20:21' });
  c.handshake();
  c.server('PA', '220 ready\r\n');
  c.client('PA', 'USER anna\r\n');
  c.server('PA', '331 password\r\n');
  c.client('PA', 'PASS x\r\n');
  c.server('PA', '230 ok\r\n');
  return c;
}

/** A passive RETR of `name` on the control connection `c` of `t`: PASV, the data connection
 *  192.0.2.10:40001 → 192.0.2.20:50000 carrying `data` and closed, 226. */
export function passiveRetr(t: TraceBuilder, c: TcpLadder, name: string, data: string | number): void {
  c.client('PA', 'PASV\r\n');
  c.server('PA', '227 Entering Passive Mode (192,0,2,20,195,80).\r\n');
  const d = t.tcp({ client: '192.0.2.10:40001', server: '192.0.2.20:50000' });
  d.handshake();
  c.client('PA', `RETR ${name}\r\n`);
  c.server('PA', '150 Opening BINARY mode data connection\r\n');
  d.server('PA', data);
  d.client('A');
  d.close();
  c.server('PA', '226 Transfer complete.\r\n');
}

/** Download `i` of a long session on control connection `ctl`: PASV (port 50000 + i), RETR f<i>,
 *  its data connection from 192.0.2.10:(30000 + i) carrying what `send` sends and closed, 226. */
export function numberedDownload(t: TraceBuilder, ctl: TcpLadder, i: number, send: (d: TcpLadder) => void): void {
  const port = 50000 + i;
  ctl.client('PA', 'PASV\r\n');
  ctl.server('PA', `227 Entering Passive Mode (192,0,2,20,${port >> 8},${port & 0xff}).\r\n`);
  const d = t.tcp({ client: `192.0.2.10:${30000 + i}`, server: `192.0.2.20:${port}` });
  ctl.client('PA', `RETR f${i}\r\n`);
  d.handshake();
  ctl.server('PA', '150 Opening BINARY mode data connection.\r\n');
  send(d);
  d.close();
  ctl.server('PA', '226 Transfer complete.\r\n');
  ctl.client('A');
}

/** A logged-in session (loggedIn) of `n` transfers of five kinds in turn: a clean download, a 550, an active RETR
 *  whose data connection the client refuses (425), a download the client resets half-way (426),
 *  an upload ended by the client's RST after its last byte (426). */
export function manyTransfers(n: number, t = new TraceBuilder()): TraceBuilder {
  const ctl = loggedIn(t);
  for (let i = 0; i < n; i++) {
    const port = 50000 + i;
    const pasv = `227 Entering Passive Mode (192,0,2,20,${port >> 8},${port & 0xff}).\r\n`;
    switch (i % 5) {
      case 0: {
        ctl.client('PA', 'PASV\r\n');
        ctl.server('PA', pasv);
        const d = t.tcp({ client: `192.0.2.10:${30000 + i}`, server: `192.0.2.20:${port}` });
        ctl.client('PA', `RETR f${i}\r\n`);
        d.handshake();
        ctl.server('PA', '150 Opening BINARY mode data connection.\r\n');
        d.stream('server', 3000);
        d.client('A');
        d.close();
        ctl.server('PA', '226 Transfer complete.\r\n');
        break;
      }
      case 1:
        ctl.client('PA', `RETR missing${i}\r\n`);
        ctl.server('PA', '550 Failed to open file.\r\n');
        break;
      case 2: {
        ctl.client('PA', `PORT 192,0,2,10,${port >> 8},${port & 0xff}\r\n`);
        ctl.server('PA', '200 PORT command successful.\r\n');
        ctl.client('PA', `RETR f${i}\r\n`);
        const d = t.tcp({ client: `192.0.2.20:20`, server: `192.0.2.10:${port}` });
        d.send('client', 'S');
        d.send('server', 'RA');
        ctl.server('PA', "425 Can't open data connection.\r\n");
        break;
      }
      default: {
        const upload = i % 5 === 4;
        ctl.client('PA', 'PASV\r\n');
        ctl.server('PA', pasv);
        const d = t.tcp({ client: `192.0.2.10:${30000 + i}`, server: `192.0.2.20:${port}` });
        ctl.client('PA', `${upload ? 'STOR' : 'RETR'} f${i}\r\n`);
        d.handshake();
        ctl.server('PA', '150 Ok to send data.\r\n');
        d.stream(upload ? 'client' : 'server', 4000);
        if (upload) d.send('server', 'A');
        d.send('client', 'RA');
        ctl.server('PA', '426 Connection closed; transfer aborted.\r\n');
      }
    }
  }
  ctl.client('PA', 'QUIT\r\n');
  ctl.server('PA', '221 bye\r\n');
  ctl.close();
  return t;
}

/** A temporary directory for a test's files, removed by the returned cleanup. */
export function scratchDir(prefix: string): { dir: string; file(name: string): string; remove(): void } {
  const dir = mkdtempSync(join(tmpdir(), prefix));
  return { dir, file: (name) => join(dir, name), remove: () => rmSync(dir, { recursive: true, force: true }) };
}
