// `ftpdiag compare A B`: two captures of the same traffic, taken at two points of the path.
// With --ladder: one connection drawn across both capture points (two-point-ladder.ts).

import type { Argv } from 'yargs';
import { isStdinPath } from '../../capture/read.ts';
import { compareDetailed, readBoth } from '../../compare/compare.ts';
import { COMPARE_JSON_VERSION, renderCompareJson, renderCompareText } from '../../compare/render.ts';
import { DEFAULT_MAX_SEGMENTS } from '../../compare/signatures.ts';
import { buildTwoPointLadder, type TwoPointTarget } from '../../compare/two-point-ladder.ts';
import { renderTwoPointLadderText } from '../../compare/two-point-ladder-text.ts';
import { escapeJsonText, escapeWire } from '../../report/escape.ts';
import { DEFAULT_MAX, LadderError } from '../../report/ladder-model.ts';
import { useColor } from '../../report/style.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';

export interface CompareArgs {
  a: string;
  b: string;
  json: boolean;
  maxSegments: number;
  ladder: boolean;
  connection: string | undefined;
  max: number;
  showPasswords: boolean;
  color: boolean | undefined;
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
    .example('$0 compare client.pcap server.pcap', 'what changed, got lost or was injected between the two points')
    .example('$0 compare client.pcap server.pcap --ladder --connection 0', 'connection 0 of the first capture, drawn across both points') as unknown as Argv<CompareArgs>;
}

/** "3" (a connection of A), "A#3", "a3", "B#1", "b:1". */
export function parseConnection(s: string): TwoPointTarget {
  const m = /^\s*(?:([ab])\s*[#:]?\s*)?(\d+)\s*$/i.exec(s);
  if (!m) throw new CliError(`--connection wants a connection id (3, A#3 or B#3), not ${JSON.stringify(s)}`);
  return { capture: (m[1]?.toLowerCase() ?? 'a') as 'a' | 'b', id: Number(m[2]) };
}

export async function run(args: CompareArgs, io: CliIO): Promise<ExitCode> {
  // yargs turns a lone '-' into ''
  if (isStdinPath(args.a ?? '') && isStdinPath(args.b ?? '')) throw new CliError('only one of the captures can be standard input');
  if (!(args.maxSegments > 0)) throw new CliError('--max-segments must be a positive number');
  if (!args.ladder && args.connection !== undefined) throw new CliError('--connection chooses the connection of --ladder: add --ladder');
  const target = args.connection === undefined ? null : parseConnection(String(args.connection));
  if (args.ladder && (!Number.isInteger(args.max) || args.max < 10)) throw new CliError('--max wants a whole number of at least 10');
  const [A, B] = await readBoth(args.a || '-', args.b || '-', { maxSegments: Math.floor(args.maxSegments), read: io.stdin ? { stdin: io.stdin } : {}, showPasswords: args.showPasswords });
  const detail = compareDetailed(A, B);
  const r = detail.result;
  if (r.a.frames === 0 && r.a.error) throw new CliError(r.a.error);
  if (r.b.frames === 0 && r.b.error) throw new CliError(r.b.error);
  if (!args.ladder) io.out(args.json ? renderCompareJson(r) : renderCompareText(r));
  else {
    try {
      const model = buildTwoPointLadder(detail, target, { max: args.max });
      if (args.json) io.out(escapeJsonText(JSON.stringify({ version: COMPARE_JSON_VERSION, ladder: model }, null, 2)) + '\n');
      else io.out(renderTwoPointLadderText(model, { color: useColor(args.color, io.stdoutIsTTY, io.env), width: Math.min(80, io.columns ?? 80) }));
    } catch (e) {
      if (e instanceof LadderError) throw new CliError(e.message);
      throw e;
    }
  }
  // a capture that faulted part-way was compared up to the fault (the report says so); the
  // fault is also the one line on standard error that every command gives for bad input
  for (const e of [r.a.error, r.b.error]) if (e) io.err(`ftpdiag: ${escapeWire(e)}\n`);
  return r.a.error || r.b.error ? ExitCode.BAD_INPUT : ExitCode.OK;
}
