// What a command needs from the outside world, so tests can run commands in-process.

import type { Readable } from 'node:stream';

export interface CliIO {
  out(text: string): void; //  standard output (report)
  err(text: string): void; //  standard error (one-line diagnostics)
  stdoutIsTTY: boolean;
  columns: number | undefined; // terminal width for wrapping, when known
  env: NodeJS.ProcessEnv;
  stdin?: Readable; //         '-' reads this (default process.stdin)
}

export function processIO(): CliIO {
  return {
    out: (t) => void process.stdout.write(t),
    err: (t) => void process.stderr.write(t),
    stdoutIsTTY: process.stdout.isTTY === true,
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    env: process.env,
  };
}

/** Exit codes shared by every command. */
export const ExitCode = {
  OK: 0, //            ran; no finding reached --fail-on
  FINDINGS: 1, //      a finding reached --fail-on
  BAD_INPUT: 2, //     usage error, unreadable capture or rules
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** Thrown by command handlers for input faults: the CLI prints `ftpdiag: message`, exits 2. */
export class CliError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'CliError';
  }
}
