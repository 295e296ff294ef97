// What a command needs from the outside world, so tests can run commands in-process.

import { once } from 'node:events';
import type { Readable, Writable } from 'node:stream';

export interface CliIO {
  out(text: string): void; //  standard output (report)
  /** Resolves once standard output can take more. Long reports await it between pieces: written
   *  to a pipe faster than the reader takes it (`| less`, `| gzip`), the rest would queue in
   *  memory (the 10M-frame bench trace's text report piped to cat: 520 MB peak RSS, not 175). */
  drained?(): Promise<void>;
  err(text: string): void; //  standard error (one-line diagnostics)
  stdoutIsTTY: boolean;
  columns: number | undefined; // terminal width for wrapping, when known
  env: NodeJS.ProcessEnv;
  stdin?: Readable; //         '-' reads this (default process.stdin)
}

export function processIO(): CliIO {
  return {
    ...streamOutput(process.stdout),
    err: (t) => void process.stderr.write(t),
    stdoutIsTTY: process.stdout.isTTY === true,
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    env: process.env,
  };
}

/** `out` and `drained` over a writable stream: drained() waits for 'drain' when a write found the
 *  stream's buffer full (a file or terminal never is: those writes are synchronous). */
export function streamOutput(stream: Writable): Pick<CliIO, 'out' | 'drained'> {
  let full = false;
  return {
    out: (t) => {
      if (!stream.write(t)) full = true;
    },
    drained: async () => {
      if (!full) return;
      full = false;
      if (stream.writableNeedDrain) await once(stream, 'drain');
    },
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
