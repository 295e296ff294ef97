// Byte-identical check for performance work: the text and JSON reports of every trace of captures/
// and ../shared/corpus (and of the release test's replicated trace, when cached), written from one
// commit and compared from another. A change to how the analysis runs must leave them equal.
//   node --import tsx bench/golden.ts write DIR     reports of this tree into DIR
//   node --import tsx bench/golden.ts check DIR     this tree's reports against DIR (exit 1 on a difference)
//   --corpus DIR: the shared corpus elsewhere than ../shared/corpus (a checkout outside the work tree)
// The reports are produced in process (the CLI's runCli), so a run takes about a minute.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCli } from '../src/cli/program.ts';
import type { CliIO } from '../src/cli/io.ts';
import { BENCH_DIR } from './reader.ts';
import { projectRoot, traceFiles } from '../test/support/trace-files.ts';

/** Every trace the check covers, by a name that is a file name. */
function traces(): Array<{ name: string; file: string }> {
  const out: Array<{ name: string; file: string }> = [];
  const named = (prefix: string, dir: string) => {
    for (const file of traceFiles(dir)) out.push({ name: `${prefix}_${path.relative(dir, file).replace(/[^A-Za-z0-9._-]/g, '_')}`, file: path.relative(projectRoot, file) });
  };
  named('captures', path.join(projectRoot, 'captures'));
  named('corpus', corpusArg !== null ? path.resolve(startDir, corpusArg) : path.join(projectRoot, '..', 'shared', 'corpus'));
  const replicated = path.join(BENCH_DIR, 'test-release-sequential.pcap');
  if (fs.existsSync(replicated)) out.push({ name: 'replicated_test-release-sequential.pcap', file: path.relative(projectRoot, replicated) });
  return out;
}

// The reports name their capture and wrap that line at the report's width: the captures are given
// by paths relative to the project root (the working directory), so that two checkouts at paths of
// different lengths wrap alike (with absolute paths every report naming a file differed).
const startDir = process.cwd(); // DIR and --corpus as given are relative to it
process.chdir(projectRoot);

async function report(args: string[]): Promise<string> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), stdoutIsTTY: false, columns: undefined, env: {} };
  const code = await runCli(args, io);
  // the reports name the file: a checkout elsewhere (the reference) must compare equal
  return `exit ${code}\n${err}\n${out}`.split(projectRoot).join('<root>/');
}

const args = process.argv.slice(2);
const corpusAt = args.indexOf('--corpus');
const corpusArg = corpusAt >= 0 ? (args.splice(corpusAt, 2)[1] ?? null) : null;
const [mode, dir] = args;
if ((mode !== 'write' && mode !== 'check') || !dir) {
  console.error('usage: bench/golden.ts write|check DIR');
  process.exit(2);
}
const outDir = path.resolve(startDir, dir);
fs.mkdirSync(outDir, { recursive: true });
let differ = 0;
let n = 0;
for (const t of traces()) {
  for (const [ext, args] of [
    ['txt', ['analyze', t.file]],
    ['json', ['analyze', '--json', t.file]],
  ] as const) {
    const text = await report([...args]);
    const ref = path.join(outDir, `${t.name}.${ext}`);
    n++;
    if (mode === 'write') fs.writeFileSync(ref, text);
    else if (!fs.existsSync(ref)) {
      differ++;
      console.error(`missing reference: ${ref}`);
    } else if (fs.readFileSync(ref, 'utf8') !== text) {
      differ++;
      fs.writeFileSync(`${ref}.new`, text);
      console.error(`differs: ${t.file} (${ext}); this tree's report is ${ref}.new`);
    }
  }
}
console.error(`${n} reports ${mode === 'write' ? 'written' : `compared, ${differ} differ`}`);
process.exit(differ > 0 ? 1 : 0);
