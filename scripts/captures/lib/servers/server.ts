// What a started FTP server looks like to a scenario, whatever the software.

import { spawn } from 'node:child_process';
import { pidsWithArg } from '../cleanup.ts';
import type { ScenarioContext } from '../context.ts';

export interface RunningServer {
  software: string; //  'vsftpd', 'pyftpdlib', 'ftp-srv', 'proftpd', 'pure-ftpd'
  version: string;
  host: string; //      address it listens on (loopback or a namespace address)
  port: number; //      control port
  root: string; //      directory the logged-in user sees as '/'
  uploadPrefix: string; // where uploads may go, relative to root ('' or 'incoming/')
  user: string; //      user name that logs in (anonymous where the server allows it)
  password: string;
  config: Record<string, unknown>; // the settings that matter for the trace (for the truth file)
  logLines(): string[]; // the server's own log (protocol/transfer lines), [] if it keeps none
  stop(): Promise<void>;
}

/** Spawns a daemon in its own process group (so its per-session children are killed with it),
 *  registers the kill with the scenario's cleanup, and fails fast if it exits on start. */
export function spawnDaemon(
  ctx: ScenarioContext,
  label: string,
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; marker?: string } = {},
): { pid: number; exited: Promise<number | null>; output: () => string; stop: () => Promise<void> } {
  const child = spawn(cmd, args, { detached: true, stdio: ['ignore', 'pipe', 'pipe'], cwd: opts.cwd, env: opts.env ?? process.env });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
  let exitCode: number | null | undefined;
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => {
      exitCode = code;
      resolve(code);
    }),
  );
  child.once('error', (e) => (out += `spawn error: ${e.message}\n`));
  const pid = child.pid!;
  ctx.cleanup.killGroupOnExit(label, pid, () => exited.then(() => undefined), opts.marker);
  const killMarked = (sig: NodeJS.Signals) => {
    if (!opts.marker) return;
    for (const p of pidsWithArg(opts.marker)) {
      try {
        process.kill(p, sig);
      } catch {
        /* gone */
      }
    }
  };
  return {
    pid,
    exited,
    output: () => out,
    stop: async () => {
      killMarked('SIGTERM');
      if (exitCode !== undefined) return;
      try {
        process.kill(-pid, 'SIGTERM');
      } catch {
        /* gone */
      }
      await Promise.race([exited, new Promise((r) => setTimeout(r, 2000))]);
      try {
        process.kill(-pid, 'SIGKILL');
      } catch {
        /* gone */
      }
      killMarked('SIGKILL');
    },
  };
}

/** Races a readiness check against the daemon's early exit, so a config error shows its message. */
export async function readyOrDied(
  label: string,
  ready: Promise<void>,
  exited: Promise<number | null>,
  output: () => string,
): Promise<void> {
  await Promise.race([
    ready,
    exited.then((code) => {
      throw new Error(`${label} exited (${code}) on start: ${output().trim().slice(0, 500)}`);
    }),
  ]);
}
