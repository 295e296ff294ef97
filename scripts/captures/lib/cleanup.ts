// A stack of undo actions. Each resource a scenario creates (a server process, a tcpdump, a temp
// dir, a network namespace) registers how to undo it the moment it exists, so a scenario that
// fails halfway still leaves nothing behind. Actions run last-in first-out.
//
// Every action has a synchronous form too: on SIGINT/SIGTERM or an uncaught error the recorder
// must undo things from a 'exit' handler, where nothing asynchronous runs any more.

import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, rmSync } from 'node:fs';

interface Action {
  label: string;
  run: () => void | Promise<void>; // the orderly way (may wait for a process to exit)
  runSync: () => void; //             the emergency way (signals, rmSync, execFileSync)
}

export class Cleanup {
  private actions: Action[] = [];

  defer(label: string, run: () => void | Promise<void>, runSync: () => void = () => void run()): void {
    this.actions.push({ label, run, runSync });
  }

  /** Kills the process group led by `pid` (children were spawned detached, so the group is
   *  theirs alone), and with `marker` also every process whose command line contains it: a
   *  unique temp path in the arguments, for daemons whose per-session children leave the group
   *  (vsftpd's session processes call setsid). */
  killGroupOnExit(label: string, pid: number, wait: () => Promise<void>, marker?: string): void {
    const kill = (sig: NodeJS.Signals) => {
      try {
        process.kill(-pid, sig);
      } catch {
        /* already gone */
      }
      if (marker) for (const p of pidsWithArg(marker)) tryKill(p, sig);
    };
    this.defer(
      label,
      async () => {
        kill('SIGTERM');
        await Promise.race([wait(), sleep(2000)]);
        kill('SIGKILL');
      },
      () => kill('SIGKILL'),
    );
  }

  removeDirOnExit(dir: string): void {
    const rm = () => rmSync(dir, { recursive: true, force: true });
    this.defer(`remove ${dir}`, rm, rm);
  }

  deleteNetnsOnExit(name: string): void {
    const del = () => {
      try {
        execFileSync('ip', ['netns', 'del', name], { stdio: 'ignore' });
      } catch {
        /* already gone */
      }
    };
    this.defer(`delete netns ${name}`, del, del);
  }

  async runAll(log: (m: string) => void): Promise<void> {
    while (this.actions.length) {
      const a = this.actions.pop()!;
      try {
        await a.run();
      } catch (e) {
        log(`cleanup '${a.label}' failed: ${(e as Error).message}`);
      }
    }
  }

  runAllSync(): void {
    while (this.actions.length) {
      const a = this.actions.pop()!;
      try {
        a.runSync();
      } catch {
        /* best effort on the way out */
      }
    }
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

function tryKill(pid: number, sig: NodeJS.Signals): void {
  try {
    process.kill(pid, sig);
  } catch {
    /* already gone */
  }
}

/** Pids whose command line contains `marker` (read from /proc; empty where there is none). */
export function pidsWithArg(marker: string): number[] {
  const out: number[] = [];
  let entries: string[] = [];
  try {
    entries = readdirSync('/proc');
  } catch {
    return out;
  }
  for (const e of entries) {
    if (!/^\d+$/.test(e) || Number(e) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${e}/cmdline`, 'latin1').includes(marker)) out.push(Number(e));
    } catch {
      /* exited meanwhile */
    }
  }
  return out;
}
