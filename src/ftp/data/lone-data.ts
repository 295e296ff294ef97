// Data connections whose control connection is not in the capture (a capture filtered to the
// data ports, a data connection in another file, a control connection on another path): analysed
// as transfers all the same (direction, bytes, how it ended, who reset it), with command and
// replies unknown.
//
// Heuristic: "an FTP data connection without its control connection"
// Plain definition: a connection that no session of the capture claimed, and
//  - 'port-20': whose connecting side's port is 20 (RFC 959 §3.2: in active mode the server
//    connects from its control port minus one, 20 for 21): the port-20 side is the FTP server;
//  - 'one-way': seen from its SYN, between two ports above 1023, where one side sent payload and
//    the other not a byte (what an FTP transfer in stream mode looks like: the sender writes the
//    file and closes; an application protocol has a request, a greeting or a handshake), and that
//    ended in the capture (FIN or RST) or carried a bulk of data (64 KiB): the listening side is
//    the FTP server (passive mode). Weaker evidence, said as such.
// Direction follows: the FTP server sends in a download, receives in an upload.

import type { Connection, Side } from '../../tcp/types.ts';
import { judgeOutcome } from './outcome.ts';
import type { Transfer } from '../types.ts';
import { newTransfer } from '../records.ts';
import { dataSides } from './measure.ts';

export type LoneDataEvidence = 'port-20' | 'one-way';

const FTP_DATA_PORT = 20;
/** Bytes one way that make a connection still open at the end of the capture look like a transfer. */
const BULK_BYTES = 65536;

/** Why `c` looks like an FTP data connection with no control connection, or null. */
export function loneDataEvidence(c: Connection): LoneDataEvidence | null {
  const cb = c.client.bytesSent;
  const sb = c.server.bytesSent;
  if (c.client.port === FTP_DATA_PORT && c.server.port > 1023) return 'port-20';
  if (c.roleGuessed && c.server.port === FTP_DATA_PORT && c.client.port > 1023) return 'port-20';
  if (c.roleGuessed || c.client.synFrame === null || c.client.port < 1024 || c.server.port < 1024) return null;
  const oneWay = (cb > 0 && sb === 0) || (sb > 0 && cb === 0);
  if (oneWay && (c.closeKind !== null || cb + sb >= BULK_BYTES)) return 'one-way';
  return null;
}

/** A transfer for a lone data connection, its facts from the connection alone. */
export function loneTransfer(id: number, c: Connection, evidence: LoneDataEvidence): Transfer {
  // which end of the connection is the FTP server: the port-20 end, else the listening end
  const ftpServerEp: Side = evidence === 'port-20' ? (c.client.port === FTP_DATA_PORT ? 'client' : 'server') : 'server';
  const cb = c.client.bytesSent;
  const sb = c.server.bytesSent;
  const senderEp: Side | null = cb === 0 && sb === 0 ? null : cb > sb ? 'client' : 'server';
  const sender: Side | null = senderEp === null ? null : senderEp === ftpServerEp ? 'server' : 'client';
  const se = senderEp === null ? null : c[senderEp];
  const bytes = se ? se.bytesSent : 0;
  const bytesAcked = se ? Math.min(se.bytesAcked, se.bytesSent) : 0;
  const receiverAckedAll = se !== null && se.bytesAcked >= se.bytesSent;
  const closer = c.closedBy;
  const duration = Math.max(0, c.endTime - c.startTime);
  const t = newTransfer({
    id,
    session: null,
    command: 'unknown',
    transmissionMode: '', // no control connection: the MODE in force is not known
    direction: sender === null ? 'unknown' : sender === 'server' ? 'download' : 'upload',
    commandFrame: c.firstFrame,
    commandTime: c.startTime,
    mode: ftpServerEp === 'client' ? 'active' : 'passive',
    dataConnection: c.id,
    dataSetupFrames: c.client.synFrame !== null ? [c.client.synFrame] : [],
    sender,
    bytes,
    bytesAcked,
    bytesMissing: se ? Math.max(0, se.bytesSent - se.bytesCaptured) : 0,
    endTime: c.endTime,
    duration,
    rate: duration > 0 ? bytes / duration : null,
    dataCandidates: [c.id],
    dataSides: dataSides(ftpServerEp, senderEp),
    dataClose: {
      by: closer === null ? null : closer === ftpServerEp ? 'server' : 'client',
      byRole: closer === null || senderEp === null ? null : closer === senderEp ? 'sender' : 'receiver',
      kind: c.closeKind,
      frame: c.closeFrame,
    },
    receiverAckedAll,
    bytesStatus: 'counted',
    dataEvidence: evidence,
  });
  t.outcome = judgeOutcome({
    command: 'unknown',
    finalCode: null,
    finalValid: false,
    aborted: false,
    hasData: true,
    dataEnded: c.closeKind !== null,
    dataReset: c.closeKind === 'rst',
    bytes,
    delivered: receiverAckedAll ? bytes : bytesAcked,
    receiverAckedAll,
    expectedBytes: null,
  });
  return t;
}
