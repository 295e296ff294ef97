// pyftpdlib (Debian's python3-pyftpdlib) through py/pyftpd_server.py, on port 2121 (its default:
// a non-21 port, so only the content tells FTP). Uses the system Python where the package lives.

import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { ScenarioContext } from '../context.ts';
import { freeRange, pickPort, waitListening } from '../net-util.ts';
import { readyOrDied, spawnDaemon, type RunningServer } from './server.ts';

const SCRIPT = fileURLToPath(new URL('../../py/pyftpd_server.py', import.meta.url));

export interface PyftpdlibOptions {
  host: string;
  port?: number;
  files?: Record<string, Buffer>;
  maxCons?: number;
  maxConsPerIp?: number;
  masquerade?: string;
  user?: { name: string; password: string };
  netns?: string;
}

/** The first Python that can import pyftpdlib (Debian's lives under /usr/bin/python3, which a
 *  pyenv shim earlier on PATH may hide). */
export function findPython(): { python: string; version: string } | null {
  for (const py of ['/usr/bin/python3', 'python3']) {
    try {
      const v = execFileSync(py, ['-c', 'import pyftpdlib; print(pyftpdlib.__ver__)'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] });
      return { python: py, version: v.trim() };
    } catch {
      /* next */
    }
  }
  return null;
}

export async function startPyftpdlib(ctx: ScenarioContext, o: PyftpdlibOptions): Promise<RunningServer> {
  const py = findPython();
  if (!py) ctx.skip('pyftpdlib is not importable (apt-get install python3-pyftpdlib)');
  const dir = ctx.tmpDir('pyftpdlib');
  chmodSync(dir, 0o755);
  for (const [name, data] of Object.entries(o.files ?? {})) writeFileSync(join(dir, name), data);
  const port = o.port ?? (o.netns ? 2121 : await pickPort(o.host, 2121));
  const [pasvMin, pasvMax] = o.netns ? [50000, 50099] : await freeRange(o.host, 20);
  const log = `${dir}.log`;
  ctx.cleanup.defer(`remove ${log}`, () => rmQuiet(log), () => rmQuiet(log));
  const args = [SCRIPT, '--host', o.host, '--port', String(port), '--root', dir, '--pasv', `${pasvMin}-${pasvMax}`, '--log', log];
  if (o.maxCons) args.push('--max-cons', String(o.maxCons));
  if (o.maxConsPerIp) args.push('--max-cons-per-ip', String(o.maxConsPerIp));
  if (o.masquerade) args.push('--masquerade', o.masquerade);
  if (o.user) args.push('--user', `${o.user.name}:${o.user.password}`);
  const d = o.netns ? spawnDaemon(ctx, 'pyftpdlib', 'ip', ['netns', 'exec', o.netns, py!.python, ...args]) : spawnDaemon(ctx, 'pyftpdlib', py!.python, args);
  await readyOrDied('pyftpdlib', waitListening(o.host, port, o.netns ? { netns: o.netns } : {}), d.exited, d.output);
  return {
    software: 'pyftpdlib',
    version: py!.version,
    host: o.host,
    port,
    root: dir,
    uploadPrefix: '',
    user: 'anonymous',
    password: 'ftpdiag@example.org',
    config: {
      port,
      passive_ports: `${pasvMin}-${pasvMax}`,
      ...(o.maxCons ? { max_cons: o.maxCons } : {}),
      ...(o.maxConsPerIp ? { max_cons_per_ip: o.maxConsPerIp } : {}),
      ...(o.masquerade ? { masquerade_address: o.masquerade } : {}),
    },
    // drop pyftpdlib's start-up banner lines; keep the per-session ones ("[anonymous]@... RETR ...")
    logLines: () => (existsSync(log) ? readFileSync(log, 'utf8').split('\n').filter((l) => l && !/^(concurrency model|masquerade|passive ports|>>> starting|<<< stopping|poller)/.test(l)).map((l) => l.split(dir).join('')) : []),
    stop: d.stop,
  };
}

function rmQuiet(f: string): void {
  rmSync(f, { force: true });
}
