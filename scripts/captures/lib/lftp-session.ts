// A session driven by lftp (a real command-line client with its own habits: FEAT before login,
// AUTH TLS probe, OPTS MLST, SIZE/MDTM before RETR, MFMT after STOR). Its dialog comes from
// lftp's debug output ("---> CMD", "<--- reply line").

import { execFileSync, spawn } from 'node:child_process';
import { Transcript } from './transcript.ts';

export function lftpVersion(): string | null {
  try {
    const out = execFileSync('lftp', ['--version'], { encoding: 'utf8' });
    return /Version\s+(\S+)/.exec(out)?.[1] ?? 'unknown';
  } catch {
    return null;
  }
}

export interface LftpResult {
  transcript: Transcript;
  debug: string[]; //   lftp's own "----" lines (data connection set-up), for notes
  exitCode: number | null;
}

/** Runs `commands` (lftp syntax) against host:port; `cwd` is where get/put find local files;
 *  `netns`: inside that network namespace; `env`: more environment (SSLKEYLOGFILE). */
export function runLftp(o: { host: string; port: number; user: string; password: string; commands: string[]; cwd: string; timeoutMs?: number; netns?: string; env?: Record<string, string> }): Promise<LftpResult> {
  const script = ['set net:max-retries 1', 'set net:timeout 10', 'set cmd:fail-exit no', ...o.commands, 'quit'].join('; ');
  const args = ['-d', '-u', `${o.user},${o.password}`, '-p', String(o.port), '-e', script, o.host];
  return new Promise((resolve) => {
    const [cmd, full] = o.netns ? ['ip', ['netns', 'exec', o.netns, 'lftp', ...args]] : ['lftp', args];
    const child = spawn(cmd, full, { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, HOME: o.cwd, ...o.env } });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    child.stderr.on('data', (d: Buffer) => (out += d.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 60000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const tr = new Transcript();
      const debug: string[] = [];
      for (const line of out.split('\n')) {
        if (line.startsWith('---> ')) tr.sent(line.slice(5).replace(/\r$/, ''));
        else if (line.startsWith('<--- ')) tr.received(`${line.slice(5).replace(/\r$/, '')}\r\n`);
        else if (line.startsWith('---- ')) debug.push(line.slice(5));
      }
      resolve({ transcript: tr, debug, exitCode: code });
    });
  });
}
