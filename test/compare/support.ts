// Test support for compare tests: the CLI run in-process, and a crafted two-point pair written
// to a temporary folder.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/program.ts';
import type { CliIO } from '../../src/cli/io.ts';
import type { TwoPoint } from './two-point.ts';

export async function cli(args: string[], extra: Partial<CliIO> = {}): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), stdoutIsTTY: false, columns: undefined, env: {}, ...extra };
  const code = await runCli(args, io);
  return { code, out, err };
}

/** Both captures of a crafted pair as files (remove `dir` when done). */
export function writePair(tp: TwoPoint): { a: string; b: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ftpdiag-compare-'));
  const a = join(dir, 'client-side.pcap');
  const b = join(dir, 'server-side.pcap');
  writeFileSync(a, tp.a.toPcap());
  writeFileSync(b, tp.b.toPcap());
  return { a, b, dir };
}
