// Ctrl-C (SIGINT) and SIGTERM while a command reads a capture. `tcpdump -i eth0 -w - | ftpdiag
// analyze -` is stopped with Ctrl-C, which reaches the whole pipeline: the first signal stops the
// reading (read.ts: a pipe is read on briefly for its writer's last flush), the report of what
// was read follows, a line on standard error says it was interrupted, and the exit status is
// 128 + the signal's number (130 for SIGINT, 143 for SIGTERM), as a shell reports a process the
// signal ended. A second signal, or one after the reading is over (the report is being written),
// exits at once.

import { constants } from 'node:os';
import type { CliIO } from './io.ts';

const SIGNALS = ['SIGINT', 'SIGTERM'] as const;
type Signal = (typeof SIGNALS)[number];

/** 128 + the signal's number. */
export function signalExitCode(sig: Signal): number {
  return 128 + constants.signals[sig];
}

export class ReadInterrupt {
  private readonly controller = new AbortController();
  private heard: Signal | null = null; //  the signal that stopped the reading
  private reading = true; //               the capture is still being read
  private readonly emitter: NodeJS.EventEmitter;
  private readonly handler = (sig: Signal): void => this.onSignal(sig);

  constructor(private readonly io: CliIO) {
    this.emitter = io.signals ?? process;
    for (const sig of SIGNALS) this.emitter.on(sig, this.handler);
  }

  /** Passed to the reader: aborted (reason: the signal's name) by the first signal. */
  get signal(): AbortSignal {
    return this.controller.signal;
  }

  /** The signal that stopped the reading, or null. */
  get interruptedBy(): Signal | null {
    return this.heard;
  }

  /** The capture has been read (to its end, or to the stop). */
  readDone(): void {
    this.reading = false;
  }

  dispose(): void {
    for (const sig of SIGNALS) this.emitter.removeListener(sig, this.handler);
  }

  private onSignal(sig: Signal): void {
    if (this.heard === null && this.reading) {
      this.heard = sig;
      this.controller.abort(sig);
      return;
    }
    // the user insists, or the report is being written: leave now (as the signal would have)
    this.io.err(`ftpdiag: ${sig}: exiting without the rest of the report\n`);
    process.exit(signalExitCode(this.heard ?? sig));
  }
}
