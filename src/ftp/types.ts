// The FTP stage's contract with diagnosis and reports: sessions, commands, replies, transfers.
// Everything here is plain data (JSON-ready); the analyzer that fills it lives beside this file.

import type { Side } from '../tcp/types.ts';
import type { TlsFacts } from '../tls/types.ts';

export interface FtpReply {
  code: number; //            three digits; 0 when the line had no valid code (then `valid` is false)
  text: string; //            text after the code; lines of a multi-line reply joined with '\n'
  lines: number; //           1 for a single-line reply
  valid: boolean; //          code is 100..599 and the grammar held (RFC 959 §4.2)
  firstFrame: number; //      frame of the first line
  frame: number; //           frame of the last line (where the reply is complete)
  time: number;
  // --- added by the FTP stage ---
  overlong: boolean; //       a line was longer than the line cap: its text was cut (Session.overlongLines)
  incomplete: boolean; //     a multi-line reply whose last line never came (gap, end of capture)
}

export interface FtpCommand {
  index: number; //           0-based position in the session
  verb: string; //            upper-cased as the server treats it (USER, RETR, …); '' for a blank line
  arg: string; //             raw argument (PASS arguments are redacted at output, not here)
  frame: number;
  time: number;
  known: boolean; //          a verb of RFC 959/2228/2389/2428/3659/7151, an X-command, LPRT/LPSV
  preliminary: FtpReply[]; // 1xx replies, in order
  reply: FtpReply | null; //  final reply (2xx–5xx); null while unanswered
  telnetInterrupt: boolean; // preceded by Telnet IAC IP / IAC DM (the urgent ABOR sequence)
  // --- added by the FTP stage ---
  lastFrame: number; //       frame holding the line's end (differs from `frame` when the line was split)
  overlong: boolean; //       the line was longer than the line cap: `arg` was cut
  unanswered: boolean; //     settled without a final reply (control closed or capture ended first)
  unsupported: boolean; //    its final reply says the server does not support it (commands.ts saysNotSupported)
  // --- recorded when the server acts on it: once every command before it is answered (a
  // pipelined RETR after a CWD is placed in the directory the CWD's reply made), as Zeek's
  // ftp_reply handling does ---
  cwd: string | null; //      working directory it was acted on in; null when unknown
  path: string | null; //     the path it names, resolved against `cwd` (RETR's file, DELE's, MKD's from its
  //                          257, CDUP's parent, a listing's operand); null when it names none or cannot be placed
  login: number | null; //    Session.logins index of the login in force (its own for USER/PASS/ACCT); null before any
  /** The data endpoint it announced (PORT/EPRT/LPRT, parsed when sent) or its reply announced
   *  (227/228/229 to PASV/LPSV/EPSV, parsed when answered); null for any other command or a
   *  line that does not parse. */
  announcement: DataEndpointAnnouncement | null;
}

/** One login attempt: USER, then PASS and ACCT while the server asks for them (331/332). */
export interface LoginRecord {
  user: string | null; //     USER argument as sent; for an attempt without USER, the one in force (null: none seen)
  password: string | null; // PASS argument as sent (or the one in force); redacted at output unless asked
  commands: number[]; //      FtpCommand.index of its commands, in order
}

/** 'unknown': a data connection of a session whose control channel was encrypted (AUTH TLS)
 *  at the time, linked by hosts and timing: the command that opened it could not be read. */
export type TransferCommand = 'RETR' | 'STOR' | 'STOU' | 'APPE' | 'LIST' | 'NLST' | 'MLSD' | 'unknown';
export type TransferOutcome = 'complete' | 'aborted' | 'failed' | 'truncated' | 'unknown';

/** Where a data connection was announced: PORT/EPRT/LPRT (active) or 227/229/228 (passive). */
export interface DataEndpointAnnouncement {
  mode: 'active' | 'passive';
  command: string; //         PORT, EPRT, LPRT, PASV, EPSV, LPSV
  addr: string | null; //     announced address (null for EPSV: the control connection's peer)
  port: number;
  frame: number; //           frame of the command (active) or reply (passive) that announced it
  controlPeerAddr: string; // the address the control connection uses for that side
  mismatch: boolean; //       addr differs from controlPeerAddr (NAT, misconfigured pasv_address)
  // --- added by the FTP stage ---
  family: 4 | 6; //           address family the announcement speaks of
}

/** The FTP roles of a data connection's two endpoints (Connection.client / Connection.server). */
export interface DataSides {
  ftpClient: Side;
  ftpServer: Side;
  sender: Side | null; //   null: the direction is unknown (an unreadable command over TLS)
  receiver: Side | null;
  counted: Side; //         the endpoint whose bytes Transfer.bytes counts: the sender's, else the FTP server's
}

/** How the data connection was closed, in FTP roles (see Transfer.dataClose). */
export interface DataClose {
  by: Side | null; //                FTP role of the side that closed first ('server' = the FTP server)
  byRole: 'sender' | 'receiver' | null; // the same side, seen as the data's sender or receiver
  kind: 'fin' | 'rst' | null;
  frame: number | null;
}

export interface Transfer {
  id: number; //              0-based across the capture
  session: number | null; //  Session.id; null for a data connection whose control connection is not in the capture
  command: TransferCommand;
  argument: string;
  path: string | null; //     argument resolved against the working directory, when known
  direction: 'download' | 'upload' | 'listing' | 'unknown'; // 'unknown' only for command 'unknown' with no data
  commandFrame: number;
  mode: 'active' | 'passive' | null;
  announcement: DataEndpointAnnouncement | null;
  dataConnection: number | null; //  Connection.id of the data connection, null if none was seen
  dataSetupFrames: number[]; //      SYN attempts toward the announced endpoint (for 425 diagnosis)
  sender: Side | null; //            who sends the data on the data connection ('server' for downloads)
  bytes: number; //                  payload bytes the sender put on the data connection
  bytesAcked: number; //             of those, acknowledged by the receiver
  bytesMissing: number; //           bytes absent from the capture (gaps), not necessarily lost
  announcedBytes: number | null; //  from 150 "(N bytes)" or a preceding 213 SIZE
  restOffset: number; //             REST before the command, 0 if none
  type: string; //                   TYPE in force (A, I, …)
  startTime: number;
  endTime: number;
  duration: number; //               seconds, data connection open to close (or command to reply)
  rate: number | null; //            bytes per second on the data connection
  replyCodes: number[]; //           every code in order, preliminary and final
  preliminaryReply: FtpReply | null;
  finalReply: FtpReply | null;
  aborted: boolean; //               ABOR sent while it ran
  tlsProtected: boolean; //          PROT P in force: data bytes are TLS records
  outcome: TransferOutcome;
  // --- added by the FTP stage ---
  commandIndex: number | null; //    FtpCommand.index of the command; null for command 'unknown'
  linkedBy: 'announcement' | 'timing' | null; // how dataConnection was found: the announced endpoint,
  //                                  or (no usable announcement / encrypted control) hosts + timing
  dataCandidates: number[]; //       every Connection.id that went to the announced endpoint (retries), ≤ 50
  /** Which endpoint (client/server of that Connection) of the data connection is the FTP client,
   *  the FTP server, the sender and the receiver of the data; null without a data connection.
   *  sender and receiver are null when the direction is unknown (an unreadable command over TLS). */
  dataSides: DataSides | null;
  dataClose: DataClose; //           how the data connection ended; all null without one
  receiverAckedAll: boolean; //      the receiver acknowledged every byte the sender sent (false without data connection)
  expectedBytes: number | null; //   announcedBytes minus restOffset (what should cross the data connection)
  announcedFrom: '150' | '213' | null; // where announcedBytes came from
  dataLooksTls: boolean | null; //   the first data bytes were a TLS record; null if no data was seen
  /** How to read `bytes`/`bytesAcked`: 'counted' (file bytes on a data connection in the
   *  capture), 'not-captured' (a data connection was used but is not in the capture: unknown, not
   *  0), 'not-opened' (refused before any data connection: none to count), 'encrypted' (TLS record
   *  bytes, not file bytes). Set when the transfer is settled. */
  bytesStatus: 'counted' | 'not-captured' | 'not-opened' | 'encrypted';
  /** A data connection no session of the capture claimed, taken for one (lone-data.ts): 'port-20'
   *  (active mode from the FTP data port) or 'one-way' (payload one way only, like a transfer);
   *  null for a transfer of a session. */
  dataEvidence: 'port-20' | 'one-way' | null;
  /** Still running when the capture ended: no final reply, and neither its control connection nor
   *  its data connection (if any) closed, timed out idle or evicted before the end. */
  inProgressAtEnd: boolean;
  /** A data connection carrying TLS (FTPS): TLS bytes each way, how it ended, its handshake and
   *  which way the data went; null otherwise. */
  tlsData: TlsDataFacts | null;
  commandTime: number; //            capture time of the command (of the data connection's SYN for 'unknown')
  transmissionMode: string; //       MODE in force at the command: S (stream), B (block), C (compressed); '' unknown
}

/** How a TLS stream over one connection ended, in FTP roles (tls-channel.ts tlsEnding). */
export interface TlsEnding {
  clientCloseNotify: 'sent' | 'not-sent' | 'unknown'; // its last TLS record was close_notify (unknown: record boundaries lost)
  serverCloseNotify: 'sent' | 'not-sent' | 'unknown';
  closedBy: Side | null; //      FTP role that closed the connection first
  closeKind: 'fin' | 'rst' | null;
  closeFrame: number | null;
  verdict: 'clean' | 'no-close-notify' | 'reset-after-close-notify' | 'reset' | 'open' | 'unknown';
  resetHarmless: boolean; //     its RST came after both TLS streams were over and threw away at most the peer's close_notify
}

/** Which way the data went on a TLS data connection (tls-channel.ts dataDirection). */
export interface TlsDataFrom {
  from: Side | null; //          FTP role that sent the data; null: none, or it cannot be told
  confidence: 'high' | 'medium' | 'low' | null;
  dataBytes: { client: number; server: number }; // application bytes each way the judgement used (plaintext with keys)
  evidence: string; //           one line: what it rests on
}

export interface TlsDataFacts extends TlsEnding {
  clientBytes: number; //        TLS bytes the FTP client sent
  serverBytes: number; //        … the FTP server sent
  connection: TlsFacts; //       the data connection's TLS handshake, alerts, ending, decryption
  dataFrom: TlsDataFrom;
  /** The server ended the connection right after the handshake: no data either way, the server
   *  closed first (close_notify or FIN) — what a server that refuses the TLS session does
   *  (vsftpd require_ssl_reuse), and also what an empty file looks like. */
  endedAfterHandshake: boolean;
  plaintext: { client: number; server: number } | null; // decrypted bytes each way (null: not decrypted)
  plaintextMissing: number; //   bytes of records that did not decrypt, both ways
}

export interface Session {
  id: number; //              0-based in order of the control connection
  control: number; //         Connection.id of the control connection
  client: { addr: string; port: number };
  server: { addr: string; port: number };
  startedMidSession: boolean; // no 220 greeting seen
  greeting: FtpReply | null;
  user: string | null;
  password: string | null; //  as sent; redacted at output unless --show-passwords
  loggedIn: boolean;
  /** What the capture says of the login: 'logged-in' (230), 'failed' (530 to USER/PASS/ACCT, or
   *  to a command before the capture), 'not-logged-in' (seen from its start, no login yet),
   *  'unknown' (began before the capture and no login reply seen since). Set as replies come. */
  loginState: 'logged-in' | 'failed' | 'not-logged-in' | 'unknown';
  type: string; //            TYPE in force at the end
  mode: string; //            MODE (S, B, C)
  stru: string; //            STRU (F, R, P)
  cwd: string | null; //      working directory, from 257/250 replies and CWD/CDUP
  features: string[]; //      FEAT lines
  tls: {
    authFrame: number | null; //      AUTH TLS/SSL answered 234
    encryptedFromFrame: number | null; // first frame after which the control channel is TLS
    pbsz: string | null;
    prot: string | null; //          C, S, E, P
    clearAgainFrame: number | null; //  first frame where cleartext FTP lines resumed after TLS (CCC)
    // --- FTPS (tls-channel.ts) ---
    implicit: boolean; //             TLS from the connection's first byte (implicit FTPS, port 990)
    decrypted: boolean; //            the control channel was read through the key log (--keylog)
    connection: TlsFacts | null; //   the control connection's TLS handshake, alerts, ending (null: no TLS)
    ending: TlsEnding | null; //      how its TLS stream ended (null: no TLS)
    failureReply: FtpReply | null; // a cleartext reply after a failed handshake (vsftpd's "500 OOPS: … unknown ca"): the answer to AUTH
    protInferred: 'P' | 'C' | null; // data protection in force, from PROT's reply or, unreadable, from the data connections (TLS or not)
    protEvidence: string; //          what protInferred rests on ('' when null)
  };
  commands: FtpCommand[];
  logins: LoginRecord[]; //   login attempts in order (FtpCommand.login points here), ≤ MAX_LOGINS kept
  unparsedLines: number; //   lines that were neither a command nor a reply
  transfers: number[]; //     Transfer.ids
  // --- added by the FTP stage ---
  unsolicited: FtpReply[]; // replies with no pending command (besides the greeting), e.g. a 421; ≤ 100 kept
  overlongLines: number; //   control lines longer than the line cap (cut); both directions
  overlongFrames: number[]; // frames where such lines ended, ≤ 20
  gaps: number; //            holes in the control stream (bytes missing from the capture)
  pendingOverflow: number; // commands dropped from the reply-pairing queue (cap reached): left unanswered
  pendingOverflowFrames: number[]; // frames of the commands that pushed one out of the queue, ≤ 20
  commandsDropped: number; // commands parsed but not kept in `commands` (per-session cap reached)
  serverSide: Side; //        which side of the control Connection is the FTP server (differs from
  //                          'server' only when the capture missed the SYN and the engine guessed wrong)
  ended: boolean; //          the control connection was closed out
}

/** What the FTP stage made of a TCP connection: the control connection of a session, the data
 *  connection that carried a transfer, an attempt to reach an FTP server that got nowhere
 *  (attempts.ts), or other traffic (retries toward a data endpoint that did not carry its
 *  transfer included). Final once the connection's unit is released. */
export type ConnectionRole = 'control' | 'data' | 'attempt' | 'other';
