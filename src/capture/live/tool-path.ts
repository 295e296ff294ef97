// Finding the capture tools. Non-root users often lack /usr/sbin in $PATH while tcpdump lives
// there (Debian, Fedora), so the sbin directories are searched after $PATH.
import * as fs from 'node:fs';
import * as path from 'node:path';

export type ToolName = 'tcpdump' | 'dumpcap';

const SBIN_DIRS = ['/usr/sbin', '/sbin', '/usr/local/sbin', '/usr/bin', '/usr/local/bin'];

export function defaultToolDirs(): string[] {
  const fromEnv = (process.env.PATH ?? '').split(path.delimiter).filter((d) => d !== '');
  return [...new Set([...fromEnv, ...SBIN_DIRS])];
}

/** Absolute path of an executable `name` in `dirs`, or null. */
export function findTool(name: ToolName, dirs: string[] = defaultToolDirs()): string | null {
  for (const dir of dirs) {
    const p = path.join(dir, name);
    try {
      fs.accessSync(p, fs.constants.X_OK);
      if (fs.statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return null;
}
