// Scenario 21: a capture taken on a NAT router itself, holding both sides of the NAT. The router
// (lib/netns.ts) masquerades the client (192.0.2.1 → 198.51.100.254) and runs conntrack's FTP
// helper, so PORT is rewritten on its way out; tcpdump runs in the router's namespace on every
// interface, keeping only packets as they come in (`inbound`): the client's before translation
// (from inside), the server's before they are translated back (from outside). Each connection
// is therefore in the trace as two halves under different addresses, which an analyzer must pair
// by sequence numbers; the acknowledgments after the PORT command are off by the length the
// helper added.

import type { Scenario } from '../lib/context.ts';
import { inNetns, makeNetnsPath, runNetnsScript } from '../lib/netns.ts';
import { patternBytes } from '../lib/raw-ftp.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import { KB, RAW_CLIENT, brief, endpoint, realTruth } from './common.ts';
import { CLIENT, NAT_ADDR, type ClientOut } from './middlebox.ts';

export const natFirewall: Scenario = {
  name: 'nat-firewall',
  title: 'a capture on a NAT router (MASQUERADE, FTP helper): both sides of each connection, active and passive transfers',
  traces: ['nat-firewall-both-sides'],
  async run(ctx) {
    const name = 'nat-firewall-both-sides';
    const ns = makeNetnsPath(ctx);
    const tag = ns.clientIf.slice(0, -1);
    const rules: string[] = [];
    const ipt = (args: string[]) => {
      inNetns(ns.router, 'iptables', args);
      rules.push(`iptables ${args.join(' ')}`);
    };
    try {
      ipt(['-t', 'nat', '-A', 'POSTROUTING', '-o', `${tag}rs`, '-j', 'MASQUERADE']);
      ipt(['-t', 'raw', '-A', 'PREROUTING', '-i', `${tag}rc`, '-p', 'tcp', '--dport', '21', '-j', 'CT', '--helper', 'ftp']);
    } catch (e) {
      ctx.skip(`iptables NAT or conntrack's FTP helper is unavailable (${(e as Error).message.split('\n')[0]})`);
    }
    const a = 64 * KB;
    const b = 32 * KB;
    const server = await startVsftpd(ctx, { host: ns.serverAddr, port: 21, netns: ns.server, files: { 'a.bin': patternBytes(a), 'b.bin': patternBytes(b, 0x1000) } });
    const filter = 'inbound and tcp';
    const cap = await ctx.capture(name, { iface: 'any', netns: ns.router, filter });
    const r = await runNetnsScript<ClientOut>(ctx, ns.client, 'nat client', CLIENT, { plan: 'nat', host: ns.serverAddr, port: server.port, user: server.user, password: server.password, file: 'a.bin', size: a, file2: 'b.bin', size2: b }, 60000);
    const stats = await cap.stop();
    await server.stop();
    ctx.writeTruth(
      name,
      realTruth(name, stats, filter, server, {
        client: { ...RAW_CLIENT, address: ns.clientAddr },
        mode: r.transfers.map((t) => t.mode).join('+'),
        sessions: [{ label: 'main', client: r.client, server: endpoint(server.host, server.port), dialog: r.dialog, replyCodes: r.replyCodes, closedBy: r.closedBy }],
        transfers: r.transfers,
        resets: [],
        notes: [
          `network: namespaces ${ns.client} (${ns.clientAddr}) — ${ns.router} (forwarding, NAT to ${NAT_ADDR}, FTP helper) — ${ns.server} (${ns.serverAddr})`,
          `capture: in ${ns.router} on every interface, inbound packets only: the client's as sent (${ns.clientAddr}), the server's to the NAT's address (${NAT_ADDR})`,
          ...rules.map((x) => `router: ${x}`),
        ],
        story:
          `A capture taken on the NAT router itself, as a firewall's packet capture gives it: each packet as it arrived, so the client's ` +
          `half of every connection carries its inside address ${ns.clientAddr} and the server's half the NAT's address ${NAT_ADDR}. ` +
          `vsftpd ${server.version}; ${r.transfers.map(brief).join('; ')}. The active RETR's PORT names ${ns.clientAddr}; the router's FTP ` +
          `helper rewrote it to ${NAT_ADDR} on the way out (the server's acknowledgments after it count the longer line), and the server's ` +
          `data connection from port 20 goes to ${NAT_ADDR}, answered from inside by ${ns.clientAddr}. Every transfer completed.`,
      }),
    );
  },
};
