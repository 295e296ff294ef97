// `--format text|json|eve|zeek` and `--log-dir DIR` of analyze and live: which report goes to
// standard output, or (zeek) which directory gets conn.log and ftp.log. --json stays the short
// form of --format json.

import { mkdirSync, statSync } from 'node:fs';
import type { Argv } from 'yargs';
import { escapeWire } from '../report/escape.ts';
import { CliError } from './io.ts';
import { errorWords } from '../report/output-error.ts';

export const OUTPUT_FORMATS = ['text', 'json', 'eve', 'zeek'] as const;
export type OutputFormat = (typeof OUTPUT_FORMATS)[number];

export interface ExportArgs {
  json: boolean;
  format: OutputFormat | undefined;
  logDir: string | undefined;
}

export function withExportOptions<T>(y: Argv<T>, eveWhat: string): Argv<T & Omit<ExportArgs, 'json'>> {
  return y
    .option('format', {
      choices: OUTPUT_FORMATS,
      describe: `text (default), json (as --json), eve (${eveWhat}, one eve.json-shaped event per line, for a SIEM) or zeek (conn.log and ftp.log in --log-dir, as Zeek writes them)`,
    })
    .option('log-dir', { type: 'string', requiresArg: true, describe: 'with --format zeek: the directory for conn.log and ftp.log (default: the current one, as zeek -r)' }) as unknown as Argv<
    T & Omit<ExportArgs, 'json'>
  >;
}

/** The format asked for; a usage error when --json and --format disagree, or --log-dir comes
 *  without --format zeek. Makes the log directory (zeek). */
export function outputFormat(a: ExportArgs): OutputFormat {
  if (a.json && a.format !== undefined && a.format !== 'json') throw new CliError(`--json and --format ${a.format} ask for two outputs: give one`);
  const format = a.format ?? (a.json ? 'json' : 'text');
  if (a.logDir !== undefined && format !== 'zeek') throw new CliError('--log-dir goes with --format zeek');
  if (format === 'zeek') {
    const dir = logDir(a);
    if (dir === '') throw new CliError('--log-dir needs a directory');
    try {
      mkdirSync(dir, { recursive: true });
      if (!statSync(dir).isDirectory()) throw new Error('not a directory');
    } catch (e) {
      throw new CliError(`--log-dir ${escapeWire(dir)}: ${escapeWire(errorWords(e))}`);
    }
  }
  return format;
}

export const logDir = (a: ExportArgs): string => a.logDir ?? '.';
