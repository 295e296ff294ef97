// Crafted traces for the ladder and HTML tests, written with the ladder DSL (trace-builder.ts).

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';

/** A RETR whose file name holds a terminal escape (ESC[2J clears the screen) and markup. */
export const HOSTILE_NAME = 'evil\x1b[2J<script>alert(1)</script>&.txt';
export const SECRET = 'hunter2';

/** Login with a password, PASV, RETR of HOSTILE_NAME; the download is reset by the server mid-way
 *  and answered 426. `bulk` data segments are sent before the reset (ladder elision tests). */
export function hostileTrace(bulk = 6): Buffer {
  const t = new TraceBuilder();
  const ctl = t.tcp({ client: '192.0.2.1:40001', server: '192.0.2.2:21' });
  ctl.handshake();
  const say = (cmd: string, reply: string) => {
    ctl.client('PA', `${cmd}\r\n`);
    ctl.server('PA', `${reply}\r\n`);
  };
  ctl.server('PA', '220 hello <b>server</b>\r\n');
  say('USER bob', '331 Password required');
  say(`PASS ${SECRET}`, '230 Logged in');
  say('TYPE I', '200 Binary');
  say('PASV', '227 Entering Passive Mode (192,0,2,2,195,80).');
  const d = t.tcp({ client: '192.0.2.1:40002', server: '192.0.2.2:50000' });
  d.handshake();
  ctl.client('PA', `RETR ${HOSTILE_NAME}\r\n`);
  ctl.server('PA', `150 Opening BINARY mode data connection for ${HOSTILE_NAME}\r\n`);
  for (let i = 0; i < bulk; i++) {
    d.server('A', 1000);
    if (i % 2 === 1) d.client('A');
  }
  d.server('RA');
  ctl.server('PA', '426 Connection closed; transfer aborted.\r\n');
  ctl.client('A');
  say('QUIT', '221 Goodbye');
  ctl.close();
  return t.toPcap();
}

/** A packet row's text and the lines under it (FTP lines, a mark too long for the row), by frame. */
export function rowsByFrame(text: string): Map<number, string> {
  const out = new Map<number, string>();
  let current: number | null = null;
  for (const line of text.split('\n')) {
    const m = /^\s*\d+\.\d+\s+(\d+)\s/.exec(line);
    if (m) {
      current = Number(m[1]);
      out.set(current, line);
    } else if (current !== null && /^\s+[│ ].*\S/.test(line) && !line.includes('┆') && !line.includes('≈') && !line.includes('✕')) {
      out.set(current, `${out.get(current)}\n${line}`);
    } else {
      current = null;
    }
  }
  return out;
}

/** Display width: every character the ladder uses (box drawing, arrows, ◆, …) is one column. */
export const columns = (line: string) => [...line].length;

export function expectFits(text: string, width = 80): void {
  for (const line of text.split('\n')) expect(columns(line), line).to.be.at.most(width);
}

