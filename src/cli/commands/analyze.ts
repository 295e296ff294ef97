// `ftpdiag analyze TRACE`: read a capture, diagnose it, print the report.

import type { Argv } from 'yargs';
import type { CaptureError } from '../../capture/frame.ts';
import { isStdinPath } from '../../capture/read.ts';
import { severityRank, type Severity } from '../../diagnose/finding.ts';
import { analyzeFile } from '../../pipeline/analyze.ts';
import type { DecoderOptions } from '../../decode/decoder.ts';
import type { AnalysisResult } from '../../pipeline/result.ts';
import { escapeWire } from '../../report/escape.ts';
import { renderJsonChunks } from '../../report/json.ts';
import { JsonSpool } from '../../report/json-spool.ts';
import { inBatches } from '../../report/spool.ts';
import type { ReleasedUnit } from '../../pipeline/release.ts';
import { useColor } from '../../report/style.ts';
import { unitView } from '../../view/unit.ts';
import { renderText, TextReport } from '../../report/text.ts';
import { writeHtmlReport } from '../../report/html-report.ts';
import { loadCliRules, rulesOptionSpec } from '../rules-option.ts';
import { cliLimits, withLimitOptions, type LimitArgs } from '../limits-option.ts';
import { cliKeyLog, keyLogOptionSpec, type KeyLogArgs } from '../keylog-option.ts';
import { cliDecodeAs, decodeAsOptionSpec } from '../decode-as-option.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';
import { ReadProgress } from '../progress.ts';
import { CaptureOutputs, withCaptureOutputOptions, type CaptureOutputArgs } from '../capture-outputs.ts';
import { ReadInterrupt, signalExitCode } from '../interrupt.ts';
import { logDir, outputFormat, withExportOptions, type ExportArgs, type OutputFormat } from '../export-option.ts';
import { eveLines, writeZeekLogs } from '../../export/index.ts';

export const FAIL_ON = ['error', 'warning', 'info', 'none'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface AnalyzeArgs extends LimitArgs, CaptureOutputArgs, KeyLogArgs, ExportArgs {
  trace: string | string[];
  failOn: FailOn;
  rules: string | string[] | undefined;
  showPasswords: boolean;
  color: boolean | undefined;
  html: string | undefined;
  decodeAs: string | string[] | undefined;
}

export const command = 'analyze <trace..>';
export const describe = 'Explain what went wrong in a capture of FTP traffic';

export function builder(y: Argv): Argv<AnalyzeArgs> {
  return withExportOptions(withCaptureOutputOptions(withLimitOptions(y)), 'findings, transfers and connections')
    .positional('trace', { type: 'string', describe: "pcap or pcapng file (gzip allowed); '-' reads standard input; several files are merged by time as mergecap merges them", demandOption: true })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document instead of the text report' })
    .option('fail-on', { choices: FAIL_ON, default: 'error' as FailOn, describe: 'exit 1 when a finding of this severity or worse is found' })
    .option('keylog', keyLogOptionSpec)
    .option('rules', rulesOptionSpec('directory (or file) of extra rules, added to the built-in ones; repeatable'))
    .option('show-passwords', { type: 'boolean', default: false, describe: 'show passwords and other credentials (PASS, ACCT, SITE PSWD …) instead of REDACTED' })
    .option('color', { type: 'boolean', describe: 'colour the text report (default: only on a terminal; never with NO_COLOR set)' })
    .option('html', { type: 'string', requiresArg: true, describe: 'also write a self-contained HTML report (packet ladders, time-sequence graphs) to this file' })
    .option('decode-as', decodeAsOptionSpec)
    .example('$0 analyze upload.pcapng', 'text report')
    .example('$0 analyze --json x.pcap', 'one JSON document')
    .example('$0 analyze --format eve x.pcap > eve.json', 'eve.json-shaped events for a SIEM')
    .example('$0 analyze --format zeek --log-dir logs/ x.pcap', 'conn.log and ftp.log as Zeek writes them')
    .example('$0 analyze --fail-on warning x.pcap', 'exit 1 on warnings too')
    .example('$0 analyze --rules ./my-rules x.pcap', 'add your own rules')
    .example('$0 analyze x.pcap --html report.html', 'also write an HTML report')
    .example('$0 analyze -d udp.port==8472,vxlan x.pcap', 'a VXLAN mirror on a port other than 4789')
    .example('$0 analyze x.pcap --annotate x-ftpdiag.pcapng', 'also write the capture with the findings as packet comments')
    .example('$0 analyze --keylog sslkeys.log ftps.pcap', 'decrypt FTPS with the key log curl or lftp wrote ($SSLKEYLOGFILE)')
    .example('$0 analyze x.pcap --extract files/', "also rebuild each transfer's file, with a manifest")
    .example('$0 analyze ctl.pcap data.pcap', 'several files analysed as one capture, merged by time')
    .example('tcpdump -w - port 21 | $0 analyze -', 'read standard input') as unknown as Argv<AnalyzeArgs>;
}

/** Exit status for a finished analysis: 1 when a finding reaches the threshold. */
export function exitCodeFor(result: AnalysisResult, failOn: FailOn): ExitCode {
  return exitCodeForSeverities(new Set(result.findings.map((f) => f.severity)), failOn);
}

/** The same from the severities found. */
export function exitCodeForSeverities(found: ReadonlySet<Severity>, failOn: FailOn): ExitCode {
  if (failOn === 'none') return ExitCode.OK;
  const min = severityRank[failOn as Severity];
  return [...found].some((s) => severityRank[s] >= min) ? ExitCode.FINDINGS : ExitCode.OK;
}

export async function run(args: AnalyzeArgs, io: CliIO): Promise<number> {
  const format = outputFormat(args);
  const opened = new Date();
  const rules = loadCliRules(args.rules);
  const limits = cliLimits(args);
  const decode = cliDecodeAs(args.decodeAs);
  const keyLog = cliKeyLog(args.keylog);
  const trace = traceArg(args.trace);
  const outputs = CaptureOutputs.prepare(args, trace);
  const progress = new ReadProgress({ json: format !== 'text', stdoutIsTTY: io.stdoutIsTTY, stderrIsTTY: process.stderr.isTTY === true });
  const interrupt = new ReadInterrupt(io);
  const read = { ...(io.stdin ? { stdin: io.stdin } : {}), onProgress: progress.onProgress, stop: interrupt.signal };
  // The JSON and text reports stream: each session is diagnosed and written to a spool as soon as
  // it is final, so memory follows what is open at a time, not the length of the capture. The
  // HTML report still needs the whole analysis at once.
  const color = useColor(args.color, io.stdoutIsTTY, io.env);
  // eve and Zeek logs are ordered by time across the capture: they take the whole analysis
  const spool = args.html || format === 'eve' || format === 'zeek' ? null : format === 'json' ? new JsonSpool() : new TextReport({ color, width: io.columns }, true);
  try {
    // each unit's view is built once, with the options applied, and every output takes it
    const release = spool ? { release: (u: ReleasedUnit) => (spool.add(unitView(u, { showPasswords: args.showPasswords })), outputs?.add(u)) } : {};
    const { result, error } = await analyzeFile(trace, { rules, showPasswords: args.showPasswords, read, decode, keyLog, ...limits, ...release }).finally(() => {
      progress.stop();
      interrupt.readDone();
    });
    if (!spool) outputs?.addResult(result);
    const code = await report(args, format, io, trace, result, error, spool, color, decode, opened);
    const sig = interrupt.interruptedBy;
    if (sig === null) {
      // the annotated capture and the rebuilt transfers need the capture's bytes again: a second pass
      if (outputs && result.capture.frames > 0) await outputs.write(trace, result, io, decode);
      return code;
    }
    const frames = result.capture.frames;
    io.err(`ftpdiag: interrupted by ${sig}: the report covers the ${frames} ${frames === 1 ? 'frame' : 'frames'} read before it\n`);
    return signalExitCode(sig);
  } finally {
    interrupt.dispose();
    spool?.close();
  }
}

async function report(
  args: AnalyzeArgs,
  format: OutputFormat,
  io: CliIO,
  trace: string | string[],
  result: AnalysisResult,
  error: CaptureError | null,
  spool: JsonSpool | TextReport | null,
  color: boolean,
  decode: DecoderOptions,
  opened: Date,
): Promise<ExitCode> {
  const nothingRead = error !== null && result.capture.frames === 0;
  // the fault as the text and HTML reports mention it at the top
  const errorText = error ? `offset ${error.offset}: ${error.reason}` : null;
  if (!nothingRead) {
    // in pieces: the report of a capture of millions of frames is too long for one string
    // and each after the reader took the last (io.drained)
    if (format === 'eve') {
      for (const line of eveLines(result)) {
        io.out(line);
        await io.drained?.();
      }
    } else if (format === 'zeek') {
      const dir = logDir(args);
      try {
        const logs = writeZeekLogs(dir, result, opened);
        io.err(`ftpdiag: wrote conn.log (${logs.connRows} rows) and ftp.log (${logs.ftpRows} rows) in ${escapeWire(dir)}\n`);
      } catch (e) {
        throw new CliError(`--log-dir ${escapeWire(dir)}: ${escapeWire(e instanceof Error ? e.message : String(e))}`);
      }
    } else if (format === 'json') {
      const jsonError = { error: error ? { message: error.reason, offset: error.offset, code: error.code } : null };
      for (const chunk of spool instanceof JsonSpool ? spool.render(result, jsonError) : renderJsonChunks(result, jsonError)) {
        io.out(chunk);
        await io.drained?.();
      }
    } else {
      if (spool instanceof TextReport) {
        for (const pieces of inBatches(spool.render(result, errorText))) {
          io.out(pieces.join(''));
          await io.drained?.();
        }
      } else io.out(renderText(result, { color, width: io.columns, error: errorText }));
    }
  }
  if (args.html && !nothingRead) {
    await writeHtmlReport(args.html, trace, result, { showPasswords: args.showPasswords, error: errorText, decode }).catch((e: Error) => {
      throw new CliError(e.message);
    });
  }
  for (const re of result.ruleErrors) {
    io.err(`ftpdiag: warning: rule ${re.rule} (${escapeWire(re.file)}:${re.line}) failed on ${re.count === 1 ? '1 subject' : `${re.count} subjects`}: ${escapeWire(re.message)}\n`);
  }
  if (error) {
    io.err(`ftpdiag: ${captureErrorLine(error, trace)}\n`);
    return ExitCode.BAD_INPUT;
  }
  return spool ? exitCodeForSeverities(spool.severitiesFound, args.failOn) : exitCodeFor(result, args.failOn);
}

/** The trace argument: one path ('-' for standard input), or several files to merge. */
export function traceArg(arg: string | string[] | undefined): string | string[] {
  const list = Array.isArray(arg) ? arg.map((a) => a ?? '') : [arg ?? ''];
  if (list.length === 1) return list[0]!;
  if (list.some(isStdinPath)) throw new CliError('standard input (-) cannot be merged with other capture files: give file names only');
  return list;
}

/** `FILE: offset N: reason`, terminal-safe. */
export function captureErrorLine(e: CaptureError, trace: string | readonly string[]): string {
  const file = typeof trace === 'string' && isStdinPath(trace) ? '-' : e.file;
  return escapeWire(`${file}: offset ${e.offset}: ${e.reason}`);
}
