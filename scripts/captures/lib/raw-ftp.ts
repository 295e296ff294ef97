// A hand-written FTP client over plain net sockets. basic-ftp cannot do what several scenarios
// need (active mode, resetting a data socket at a chosen byte, half-closing the control
// connection, sending commands out of order), so this client writes every line itself and
// records what it saw in a Transcript. It only ever connects to loopback or namespace addresses
// handed to it by a scenario.

import net from 'node:net';
import { sleep } from './cleanup.ts';
import { Transcript, type Reply } from './transcript.ts';

export interface ConnectOptions {
  host: string;
  port: number;
  localAddress?: string; // bind the control socket here (a second loopback address makes the
  //                        trace read like two hosts)
  timeoutMs?: number; //    per reply, default 15000
}

export class RawFtp {
  readonly transcript = new Transcript();
  private readonly queue: Reply[] = [];
  private waiter: ((r: Reply | Error) => void) | null = null;
  private closedError: Error | null = null;
  /** 'server-fin' | 'server-rst' | 'client' once the control connection has ended. */
  closedBy: string | null = null;

  private constructor(
    readonly socket: net.Socket,
    readonly timeoutMs: number,
  ) {
    this.local = { address: socket.localAddress!, port: socket.localPort! };
    this.remote = { address: socket.remoteAddress!, port: socket.remotePort! };
    socket.setEncoding('latin1');
    socket.on('data', (chunk: string) => this.transcript.received(chunk));
    this.transcript.onReply = (r) => {
      if (this.waiter) {
        const w = this.waiter;
        this.waiter = null;
        w(r);
      } else this.queue.push(r);
    };
    socket.on('end', () => {
      this.closedBy ??= 'server-fin';
      this.fail(new Error('control connection closed by the server'));
    });
    socket.on('error', (e) => {
      this.closedBy ??= /ECONNRESET/.test(e.message) ? 'server-rst' : `error: ${e.message}`;
      this.fail(e);
    });
  }

  private fail(e: Error): void {
    this.closedError = e;
    if (this.waiter) {
      const w = this.waiter;
      this.waiter = null;
      w(e);
    }
  }

  static async connect(o: ConnectOptions): Promise<RawFtp> {
    const socket = await connectTcp(o.host, o.port, o.localAddress);
    const c = new RawFtp(socket, o.timeoutMs ?? 15000);
    await c.reply(); // greeting (may be a 421 for a full server: the caller checks)
    return c;
  }

  /** The client's end of the control connection (kept: a destroyed socket forgets it). */
  readonly local: { address: string; port: number };
  readonly remote: { address: string; port: number };

  /** Next reply from the server (waits up to the timeout). */
  reply(timeoutMs = this.timeoutMs): Promise<Reply> {
    const queued = this.queue.shift();
    if (queued) return Promise.resolve(queued);
    if (this.closedError) return Promise.reject(this.closedError);
    return new Promise<Reply>((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiter = null;
        reject(new Error(`no reply within ${timeoutMs} ms`));
      }, timeoutMs);
      this.waiter = (r) => {
        clearTimeout(timer);
        if (r instanceof Error) reject(r);
        else resolve(r);
      };
    });
  }

  /** The first reply in the greeting (for checks like "the server said 421"). */
  greeting(): Reply | undefined {
    return this.transcript.steps[0]!.replies[0];
  }

  /** Writes one command line (CRLF added) and records it. */
  send(line: string): void {
    this.transcript.sent(line);
    this.socket.write(`${line}\r\n`, 'latin1');
  }

  /** Sends a command and waits for its first reply (a 1xx preliminary reply included). */
  async cmd(line: string): Promise<Reply> {
    this.send(line);
    return this.reply();
  }

  /** Sends a command and waits past any 1xx for the completion reply. */
  async cmdFinal(line: string): Promise<Reply[]> {
    const out = [await this.cmd(line)];
    while (out[out.length - 1]!.code < 200) out.push(await this.reply());
    return out;
  }

  async login(user: string, password: string): Promise<Reply> {
    const r = await this.cmd(`USER ${user}`);
    if (r.code !== 331) return r;
    return this.cmd(`PASS ${password}`);
  }

  /** PASV → the host and port of the server's 227 reply (RFC 959: h1,h2,h3,h4,p1,p2). */
  async pasv(): Promise<{ host: string; port: number; reply: Reply }> {
    const r = await this.cmd('PASV');
    const m = /(\d+),(\d+),(\d+),(\d+),(\d+),(\d+)/.exec(r.text);
    if (r.code !== 227 || !m) throw new Error(`PASV refused: ${r.text}`);
    return { host: `${m[1]}.${m[2]}.${m[3]}.${m[4]}`, port: Number(m[5]) * 256 + Number(m[6]), reply: r };
  }

  /** EPSV → the port of the 229 reply (RFC 2428: "(|||port|)"). */
  async epsv(): Promise<{ port: number; reply: Reply }> {
    const r = await this.cmd('EPSV');
    const m = /\(([^\d])\1\1(\d+)\1\)/.exec(r.text);
    if (r.code !== 229 || !m) throw new Error(`EPSV refused: ${r.text}`);
    return { port: Number(m[2]), reply: r };
  }

  /** Opens a listener on `host` for an active-mode data connection and announces it with PORT
   *  (IPv4) or EPRT (IPv6, or `eprt` forced). */
  async active(host: string, opts: { eprt?: boolean; port?: number } = {}): Promise<ActiveListener> {
    const l = await ActiveListener.open(host, opts.port ?? 0);
    const v6 = host.includes(':');
    const r =
      v6 || opts.eprt
        ? await this.cmd(`EPRT |${v6 ? 2 : 1}|${host}|${l.port}|`)
        : await this.cmd(`PORT ${host.split('.').join(',')},${l.port >> 8},${l.port & 255}`);
    l.reply = r;
    if (r.code !== 200) {
      l.close();
      throw new Error(`PORT/EPRT refused: ${r.text}`);
    }
    return l;
  }

  /** Sends QUIT, waits for 221 and the server's close; tolerant of a server that already left. */
  async quit(): Promise<void> {
    try {
      await this.cmd('QUIT');
    } catch {
      /* the server may have closed already */
    }
    await this.waitClosed(3000);
  }

  /** Waits until the control connection is closed (or ms pass), then destroys our side. */
  async waitClosed(ms: number): Promise<void> {
    if (!this.socket.destroyed && !this.socket.readableEnded) {
      await Promise.race([new Promise((r) => this.socket.once('close', r)), sleep(ms)]);
    }
    this.closedBy ??= 'client';
    this.socket.end();
    this.socket.destroy();
  }
}

/** A listening socket waiting for the server's active-mode connection. */
export class ActiveListener {
  reply: Reply | null = null;
  private accepted: Promise<net.Socket>;

  private constructor(
    private readonly server: net.Server,
    readonly port: number,
  ) {
    this.accepted = new Promise((resolve) => server.once('connection', resolve));
  }

  static open(host: string, port: number): Promise<ActiveListener> {
    return new Promise((resolve, reject) => {
      const s = net.createServer({ pauseOnConnect: true });
      s.once('error', reject);
      s.listen(port, host, () => resolve(new ActiveListener(s, (s.address() as net.AddressInfo).port)));
    });
  }

  /** The server's data connection (the listener closes once it is accepted). */
  async accept(timeoutMs = 15000): Promise<net.Socket> {
    const sock = await Promise.race([
      this.accepted,
      sleep(timeoutMs).then(() => {
        throw new Error('the server did not connect for the active data connection');
      }),
    ]);
    this.server.close();
    sock.resume();
    return sock;
  }

  close(): void {
    this.server.close();
  }
}

export function connectTcp(host: string, port: number, localAddress?: string): Promise<net.Socket> {
  return new Promise((resolve, reject) => {
    const s = net.connect({ host, port, ...(localAddress ? { localAddress } : {}) });
    s.once('connect', () => {
      s.removeListener('error', reject);
      resolve(s);
    });
    s.once('error', reject);
  });
}

export interface DataResult {
  bytes: number; //        bytes moved on the data connection by the client
  end: 'fin' | 'rst-by-client' | 'rst-by-peer' | 'error';
  error?: string;
}

/** Reads the data connection to its end, or until `resetAfter` bytes when the scenario wants
 *  the client to abort it with an RST (SO_LINGER 0: Node's resetAndDestroy). */
export function readData(sock: net.Socket, opts: { resetAfter?: number; closeAfter?: number; stallMs?: number } = {}): Promise<DataResult> {
  return new Promise((resolve) => {
    let bytes = 0;
    let done = false;
    const finish = (r: DataResult) => {
      if (!done) {
        done = true;
        resolve(r);
      }
    };
    let stopping = false;
    sock.on('data', (d: Buffer) => {
      if (stopping) return; // a chunk emitted after pause(): not read by the "user"
      bytes += d.length;
      if (opts.resetAfter !== undefined && bytes >= opts.resetAfter) {
        // stop reading first: with stallMs the receive window fills (zero window) before the RST,
        // like a user who hesitates and then cancels
        sock.pause();
        stopping = true;
        const counted = bytes;
        setTimeout(() => {
          sock.resetAndDestroy();
          finish({ bytes: counted, end: 'rst-by-client' });
        }, opts.stallMs ?? 0);
      } else if (opts.closeAfter !== undefined && bytes >= opts.closeAfter) {
        sock.pause();
        stopping = true;
        sock.destroy(); // orderly FIN with unread data: Linux answers further data with RST
        finish({ bytes, end: 'fin' });
      }
    });
    sock.once('end', () => finish({ bytes, end: 'fin' }));
    sock.once('error', (e) => finish({ bytes, end: /ECONNRESET/.test(e.message) ? 'rst-by-peer' : 'error', error: e.message }));
    sock.once('close', () => finish({ bytes, end: 'fin' }));
  });
}

/** Writes `data` on the data connection in chunks, then closes it with a FIN, or resets it
 *  (RST) once `resetAfter` bytes are written and acknowledged by the socket layer. */
export async function writeData(sock: net.Socket, data: Buffer, opts: { resetAfter?: number; chunk?: number } = {}): Promise<DataResult> {
  const chunk = opts.chunk ?? 16384;
  let sent = 0;
  let peerError: string | null = null;
  sock.on('error', (e) => (peerError = e.message));
  const limit = opts.resetAfter ?? data.length;
  while (sent < limit && !peerError && !sock.destroyed) {
    const piece = data.subarray(sent, Math.min(limit, sent + chunk));
    const ok = sock.write(piece);
    sent += piece.length;
    if (!ok) await new Promise((r) => sock.once('drain', r));
  }
  if (peerError) return { bytes: sent, end: /EPIPE|ECONNRESET/.test(peerError) ? 'rst-by-peer' : 'error', error: peerError };
  if (opts.resetAfter !== undefined) {
    // wait until the kernel has pushed what we wrote (the write callback runs when the bytes are
    // handed to the kernel; a short pause lets the peer ACK them), then RST
    await new Promise<void>((r) => sock.write(Buffer.alloc(0), () => r()));
    await sleep(150);
    sock.resetAndDestroy();
    return { bytes: sent, end: 'rst-by-client' };
  }
  await new Promise<void>((r) => sock.end(() => r()));
  await Promise.race([new Promise((r) => sock.once('close', r)), sleep(3000)]);
  return { bytes: sent, end: 'fin' };
}

/** Deterministic file content: a repeating pattern with the offset stamped every 64 bytes, so a
 *  resumed or truncated file can be checked by eye in a hex dump. */
export function patternBytes(size: number, seed = 0): Buffer {
  const b = Buffer.alloc(size);
  for (let off = 0; off < size; off += 64) {
    const line = `${(off + seed).toString(16).padStart(8, '0')} ftpdiag capture pattern `.padEnd(63, '.') + '\n';
    b.write(line.slice(0, Math.min(64, size - off)), off, 'latin1');
  }
  return b;
}
