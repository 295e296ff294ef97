// The CLI run in-process, its standard output and error collected.

import { runCli } from '../../src/cli/program.ts';
import type { CliIO } from '../../src/cli/io.ts';

export interface CliRun {
  code: number;
  out: string;
  err: string;
}

/** Runs `args` as `ftpdiag` would, output not a terminal; `extra` overrides parts of the IO. */
export async function cli(args: string[], extra: Partial<CliIO> = {}): Promise<CliRun> {
  let out = '';
  let err = '';
  const io: CliIO = { out: (t) => void (out += t), err: (t) => void (err += t), stdoutIsTTY: false, columns: undefined, env: {}, ...extra };
  const code = await runCli(args, io);
  return { code, out, err };
}
