// Measuring a transfer once it is settled: which candidate connection carried it, the FTP roles
// of that connection's two endpoints (client/server, sender/receiver), its bytes, how it closed,
// its TLS, and the outcome (outcome.ts). Recorded once, here: diagnosis and every output read
// Transfer.dataSides and the rest, and never work them out again.

import type { Connection, Side } from '../../tcp/types.ts';
import type { DataSides } from '../types.ts';
import { NO_ENDED, NO_LISTENERS, type TransferTrack } from '../tracks.ts';
import type { ConnApp } from '../conn-app.ts';
import { judgeOutcome } from './outcome.ts';
import { inferProt, tlsDataFacts, tlsTransferBytes } from './tls-data.ts';

const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

/** The FTP roles of a data connection's endpoints, from which endpoint is the FTP server and
 *  which (if known) sends the data. */
export function dataSides(ftpServer: Side, sender: Side | null): DataSides {
  return { ftpClient: other(ftpServer), ftpServer, sender, receiver: sender === null ? null : other(sender), counted: sender ?? ftpServer };
}

/**
 * Heuristic: "which attempt carried the transfer"
 * Several connections may go to one announced endpoint (a refused or unanswered SYN, then a
 * retry): the one with most payload bytes carried it; among equals one whose handshake was
 * answered; among those the latest.
 */
function chooseConn(track: TransferTrack): Connection | null {
  let best: Connection | null = null;
  let bestScore = -1;
  for (const c of track.conns) {
    const answered = c.server.synFrame !== null || c.client.bytesSent + c.server.bytesSent > 0;
    const score = (c.client.bytesSent + c.server.bytesSent) * 2 + (answered ? 1 : 0);
    if (score >= bestScore) {
      best = c;
      bestScore = score;
    }
  }
  return best;
}

/**
 * Heuristic: "which end of the data connection is the FTP server"
 * The endpoint the announcement named listens: the FTP server in passive mode, the FTP client in
 * active mode. Without one (linked by timing), the end with the control connection's server
 * address, when the two hosts differ; on one host (loopback), RFC 959 §3.2's active-mode data
 * port L−1 is the server's; else the mode decides (active: the server connects).
 */
function ftpServerEndpoint(track: TransferTrack, conn: Connection): Side {
  const listener = track.listeners.get(conn.id);
  const mode = track.t.mode;
  if (listener && mode) return mode === 'passive' ? listener : other(listener);
  const s = track.control.session;
  if (s.server.addr !== s.client.addr) {
    if (conn.server.addr === s.server.addr && conn.client.addr !== s.server.addr) return 'server';
    if (conn.client.addr === s.server.addr && conn.server.addr !== s.server.addr) return 'client';
  }
  if (conn.client.port === s.server.port - 1) return 'client';
  return mode === 'active' ? 'client' : 'server';
}

/** Fills a settled transfer's facts from its data connection (if any) and its replies. */
export function measureTransfer(track: TransferTrack): void {
  const t = track.t;
  const conn = chooseConn(track);
  t.dataSetupFrames.sort((a, b) => a - b);
  let dataEnded = false;
  let dataReset = false;
  let receiverResetEarly = false; // the receiver's RST came before the end of the file (the sender's FIN)
  if (conn) {
    t.dataConnection = conn.id;
    const app = conn.app as ConnApp | undefined;
    const tls = app?.tls ?? null;
    // FTPS: the TLS client (the side that sent the ClientHello) is the FTP client
    const ftpServerEp: Side = tls && app!.tlsRoles ? (app!.tlsRoles.server === 'server' ? 'server' : 'client') : ftpServerEndpoint(track, conn);
    if (tls) t.tlsData = tlsDataFacts(conn, tls, ftpServerEp);
    const plain = tls !== null && tls.readable;
    let senderEp: Side | null;
    if (t.command === 'unknown' && tls) {
      // Command unreadable and the data TLS: TLS records flow both ways, so the direction stays
      // unknown (tlsData.dataFrom says what the record sizes suggest) and nothing is guessed from
      // the byte counts; decrypted, the side that sent plaintext is the sender
      const from = plain ? t.tlsData!.dataFrom.from : null;
      senderEp = from === null ? null : from === 'server' ? ftpServerEp : other(ftpServerEp);
      t.sender = from;
      t.direction = from === 'client' ? 'upload' : 'unknown';
    } else if (t.command === 'unknown') {
      const cb = conn.client.bytesSent;
      const sb = conn.server.bytesSent;
      senderEp = cb === 0 && sb === 0 ? ftpServerEp : cb > sb ? 'client' : 'server';
      t.sender = senderEp === ftpServerEp ? 'server' : 'client';
      t.direction = cb === 0 && sb === 0 ? 'unknown' : t.sender === 'server' ? 'download' : 'upload';
    } else {
      senderEp = t.sender === 'server' ? ftpServerEp : other(ftpServerEp);
    }
    const sides = (t.dataSides = dataSides(ftpServerEp, senderEp));
    // bytes are the sender's; with the direction unknown, those of the FTP server's end
    const se = conn[sides.counted];
    t.bytes = se.bytesSent;
    t.bytesAcked = Math.min(se.bytesAcked, se.bytesSent);
    t.bytesMissing = Math.max(0, se.bytesSent - se.bytesCaptured);
    t.receiverAckedAll = se.bytesAcked >= se.bytesSent;
    // decrypted with the key log: the file's bytes are the plaintext
    if (plain) Object.assign(t, tlsTransferBytes(tls!, sides.counted === ftpServerEp ? 'server' : 'client', Math.min(se.bytesAcked, se.bytesSent)));
    const closer = conn.closedBy;
    t.dataClose = {
      by: closer === null ? null : closer === ftpServerEp ? 'server' : 'client',
      byRole: closer === null ? null : closer === sides.counted ? 'sender' : 'receiver',
      kind: conn.closeKind,
      frame: conn.closeFrame,
    };
    dataEnded = conn.closeKind !== null;
    dataReset = conn.closeKind === 'rst';
    receiverResetEarly = conn.reset !== null && sides.sender !== null && conn.reset.by !== sides.sender && !conn.reset.peerFinished;
    inferProt(track.control.session, t, conn);
    t.duration = Math.max(0, conn.endTime - conn.startTime);
    t.rate = t.duration > 0 ? t.bytes / t.duration : null;
    t.startTime = Math.min(t.commandTime, conn.startTime);
  } else {
    t.duration = t.finalReply ? Math.max(0, t.finalReply.time - t.commandTime) : 0;
    t.rate = null;
    t.receiverAckedAll = false;
    t.startTime = t.commandTime;
  }
  t.expectedBytes = t.announcedBytes !== null ? Math.max(0, t.announcedBytes - t.restOffset) : null;
  // the capture stopped while it ran: nothing closed, nothing timed out, no final reply
  const cutByEnd = (c: Connection) => c.closeKind === null && c.idleEndedAt === null && !c.evicted;
  t.inProgressAtEnd = t.finalReply === null && cutByEnd(track.control.conn) && (conn === null || cutByEnd(conn));
  t.endTime = Math.max(t.commandTime, t.finalReply?.time ?? 0, conn?.endTime ?? 0);
  t.outcome = judgeOutcome({
    command: t.command,
    finalCode: t.finalReply ? t.finalReply.code : null,
    finalValid: t.finalReply ? t.finalReply.valid : false,
    aborted: t.aborted,
    hasData: conn !== null,
    dataEnded,
    dataReset,
    bytes: t.bytes,
    delivered: t.receiverAckedAll ? t.bytes : t.bytesAcked,
    receiverAckedAll: t.receiverAckedAll,
    expectedBytes: t.expectedBytes,
    encrypted: t.tlsData !== null && t.tlsData.plaintext === null,
    // an RST after the sender's TLS close_notify ended nothing: its data was all written
    resetBySender: t.dataClose.byRole === 'sender' && t.tlsData?.verdict !== 'reset-after-close-notify',
    resetByReceiverEarly: receiverResetEarly,
  });
  // without a data connection the bytes are unknown ('not captured'), not 0, unless the
  // transfer was refused before one was due; TLS record bytes are not file bytes
  t.bytesStatus = conn === null ? (t.outcome === 'failed' ? 'not-opened' : 'not-captured') : t.dataLooksTls === true && t.tlsData?.plaintext == null ? 'encrypted' : 'counted';
}

/** A settled transfer's lists rarely grow again, and the session holds it until the session is
 *  released: exact-length copies give back what push() reserved (17 slots on the first push;
 *  ~0.5 KB a transfer). */
export function trimLists(track: TransferTrack): void {
  const t = track.t;
  t.dataSetupFrames = t.dataSetupFrames.slice();
  t.replyCodes = t.replyCodes.slice();
  t.dataCandidates = t.dataCandidates.slice();
  track.conns = track.conns.slice();
  // what only settling read (writers check TransferTrack.settled first)
  track.listeners = NO_LISTENERS;
  track.ended = NO_ENDED;
}
