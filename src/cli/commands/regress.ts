// `ftpdiag regress DIR…`: CI regression on saved traces. Each trace is analysed and compared with
// NAME.expect.yaml beside it; a pass/fail table, JUnit XML on request, exit 1 on any regression.

import { writeFileSync } from 'node:fs';
import Table from 'cli-table3';
import type { Argv } from 'yargs';
import { escapeWire } from '../../report/escape.ts';
import { Styler, tableStyle, useColor } from '../../report/style.ts';
import { discoverTraces } from '../../regress/discover.ts';
import { junitXml } from '../../regress/junit.ts';
import type { TraceOutcome } from '../../regress/one-trace.ts';
import { defaultJobs, runRegression } from '../../regress/run.ts';
import { loadCliRules, rulePaths, rulesOptionSpec } from '../rules-option.ts';
import { cliLimits, withLimitOptions, type LimitArgs } from '../limits-option.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';

export interface RegressArgs extends LimitArgs {
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
    .option('junit', { type: 'string', requiresArg: true, describe: 'also write JUnit XML to this file' })
    .option('rules', rulesOptionSpec('directory of extra rules, as for analyze; repeatable'))
    .option('jobs', { alias: 'j', type: 'number', default: defaultJobs(), describe: 'traces analysed in parallel (worker threads)' })
    .option('color', { type: 'boolean', describe: 'colour the table (default: only on a terminal; never with NO_COLOR set)' })
    .example('$0 regress captures/', 'check every trace in captures/')
    .example('$0 regress --junit regress.xml incidents/', 'for CI')
    .example('$0 regress --update incidents/new-case.pcap', 'bless a new trace') as unknown as Argv<RegressArgs>;
}

export async function run(args: RegressArgs, io: CliIO): Promise<ExitCode> {
  const paths = rulePaths(args.rules);
  loadCliRules(args.rules); // fail once, here, with file:line, rather than in every worker
  const limits = cliLimits(args);
  let cases;
  try {
    cases = discoverTraces(args.paths);
  } catch (e) {
    throw new CliError(`${(e as NodeJS.ErrnoException).path ?? ''}: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  if (cases.length === 0) throw new CliError(`no traces (*.pcap, *.pcapng, *.cap, optionally .gz) under ${args.paths.join(', ')}`);

  const outcomes = await runRegression(cases, { rulePaths: paths, limits, update: args.update, jobs: Math.max(1, Math.floor(args.jobs)) });
  const st = new Styler(useColor(args.color, io.stdoutIsTTY, io.env));
  io.out(renderTable(outcomes, st));
  io.out(renderDetails(outcomes));
  const count = (s: TraceOutcome['status']) => outcomes.filter((o) => o.status === s).length;
  const summary = args.update
    ? `${count('updated')} expectation file(s) written, ${count('error')} error(s)`
    : `${count('pass')} passed, ${count('fail')} failed, ${count('error')} error(s)`;
  io.out(`${summary}\n`);

  if (args.junit) {
    writeFileSync(args.junit, junitXml('ftpdiag regress', outcomes.map((o) => ({
      name: o.trace,
      seconds: o.seconds,
      failures: o.mismatches,
      error: o.error,
    }))));
  }
  return count('fail') + count('error') > 0 ? ExitCode.FINDINGS : ExitCode.OK;
}

function renderTable(outcomes: readonly TraceOutcome[], st: Styler): string {
  const table = new Table({
    head: ['Trace', 'Result', 'Frames', 'Transfers', 'Findings', 'Seconds'],
    colAligns: ['left', 'left', 'right', 'right', 'right', 'right'],
    style: tableStyle(st.color),
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const o of outcomes) {
    const label = o.status === 'pass' ? st.paint('green', 'pass')
      : o.status === 'fail' ? st.paint('boldRed', `FAIL (${o.mismatches.length})`)
      : o.status === 'error' ? st.paint('boldRed', 'ERROR')
      : st.paint('cyan', 'updated');
    table.push([escapeWire(o.trace), label, o.frames, o.transfers, o.findings, o.seconds.toFixed(2)]);
  }
  return `${table.toString()}\n`;
}

function renderDetails(outcomes: readonly TraceOutcome[]): string {
  const lines: string[] = [];
  for (const o of outcomes) {
    if (o.error) lines.push(`${escapeWire(o.trace)}: ${escapeWire(o.error)}`);
    for (const m of o.mismatches) lines.push(`${escapeWire(o.trace)}: ${escapeWire(m)}`);
  }
  return lines.length ? `\n${lines.join('\n')}\n\n` : '\n';
}
