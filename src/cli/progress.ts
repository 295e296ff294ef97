// Progress bar for long reads: `ftpdiag analyze big.pcap` on a terminal shows how far the reader
// is through the file (bytes, so gzip files advance by compressed bytes), drawn on stderr and
// cleared when the read ends. Off for --json, when stdout or stderr is not a terminal (pipes,
// CI logs, redirected reports), for standard input (no known size) and for small files.

import cliProgress from 'cli-progress';

/** Files smaller than this are read in well under a second: no bar. */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

export interface ProgressContext {
  json: boolean; //          --json: machine output, never decorated
  stdoutIsTTY: boolean;
  stderrIsTTY: boolean;
}

/** Whether a read of `totalBytes` (null: unknown, stdin) gets a bar. */
export function wantsProgress(ctx: ProgressContext, totalBytes: number | null): boolean {
  return !ctx.json && ctx.stdoutIsTTY && ctx.stderrIsTTY && totalBytes !== null && totalBytes >= PROGRESS_MIN_BYTES;
}

/** Reader progress (readCapture's onProgress) → a bar, created at the first call if wanted. */
export class ReadProgress {
  private bar: cliProgress.SingleBar | null = null;
  private decided = false;

  constructor(
    private readonly ctx: ProgressContext,
    private readonly stream: NodeJS.WritableStream = process.stderr,
  ) {}

  readonly onProgress = (bytesRead: number, totalBytes: number | null): void => {
    if (!this.decided) {
      this.decided = true;
      if (!wantsProgress(this.ctx, totalBytes)) return;
      this.bar = new cliProgress.SingleBar(
        {
          stream: this.stream,
          format: 'reading [{bar}] {percentage}% | {done}/{size} MB | {duration_formatted} elapsed, ETA {eta_formatted}',
          barsize: 30,
          hideCursor: true,
          clearOnComplete: true,
          fps: 5,
          noTTYOutput: true, // the caller checked the terminal already (and tests draw into a pipe)
        },
        cliProgress.Presets.shades_classic,
      );
      this.bar.start(totalBytes!, 0, { done: '0', size: (totalBytes! / 1e6).toFixed(0) });
    }
    this.bar?.update(bytesRead, { done: (bytesRead / 1e6).toFixed(0) });
  };

  /** The read is over (or failed): remove the bar before the report is printed. */
  stop(): void {
    this.bar?.stop();
    this.bar = null;
  }
}
