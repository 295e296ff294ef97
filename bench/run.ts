// All benchmarks, one report: node --import tsx bench/run.ts (npm run bench).
//   --quick           small traces (200k frames, 5k concurrent connections), 3 runs: a smoke run
//   --regen           rebuild the cached traces in $TMPDIR/ftpdiag-bench
//   --runs N          runs per measurement (default 3; medians are quoted)
//   --runs-big N      runs of analyze on the full traces (default 1: minutes each)
//   --heap-mb N       also run analyze on the full traces with --max-old-space-size=N (default
//                     0: no; the default heap is enough since analyze streams its reports)
//   --tshark-bound S  seconds a tshark pass may take on the full trace before the 1M-frame prefix
//                     is used instead (default 600)
//   --run-timeout S   seconds one run may take before it is killed and reported failed (1200)
//   --no-tshark       skip tshark
//   --no-tcptrace     skip tcptrace (a baseline beside tshark: Debian package tcptrace)
//   --traces A,B      only these traces (ftp-10m, ftp-concurrent, ftp-long-session, ftp-bulk)
//   --compare-with DIR  also measure DIR's ftpdiag (another checkout, bundle built) in the same
//                     interleaved runs: the target table gets its figures in a column of its own
//   --no-full         the sequential trace on its 1M-frame prefix only, no concurrent trace: what a
//                     busy shared machine allows in minutes (does not write RESULTS.md)
//   --write / --no-write   write bench/RESULTS.md (default: only for a full run)
// Each benchmark module exports a function returning its figures; add a row block per module.
import * as fs from 'node:fs';
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import Table from 'cli-table3';
import { tableStyle } from '../src/report/style.ts';
import { benchReader } from './reader.ts';
import { benchEndToEnd, checkCells, machineLine, otherTreeResults, RESULT_HEAD, resultRows, TARGET_HEAD, targetChecks } from './e2e.ts';

const argv = process.argv.slice(2);
const flag = (name: string) => argv.includes(name);
const value = (name: string, dflt: number) => {
  const i = argv.indexOf(name);
  return i >= 0 && argv[i + 1] !== undefined ? Number(argv[i + 1]) : dflt;
};
const quick = flag('--quick');
const runs = value('--runs', 3);
const noFull = flag('--no-full');
const tracesArg = argv.indexOf('--traces');
const onlyTraces = tracesArg >= 0 && argv[tracesArg + 1] ? argv[tracesArg + 1]!.split(',') : null;
const write = flag('--write') || (!quick && !noFull && onlyTraces === null && !flag('--no-write'));
const log = (s: string) => console.error(s);

/** The commit a measured tree is at (and whether it has uncommitted changes), so that RESULTS.md
 *  says which code its figures belong to; "unknown" outside a git checkout. */
function treeCommit(dir: string): string {
  try {
    const sha = execFileSync('git', ['-C', dir, 'rev-parse', '--short', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    const dirty = execFileSync('git', ['-C', dir, 'status', '--porcelain', '--untracked-files=no'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() !== '';
    return dirty ? `${sha} with uncommitted changes` : sha;
  } catch {
    return 'unknown commit';
  }
}

const r = await benchReader(quick ? { frames: 200_000, runs: 3 } : {});
const style = tableStyle(process.stdout.isTTY === true);
const readerTable = new Table({ style, head: ['benchmark', 'subject', 'median ms', 'M frames/s', 'MB/s', 'note'] });
readerTable.push(
  ['capture reader', 'readCapture', r.ours.ms.toFixed(1), (r.ours.framesPerSec / 1e6).toFixed(2), r.ours.mbPerSec.toFixed(0), `${r.frames} frames of 60 B, median of ${r.runs}`],
  ['', 'pcap-parser', r.pcapParser.ms.toFixed(1), (r.pcapParser.framesPerSec / 1e6).toFixed(2), r.pcapParser.mbPerSec.toFixed(0), `readCapture is ${r.ratio.toFixed(1)}x faster`],
);
console.log(readerTable.toString());

const results = await benchEndToEnd({
  quick,
  regen: flag('--regen'),
  runs,
  runsBig: value('--runs-big', quick ? runs : 1),
  heapMB: value('--heap-mb', 0),
  runTimeout: value('--run-timeout', 1200),
  tsharkBound: value('--tshark-bound', 600),
  tshark: !flag('--no-tshark'),
  tcptrace: !flag('--no-tcptrace'),
  traces: onlyTraces,
  compareWith: argv.indexOf('--compare-with') >= 0 ? (argv[argv.indexOf('--compare-with') + 1] ?? null) : null,
  noFull,
  log,
});

const table = new Table({ style, head: RESULT_HEAD });
for (const row of resultRows(results)) table.push(row);
console.log(table.toString());
const checks = targetChecks(results);
const otherResults = otherTreeResults(results);
const otherChecks = otherResults ? targetChecks(otherResults) : null;
const targetHead = otherChecks ? [...TARGET_HEAD, '--compare-with tree: measured', 'against the baseline', 'met'] : TARGET_HEAD;
const otherRow = (c: (typeof checks)[number]) => {
  const o = otherChecks!.find((x) => x.workload === c.workload && x.target === c.target);
  return o ? checkCells(o).slice(2) : ['not measured', '-', '-'];
};
const targetRows = checks.map((c) => (otherChecks ? [...checkCells(c), ...otherRow(c)] : checkCells(c)));
const targets = new Table({ style, head: targetHead });
for (const row of targetRows) targets.push(row);
console.log(targets.toString());

if (write) {
  const md = (head: string[], rows: string[][]) =>
    [`| ${head.join(' | ')} |`, `|${head.map(() => ' --- ').join('|')}|`, ...rows.map((row) => `| ${row.join(' | ')} |`)].join('\n');
  let tsharkVersion = 'TShark not installed';
  try {
    tsharkVersion = execFileSync('tshark', ['--version'], { encoding: 'utf8' }).split('\n')[0]!.replace(/\.$/, '');
  } catch {
    // not installed
  }
  let tcptraceVersion = 'tcptrace not installed';
  try {
    const v = spawnSync('tcptrace', ['-v'], { encoding: 'utf8' });
    const m = /tcptrace -- version [^ ]+/.exec(`${v.stdout ?? ''}${v.stderr ?? ''}`);
    if (m) tcptraceVersion = m[0].replace(' -- ', ' ');
  } catch {
    // not installed
  }
  const traces = results
    .map((x) => {
      const what =
        x.trace.layout === 'long-session'
          ? `one FTP session of ${x.trace.transfers} passive RETRs, each on a data connection of its own, after a short session (crafted: bench/long-session.ts)`
          : x.trace.layout === 'bulk'
            ? `one FTP session of ${x.trace.transfers} passive RETRs of ${x.trace.segments} full-size segments each, an ACK every second segment (crafted: bench/bulk-transfer.ts)`
            : `${x.trace.replicas} replicas of the sessions of ${x.trace.captures ?? '?'} captures/ traces`;
      return `- \`${x.trace.name}\` (${x.trace.layout}): ${x.trace.frames} frames, ${(x.trace.bytes / 1e6).toFixed(0)} MB, ${what}, up to ${x.trace.maxConcurrentConnections} connections open at once, ${x.trace.durationSeconds.toFixed(0)} s of capture time${x.trace.prefixFile ? `; prefix: first ${x.trace.prefixFrames} frames` : ''}`;
    })
    .join('\n');
  const compareArg = argv.indexOf('--compare-with');
  const trees = [`ftpdiag at ${treeCommit(fileURLToPath(new URL('..', import.meta.url)))}`];
  if (compareArg >= 0 && argv[compareArg + 1]) trees.push(`--compare-with tree at ${treeCommit(argv[compareArg + 1]!)}`);
  const text = `# Benchmark results

Measured ${new Date().toISOString().slice(0, 10)} with \`npm run bench${argv.length ? ` -- ${argv.join(' ')}` : ''}\` on ${machineLine()}; ${tsharkVersion}; ${tcptraceVersion}.
Trees measured: ${trees.join('; ')}.
The machine is shared and noisy: quote the medians and the ratios, not the absolute figures.

Traces (bench/big-trace.ts; data-connection frames cut to ${results[0]?.trace.dataCut ?? '?'} bytes as with \`tcpdump -s\`, IP/TCP checksums left stale):
${traces}

Wall times are whole processes (start-up included; reports written to /dev/null); peak RSS from GNU time. \`analyze\` is the default text report; the targets are checked on it.
Where the time and the memory go, and what bounding memory would take: bench/README.md.

${md(RESULT_HEAD, resultRows(results))}

Targets (issue 27; \`analyze\` runs on one core):

${md(targetHead, targetRows)}

Capture reader alone (bench/reader.ts, 1M frames of 60 bytes, median of ${r.runs}): readCapture ${(r.ours.framesPerSec / 1e6).toFixed(2)} M frames/s, pcap-parser ${(r.pcapParser.framesPerSec / 1e6).toFixed(2)} M frames/s (${r.ratio.toFixed(1)}×).
`;
  const out = fileURLToPath(new URL('./RESULTS.md', import.meta.url));
  fs.writeFileSync(out, text);
  log(`wrote ${out}`);
}
