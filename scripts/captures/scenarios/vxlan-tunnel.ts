// A real FTP transfer through a VXLAN tunnel between two network namespaces, captured on the
// underlay (lib/netns-tunnel.ts): what an engineer gets from a cloud traffic mirror or from
// tcpdump on a VTEP's uplink. vsftpd serves on the overlay address; the raw client (in the other
// namespace) logs in, downloads and uploads a file in passive mode and quits. Every frame of the
// trace is Ethernet/IPv4/UDP 4789/VXLAN around the Ethernet/IPv4/TCP the two hosts exchanged.

import type { Scenario } from '../lib/context.ts';
import { makeVxlanPair, vxlanDetails } from '../lib/netns-tunnel.ts';
import { patternBytes } from '../lib/raw-ftp.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import { KB, brief, realTruth } from './common.ts';
import { DOWNLOAD, netnsTransfersTruth, runNetnsTransfers } from './netns-transfers.ts';

export const vxlanTunnel: Scenario = {
  name: 'vxlan-tunnel',
  title: 'vsftpd RETR + STOR through a VXLAN tunnel between two namespaces, captured on the underlay (UDP 4789)',
  traces: ['vsftpd-vxlan-underlay-clean'],
  async run(ctx) {
    const name = 'vsftpd-vxlan-underlay-clean';
    const t = makeVxlanPair(ctx);
    const down = 64 * KB;
    const up = 32 * KB;
    const server = await startVsftpd(ctx, { host: t.serverAddr, port: 21, netns: t.server, files: { [DOWNLOAD]: patternBytes(down) } });
    const filter = `udp port ${t.port}`;
    const cap = await ctx.capture(name, { iface: t.underlayIf, netns: t.client, filter });
    const r = await runNetnsTransfers(ctx, t.client, server, { down, up }, 120000);
    const stats = await cap.stop();
    const tunnel = vxlanDetails(t.client);
    await server.stop();
    ctx.writeTruth(
      name,
      realTruth('vxlan-tunnel', stats, filter, server, {
        ...netnsTransfersTruth(r, server, t.clientAddr),
        notes: [
          `network: namespaces ${t.client} (overlay ${t.clientAddr}, underlay ${t.clientUnderlay}) and ${t.server} (overlay ${t.serverAddr}, underlay ${t.serverUnderlay}), joined by a veth pair; VXLAN VNI ${t.vni} to UDP ${t.port} between the underlay addresses`,
          `tunnel device as the kernel reports it: ${tunnel}`,
          `capture on the underlay veth ${t.underlayIf} in the client namespace: every frame is VXLAN; the FTP packets are inside`,
          'GSO capped at one segment on the veth and VXLAN devices: inner segments are MSS-sized as on a real link',
        ],
        story:
          `vsftpd ${server.version} at ${t.serverAddr}:21 and the raw client at ${t.clientAddr} talk over a VXLAN overlay (VNI ${t.vni}) between two network namespaces; ` +
          `the capture was taken on the underlay, so every frame is ${t.clientUnderlay} ↔ ${t.serverUnderlay} UDP to port ${t.port} with the FTP traffic inside. ` +
          `${r.transfers.map(brief).join('; ')}. A clean passive session: both transfers complete and the client quits; an analyzer must find it exactly as if captured on either host.`,
      }),
    );
  },
};
