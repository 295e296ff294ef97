// Two network namespaces joined by a veth pair (the underlay) with a VXLAN tunnel between them
// (the overlay), made and destroyed by the recorder:
//
//   [i31-tun-cli]  192.0.2.1/24 on vxlan i31vx ──╮          ╭── vxlan i31vx 192.0.2.2/24  [i31-tun-srv]
//                  198.51.100.1/24 on veth i31uc ┴─ UDP 4789 ┴ veth i31us 198.51.100.2/24
//
// The FTP client and server talk over the overlay addresses; a capture on the underlay veth sees
// every packet of theirs inside VXLAN (VNI 31, UDP to 4789, Linux's per-flow source ports), as a
// cloud traffic mirror or a VTEP's uplink delivers it. TEST-NET addresses exist only inside the
// namespaces. GSO is capped at one segment on both devices so the inner TCP segments are
// MSS-sized as on a real link (the VXLAN device's MTU is the underlay's minus its 50 bytes).
// Names start with i31- (the issue that added them) so they never clash with other recorders'.

import { execFileSync } from 'node:child_process';
import type { ScenarioContext } from './context.ts';
import { inNetns } from './netns.ts';

export interface TunnelPair {
  client: string; //        namespace names
  server: string;
  underlayIf: string; //    the client's underlay veth (capture here)
  clientAddr: string; //    overlay addresses
  serverAddr: string;
  clientUnderlay: string; // underlay addresses
  serverUnderlay: string;
  vni: number;
  port: number; //          VXLAN UDP destination port
}

function ip(args: string[]): void {
  execFileSync('ip', args, { stdio: ['ignore', 'ignore', 'pipe'] });
}

export function makeVxlanPair(ctx: ScenarioContext): TunnelPair {
  if (process.getuid?.() !== 0) ctx.skip('network namespaces need root');
  const p: TunnelPair = {
    client: 'i31-tun-cli',
    server: 'i31-tun-srv',
    underlayIf: 'i31uc',
    clientAddr: '192.0.2.1',
    serverAddr: '192.0.2.2',
    clientUnderlay: '198.51.100.1',
    serverUnderlay: '198.51.100.2',
    vni: 31,
    port: 4789,
  };
  for (const ns of [p.client, p.server]) {
    try {
      ip(['netns', 'del', ns]); // left over from an interrupted run
    } catch {
      /* none */
    }
  }
  try {
    ip(['netns', 'add', p.client]);
  } catch (e) {
    ctx.skip(`cannot create a network namespace here (${(e as Error).message.split('\n')[0]})`);
  }
  ctx.cleanup.deleteNetnsOnExit(p.client);
  ip(['netns', 'add', p.server]);
  ctx.cleanup.deleteNetnsOnExit(p.server);
  const gso = ['gso_max_segs', '1', 'gso_max_size', '1500'];
  try {
    ip(['link', 'add', p.underlayIf, 'netns', p.client, ...gso, 'type', 'veth', 'peer', 'name', 'i31us', 'netns', p.server, ...gso]);
  } catch (e) {
    ctx.skip(`cannot create a veth pair here (${(e as Error).message.split('\n')[0]})`);
  }
  const sides: Array<[string, string, string, string, string]> = [
    // [ns, underlay if, underlay addr, overlay addr, remote underlay]
    [p.client, p.underlayIf, p.clientUnderlay, p.clientAddr, p.serverUnderlay],
    [p.server, 'i31us', p.serverUnderlay, p.serverAddr, p.clientUnderlay],
  ];
  for (const [ns, dev, under, over, remote] of sides) {
    ip(['-n', ns, 'link', 'set', 'lo', 'up']);
    ip(['-n', ns, 'addr', 'add', `${under}/24`, 'dev', dev]);
    ip(['-n', ns, 'link', 'set', dev, 'up']);
    try {
      ip(['-n', ns, 'link', 'add', 'i31vx', ...gso, 'type', 'vxlan', 'id', String(p.vni), 'local', under, 'remote', remote, 'dstport', String(p.port), 'dev', dev]);
    } catch (e) {
      ctx.skip(`this kernel cannot make a VXLAN device (${(e as Error).message.split('\n')[0]})`);
    }
    ip(['-n', ns, 'addr', 'add', `${over}/24`, 'dev', 'i31vx']);
    ip(['-n', ns, 'link', 'set', 'i31vx', 'up']);
  }
  return p;
}

/** The VXLAN device's settings as the kernel reports them (for the truth file). */
export function vxlanDetails(ns: string): string {
  const out = inNetns(ns, 'ip', ['-d', 'link', 'show', 'i31vx']);
  const line = out.split('\n').find((l) => /vxlan id/.test(l)) ?? '';
  return line.trim().replace(/\s+(numtxqueues|gso_max_size).*$/, '');
}
