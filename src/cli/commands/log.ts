// `ftpdiag log TRACE`: one line per FTP operation (login, transfer, DELE, MKD, rename, …) as a
// table, TSV, CSV, NDJSON (Zeek ftp.log field names) or xferlog(5).

import type { Argv } from 'yargs';
import { analyzeFile } from '../../pipeline/analyze.ts';
import { escapeWire } from '../../report/escape.ts';
import { buildOperations } from '../../report/log/operations.ts';
import { LOG_FORMATS, renderOperationLog, type LogFormat } from '../../report/log/render.ts';
import { TIME_ZONES, type TimeZoneChoice } from '../../report/log/times.ts';
import { useColor } from '../../report/style.ts';
import { loadCliRules, rulesOptionSpec } from '../rules-option.ts';
import { cliLimits, withLimitOptions, type LimitArgs } from '../limits-option.ts';
import { cliKeyLog, keyLogOptionSpec, type KeyLogArgs } from '../keylog-option.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';
import { captureErrorLine, traceArg } from './analyze.ts';

export interface LogArgs extends LimitArgs, KeyLogArgs {
  trace: string | string[];
  format: LogFormat;
  tz: TimeZoneChoice;
  all: boolean;
  rules: string | string[] | undefined;
  showPasswords: boolean;
  color: boolean | undefined;
}

export const command = 'log <trace..>';
export const describe = 'One line per FTP operation (logins, transfers, deletes, renames, …) as a table, TSV, CSV, NDJSON or xferlog';

export function builder(y: Argv): Argv<LogArgs> {
  return withLimitOptions(y)
    .positional('trace', { type: 'string', describe: "pcap or pcapng file (gzip allowed); '-' reads standard input; several files are merged by time", demandOption: true })
    .option('format', { choices: LOG_FORMATS, default: 'table' as LogFormat, describe: 'output format (ndjson uses Zeek ftp.log field names; xferlog is the wu-ftpd/vsftpd/ProFTPD transfer log)' })
    .option('tz', { choices: TIME_ZONES, default: 'utc' as TimeZoneChoice, describe: 'time zone of printed times (ndjson ts is always epoch seconds)' })
    .option('all', { type: 'boolean', default: false, describe: 'a line for every command (PWD, TYPE, PASV, …), not only operations' })
    .option('keylog', keyLogOptionSpec)
    .option('rules', rulesOptionSpec('directory (or file) of extra rules for the Finding column; repeatable'))
    .option('show-passwords', { type: 'boolean', default: false, describe: 'show passwords instead of REDACTED' })
    .option('color', { type: 'boolean', describe: 'colour the table (default: only on a terminal; never with NO_COLOR set)' })
    .example('$0 log x.pcap', 'aligned table')
    .example('$0 log --format xferlog x.pcap > xferlog', 'feed xferlog tooling')
    .example('$0 log --format ndjson x.pcap | jq .', 'Zeek-like JSON lines') as unknown as Argv<LogArgs>;
}

export async function run(args: LogArgs, io: CliIO): Promise<ExitCode> {
  const rules = loadCliRules(args.rules);
  const trace = traceArg(args.trace);
  const keyLog = cliKeyLog(args.keylog);
  const { result, error } = await analyzeFile(trace, { rules, showPasswords: args.showPasswords, read: io.stdin ? { stdin: io.stdin } : {}, keyLog, ...cliLimits(args) });
  if (!(error !== null && result.capture.frames === 0)) {
    const ops = buildOperations(result, { all: args.all });
    const out = renderOperationLog(ops, {
      format: args.format,
      tz: args.tz,
      color: useColor(args.color, io.stdoutIsTTY, io.env),
      ...(io.columns === undefined ? {} : { width: io.columns }),
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
