// One capture of a two-point comparison, reduced to per-connection packet signatures: for each
// TCP segment its frame, time, sequence and acknowledgment numbers, flags, length, a hash of the
// payload and the IP/TCP header fields a middlebox may change (TTL, IP ID, window, options).
// Whole packets are never kept: memory is about 50 bytes per segment in typed arrays, plus the
// text of short FTP-looking lines (for showing what an ALG rewrote), capped per capture.
//
// Connections are the TCP engine's (same ids as `ftpdiag analyze` and Wireshark's tcp.stream).

import { readCapture, type ReadOptions } from '../capture/read.ts';
import type { CaptureSummary } from '../capture/frame.ts';
import { PacketDecoder } from '../decode/decoder.ts';
import type { DecodedPacket } from '../decode/packet.ts';
import { TcpFlag } from '../decode/packet.ts';
import { TcpEngine } from '../tcp/engine.ts';
import { SecretRanges } from './secret-ranges.ts';
import type { Connection } from '../tcp/types.ts';

/** Segments kept per capture before the rest is ignored (the comparison then says so). */
export const DEFAULT_MAX_SEGMENTS = 4_000_000;
/** Bytes of payload text kept per capture for showing rewritten control lines. */
const MAX_SNIPPET_BYTES = 2 * 1024 * 1024;
/** Longest payload kept as text (an FTP command or reply line). */
const MAX_SNIPPET_LENGTH = 200;

/** One direction of one connection: parallel growable arrays, index = the segment's order. */
export class DirSigs {
  n = 0; //                          segments
  frame = new Uint32Array(8);
  time = new Float64Array(8); //     seconds since epoch
  seq = new Uint32Array(8); //       as on the wire
  ack = new Uint32Array(8); //       as on the wire (0 without ACK)
  flags = new Uint8Array(8); //      TcpFlag bits
  len = new Uint32Array(8); //       payload bytes per the IP header
  hash = new Uint32Array(8); //      FNV-1a of the captured payload (0 for none)
  ttl = new Uint8Array(8);
  ipId = new Int32Array(8); //       -1 for IPv6
  win = new Uint16Array(8); //       raw window field
  opt = new Uint32Array(8); //       FNV-1a of the TCP option bytes (0 for none)
  snippets: Map<number, string> | null = null; // index → payload text (short printable lines only; secrets redacted unless showPasswords)
  snippetOffsets: Map<number, number> | null = null; // index → stream offset of the snippet (until redacted)
  secrets: SecretRanges | null = null; //  where the direction's secrets lie (null with showPasswords)
  synIndex = -1; //                  index of its first SYN (-1 none)
  synOptions = ''; //                its SYN's options in words ('mss 1460, wscale 7, sackOK, ts')

  /** Sequence number of relative offset 0 (the SYN's, else the first segment's). */
  base(): number {
    if (this.synIndex >= 0) return this.seq[this.synIndex]!;
    return this.n > 0 ? this.seq[0]! : 0;
  }

  push(p: DecodedPacket, hash: number, opt: number): number {
    if (this.n === this.frame.length) this.grow();
    const i = this.n++;
    this.frame[i] = p.frame;
    this.time[i] = p.time;
    this.seq[i] = p.seq;
    this.ack[i] = p.flags & TcpFlag.ACK ? p.ack : 0;
    this.flags[i] = p.flags;
    this.len[i] = p.segmentLength;
    this.hash[i] = hash;
    this.ttl[i] = p.ttl;
    this.ipId[i] = p.ipVersion === 4 ? p.ipId : -1;
    this.win[i] = p.window;
    this.opt[i] = opt;
    return i;
  }

  private grow(): void {
    const size = this.frame.length * 2;
    const g = <T extends Uint32Array | Float64Array | Uint8Array | Int32Array | Uint16Array>(a: T, make: (n: number) => T): T => {
      const b = make(size);
      b.set(a);
      return b;
    };
    this.frame = g(this.frame, (n) => new Uint32Array(n));
    this.time = g(this.time, (n) => new Float64Array(n));
    this.seq = g(this.seq, (n) => new Uint32Array(n));
    this.ack = g(this.ack, (n) => new Uint32Array(n));
    this.flags = g(this.flags, (n) => new Uint8Array(n));
    this.len = g(this.len, (n) => new Uint32Array(n));
    this.hash = g(this.hash, (n) => new Uint32Array(n));
    this.ttl = g(this.ttl, (n) => new Uint8Array(n));
    this.ipId = g(this.ipId, (n) => new Int32Array(n));
    this.win = g(this.win, (n) => new Uint16Array(n));
    this.opt = g(this.opt, (n) => new Uint32Array(n));
  }
}

export interface ConnSigs {
  id: number; //        Connection.id in its capture
  conn: Connection; //  the engine's record (addresses, roles, ISNs)
  c2s: DirSigs; //      segments the client sent
  s2c: DirSigs; //      segments the server sent
}

export interface CaptureSigs {
  file: string;
  summary: CaptureSummary | null; // null when the capture could not be read
  error: string | null; //          the reader's error, if the capture ended in one
  tcpFrames: number;
  firstTime: number | null; //      seconds since epoch of frame 1 (the ladder's time origin)
  lastTime: number | null; //       … of the last frame read (of the last kept, once truncated): the capture's window ends there
  connections: ConnSigs[]; //       by Connection.id
  truncated: boolean; //            more than maxSegments: the rest was ignored
}

/** FNV-1a (32 bit) of bytes [start, end) of buf. */
export function fnv1a(buf: Buffer, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    h ^= buf[i]!;
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** Reads a capture into signatures. A capture that ends in an error keeps what was read. */
export async function readSignatures(path: string, opts: { maxSegments?: number; read?: ReadOptions; showPasswords?: boolean } = {}): Promise<CaptureSigs> {
  const max = opts.maxSegments ?? DEFAULT_MAX_SEGMENTS;
  const decoder = new PacketDecoder();
  const out: CaptureSigs = { file: path, summary: null, error: null, tcpFrames: 0, firstTime: null, lastTime: null, connections: [], truncated: false };
  let snippetBytes = 0;
  const showPasswords = opts.showPasswords ?? false;
  // Counts are all the comparison needs, but secrets are found on the reassembled lines (a
  // password split across segments): the streams are delivered unless passwords are shown.
  const dirOf = (conn: Connection, from: 'client' | 'server'): DirSigs | undefined => {
    const cs = out.connections[conn.id];
    return cs === undefined ? undefined : from === 'client' ? cs.c2s : cs.s2c;
  };
  const engine = new TcpEngine({
    onConnection(conn) {
      if (showPasswords) conn.deliver = false;
      const c2s = new DirSigs();
      const s2c = new DirSigs();
      if (!showPasswords) {
        c2s.secrets = new SecretRanges();
        s2c.secrets = new SecretRanges();
      }
      out.connections[conn.id] = { id: conn.id, conn, c2s, s2c };
    },
    onData(conn, from, data, offset) {
      dirOf(conn, from)?.secrets?.data(data, offset);
    },
    onGap(conn, from, offset) {
      dirOf(conn, from)?.secrets?.gap(offset);
    },
    onEnd() {},
  });
  const onFrame = (f: Parameters<typeof decoder.decode>[0]) => {
    if (out.firstTime === null) out.firstTime = f.time;
    const kept = !out.truncated;
    if (decoder.decode(f) !== 'tcp') {
      if (kept) out.lastTime = f.time;
      return;
    }
    out.tcpFrames++;
    if (out.tcpFrames > max) {
      out.truncated = true;
      return;
    }
    out.lastTime = f.time;
    const p = decoder.packet;
    engine.packet(p);
    const conn = engine.lastConnection;
    if (conn === null) return;
    const cs = out.connections[conn.id];
    if (!cs) return;
    const fromClient = p.srcPort === conn.client.port && (conn.client.port !== conn.server.port || p.srcAddr() === conn.client.addr);
    const dir = fromClient ? cs.c2s : cs.s2c;
    const payEnd = p.payloadOffset + p.payloadLength;
    const hash = p.payloadLength > 0 ? fnv1a(p.data, p.payloadOffset, payEnd) : 0;
    const optStart = p.tcpOffset + 20;
    const optEnd = p.tcpOffset + p.tcpHeaderLength;
    const opt = optEnd > optStart ? fnv1a(p.data, optStart, optEnd) : 0;
    const i = dir.push(p, hash, opt);
    if (p.flags & TcpFlag.SYN && dir.synIndex < 0) {
      dir.synIndex = i;
      dir.synOptions = optionWords(p);
    }
    if (p.payloadLength > 0 && p.payloadLength <= MAX_SNIPPET_LENGTH && snippetBytes < MAX_SNIPPET_BYTES && looksLikeText(p.data, p.payloadOffset, payEnd)) {
      (dir.snippets ??= new Map()).set(i, p.data.toString('latin1', p.payloadOffset, payEnd));
      if (!showPasswords) (dir.snippetOffsets ??= new Map()).set(i, engine.lastDataOffset);
      snippetBytes += p.payloadLength;
    }
  };
  try {
    out.summary = await readCapture(path, onFrame, opts.read);
  } catch (e) {
    const err = e as Error & { summary?: CaptureSummary | null };
    out.error = err.message;
    out.summary = err.summary ?? null;
  }
  engine.finish();
  out.connections = out.connections.filter((c) => c !== undefined);
  for (const c of out.connections) for (const d of [c.c2s, c.s2c]) redactSnippets(d);
  return out;
}

/** Hides the secrets in a direction's snippets, now that its whole stream has been seen. */
function redactSnippets(d: DirSigs): void {
  const secrets = d.secrets;
  if (secrets === null) return;
  secrets.finish();
  for (const [i, text] of d.snippets ?? []) d.snippets!.set(i, secrets.redact(text, d.snippetOffsets?.get(i) ?? 0));
  d.snippetOffsets = null;
  d.secrets = null;
}

/** Printable ASCII with CR/LF/TAB: an FTP command or reply, not binary data. */
function looksLikeText(buf: Buffer, start: number, end: number): boolean {
  for (let i = start; i < end; i++) {
    const b = buf[i]!;
    if (b < 0x20 ? b !== 0x0d && b !== 0x0a && b !== 0x09 : b > 0x7e) return false;
  }
  return true;
}

/** The options of a SYN in words, as the report prints them. */
function optionWords(p: DecodedPacket): string {
  const w: string[] = [];
  if (p.mss >= 0) w.push(`mss ${p.mss}`);
  if (p.windowScale >= 0) w.push(`wscale ${p.windowScale}`);
  if (p.sackPermitted) w.push('sackOK');
  if (p.tsVal >= 0) w.push('ts');
  return w.join(', ');
}
