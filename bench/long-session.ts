// A trace that is one long FTP session: N passive RETRs over one control connection, each with
// its own data connection, as a mirror or backup job makes. The replicated bench traces are made
// of short sessions; this one shows what a session holds until it ends. `npm run bench` measures
// it as `ftp-long-session` (bench/big-trace.ts caches it); by hand:
//
//   node --import tsx bench/long-session.ts N FILE
//   /usr/bin/time -f '%e s %M KB' ftpdiag analyze FILE > /dev/null
//
// Crafted with src/craft, not captured from a server: what matters here is the shape.

import * as fs from 'node:fs';
import { framesToPcap } from '../src/craft/capture-files.ts';
import { TraceBuilder, type TcpLadder } from '../src/craft/trace-builder.ts';

const T0 = 1_700_000_000; // capture time of the first frame, seconds
/** Bumped when the trace written changes (bench/big-trace.ts rebuilds its cached copy). */
export const LONG_SESSION_VERSION = 2;

export interface LongSession {
  frames: number;
  durationSeconds: number;
}

/** Writes the session with `transfers` RETRs to `file`, and its first `prefixFrames` frames to
 *  `prefixFile` when given. */
export function writeLongSession(transfers: number, file: string, prefix?: { file: string; frames: number }): LongSession {
  const t = new TraceBuilder({ start: T0, step: 0.0005 });
  // a short session first (a monitoring probe): the long session's connection, session and
  // transfer ids then differ from their positions in its released unit, as they do for every
  // session but a capture's first
  const probe = t.tcp({ client: '10.1.0.3:40000', server: '10.1.0.2:21' });
  probe.handshake();
  converse(probe, ['220 ready', 'QUIT', '221 goodbye']);
  probe.close();
  const c = t.tcp({ client: '10.1.0.1:40000', server: '10.1.0.2:21' });
  c.handshake();
  converse(c, ['220 ready', 'USER backup', '331 password please', 'PASS secret', '230 logged in', 'TYPE I', '200 binary']);
  for (let i = 0; i < transfers; i++) {
    // ports cycle: a 4-tuple comes back only long after its flow was forgotten
    const port = 20000 + (i % 40000);
    c.client('PA', 'PASV\r\n');
    c.server('PA', `227 Entering Passive Mode (10,1,0,2,${port >> 8},${port & 255})\r\n`);
    const d = t.tcp({ client: `10.1.0.1:${1024 + (i % 60000)}`, server: `10.1.0.2:${port}` });
    d.handshake();
    c.client('PA', `RETR file${i}\r\n`);
    c.server('PA', '150 opening data connection\r\n');
    d.server('PA', 100);
    d.close();
    c.server('PA', '226 transfer complete\r\n');
    c.client('A');
    t.wait(0.02);
  }
  c.client('PA', 'QUIT\r\n');
  c.server('PA', '221 goodbye\r\n');
  c.close();
  t.writePcap(file);
  const frames = t.frames();
  if (prefix) fs.writeFileSync(prefix.file, framesToPcap(frames.slice(0, prefix.frames), { linkType: t.linkType }));
  const last = frames[frames.length - 1]!;
  return { frames: frames.length, durationSeconds: last.tsSec + last.tsNsec / 1e9 - T0 };
}

/** Control-connection lines, the server's first, then turn about. */
export function converse(c: TcpLadder, lines: string[]): void {
  lines.forEach((line, i) => (i % 2 === 0 ? c.server('PA', `${line}\r\n`) : c.client('PA', `${line}\r\n`)));
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const n = Number(process.argv[2]);
  const file = process.argv[3];
  if (!Number.isInteger(n) || n < 1 || !file) {
    process.stderr.write('usage: node --import tsx bench/long-session.ts TRANSFERS FILE\n');
    process.exit(2);
  }
  process.stdout.write(`${file}: ${writeLongSession(n, file).frames} frames, one session of ${n} transfers\n`);
}
