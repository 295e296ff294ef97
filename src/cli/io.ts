// What a command needs from the outside world, so tests can run commands in-process.

import type { Readable, Writable } from 'node:stream';

export interface CliIO {
  out(text: string): void; //  standard output (report)
  /** Resolves once standard output can take more. Long reports await it between pieces: written
   *  to a pipe faster than the reader takes it (`| less`, `| gzip`), the rest would queue in
   *  memory (the 10M-frame bench trace's text report piped to cat: 520 MB peak RSS, not 175). */
  drained?(): Promise<void>;
  err(text: string): void; //  standard error (one-line diagnostics)
  /** Bytes to standard output (`--annotate -`, `--html -`); absent: out() of their text. */
  outBytes?(bytes: Uint8Array): void;
  stdoutIsTTY: boolean;
  columns: number | undefined; // terminal width for wrapping, when known
  stderrIsTTY?: boolean; //     the progress bar is drawn on standard error when it is a terminal
  stderrColumns?: number; //    … within its width
  env: NodeJS.ProcessEnv;
  stdin?: Readable; //         '-' reads this (default process.stdin)
  /** Aborted once the reader of standard output went away (EPIPE, `| head`): later output is
   *  dropped, the command runs on so that its exit status still tells what it found. */
  outputGone?: AbortSignal;
  /** Where SIGINT and SIGTERM are heard (default: the process). */
  signals?: NodeJS.EventEmitter;
}

export function processIO(): CliIO {
  return {
    ...streamOutput(process.stdout, (e) => {
      // a full disk, an I/O error: the report cannot be written, so there is nothing to go on for
      process.stderr.write(`ftpdiag: cannot write to standard output: ${writeErrorText(e)}\n`);
      process.exit(ExitCode.BAD_INPUT);
    }),
    err: (t) => void process.stderr.write(t),
    stdoutIsTTY: process.stdout.isTTY === true,
    columns: process.stdout.isTTY ? process.stdout.columns : undefined,
    stderrIsTTY: process.stderr.isTTY === true,
    ...(process.stderr.isTTY ? { stderrColumns: process.stderr.columns } : {}),
    env: process.env,
  };
}

/** Error codes that mean the reader went away rather than that writing failed. */
const READER_GONE: ReadonlySet<string> = new Set(['EPIPE', 'ERR_STREAM_DESTROYED', 'ERR_STREAM_WRITE_AFTER_END']);

/** `ENOSPC: no space left on device, write` → `no space left on device (ENOSPC)`. */
export function writeErrorText(e: unknown): string {
  const err = e as NodeJS.ErrnoException | null;
  const code = typeof err?.code === 'string' ? err.code : null;
  let text = err instanceof Error ? err.message : String(e);
  if (code !== null && text.startsWith(`${code}: `)) text = `${text.slice(code.length + 2).replace(/, write$/, '')} (${code})`;
  return text.replace(/[^\x20-\x7e]/g, '?');
}

/**
 * `out`, `drained` and `outputGone` over a writable stream. drained() waits for 'drain' when a
 * write found the stream's buffer full (a file or terminal never is: those writes are
 * synchronous). When the reader goes away (EPIPE) output is dropped from then on and
 * `outputGone` aborts; any other write error goes to `onFault` (once), output dropped too.
 */
export function streamOutput(stream: Writable, onFault?: (e: unknown) => void): Pick<CliIO, 'out' | 'outBytes' | 'drained' | 'outputGone'> {
  let full = false;
  const gone = new AbortController();
  const fail = (e: unknown): void => {
    if (gone.signal.aborted) return;
    gone.abort();
    const code = (e as NodeJS.ErrnoException | null)?.code;
    if (!(typeof code === 'string' && READER_GONE.has(code))) onFault?.(e);
  };
  stream.on('error', fail);
  const write = (t: string | Uint8Array): void => {
    if (gone.signal.aborted) return;
    try {
      if (!stream.write(t)) full = true;
    } catch (e) {
      fail(e);
    }
  };
  return {
    out: write,
    outBytes: write,
    drained: async () => {
      if (!full) return;
      full = false;
      if (gone.signal.aborted || !stream.writableNeedDrain) return;
      // a reader that goes away never drains: stop waiting then too
      await new Promise<void>((resolve) => {
        const done = (): void => {
          stream.off('drain', done);
          gone.signal.removeEventListener('abort', done);
          resolve();
        };
        stream.on('drain', done);
        gone.signal.addEventListener('abort', done);
      });
    },
    outputGone: gone.signal,
  };
}

/** Exit codes shared by every command (an interrupted analyze exits 128 + the signal's number:
 *  interrupt.ts). */
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
