// Scenario: transfers of known files, for checking what `analyze --extract` rebuilds. Every byte
// the client wrote or read on a data connection is hashed by the client itself, and every file
// the server served or kept is hashed on its disk: the truth file states them (sha256Sent,
// sha256Received, sha256Source, sha256OnServer), never taken from the capture.
//
// Both run in network namespaces of their own (client — router — server, named i28-*), the
// capture on the client's link:
//  - vsftpd-netns-known-files: vsftpd, TYPE I downloads (passive, after REST, active), an upload,
//    a TYPE A download (vsftpd sends the file as it is on disk), an upload reset by the client
//    after 48 KiB, a LIST; about 2 % of the passive data packets dropped at random by the router,
//    so the trace has losses before and after the capture point, retransmissions and
//    out-of-order segments;
//  - pyftpdlib-netns-ascii-files: pyftpdlib (pcapng, dumpcap), TYPE A both ways (pyftpdlib sends
//    LF files as CRLF and stores CRLF uploads as LF: the bytes on the wire are not the file on
//    disk), an EPSV binary download, an upload reset after 48 KiB (pyftpdlib answers 226).

import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scenario, ScenarioContext } from '../lib/context.ts';
import { seededBytes, textLines } from '../lib/known-files.ts';
import { inNetns, makeNetnsPath, runNetnsScript } from '../lib/netns.ts';
import type { FilesClientOut, FilesPlan, FilesStep } from '../lib/netns-files-client.ts';
import { startPyftpdlib } from '../lib/servers/pyftpdlib.ts';
import type { RunningServer } from '../lib/servers/server.ts';
import { startVsftpd } from '../lib/servers/vsftpd.ts';
import type { TruthTransfer } from '../lib/truth.ts';
import { KB, RAW_CLIENT, brief, endpoint, realTruth, serverFileSize } from './common.ts';

const CLIENT = fileURLToPath(new URL('../lib/netns-files-client.ts', import.meta.url));
const DROP = 0.02;
const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** Namespace and interface prefix (≤ 9 characters): this issue's, with the recorder's pid and
 *  the variant, so two runs or two variants never clash. */
const tag = (variant: number) => `i28-${process.pid % 1000}-${variant}`;

interface Variant {
  trace: string;
  format: 'pcap' | 'pcapng';
  start(ctx: ScenarioContext, host: string, netns: string): Promise<RunningServer>;
  served: Record<string, Buffer>; // files put on the server, by name
  steps(server: RunningServer): FilesStep[];
  loss: boolean;
  story: string;
}

const DATA = seededBytes(160 * KB, 'ftpdiag extract data.bin');
const NOTES = textLines(1000, false);

const VARIANTS: Variant[] = [
  {
    trace: 'vsftpd-netns-known-files',
    format: 'pcap',
    start: (ctx, host, netns) => startVsftpd(ctx, { host, port: 21, netns, files: { 'data.bin': DATA, 'notes.txt': NOTES } }),
    served: { 'data.bin': DATA, 'notes.txt': NOTES },
    steps: (s) => [
      { command: 'TYPE I' },
      { transfer: 'RETR data.bin', mode: 'passive' },
      { transfer: `STOR ${s.uploadPrefix}upload.bin`, mode: 'passive', upload: { size: 96 * KB, seed: 'ftpdiag extract upload.bin' } },
      { command: 'REST 65536' },
      { transfer: 'RETR data.bin', mode: 'passive' },
      { command: 'TYPE A' },
      { transfer: 'RETR notes.txt', mode: 'passive' },
      { command: 'TYPE I' },
      { transfer: 'RETR data.bin', mode: 'active' },
      { transfer: `STOR ${s.uploadPrefix}cut.bin`, mode: 'passive', upload: { size: 128 * KB, seed: 'ftpdiag extract cut.bin' }, resetAfter: 48 * KB },
      { transfer: 'LIST', mode: 'passive' },
    ],
    loss: true,
    story:
      'vsftpd in a server namespace, the raw client in a client namespace, a router between them dropping about 2 % of the passive ' +
      'data packets at random. TYPE I: RETR data.bin (160 KiB of seeded random bytes), STOR of 96 KiB, REST 65536 + RETR data.bin, ' +
      'TYPE A: RETR notes.txt (LF text; vsftpd sends it unchanged), TYPE I: RETR data.bin in active mode, a STOR reset by the client ' +
      '(SO_LINGER 0) after 48 KiB, LIST.',
  },
  {
    trace: 'pyftpdlib-netns-ascii-files',
    format: 'pcapng',
    start: (ctx, host, netns) => startPyftpdlib(ctx, { host, port: 2121, netns, files: { 'data.bin': DATA, 'notes.txt': NOTES } }),
    served: { 'data.bin': DATA, 'notes.txt': NOTES },
    steps: () => [
      { command: 'TYPE A' },
      { transfer: 'RETR notes.txt', mode: 'passive' },
      { transfer: 'STOR notes-up.txt', mode: 'passive', upload: { text: 500, crlf: true } },
      { command: 'TYPE I' },
      { transfer: 'RETR data.bin', mode: 'extended-passive' },
      { transfer: 'STOR cut.bin', mode: 'passive', upload: { size: 128 * KB, seed: 'ftpdiag extract cut.bin' }, resetAfter: 48 * KB },
    ],
    loss: false,
    story:
      'pyftpdlib on port 2121 in a server namespace, the raw client in a client namespace, through a router namespace. TYPE A: RETR ' +
      'notes.txt (LF text on disk, CRLF on the wire) and STOR notes-up.txt (CRLF on the wire, stored with LF); TYPE I: EPSV RETR ' +
      'data.bin (160 KiB), then a STOR reset by the client (SO_LINGER 0) after 48 KiB.',
  },
];

async function record(ctx: ScenarioContext, v: Variant, index: number): Promise<void> {
  const ns = makeNetnsPath(ctx, tag(index));
  const server = await v.start(ctx, ns.serverAddr, ns.server);
  const pasv = `${server.config['pasv_min_port'] ?? 50000}:${server.config['pasv_max_port'] ?? 50099}`;
  const notes = [
    `network: namespaces ${ns.client} (${ns.clientAddr}) — ${ns.router} (forwarding) — ${ns.server} (${ns.serverAddr}); capture on ${ns.clientIf} in the client namespace`,
    'veth GSO capped at one segment (gso_max_segs 1): frames are MSS-sized as on a real link',
  ];
  if (v.loss) {
    try {
      for (const dir of ['--dport', '--sport']) {
        inNetns(ns.router, 'iptables', ['-A', 'FORWARD', '-p', 'tcp', dir, pasv, '-m', 'statistic', '--mode', 'random', '--probability', String(DROP), '-j', 'DROP']);
      }
    } catch (e) {
      ctx.skip(`iptables statistic match unavailable in the namespace (${(e as Error).message.split('\n')[0]})`);
    }
    notes.push(`loss: iptables FORWARD -m statistic --mode random --probability ${DROP} on the passive ports ${pasv}, both directions, in the router namespace`);
  }
  const filter = `tcp and host ${ns.serverAddr}`;
  const cap = await ctx.capture(v.trace, { iface: ns.clientIf, netns: ns.client, filter, format: v.format });
  const plan: FilesPlan = { host: ns.serverAddr, port: server.port, user: server.user, password: server.password, steps: v.steps(server) };
  const r = await runNetnsScript<FilesClientOut>(ctx, ns.client, 'netns files client', CLIENT, plan, 180000);
  const stats = await cap.stop();
  await server.stop();
  // what the server served and kept, from its disk
  for (const t of r.transfers) hashOnServer(t, server, v.served);
  ctx.writeTruth(
    v.trace,
    realTruth('extract-files', stats, filter, server, {
      client: { ...RAW_CLIENT, address: ns.clientAddr },
      mode: 'passive+active',
      sessions: [{ label: 'main', client: r.client, server: endpoint(server.host, server.port), dialog: r.dialog, replyCodes: r.replyCodes, closedBy: r.closedBy }],
      transfers: r.transfers,
      resets: r.transfers.filter((t) => t.dataEnd === 'rst-by-client').map((t) => `client reset the ${t.command} data connection (SO_LINGER 0) after writing ${t.clientWrote} bytes`),
      notes,
      story: `${v.story} This run: ${r.transfers.map(brief).join('; ')}.`,
    }),
  );
}

/** sha256Source of a download (the whole file served) and sha256OnServer / size of an upload. */
function hashOnServer(t: TruthTransfer, server: RunningServer, served: Record<string, Buffer>): void {
  const m = /^(RETR|STOR|APPE) (.+)$/.exec(t.command);
  if (!m) return;
  const name = m[2]!;
  if (m[1] === 'RETR') {
    const file = served[name];
    if (file) t.sha256Source = sha256(file);
    return;
  }
  const path = join(server.root, name);
  t.serverFileSize = serverFileSize(server, name);
  t.sha256OnServer = existsSync(path) ? sha256(readFileSync(path)) : null;
}

export const extractFiles: Scenario = {
  name: 'extract-files',
  title: 'known files (hashed by client and server) over vsftpd with loss and pyftpdlib TYPE A, in i28-* namespaces: ground truth for --extract',
  traces: VARIANTS.map((v) => v.trace),
  async run(ctx) {
    for (const [i, v] of VARIANTS.entries()) await record(ctx, v, i);
  },
};
