// The command line checked before yargs parses it, so that every usage error is one plain line
// naming what is wrong, in a fixed order: an unknown command or option first (with the nearest
// valid spelling), then an option without its value, a value that is not a number or not one of
// the option's choices, and last a missing argument. (yargs reports a missing argument before an
// unknown option, so `analyze --jsn x.pcap` said "Not enough non-option arguments"; its message
// for a bad choice spans lines; a number it cannot parse reaches the command as NaN.)
//
// What each command takes is read from its own yargs definition (getOptions), so this check
// cannot drift from the options --help lists.

import yargs, { type Argv } from 'yargs';
import { nearest, orList } from '../format/words.ts';

export interface OptionInfo {
  key: string; //                      the name --help shows (the long one)
  takesValue: boolean; //              anything but a boolean flag
  number: boolean;
  choices: readonly string[] | null;
}

export interface CommandInfo {
  name: string;
  usage: string; //                    'compare <a> <b>'
  required: string[]; //               required positionals, in order ('<a>', '<b>')
  options: Map<string, OptionInfo>; // by every spelling without dashes (long, short, alias)
  /** Positionals with a fixed set of values (completion's shell), by position. */
  positionalChoices: Map<number, { name: string; choices: readonly string[] }>;
}

/** A command's options as yargs holds them after `define` (its builder) ran on a fresh parser
 *  that already has the global options. */
export function commandInfo(name: string, usage: string, define: (y: Argv) => Argv): CommandInfo {
  const positionals = [...usage.matchAll(/[<[]([\w-]+)(?:\.\.)?[>\]]/g)].map((m) => m[1]!);
  const required = [...usage.matchAll(/<[\w-]+(?:\.\.)?>/g)].map((m) => m[0]);
  const y = define(yargs([]));
  const { choices } = (y as unknown as { getOptions(): YargsOptions }).getOptions();
  const positionalChoices = new Map<number, { name: string; choices: readonly string[] }>();
  positionals.forEach((p, i) => {
    if (choices[p]?.length) positionalChoices.set(i, { name: p, choices: choices[p].map(String) });
  });
  return { name, usage, required, options: optionsOf(y, new Set(positionals)), positionalChoices };
}

interface YargsOptions {
  key: Record<string, unknown>;
  alias: Record<string, string[]>;
  boolean: string[];
  number: string[];
  choices: Record<string, string[]>;
}

function optionsOf(y: Argv, positionals: ReadonlySet<string>): Map<string, OptionInfo> {
  const o = (y as unknown as { getOptions(): YargsOptions }).getOptions();
  // alias groups, whichever way round yargs recorded them (h → [help], interface → [i])
  const group = new Map<string, Set<string>>();
  const join = (a: string, b: string) => {
    const ga = group.get(a) ?? new Set([a]);
    const gb = group.get(b) ?? new Set([b]);
    const all = new Set([...ga, ...gb]);
    for (const n of all) group.set(n, all);
  };
  for (const k of Object.keys(o.key)) if (!group.has(k)) group.set(k, new Set([k]));
  for (const [k, list] of Object.entries(o.alias)) for (const a of list) join(k, a);
  const out = new Map<string, OptionInfo>();
  for (const names of new Set(group.values())) {
    const list = [...names].filter((n) => !positionals.has(n));
    if (list.length === 0) continue;
    const key = list.reduce((a, b) => (b.length > a.length ? b : a));
    const has = (xs: readonly string[]) => list.some((n) => xs.includes(n));
    const choices = list.map((n) => o.choices[n]).find((c) => c !== undefined && c.length > 0) ?? null;
    const info: OptionInfo = { key, takesValue: !has(o.boolean), number: has(o.number), choices };
    for (const n of list) out.set(n, info);
  }
  return out;
}

/** `--json` / `-j` as typed on the command line. */
const spelled = (name: string) => (name.length === 1 ? `-${name}` : `--${name}`);
/** An option as the messages name it: its long spelling. */
const named = (o: OptionInfo) => spelled(o.key);

const NUMBER = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** What an option wants, for a message: `a number`, `error, warning, info or none`, `a value`. */
function wanted(o: OptionInfo): string {
  return o.choices ? orList(o.choices.map(String)) : o.number ? 'a number' : 'a value';
}

/** Why a value does not suit its option (null: it does). */
function badValue(o: OptionInfo, value: string): string | null {
  if (o.number && !NUMBER.test(value.trim())) return `${named(o)} wants a number, not '${value}'`;
  if (o.choices && !o.choices.map(String).includes(value)) {
    const near = nearest(value, o.choices.map(String));
    return `${named(o)} wants ${wanted(o)}, not '${value}'${near ? ` (did you mean ${near}?)` : ''}`;
  }
  return null;
}

/**
 * One-letter options of tcpdump and tshark typed out of habit where the command has no such
 * option: what to do instead. (Their nearest spelling by letters means nothing: `-s` is not a
 * typo of `-h`.)
 */
const HABITS: Readonly<Record<string, string>> = {
  s: 'the snap length is set when capturing (ftpdiag live -s N); a capture file keeps the one it was recorded with',
  w: 'ftpdiag live -w FILE saves what it captures; analyze writes a capture back, with its findings as packet comments, with --annotate FILE',
  i: 'the interface is for live capture: ftpdiag live -i IFACE (ftpdiag -D lists them)',
  n: 'ftpdiag never looks up host or port names, so there is nothing to turn off',
  v: 'the report has one level of detail; --json gives every field',
  V: 'the report has one level of detail; --json gives every field',
  x: 'ftpdiag shows no packet bytes; ftpdiag ladder draws a connection packet by packet',
  X: 'ftpdiag shows no packet bytes; ftpdiag ladder draws a connection packet by packet',
};

/** camelCase spellings yargs also accepts (--failOn for --fail-on). */
const kebab = (name: string) => name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);

/**
 * The first usage error of `argv` (without node and script), or null. `globals` are the options
 * every command takes (and the only ones before the command); `commands` by name. The index in
 * `argv` of each positional argument (not the command, not an option's value) is pushed on
 * `positions`.
 */
export function checkArgv(argv: readonly string[], commands: ReadonlyMap<string, CommandInfo>, globals: ReadonlyMap<string, OptionInfo>, positions: number[] = []): string | null {
  // help and shell completion take whatever follows; yargs answers them
  const end = argv.indexOf('--');
  const opts = end < 0 ? argv : argv.slice(0, end);
  if (opts.some((t) => t === '--help' || t === '-h' || t === '--get-yargs-completions')) return null;

  let command: CommandInfo | null = null;
  const positionals: string[] = [];
  let valueError: string | null = null;
  const lookup = (name: string): OptionInfo | undefined => {
    const table = command?.options ?? globals;
    return table.get(name) ?? table.get(kebab(name));
  };
  const unknownOption = (typed: string): string => {
    const table = command?.options ?? globals;
    const where = command ? ` for ${command.name}` : '';
    const letter = /^-(\w)$/.exec(typed)?.[1];
    if (letter !== undefined) {
      const habit = HABITS[letter];
      return `unknown option ${typed}${where}${habit ? `: ${habit}` : ` (ftpdiag ${command ? `${command.name} ` : ''}--help lists the options)`}`;
    }
    const spellings = [...new Set([...table.keys()].map(spelled))];
    const near = nearest(typed, spellings.filter((s) => s.startsWith('--')));
    return `unknown option ${typed}${where}${near ? ` (did you mean ${near}?)` : ` (ftpdiag ${command ? `${command.name} ` : ''}--help lists the options)`}`;
  };
  const takeValue = (o: OptionInfo, inline: string | undefined, i: number): number => {
    let value = inline;
    let used = 0;
    if (value === undefined) {
      const next = argv[i + 1];
      // a value may be '-' (standard input or output) or a negative number, not another option
      if (next !== undefined && i + 1 !== end && !(next.startsWith('-') && next !== '-' && !NUMBER.test(next))) {
        value = next;
        used = 1;
      }
    }
    if (valueError === null) {
      // an empty value is a value (-f '' captures everything); the command judges it
      if (value === undefined) valueError = `${named(o)} needs ${o.choices ? `one of ${wanted(o)}` : wanted(o)}`;
      else valueError = badValue(o, value);
    }
    return used;
  };

  for (let i = 0; i < argv.length; i++) {
    const tok = argv[i]!;
    if (i === end) {
      positionals.push(...argv.slice(i + 1));
      for (let k = i + 1; k < argv.length; k++) positions.push(k);
      break;
    }
    if (tok.startsWith('--') && tok.length > 2) {
      const eq = tok.indexOf('=');
      const name = eq < 0 ? tok.slice(2) : tok.slice(2, eq);
      const inline = eq < 0 ? undefined : tok.slice(eq + 1);
      let o = lookup(name);
      if (!o && name.startsWith('no-')) {
        const neg = lookup(name.slice(3));
        if (neg && !neg.takesValue) o = neg;
      }
      if (!o) return unknownOption(eq < 0 ? tok : tok.slice(0, eq));
      if (o.takesValue) i += takeValue(o, inline, i);
      else if (inline !== undefined && !/^(true|false)$/.test(inline) && valueError === null) valueError = `${named(o)} takes no value (got '${inline}')`;
      continue;
    }
    if (tok.startsWith('-') && tok.length > 1 && !NUMBER.test(tok)) {
      const letters = tok.slice(1);
      for (let j = 0; j < letters.length; j++) {
        const o = lookup(letters[j]!);
        if (!o) return unknownOption(`-${letters[j]}`);
        if (!o.takesValue) continue;
        const rest = letters.slice(j + 1).replace(/^=/, '');
        i += takeValue(o, rest === '' ? undefined : rest, i);
        break;
      }
      continue;
    }
    if (command === null) {
      const c = commands.get(tok);
      if (!c) {
        const near = nearest(tok, commands.keys());
        return `unknown command '${tok}'${near ? ` (did you mean ${near}?)` : ' (ftpdiag --help lists the commands)'}`;
      }
      command = c;
      continue;
    }
    positionals.push(tok);
    positions.push(i);
  }
  if (valueError !== null) return valueError;
  if (command) {
    for (const [at, { name, choices }] of command.positionalChoices) {
      const given = positionals[at];
      if (given === undefined || choices.includes(given)) continue;
      const near = nearest(given, choices);
      return `${command.name}: ${name} is ${orList(choices)}, not '${given}'${near ? ` (did you mean ${near}?)` : ''}`;
    }
  }
  if (command && positionals.length < command.required.length) {
    return `missing ${command.required[positionals.length]} (usage: ftpdiag ${command.usage})`;
  }
  return null;
}
