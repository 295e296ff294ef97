// The --rules option every analysing command shares: repeatable paths of extra rule files, loaded
// with the built-in catalog. A broken rule file is a usage error (exit 2) naming file and line.

import { RuleFileError } from '../diagnose/rule-error.ts';
import { loadRules } from '../diagnose/rule-loader.ts';
import type { RuleSet } from '../diagnose/rule-types.ts';
import { CliError } from './io.ts';
import { errorWords } from '../report/output-error.ts';

/** yargs gives a string for one --rules, an array for several, undefined for none. */
export function rulePaths(arg: string | string[] | undefined): string[] {
  return ([] as Array<string | undefined>).concat(arg).filter((p): p is string => typeof p === 'string' && p !== '');
}

export function loadCliRules(arg: string | string[] | undefined): RuleSet {
  try {
    return loadRules(rulePaths(arg));
  } catch (e) {
    // a file that cannot be read names itself and why in words; a fault inside one, its line
    if (e instanceof RuleFileError) throw new CliError(e.line === 0 ? `--rules ${e.file}: ${errorWords(e.reason)}` : e.message);
    throw e;
  }
}

/** The --rules option's yargs definition. A plain string option, repeatable (yargs collects
 *  repeats into an array): `array: true` would swallow the trace that follows (`--rules dir
 *  trace.pcap`). */
export function rulesOptionSpec(describe: string) {
  return { type: 'string', requiresArg: true, describe } as const;
}
