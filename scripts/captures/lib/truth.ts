// The ground truth written beside each trace (NAME.truth.json): what the recording script
// observed from its own side (client sockets, server's disk and logs), never from the capture.
// Regression expectations (NAME.expect.yaml) are checked against it.

import type { CaptureStats } from './capture.ts';
import type { DialogStep } from './transcript.ts';

export interface TruthSession {
  label: string; //            e.g. 'main', 'second client'
  client: string; //           'addr:port' of the control connection's client side
  server: string; //           'addr:port' of the server
  dialog: DialogStep[]; //     commands sent and the replies the client received, in order
  replyCodes: number[]; //     every reply code received, in order
  closedBy?: string | null; // who ended the control connection, as the client saw it
}

export interface TruthTransfer {
  command: string; //          e.g. 'RETR big.bin'
  mode: 'passive' | 'extended-passive' | 'active' | 'extended-active';
  dataServer?: string; //      'addr:port' the data connection went to (passive) or came from (active: server side)
  dataClient?: string; //      client's end of the data connection
  expectedBytes?: number; //   size of the source file (download: on the server; upload: the client's buffer)
  clientRead?: number; //      bytes the client received on the data connection
  clientWrote?: number; //     bytes the client sent on the data connection
  dataEnd?: string; //         'fin' | 'rst-by-client' | 'rst-by-peer' | 'refused' | 'none' ...
  replies: number[]; //        codes received for this command (preliminary and final)
  serverFileSize?: number | null; // bytes of the file on the server's disk afterwards (null: absent)
  // SHA-256 (hex) of the data as the recorder's own side saw it, for checking rebuilt files:
  sha256Sent?: string; //      the bytes the client wrote on the data connection (uploads)
  sha256Received?: string; //  the bytes the client read from it (downloads, listings)
  sha256Source?: string; //    the file the server served (downloads: its whole file on disk)
  sha256OnServer?: string | null; // the server's file after the transfer (uploads; null: absent)
}

export interface Truth {
  trace: string; //            file name of the trace beside this file
  scenario: string; //         recorder scenario that wrote it
  crafted: boolean; //         true: built with the ladder DSL, no real stack produced it
  recordedAt: string; //       ISO time of the recording
  capture: {
    tool: string; //           command line of the capturing tool
    format: 'pcap' | 'pcapng';
    linkType: string;
    filter?: string;
    packetsCaptured: number | null;
    packetsDroppedByKernel: number | null;
  };
  server: { software: string; version: string; address: string; port: number; config?: Record<string, unknown> };
  client: { software: string; version?: string; address?: string };
  mode: string; //             'passive', 'active', 'passive+active', ...
  sessions: TruthSession[];
  transfers: TruthTransfer[];
  resets: string[]; //         who reset which connection, in plain words
  serverLog?: string[]; //     the server's own log lines about the session (vsftpd/pyftpdlib/proftpd)
  notes?: string[];
  story: string; //            one paragraph: what happens in the trace
}

export function captureSection(stats: CaptureStats, filter?: string): Truth['capture'] {
  return {
    tool: stats.tool.split(stats.file).join(baseName(stats.file)), // no machine-specific path
    format: stats.file.endsWith('.pcapng') ? 'pcapng' : 'pcap',
    linkType: stats.linkType,
    ...(filter ? { filter } : {}),
    packetsCaptured: stats.packetsCaptured,
    packetsDroppedByKernel: stats.packetsDroppedByKernel,
  };
}

export function baseName(file: string): string {
  return file.slice(file.lastIndexOf('/') + 1);
}
