// A file ftpdiag writes besides its report (an annotated capture, an extracted transfer) could
// not be written: the disk is full, a quota is reached, the directory refuses. The CLI prints it
// as one line and exits 2.

export class OutputWriteError extends Error {
  constructor(
    readonly file: string, //   the file being written
    readonly code: string, //   errno code (ENOSPC, EDQUOT, EACCES…)
    readonly written: number, // bytes written before the fault (by the whole output)
    reason: string,
  ) {
    super(`${file}: ${reason}`);
    this.name = 'OutputWriteError';
  }
}

/** The OutputWriteError for a failed file-system call on `file`. */
export function outputWriteError(file: string, e: unknown, written: number): OutputWriteError {
  const code = (e as NodeJS.ErrnoException).code ?? 'EIO';
  const reason =
    code === 'ENOSPC' ? 'no space left on the device (disk full)' : code === 'EDQUOT' ? 'disk quota exceeded' : e instanceof Error ? e.message : String(e);
  return new OutputWriteError(file, code, written, reason);
}
