// `--width N`, taken by every command: the columns text output is laid out in. Without it, a
// terminal's own width (never below 80: the layouts are made for 80 columns and up), or 100 when
// standard output is not a terminal (a file, a pipe, a CI log), so that a saved report does not
// depend on the window it was made in.

import { MAX_WIDTH, MIN_WIDTH, outputWidth, PIPE_WIDTH } from '../report/layout.ts';
import { CliError, type CliIO } from './io.ts';

export interface WidthArgs {
  width?: number | undefined;
}

export const widthOptionSpec = {
  type: 'number',
  requiresArg: true,
  global: true,
  describe: `columns the text output is laid out in (default: the terminal's width, at least ${MIN_WIDTH}; ${PIPE_WIDTH} when standard output is not a terminal)`,
} as const;

/** The width a command lays its text out in. */
export function cliWidth(args: WidthArgs, io: Pick<CliIO, 'stdoutIsTTY' | 'columns'>): number {
  const given = args.width;
  if (given !== undefined && !(Number.isInteger(given) && given >= MIN_WIDTH && given <= MAX_WIDTH)) {
    throw new CliError(`--width wants a whole number of columns from ${MIN_WIDTH} to ${MAX_WIDTH}, not ${given}`);
  }
  return outputWidth(given, io.stdoutIsTTY, io.columns);
}
