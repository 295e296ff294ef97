// Test support: real TLS connections made in memory with node's tls (OpenSSL), their bytes laid
// on crafted TCP connections (src/craft TcpLadder), with the NSS key log the client wrote. FTPS
// variants are built from them: the control channel's FTP lines inside TLS, data connections that
// resume the control connection's session or not, alerts, ends with and without close_notify.
// The server's certificate (tls-fixture/) is a throw-away self-signed one made for these tests.
//
//   const c = await TlsPair.open({ version: 'TLSv1.3' });
//   await c.write('client', 'USER alice\r\n');
//   c.flushTo(ladder);                     // the TLS bytes so far, in order, as TCP segments

import { readFileSync } from 'node:fs';
import { Duplex } from 'node:stream';
import * as tls from 'node:tls';
import type { TcpLadder } from '../../src/craft/trace-builder.ts';

const fixture = new URL('./tls-fixture/', import.meta.url);
const KEY = readFileSync(new URL('server.key', fixture));
const CERT = readFileSync(new URL('server.crt', fixture));

type Side = 'client' | 'server';

/** One end of an in-memory byte pipe: what it is written goes to the other end, logged. */
class PipeEnd extends Duplex {
  other: PipeEnd | null = null;
  constructor(private readonly onBytes: (b: Buffer) => void) {
    super();
  }
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: (e?: Error | null) => void): void {
    this.onBytes(Buffer.from(chunk));
    this.other!.push(chunk);
    cb();
  }
  override _read(): void {}
  override _final(cb: (e?: Error | null) => void): void {
    this.other!.push(null);
    cb();
  }
}

/** Lets queued I/O callbacks run (the pipes and OpenSSL work in callbacks). */
export async function settle(rounds = 20): Promise<void> {
  for (let i = 0; i < rounds; i++) await new Promise((r) => setImmediate(r));
}

export interface TlsPairOptions {
  version?: 'TLSv1.2' | 'TLSv1.3';
  ciphers?: string; //           OpenSSL cipher list (TLS ≤ 1.2) or TLS 1.3 suites
  session?: Buffer; //           resume this session (a data connection resuming the control one)
  context?: tls.SecureContext; // the server's context (share it for resumption)
  verify?: boolean; //           the client verifies the certificate (the fixture's is untrusted: the handshake fails)
  sni?: string;
  requestCert?: boolean; //      the server asks for a client certificate (vsftpd does): the client's flight grows
}

export class TlsPair {
  readonly chunks: Array<{ from: Side; data: Buffer }> = [];
  readonly keylog: string[] = [];
  session: Buffer | null = null; // the client's session, once the server sent a ticket
  client!: tls.TLSSocket;
  server!: tls.TLSSocket;
  clientError: Error | null = null;
  serverError: Error | null = null;
  readonly received: Record<Side, Buffer[]> = { client: [], server: [] };
  private flushed = 0;

  /** The server's context; `minVersion` TLSv1.3 makes it refuse TLS 1.2 clients (protocol_version). */
  static serverContext(minVersion: 'TLSv1.2' | 'TLSv1.3' = 'TLSv1.2'): tls.SecureContext {
    return tls.createSecureContext({ key: KEY, cert: CERT, minVersion });
  }

  /** A TLS connection after its handshake (or its failure). */
  static async open(o: TlsPairOptions = {}): Promise<TlsPair> {
    const p = new TlsPair();
    const a = new PipeEnd((b) => p.chunks.push({ from: 'client', data: b }));
    const b = new PipeEnd((b2) => p.chunks.push({ from: 'server', data: b2 }));
    a.other = b;
    b.other = a;
    const version = o.version ?? 'TLSv1.3';
    p.server = new tls.TLSSocket(b, { isServer: true, secureContext: o.context ?? TlsPair.serverContext(), requestCert: o.requestCert ?? false, rejectUnauthorized: false });
    p.client = tls.connect({
      socket: a,
      servername: o.sni ?? 'ftps.test.example',
      rejectUnauthorized: o.verify ?? false,
      minVersion: version,
      maxVersion: version,
      ...(o.ciphers ? (version === 'TLSv1.3' ? { ciphersuites: o.ciphers } : { ciphers: o.ciphers }) : {}),
      ...(o.session ? { session: o.session } : {}),
    });
    p.client.on('keylog', (line: Buffer) => p.keylog.push(line.toString('latin1').trim()));
    p.client.on('session', (s: Buffer) => (p.session = s));
    p.client.on('error', (e) => (p.clientError = e));
    p.server.on('error', (e) => (p.serverError = e));
    p.client.on('data', (d: Buffer) => p.received.client.push(d));
    p.server.on('data', (d: Buffer) => p.received.server.push(d));
    await settle(60);
    return p;
  }

  get resumed(): boolean {
    return this.client.isSessionReused();
  }

  async write(from: Side, data: string | Buffer): Promise<void> {
    (from === 'client' ? this.client : this.server).write(data);
    await settle();
  }

  /** close_notify from `from` (TLSSocket.end), without the TCP FIN: the ladder adds that. */
  async closeNotify(from: Side): Promise<void> {
    (from === 'client' ? this.client : this.server).end();
    await settle();
  }

  /** The bytes written since the last flush, as segments on `ladder`, each write acknowledged by
   *  the peer; `tlsClientSide`: the ladder side that is the TLS client (the TCP server in active mode). */
  flushTo(ladder: TcpLadder, tlsClientSide: Side = 'client', segment = 1448): void {
    const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');
    for (; this.flushed < this.chunks.length; this.flushed++) {
      const c = this.chunks[this.flushed]!;
      const from = tlsClientSide === 'client' ? c.from : other(c.from);
      for (let i = 0; i < c.data.length; i += segment) ladder.send(from, 'PA', c.data.subarray(i, i + segment));
      ladder.send(other(from), 'A');
    }
  }

  /** The client's key log lines as a file. */
  keylogText(): string {
    return this.keylog.join('\n') + '\n';
  }

  destroy(): void {
    this.client.destroy();
    this.server.destroy();
  }
}
