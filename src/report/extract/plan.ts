// What the extraction pass needs of each transfer, taken from the analysis as it releases each
// session: the FTP stage's facts about the transfer (command, path, direction, TYPE, MODE, REST
// offset, announced size, bytes sent and acknowledged, how the data connection closed, outcome)
// and, of its data connection, only what finds its frames again (4-tuple, ISNs, frame range).
// Nothing is worked out here: the pass and the manifest read these facts as they are.

import type { DataClose, Transfer } from '../../ftp/types.ts';
import type { ReleasedUnit } from '../../pipeline/release.ts';
import type { Connection, Side } from '../../tcp/types.ts';
import type { ReplayConnection } from '../packet-replay.ts';

export interface PlannedTransfer {
  session: number | null; // null: a data connection whose control connection is not in the capture
  transfer: number;
  command: Transfer['command'];
  argument: string;
  path: string | null;
  direction: Transfer['direction'];
  sender: Transfer['sender']; //         FTP role that sent the data ('server' for downloads)
  mode: Transfer['mode'];
  type: string;
  transmissionMode: string;
  restOffset: number;
  announcedBytes: number | null;
  expectedBytes: number | null;
  bytes: number; //                      payload bytes the sender put on the data connection
  bytesAcked: number; //                 of those, acknowledged by the receiver
  bytesMissing: number; //               absent from the capture
  outcome: Transfer['outcome'];
  aborted: boolean; //                   ABOR was sent while it ran
  finalReply: { code: number; frame: number } | null;
  encrypted: boolean; //                 PROT P in force, or (control channel encrypted: command
  //                                     'unknown') the data looked like TLS records
  dataLooksTls: boolean; //              the first data bytes were a TLS record
  dataClose: DataClose;
  /** The data connection (null when none is in the capture) and which of its TCP sides sent. */
  data: { conn: ReplayConnection; sender: Side } | null;
  receiverSeen: boolean; //              the receiver's segments (its ACKs) are in the capture
  senderSynSeen: boolean; //             the sender's SYN is in the capture: its stream's start is known
  /** An RST on the data connection after it had closed with a FIN (dataClose says FIN): who sent
   *  it (FTP role, 'sender'/'receiver' of the data), where, and whether it only answered a stray
   *  ACK after both FINs (harmless). null without one. */
  lateReset: { by: 'sender' | 'receiver'; frame: number; afterStrayAck: boolean } | null;
}

/** Transfers kept for extraction; past it they are counted (PlannedTransfers.leftOut). */
export const MAX_PLANNED_TRANSFERS = 100_000;

export class ExtractionPlan {
  readonly transfers: PlannedTransfer[] = [];
  leftOut = 0;

  constructor(private readonly max = MAX_PLANNED_TRANSFERS) {}

  /** A released unit (or a whole-capture result seen as one). */
  add(u: Pick<ReleasedUnit, 'transfers' | 'connections'>): void {
    if (u.transfers.length === 0) return;
    const byId = new Map(u.connections.map((c) => [c.id, c] as const));
    for (const t of u.transfers) {
      if (this.transfers.length >= this.max) {
        this.leftOut++;
        continue;
      }
      const conn = t.dataConnection === null ? undefined : byId.get(t.dataConnection);
      this.transfers.push(planned(t, conn));
    }
  }

  /** In transfer order (a streaming analysis releases sessions as they end). */
  sorted(): PlannedTransfer[] {
    return this.transfers.sort((a, b) => a.transfer - b.transfer);
  }
}

function planned(t: Transfer, c: Connection | undefined): PlannedTransfer {
  const sender = t.dataSides?.counted ?? null;
  return {
    session: t.session,
    transfer: t.id,
    command: t.command,
    argument: t.argument,
    path: t.path,
    direction: t.direction,
    sender: t.sender,
    mode: t.mode,
    type: t.type,
    transmissionMode: t.transmissionMode,
    restOffset: t.restOffset,
    announcedBytes: t.announcedBytes,
    expectedBytes: t.expectedBytes,
    bytes: t.bytes,
    bytesAcked: t.bytesAcked,
    bytesMissing: t.bytesMissing,
    outcome: t.outcome,
    aborted: t.aborted,
    finalReply: t.finalReply ? { code: t.finalReply.code, frame: t.finalReply.frame } : null,
    encrypted: t.tlsProtected || (t.command === 'unknown' && t.dataLooksTls === true),
    dataLooksTls: t.dataLooksTls === true,
    dataClose: { ...t.dataClose },
    data:
      c && sender
        ? {
            conn: {
              id: c.id,
              firstFrame: c.firstFrame,
              lastFrame: c.lastFrame,
              client: { addr: c.client.addr, port: c.client.port, isn: c.client.isn },
              server: { addr: c.server.addr, port: c.server.port, isn: c.server.isn },
            },
            sender,
          }
        : null,
    receiverSeen: c !== undefined && sender !== null && c[sender === 'client' ? 'server' : 'client'].segments > 0,
    senderSynSeen: c !== undefined && sender !== null && c[sender].isn !== null,
    lateReset:
      c?.reset && sender !== null && t.dataClose.kind === 'fin'
        ? { by: c.reset.by === sender ? 'sender' : 'receiver', frame: c.reset.frame, afterStrayAck: c.reset.afterStrayAck }
        : null,
  };
}
