// `ftpdiag ladder TRACE --connection ID | --transfer ID | --frame N`: the packets of one
// connection (or of one transfer's control and data connections, interleaved in time) as a
// ladder diagram, with the findings' frames marked. Reads the capture twice: once for the
// analysis, once more for the packets of the chosen connections.

import type { Argv } from 'yargs';
import { isStdinPath } from '../../capture/read.ts';
import { analyzeFile } from '../../pipeline/analyze.ts';
import { DEFAULT_MAX, type LadderTarget } from '../../report/ladder-model.ts';
import { useColor } from '../../report/style.ts';
import { resultView } from '../../view/result.ts';
import { loadCliRules, rulesOptionSpec } from '../rules-option.ts';
import { cliLimits, withLimitOptions, type LimitArgs } from '../limits-option.ts';
import { cliKeyLog, keyLogOptionSpec, type KeyLogArgs } from '../keylog-option.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';
import { captureErrorLine } from './analyze.ts';
import { CAPTURE_POSITIONALS, captureFile, displayFilterOf, frameCount, withCaptureArgs, type CaptureArgs } from '../capture-args.ts';
import type { DisplayFilter } from '../display-filter.ts';
import { cliWidth, type WidthArgs } from '../width-option.ts';
import { ReadProgress } from '../progress.ts';
import type { AnalysisResult } from '../../pipeline/result.ts';
import { MIN_WIDTH } from '../../report/layout.ts';
import { listText } from '../../format/frames.ts';
import { escapeWire } from '../../report/escape.ts';

export interface LadderArgs extends LimitArgs, CaptureArgs, WidthArgs, KeyLogArgs {
  connection: number | undefined;
  transfer: number | undefined;
  frame: number | undefined;
  max: number;
  rules: string | string[] | undefined;
  showPasswords: boolean;
  color: boolean | undefined;
}

export const command = `ladder ${CAPTURE_POSITIONALS}`;
export const describe = 'Draw the packets of one connection or transfer as a ladder diagram';

export function builder(y: Argv): Argv<LadderArgs> {
  return withCaptureArgs(withLimitOptions(y), { stdin: false, several: false })
    .option('connection', { type: 'number', requiresArg: true, describe: 'connection id (as in the report; equals Wireshark\'s tcp.stream)' })
    .option('transfer', { type: 'number', requiresArg: true, describe: 'transfer id: its control and data connections together' })
    .option('frame', { type: 'number', requiresArg: true, describe: 'the connection holding this frame number' })
    .conflicts('connection', ['transfer', 'frame'])
    .conflicts('transfer', 'frame')
    .option('max', { type: 'number', default: DEFAULT_MAX, requiresArg: true, describe: 'packets drawn before runs of bulk data are folded into "…" lines' })
    .option('keylog', keyLogOptionSpec)
    .option('rules', rulesOptionSpec('directory (or file) of extra rules; repeatable'))
    .option('show-passwords', { type: 'boolean', default: false, describe: 'show passwords and other credentials (PASS, ACCT, SITE PSWD …) instead of REDACTED' })
    .option('color', { type: 'boolean', describe: 'colour (default: only on a terminal; never with NO_COLOR set)' })
    .example('$0 ladder x.pcap --transfer 0', 'a transfer: control and data connection')
    .example('$0 ladder x.pcap --frame 38', 'the connection holding frame 38')
    .example('$0 ladder x.pcap --connection 1 --max 60', 'fold more of a long connection')
    .example('$0 ladder x.pcap host 192.0.2.7 and port 2121', 'what a display filter selects, when it is one transfer or connection') as unknown as Argv<LadderArgs>;
}

/** The target given with --connection, --transfer or --frame; null when none is. */
function targetOf(args: LadderArgs): LadderTarget | null {
  const chosen: LadderTarget[] = [];
  if (args.connection !== undefined) chosen.push({ connection: args.connection });
  if (args.transfer !== undefined) chosen.push({ transfer: args.transfer });
  if (args.frame !== undefined) chosen.push({ frame: args.frame });
  if (chosen.length === 0) return null;
  const t = chosen[0]!;
  const v = Object.values(t)[0] as number;
  if (!Number.isSafeInteger(v) || v < 0) throw new CliError(`--${Object.keys(t)[0]} wants a whole number, not ${v}`);
  return t;
}

/** What a display filter selects for the ladder: one transfer (its control and data
 *  connections) or one connection; otherwise a CliError listing what it selects. */
function filterTarget(filter: DisplayFilter, r: AnalysisResult): LadderTarget {
  const only = filter.single('connection');
  if (only !== null) return { connection: only };
  const shown = filter.narrowResult(r);
  if (shown.transfers.length === 1) return { transfer: shown.transfers[0]!.id };
  if (shown.transfers.length === 0 && shown.connections.length === 1) return { connection: shown.connections[0]!.id };
  // what could be drawn: the transfers, and the connections that are not part of one
  const withTransfers = new Set(shown.transfers.map((t) => t.session));
  const drawnWithTransfers = new Set<number>([
    ...shown.sessions.filter((s) => withTransfers.has(s.id)).map((s) => s.control),
    ...shown.transfers.flatMap((t) => (t.dataConnection === null ? [] : [t.dataConnection])),
  ]);
  const parts: string[] = [];
  if (shown.transfers.length) parts.push(`${shown.transfers.length === 1 ? 'transfer' : 'transfers'} ${listText(shown.transfers.map((t) => t.id), shown.transfers.length, 'transfer')}`);
  const others = shown.connections.filter((c) => !drawnWithTransfers.has(c.id));
  if (others.length) parts.push(`${others.length === 1 ? 'connection' : 'connections'} ${listText(others.map((c) => c.id), others.length, 'connection')}`);
  const what = parts.length ? parts.join(' and ') : 'nothing';
  const hint = shown.transfers.length ? `transfer ${shown.transfers[0]!.id}` : others.length ? `connection ${others[0]!.id}` : 'session 0';
  return fail(`the display filter '${escapeWire(filter.expression)}' selects ${what}: ladder draws one transfer or one connection (add e.g. 'and ${hint}', or use --transfer, --connection or --frame)`);
}

function fail(message: string): never {
  throw new CliError(message);
}

export async function run(args: LadderArgs, io: CliIO): Promise<ExitCode> {
  // loaded when this command runs (on-demand.ts); LadderError from the same import as what throws
  // it (under mocha, tsx gives a dynamic import module instances of their own)
  const { buildLadder, planTarget, LadderError, renderLadderText } = await import('./on-demand.ts');
  const trace = captureFile(args, 'ladder');
  const filter = displayFilterOf(args);
  const given = targetOf(args);
  if (given === null && filter === null) throw new CliError('choose what to draw: --connection ID, --transfer ID, --frame N or a display filter (transfer 3, host 192.0.2.7 and port 2121, …)');
  if (given !== null && filter !== null) throw new CliError('choose what to draw with --connection, --transfer or --frame, or with a display filter, not both');
  if (!Number.isInteger(args.max) || args.max < 10) throw new CliError(`--max wants a whole number of at least 10, not ${args.max}`);
  const maxFrames = frameCount(args);
  // a ladder is laid out for 80 columns (its arrows are at most 44 wide); --width gives it more
  // room for long FTP lines and marks
  const width = args.width !== undefined ? cliWidth(args, io) : MIN_WIDTH;
  if (isStdinPath(trace)) throw new CliError('ladder reads the capture twice: give a file, not standard input');
  const rules = loadCliRules(args.rules);
  const progress = new ReadProgress({ stderrIsTTY: io.stderrIsTTY ?? false, columns: io.stderrColumns });
  const keyLog = cliKeyLog(args.keylog);
  const { result, error } = await analyzeFile(trace, { rules, showPasswords: args.showPasswords, keyLog, read: { onProgress: progress.onProgress }, ...cliLimits(args), ...(maxFrames !== undefined ? { maxFrames } : {}) }).finally(() => progress.stop());
  if (error && result.capture.frames === 0) {
    io.err(`ftpdiag: ${captureErrorLine(error, trace)}\n`);
    return ExitCode.BAD_INPUT;
  }
  try {
    const target = given ?? filterTarget(filter!, result);
    const view = resultView(result, { showPasswords: args.showPasswords });
    const plan = await planTarget(trace, view, target);
    const model = await buildLadder(trace, view, plan, { max: args.max });
    const color = useColor(args.color, io.stdoutIsTTY, io.env);
    io.out(renderLadderText(model, { color, width }));
  } catch (e) {
    if (e instanceof LadderError) throw new CliError(e.message);
    throw e;
  }
  if (error) {
    io.err(`ftpdiag: ${captureErrorLine(error, trace)}\n`);
    return ExitCode.BAD_INPUT;
  }
  return ExitCode.OK;
}
