// The NSS key log format (what curl and OpenSSL's SSLKEYLOGFILE, GnuTLS (lftp), Node's 'keylog'
// event and browsers write): one secret a line,
//
//   CLIENT_RANDOM <64 hex: client random> <96 hex: TLS ≤ 1.2 master secret>
//   CLIENT_HANDSHAKE_TRAFFIC_SECRET <client random> <hex secret>       (TLS 1.3, and the
//   SERVER_HANDSHAKE_TRAFFIC_SECRET, CLIENT_TRAFFIC_SECRET_0, SERVER_TRAFFIC_SECRET_0 lines)
//   # comments and blank lines
//
// Other labels of the format (EXPORTER_SECRET, CLIENT_EARLY_TRAFFIC_SECRET, EARLY_EXPORTER_SECRET,
// RSA) are read and not used. Lines that are not of the form are counted (Wireshark skips them
// too) and the first is named; a file with no key line at all, binary content, or more than the
// bounds is refused with one line. Secrets are held in Buffers that no output path prints: a
// KeyLog shows itself (JSON, util.inspect) as counts only.

import { readFileSync, statSync } from 'node:fs';
import { inspect } from 'node:util';

export const KEYLOG_MAX_BYTES = 64 * 1024 * 1024;
export const KEYLOG_MAX_ENTRIES = 1_000_000; // client randoms
const MAX_LINE = 1024;

/** The secrets known for one client random. */
export interface KeyLogEntry {
  masterSecret?: Buffer; //        CLIENT_RANDOM (TLS ≤ 1.2), 48 bytes
  clientHandshake?: Buffer; //     CLIENT_HANDSHAKE_TRAFFIC_SECRET
  serverHandshake?: Buffer; //     SERVER_HANDSHAKE_TRAFFIC_SECRET
  clientTraffic0?: Buffer; //      CLIENT_TRAFFIC_SECRET_0
  serverTraffic0?: Buffer; //      SERVER_TRAFFIC_SECRET_0
}

const LABELS: Record<string, keyof KeyLogEntry> = {
  CLIENT_RANDOM: 'masterSecret',
  CLIENT_HANDSHAKE_TRAFFIC_SECRET: 'clientHandshake',
  SERVER_HANDSHAKE_TRAFFIC_SECRET: 'serverHandshake',
  CLIENT_TRAFFIC_SECRET_0: 'clientTraffic0',
  SERVER_TRAFFIC_SECRET_0: 'serverTraffic0',
};
const KNOWN_UNUSED = new Set(['EXPORTER_SECRET', 'CLIENT_EARLY_TRAFFIC_SECRET', 'EARLY_EXPORTER_SECRET', 'RSA', 'PMS_CLIENT_RANDOM']);

/** Key log label of each entry field (for saying which line is missing). */
export const LABEL_OF: Record<keyof KeyLogEntry, string> = Object.fromEntries(Object.entries(LABELS).map(([k, v]) => [v, k])) as Record<keyof KeyLogEntry, string>;

export class KeyLogError extends Error {
  override name = 'KeyLogError';
}

export class KeyLog {
  private readonly entries = new Map<string, KeyLogEntry>(); // client random (hex, lower case) → secrets
  lines = 0; //              key lines used
  unusedLines = 0; //        lines with a known label this tool does not use
  badLines = 0; //           lines not of the form
  firstBadLine = 0; //       1-based number of the first, 0 none

  get size(): number {
    return this.entries.size;
  }

  /** Secrets for a client random (32 bytes, or its hex). */
  get(clientRandom: Buffer | string): KeyLogEntry | undefined {
    return this.entries.get(typeof clientRandom === 'string' ? clientRandom.toLowerCase() : clientRandom.toString('hex'));
  }

  /** @internal used by the parser */
  put(random: string, field: keyof KeyLogEntry, secret: Buffer): boolean {
    let e = this.entries.get(random);
    if (!e) {
      if (this.entries.size >= KEYLOG_MAX_ENTRIES) return false;
      e = {};
      this.entries.set(random, e);
    }
    e[field] = secret;
    return true;
  }

  /** One line for a report: counts, never a secret. */
  summary(): string {
    const bad = this.badLines ? `; ${this.badLines} line(s) not understood (first: line ${this.firstBadLine})` : '';
    return `${this.lines} key line(s) for ${this.entries.size} TLS session(s)${bad}`;
  }

  toJSON(): object {
    return { sessions: this.entries.size, lines: this.lines, badLines: this.badLines };
  }

  [inspect.custom](): string {
    return `KeyLog { ${this.summary()} }`;
  }
}

/** Reads a key log file; throws KeyLogError with one clear line (file, line) when it is not one. */
export function readKeyLog(path: string): KeyLog {
  let size: number;
  try {
    const st = statSync(path);
    if (!st.isFile()) throw new KeyLogError(`${path}: not a regular file`);
    size = st.size;
  } catch (e) {
    if (e instanceof KeyLogError) throw e;
    throw new KeyLogError(`${path}: cannot read the key log (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  if (size > KEYLOG_MAX_BYTES) throw new KeyLogError(`${path}: ${size} bytes, more than a key log's bound of ${KEYLOG_MAX_BYTES}`);
  let text: Buffer;
  try {
    text = readFileSync(path);
  } catch (e) {
    throw new KeyLogError(`${path}: cannot read the key log (${(e as NodeJS.ErrnoException).code ?? (e as Error).message})`);
  }
  return parseKeyLog(text, path);
}

/** Parses key log text; `name` is used in the error line. */
export function parseKeyLog(data: Buffer | string, name: string): KeyLog {
  const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
  if (buf.length > KEYLOG_MAX_BYTES) throw new KeyLogError(`${name}: ${buf.length} bytes, more than a key log's bound of ${KEYLOG_MAX_BYTES}`);
  const nul = buf.indexOf(0);
  if (nul >= 0) throw new KeyLogError(`${name}: byte ${nul} is NUL: a binary file, not an NSS key log`);
  const log = new KeyLog();
  let lineNo = 0;
  let start = 0;
  while (start <= buf.length) {
    let end = buf.indexOf(0x0a, start);
    if (end < 0) end = buf.length;
    lineNo++;
    readLine(log, buf, start, end, lineNo, name);
    start = end + 1;
  }
  if (log.lines === 0) {
    const why = log.badLines ? ` (line ${log.firstBadLine} is not "LABEL <64 hex digits> <hex secret>")` : '';
    throw new KeyLogError(`${name}: no key lines (CLIENT_RANDOM or TLS 1.3 traffic secrets): not an NSS key log${why}`);
  }
  return log;
}

function readLine(log: KeyLog, buf: Buffer, start: number, end: number, lineNo: number, name: string): void {
  if (end > start && buf[end - 1] === 0x0d) end--;
  if (end === start) return;
  if (end - start > MAX_LINE) return bad(log, lineNo);
  const line = buf.toString('latin1', start, end).trim();
  if (line === '' || line.startsWith('#')) return;
  const parts = line.split(/\s+/);
  if (parts.length !== 3) return bad(log, lineNo);
  const [label, random, secret] = parts as [string, string, string];
  const field = LABELS[label];
  if (!/^[0-9a-fA-F]+$/.test(random) || !/^[0-9a-fA-F]+$/.test(secret) || secret.length % 2 !== 0) return bad(log, lineNo);
  if (field === undefined) {
    if (KNOWN_UNUSED.has(label)) log.unusedLines++;
    else bad(log, lineNo);
    return;
  }
  if (random.length !== 64) return bad(log, lineNo);
  const s = Buffer.from(secret, 'hex');
  if (field === 'masterSecret' ? s.length !== 48 : s.length !== 32 && s.length !== 48) return bad(log, lineNo);
  if (!log.put(random.toLowerCase(), field, s)) throw new KeyLogError(`${name}: line ${lineNo}: more than ${KEYLOG_MAX_ENTRIES} TLS sessions (the bound)`);
  log.lines++;
}

function bad(log: KeyLog, lineNo: number): void {
  log.badLines++;
  if (log.firstBadLine === 0) log.firstBadLine = lineNo;
}

/** Master secrets of the TLS ≤ 1.2 sessions decrypted so far in one capture, by session ID and by
 *  ticket digest: a resumed session (abbreviated handshake) reuses its master secret, and clients
 *  such as GnuTLS log no CLIENT_RANDOM line for it (Wireshark keeps the same kind of cache). One
 *  per capture; at most SESSION_CACHE_MAX entries, the oldest dropped first. Shows counts only. */
export const SESSION_CACHE_MAX = 10_000;

export class TlsSessionCache {
  private readonly map = new Map<string, Buffer>();

  remember(key: string, masterSecret: Buffer): void {
    if (key === '') return;
    this.map.delete(key);
    this.map.set(key, masterSecret);
    if (this.map.size > SESSION_CACHE_MAX) this.map.delete(this.map.keys().next().value!);
  }

  lookup(key: string): Buffer | undefined {
    return key === '' ? undefined : this.map.get(key);
  }

  get size(): number {
    return this.map.size;
  }

  toJSON(): object {
    return { sessions: this.map.size };
  }

  [inspect.custom](): string {
    return `TlsSessionCache { ${this.map.size} session(s) }`;
  }
}
