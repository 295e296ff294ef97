// `ftpdiag compare A B`: two captures of the same traffic, taken at two points of the path.
// With --ladder: one connection drawn across both capture points (two-point-ladder.ts).

import type { Argv } from 'yargs';
import { isStdinPath } from '../../capture/read.ts';
import type { CompareResult } from '../../compare/compare.ts';
import { DEFAULT_MAX_SEGMENTS } from '../../compare/signatures.ts';
import type { TwoPointTarget } from '../../compare/two-point-ladder.ts';
import { escapeJsonText, escapeWire } from '../../report/escape.ts';
import { DEFAULT_MAX } from '../../report/ladder-model.ts';
import { useColor } from '../../report/style.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';
import { cliWidth, type WidthArgs } from '../width-option.ts';
import { MIN_WIDTH } from '../../report/layout.ts';
import { errorWords } from '../../report/output-error.ts';

export interface CompareArgs extends WidthArgs {
  a: string;
  b: string;
  json: boolean;
  maxSegments: number;
  ladder: boolean;
  connection: string | undefined;
  max: number;
  showPasswords: boolean;
  color: boolean | undefined;
  failOn: string | string[];
}

/** What `--fail-on` can name: a kind of difference claimed between the points, or a verdict
 *  other than "the same traffic" (not the same, or cannot judge). */
export const COMPARE_FAIL_ON = ['lost', 'injected', 'changed', 'no-match'] as const;
export type CompareFailOn = (typeof COMPARE_FAIL_ON)[number];

// The default is no-match: a comparison that cannot show the two captures are the same traffic
// has nothing to say about the path, so a CI job must not pass on it (the wrong file, a capture
// of another session, a capture that missed the traffic). Loss, injection and changes are not in
// the default: through NAT an ALG changes every PORT, and a segment lost and resent is ordinary;
// a job that means to gate on them names them.
export const DEFAULT_COMPARE_FAIL_ON: readonly CompareFailOn[] = ['no-match'];

/** `--fail-on lost,injected`, repeated, or `none`. */
export function parseFailOn(arg: string | string[] | undefined): CompareFailOn[] {
  const words = ([] as Array<string | undefined>)
    .concat(arg)
    .flatMap((x) => (typeof x === 'string' ? x.split(',') : []))
    .map((x) => x.trim().toLowerCase())
    .filter((x) => x !== '');
  if (arg === undefined) return [...DEFAULT_COMPARE_FAIL_ON];
  if (words.length === 0) throw new CliError(`--fail-on wants ${COMPARE_FAIL_ON.join(', ')} or none`);
  if (words.includes('none')) {
    if (words.length > 1) throw new CliError('--fail-on none cannot be combined with other values');
    return [];
  }
  const bad = words.filter((w) => !(COMPARE_FAIL_ON as readonly string[]).includes(w));
  if (bad.length > 0) throw new CliError(`--fail-on wants ${COMPARE_FAIL_ON.join(', ')} or none (comma-separated or repeated), not ${JSON.stringify(bad[0])}`);
  return [...new Set(words)] as CompareFailOn[];
}

/** Exit 1 when the comparison shows what `failOn` names. Captures not shown to be the same
 *  traffic fail whatever is named: no loss, injection or change was claimed, but none could be
 *  ruled out either, and a gate must not pass on a check it could not make. */
export function compareExitCode(r: CompareResult, failOn: readonly CompareFailOn[]): ExitCode {
  if (failOn.length > 0 && r.sameTraffic.verdict !== 'yes') return ExitCode.FINDINGS;
  const hit: Record<CompareFailOn, boolean> = {
    lost: r.totals.lost > 0,
    injected: r.totals.injected > 0,
    changed: r.totals.changed > 0,
    'no-match': false, // (above)
  };
  return failOn.some((f) => hit[f]) ? ExitCode.FINDINGS : ExitCode.OK;
}

export const command = 'compare <a> <b>';
export const describe = 'Compare two captures of the same traffic taken at two points (client side, server side)';

export function builder(y: Argv): Argv<CompareArgs> {
  return y
    .positional('a', { type: 'string', describe: 'capture taken at one point (e.g. the client side)', demandOption: true })
    .positional('b', { type: 'string', describe: 'capture of the same traffic at another point (e.g. the server side)', demandOption: true })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document instead of text' })
    .option('max-segments', { type: 'number', default: DEFAULT_MAX_SEGMENTS, describe: 'TCP segments read per capture (memory bound: ~50 bytes each)' })
    .option('ladder', { type: 'boolean', default: false, describe: 'draw one connection across both capture points' })
    .option('connection', { type: 'string', requiresArg: true, describe: 'with --ladder: connection id in A (or A#ID, B#ID); default: the first with a difference' })
    .option('max', { type: 'number', default: DEFAULT_MAX, requiresArg: true, describe: 'with --ladder: segments drawn before runs of bulk data are folded into "…" lines' })
    .option('show-passwords', { type: 'boolean', default: false, describe: 'show passwords and other credentials (PASS, ACCT, SITE PSWD …) instead of REDACTED' })
    .option('color', { type: 'boolean', describe: 'colour (default: only on a terminal; never with NO_COLOR set)' })
    .option('fail-on', {
      type: 'string',
      requiresArg: true,
      default: DEFAULT_COMPARE_FAIL_ON.join(','),
      describe: `exit 1 when the comparison shows any of these (${COMPARE_FAIL_ON.join(', ')}; comma-separated or repeated; none: never). no-match: the captures are not shown to be the same traffic (any value but none fails then: nothing could be checked)`,
    })
    .example('$0 compare client.pcap server.pcap', 'what changed, got lost or was injected between the two points')
    .example('$0 compare client.pcap server.pcap --fail-on lost,injected', 'exit 1 on a segment lost or injected between the points (or captures not of the same traffic)')
    .example('$0 compare client.pcap server.pcap --ladder --connection 0', 'connection 0 of the first capture, drawn across both points') as unknown as Argv<CompareArgs>;
}

/** "3" (a connection of A), "A#3", "a3", "B#1", "b:1". */
export function parseConnection(s: string): TwoPointTarget {
  const m = /^\s*(?:([ab])\s*[#:]?\s*)?(\d+)\s*$/i.exec(s);
  if (!m) throw new CliError(`--connection wants a connection id (3, A#3 or B#3), not ${JSON.stringify(s)}`);
  return { capture: (m[1]?.toLowerCase() ?? 'a') as 'a' | 'b', id: Number(m[2]) };
}

/** A capture's fault as analyze prints it: a system error in words, no offset for a file that
 *  could not be opened at all. */
function faultText(e: string): string {
  return errorWords(e).replace(/: offset 0: (cannot open|is a directory)/, ': $1');
}

export async function run(args: CompareArgs, io: CliIO): Promise<ExitCode> {
  // loaded when this command runs (on-demand.ts); LadderError from the same import as what throws
  // it (under mocha, tsx gives a dynamic import module instances of their own)
  const { compareDetailed, readBoth, compareJsonHead, renderCompareJson, renderCompareText, buildTwoPointLadder, renderTwoPointLadderText, LadderError } = await import('./on-demand.ts');
  // yargs turns a lone '-' into ''
  if (isStdinPath(args.a ?? '') && isStdinPath(args.b ?? '')) throw new CliError('only one of the captures can be standard input');
  if (!(Number.isInteger(args.maxSegments) && args.maxSegments > 0)) throw new CliError(`--max-segments wants a positive whole number, not ${args.maxSegments}`);
  if (!args.ladder && args.connection !== undefined) throw new CliError('--connection chooses the connection of --ladder: add --ladder');
  const target = args.connection === undefined ? null : parseConnection(String(args.connection));
  if (args.ladder && (!Number.isInteger(args.max) || args.max < 10)) throw new CliError(`--max wants a whole number of at least 10, not ${args.max}`);
  cliWidth(args, io); // a bad --width is a usage error before the captures are read
  const failOn = parseFailOn(args.failOn);
  const [A, B] = await readBoth(args.a || '-', args.b || '-', { maxSegments: Math.floor(args.maxSegments), read: io.stdin ? { stdin: io.stdin } : {}, showPasswords: args.showPasswords });
  const detail = compareDetailed(A, B);
  const r = detail.result;
  if (r.a.frames === 0 && r.a.error) throw new CliError(faultText(r.a.error));
  if (r.b.frames === 0 && r.b.error) throw new CliError(faultText(r.b.error));
  const width = cliWidth(args, io);
  if (!args.ladder) io.out(args.json ? renderCompareJson(r) : renderCompareText(r, width));
  else {
    try {
      const model = buildTwoPointLadder(detail, target, { max: args.max });
      if (args.json) io.out(escapeJsonText(JSON.stringify({ ...compareJsonHead(), ladder: model }, null, 2)) + '\n');
      else io.out(renderTwoPointLadderText(model, { color: useColor(args.color, io.stdoutIsTTY, io.env), width: args.width !== undefined ? width : MIN_WIDTH }));
    } catch (e) {
      if (e instanceof LadderError) throw new CliError(e.message);
      throw e;
    }
  }
  // a capture that faulted part-way was compared up to the fault (the report says so); the
  // fault is also the one line on standard error that every command gives for bad input
  for (const e of [r.a.error, r.b.error]) if (e) io.err(`ftpdiag: ${escapeWire(faultText(e))}\n`);
  return r.a.error || r.b.error ? ExitCode.BAD_INPUT : compareExitCode(r, failOn);
}
