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
    code === 'ENOSPC' ? 'no space left on the device (disk full)' : code === 'EDQUOT' ? 'disk quota exceeded' : errorWords(e);
  return new OutputWriteError(file, code, written, reason);
}

/** What the errno names the file system gives mean, in the words of strerror(3). */
const ERRNO_WORDS: Readonly<Record<string, string>> = {
  ENOENT: 'no such file or directory',
  EACCES: 'permission denied',
  EPERM: 'operation not permitted',
  EISDIR: 'is a directory',
  ENOTDIR: 'not a directory',
  EEXIST: 'file already exists',
  ELOOP: 'too many levels of symbolic links',
  ENAMETOOLONG: 'file name too long',
  EMFILE: 'too many open files',
  ENFILE: 'too many open files in the system',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error',
  EBUSY: 'device or resource busy',
  ENXIO: 'no such device or address',
  EINVAL: 'invalid argument',
};

/**
 * A system error in words, for one line on a terminal: Node's `ENOENT: no such file or
 * directory, open 'x.pcap'` becomes `no such file or directory` (the file is named by the
 * caller), and a bare errno name (`cannot read: ENOENT`) its words. Works on a whole message
 * that holds such an error.
 */
export function errorWords(e: unknown): string {
  const text = e instanceof Error ? e.message : String(e);
  return text
    .replace(/\b(E[A-Z0-9]{2,}): ([^,]*?)(?:, [a-z]+(?: '[^']*')?(?: -> '[^']*')?)?(?=$|;|\))/g, (_m, code: string, words: string) => words || ERRNO_WORDS[code] || code)
    .replace(/\b(E[A-Z0-9]{2,})\b/g, (code: string) => ERRNO_WORDS[code] ?? code);
}
