// Pieces shared by the scenarios: test files, the usual login dialog, a clean session, and the
// truth-file sections built from what the client and the server's disk say.

import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { patternBytes, type RawFtp } from '../lib/raw-ftp.ts';
import type { RunningServer } from '../lib/servers/server.ts';
import { transfer, type DataMode, type TransferOptions } from '../lib/session.ts';
import type { CaptureStats } from '../lib/capture.ts';
import { baseName, captureSection, type Truth, type TruthSession, type TruthTransfer } from '../lib/truth.ts';

export const KB = 1024;

/** Size of a file on the server's disk now, null if it is not there. */
export function serverFileSize(server: RunningServer, name: string): number | null {
  const p = join(server.root, name);
  return existsSync(p) ? statSync(p).size : null;
}

export function endpoint(host: string, port: number): string {
  return host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`;
}

/** What a real client sends first: USER/PASS, SYST, FEAT, PWD, TYPE I. */
export async function loginAndSetup(c: RawFtp, server: RunningServer, opts: { feat?: boolean } = {}): Promise<void> {
  const r = await c.login(server.user, server.password);
  if (r.code !== 230) throw new Error(`login refused: ${r.text}`);
  await c.cmd('SYST');
  if (opts.feat !== false) await c.cmd('FEAT');
  await c.cmd('PWD');
  await c.cmd('TYPE I');
}

/** What the server kept after a clean session's transfers, for their truth entries: RETR the
 *  download's size; STOR the upload before APPE added to it; APPE the final size (only the end
 *  state is on disk). */
export function noteServerSizes(transfers: TruthTransfer[], server: RunningServer, files: CleanFiles): void {
  const final = serverFileSize(server, files.upload.name);
  for (const t of transfers) {
    if (t.command.startsWith('RETR ')) t.serverFileSize = serverFileSize(server, files.download.name);
    if (t.command.startsWith('APPE ')) t.serverFileSize = final;
    if (t.command.startsWith('STOR ') && final !== null) t.serverFileSize = final - files.append.length;
  }
}

export interface CleanFiles {
  download: { name: string; data: Buffer };
  upload: { name: string; data: Buffer };
  append: Buffer;
}

export function cleanFiles(uploadPrefix = '', downloadSize = 64 * KB, uploadSize = 40 * KB, appendSize = 4 * KB): CleanFiles {
  return {
    download: { name: 'report.bin', data: patternBytes(downloadSize) },
    upload: { name: `${uploadPrefix}upload.bin`, data: patternBytes(uploadSize, 0x100000) },
    append: patternBytes(appendSize, 0x200000),
  };
}

/** LIST, RETR, STOR, APPE, MLSD in one data mode; the server's file sizes are filled in after. */
export async function cleanSession(c: RawFtp, server: RunningServer, files: CleanFiles, mode: DataMode): Promise<TruthTransfer[]> {
  const out: TruthTransfer[] = [];
  const run = async (command: string, o: TransferOptions) => {
    const t = await transfer(c, command, o);
    const name = /^(?:RETR|STOR|APPE) (.+)$/.exec(command)?.[1];
    if (name) t.serverFileSize = serverFileSize(server, name); // right after this transfer
    out.push(t);
  };
  await run('LIST', { mode });
  await run(`RETR ${files.download.name}`, { mode, expectedBytes: files.download.data.length });
  await run(`STOR ${files.upload.name}`, { mode, upload: files.upload.data, expectedBytes: files.upload.data.length });
  await run(`APPE ${files.upload.name}`, { mode, upload: files.append, expectedBytes: files.append.length });
  await run('MLSD', { mode });
  await c.quit();
  return out;
}

export function sessionOf(label: string, c: RawFtp, server: RunningServer, client?: string): TruthSession {
  return {
    label,
    client: client ?? endpoint(c.local.address, c.local.port),
    server: endpoint(server.host, server.port),
    dialog: c.transcript.steps,
    replyCodes: c.transcript.codes(),
    closedBy: c.closedBy,
  };
}

export const RAW_CLIENT = { software: 'ftpdiag raw client (scripts/captures/lib/raw-ftp.ts, Node net sockets)', version: process.version };

/** BPF filter for everything to or from the given hosts (control and data, both directions). */
export function hostFilter(...hosts: string[]): string {
  return `tcp and (${hosts.map((h) => `host ${h}`).join(' or ')})`;
}

/** Short summary of a transfer for a story: "RETR report.bin 98304 B → 150 226". */
export function brief(t: TruthTransfer): string {
  const b = t.clientRead ?? t.clientWrote;
  return `${t.command}${b !== undefined ? ` (${b} B)` : ''} → ${t.replies.join(' ')}`;
}

/** The truth-file fields every real recording shares; the scenario adds sessions, transfers,
 *  resets and its story. */
export function realTruth(
  scenario: string,
  stats: CaptureStats,
  filter: string,
  server: RunningServer,
  rest: Pick<Truth, 'client' | 'mode' | 'sessions' | 'transfers' | 'resets' | 'story'> & Partial<Truth>,
): Truth {
  return {
    trace: baseName(stats.file),
    scenario,
    crafted: false,
    recordedAt: new Date().toISOString(),
    capture: captureSection(stats, filter),
    server: { software: server.software, version: server.version, address: server.host, port: server.port, config: server.config },
    serverLog: server.logLines(),
    ...rest,
  };
}
