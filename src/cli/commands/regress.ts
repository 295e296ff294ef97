// `ftpdiag regress DIR…`: CI regression on saved traces. Each trace is analysed and compared with
// NAME.expect.yaml beside it; a pass/fail table, JUnit XML on request, exit 1 on any regression.

import { writeFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { isAbsolute, relative, resolve, sep } from 'node:path';
import { errorWords } from '../../report/output-error.ts';
import type { Argv } from 'yargs';
import { escapeWire } from '../../report/escape.ts';
import { Styler, tableStyle, useColor } from '../../report/style.ts';
import type { TraceOutcome } from '../../regress/one-trace.ts';
import { loadCliRules, rulePaths, rulesOptionSpec } from '../rules-option.ts';
import { cliLimits, withLimitOptions, type LimitArgs } from '../limits-option.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';
import { cliWidth, type WidthArgs } from '../width-option.ts';
import { StreamedTable } from '../../report/text-table.ts';
import { plural, wrap } from '../../format/words.ts';

export interface RegressArgs extends LimitArgs, WidthArgs {
  paths: string[];
  update: boolean;
  junit: string | undefined;
  rules: string | string[] | undefined;
  jobs: number;
  color: boolean | undefined;
}

export const command = 'regress <paths..>';
export const describe = 'Check saved traces against their expected diagnoses (NAME.expect.yaml)';

export function builder(y: Argv): Argv<RegressArgs> {
  return withLimitOptions(y)
    .positional('paths', { type: 'string', array: true, describe: 'trace files or directories (searched recursively)', demandOption: true })
    .option('update', { type: 'boolean', default: false, describe: 'write or refresh NAME.expect.yaml from the current analysis (review before committing)' })
    .option('junit', { type: 'string', requiresArg: true, describe: "also write JUnit XML to this file (one testcase per trace, named relative to the directory given, its report in system-out); '-': to standard output, the table then on standard error" })
    .option('rules', rulesOptionSpec('directory of extra rules, as for analyze; repeatable'))
    .option('jobs', { alias: 'j', type: 'number', default: availableParallelism(), describe: 'traces analysed in parallel (worker threads)' })
    .option('color', { type: 'boolean', describe: 'colour the table (default: only on a terminal; never with NO_COLOR set)' })
    .example('$0 regress captures/', 'check every trace in captures/')
    .example('$0 regress --junit regress.xml incidents/', 'for CI')
    .example('$0 regress --update incidents/new-case.pcap', 'bless a new trace') as unknown as Argv<RegressArgs>;
}

export async function run(args: RegressArgs, io: CliIO): Promise<ExitCode> {
  // loaded when this command runs (regress-on-demand.ts): with the YAML parser, ~0.1 s of CPU
  const { discoverTraces, junitXml, runRegression } = await import('./regress-on-demand.ts');
  const paths = rulePaths(args.rules);
  loadCliRules(args.rules); // fail once, here, with file:line, rather than in every worker
  const limits = cliLimits(args);
  const width = cliWidth(args, io);
  if (!(Number.isInteger(args.jobs) && args.jobs >= 1)) throw new CliError(`--jobs wants a positive whole number of threads, not ${args.jobs}`);
  if (args.junit === '') throw new CliError('--junit needs a file name (or - for standard output)');
  let cases;
  try {
    cases = discoverTraces(args.paths);
  } catch (e) {
    const path = (e as NodeJS.ErrnoException).path;
    throw new CliError(`${path === undefined ? '' : `${escapeWire(path)}: `}${escapeWire(errorWords(e))}`);
  }
  if (cases.length === 0) throw new CliError(`no traces (*.pcap, *.pcapng, *.cap, optionally .gz) under ${args.paths.map(escapeWire).join(', ')}`);

  // --junit -: the XML is standard output, the table goes to standard error
  const junitToStdout = args.junit === '-';
  const say = junitToStdout ? (t: string) => io.err(t) : (t: string) => io.out(t);
  const outcomes = await runRegression(cases, { rulePaths: paths, limits, update: args.update, jobs: args.jobs, report: args.junit !== undefined });
  const st = new Styler(useColor(args.color, junitToStdout ? (io.stderrIsTTY ?? false) : io.stdoutIsTTY, io.env));
  say(renderTable(outcomes, st, width));
  say(renderDetails(outcomes, width));
  const count = (s: TraceOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  const summary = args.update
    ? `${plural(count('updated'), 'expectation file')} written, ${plural(count('error'), 'error')}`
    : `${count('pass')} passed, ${count('fail')} failed, ${plural(count('error'), 'error')}`;
  say(`${summary}\n`);

  if (args.junit !== undefined) {
    const xml = junitXml('ftpdiag regress', outcomes.map((o) => ({
      name: o.name,
      classname: o.suite,
      file: fileAttribute(o.trace),
      seconds: o.seconds,
      failures: o.mismatches,
      error: o.error,
      report: o.report,
    })));
    if (junitToStdout) io.out(xml);
    else {
      try {
        writeFileSync(args.junit, xml);
      } catch (e) {
        throw new CliError(`--junit ${escapeWire(args.junit)}: cannot write: ${escapeWire(errorWords(e))}`);
      }
    }
  }
  return count('fail') + count('error') > 0 ? ExitCode.FINDINGS : ExitCode.OK;
}

/** A trace's path for JUnit's `file`: relative to the working directory when under it (what CI
 *  tools link to the repository), else absolute; '/' as separator. */
function fileAttribute(trace: string): string {
  const abs = resolve(trace);
  const rel = relative(process.cwd(), abs);
  return (rel.startsWith('..') || isAbsolute(rel) ? abs : rel).split(sep).join('/');
}

const HEAD = ['Trace', 'Result', 'Frames', 'Transfers', 'Findings', 'Seconds'];

/** A table of the traces when it fits the width, else one wrapped line per trace. */
export function renderTable(outcomes: readonly TraceOutcome[], st: Styler, width: number): string {
  const label = (o: TraceOutcome) =>
    o.status === 'pass' ? st.paint('green', 'pass')
    : o.status === 'fail' ? st.paint('boldRed', `FAIL (${o.mismatches.length})`)
    : o.status === 'error' ? st.paint('boldRed', 'ERROR')
    : st.paint('cyan', 'updated');
  const rows = outcomes.map((o) => [escapeWire(o.trace), label(o), String(o.frames), String(o.transfers), String(o.findings), o.seconds.toFixed(2)]);
  const table = new StreamedTable({
    head: HEAD,
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right'],
    style: tableStyle(st.color),
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const r of rows) table.measure(r);
  if (table.fitTo(width, [])) return `${[...table.render(rows)].join('')}\n`;
  const lines = outcomes.map((o, k) =>
    wrap(`${rows[k]![1]}  ${rows[k]![0]} — ${plural(o.frames, 'frame')}, ${plural(o.transfers, 'transfer')}, ${plural(o.findings, 'finding')}, ${rows[k]![5]} s`, width, '      ', ''),
  );
  return `${lines.join('\n')}\n`;
}

function renderDetails(outcomes: readonly TraceOutcome[], width: number): string {
  const lines: string[] = [];
  for (const o of outcomes) {
    // an error of several lines (each unknown finding id at its line): one wrapped line each
    if (o.error) for (const e of o.error.split('\n')) lines.push(wrap(`${escapeWire(o.trace)}: ${escapeWire(e)}`, width, '    ', ''));
    for (const m of o.mismatches) lines.push(wrap(`${escapeWire(o.trace)}: ${escapeWire(m)}`, width, '    ', ''));
  }
  return lines.length ? `\n${lines.join('\n')}\n\n` : '\n';
}
