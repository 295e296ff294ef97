// A big crafted capture for the HTML report at scale: N FTP sessions, each from its own client
// address, written by copying the frames of a few crafted session templates (trace-builder.ts)
// with the client's address and the time patched in, straight to a pcap file a chunk at a time
// (crafting 10^5 sessions through the builder would take longer than analysing them).
//
// Templates (one in turn): a login refused with 530 and the control connection reset by the
// client (login-failed, control-reset); a passive download whose data connection was never
// answered and drew 425 (data-connection-failed); a healthy passive download (a transfer row).
// The checksums are left stale, as offloading NICs capture them: ftpdiag does not check them.

import { closeSync, openSync, writeSync } from 'node:fs';
import { TraceBuilder, type CraftedFrame, type TcpLadder } from '../../src/craft/trace-builder.ts';

const CLIENT = '10.0.0.1';
const SERVER = '198.51.100.2';
const ETH = 14; //        Ethernet header bytes before the IPv4 header
const SRC = ETH + 12; //  IPv4 source address offset
const DST = ETH + 16; //  IPv4 destination address offset
const SPACING = 0.001; // seconds between session starts

function login(t: TraceBuilder, ok: boolean): TcpLadder {
  const c = t.tcp({ client: `${CLIENT}:40000`, server: `${SERVER}:21` });
  c.handshake();
  c.server('PA', '220 ready\r\n');
  c.client('PA', 'USER bob\r\n');
  c.server('PA', '331 password\r\n');
  c.client('PA', 'PASS x\r\n');
  c.server('PA', ok ? '230 in\r\n' : '530 Login incorrect.\r\n');
  return c;
}

/** RETR a.bin over the established data connection `d`: 1,000 bytes, 226, QUIT. */
export function retrAndQuit(c: TcpLadder, d: TcpLadder): void {
  c.client('PA', 'RETR a.bin\r\n');
  c.server('PA', '150 here\r\n');
  d.server('PA', 1000);
  d.client('A');
  d.close();
  c.server('PA', '226 done\r\n');
  c.client('PA', 'QUIT\r\n');
  c.server('PA', '221 bye\r\n');
  c.close();
}

function templates(): CraftedFrame[][] {
  const out: CraftedFrame[][] = [];
  {
    const t = new TraceBuilder({ start: 0, step: 0.0001 });
    const c = login(t, false);
    c.client('R');
    out.push(t.frames());
  }
  {
    const t = new TraceBuilder({ start: 0, step: 0.0001 });
    const c = login(t, true);
    c.client('PA', 'PASV\r\n');
    c.server('PA', '227 Entering Passive Mode (198,51,100,2,195,80)\r\n');
    c.client('PA', 'RETR a.bin\r\n');
    const d = t.tcp({ client: `${CLIENT}:40001`, server: `${SERVER}:50000` });
    // the SYN sent again 1 s later, as Linux does (a copy 3 ms later would be a capture repeat)
    d.client('S');
    d.client('S', undefined, { dt: 1, seq: 0, noAdvance: true });
    c.server('PA', '425 Cannot open data connection.\r\n', { dt: 2 });
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 bye\r\n');
    c.close();
    out.push(t.frames());
  }
  {
    const t = new TraceBuilder({ start: 0, step: 0.0001 });
    const c = login(t, true);
    c.client('PA', 'PASV\r\n');
    c.server('PA', '227 Entering Passive Mode (198,51,100,2,195,80)\r\n');
    const d = t.tcp({ client: `${CLIENT}:40001`, server: `${SERVER}:50000` });
    d.handshake();
    retrAndQuit(c, d);
    out.push(t.frames());
  }
  return out;
}

/** Writes `sessions` sessions to `path` (classic pcap, Ethernet, microseconds); returns the
 *  number of frames. Session k comes from client 10.a.b.c with k = a·65536 + b·256 + c + 1. */
export function writeManySessions(path: string, sessions: number): number {
  const kinds = templates();
  const client = Buffer.from(CLIENT.split('.').map(Number));
  const fd = openSync(path, 'w');
  const header = Buffer.alloc(24);
  header.writeUInt32LE(0xa1b2c3d4, 0);
  header.writeUInt16LE(2, 4);
  header.writeUInt16LE(4, 6);
  header.writeUInt32LE(262144, 16);
  header.writeUInt32LE(1, 20); // LINKTYPE_ETHERNET
  writeSync(fd, header);
  const chunk = Buffer.alloc(1 << 20);
  let used = 0;
  let frames = 0;
  const t0 = 1_700_000_000;
  for (let k = 0; k < sessions; k++) {
    const frs = kinds[k % kinds.length]!;
    const n = k + 1;
    const addr = [10, (n >> 16) & 255, (n >> 8) & 255, n & 255];
    for (const f of frs) {
      if (used + 16 + f.data.length > chunk.length) {
        writeSync(fd, chunk, 0, used);
        used = 0;
      }
      const t = t0 + k * SPACING + f.tsSec + f.tsNsec / 1e9;
      const sec = Math.floor(t);
      chunk.writeUInt32LE(sec, used);
      chunk.writeUInt32LE(Math.min(999_999, Math.round((t - sec) * 1e6)), used + 4);
      chunk.writeUInt32LE(f.data.length, used + 8);
      chunk.writeUInt32LE(f.origLen, used + 12);
      const at = used + 16;
      f.data.copy(chunk, at);
      for (const off of [SRC, DST]) if (f.data.compare(client, 0, 4, off, off + 4) === 0) for (let b = 0; b < 4; b++) chunk[at + off + b] = addr[b]!;
      used = at + f.data.length;
      frames++;
    }
  }
  writeSync(fd, chunk, 0, used);
  closeSync(fd);
  return frames;
}
