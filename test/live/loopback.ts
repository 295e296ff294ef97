// Loopback traffic for the live tests: a TCP server and client on 127.0.0.1 exchanging known
// bytes, and bookkeeping so every capture and helper process is ended even when a test fails.
import { spawn, type ChildProcess } from 'node:child_process';
import * as net from 'node:net';
import type { LiveCapture } from '../../src/capture/live/index.ts';

export const isRoot = process.getuid?.() === 0;

/** A server on 127.0.0.1 that reads `expect` bytes, then answers `reply` bytes and closes. */
export async function startServer(reply: Buffer): Promise<{ port: number; received: Promise<Buffer>; close(): void }> {
  let resolveReceived: (b: Buffer) => void = () => {};
  const received = new Promise<Buffer>((r) => (resolveReceived = r));
  const srv = net.createServer((s) => {
    const chunks: Buffer[] = [];
    s.on('data', (d) => chunks.push(d));
    s.on('end', () => {
      resolveReceived(Buffer.concat(chunks));
      s.end(reply);
    });
    s.on('error', () => {});
  });
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r));
  return { port: (srv.address() as net.AddressInfo).port, received, close: () => srv.close() };
}

/** Connects, sends `data`, half-closes, and resolves with what the server answered once both
 *  sides have closed (so the FIN exchange is on the wire when it resolves). */
export function exchange(port: number, data: Buffer): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    const c = net.connect(port, '127.0.0.1', () => c.end(data));
    c.on('data', (d) => chunks.push(d));
    c.on('error', reject);
    c.on('close', () => resolve(Buffer.concat(chunks)));
  });
}

/** Captures and child processes a test opened; `cleanup()` in afterEach ends them all. */
export class Cleanup {
  private captures: LiveCapture[] = [];
  private children: ChildProcess[] = [];
  private fns: (() => void)[] = [];

  capture(c: LiveCapture): LiveCapture {
    this.captures.push(c);
    return c;
  }

  child(c: ChildProcess): ChildProcess {
    this.children.push(c);
    return c;
  }

  add(fn: () => void): void {
    this.fns.push(fn);
  }

  async cleanup(): Promise<void> {
    const caps = this.captures.splice(0);
    await Promise.all(caps.map((c) => c.stop().catch(() => {})));
    for (const c of this.children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    for (const fn of this.fns.splice(0)) {
      try {
        fn();
      } catch {
        // best effort
      }
    }
  }
}

/** A private network namespace held open by a `sleep` (unshare -n), for tests that create and
 *  delete interfaces without touching the machine's own. Resolves with its pid, or null when
 *  namespaces are not available (then the test skips). */
export async function privateNetns(cleanup: Cleanup): Promise<number | null> {
  const holder = cleanup.child(spawn('unshare', ['-n', 'sleep', '30'], { stdio: 'ignore' }));
  const ok = await new Promise<boolean>((resolve) => {
    holder.on('error', () => resolve(false));
    holder.on('exit', () => resolve(false));
    // unshare execs sleep in the new namespace at once; give it a moment to get there
    setTimeout(() => resolve(holder.exitCode === null), 100);
  });
  return ok ? holder.pid! : null;
}
