// The command-line program: yargs setup, one module per command under commands/, exit codes.
// A command line is checked first (argv-check.ts) so that a usage error is one plain line in a
// fixed order; usage errors exit 2 (yargs' own exit is disabled so the code is ours), input
// faults print one line `ftpdiag: …` without a stack trace and exit 2; "internal error" is kept
// for what can only be a bug.

import yargs, { type Argv } from 'yargs';
import * as analyze from './commands/analyze.ts';
import * as regress from './commands/regress.ts';
import * as ladder from './commands/ladder.ts';
import * as live from './commands/live.ts';
import * as interfaces from './commands/interfaces.ts';
import * as log from './commands/log.ts';
import * as codes from './commands/codes.ts';
import * as compare from './commands/compare.ts';
import * as rules from './commands/rules.ts';
import * as completion from './commands/completion.ts';
import { checkArgv, commandInfo, type CommandInfo, type OptionInfo } from './argv-check.ts';
import { CliError, ExitCode, processIO, type CliIO } from './io.ts';
import { escapeWire } from '../report/escape.ts';
import { TOOL_VERSION } from '../report/tool-version.ts';
import { widthOptionSpec } from './width-option.ts';
import { MAX_WIDTH, MIN_WIDTH, outputWidth, PIPE_WIDTH } from '../report/layout.ts';
import { COMPLETE_FLAG, completeWords, SHELLS, type Shell } from './commands/completion.ts';

class UsageError extends Error {}

/** What each commands/*.ts module exports. */
export interface CommandModule<A> {
  command: string;
  describe: string;
  builder(y: Argv): Argv<A>;
  run(args: A, io: CliIO): Promise<number>;
}

const commands: ReadonlyArray<CommandModule<never>> = [analyze, regress, live, interfaces, ladder, log, codes, compare, rules, completion].map((m) => m as unknown as CommandModule<never>);

/** The options every command takes (yargs adds --help and --version itself). */
function withGlobals(y: Argv): Argv {
  return y.option('width', widthOptionSpec).alias('h', 'help');
}

/** tcpdump's -D (--list-interfaces): `ftpdiag -D` is `ftpdiag interfaces`. */
const LIST_INTERFACES = new Set(['-D', '--list-interfaces']);

type CommandEntry = CommandInfo & { describe: string };

/** Each command's options, read from its builder (argv-check.ts) when first asked for: a run
 *  checks the line of one command, and reading every command's builder was a tenth of a short
 *  run's start-up. Iterating reads them all. */
class CommandInfoTable implements ReadonlyMap<string, CommandEntry> {
  readonly #modules = new Map(commands.map((m) => [m.command.split(' ')[0]!, m]));
  readonly #read = new Map<string, CommandEntry>();

  get size(): number {
    return this.#modules.size;
  }
  has(name: string): boolean {
    return this.#modules.has(name);
  }
  get(name: string): CommandEntry | undefined {
    let entry = this.#read.get(name);
    const m = this.#modules.get(name);
    if (entry === undefined && m !== undefined) {
      entry = { ...commandInfo(name, m.command, (y) => m.builder(withGlobals(y))), describe: m.describe };
      this.#read.set(name, entry);
    }
    return entry;
  }
  keys(): MapIterator<string> {
    return this.#modules.keys();
  }
  values(): MapIterator<CommandEntry> {
    return new Map([...this.entries()]).values();
  }
  entries(): MapIterator<[string, CommandEntry]> {
    return new Map([...this.#modules.keys()].map((name) => [name, this.get(name)!])).entries();
  }
  forEach(f: (value: CommandEntry, key: string, map: ReadonlyMap<string, CommandEntry>) => void): void {
    for (const [k, v] of this.entries()) f(v, k, this);
  }
  [Symbol.iterator](): MapIterator<[string, CommandEntry]> {
    return this.entries();
  }
}

let infos: { commands: ReadonlyMap<string, CommandEntry>; globals: Map<string, OptionInfo> } | null = null;
/** Exported for the test that walks every command's options with bad values. */
export function commandInfos(): NonNullable<typeof infos> {
  if (infos === null) {
    const top = commandInfo('', '', (y) => withGlobals(y).option('D', { alias: 'list-interfaces', type: 'boolean' }));
    infos = { globals: top.options, commands: new CommandInfoTable() };
  }
  return infos;
}

/** The width --help is laid out in: `--width N` when given (and valid), else the terminal's
 *  (a terminal that reports no size counts as none), at most PIPE_WIDTH: help is prose. */
function helpWidth(args: readonly string[], io: CliIO): number {
  const at = args.findIndex((a) => a === '--width' || a.startsWith('--width='));
  const given = at < 0 ? NaN : Number(args[at]!.startsWith('--width=') ? args[at]!.slice(8) : args[at + 1]);
  const width = Number.isInteger(given) && given >= MIN_WIDTH && given <= MAX_WIDTH ? given : outputWidth(undefined, io.stdoutIsTTY, io.columns);
  return Math.min(PIPE_WIDTH, width);
}

/** yargs lays out the whole help of a command each time it starts the command's handler, and
 *  keeps it for a failure after that to print (a fifth of a short run's start-up: cliui and
 *  string-width over every option and example). Our failures never print help (.fail above,
 *  showHelpOnFail(false)), so the layout is skipped; --help itself lays it out as before. The
 *  usage object is yargs' own (getInternalMethods, yargs 17): without it, nothing changes. */
export function skipHelpCache(parser: Argv): void {
  const internal = (parser as unknown as { getInternalMethods?: () => { getUsageInstance?: () => { cacheHelpMessage?: () => void } } }).getInternalMethods?.();
  const usage = internal?.getUsageInstance?.();
  if (usage && typeof usage.cacheHelpMessage === 'function') usage.cacheHelpMessage = () => undefined;
}

/** Runs the program on `argv` (without node and script); resolves to the exit code. */
export async function runCli(argv: readonly string[], io: CliIO = processIO()): Promise<number> {
  const args = LIST_INTERFACES.has(argv[0] ?? '') ? ['interfaces', ...argv.slice(1)] : [...argv];
  const { commands: known, globals } = commandInfos();
  // the completion scripts' question: `--complete SHELL -- WORDS…` (commands/completion.ts)
  if (args[0] === COMPLETE_FLAG && (SHELLS as readonly string[]).includes(args[1] ?? '') && args[2] === '--') {
    const answer = completeWords(args.slice(3), args[1] as Shell, known, globals);
    if (answer.length) io.out(`${answer.join('\n')}\n`);
    return ExitCode.OK;
  }
  const positions: number[] = [];
  const problem = checkArgv(args, known, globals, positions);
  if (problem !== null) {
    io.err(`ftpdiag: ${escapeWire(problem)}\n`);
    return ExitCode.BAD_INPUT;
  }
  // yargs turns a lone '-' (standard input) into '' for a single positional but drops it from a
  // variadic one (analyze [trace..]): a positional '-' is given as '', which isStdinPath() reads
  // as '-'. An option's '-' (--html -, -w -: standard output) is left as it is.
  for (const i of positions) if (args[i] === '-') args[i] = '';
  let code: number | null = null;
  let helpText = '';
  let parser: Argv = withGlobals(yargs([...args]))
    .scriptName('ftpdiag')
    .usage('$0 <command> [options]\n\nExplains broken FTP transfers from packet captures, citing Wireshark frame numbers.')
    .option('D', { alias: 'list-interfaces', type: 'boolean', describe: 'list the capture interfaces and exit, as tcpdump -D (the same as ftpdiag interfaces)' });
  for (const m of commands) {
    parser = parser.command({
      command: m.command,
      describe: m.describe,
      builder: (y: Argv) => m.builder(y),
      handler: async (a: unknown) => {
        code = await m.run(a as never, io);
      },
    });
  }
  parser = parser
    .demandCommand(1, 'name a command (ftpdiag --help lists them)')
    .strict()
    .detectLocale(false) // messages in one language, so that they can be checked and fixed here
    .help()
    .version(TOOL_VERSION) // package.json's, not yargs' guess (report/tool-version.ts)
    .wrap(helpWidth(args, io))
    .exitProcess(false)
    .showHelpOnFail(false)
    .fail((msg, err) => {
      if (err && !(err instanceof UsageError) && err.name !== 'YError') throw err;
      throw new UsageError(msg ?? err?.message ?? 'usage error');
    });
  skipHelpCache(parser);
  try {
    await parser.parseAsync([...args], {}, (_err, _argv, output) => {
      helpText = output;
    });
  } catch (e) {
    if (e instanceof UsageError) {
      // whatever yargs still finds (options that exclude each other): one line
      const msg = e.message
        .replace(/^Arguments ([\w-]+) and ([\w-]+) are mutually exclusive$/, '--$1 and --$2 cannot be given together')
        .replace(/\s*\n\s*/g, '; ');
      io.err(`ftpdiag: ${escapeWire(msg)}\n`);
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
