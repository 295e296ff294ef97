// The TLS stage's contract: the facts one TLS connection yields, as plain data (JSON-ready, no
// Buffers, no key material). Frames are the capture's 1-based frame numbers; `from` is the TCP
// side that sent the thing. Strings that come from the wire (SNI, ALPN, certificate names) are
// raw: a renderer must escape them.

import type { Side } from '../tcp/types.ts';

export type { Side };

/** What a ClientHello offered. Lists keep the wire order; GREASE values (RFC 8701) are dropped. */
export interface ClientHelloFact {
  frame: number;
  time: number;
  recordVersion: number; //      version in the record header that carried it
  legacyVersion: number; //      client_version (0x0303 for TLS 1.2 and 1.3 clients)
  versions: number[]; //         supported_versions when present (RFC 8446 §4.2.1), else [legacyVersion]
  cipherSuites: number[]; //     offered, at most MAX_LIST
  cipherSuitesDropped: number; // offered beyond MAX_LIST
  sni: string | null; //         server_name host_name (RFC 6066 §3), raw
  alpn: string[]; //             protocols offered (RFC 7301), raw
  sessionId: string; //          legacy_session_id, hex ('' = none offered)
  ticket: 'absent' | 'empty' | 'present'; // session_ticket extension (RFC 5077): present = a ticket offered for resumption
  ticketLength: number;
  ticketDigest: string; //       sha256 of the offered ticket, first 16 hex digits ('' none): matches a NewSessionTicket's
  pskIdentities: number; //      TLS 1.3 pre_shared_key identities offered (0 = none)
  pskModes: number[]; //         psk_key_exchange_modes
  earlyData: boolean; //         early_data (0-RTT) offered
  extendedMasterSecret: boolean; // RFC 7627
  encryptThenMac: boolean; //    RFC 7366
  renegotiationInfo: boolean; // RFC 5746 (extension or the SCSV)
  extensions: number[]; //       extension types in order, at most MAX_LIST
  sslv2: boolean; //             framed as an SSLv2-compatible hello (RFC 5246 §E.2)
  random: string; //             client random, hex (what the key log is keyed by)
}

/** What a ServerHello chose. */
export interface ServerHelloFact {
  frame: number;
  time: number;
  legacyVersion: number;
  version: number; //            chosen: supported_versions when present, else legacyVersion
  cipherSuite: number;
  sessionId: string; //          hex; in TLS 1.3 an echo of the client's (middlebox compatibility), no meaning
  helloRetryRequest: boolean; // RFC 8446 §4.1.4: the server asks for another ClientHello
  alpn: string | null;
  extendedMasterSecret: boolean;
  encryptThenMac: boolean;
  ticketExtension: boolean; //   empty session_ticket extension: the server will send a NewSessionTicket
  pskSelected: number | null; // TLS 1.3 pre_shared_key: index of the identity the server accepted
  extensions: number[];
  random: string; //             hex
}

/** How resumption went. TLS ≤ 1.2: by session ID (the server echoes a non-empty ID the client
 *  offered) or ticket (RFC 5077: abbreviated handshake after a ticket was offered); TLS 1.3: a
 *  pre_shared_key the server selected (RFC 8446 §4.2.11). */
export interface ResumptionFact {
  offered: Array<'session-id' | 'ticket' | 'psk'>;
  accepted: boolean | null; //   null: the handshake did not get far enough to say
  how: 'session-id' | 'ticket' | 'psk' | null;
  evidence: string; //           one line: what the decision rests on
}

export interface CertificateFact {
  from: Side; //                 who sent it (the server, or a client certificate)
  frame: number;
  index: number; //              position in the chain (0 = the sender's own)
  visible: 'clear' | 'decrypted'; // TLS ≤ 1.2 sends certificates in the clear, TLS 1.3 encrypted
  subject: string; //            RFC 4514-like, one attribute per line joined with ', '; raw
  issuer: string;
  serialNumber: string;
  validFrom: string; //          ISO 8601
  validTo: string;
  keyType: string; //            'rsa', 'ec', 'ed25519', …
  keyBits: number; //            RSA modulus bits, EC curve bits; 0 unknown
  curve: string | null;
  selfSigned: boolean; //        subject = issuer and its own key verifies it
  fingerprint256: string;
  altNames: string | null; //    subjectAltName as node prints it; raw
  error: string | null; //       the DER could not be read (the other fields are then empty)
}

export interface AlertFact {
  from: Side;
  frame: number;
  time: number;
  visible: 'clear' | 'decrypted' | 'encrypted'; // encrypted: a TLS ≤ 1.2 alert record seen without keys
  level: number; //              1 warning, 2 fatal; -1 unknown (encrypted)
  levelName: 'warning' | 'fatal' | 'unknown';
  description: number; //        -1 unknown (encrypted)
  name: string; //               'close_notify', 'unknown_ca', … ('encrypted' when unknown)
  meaning: string;
}

/** How one side's part of the TLS connection ended. */
export interface SideEndFact {
  closeNotifyFrame: number | null; // its close_notify alert
  closeNotify: 'clear' | 'decrypted' | 'probable' | null; // probable: an encrypted alert record (TLS ≤ 1.2) or a TLS 1.3 record of an alert's size, last before its FIN
  closeNotifyKnowable: boolean; //   false where an alert could hide in undecrypted TLS 1.3 records
  fatalAlertFrame: number | null; // a fatal alert it sent
  finFrame: number | null; //        its TCP FIN
  rstFrame: number | null; //        its TCP RST
  lastRecordFrame: number | null;
  lastRecordLength: number; //       body length of its last record
  ending: SideEnding; //             the summary of the above
}

/** close-notify: a close_notify came before the FIN/RST; probable-close-notify: see SideEndFact;
 *  fin-without-close-notify / rst-without-close-notify: it closed TCP with no close_notify;
 *  fin-unknown / rst-unknown: closed, but a close_notify could have been hidden (TLS 1.3, no keys);
 *  open: neither FIN nor RST seen. */
export type SideEnding = 'close-notify' | 'probable-close-notify' | 'fin-without-close-notify' | 'rst-without-close-notify' | 'fin-unknown' | 'rst-unknown' | 'open';

export interface DecryptFailure {
  from: Side;
  frame: number;
  reason: DecryptFailureReason;
}

/** Why one record was not decrypted (each is a typed result, never a thrown error). */
export type DecryptFailureReason =
  | 'bad-record-mac' //        the AEAD tag or the HMAC did not verify: wrong key, or damaged bytes
  | 'bad-padding' //           CBC padding malformed (wrong key)
  | 'bad-length' //            the record is too short for the suite's nonce, tag or block
  | 'incomplete-record' //     bytes of the record are missing from the capture
  | 'early-data' //            TLS 1.3 0-RTT data (the early traffic secret is not used here)
  | 'lost-sync'; //            the record sequence number is unknown after lost record boundaries

/** Why a connection as a whole is not decrypted. */
export type DecryptionState =
  | 'no-key-log' //            no key log was given
  | 'no-keys-for-connection' // the key log has no (or not all) lines for this client random, and no earlier session of the capture gave the master secret of the session it resumes
  | 'unsupported-version' //   SSL 3.0, TLS 1.0/1.1 (RFC 8996): not decrypted here
  | 'unsupported-cipher-suite' // a suite whose cipher this tool does not implement (CCM, CAMELLIA, …), or NULL
  | 'no-handshake' //          the hellos were not seen (capture began mid-connection)
  | 'decrypting' //            keys in hand, records decrypted
  | 'failing'; //              keys in hand but records fail (wrong key log entry)

export interface DecryptionFact {
  state: DecryptionState;
  reason: string | null; //    one line saying why, for a report (never a key)
  missingLabels: string[]; //  key log labels needed and absent
  records: { client: number; server: number }; // records decrypted
  failures: DecryptFailure[]; // first MAX_FAILURES failures
  failureCount: number;
}

export interface TlsFacts {
  clientHello: ClientHelloFact | null;
  serverHello: ServerHelloFact | null; // the last ServerHello (after a HelloRetryRequest: the real one)
  helloRetry: boolean;
  version: number | null; //   negotiated
  cipherSuite: number | null;
  resumption: ResumptionFact;
  certificates: CertificateFact[]; // at most MAX_CERTIFICATES
  certificatesDropped: number;
  alerts: AlertFact[]; //       at most MAX_ALERTS
  alertsDropped: number;
  changeCipherSpec: { client: number | null; server: number | null }; // frame of each side's first
  newSessionTickets: { count: number; firstFrame: number | null; visible: 'clear' | 'decrypted' | null; digests: string[] }; // digests: TLS ≤ 1.2 tickets issued (first 4)
  finished: { client: number | null; server: number | null }; // frame of each side's Finished (clear-text TLS ≤ 1.2 or decrypted; else the first encrypted handshake record after CCS)
  keyUpdates: { client: number; server: number }; // TLS 1.3 KeyUpdate messages (decrypted)
  records: { client: number; server: number };
  applicationData: { client: RecordBytes; server: RecordBytes }; // application_data records after the handshake
  plaintext: { client: number; server: number }; // plaintext application bytes decrypted
  end: { client: SideEndFact; server: SideEndFact };
  decryption: DecryptionFact;
  anomalies: TlsAnomaly[]; //   at most MAX_ANOMALIES
}

export interface RecordBytes {
  records: number;
  bytes: number; //            ciphertext bytes (record bodies)
  /** Plaintext bytes they carry when the suite's overhead is fixed (TLS 1.2 AEAD: exact; TLS 1.3
   *  without padding: exact for OpenSSL/GnuTLS peers, an upper bound in general); -1 unknown
   *  (CBC padding varies, or the suite is not known). */
  plaintextEstimate: number;
  sizes: number[]; //          body lengths of the first 4 records (a TLS 1.3 server's session tickets look alike)
}

export interface TlsAnomaly {
  kind: 'lost-sync' | 'resynced' | 'malformed-handshake' | 'handshake-too-large' | 'unexpected-record' | 'bytes-missing' | 'not-tls';
  from: Side;
  frame: number;
  detail: string;
}

export const MAX_LIST = 128;
export const MAX_CERTIFICATES = 10;
export const MAX_ALERTS = 16;
export const MAX_FAILURES = 16;
export const MAX_ANOMALIES = 16;
