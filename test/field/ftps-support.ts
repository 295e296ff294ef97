// Test support: crafted FTPS sessions with real TLS (node's OpenSSL, test/support/tls-session.ts)
// on crafted TCP connections: AUTH TLS (or implicit FTPS), FTP lines inside TLS, passive or active
// data connections that resume the control connection's TLS session or not, and the ways a data
// connection ends. The key log the clients wrote comes with it.

import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { parseKeyLog, type KeyLog } from '../../src/tls/keylog.ts';
import { TlsPair } from '../support/tls-session.ts';

export interface FtpsOptions {
  version?: 'TLSv1.2' | 'TLSv1.3';
  implicit?: boolean; //   TLS from the first byte on port 990
  ciphers?: string;
  requestCert?: boolean; // the server asks for a client certificate, as vsftpd does
  client?: string; //     '192.0.2.1:50000'
  server?: string;
}

export type DataEnd =
  | 'close-notify' //  the sender: close_notify and FIN; the receiver answers with its own
  | 'fin' //           the sender: FIN without close_notify
  | 'rst' //           the sender: RST without close_notify
  | 'lftp'; //         the sender: close_notify, FIN; the receiver's close_notify draws the sender's RST

export interface TransferOptions {
  bytes?: number; //           file bytes (default 8192)
  resume?: boolean; //         the data connection resumes the control connection's TLS session (default true)
  reuseRequired?: boolean; //  the server ends a data connection that did not resume, and answers 522
  end?: DataEnd; //            how the sender ends the data connection (default close-notify)
  final?: string; //           the final reply (default 226)
  active?: boolean; //         PORT: the server connects (the TLS client is then the TCP server)
  corrupt?: boolean; //        damage one byte inside the first data record (a record that fails to decrypt)
}

/** Filler file data, recognisable in a dump. */
const fileBytes = (n: number) => Buffer.alloc(n, 0x46);

export class Ftps {
  readonly t = new TraceBuilder();
  readonly ctx = TlsPair.serverContext();
  readonly pairs: TlsPair[] = [];
  control!: TcpLadder;
  ctl!: TlsPair;
  private nextPort = 50001;
  private readonly clientAddr: string;
  private readonly serverAddr: string;

  constructor(readonly o: FtpsOptions = {}) {
    this.clientAddr = (o.client ?? '192.0.2.1:40000').split(':')[0]!;
    this.serverAddr = (o.server ?? `198.51.100.2:${o.implicit ? 990 : 21}`).split(':')[0]!;
  }

  private tlsOpts() {
    return { version: this.o.version ?? 'TLSv1.3', context: this.ctx, requestCert: this.o.requestCert ?? false, ...(this.o.ciphers ? { ciphers: this.o.ciphers } : {}) } as const;
  }

  /** The control connection through the TLS handshake (AUTH TLS → 234, or implicit). */
  async open(): Promise<this> {
    this.control = this.t.tcp({ client: this.o.client ?? `${this.clientAddr}:40000`, server: this.o.server ?? `${this.serverAddr}:${this.o.implicit ? 990 : 21}` });
    this.control.handshake();
    if (!this.o.implicit) {
      this.control.server('PA', '220 (vsFTPd 3.0.3)\r\n');
      this.control.client('PA', 'AUTH TLS\r\n');
      this.control.server('PA', '234 Proceed with negotiation.\r\n');
    }
    this.ctl = await TlsPair.open(this.tlsOpts());
    this.pairs.push(this.ctl);
    this.ctl.flushTo(this.control);
    if (this.o.implicit) await this.say('server', '220 (vsFTPd 3.0.3)\r\n');
    return this;
  }

  /** Open, log in, PBSZ 0, PROT P. */
  async login(user = 'alice', ok = true): Promise<this> {
    await this.open();
    await this.cmd(`USER ${user}`, '331 Please specify the password.');
    await this.cmd('PASS secret', ok ? '230 Login successful.' : '530 Login incorrect.');
    if (!ok) return this;
    await this.cmd('PBSZ 0', '200 PBSZ set to 0.');
    await this.cmd('PROT P', '200 PROT now Private.');
    return this;
  }

  /** FTP text inside the control connection's TLS. */
  async say(from: 'client' | 'server', text: string): Promise<void> {
    await this.ctl.write(from, text);
    this.ctl.flushTo(this.control);
  }

  async cmd(line: string, ...replies: string[]): Promise<void> {
    await this.say('client', `${line}\r\n`);
    for (const r of replies) await this.say('server', `${r}\r\n`);
  }

  /** A transfer command with its data connection: `command` is 'RETR x', 'STOR y', 'LIST'. */
  async transfer(command: string, o: TransferOptions = {}): Promise<TlsPair> {
    const port = this.nextPort++;
    const upload = /^(STOR|APPE|STOU)/i.test(command);
    if (o.active) {
      const [a, b, c, d] = this.clientAddr.split('.');
      await this.cmd(`PORT ${a},${b},${c},${d},${port >> 8},${port & 255}`, '200 PORT command successful.');
    } else {
      const [a, b, c, d] = this.serverAddr.split('.');
      await this.cmd('PASV', `227 Entering Passive Mode (${a},${b},${c},${d},${port >> 8},${port & 255}).`);
    }
    await this.cmd(command, '150 Opening BINARY mode data connection.');
    // the FTP client is the TLS client; in active mode it is the TCP server of the data connection
    const data = o.active
      ? this.t.tcp({ client: `${this.serverAddr}:20`, server: `${this.clientAddr}:${port}` })
      : this.t.tcp({ client: `${this.clientAddr}:${port + 10000}`, server: `${this.serverAddr}:${port}` });
    const tlsClient = o.active ? 'server' : 'client';
    const ladder = (s: 'client' | 'server') => (o.active ? (s === 'client' ? 'server' : 'client') : s); // FTP role → ladder side
    data.handshake();
    const p = await TlsPair.open({ ...this.tlsOpts(), ...(o.resume !== false && this.ctl.session ? { session: this.ctl.session } : {}) });
    this.pairs.push(p);
    p.flushTo(data, tlsClient);
    if (o.reuseRequired && !p.resumed) {
      // vsftpd require_ssl_reuse=YES: close_notify right after the handshake, then 522
      await p.closeNotify('server');
      await p.closeNotify('client');
      p.flushTo(data, tlsClient);
      data.send(ladder('server'), 'FA');
      data.send(ladder('client'), 'FA');
      data.send(ladder('server'), 'A');
      await this.say('server', '522 SSL connection failed: session reuse required\r\n');
      return p;
    }
    const sender = upload ? 'client' : 'server';
    const receiver = upload ? 'server' : 'client';
    const bytes = o.bytes ?? 8192;
    for (let off = 0; off < bytes; off += 16384) await p.write(sender, fileBytes(Math.min(16384, bytes - off)));
    if (o.corrupt) corruptFirstData(p, sender);
    p.flushTo(data, tlsClient);
    switch (o.end ?? 'close-notify') {
      case 'close-notify':
        await p.closeNotify(sender);
        p.flushTo(data, tlsClient);
        data.send(ladder(sender), 'FA');
        await p.closeNotify(receiver);
        p.flushTo(data, tlsClient);
        data.send(ladder(receiver), 'FA');
        data.send(ladder(sender), 'A');
        break;
      case 'fin':
        data.send(ladder(sender), 'FA');
        data.send(ladder(receiver), 'FA');
        data.send(ladder(sender), 'A');
        break;
      case 'rst':
        data.send(ladder(sender), 'RA');
        break;
      case 'lftp':
        await p.closeNotify(sender);
        p.flushTo(data, tlsClient);
        data.send(ladder(sender), 'FA');
        await p.closeNotify(receiver);
        p.flushTo(data, tlsClient);
        data.send(ladder(receiver), 'FA');
        data.send(ladder(sender), 'R');
        break;
    }
    await this.say('server', `${o.final ?? '226 Transfer complete.'}\r\n`);
    return p;
  }

  /** QUIT, 221, and the close (lftp's: the server's FIN, the client's close_notify, the server's RST). */
  async quit(how: 'clean' | 'lftp' = 'clean'): Promise<void> {
    await this.cmd('QUIT', '221 Goodbye.');
    if (how === 'lftp') {
      this.control.server('FA');
      await this.ctl.closeNotify('client');
      this.ctl.flushTo(this.control);
      this.control.server('R');
      return;
    }
    await this.ctl.closeNotify('client');
    this.ctl.flushTo(this.control);
    this.control.client('FA');
    this.control.server('FA');
    this.control.client('A');
  }

  /** Every client's key log lines, as one NSS key log. */
  keyLogText(): string {
    return this.pairs.map((p) => p.keylogText()).join('');
  }

  keyLog(): KeyLog {
    return parseKeyLog(this.keyLogText(), 'crafted.keylog');
  }

  destroy(): void {
    for (const p of this.pairs) p.destroy();
  }
}

/** Flips a byte in the middle of `from`'s first application-data record not yet flushed. */
function corruptFirstData(p: TlsPair, from: 'client' | 'server'): void {
  const c = p.chunks.find((x, i) => i >= p.chunks.length - 8 && x.from === from && x.data[0] === 0x17 && x.data.length > 64);
  if (c) c.data[40] ^= 0xff;
}
