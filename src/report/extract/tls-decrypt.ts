// The plaintext of an FTPS data connection for --extract with --keylog: the second pass's segments
// of both TCP sides are put back in order (src/tcp's Reassembler) and read by a TLS connection of
// their own (src/tls) with the key log and the session cache the analysis filled (a resumed TLS
// ≤ 1.2 session needs the master secret of the one it resumes: GnuTLS logs none for it). What the
// data's sender sent comes out as plaintext at its offset in the file; records that do not
// decrypt come out as gaps. Nothing here decides what the file holds: the extractor does.

import { Reassembler, type StreamSink } from '../../tcp/reassembler.ts';
import type { Side } from '../../tcp/types.ts';
import { TlsConnection } from '../../tls/connection.ts';
import type { KeyLog, TlsSessionCache } from '../../tls/keylog.ts';

/** What decrypting again needs: the key log and the analysis' session cache. */
export interface ExtractTls {
  keyLog: KeyLog;
  sessions: TlsSessionCache;
}

/** Out-of-order bytes held per direction (as the TCP engine's default). */
const HOLD_BYTES = 4 * 1024 * 1024;

export interface PlaintextOut {
  /** Plaintext of the data's sender at file offset `offset` (valid during the call). */
  data(buf: Buffer, offset: number): void;
  /** `length` bytes at `offset` that did not decrypt, or whose TCP bytes are missing. */
  gap(offset: number, length: number): void;
}

export class TlsPlaintextFeed {
  private readonly tls: TlsConnection;
  private readonly streams: Record<Side, Reassembler>;

  /** `tlsClient`: the TCP side that is the TLS (FTP) client; `sender`: the TLS role whose
   *  plaintext is the file. */
  constructor(ctx: ExtractTls, private readonly tlsClient: Side, sender: Side, out: PlaintextOut) {
    this.tls = new TlsConnection({
      keyLog: ctx.keyLog,
      sessionCache: ctx.sessions,
      listener: {
        onPlaintext: (from, data, offset) => {
          if (from === sender) out.data(data, offset);
        },
        onPlaintextGap: (from, offset, length) => {
          if (from === sender) out.gap(offset, length);
        },
      },
    });
    const sink = (tcpSide: Side): StreamSink => {
      const role = this.role(tcpSide);
      return {
        streamData: (data, start, length, offset, frame, time) => {
          this.tls.feed(role, data.subarray(start, start + length), offset, frame, time);
        },
        streamGap: (offset, length, frame) => this.tls.gap(role, offset, length, frame),
        bufferedDelta: () => undefined,
      };
    };
    this.streams = { client: new Reassembler(sink('client'), HOLD_BYTES), server: new Reassembler(sink('server'), HOLD_BYTES) };
  }

  /** TLS role of a TCP side. */
  private role(tcpSide: Side): Side {
    return tcpSide === this.tlsClient ? 'client' : 'server';
  }

  /** Payload bytes `payload` of TCP side `from` at stream offset `offset` (first data byte = 0). */
  segment(from: Side, offset: number, payload: Buffer, frame: number, time: number): void {
    if (payload.length > 0) this.streams[from].insert(offset, payload, 0, payload.length, frame, time);
  }

  /** The connection is over: what is still held goes through, holes as gaps. */
  end(frame: number): void {
    for (const side of ['client', 'server'] as const) {
      const r = this.streams[side];
      r.flushAll(r.next, frame);
    }
  }

  /** Why nothing decrypted, when nothing did (null otherwise). */
  failure(): string | null {
    const d = this.tls.finish().decryption;
    return d.state === 'decrypting' ? null : d.reason;
  }
}
