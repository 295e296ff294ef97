// Long-running mutation fuzzer for the capture reader and the link/IP/TCP decoders, and (target
// pipeline) for the whole analysis: mutated frames of captures/*.pcap (and --corpus directories)
// through decode → TCP → FTP → diagnosis and both reports (test/fuzz/harness/pipeline.ts). Three
// targets draw each case from a seed of its own: cli (every command as typed, standard output
// working, going away or failing, the capture on stdin; a known password must never show:
// harness/cli.ts), detect (sessions with hostile first lines must be found: harness/hostile.ts)
// and flows (colliding tuples, SYN floods, one connection with scale × 10^5 segments:
// harness/flows.ts).
//
//   node --import tsx scripts/fuzz.ts [--seconds N] [--target reader|decoder|all|pipeline|cli|detect|flows] [--workers N]
//        [--seed N] [--out DIR] [--no-corpus] [--corpus DIR]... [--max-seed-bytes N] [--hang-ms N] [--scale N]
//   node --import tsx scripts/fuzz.ts --replay FILE [--target reader|decoder|all|pipeline]
//   node --import tsx scripts/fuzz.ts --case SEED --target cli|detect|flows [--scale N]
//
// Without --target (`npm run fuzz`) every target runs in turn, sharing --seconds.
//
// Seeds: captures written by the project's writers and builders, the public traces of
// ../shared/corpus/public (and any --corpus directory, e.g. captures/). Each mutant goes through
// the oracles of test/fuzz/harness/oracles.ts: only frames + summary or a CaptureError with an
// offset inside the input, no allocation sized by a length field, identical results whatever the
// chunking, a decoder that never reaches its catch-all. A case that never returns is caught by a
// watchdog. Findings are grouped by signature; the smallest input of each is saved to --out
// (default ./fuzz-findings, gitignored) with a .txt saying what broke and how to replay it.
// Exit status: 0 when nothing was found, 1 when something was, 2 on bad arguments.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import * as os from 'node:os';
import { runSeededCase, SEEDED_TARGETS, type Target } from '../test/fuzz/harness/campaign.ts';
import { describeFindings, FINDINGS_DIR, saveFinding } from '../test/fuzz/harness/findings.ts';
import { runFuzz, type FindingGroup } from '../test/fuzz/harness/pool.ts';
import { replayInput } from '../test/fuzz/harness/replay.ts';

const TARGETS: readonly Target[] = ['reader', 'decoder', 'all', 'pipeline', 'cli', 'detect', 'flows'];

function usage(msg: string): never {
  process.stderr.write(`fuzz: ${msg}\nusage: node --import tsx scripts/fuzz.ts [--seconds N] [--target ${TARGETS.join('|')}] [--workers N] [--seed N] [--out DIR] [--no-corpus] [--corpus DIR]... [--scale N] [--replay FILE] [--case SEED]\n`);
  process.exit(2);
}

function positiveInt(name: string, v: string | undefined, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) usage(`--${name} wants a positive number, got '${v}'`);
  return n;
}

const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

async function main(): Promise<number> {
  let args;
  try {
    args = parseArgs({
      options: {
        seconds: { type: 'string' },
        target: { type: 'string' },
        workers: { type: 'string' },
        seed: { type: 'string' },
        out: { type: 'string' },
        'no-corpus': { type: 'boolean' },
        corpus: { type: 'string', multiple: true },
        'max-seed-bytes': { type: 'string' },
        'hang-ms': { type: 'string' },
        replay: { type: 'string' },
        case: { type: 'string' },
        scale: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }).values;
  } catch (e) {
    usage((e as Error).message);
  }
  if (args.help) usage('help');
  const target = (args.target ?? 'all') as Target;
  if (!TARGETS.includes(target)) usage(`--target must be one of ${TARGETS.join(', ')}, not '${args.target}'`);
  const seeded = SEEDED_TARGETS.includes(target);
  // flows: 10 × 10^5 segments per connection by default here (millions with --scale 10 and more)
  const scale = positiveInt('scale', args.scale, target === 'flows' ? 10 : 1);

  if (args.case !== undefined) {
    if (!seeded) usage('--case replays a case of the cli, detect or flows target');
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'ftpdiag-fuzz-case-'));
    try {
      const outcome = await runSeededCase(target, Number(args.case) >>> 0, { scratchDir: dir, scale });
      process.stdout.write(`case ${args.case}: ${outcome}: every oracle holds\n`);
      return 0;
    } catch (e) {
      const f = e as Error & { kind?: string; detail?: string };
      process.stdout.write(`FAIL [${f.kind ?? 'crash'}] case ${args.case}: ${f.message}\n${f.detail ?? f.stack ?? ''}\n`);
      return 1;
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  }

  if (args.replay !== undefined) {
    const input = fs.readFileSync(args.replay);
    const r = await replayInput(input, target);
    process.stdout.write(`${args.replay}: ${input.length} bytes, ${r.frames} frames, ending: ${r.ending}\n`);
    if (Object.keys(r.outcomes).length > 0) process.stdout.write(`decoder outcomes: ${JSON.stringify(r.outcomes)}\n`);
    for (const { path: p, finding } of r.findings) {
      process.stdout.write(`FAIL [${finding.kind}] ${p}: ${finding.message}\n${finding.detail ? `${finding.detail}\n` : ''}`);
    }
    process.stdout.write(r.findings.length === 0 ? 'no finding: every oracle holds\n' : `${r.findings.length} finding(s)\n`);
    return r.findings.length === 0 ? 0 : 1;
  }

  const seconds = positiveInt('seconds', args.seconds, 60);
  const workers = positiveInt('workers', args.workers, 1);
  const seed = args.seed !== undefined ? Number(args.seed) >>> 0 : (Date.now() ^ (process.pid << 16)) >>> 0;
  const out = args.out ?? FINDINGS_DIR;
  const corpusDirs = [path.resolve(new URL('../../shared/corpus/public/', import.meta.url).pathname), ...(args.corpus ?? []).map((d) => path.resolve(d))];
  const common = { seed, workers, out, corpusDirs, args };
  if (args.target !== undefined) return campaign(target, seconds, scale, common);
  // no --target: every one in turn, the time shared between them
  let failed = 0;
  for (const t of EVERY) failed |= await campaign(t, Math.max(1, seconds / EVERY.length), t === 'flows' ? positiveInt('scale', args.scale, 10) : 1, common);
  return failed;
}

/** Targets `npm run fuzz` runs when none is named. */
const EVERY: readonly Target[] = ['all', 'pipeline', 'cli', 'detect', 'flows'];

interface Common {
  seed: number;
  workers: number;
  out: string;
  corpusDirs: string[];
  args: { 'hang-ms'?: string; 'no-corpus'?: boolean; corpus?: string[]; 'max-seed-bytes'?: string };
}

/** One target's campaign; 0 when nothing was found, 1 when something was. */
async function campaign(target: Target, seconds: number, scale: number, { seed, workers, out, corpusDirs, args }: Common): Promise<number> {
  process.stdout.write(`fuzzing ${target} for ${seconds} s with ${workers} worker(s), seed ${seed} (replay a run with --seed ${seed} --target ${target})\n`);

  let lastLine = 0;
  const saved = new Map<string, string>();
  const result = await runFuzz({
    target,
    seed,
    seconds,
    workers,
    // a pipeline case is a whole analysis: > 2 s is a hang (and slow) by the pipeline oracle's
    // bound; a cli case runs a command (twice when its output failed); a flows case grows with scale
    hangMs: positiveInt('hang-ms', args['hang-ms'], target === 'pipeline' ? 2000 : target === 'flows' ? 60_000 * scale : target === 'cli' ? 30_000 : 10_000),
    ...(target === 'pipeline' ? { slowMs: 2000 } : target === 'cli' ? { slowMs: 10_000 } : target === 'flows' ? { slowMs: 20_000 * scale } : {}),
    scale,
    corpus: args['no-corpus'] !== true,
    corpusDirs,
    pipelineDirs: (args.corpus ?? []).map((d) => path.resolve(d)),
    maxSeedBytes: positiveInt('max-seed-bytes', args['max-seed-bytes'], 256 * 1024),
    onProgress(cases, ms) {
      if (ms - lastLine < 5000) return;
      lastLine = ms;
      process.stdout.write(`  ${(ms / 1000).toFixed(0).padStart(5)} s  ${fmt(cases).padStart(12)} inputs  ${fmt((cases / ms) * 1000).padStart(8)}/s  findings: ${saved.size}\n`);
    },
    onFinding(g: FindingGroup, isNew: boolean) {
      if (!isNew) return;
      saved.set(g.signature, saveFinding(out, g));
      process.stdout.write(`  NEW [${g.kind}] ${g.target}: ${g.message}\n`);
    },
  });
  // rewrite each finding with its smallest example
  for (const g of result.findings) saved.set(g.signature, saveFinding(out, g));

  const s = result.ms / 1000;
  process.stdout.write(`\n${fmt(result.cases)} inputs in ${s.toFixed(1)} s: ${fmt(result.cases / s)} inputs/s`);
  process.stdout.write(` (${fmt(result.inputBytes / s / 1024)} KiB/s of input; ${result.captureSeeds} capture seeds, ${result.frameSeeds} frame seeds)\n`);
  if (result.readerCases > 0) process.stdout.write(`reader: ${fmt(result.readerCases)} captures, ${fmt(result.readerCases / s)}/s\n`);
  if (result.pipelineCases > 0) process.stdout.write(`pipeline: ${fmt(result.pipelineCases)} mutant captures analysed, ${fmt(result.pipelineCases / s)}/s\n`);
  if (result.seededCases > 0) process.stdout.write(`${target}: ${fmt(result.seededCases)} cases, ${fmt(result.seededCases / s)}/s\n`);
  if (result.decoderCases > 0) process.stdout.write(`decoder: ${fmt(result.decoderCases)} frames, ${fmt(result.decoderCases / s)}/s\n`);
  const outcomes = Object.entries(result.outcomes).sort((a, b) => a[0].localeCompare(b[0]));
  process.stdout.write(`outcomes: ${outcomes.map(([k, v]) => `${k} ${fmt(v)}`).join(', ')}\n`);
  if (result.findings.length === 0) {
    process.stdout.write('no findings\n');
    return 0;
  }
  process.stdout.write(`${result.findings.length} finding(s), saved in ${out}/:\n${describeFindings(result.findings)}\n`);
  for (const f of saved.values()) process.stdout.write(`  ${f}\n`);
  return 1;
}

process.exitCode = await main();
