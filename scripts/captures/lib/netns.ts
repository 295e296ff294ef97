// Three network namespaces made and destroyed by the recorder, in a line:
//
//   [client] 192.0.2.1/24 ── 192.0.2.254 [router] 198.51.100.254 ── 198.51.100.2/24 [server]
//
// 192.0.2.0/24 and 198.51.100.0/24 are TEST-NET-1/2 (RFC 5737), used only inside these
// namespaces, which have no route anywhere else. Loss is applied in the router's FORWARD chain:
// a drop there is a real loss on the path (a drop in the server's own OUTPUT chain is reported to
// its TCP as a local send failure and retried at once, so nothing would show on the wire).
// GSO is capped at one segment so captures show MSS-sized segments, as on a real link (veth
// would otherwise pass 64 KiB super-packets through whole).

import { execFileSync, spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ScenarioContext } from './context.ts';

const REPO = fileURLToPath(new URL('../../../', import.meta.url));

export interface NetnsPath {
  client: string; //     namespace names
  router: string;
  server: string;
  clientIf: string; //   the client's veth (capture here)
  clientAddr: string;
  serverAddr: string;
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

/** Runs a command inside a namespace, returns stdout. */
export function inNetns(ns: string, cmd: string, args: string[]): string {
  return execFileSync('ip', ['netns', 'exec', ns, cmd, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/**
 * Runs a TypeScript client script inside a namespace with `plan` (JSON) as its argument, in its own
 * process group (killed with the scenario if it is interrupted); returns its JSON output.
 * `label` names it in the cleanup list and in the error when it fails or takes over `timeoutMs`.
 */
export async function runNetnsScript<T>(ctx: ScenarioContext, ns: string, label: string, script: string, plan: unknown, timeoutMs: number): Promise<T> {
  const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', script, JSON.stringify(plan)], { cwd: REPO, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  ctx.cleanup.killGroupOnExit(label, child.pid!, () => exited.then(() => undefined));
  let out = '';
  let err = '';
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), timeoutMs))]);
  if (code !== 0) throw new Error(`${label} failed (${code}): ${err.trim()}`);
  return JSON.parse(out) as T;
}

/** `tag` prefixes the namespace and interface names (at most 9 characters: interface names have
 *  15); FTPDIAG_NETNS_TAG names them for whoever records (a developer's issue prefix). */
export function makeNetnsPath(ctx: ScenarioContext, tag = (process.env['FTPDIAG_NETNS_TAG'] ?? `fdc${process.pid % 100000}`).slice(0, 9)): NetnsPath {
  if (process.getuid?.() !== 0) ctx.skip('network namespaces need root');
  const p: NetnsPath = { client: `${tag}-cli`, router: `${tag}-rtr`, server: `${tag}-srv`, clientIf: `${tag}c`, clientAddr: '192.0.2.1', serverAddr: '198.51.100.2' };
  try {
    ip(['netns', 'add', p.client]);
  } catch (e) {
    ctx.skip(`cannot create a network namespace here (${(e as Error).message.split('\n')[0]})`);
  }
  ctx.cleanup.deleteNetnsOnExit(p.client);
  ip(['netns', 'add', p.router]);
  ctx.cleanup.deleteNetnsOnExit(p.router);
  ip(['netns', 'add', p.server]);
  ctx.cleanup.deleteNetnsOnExit(p.server);
  const gso = ['gso_max_segs', '1', 'gso_max_size', '1500'];
  const links: Array<[string, string, string, string, string, string]> = [
    // [ns A, if A, addr A, ns B, if B, addr B]
    [p.client, p.clientIf, '192.0.2.1/24', p.router, `${tag}rc`, '192.0.2.254/24'],
    [p.server, `${tag}s`, '198.51.100.2/24', p.router, `${tag}rs`, '198.51.100.254/24'],
  ];
  try {
    for (const [nsA, ifA, , nsB, ifB] of links) ip(['link', 'add', ifA, 'netns', nsA, ...gso, 'type', 'veth', 'peer', 'name', ifB, 'netns', nsB, ...gso]);
  } catch (e) {
    ctx.skip(`cannot create veth pairs here (${(e as Error).message.split('\n')[0]})`);
  }
  for (const [nsA, ifA, addrA, nsB, ifB, addrB] of links) {
    ip(['-n', nsA, 'addr', 'add', addrA, 'dev', ifA]);
    ip(['-n', nsB, 'addr', 'add', addrB, 'dev', ifB]);
    ip(['-n', nsA, 'link', 'set', ifA, 'up']);
    ip(['-n', nsB, 'link', 'set', ifB, 'up']);
  }
  for (const ns of [p.client, p.router, p.server]) ip(['-n', ns, 'link', 'set', 'lo', 'up']);
  ip(['-n', p.client, 'route', 'add', 'default', 'via', '192.0.2.254']);
  ip(['-n', p.server, 'route', 'add', 'default', 'via', '198.51.100.254']);
  inNetns(p.router, 'sysctl', ['-q', '-w', 'net.ipv4.ip_forward=1']);
  return p;
}
