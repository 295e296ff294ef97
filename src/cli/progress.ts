// Progress bar for long reads: `ftpdiag analyze big.pcap` shows how far the reader is through the
// file (bytes, so gzip files advance by compressed bytes), drawn on standard error whenever that
// is a terminal (also `analyze big.pcap > report.txt`, `--json | jq`), kept within its width and
// cleared when the read ends. Off when standard error is not a terminal (CI logs, 2>file), for
// standard input (no known size) and for small files.

import { createRequire } from 'node:module';
import type cliProgress from 'cli-progress';

/** cli-progress, loaded when a bar is drawn: most runs draw none, and loading it was ~5 % of a
 *  short run's start-up (a CommonJS package: require() loads it at the first progress call). */
const bars = (): typeof cliProgress => createRequire(import.meta.url)('cli-progress') as typeof cliProgress;

/** Files smaller than this are read in well under a second: no bar. */
export const PROGRESS_MIN_BYTES = 64 * 1024 * 1024;

export interface ProgressContext {
  stderrIsTTY: boolean;
  columns?: number | undefined; // standard error's width (default 80)
}

/** Whether a read of `totalBytes` (null: unknown, stdin) gets a bar. */
export function wantsProgress(ctx: ProgressContext, totalBytes: number | null): boolean {
  return ctx.stderrIsTTY && totalBytes !== null && totalBytes >= PROGRESS_MIN_BYTES;
}

// The line without its bar, at its longest: 100%, 99999 MB read of 99999, hours of time.
const FULL = 'reading [{bar}] {percentage}% | {done}/{size} MB | {duration_formatted} elapsed, ETA {eta_formatted}';
const SHORT = 'reading [{bar}] {percentage}% ETA {eta_formatted}';
const LONGEST = (format: string) => format.replace('{bar}', '').replace('{percentage}', '100').replace('{done}', '99999').replace('{size}', '99999').replace(/\{\w+_formatted\}/g, '10h 59m').length;
const MIN_BAR = 10;
const MAX_BAR = 30;

/** The bar's format and size for a terminal `columns` wide: the full line when a bar of
 *  MIN_BAR fits beside it, else a short one; never the last column (a terminal would wrap). */
export function progressLayout(columns: number): { format: string; barsize: number } {
  const room = columns - 1;
  for (const format of [FULL, SHORT]) {
    const bar = room - LONGEST(format);
    if (bar >= MIN_BAR) return { format, barsize: Math.min(MAX_BAR, bar) };
  }
  return { format: SHORT, barsize: Math.max(1, Math.min(MIN_BAR, room - LONGEST(SHORT))) };
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
      const { SingleBar, Presets } = bars();
      this.bar = new SingleBar(
        {
          stream: this.stream,
          ...progressLayout(this.ctx.columns ?? 80),
          hideCursor: true,
          clearOnComplete: true,
          fps: 5,
          noTTYOutput: true, // the caller checked the terminal already (and tests draw into a pipe)
        },
        Presets.shades_classic,
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
