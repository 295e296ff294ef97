// `ftpdiag ladder TRACE --connection ID | --transfer ID | --frame N`: the packets of one
// connection (or of one transfer's control and data connections, interleaved in time) as a
// ladder diagram, with the findings' frames marked. Reads the capture twice: once for the
// analysis, once more for the packets of the chosen connections.

import type { Argv } from 'yargs';
import { isStdinPath } from '../../capture/read.ts';
import { analyzeFile } from '../../pipeline/analyze.ts';
import { buildLadder, DEFAULT_MAX, LadderError, planTarget, type LadderTarget } from '../../report/ladder-model.ts';
import { renderLadderText } from '../../report/ladder-text.ts';
import { useColor } from '../../report/style.ts';
import { resultView } from '../../view/result.ts';
import { loadCliRules, rulesOptionSpec } from '../rules-option.ts';
import { cliLimits, withLimitOptions, type LimitArgs } from '../limits-option.ts';
import { cliKeyLog, keyLogOptionSpec, type KeyLogArgs } from '../keylog-option.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';
import { captureErrorLine } from './analyze.ts';

export interface LadderArgs extends LimitArgs, KeyLogArgs {
  trace: string;
  connection: number | undefined;
  transfer: number | undefined;
  frame: number | undefined;
  max: number;
  rules: string | string[] | undefined;
  showPasswords: boolean;
  color: boolean | undefined;
}

export const command = 'ladder <trace>';
export const describe = 'Draw the packets of one connection or transfer as a ladder diagram';

export function builder(y: Argv): Argv<LadderArgs> {
  return withLimitOptions(y)
    .positional('trace', { type: 'string', describe: 'pcap or pcapng file (gzip allowed)', demandOption: true })
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
    .example('$0 ladder x.pcap --connection 1 --max 60', 'fold more of a long connection') as unknown as Argv<LadderArgs>;
}

function targetOf(args: LadderArgs): LadderTarget {
  const chosen: LadderTarget[] = [];
  if (args.connection !== undefined) chosen.push({ connection: args.connection });
  if (args.transfer !== undefined) chosen.push({ transfer: args.transfer });
  if (args.frame !== undefined) chosen.push({ frame: args.frame });
  if (chosen.length !== 1) throw new CliError('choose what to draw: --connection ID, --transfer ID or --frame N');
  const t = chosen[0]!;
  const v = Object.values(t)[0] as number;
  if (!Number.isInteger(v) || v < 0) throw new CliError(`--${Object.keys(t)[0]} wants a whole number, not ${v}`);
  return t;
}

export async function run(args: LadderArgs, io: CliIO): Promise<ExitCode> {
  const target = targetOf(args);
  if (!Number.isInteger(args.max) || args.max < 10) throw new CliError('--max wants a whole number of at least 10');
  const trace = args.trace ?? '';
  if (isStdinPath(trace)) throw new CliError('ladder reads the capture twice: give a file, not standard input');
  const rules = loadCliRules(args.rules);
  const keyLog = cliKeyLog(args.keylog);
  const { result, error } = await analyzeFile(trace, { rules, showPasswords: args.showPasswords, keyLog, ...cliLimits(args) });
  if (error && result.capture.frames === 0) {
    io.err(`ftpdiag: ${captureErrorLine(error, trace)}\n`);
    return ExitCode.BAD_INPUT;
  }
  try {
    const view = resultView(result, { showPasswords: args.showPasswords });
    const plan = await planTarget(trace, view, target);
    const model = await buildLadder(trace, view, plan, { max: args.max });
    const color = useColor(args.color, io.stdoutIsTTY, io.env);
    io.out(renderLadderText(model, { color, width: Math.min(80, io.columns ?? 80) }));
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
