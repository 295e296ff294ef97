// Crafted FTP sessions for the hand-over format tests: a session with a passive download whose
// file name holds a tab, an escape sequence, a backslash and a non-ASCII letter, an active upload
// the client resets (upload-reset), a DELE answered with a reply text that is only "-", and a
// password and an ACCT secret that must never appear unless asked.

import { TraceBuilder } from '../../src/craft/trace-builder.ts';

export const CLIENT = '192.0.2.10';
export const SERVER = '192.0.2.20';
export const PASSWORD = 's3cr3t-pw';
export const ACCOUNT = 'acct-s3cret';
/** The downloaded file's name as the client sends it (UTF-8 on the wire). */
export const ODD_NAME = 'we\tird \x1b[2J back\\slash é.bin';

export function handOverSession(t = new TraceBuilder()): TraceBuilder {
  const c = t.tcp({ client: `${CLIENT}:40000`, server: `${SERVER}:21` });
  c.handshake();
  c.server('PA', '220 ready\r\n');
  c.client('PA', 'USER anna\r\n');
  c.server('PA', '331 password\r\n');
  c.client('PA', `PASS ${PASSWORD}\r\n`);
  c.server('PA', '230 ok\r\n');
  c.client('PA', 'CWD /pub\r\n');
  c.server('PA', '250 ok\r\n');
  // passive download of a file with an odd name
  c.client('PA', 'PASV\r\n');
  c.server('PA', '227 Entering Passive Mode (192,0,2,20,195,80)\r\n');
  c.client('PA', Buffer.from(`RETR ${ODD_NAME}\r\n`, 'utf8'));
  const d = t.tcp({ client: `${CLIENT}:41000`, server: `${SERVER}:50000` });
  d.handshake();
  c.server('PA', '150 Opening BINARY mode data connection (3000 bytes)\r\n');
  d.stream('server', 3000);
  d.close();
  c.server('PA', '226 Transfer complete\r\n');
  // active upload, reset by the client after the server acknowledged every byte
  c.client('PA', 'PORT 192,0,2,10,156,65\r\n');
  c.server('PA', '200 PORT ok\r\n');
  c.client('PA', 'STOR up.bin\r\n');
  const u = t.tcp({ client: `${SERVER}:20`, server: `${CLIENT}:40001` });
  u.handshake();
  c.server('PA', '150 Ok to send data\r\n');
  u.stream('server', 4000);
  u.client('A');
  u.server('RA');
  c.server('PA', '426 Failure reading network stream\r\n');
  c.client('PA', 'DELE old.bin\r\n');
  c.server('PA', '250 -\r\n');
  c.client('PA', `ACCT ${ACCOUNT}\r\n`);
  c.server('PA', '202 not needed\r\n');
  c.client('PA', 'QUIT\r\n');
  c.server('PA', '221 bye\r\n');
  c.close();
  return t;
}
