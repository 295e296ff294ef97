// The command-line program: yargs setup, one module per command under commands/, exit codes.
// Usage errors exit 2 (yargs' own exit is disabled so the code is ours), input faults print one
// line `ftpdiag: …` without a stack trace and exit 2.

import yargs, { type Argv } from 'yargs';
import * as analyze from './commands/analyze.ts';
import * as regress from './commands/regress.ts';
import * as ladder from './commands/ladder.ts';
import * as live from './commands/live.ts';
import * as interfaces from './commands/interfaces.ts';
import * as log from './commands/log.ts';
import * as codes from './commands/codes.ts';
import * as compare from './commands/compare.ts';
import { CliError, ExitCode, processIO, type CliIO } from './io.ts';
import { escapeWire } from '../report/escape.ts';
import { TOOL_VERSION } from '../report/tool-version.ts';

class UsageError extends Error {}

/** What each commands/*.ts module exports. Later commands (live, regress, ladder, log, codes,
 *  compare, interfaces) are added to `commands` below. */
export interface CommandModule<A> {
  command: string;
  describe: string;
  builder(y: Argv): Argv<A>;
  run(args: A, io: CliIO): Promise<number>;
}

const commands: ReadonlyArray<CommandModule<never>> = [analyze, regress, live, interfaces, ladder, log, codes, compare].map((m) => m as unknown as CommandModule<never>);

/** Runs the program on `argv` (without node and script); resolves to the exit code. */
export async function runCli(rawArgv: readonly string[], io: CliIO = processIO()): Promise<number> {
  // yargs turns a lone '-' (standard input) into '' for a single positional but drops it from a
  // variadic one (analyze <trace..>): give it '' everywhere, which isStdinPath() reads as '-'
  const argv = rawArgv.map((a) => (a === '-' ? '' : a));
  let code: number | null = null;
  let helpText = '';
  let parser: Argv = yargs([...argv])
    .scriptName('ftpdiag')
    .usage('$0 <command> [options]\n\nExplains broken FTP transfers from packet captures, citing Wireshark frame numbers.');
  for (const m of commands) {
    parser = parser.command({
      command: m.command,
      describe: m.describe,
      builder: (y: Argv) => m.builder(y),
      handler: async (args: unknown) => {
        code = await m.run(args as never, io);
      },
    });
  }
  parser = parser
    .demandCommand(1, 'name a command (ftpdiag --help lists them)')
    .strict()
    .recommendCommands()
    .help()
    .alias('h', 'help')
    .version(TOOL_VERSION) // package.json's, not yargs' guess (report/tool-version.ts)
    .wrap(Math.min(100, io.columns ?? 100))
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((msg, err) => {
      if (err && !(err instanceof UsageError)) throw err;
      throw new UsageError(msg ?? err?.message ?? 'usage error');
    });
  try {
    await parser.parseAsync([...argv], {}, (_err, _argv, output) => {
      helpText = output;
    });
  } catch (e) {
    if (e instanceof UsageError) {
      io.err(`ftpdiag: ${escapeWire(e.message)}\nRun 'ftpdiag --help' for usage.\n`);
      return ExitCode.BAD_INPUT;
    }
    if (e instanceof CliError) {
      io.err(`ftpdiag: ${escapeWire(e.message)}\n`);
      return ExitCode.BAD_INPUT;
    }
    const msg = e instanceof Error ? e.message : String(e);
    io.err(`ftpdiag: internal error: ${escapeWire(msg)}\n`);
    if (io.env['FTPDIAG_DEBUG'] && e instanceof Error && e.stack) io.err(`${e.stack}\n`);
    return ExitCode.BAD_INPUT;
  }
  if (helpText) io.out(helpText.endsWith('\n') ? helpText : helpText + '\n');
  return code ?? ExitCode.OK;
}
