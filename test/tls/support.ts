// Test support: a capture run through the real reader, decoder and TCP engine into one
// TlsConnection per TCP connection that carries TLS, without the FTP stage (which runs the same
// through src/ftp/tls-channel.ts), to check src/tls alone. Where TLS starts is found the simple way: on a connection whose
// client speaks first with a TLS handshake (FTPS data, implicit FTPS) at offset 0; on an FTP
// control connection after the client's "AUTH TLS|SSL" line and the server's "234" reply line.

import { spawnSync } from 'node:child_process';
import { readCapture } from '../../src/capture/read.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import type { Connection, Side, TcpListener } from '../../src/tcp/types.ts';
import { TlsConnection, type TlsListener } from '../../src/tls/connection.ts';
import { TlsSessionCache, type KeyLog } from '../../src/tls/keylog.ts';
import type { DecryptFailureReason, TlsFacts } from '../../src/tls/types.ts';

const FIN = 0x01;
const RST = 0x04;

export interface TlsRun {
  conn: Connection;
  tls: TlsConnection;
  facts: TlsFacts;
  plaintext: { client: Buffer[]; server: Buffer[] }; // decrypted application data in order
  gaps: Array<{ from: Side; offset: number; length: number; reason: DecryptFailureReason }>;
  tlsStart: { client: number; server: number }; // TCP stream offsets where TLS begins (-1: never)
}

interface ConnState {
  run: TlsRun | null;
  clear: { client: Buffer; server: Buffer }; // cleartext before TLS (control connections)
  start: { client: number; server: number };
  mode: 'unknown' | 'tls' | 'ftp' | 'neither';
}

class Harness implements TcpListener {
  readonly runs: TlsRun[] = [];
  private readonly state = new Map<number, ConnState>();
  private readonly sessions = new TlsSessionCache();
  constructor(private readonly keyLog: KeyLog | null) {}

  onConnection(conn: Connection): void {
    this.state.set(conn.id, { run: null, clear: { client: Buffer.alloc(0), server: Buffer.alloc(0) }, start: { client: -1, server: -1 }, mode: 'unknown' });
  }

  private tlsFor(conn: Connection, st: ConnState): TlsRun {
    if (st.run) return st.run;
    const run: TlsRun = { conn, tls: null as unknown as TlsConnection, facts: null as unknown as TlsFacts, plaintext: { client: [], server: [] }, gaps: [], tlsStart: st.start };
    const listener: TlsListener = {
      onPlaintext: (from, data) => run.plaintext[from].push(Buffer.from(data)),
      onPlaintextGap: (from, offset, length, _exact, _frame, reason) => run.gaps.push({ from, offset, length, reason }),
    };
    run.tls = new TlsConnection({ keyLog: this.keyLog, sessionCache: this.sessions, listener });
    st.run = run;
    this.runs.push(run);
    return run;
  }

  onData(conn: Connection, from: Side, data: Buffer, offset: number, frame: number, time: number): void {
    const st = this.state.get(conn.id)!;
    if (st.mode === 'unknown') {
      if (from === 'client' && (data[0] === 0x16 || (data[0]! & 0x80) !== 0) && offset === 0) {
        st.mode = 'tls';
        st.start.client = 0;
        st.start.server = 0;
      } else st.mode = 'ftp';
    }
    if (st.mode === 'tls' || st.start[from] >= 0) {
      const start = st.start[from];
      if (offset + data.length <= start) return;
      const skip = Math.max(0, start - offset);
      this.tlsFor(conn, st).tls.feed(from, data.subarray(skip), offset + skip, frame, time);
      return;
    }
    if (st.mode !== 'ftp') return;
    // control connection: look for the client's AUTH line and the server's 234 line
    const before = st.clear[from].length;
    st.clear[from] = Buffer.concat([st.clear[from], data]);
    const text = st.clear[from].toString('latin1');
    const re = from === 'client' ? /(^|\r\n)AUTH (TLS|SSL)\r\n/i : /(^|\r\n)234[ ][^\r\n]*\r\n/;
    const m = re.exec(text);
    if (!m) return;
    const at = m.index + m[0].length;
    st.start[from] = offset - before + at;
    const rest = st.clear[from].subarray(at);
    if (rest.length > 0) this.tlsFor(conn, st).tls.feed(from, rest, st.start[from], frame, time);
  }

  onGap(conn: Connection, from: Side, offset: number, length: number, frame: number): void {
    const st = this.state.get(conn.id)!;
    if (st.run && st.start[from] >= 0 && offset >= st.start[from]) st.run.tls.gap(from, offset, length, frame);
  }

  onControl(conn: Connection, from: Side, flags: number, frame: number): void {
    const st = this.state.get(conn.id)!;
    if (!st.run) return;
    if (flags & RST) st.run.tls.close(from, 'rst', frame);
    else if (flags & FIN) st.run.tls.close(from, 'fin', frame);
  }

  onEnd(conn: Connection): void {
    const st = this.state.get(conn.id)!;
    if (st.run) st.run.facts = st.run.tls.finish();
  }
}

/** Every TLS connection of a capture, in order of their TCP connections. */
export async function tlsRuns(path: string, keyLog: KeyLog | null): Promise<TlsRun[]> {
  const h = new Harness(keyLog);
  const engine = new TcpEngine(h);
  const dec = new PacketDecoder();
  await readCapture(path, (frame) => {
    if (dec.decode(frame) === 'tcp') engine.packet(dec.packet);
  });
  engine.finish();
  for (const r of h.runs) r.facts ??= r.tls.finish();
  return h.runs;
}

export function hasTshark(): boolean {
  return spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;
}

/** tshark -T fields output, one array of columns per packet line. */
export function tsharkFields(file: string, args: string[], fields: string[]): string[][] {
  const r = spawnSync('tshark', ['-n', '-r', file, ...args, '-T', 'fields', '-E', 'separator=\t', '-E', 'occurrence=a', '-E', 'aggregator=,', ...fields.flatMap((f) => ['-e', f])], {
    encoding: 'utf8',
    maxBuffer: 256 * 1024 * 1024,
  });
  if (r.status !== 0) throw new Error(`tshark failed: ${r.stderr}`);
  return r.stdout
    .split('\n')
    .filter((l) => l.length > 0)
    .map((l) => l.split('\t'));
}
