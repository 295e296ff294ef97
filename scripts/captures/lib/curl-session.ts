// FTP sessions driven by curl (OpenSSL), the client writing a TLS key log through $SSLKEYLOGFILE.
// The dialog comes from curl's -v output ("> CMD", "< reply line"), never from the capture.

import { execFileSync, spawn } from 'node:child_process';
import { Transcript } from './transcript.ts';

export function curlVersion(): string | null {
  try {
    const out = execFileSync('curl', ['--version'], { encoding: 'utf8' });
    return /^curl (\S+).*?(OpenSSL\/\S+|GnuTLS\/\S+)?$/m.exec(out)?.slice(1).filter(Boolean).join(' ') ?? 'unknown';
  } catch {
    return null;
  }
}

export interface CurlResult {
  transcript: Transcript;
  info: string[]; //   curl's "* " lines about TLS (version, suite, certificate problem)
  exitCode: number | null;
}

/** Runs curl inside network namespace `ns` (null: here) with `args`, $SSLKEYLOGFILE = keyLog. */
export function runCurl(ns: string | null, args: string[], o: { keyLog: string; cwd: string; timeoutMs?: number }): Promise<CurlResult> {
  const cmd = ns ? 'ip' : 'curl';
  const full = ns ? ['netns', 'exec', ns, 'curl', '-v', '-sS', '--max-time', '20', ...args] : ['-v', '-sS', '--max-time', '20', ...args];
  return new Promise((resolve) => {
    const child = spawn(cmd, full, { cwd: o.cwd, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, SSLKEYLOGFILE: o.keyLog, HOME: o.cwd } });
    let err = '';
    child.stdout.on('data', () => undefined);
    child.stderr.on('data', (d: Buffer) => (err += d.toString('latin1')));
    const timer = setTimeout(() => child.kill('SIGKILL'), o.timeoutMs ?? 40000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      const tr = new Transcript();
      const info: string[] = [];
      for (const raw of err.split('\n')) {
        const line = raw.replace(/\r$/, '');
        if (line.startsWith('> ')) tr.sent(line.slice(2));
        else if (line.startsWith('< ')) tr.received(`${line.slice(2)}\r\n`);
        else if (/^\* .*(SSL|TLS|certificate|session|Connected)/i.test(line) && info.length < 12) info.push(line.slice(2));
        else if (/^curl: \(\d+\)/.test(line)) info.push(line);
      }
      resolve({ transcript: tr, info, exitCode: code });
    });
  });
}
