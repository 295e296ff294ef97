// `ftpdiag log TRACE`: one line per FTP operation (login, transfer, DELE, MKD, rename, …) as a
// table, TSV, CSV, NDJSON (Zeek ftp.log field names) or xferlog(5).

import type { Argv } from 'yargs';
import { analyzeFile } from '../../pipeline/analyze.ts';
import { escapeWire } from '../../report/escape.ts';
import { LOG_FORMATS, type LogFormat } from '../../report/log/formats.ts';
import { TIME_ZONES, type TimeZoneChoice } from '../../report/log/times.ts';
import { useColor } from '../../report/style.ts';
import { loadCliRules, rulesOptionSpec } from '../rules-option.ts';
import { cliLimits, withLimitOptions, type LimitArgs } from '../limits-option.ts';
import { cliKeyLog, keyLogOptionSpec, type KeyLogArgs } from '../keylog-option.ts';
import { ExitCode, type CliIO } from '../io.ts';
import { captureErrorLine } from './analyze.ts';
import { CAPTURE_POSITIONALS, captureFiles, displayFilterOf, frameCount, withCaptureArgs, type CaptureArgs } from '../capture-args.ts';
import { cliWidth, type WidthArgs } from '../width-option.ts';
import { ReadProgress } from '../progress.ts';

export interface LogArgs extends LimitArgs, CaptureArgs, WidthArgs, KeyLogArgs {
  format: LogFormat;
  tz: TimeZoneChoice;
  all: boolean;
  rules: string | string[] | undefined;
  showPasswords: boolean;
  color: boolean | undefined;
}

export const command = `log ${CAPTURE_POSITIONALS}`;
export const describe = 'One line per FTP operation (logins, transfers, deletes, renames, …) as a table, TSV, CSV, NDJSON or xferlog';

export function builder(y: Argv): Argv<LogArgs> {
  return withCaptureArgs(withLimitOptions(y), { stdin: true, several: true })
    .option('format', { choices: LOG_FORMATS, default: 'table' as LogFormat, describe: 'output format (ndjson uses Zeek ftp.log field names; xferlog is the wu-ftpd/vsftpd/ProFTPD transfer log)' })
    .option('tz', { choices: TIME_ZONES, default: 'utc' as TimeZoneChoice, describe: 'time zone of printed times (ndjson ts is always epoch seconds)' })
    .option('all', { type: 'boolean', default: false, describe: 'a line for every command (PWD, TYPE, PASV, …), not only operations' })
    .option('keylog', keyLogOptionSpec)
    .option('rules', rulesOptionSpec('directory (or file) of extra rules for the Finding column; repeatable'))
    .option('show-passwords', { type: 'boolean', default: false, describe: 'show passwords instead of REDACTED' })
    .option('color', { type: 'boolean', describe: 'colour the table (default: only on a terminal; never with NO_COLOR set)' })
    .example('$0 log x.pcap', 'aligned table')
    .example('$0 log --format xferlog x.pcap > xferlog', 'feed xferlog tooling')
    .example('$0 log --format ndjson x.pcap | jq .', 'Zeek-like JSON lines')
    .example('$0 log x.pcap host 192.0.2.7', 'only the sessions and transfers of one host') as unknown as Argv<LogArgs>;
}

export async function run(args: LogArgs, io: CliIO): Promise<ExitCode> {
  // loaded when this command runs (on-demand.ts)
  const { buildOperations, renderOperationLog } = await import('./on-demand.ts');
  const trace = captureFiles(args, 'log');
  const filter = displayFilterOf(args);
  const maxFrames = frameCount(args);
  const width = cliWidth(args, io);
  const rules = loadCliRules(args.rules);
  const progress = new ReadProgress({ stderrIsTTY: io.stderrIsTTY ?? false, columns: io.stderrColumns });
  const read = { ...(io.stdin ? { stdin: io.stdin } : {}), onProgress: progress.onProgress };
  const keyLog = cliKeyLog(args.keylog);
  const { result, error } = await analyzeFile(trace, { rules, showPasswords: args.showPasswords, read, keyLog, ...cliLimits(args), ...(maxFrames !== undefined ? { maxFrames } : {}) }).finally(() => progress.stop());
  if (!(error !== null && result.capture.frames === 0)) {
    let ops = buildOperations(result, { all: args.all });
    if (filter) {
      // the operations of the sessions shown: their own lines, and their transfers that are shown
      const shown = filter.narrowResult(result);
      const sessions = new Set(shown.sessions.map((s) => s.id));
      const transfers = new Set(shown.transfers.map((t) => t.id));
      // a lone data connection's line (no session) is shown with its transfer
      ops = ops
        .filter((op) => (op.session === null ? op.transfer !== null && transfers.has(op.transfer) : sessions.has(op.session) && (op.transfer === null || transfers.has(op.transfer))))
        .map((op, seq) => ({ ...op, seq }));
      io.err(`ftpdiag: note: ${filter.note()}\n`);
    }
    const out = renderOperationLog(ops, {
      format: args.format,
      tz: args.tz,
      color: useColor(args.color, io.stdoutIsTTY, io.env),
      width,
    });
    io.out(out.text);
    for (const n of out.notes) io.err(`ftpdiag: note: ${escapeWire(n)}\n`);
  }
  if (error) {
    io.err(`ftpdiag: ${captureErrorLine(error, trace)}\n`);
    return ExitCode.BAD_INPUT;
  }
  return ExitCode.OK;
}
