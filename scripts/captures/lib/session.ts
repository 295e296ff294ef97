// One data transfer driven by the raw client, whatever the mode, with what the client saw.
//
//   passive:           PASV → 227 (h,h,h,h,p,p) → client connects → CMD → 150 … 226
//   extended-passive:  EPSV → 229 (|||port|)    → client connects → CMD → 150 … 226
//   active:            PORT h,h,h,h,p,p → 200   → CMD → server connects → 150 … 226
//   extended-active:   EPRT |af|addr|port| → 200 → CMD → server connects → 150 … 226

import type net from 'node:net';
import { connectTcp, readData, writeData, type DataResult, type RawFtp } from './raw-ftp.ts';
import type { TruthTransfer } from './truth.ts';

export type DataMode = TruthTransfer['mode'];

export interface TransferOptions {
  mode: DataMode;
  activeHost?: string; //    client address announced by PORT/EPRT (the control socket's by default)
  activePort?: number; //    client port to listen on for active mode (default: any free port)
  sink?: (chunk: Buffer) => void; // receives downloaded bytes (to compare or save them)
  upload?: Buffer; //        data to send (STOR/APPE); absent: read (RETR/LIST/MLSD/NLST)
  resetAfter?: number; //    RST the data connection after this many bytes
  stallMs?: number; //       downloads: stop reading this long before the RST
  closeAfter?: number; //    close (FIN) the data connection after this many bytes read
  expectedBytes?: number; // for the truth file
  finalTimeoutMs?: number; // wait this long for the completion reply (default 15 s)
}

/** Runs one transfer. Never throws for an FTP-level failure: refusals and resets are results. */
export async function transfer(c: RawFtp, command: string, o: TransferOptions): Promise<TruthTransfer> {
  const t: TruthTransfer = { command, mode: o.mode, replies: [] };
  if (o.expectedBytes !== undefined) t.expectedBytes = o.expectedBytes;
  let sock: net.Socket | null = null;

  if (o.mode === 'passive' || o.mode === 'extended-passive') {
    let host = c.remote.address;
    let port: number;
    if (o.mode === 'passive') {
      const p = await c.pasv();
      host = p.host;
      port = p.port;
    } else port = (await c.epsv()).port;
    t.dataServer = `${host.includes(':') ? `[${host}]` : host}:${port}`;
    try {
      sock = await connectTcp(host, port);
      t.dataClient = `${sock.localAddress}:${sock.localPort}`;
    } catch (e) {
      t.dataEnd = `connect failed: ${(e as Error).message}`;
      return t;
    }
    const first = await c.cmd(command);
    t.replies.push(first.code);
    if (first.code >= 200) {
      sock.destroy();
      t.dataEnd = 'closed by client after refusal';
      return t;
    }
  } else {
    const host = o.activeHost ?? c.local.address;
    const l = await c.active(host, { eprt: o.mode === 'extended-active', ...(o.activePort ? { port: o.activePort } : {}) });
    t.dataClient = `${host.includes(':') ? `[${host}]` : host}:${l.port}`;
    c.send(command);
    // the server connects first (then 150) or answers 150 then connects, or refuses (425/550)
    const accepted = l.accept().then((s) => ({ s }) as const, (e: Error) => ({ e }) as const);
    const first = await c.reply();
    t.replies.push(first.code);
    if (first.code >= 200) {
      l.close();
      t.dataEnd = 'none';
      return t;
    }
    const a = await accepted;
    if ('e' in a) {
      t.dataEnd = a.e.message;
      return t;
    }
    sock = a.s;
    t.dataServer = `${sock.remoteAddress}:${sock.remotePort}`;
  }

  let r: DataResult;
  if (o.upload) {
    r = await writeData(sock, o.upload, o.resetAfter !== undefined ? { resetAfter: o.resetAfter } : {});
    t.clientWrote = r.bytes;
  } else {
    if (o.sink) sock.on('data', o.sink);
    r = await readData(sock, { ...(o.resetAfter !== undefined ? { resetAfter: o.resetAfter, stallMs: o.stallMs ?? 0 } : {}), ...(o.closeAfter !== undefined ? { closeAfter: o.closeAfter } : {}) });
    t.clientRead = r.bytes;
  }
  t.dataEnd = r.end + (r.error ? ` (${r.error})` : '');
  try {
    let last = await c.reply(o.finalTimeoutMs ?? 15000);
    t.replies.push(last.code);
    while (last.code < 200) {
      last = await c.reply(o.finalTimeoutMs ?? 15000);
      t.replies.push(last.code);
    }
  } catch (e) {
    t.replies.push(-1);
    t.dataEnd += `; no final reply: ${(e as Error).message}`;
  }
  return t;
}
