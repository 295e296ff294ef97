// FTPS data connections (PROT P): the TLS stage opened on the first payload, and what a settled
// transfer takes from it — its TlsDataFacts, the plaintext bytes when a key log decrypted it, and
// what its TLS says of the session's data protection (PROT) when the command was unreadable.

import type { Connection, Side } from '../../tcp/types.ts';
import { FtpTlsChannel, dataDirection, rolesOf, tlsEnding, type FtpTlsContext } from '../tls-channel.ts';
import type { Session, TlsDataFacts, Transfer } from '../types.ts';
import { ownTls } from '../records.ts';

/** Handshake message type of a ClientHello, at byte 5 of its first record. */
const CLIENT_HELLO = 1;

/**
 * The TLS stage for a data connection whose first payload (`data`, from connection side `from`)
 * is TLS, with the FTP role of each side. The TLS client is the FTP client (RFC 4217 §9): the
 * side that sent the ClientHello, whichever opened the TCP connection (active mode: the server).
 */
export function openDataTls(ctx: FtpTlsContext, from: Side, data: Buffer): [FtpTlsChannel, Record<Side, Side>] {
  const hello = data.length > 5 && data[0] === 0x16 && data[5] === CLIENT_HELLO;
  const tlsClient: Side = hello || data.length <= 5 ? from : from === 'client' ? 'server' : 'client';
  return [new FtpTlsChannel(ctx), rolesOf(tlsClient === 'client' ? 'server' : 'client')];
}

/** The facts of a TLS data connection at settlement; `ftpServerSide`: its side that is the FTP server. */
export function tlsDataFacts(conn: Connection, tls: FtpTlsChannel, ftpServerSide: Side): TlsDataFacts {
  const facts = tls.finish();
  const ending = tlsEnding(conn, facts, ftpServerSide);
  const clientSide: Side = ftpServerSide === 'server' ? 'client' : 'server';
  const plaintext = tls.readable ? { client: tls.plaintext.client, server: tls.plaintext.server } : null;
  const dataFrom = dataDirection(facts, plaintext);
  // Heuristic: "the server ended the data connection right after its handshake"
  // The handshake completed (both Finished seen), no data went either way, and the server ended
  // its TLS stream (close_notify) or its TCP side before the client did.
  const cn = facts.end.client;
  const sn = facts.end.server;
  const first = (a: number | null, b: number | null) => a !== null && (b === null || a < b);
  const serverFirst = first(sn.closeNotifyFrame, cn.closeNotifyFrame) || (cn.closeNotifyFrame === null && sn.closeNotifyFrame === null && ending.closedBy === 'server');
  const endedAfterHandshake = facts.finished.client !== null && facts.finished.server !== null && dataFrom.dataBytes.client === 0 && dataFrom.dataBytes.server === 0 && serverFirst;
  return {
    ...ending,
    clientBytes: conn[clientSide].bytesSent,
    serverBytes: conn[ftpServerSide].bytesSent,
    connection: facts,
    dataFrom,
    endedAfterHandshake,
    plaintext,
    plaintextMissing: tls.plaintextMissing.client + tls.plaintextMissing.server,
  };
}

/** With a key log: the transfer's byte counts in plaintext (file bytes), sent by FTP role
 *  `sender`; `tcpAcked`: the TCP bytes of the sender the receiver acknowledged. */
export function tlsTransferBytes(tls: FtpTlsChannel, sender: Side, tcpAcked: number): { bytes: number; bytesAcked: number; bytesMissing: number } {
  return { bytes: tls.plaintext[sender], bytesAcked: tls.plaintextAcked(sender, tcpAcked), bytesMissing: tls.plaintextMissing[sender] };
}

/** The session's data protection level when PROT's reply could not be read: a data connection
 *  that carried TLS says P, one that carried cleartext while the control channel was encrypted
 *  says C. The first transfer that shows it decides. */
export function inferProt(s: Session, t: Transfer, conn: Connection): void {
  if (s.tls.protInferred !== null || s.tls.encryptedFromFrame === null) return;
  if (t.tlsData) {
    const tls = ownTls(s); // (encrypted: its own already)
    tls.protInferred = 'P';
    tls.protEvidence = `the data connection of transfer ${t.id} carried TLS (frame ${conn.firstFrame})`;
  } else if (t.dataLooksTls === false) {
    const tls = ownTls(s);
    tls.protInferred = 'C';
    tls.protEvidence = `the data connection of transfer ${t.id} carried cleartext (frame ${conn.firstFrame})`;
  }
}
