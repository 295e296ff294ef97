// Test support for compare tests: a crafted two-point pair written to a temporary folder.

import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TwoPoint } from './two-point.ts';

/** Both captures of a crafted pair as files (remove `dir` when done). */
export function writePair(tp: TwoPoint): { a: string; b: string; dir: string } {
  const dir = mkdtempSync(join(tmpdir(), 'ftpdiag-compare-'));
  const a = join(dir, 'client-side.pcap');
  const b = join(dir, 'server-side.pcap');
  writeFileSync(a, tp.a.toPcap());
  writeFileSync(b, tp.b.toPcap());
  return { a, b, dir };
}
