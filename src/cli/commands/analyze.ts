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
import { loadCliRules, rulesOptionSpec } from '../rules-option.ts';
import { cliLimits, withLimitOptions, type LimitArgs } from '../limits-option.ts';
import { cliKeyLog, keyLogOptionSpec, type KeyLogArgs } from '../keylog-option.ts';
import { TlsSessionCache } from '../../tls/keylog.ts';
import { cliDecodeAs, decodeAsOptionSpec } from '../decode-as-option.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';
import { ReadProgress } from '../progress.ts';
import { resultView } from '../../view/result.ts';
import { CaptureOutputs, withCaptureOutputOptions, type CaptureOutputArgs } from '../capture-outputs.ts';
import { ReadInterrupt, signalExitCode } from '../interrupt.ts';
import { CAPTURE_POSITIONALS, captureFiles, displayFilterOf, frameCount, withCaptureArgs, type CaptureArgs } from '../capture-args.ts';
import type { DisplayFilter } from '../display-filter.ts';
import { cliWidth, type WidthArgs } from '../width-option.ts';
import { wrap } from '../../format/words.ts';
import { errorWords } from '../../report/output-error.ts';
import { logDir, outputFormat, withExportOptions, type ExportArgs, type OutputFormat } from '../export-option.ts';

export const FAIL_ON = ['error', 'warning', 'info', 'none'] as const;
export type FailOn = (typeof FAIL_ON)[number];

export interface AnalyzeArgs extends LimitArgs, CaptureOutputArgs, CaptureArgs, WidthArgs, KeyLogArgs, ExportArgs {
  failOn: FailOn;
  rules: string | string[] | undefined;
  showPasswords: boolean;
  color: boolean | undefined;
  html: string | undefined;
  decodeAs: string | string[] | undefined;
}

export const command = `analyze ${CAPTURE_POSITIONALS}`;
export const describe = 'Explain what went wrong in a capture of FTP traffic';

export function builder(y: Argv): Argv<AnalyzeArgs> {
  return withExportOptions(withCaptureArgs(withCaptureOutputOptions(withLimitOptions(y)), { stdin: true, several: true }), 'findings, transfers and connections')
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document instead of the text report' })
    .option('fail-on', { choices: FAIL_ON, default: 'error' as FailOn, describe: 'exit 1 when a finding of this severity or worse is found' })
    .option('keylog', keyLogOptionSpec)
    .option('rules', rulesOptionSpec('directory (or file) of extra rules, added to the built-in ones; repeatable'))
    .option('show-passwords', { type: 'boolean', default: false, describe: 'show passwords and other credentials (PASS, ACCT, SITE PSWD …) instead of REDACTED' })
    .option('color', { type: 'boolean', describe: 'colour the text report (default: only on a terminal; never with NO_COLOR set)' })
    .option('html', { type: 'string', requiresArg: true, describe: "also write a self-contained HTML report (packet ladders, time-sequence graphs) to this file; '-': to standard output, the text report then off (its summary line on standard error)" })
    .option('decode-as', decodeAsOptionSpec)
    .example('$0 analyze upload.pcapng', 'text report')
    .example('$0 analyze --json x.pcap', 'one JSON document')
    .example('$0 analyze --format eve x.pcap > eve.json', 'eve.json-shaped events for a SIEM')
    .example('$0 analyze --format zeek --log-dir logs/ x.pcap', 'conn.log and ftp.log as Zeek writes them')
    .example('$0 analyze --fail-on warning x.pcap', 'exit 1 on warnings too')
    .example('$0 analyze --rules ./my-rules x.pcap', 'add your own rules')
    .example('$0 analyze x.pcap --html report.html', 'also write an HTML report')
    .example('$0 analyze x.pcap host 192.0.2.1 and port 21', 'only what concerns that host and port (a display filter)')
    .example('$0 analyze -r x.pcap -c 1000 -Y "session 3"', 'tcpdump/tshark habits: -r, -c, -Y')
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

/** Which option writes to standard output instead of a file, if any (`--html -`, `--annotate -`);
 *  the text report is then left out and its summary line goes to standard error. */
function stdoutOutput(args: AnalyzeArgs, format: OutputFormat): string | null {
  const taking = [args.html === '-' ? '--html -' : null, args.annotate === '-' ? '--annotate -' : null].filter((x): x is string => x !== null);
  if (taking.length > 1) throw new CliError(`${taking.join(' and ')} both write to standard output: give one of them a file name`);
  const other = format === 'json' ? (args.json ? '--json' : '--format json') : format === 'eve' ? '--format eve' : null;
  if (taking.length === 1 && other) throw new CliError(`${taking[0]} and ${other} both write to standard output: give ${taking[0]!.split(' ')[0]} a file name`);
  return taking[0] ?? null;
}

export async function run(args: AnalyzeArgs, io: CliIO): Promise<number> {
  const format = outputFormat(args);
  const opened = new Date();
  const trace = captureFiles(args, 'analyze');
  const filter = displayFilterOf(args);
  const maxFrames = frameCount(args);
  const width = cliWidth(args, io);
  const toStdout = stdoutOutput(args, format);
  const rules = loadCliRules(args.rules);
  const limits = cliLimits(args);
  const decode = cliDecodeAs(args.decodeAs);
  const keyLog = cliKeyLog(args.keylog);
  // --extract decrypts FTPS data connections again: with the sessions the analysis decrypted
  const tls = keyLog ? { keyLog, sessions: new TlsSessionCache() } : undefined;
  const outputs = CaptureOutputs.prepare(args, trace);
  const progress = new ReadProgress({ stderrIsTTY: io.stderrIsTTY ?? false, columns: io.stderrColumns });
  const interrupt = new ReadInterrupt(io);
  const read = { ...(io.stdin ? { stdin: io.stdin } : {}), onProgress: progress.onProgress, stop: interrupt.signal };
  // The JSON and text reports stream: each session is diagnosed and written to a spool as soon as
  // it is final, so memory follows what is open at a time, not the length of the capture. The
  // HTML report still needs the whole analysis at once.
  const color = toStdout === null && useColor(args.color, io.stdoutIsTTY, io.env);
  // eve and Zeek logs are ordered by time across the capture: they take the whole analysis
  const spool = args.html || format === 'eve' || format === 'zeek' ? null : format === 'json' ? new JsonSpool() : new TextReport({ color, width }, true);
  try {
    // each unit's view is built once, with the options applied, and every output takes it: the
    // display filter's part of the unit
    // (it judges a transfer with its session's control connection: sessions go whole, not in parts;
    // so with --annotate, whose comments on one frame keep the order of a unit's findings)
    const shown = (u: ReleasedUnit) => (filter ? filter.narrow(u) : u);
    const release = spool ? { release: (u: ReleasedUnit) => { const v = shown(u); spool.add(unitView(v, { showPasswords: args.showPasswords })); outputs?.add(v); } } : {};
    const analysed = await analyzeFile(trace, { rules, showPasswords: args.showPasswords, read, decode, keyLog, ...(tls ? { tlsSessions: tls.sessions } : {}), ...limits, ...release, ...(filter || args.annotate !== undefined ? { wholeSessions: true } : {}), ...(maxFrames !== undefined ? { maxFrames } : {}) }).finally(() => {
      progress.stop();
      interrupt.readDone();
    });
    const error = analysed.error;
    // what the report shows: the filter's part of the capture, counted as shown
    const result = spool ? (filter ? { ...analysed.result, released: filter.shownTotals } : analysed.result) : filter ? filter.narrowResult(analysed.result) : analysed.result;
    if (!spool) outputs?.addResult(result);
    const code = await report(args, io, trace, result, error, spool, { color, width, decode, filter, toStdout, format, opened });
    const sig = interrupt.interruptedBy;
    if (sig === null) {
      // the annotated capture and the rebuilt transfers need the capture's bytes again: a second pass
      if (outputs && result.capture.frames > 0) await outputs.write(trace, result, io, decode, tls);
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

interface ReportSettings {
  color: boolean;
  width: number;
  decode: DecoderOptions;
  filter: DisplayFilter | null;
  toStdout: string | null; // '--html -' / '--annotate -': the text report is off
  format: OutputFormat;
  opened: Date; // when the analysis began: Zeek's #open line
}

async function report(args: AnalyzeArgs, io: CliIO, trace: string | string[], result: AnalysisResult, error: CaptureError | null, spool: JsonSpool | TextReport | null, s: ReportSettings): Promise<ExitCode> {
  const nothingRead = error !== null && result.capture.frames === 0;
  // the fault as the text and HTML reports mention it at the top
  const errorText = error ? `offset ${error.offset}: ${error.reason}` : null;
  const filterNote = s.filter ? wrap(s.filter.note(), s.width, '    ', '  ') : null;
  if (!nothingRead) {
    // in pieces: the report of a capture of millions of frames is too long for one string
    // and each after the reader took the last (io.drained)
    if (s.format === 'eve') {
      const { eveLines } = await import('./on-demand.ts');
      for (const line of eveLines(result)) {
        io.out(line);
        await io.drained?.();
      }
    } else if (s.format === 'zeek') {
      const dir = logDir(args);
      const { writeZeekLogs } = await import('./on-demand.ts');
      try {
        const logs = writeZeekLogs(dir, result, s.opened);
        io.err(`ftpdiag: wrote conn.log (${logs.connRows} rows) and ftp.log (${logs.ftpRows} rows) in ${escapeWire(dir)}\n`);
      } catch (e) {
        throw new CliError(`--log-dir ${escapeWire(dir)}: ${escapeWire(errorWords(e))}`);
      }
    } else if (s.format === 'json') {
      const jsonError = { error: error ? { message: error.reason, offset: error.offset, code: error.code } : null, ...(s.filter ? { displayFilter: s.filter.tally } : {}) };
      for (const chunk of spool instanceof JsonSpool ? spool.render(result, jsonError) : renderJsonChunks(result, jsonError)) {
        io.out(chunk);
        await io.drained?.();
      }
    } else if (s.toStdout !== null) {
      // standard output carries the page or the capture: the verdict goes to standard error
      const summary = spool instanceof TextReport ? spool.summaryText(result) : summaryOf(result, s.width);
      io.err(`${summary}\n${filterNote ? `${filterNote}\n` : ''}`);
    } else if (spool instanceof TextReport) {
      for (const pieces of inBatches(spool.render(result, errorText, filterNote))) {
        io.out(pieces.join(''));
        await io.drained?.();
      }
    } else io.out(renderText(result, { color: s.color, width: s.width, error: errorText, filterNote }));
  }
  if (args.html && !nothingRead) {
    // the page's renderers (ladders, graphs) load only for it (on-demand.ts)
    const { buildHtmlReport, writeHtmlReport } = await import('./on-demand.ts');
    const page = { showPasswords: args.showPasswords, error: errorText, decode: s.decode };
    if (args.html === '-') {
      io.out(await buildHtmlReport(typeof trace === 'string' && isStdinPath(trace) ? null : trace, result, page));
      await io.drained?.();
    } else {
      await writeHtmlReport(args.html, trace, result, page).catch((e: Error) => {
        throw new CliError(errorWords(e));
      });
    }
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

/** The summary line of a whole-capture result (the --html path keeps no text report). */
function summaryOf(r: AnalysisResult, width: number): string {
  const report = new TextReport({ color: false, width }, false);
  try {
    report.add(resultView(r).unit, 'arrival');
    return report.summaryText(r);
  } finally {
    report.close();
  }
}

/** `FILE: offset N: reason`, terminal-safe, a system error in words; a file that could not be
 *  opened at all is `FILE: cannot open: no such file or directory` (no offset to speak of). */
export function captureErrorLine(e: CaptureError, trace: string | readonly string[]): string {
  const file = typeof trace === 'string' && isStdinPath(trace) ? '-' : e.file;
  const whole = e.offset === 0 && /^(cannot open|is a directory)/.test(e.reason);
  return escapeWire(`${file}: ${whole ? '' : `offset ${e.offset}: `}${errorWords(e.reason)}`);
}
