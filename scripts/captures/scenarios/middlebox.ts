// Scenarios 19–20: a middlebox between client and server, captured on both sides at once.
// Network namespaces of our own (lib/netns.ts): client 192.0.2.1 — router — server 198.51.100.2;
// the router NATs the client (MASQUERADE to 198.51.100.254) and plays the middlebox with
// iptables. tcpdump runs in the client's namespace (A: client side) and in the server's (B:
// server side), so each scenario writes two traces of the same traffic for `ftpdiag compare`.
//
//   middlebox-nat-idle   conntrack's established timeout is cut to a few seconds in the router,
//                        and packets of forgotten connections are rejected with tcp-reset
//                        (nf_conntrack_tcp_loose=0 makes them INVALID instead of re-learnt).
//                        A download rate-limited by vsftpd keeps the control connection idle
//                        longer than that: the server's 226 reaches the router's own stack, which
//                        answers RST in the client's name; the client never gets the 226, gives
//                        up, sends NOOP, and the router answers RST in the server's name.
//   middlebox-ips-reset  the router runs conntrack's FTP helper (PORT rewritten by the NAT) and
//                        an "IPS" rule: a control segment holding "STOR " is rejected with
//                        tcp-reset. An active LIST works; the STOR never reaches the server and
//                        the client gets an RST forged in the server's name.

import { fileURLToPath } from 'node:url';
import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { inNetns, makeNetnsPath, runNetnsScript, type NetnsPath } from '../lib/netns.ts';
import { patternBytes } from '../lib/raw-ftp.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import type { DialogStep } from '../lib/transcript.ts';
import type { Truth, TruthTransfer } from '../lib/truth.ts';
import { KB, RAW_CLIENT, brief, endpoint, realTruth } from './common.ts';

export const CLIENT = fileURLToPath(new URL('./middlebox-client.ts', import.meta.url));
export const NAT_ADDR = '198.51.100.254'; // the router's address on the server's side: the client's public face

/** What middlebox-client.ts prints. */
export interface ClientOut {
  client: string;
  dialog: DialogStep[];
  replyCodes: number[];
  closedBy: string | null;
  transfers: TruthTransfer[];
  events: string[];
}

/** What the scenario knows of the middlebox, beside the usual truth (tests read it). */
export interface MiddleboxTruth {
  point: 'client-side' | 'server-side'; //  where this trace was captured
  peerTrace: string; //                    the other point's trace of the same traffic
  nat: { inside: string; outside: string }; // the client's address before and after MASQUERADE
  routerRules: string[]; //                iptables rules in the router namespace
  conntrackTimeoutEstablished: number | null; // seconds (null: left at the default)
  /** RSTs the router made itself in this trace's direction (iptables REJECT counter, or the
   *  router stack's answer to a segment for a connection it forgot). */
  forgedResets: number;
  clientEvents: string[];
}

function routerIfs(p: NetnsPath): { toClient: string; toServer: string; serverIf: string } {
  // lib/netns.ts names them from one tag: client `${tag}c`, router `${tag}rc`/`${tag}rs`, server `${tag}s`
  const tag = p.clientIf.slice(0, -1);
  return { toClient: `${tag}rc`, toServer: `${tag}rs`, serverIf: `${tag}s` };
}

function ipt(ns: string, args: string[], rules: string[]): void {
  inNetns(ns, 'iptables', args);
  rules.push(`iptables ${args.join(' ')}`);
}

/** Packets counted by the router's iptables rules whose target is `target`. */
function counter(ns: string, table: string, chain: string, target: string): number {
  const lines = inNetns(ns, 'iptables', ['-t', table, '-L', chain, '-n', '-v', '-x']).split('\n');
  // rule lines start with the packet counter; the chain's header line ("Chain X (policy ACCEPT …)") does not
  return lines.filter((l) => /^\s*\d/.test(l) && l.includes(target)).reduce((n, l) => n + Number(l.trim().split(/\s+/)[0]), 0);
}

function runClient(ctx: ScenarioContext, ns: string, plan: Record<string, unknown>): Promise<ClientOut> {
  return runNetnsScript<ClientOut>(ctx, ns, 'middlebox client', CLIENT, plan, 120000);
}

interface Setup {
  name: string;
  ns: NetnsPath;
  rules: string[];
  timeout: number | null;
}

/** Records both points around `drive`, then writes both traces' truth files. */
async function twoPoint(
  ctx: ScenarioContext,
  s: Setup,
  server: Awaited<ReturnType<typeof startVsftpd>>,
  drive: () => Promise<ClientOut>,
  story: (r: ClientOut, forged: { toClient: number; toServer: number }) => { client: string; server: string },
  forgedCount: () => { toClient: number; toServer: number },
): Promise<void> {
  const ifs = routerIfs(s.ns);
  const clientName = `${s.name}-client`;
  const serverName = `${s.name}-server`;
  const filterA = `tcp and host ${s.ns.serverAddr}`;
  const filterB = `tcp and host ${NAT_ADDR}`;
  const capA = await ctx.capture(clientName, { iface: s.ns.clientIf, netns: s.ns.client, filter: filterA });
  const capB = await ctx.capture(serverName, { iface: ifs.serverIf, netns: s.ns.server, filter: filterB });
  const r = await drive();
  const statsA = await capA.stop();
  const statsB = await capB.stop();
  const forged = forgedCount();
  await server.stop();
  const text = story(r, forged);
  // What each point saw. Client side: the client's own view (a reply it never got is not in
  // the trace: transfer()'s -1 marker is dropped). Server side: the command the router rejected
  // (the client's last, unanswered one) never arrived, and a final reply the client never got
  // was sent all the same (the server log says so).
  const clientTransfers = r.transfers.map((t) => ({ ...t, replies: t.replies.filter((c) => c > 0) }));
  const serverTransfers = r.transfers.map((t) => ({
    ...t,
    replies: t.replies.includes(-1) && server.logLines().some((l) => /OK (DOWNLOAD|UPLOAD)/.test(l)) ? [...t.replies.filter((c) => c > 0), 226] : t.replies.filter((c) => c > 0),
  }));
  const last = r.dialog[r.dialog.length - 1];
  const serverDialog = forged.toClient > 0 && last && last.replies.length === 0 ? r.dialog.slice(0, -1) : r.dialog;
  const common = {
    client: { ...RAW_CLIENT, address: s.ns.clientAddr },
    mode: r.transfers.map((t) => t.mode).join('+'),
  };
  const network =
    `network: namespaces ${s.ns.client} (${s.ns.clientAddr}) — ${s.ns.router} (forwarding, NAT to ${NAT_ADDR}) — ${s.ns.server} (${s.ns.serverAddr}); ` +
    `the same traffic captured in the client's namespace (${clientName}) and in the server's (${serverName})`;
  const extra = (point: MiddleboxTruth['point'], peerTrace: string, forgedHere: number): MiddleboxTruth => ({
    point,
    peerTrace,
    nat: { inside: s.ns.clientAddr, outside: NAT_ADDR },
    routerRules: s.rules,
    conntrackTimeoutEstablished: s.timeout,
    forgedResets: forgedHere,
    clientEvents: r.events,
  });
  const truthA: Truth & { middlebox: MiddleboxTruth } = {
    ...realTruth(s.name, statsA, filterA, server, {
      ...common,
      transfers: clientTransfers,
      sessions: [{ label: 'main', client: r.client, server: endpoint(server.host, server.port), dialog: r.dialog, replyCodes: r.replyCodes, closedBy: r.closedBy }],
      resets: forged.toClient ? [`the router forged ${forged.toClient} RST(s) to the client in the server's name`] : [],
      notes: [network, ...s.rules.map((x) => `router: ${x}`)],
      story: text.client,
    }),
    middlebox: extra('client-side', `${serverName}.pcap`, forged.toClient),
  };
  const truthB: Truth & { middlebox: MiddleboxTruth } = {
    ...realTruth(s.name, statsB, filterB, server, {
      ...common,
      transfers: serverTransfers,
      sessions: [
        {
          label: 'main',
          client: `${NAT_ADDR}:${r.client.split(':')[1]}`,
          server: endpoint(server.host, server.port),
          dialog: serverDialog,
          replyCodes: serverDialog.flatMap((d) => d.replies.map((x) => x.code)),
          closedBy: r.closedBy,
        },
      ],
      resets: forged.toServer ? [`the router forged ${forged.toServer} RST(s) to the server in the client's name`] : [],
      notes: [network, ...s.rules.map((x) => `router: ${x}`), 'sessions[0].client is the NAT address the server sees; the dialog is what the client saw, less the command the router rejected (it never reached the server); transfers list the final reply the server logged sending'],
      story: text.server,
    }),
    middlebox: extra('server-side', `${clientName}.pcap`, forged.toServer),
  };
  ctx.writeTruth(clientName, truthA);
  ctx.writeTruth(serverName, truthB);
}

function natRouter(ctx: ScenarioContext, ns: NetnsPath, rules: string[]): void {
  const ifs = routerIfs(ns);
  try {
    ipt(ns.router, ['-t', 'nat', '-A', 'POSTROUTING', '-o', ifs.toServer, '-j', 'MASQUERADE'], rules);
  } catch (e) {
    ctx.skip(`iptables NAT unavailable in the namespace (${(e as Error).message.split('\n')[0]})`);
  }
}

export const middleboxNatIdle: Scenario = {
  name: 'middlebox-nat-idle',
  title: 'NAT forgets the idle control connection during a slow RETR (conntrack timeout cut to 5 s), captured on both sides',
  traces: ['middlebox-nat-idle-client', 'middlebox-nat-idle-server'],
  async run(ctx) {
    const name = 'middlebox-nat-idle';
    const ns = makeNetnsPath(ctx);
    const rules: string[] = [];
    const timeout = 5;
    const size = 48 * KB;
    const rate = 4 * KB; // bytes/s toward the client: a 12 s download
    const ifs = routerIfs(ns);
    try {
      inNetns(ns.router, 'sysctl', ['-q', '-w', `net.netfilter.nf_conntrack_tcp_timeout_established=${timeout}`]);
      inNetns(ns.router, 'sysctl', ['-q', '-w', 'net.netfilter.nf_conntrack_tcp_loose=0']);
    } catch (e) {
      ctx.skip(`conntrack timeouts cannot be set in the namespace (${(e as Error).message.split('\n')[0]})`);
    }
    rules.push(`sysctl net.netfilter.nf_conntrack_tcp_timeout_established=${timeout}`, 'sysctl net.netfilter.nf_conntrack_tcp_loose=0');
    natRouter(ctx, ns, rules);
    ipt(ns.router, ['-A', 'FORWARD', '-p', 'tcp', '-m', 'conntrack', '--ctstate', 'INVALID', '-j', 'REJECT', '--reject-with', 'tcp-reset'], rules);
    // the router's own stack answers segments addressed to it for connections it forgot with RST
    // (no socket there); count them on the way out to the server (REJECT's RSTs to the client
    // pass OUTPUT too, on the other interface)
    ipt(ns.router, ['-A', 'OUTPUT', '-o', ifs.toServer, '-p', 'tcp', '--tcp-flags', 'RST', 'RST', '-j', 'ACCEPT'], rules);
    // a slow link toward the client (token bucket on the router's client side): the download takes
    // size / rate seconds, while the control connection has nothing to say
    const tc = ['qdisc', 'add', 'dev', ifs.toClient, 'root', 'tbf', 'rate', `${(rate * 8) / 1000}kbit`, 'burst', '4kb', 'latency', '60s'];
    try {
      inNetns(ns.router, 'tc', tc);
    } catch (e) {
      ctx.skip(`tc tbf unavailable in the namespace (${(e as Error).message.split('\n')[0]})`);
    }
    rules.push(`tc ${tc.join(' ')}`);
    const server = await startVsftpd(ctx, { host: ns.serverAddr, port: 21, netns: ns.server, files: { 'slow.bin': patternBytes(size) } });
    await twoPoint(
      ctx,
      { name, ns, rules, timeout },
      server,
      () => runClient(ctx, ns.client, { plan: 'idle', host: ns.serverAddr, port: server.port, user: server.user, password: server.password, file: 'slow.bin', size, replyWaitMs: 6000 }),
      (r, f) => ({
        client:
          `Client side of a NAT whose conntrack entries expire after ${timeout} s idle. vsftpd ${server.version} sends slow.bin over a ${rate} B/s link; ` +
          `${r.transfers.map(brief).join('; ')}. The control connection is silent during the download, the router forgets it, and the server's 226 ` +
          `never arrives here. After waiting, the client sends NOOP; the router rejects it as INVALID with an RST forged in the server's name ` +
          `(${f.toClient} this run). Client: ${r.events.join('; ')}.`,
        server:
          `Server side of the same session (the client appears as ${NAT_ADDR}). The download completes; vsftpd's 226 reaches the router, which no ` +
          `longer knows the connection: its own stack answers with an RST in the client's name (${f.toServer} this run), ending the session.`,
      }),
      () => ({ toClient: counter(ns.router, 'filter', 'FORWARD', 'REJECT'), toServer: counter(ns.router, 'filter', 'OUTPUT', 'ACCEPT') }),
    );
  },
};

export const middleboxIpsReset: Scenario = {
  name: 'middlebox-ips-reset',
  title: 'NAT with the FTP helper rewriting PORT, and an IPS rule resetting STOR, captured on both sides',
  traces: ['middlebox-ips-reset-client', 'middlebox-ips-reset-server'],
  async run(ctx) {
    const name = 'middlebox-ips-reset';
    const ns = makeNetnsPath(ctx);
    const rules: string[] = [];
    const ifs = routerIfs(ns);
    natRouter(ctx, ns, rules);
    try {
      ipt(ns.router, ['-t', 'raw', '-A', 'PREROUTING', '-i', ifs.toClient, '-p', 'tcp', '--dport', '21', '-j', 'CT', '--helper', 'ftp'], rules);
    } catch (e) {
      ctx.skip(`conntrack's FTP helper is unavailable (${(e as Error).message.split('\n')[0]})`);
    }
    ipt(ns.router, ['-A', 'FORWARD', '-i', ifs.toClient, '-p', 'tcp', '--dport', '21', '-m', 'string', '--string', 'STOR ', '--algo', 'bm', '-j', 'REJECT', '--reject-with', 'tcp-reset'], rules);
    const server = await startVsftpd(ctx, { host: ns.serverAddr, port: 21, netns: ns.server, files: { 'readme.txt': patternBytes(2 * KB) } });
    await twoPoint(
      ctx,
      { name, ns, rules, timeout: null },
      server,
      () => runClient(ctx, ns.client, { plan: 'ips', host: ns.serverAddr, port: server.port, user: server.user, password: server.password, upload: 'incoming/blocked.exe', size: 4 * KB }),
      (r, f) => ({
        client:
          `Client side of a NAT router with conntrack's FTP helper and an IPS-like rule rejecting any control segment holding "STOR ". ` +
          `${r.transfers.map(brief).join('; ')}. The STOR segment is dropped by the router, which answers with an RST forged in the server's ` +
          `name (${f.toClient} this run). Client: ${r.events.join('; ')}.`,
        server:
          `Server side of the same session (the client appears as ${NAT_ADDR}; its PORT command arrives rewritten by the NAT's FTP helper). ` +
          `The STOR never arrives: after the passive data connection opens, the server hears nothing more on the control connection.`,
      }),
      () => ({ toClient: counter(ns.router, 'filter', 'FORWARD', 'REJECT'), toServer: 0 }),
    );
  },
};
