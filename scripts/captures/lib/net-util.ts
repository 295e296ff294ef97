// Ports and addresses on this machine only: loopback (127.0.0.0/8, ::1) or the recorder's own
// network namespaces. Nothing here ever targets another address.

import { execFile } from 'node:child_process';
import net from 'node:net';
import { sleep } from './cleanup.ts';

/** A port the kernel says is free on `host` now (bind to 0, read, close). */
export function freePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, host, () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** True when `port` can be bound on `host` now. */
export function portIsFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const s = net.createServer();
    s.once('error', () => resolve(false));
    s.listen({ port, host, exclusive: true }, () => s.close(() => resolve(true)));
  });
}

/** `preferred` (e.g. 21, so Wireshark decodes FTP by port) when free, else any free port. */
export async function pickPort(host: string, preferred: number): Promise<number> {
  return (await portIsFree(host, preferred)) ? preferred : freePort(host);
}

/** `count` consecutive free ports on `host` (for a server's passive range), starting at a
 *  pseudo-random base so two runs in parallel rarely collide. */
export async function freeRange(host: string, count: number): Promise<[number, number]> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 40000 + Math.floor(Math.random() * 20000);
    let ok = true;
    for (let p = base; p < base + count && ok; p++) ok = await portIsFree(host, p);
    if (ok) return [base, base + count - 1];
  }
  throw new Error(`no ${count} consecutive free ports on ${host}`);
}

/** Waits until something listens on host:port, watching the socket table (`ss`) rather than
 *  connecting, so no probe connection reaches the server (vsftpd would log a session). */
export async function waitListening(host: string, port: number, opts: { netns?: string; timeoutMs?: number } = {}): Promise<void> {
  const deadline = Date.now() + (opts.timeoutMs ?? 10000);
  const want = host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
  const anyV4 = `0.0.0.0:${port}`;
  const anyV6 = `[::]:${port}`;
  const anyStar = `*:${port}`;
  while (Date.now() < deadline) {
    const out = await new Promise<string>((resolve) => {
      const argv = ['-Hltn'];
      const cmd = opts.netns ? 'ip' : 'ss';
      const args = opts.netns ? ['netns', 'exec', opts.netns, 'ss', ...argv] : argv;
      execFile(cmd, args, (err, stdout) => resolve(err ? '' : stdout));
    });
    for (const line of out.split('\n')) {
      const local = line.trim().split(/\s+/)[3];
      if (local === want || local === anyV4 || local === anyV6 || local === anyStar) return;
    }
    await sleep(50);
  }
  throw new Error(`nothing listens on ${want} after ${opts.timeoutMs ?? 10000} ms`);
}

/** Dotted text of the address a PASV 227 reply or a PORT argument carries: h1,h2,h3,h4,p1,p2. */
export function hostPortArg(host: string, port: number): string {
  return `${host.split('.').join(',')},${port >> 8},${port & 255}`;
}
