// A session with basic-ftp (the client a Node application would use), its dialog taken from
// basic-ftp's own verbose log, byte counts from the streams we hand it.

import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { Readable, Writable } from 'node:stream';
import { Client } from 'basic-ftp';
import { basicFtpLogger, Transcript } from './transcript.ts';
import type { TruthTransfer } from './truth.ts';

const require = createRequire(import.meta.url);

export function basicFtpVersion(): string {
  return (JSON.parse(readFileSync(require.resolve('basic-ftp/package.json'), 'utf8')) as { version: string }).version;
}

export interface BasicFtpPlan {
  host: string;
  port: number;
  user: string;
  password: string;
  secure?: boolean; //   explicit FTPS: AUTH TLS, PBSZ 0, PROT P
  download: { name: string; size: number };
  upload: { name: string; data: Buffer };
  append: Buffer;
  tryMlsd?: boolean; //  also send MLSD explicitly (basic-ftp only uses it when FEAT lists MLST)
}

export interface BasicFtpResult {
  transcript: Transcript;
  transfers: TruthTransfer[];
  errors: string[];
  info: string[]; // basic-ftp's other log lines (connection and TLS details)
}

/** Counts what basic-ftp hands us from a download. */
class CountingSink extends Writable {
  bytes = 0;
  override _write(chunk: Buffer, _enc: BufferEncoding, cb: () => void): void {
    this.bytes += chunk.length;
    cb();
  }
}

export async function runBasicFtp(plan: BasicFtpPlan): Promise<BasicFtpResult> {
  const tr = new Transcript();
  const client = new Client(15000);
  client.ftp.verbose = true;
  const info: string[] = [];
  client.ftp.log = basicFtpLogger(tr, plan.password, info);
  const errors: string[] = [];
  const xfers: Array<{ verb: RegExp; read?: number; wrote?: number; expected?: number }> = [];
  try {
    await client.access({
      host: plan.host,
      port: plan.port,
      user: plan.user,
      password: plan.password,
      secure: plan.secure ?? false,
      secureOptions: { rejectUnauthorized: false }, // the recorder's self-signed certificate
    });
    await client.pwd();
    await client.list();
    const sink = new CountingSink();
    await client.downloadTo(sink, plan.download.name);
    xfers.push({ verb: /^RETR /, read: sink.bytes, expected: plan.download.size });
    await client.uploadFrom(Readable.from([plan.upload.data]), plan.upload.name);
    xfers.push({ verb: /^STOR /, wrote: plan.upload.data.length, expected: plan.upload.data.length });
    await client.appendFrom(Readable.from([plan.append]), plan.upload.name);
    xfers.push({ verb: /^APPE /, wrote: plan.append.length, expected: plan.append.length });
    if (plan.tryMlsd) {
      client.availableListCommands = ['MLSD'];
      try {
        await client.list();
      } catch (e) {
        errors.push(`MLSD: ${(e as Error).message}`);
      }
    }
  } catch (e) {
    errors.push((e as Error).message);
  } finally {
    client.close(); // basic-ftp sends QUIT, then FIN, without waiting for the 221
    await new Promise((r) => setTimeout(r, 200));
  }
  return { transcript: tr, transfers: transfersOf(tr, xfers), errors, info };
}

/** Pairs each transfer command in the dialog with its replies and the byte counts we measured. */
function transfersOf(tr: Transcript, measured: Array<{ verb: RegExp; read?: number; wrote?: number; expected?: number }>): TruthTransfer[] {
  const out: TruthTransfer[] = [];
  let mode: TruthTransfer['mode'] = 'passive';
  const used = new Set<number>();
  for (const s of tr.steps) {
    if (s.command === 'EPSV') mode = 'extended-passive';
    else if (s.command === 'PASV') mode = 'passive';
    if (!s.command || !/^(RETR|STOR|APPE|LIST|MLSD|NLST)\b/.test(s.command)) continue;
    const t: TruthTransfer = { command: s.command, mode, replies: s.replies.map((r) => r.code) };
    const i = measured.findIndex((m, k) => !used.has(k) && m.verb.test(s.command!));
    if (i >= 0 && t.replies.some((c) => c >= 200 && c < 300)) {
      used.add(i);
      const m = measured[i]!;
      if (m.read !== undefined) t.clientRead = m.read;
      if (m.wrote !== undefined) t.clientWrote = m.wrote;
      if (m.expected !== undefined) t.expectedBytes = m.expected;
    }
    out.push(t);
  }
  return out;
}
