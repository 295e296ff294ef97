// Cross-checks each trace in captures/ against its truth file with tshark (an independent
// dissector): per control connection, the FTP reply codes tshark decodes must be the reply codes
// the recording client received. Run after record.ts:
//
//   node --import tsx scripts/captures/verify.ts [DIR]
//
// Consecutive equal codes are collapsed on both sides (tshark reports "211-…" and "211 End" as
// two replies, the client one). Explicit FTPS is compared up to the 234 reply to AUTH TLS; a
// 221 on the wire after a QUIT the client did not wait for is ignored.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Truth } from './lib/truth.ts';

const dir = process.argv[2] ?? fileURLToPath(new URL('../../captures/', import.meta.url));

function collapse(codes: number[]): number[] {
  return codes.filter((c, i) => i === 0 || codes[i - 1] !== c);
}

let bad = 0;
for (const f of readdirSync(dir).filter((x) => x.endsWith('.truth.json')).sort()) {
  const truth = JSON.parse(readFileSync(join(dir, f), 'utf8')) as Truth;
  const trace = join(dir, truth.trace);
  const out = execFileSync('tshark', ['-r', trace, '-d', `tcp.port==${truth.server.port},ftp`, '-Y', 'ftp.response.code', '-T', 'fields', '-e', 'tcp.stream', '-e', 'ftp.response.code'], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const streams = new Map<string, number[]>();
  for (const line of out.split('\n').filter(Boolean)) {
    const [stream, codes] = line.split('\t');
    const list = streams.get(stream!) ?? [];
    list.push(...codes!.split(',').map(Number));
    streams.set(stream!, list);
  }
  const seen = [...streams.values()].map(collapse);
  const problems: string[] = [];
  truth.sessions.forEach((s, i) => {
    let want = collapse(s.replyCodes);
    const auth = s.dialog.findIndex((d) => d.command === 'AUTH TLS' && d.replies.some((r) => r.code === 234));
    if (auth >= 0) want = collapse(s.dialog.slice(0, auth + 1).flatMap((d) => d.replies.map((r) => r.code)));
    let got = seen[i] ?? [];
    // a client that closes right after QUIT (basic-ftp) never reads the 221 that is on the wire
    const last = s.dialog.at(-1);
    if (last?.command === 'QUIT' && last.replies.length === 0 && got.at(-1) === 221) got = got.slice(0, -1);
    if (got.join(' ') !== want.join(' ')) problems.push(`session ${i} (${s.label}): tshark ${got.join(' ')} | truth ${want.join(' ')}`);
  });
  if (seen.length !== truth.sessions.length) problems.push(`tshark sees ${seen.length} control connections, truth has ${truth.sessions.length}`);
  if (problems.length) bad++;
  console.log(`${problems.length ? 'MISMATCH' : 'ok      '} ${truth.trace}${problems.length ? `\n    ${problems.join('\n    ')}` : ''}`);
}
console.log(bad ? `${bad} trace(s) disagree with their truth file` : 'all traces agree with their truth files');
process.exit(bad ? 1 : 0);
