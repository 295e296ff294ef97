// `ftpdiag live -i IFACE`: capture on an interface and run the analyze pipeline on the frames as
// they arrive. Each finding is printed the moment the pipeline knows it (a transfer ended by an
// RST, a 425); the full report (the same one analyze prints) follows when the capture stops:
// Ctrl-C / SIGTERM, --duration, --count, or the capture failing (interface gone).
//
// The -w file is written by the capture layer before a frame reaches the analysis, one write(2)
// per frame, so every frame the analysis has seen is already in the file whatever ends the
// process; a clean stop also closes it.

import type { Argv } from 'yargs';
import type { CaptureSummary, Frame } from '../../capture/frame.ts';
import type { BackendChoice, LiveCapture, LiveSummary } from '../../capture/live/index.ts';
import type { Finding } from '../../diagnose/finding.ts';
import { Analysis } from '../../pipeline/analyze.ts';
import type { AnalysisResult } from '../../pipeline/result.ts';
import { escapeJsonText, escapeWire } from '../../report/escape.ts';
import { buildJsonReport } from '../../report/json.ts';
import { repliesText, transferView, type TransferView } from '../../view/unit.ts';
import { TOOL_VERSION } from '../../report/tool-version.ts';
import { Styler, useColor } from '../../report/style.ts';
import { renderText } from '../../report/text.ts';
import { clip, glueFirst, plural, wrap } from '../../format/words.ts';
import { framesText } from '../../format/frames.ts';
import { PIPE_WIDTH } from '../../report/layout.ts';
import { cliWidth, type WidthArgs } from '../width-option.ts';
import { loadCliRules, rulesOptionSpec } from '../rules-option.ts';
import { cliLimits, withLimitOptions, type LimitArgs } from '../limits-option.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';
import { exitCodeFor, FAIL_ON, type FailOn } from './analyze.ts';
import { logDir, outputFormat, withExportOptions, type ExportArgs } from '../export-option.ts';
import { eveTimestamp } from '../../export/times.ts';
import { defaultTcpEngineOptions } from '../../tcp/types.ts';

export const BACKENDS = ['auto', 'tcpdump', 'cap'] as const;
const MAX_DURATION_S = Math.floor((2 ** 31 - 1) / 1000);

/** Heading: live clock.
 *  Definition: every LIVE_TICK_MS the analysis is told that capture time has reached the wall
 *  clock minus LIVE_CLOCK_LAG_S (Analysis.advance). Why: the TCP stage ends a closed connection
 *  only after a grace of capture time (2 s), which a file measures with the next packet's time;
 *  on a quiet link no next packet may come, and the transfer's findings would wait for Ctrl-C.
 *  Why the lag: frame times are the kernel's (same clock as Date.now()), but frames reach us a
 *  little later (tcpdump: ~ms; dumpcap: up to 250 ms, its block timeout). Advancing no further
 *  than 0.5 s behind the wall clock keeps every frame still in flight "before now", so the live
 *  result stays the one `analyze` gives on the -w file. */
export const LIVE_TICK_MS = 250;
export const LIVE_CLOCK_LAG_S = 0.5;

export interface LiveArgs extends LimitArgs, WidthArgs, ExportArgs {
  interface: string | undefined;
  filter: string;
  write: string | undefined;
  duration: number | undefined;
  count: number | undefined;
  backend: BackendChoice;
  snaplen: number | undefined;
  failOn: FailOn;
  rules: string | string[] | undefined;
  showPasswords: boolean;
  color: boolean | undefined;
}

/** A CliIO that can also stop the capture: in-process callers (tests, an embedding program)
 *  abort `stopSignal` instead of sending the process SIGINT. Without it, SIGINT and SIGTERM stop
 *  the capture. */
export interface LiveIO extends CliIO {
  stopSignal?: AbortSignal;
}

export const command = 'live';
export const describe = 'Capture on an interface and explain FTP problems as they happen';

export function builder(y: Argv): Argv<LiveArgs> {
  return (
    withExportOptions(withLimitOptions(y), 'findings and transfers as they are known, in time order')
      .option('interface', { alias: 'i', type: 'string', requiresArg: true, describe: 'interface to capture on (required; ftpdiag interfaces lists them)' })
      // all TCP by default: passive and active data connections use ports nobody knows in advance
      .option('filter', { alias: 'f', type: 'string', default: 'tcp', requiresArg: true, describe: "BPF capture filter (pcap-filter(7)); '' captures everything" })
      .option('write', { alias: 'w', type: 'string', requiresArg: true, describe: "also write the captured frames to this pcap file (analyze can re-read it); '-': to standard output, as tcpdump -w -, the findings and the report then on standard error" })
      .option('duration', { type: 'number', requiresArg: true, describe: 'stop after this many seconds' })
      .option('count', { alias: 'c', type: 'number', requiresArg: true, describe: 'stop after this many frames, as tcpdump -c (frames already on their way while it stops are kept too)' })
      .option('json', { type: 'boolean', default: false, describe: 'stream NDJSON events (start, finding, transfer, report) instead of text, in time order, each with its time and addresses' })
      .option('backend', { choices: BACKENDS, default: 'auto' as BackendChoice, describe: 'capture backend: tcpdump subprocess (default) or the cap binding' })
      .option('snaplen', { alias: 's', type: 'number', requiresArg: true, describe: 'bytes kept per frame, as tcpdump -s (default: the whole frame)' })
      .option('fail-on', { choices: FAIL_ON, default: 'error' as FailOn, describe: 'exit 1 when a finding of this severity or worse is found' })
      .option('rules', rulesOptionSpec('directory (or file) of extra rules, added to the built-in ones; repeatable'))
      .option('show-passwords', { type: 'boolean', default: false, describe: 'show passwords and other credentials (PASS, ACCT, SITE PSWD …) instead of REDACTED' })
      .option('color', { type: 'boolean', describe: 'colour the text output (default: only on a terminal; never with NO_COLOR set)' })
      .example('$0 live -i eth0', 'follow FTP on eth0 until Ctrl-C')
      .example('$0 live -i eth0 -w ftp.pcap --duration 60', 'one minute, also saved for analyze')
      .example("$0 live -i any -f 'tcp and host 192.0.2.7'", 'only the TCP traffic of one host')
      .example('$0 live -i eth0 --json | jq -c .', 'NDJSON events')
      .example('$0 live -i eth0 --format eve >> /var/log/ftpdiag/eve.json', 'eve.json-shaped events for a SIEM')
      .example('$0 live -i eth0 -w - | tcpdump -r - -nn', 'the capture to standard output, findings on standard error') as unknown as Argv<LiveArgs>
  );
}

function checkArgs(a: LiveArgs): void {
  if (a.interface === undefined || a.interface === '') throw new CliError('live needs an interface: -i NAME (ftpdiag interfaces lists them)');
  const events = a.json ? '--json' : a.format === 'json' || a.format === 'eve' ? `--format ${a.format}` : null;
  if (a.write === '-' && events) throw new CliError(`-w - and ${events} both write to standard output: give -w a file name`);
  // (a timer takes at most 2^31-1 ms: a longer one would fire at once)
  if (a.duration !== undefined && !(Number.isFinite(a.duration) && a.duration > 0 && a.duration <= MAX_DURATION_S)) {
    throw new CliError(`--duration wants a positive number of seconds, at most ${MAX_DURATION_S} (24 days), not ${a.duration}`);
  }
  if (a.count !== undefined && !(Number.isInteger(a.count) && a.count > 0)) throw new CliError(`--count must be a positive whole number of frames (got ${a.count})`);
  if (a.snaplen !== undefined && !(Number.isInteger(a.snaplen) && a.snaplen > 0 && a.snaplen <= 262144)) {
    throw new CliError(`--snaplen must be a whole number of bytes from 1 to 262144 (got ${a.snaplen})`);
  }
  if (a.write === '') throw new CliError('-w needs a file name');
}

/** Why the capture stopped, as the closing stderr line says it. */
export type StopReason = 'signal' | 'duration' | 'count' | 'aborted' | 'reader-gone';
/** What stopped the capture, said after its time: `stopped after 20.0 s (--duration)`. */
const stopText: Record<StopReason, string> = {
  signal: ' (signal)',
  duration: ' (--duration)',
  count: ' (--count)',
  aborted: '',
  'reader-gone': ': the reader of standard output went away',
};

/** HH:MM:SS of the wall clock: when the line was printed, which is when it was known. */
function clock(): string {
  const d = new Date();
  const p = (n: number) => String(n).padStart(2, '0');
  return `${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}

/** One finding as the live text output prints it: a head line with severity, rule, title and
 *  frames, then the instance summary wrapped below. Every wire-derived string is escaped. */
export function liveFindingText(f: Finding, st: Styler, width: number, at: string): string {
  const frames = f.frames.length ? `  ${st.paint('dim', `[${glueFirst(framesText(f.frames))}]`)}` : '';
  const head = `${at} ${st.severity(f.severity, f.severity.toUpperCase())} ${st.paint('bold', f.id)} — ${escapeWire(f.title)}${frames}`;
  const indent = ' '.repeat(at.length + 1);
  return `${wrap(head, width, indent + '  ', '')}\n${wrap(escapeWire(f.summary), width, indent + '  ', indent)}\n`;
}

/** One settled transfer, one line (wrapped to the width). */
export function liveTransferText(v: TransferView, st: Styler, at: string, width = PIPE_WIDTH): string {
  const t = v.t;
  const arg = t.argument === '' ? '' : ` ${clip(escapeWire(t.argument), 60)}`;
  const replies = t.replyCodes.length ? `, ${t.replyCodes.length === 1 ? 'reply' : 'replies'} ${repliesText(t)}` : ', no reply';
  const bytes = typeof v.bytes === 'number' ? plural(v.bytes, 'byte') : `bytes ${v.bytes}`;
  const outcome = t.outcome === 'complete' ? st.paint('green', t.outcome) : t.outcome === 'unknown' ? t.outcome : st.paint('red', t.outcome);
  const text = st.paint('dim', `${at} transfer ${t.id}:`) + ` ${t.command}${arg}${t.mode ? `, ${t.mode}` : ''}, ${bytes}${replies} — ${outcome}`;
  return `${wrap(text, width, ' '.repeat(at.length + 3), '')}\n`;
}

/** NDJSON line: compact JSON, terminal-safe, newline-terminated. */
function ndjson(obj: Record<string, unknown>): string {
  return escapeJsonText(JSON.stringify(obj)) + '\n';
}

/** The report's capture section for a live source: the file name is the -w file when there is
 *  one (so the report names what analyze can re-read), else a label naming the interface. */
function captureSummary(s: LiveSummary, frames: number, label: string): CaptureSummary {
  const linkTypes = s.capture?.linkTypes.length ? [...s.capture.linkTypes] : s.linkType >= 0 ? [s.linkType] : [];
  return {
    file: label,
    format: 'pcap',
    nanosecond: s.capture?.nanosecond ?? false,
    compressed: null,
    linkTypes,
    frames,
    bytes: s.bytes,
    truncated: false,
    warnings: [],
  };
}

/** The live-capture facts a JSON consumer needs beside the report. */
function liveJson(s: LiveSummary, reason: StopReason | null): Record<string, unknown> {
  return {
    backend: s.backend,
    iface: s.iface,
    filter: s.filter,
    linkType: s.linkType,
    timestamps: s.timestamps,
    frames: s.frames,
    bytes: s.bytes,
    cutBySnaplen: s.cutBySnaplen,
    startedAt: s.startedAt,
    endedAt: s.endedAt,
    endedBy: s.endedBy,
    stopReason: reason,
    kernel: s.kernel,
    writeFile: s.writeFile,
    framesWritten: s.framesWritten,
    error: s.error ? { code: s.error.code, message: s.error.message } : null,
    warnings: s.warnings,
  };
}

export async function run(args: LiveArgs, given: LiveIO): Promise<ExitCode> {
  // loaded when this command runs (on-demand.ts)
  const { openLive, LiveError, LiveEventStream, writeZeekLogs } = await import('./on-demand.ts');
  checkArgs(args);
  const format = outputFormat(args);
  const opened = new Date();
  // -w -: standard output carries the capture (as tcpdump -w -); what would be printed there,
  // the findings as they come and the report, goes to standard error
  const toStdout = args.write === '-';
  const io: LiveIO = toStdout
    ? { ...given, out: given.err, stdoutIsTTY: given.stderrIsTTY ?? false, columns: given.stderrColumns, outputGone: undefined, drained: undefined }
    : given;
  const rules = loadCliRules(args.rules);
  const limits = cliLimits(args);
  const color = format === 'text' && useColor(args.color, io.stdoutIsTTY, io.env);
  const st = new Styler(color);
  const width = cliWidth(args, io);
  const iface = args.interface!;
  const writeFile = args.write; // '-': file descriptor 1, one write(2) per frame as for a file
  const label = args.write !== undefined && !toStdout ? args.write : `live capture on ${iface}`;

  // NDJSON and eve events are written in time order, each when the capture clock is past its
  // time by the TCP close-out grace and a second (export/live-order.ts): subjects settle out of
  // order, a refused transfer before the ones still closing.
  const streamed =
    format === 'json' || format === 'eve'
      ? new LiveEventStream(
          { format, showPasswords: args.showPasswords, file: args.write ?? null, holdSeconds: (limits.tcp?.closeGraceSeconds ?? defaultTcpEngineOptions.closeGraceSeconds) + 1 },
          (line) => io.out(line),
        )
      : null;

  // While frames flow, findings and transfers are printed as they come. finish() reports the
  // rest once more through the same callbacks: the text report that follows lists them, so text
  // output drops them; NDJSON and eve keep them (a consumer may only read events).
  let finishing = false;
  const analysis = new Analysis({
    rules,
    ...limits,
    showPasswords: args.showPasswords,
    file: label,
    provisional: {
      finding: (f, about) => {
        if (streamed) streamed.finding(f, about);
        else if (format === 'text' && !finishing) io.out(liveFindingText(f, st, width, clock()));
      },
      transfer: (t, about) => {
        if (streamed) streamed.transfer(t, about);
        else if (format === 'text' && !finishing) io.out(liveTransferText(transferView(t), st, clock(), width));
      },
    },
  });

  // ---- stop triggers: signal / abort, --duration, --count; installed before the capture opens
  // so a Ctrl-C during start-up is not lost
  let reason: StopReason | null = null;
  let onStop: () => void = () => {};
  const stopRequested = new Promise<void>((resolve) => (onStop = resolve));
  const requestStop = (r: StopReason): void => {
    if (reason !== null) return;
    reason = r;
    onStop();
  };
  const cleanups: Array<() => void> = [];
  if (io.stopSignal) {
    const onAbort = () => requestStop('aborted');
    if (io.stopSignal.aborted) onAbort();
    io.stopSignal.addEventListener('abort', onAbort);
    cleanups.push(() => io.stopSignal!.removeEventListener('abort', onAbort));
  } else {
    let signals = 0;
    const onSignal = (sig: NodeJS.Signals) => {
      signals++;
      if (signals === 1) return requestStop('signal');
      // a second Ctrl-C while stopping: leave now. Nothing is lost: every frame the -w file
      // got was written with its own write(2); the capture subprocess is killed on exit.
      io.err(`ftpdiag: ${sig} again: exiting without the report${args.write ? ` (${escapeWire(args.write)} holds every frame captured)` : ''}\n`);
      process.exit(130);
    };
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.on(sig, onSignal);
      cleanups.push(() => process.removeListener(sig, onSignal));
    }
  }
  // `ftpdiag live | head`: once nobody reads the findings, capturing on is pointless (tcpdump
  // dies of SIGPIPE there); the exit status still tells what was found
  const gone = io.outputGone;
  if (gone) {
    const onGone = () => requestStop('reader-gone');
    if (gone.aborted) onGone();
    gone.addEventListener('abort', onGone);
    cleanups.push(() => gone.removeEventListener('abort', onGone));
  }
  let timer: NodeJS.Timeout | null = null;
  if (args.duration !== undefined) {
    timer = setTimeout(() => requestStop('duration'), args.duration * 1000);
    cleanups.push(() => clearTimeout(timer!));
  }

  try {
    let capture: LiveCapture;
    try {
      capture = await openLive({
        iface,
        filter: args.filter,
        snaplen: args.snaplen,
        backend: args.backend,
        writeFile,
        onFrame: (f: Frame) => {
          analysis.frame(f);
          streamed?.advance(f.time);
          if (args.count !== undefined && analysis.framesSeen >= args.count) requestStop('count');
        },
        // said at once, not when the capture is over: the user is watching
        onError: (e) => io.err(`ftpdiag: ${escapeWire(e.message)}\n`),
      });
    } catch (e) {
      if (e instanceof LiveError) {
        // permission, unknown interface, bad filter, no capture tool: one line, usage-class exit
        io.err(`ftpdiag: ${escapeWire(e.message)}\n`);
        return ExitCode.BAD_INPUT;
      }
      throw e;
    }

    const filterText = args.filter === '' ? 'no filter' : `filter '${escapeWire(args.filter)}'`;
    const writing = toStdout ? ', writing the capture to standard output' : args.write !== undefined ? `, writing ${escapeWire(args.write)}` : '';
    const until = args.duration !== undefined ? `for ${args.duration} s or ` : '';
    io.err(`ftpdiag: capturing on ${escapeWire(iface)} with ${capture.backend}, ${filterText}${writing} — ${until}Ctrl-C to stop\n`);
    if (format === 'json') {
      io.out(ndjson({ event: 'start', timestamp: eveTimestamp(Date.now() / 1000), ftpdiag: { version: TOOL_VERSION }, iface, backend: capture.backend, filter: args.filter, linkType: capture.linkType, writeFile: args.write ?? null, startedAt: Date.now() / 1000 }));
    }

    const tick = setInterval(() => {
      try {
        const now = Date.now() / 1000 - LIVE_CLOCK_LAG_S;
        analysis.advance(now);
        streamed?.advance(now);
      } catch (e) {
        // a failing output (closed pipe) while reporting: stop as for any capture fault
        io.err(`ftpdiag: ${escapeWire(e instanceof Error ? e.message : String(e))}\n`);
        requestStop('aborted');
      }
    }, LIVE_TICK_MS);
    cleanups.push(() => clearInterval(tick));

    await Promise.race([stopRequested, capture.done]);
    const summary = await capture.stop();
    for (const c of cleanups.splice(0)) c();

    finishing = true;
    const result: AnalysisResult = analysis.finish(captureSummary(summary, analysis.framesSeen, label));
    const error = summary.error;
    streamed?.flush();
    if (format === 'json') {
      const report = buildJsonReport(result, { error: error ? { message: error.message, offset: summary.bytes, code: error.code } : null });
      io.out(ndjson({ event: 'report', timestamp: eveTimestamp(summary.endedAt), ...report, live: liveJson(summary, reason) }));
    } else if (format === 'zeek') {
      const logs = writeZeekLogs(logDir(args), result, opened);
      io.err(`ftpdiag: wrote conn.log (${logs.connRows} rows) and ftp.log (${logs.ftpRows} rows) in ${escapeWire(logDir(args))}\n`);
    } else if (format === 'text') {
      io.out('\n' + renderText(result, { color, width, error: error ? error.message : null }));
    }
    io.err(closingLine(summary, reason, toStdout));
    for (const re of result.ruleErrors) {
      io.err(`ftpdiag: warning: rule ${re.rule} (${escapeWire(re.file)}:${re.line}) failed on ${re.count === 1 ? '1 subject' : `${re.count} subjects`}: ${escapeWire(re.message)}\n`);
    }
    // the capture failing (interface gone, -w write error) is a fault like an unreadable capture
    if (error !== null) return ExitCode.BAD_INPUT;
    return exitCodeFor(result, args.failOn);
  } finally {
    for (const c of cleanups) c();
  }
}

/** `ftpdiag: stopped after 12.3 s (signal): 39 frames (0 dropped by the kernel), 39 written to F` */
export function closingLine(s: LiveSummary, reason: StopReason | null, toStdout = false): string {
  const secs = Math.max(0, s.endedAt - s.startedAt).toFixed(1);
  const how = s.endedBy === 'error' ? `capture failed after ${secs} s` : reason !== null ? `stopped after ${secs} s${stopText[reason]}` : `capture ended after ${secs} s`;
  const dropped = s.kernel.dropped;
  const parts = [`${plural(s.frames, 'frame')}${dropped !== null ? ` (${dropped} dropped by the kernel)` : ''}`];
  if (s.writeFile !== null) parts.push(`${s.framesWritten} written to ${toStdout ? 'standard output' : escapeWire(s.writeFile)}`);
  let out = `ftpdiag: ${how}: ${parts.join(', ')}\n`;
  if (dropped !== null && dropped > 0) {
    out += `ftpdiag: warning: the kernel dropped ${dropped} ${dropped === 1 ? 'frame' : 'frames'}: gaps, retransmissions and resets in the report may be artefacts of the capture (a narrower -f filter helps)\n`;
  }
  if (s.cutBySnaplen > 0) out += `ftpdiag: warning: ${plural(s.cutBySnaplen, 'frame')} cut by the snaplen: ${s.cutBySnaplen === 1 ? 'its' : 'their'} payload is incomplete\n`;
  for (const w of s.warnings) out += `ftpdiag: warning: ${escapeWire(w)}\n`;
  return out;
}
