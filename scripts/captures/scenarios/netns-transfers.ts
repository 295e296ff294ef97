// The session two namespace scenarios record (packet-loss, vxlan-tunnel): lib/netns-client.ts,
// run inside the client's namespace, logs in to vsftpd, downloads dataset.csv and uploads
// incoming/results.csv in passive mode and quits; here is how it is started and how what it saw
// becomes the truth file's client, session and transfer sections.

import { fileURLToPath } from 'node:url';
import type { ScenarioContext } from '../lib/context.ts';
import { runNetnsScript } from '../lib/netns.ts';
import type { RunningServer } from '../lib/servers/server.ts';
import type { DialogStep } from '../lib/transcript.ts';
import type { Truth, TruthTransfer } from '../lib/truth.ts';
import { RAW_CLIENT, endpoint, serverFileSize } from './common.ts';

const CLIENT = fileURLToPath(new URL('../lib/netns-client.ts', import.meta.url));
export const DOWNLOAD = 'dataset.csv';
export const UPLOAD = 'incoming/results.csv';

/** What the client printed. */
export interface NetnsClientOut {
  client: string;
  dialog: DialogStep[];
  replyCodes: number[];
  closedBy: string | null;
  transfers: TruthTransfer[];
}

/** Runs the session in namespace `ns` against `server` (which serves DOWNLOAD of `down` bytes). */
export function runNetnsTransfers(ctx: ScenarioContext, ns: string, server: RunningServer, sizes: { down: number; up: number }, timeoutMs: number): Promise<NetnsClientOut> {
  const plan = { host: server.host, port: server.port, user: server.user, password: server.password, download: DOWNLOAD, downloadSize: sizes.down, upload: UPLOAD, uploadSize: sizes.up };
  return runNetnsScript<NetnsClientOut>(ctx, ns, 'netns client', CLIENT, plan, timeoutMs);
}

/** The truth sections of the session, once the server has stopped (its files are final). */
export function netnsTransfersTruth(r: NetnsClientOut, server: RunningServer, clientAddr: string): Pick<Truth, 'client' | 'mode' | 'sessions' | 'transfers' | 'resets'> {
  r.transfers[0]!.serverFileSize = serverFileSize(server, DOWNLOAD);
  r.transfers[1]!.serverFileSize = serverFileSize(server, UPLOAD);
  return {
    client: { ...RAW_CLIENT, address: clientAddr },
    mode: 'passive',
    sessions: [{ label: 'main', client: r.client, server: endpoint(server.host, server.port), dialog: r.dialog, replyCodes: r.replyCodes, closedBy: r.closedBy }],
    transfers: r.transfers,
    resets: [],
  };
}
