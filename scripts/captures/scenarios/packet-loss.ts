// Scenario 14: packet loss on the data connections, in network namespaces of our own (client,
// router, server: lib/netns.ts). iptables in the router's FORWARD chain drops ~4 % of the
// data-connection packets at random in both directions (netem may be missing from the kernel;
// the statistic match is not). The capture is taken on the client's link, so the trace shows
// both kinds of loss an engineer meets:
//  - server → client segments dropped before the capture point: missing from the trace
//    ("previous segment not captured"), then duplicate ACKs/SACKs and the retransmission;
//  - client → server segments dropped after the capture point: seen once, then seen again as a
//    retransmission that looks spurious from here.

import type { Scenario } from '../lib/context.ts';
import { inNetns, makeNetnsPath } from '../lib/netns.ts';
import { patternBytes } from '../lib/raw-ftp.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import { KB, brief, realTruth } from './common.ts';
import { DOWNLOAD, netnsTransfersTruth, runNetnsTransfers } from './netns-transfers.ts';

const DROP = 0.04;

export const packetLoss: Scenario = {
  name: 'packet-loss',
  title: `~${DROP * 100}% random loss on data connections (iptables statistic) in a client-router-server namespace chain, vsftpd RETR + STOR`,
  traces: ['vsftpd-netns-packet-loss'],
  async run(ctx) {
    const name = 'vsftpd-netns-packet-loss';
    const ns = makeNetnsPath(ctx);
    const down = 128 * KB;
    const up = 64 * KB;
    const server = await startVsftpd(ctx, { host: ns.serverAddr, port: 21, netns: ns.server, files: { [DOWNLOAD]: patternBytes(down) } });
    const pasv = `${server.config.pasv_min_port}:${server.config.pasv_max_port}`;
    try {
      for (const dir of ['--dport', '--sport']) {
        inNetns(ns.router, 'iptables', ['-A', 'FORWARD', '-p', 'tcp', dir, pasv, '-m', 'statistic', '--mode', 'random', '--probability', String(DROP), '-j', 'DROP']);
      }
    } catch (e) {
      ctx.skip(`iptables statistic match unavailable in the namespace (${(e as Error).message.split('\n')[0]})`);
    }
    const filter = `tcp and host ${ns.serverAddr}`;
    const cap = await ctx.capture(name, { iface: ns.clientIf, netns: ns.client, filter });
    const r = await runNetnsTransfers(ctx, ns.client, server, { down, up }, 180000);
    const stats = await cap.stop();
    // iptables counters: how many packets each rule dropped
    const counters = inNetns(ns.router, 'iptables', ['-L', 'FORWARD', '-n', '-v', '-x'])
      .split('\n')
      .filter((l) => /DROP/.test(l))
      .map((l) => l.trim().split(/\s+/));
    const dropped = { toServer: Number(counters[0]?.[0] ?? NaN), fromServer: Number(counters[1]?.[0] ?? NaN) };
    await server.stop();
    ctx.writeTruth(
      name,
      realTruth('packet-loss', stats, filter, server, {
        ...netnsTransfersTruth(r, server, ns.clientAddr),
        notes: [
          `network: namespaces ${ns.client} (${ns.clientAddr}) — ${ns.router} (forwarding; TTL drops by one) — ${ns.server} (${ns.serverAddr}); capture on ${ns.clientIf} in the client namespace`,
          `loss: iptables FORWARD -m statistic --mode random --probability ${DROP} on the passive ports ${pasv}, both directions, in the router namespace`,
          `packets dropped by iptables: ${dropped.toServer} client→server (visible in the trace, then retransmitted), ${dropped.fromServer} server→client (never in the trace)`,
          'veth GSO capped at one segment (gso_max_segs 1): frames are MSS-sized as on a real link',
        ],
        story:
          `vsftpd ${server.version} at ${ns.serverAddr}:21 in its own network namespace, the raw client at ${ns.clientAddr} in another, with a router namespace between them; ` +
          `about ${DROP * 100}% of data-connection packets are dropped at random by the router (${dropped.fromServer} server→client, ` +
          `${dropped.toServer} client→server this run). ${r.transfers.map(brief).join('; ')}. Both transfers complete: TCP recovers every loss with ` +
          `duplicate ACKs/SACK and retransmissions (or an RTO), so the FTP replies are clean and only the TCP layer shows the trouble.`,
      }),
    );
  },
};
