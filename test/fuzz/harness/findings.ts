// Saving findings for reproduction: the input as a capture file, a text file saying what broke.
// One pair per signature (rewritten when a smaller example turns up), in a gitignored directory.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FindingGroup } from './pool.ts';

/** Default directory for findings, relative to the working directory. */
export const FINDINGS_DIR = 'fuzz-findings';

function extension(input: Uint8Array): string {
  if (input.length < 4) return 'bin';
  const m = Buffer.from(input.buffer, input.byteOffset, 4).readUInt32BE(0);
  if (m === 0x0a0d0d0a) return 'pcapng';
  if ([0xd4c3b2a1, 0xa1b2c3d4, 0x4d3cb2a1, 0xa1b23c4d].includes(m)) return 'pcap';
  if (input[0] === 0x1f && input[1] === 0x8b) return 'gz';
  return 'bin';
}

/** Writes `<kind>-<target>-<hash of signature>.<ext>` and a `.txt` beside it; returns the input's path. */
export function saveFinding(dir: string, g: FindingGroup): string {
  fs.mkdirSync(dir, { recursive: true });
  const base = `${g.kind}-${g.target}-${createHash('sha1').update(g.signature).digest('hex').slice(0, 10)}`;
  const file = path.join(dir, `${base}.${extension(g.input)}`);
  // a smaller example may have another format: drop the previous one
  for (const old of fs.readdirSync(dir)) if (old.startsWith(`${base}.`) && !old.endsWith('.txt')) fs.rmSync(path.join(dir, old));
  fs.writeFileSync(file, g.input);
  const text = [
    `signature: ${g.signature}`,
    `message:   ${g.message}`,
    `path:      ${g.how}${g.seed === '' ? '' : ` (mutated from ${g.seed})`}`,
    `seen:      ${g.count} time(s); this is the smallest input (${g.input.length} bytes)`,
    `replay:    node --import tsx scripts/fuzz.ts --replay ${file} --target ${g.target}`,
    '',
    g.detail,
    '',
  ].join('\n');
  fs.writeFileSync(path.join(dir, `${base}.txt`), text);
  return file;
}

/** One line per group, for test failures and the run report. */
export function describeFindings(groups: readonly FindingGroup[]): string {
  return groups
    .map((g) => `${g.signature} (x${g.count}, ${g.how}${g.seed === '' ? '' : `, from ${g.seed}`}; ${g.input.length}-byte input ${Buffer.from(g.input.subarray(0, 48)).toString('hex')}${g.input.length > 48 ? '…' : ''})`)
    .join('\n');
}
