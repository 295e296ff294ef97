// Alert descriptions (RFC 8446 §6, RFC 5246 §7.2, IANA "TLS Alerts"), each with what it usually
// means when it shows up in an FTPS capture. Level 1 = warning, 2 = fatal (RFC 8446 §6: in
// TLS 1.3 every alert but close_notify and user_canceled is fatal whatever its level says).

export interface AlertInfo {
  name: string; //     as the RFC writes it
  meaning: string; //  plain words for a report
}

export const ALERTS: ReadonlyMap<number, AlertInfo> = new Map<number, AlertInfo>([
  [0, { name: 'close_notify', meaning: 'the sender is closing the TLS connection cleanly and will send nothing more' }],
  [10, { name: 'unexpected_message', meaning: 'the sender received a message it did not expect at that point of the protocol' }],
  [20, { name: 'bad_record_mac', meaning: 'a record failed its integrity check: keys disagree, or the data was altered in transit' }],
  [21, { name: 'decryption_failed_RESERVED', meaning: 'a record could not be decrypted (obsolete code, TLS 1.0)' }],
  [22, { name: 'record_overflow', meaning: 'a record was longer than the protocol allows' }],
  [30, { name: 'decompression_failure_RESERVED', meaning: 'a record could not be decompressed (obsolete)' }],
  [40, { name: 'handshake_failure', meaning: 'no acceptable set of security parameters: no common version, cipher suite or group' }],
  [41, { name: 'no_certificate_RESERVED', meaning: 'the client has no certificate to send (SSL 3.0 only)' }],
  [42, { name: 'bad_certificate', meaning: 'the peer certificate is corrupt or its signature does not verify' }],
  [43, { name: 'unsupported_certificate', meaning: 'the peer certificate is of a type the sender does not support' }],
  [44, { name: 'certificate_revoked', meaning: 'the peer certificate was revoked by its signer' }],
  [45, { name: 'certificate_expired', meaning: 'the peer certificate has expired or is not yet valid' }],
  [46, { name: 'certificate_unknown', meaning: 'the peer certificate was rejected for another reason (often a name mismatch or an untrusted issuer)' }],
  [47, { name: 'illegal_parameter', meaning: 'a handshake field was out of range or inconsistent' }],
  [48, { name: 'unknown_ca', meaning: 'the peer certificate chain does not lead to a trusted CA (a self-signed or private-CA certificate the client does not trust)' }],
  [49, { name: 'access_denied', meaning: 'the certificate was valid but access control refused the handshake' }],
  [50, { name: 'decode_error', meaning: 'a message could not be decoded (malformed or a field out of range)' }],
  [51, { name: 'decrypt_error', meaning: 'a handshake cryptographic operation failed (signature or Finished check)' }],
  [60, { name: 'export_restriction_RESERVED', meaning: 'export restriction (obsolete)' }],
  [70, { name: 'protocol_version', meaning: 'the peer offered a protocol version the sender will not speak' }],
  [71, { name: 'insufficient_security', meaning: 'the peer offered only cipher suites weaker than the sender requires' }],
  [80, { name: 'internal_error', meaning: 'an error in the sender unrelated to the peer or the protocol' }],
  [86, { name: 'inappropriate_fallback', meaning: 'a client retried with a lower version than it supports (RFC 7507 downgrade protection)' }],
  [90, { name: 'user_canceled', meaning: 'the sender is cancelling the handshake for a reason unrelated to the protocol' }],
  [100, { name: 'no_renegotiation_RESERVED', meaning: 'the sender refuses to renegotiate' }],
  [109, { name: 'missing_extension', meaning: 'a required extension was absent' }],
  [110, { name: 'unsupported_extension', meaning: 'an extension appeared where it is not allowed' }],
  [111, { name: 'certificate_unobtainable_RESERVED', meaning: 'a certificate could not be fetched from a URL (obsolete)' }],
  [112, { name: 'unrecognized_name', meaning: 'the server has no host for the name the client asked for (SNI)' }],
  [113, { name: 'bad_certificate_status_response', meaning: 'an invalid or unacceptable OCSP response was given' }],
  [114, { name: 'bad_certificate_hash_value_RESERVED', meaning: 'a certificate hash did not match (obsolete)' }],
  [115, { name: 'unknown_psk_identity', meaning: 'the server does not know the pre-shared key identity the client offered' }],
  [116, { name: 'certificate_required', meaning: 'the server requires a client certificate and none was sent' }],
  [120, { name: 'no_application_protocol', meaning: 'no common application protocol (ALPN)' }],
]);

export function alertName(description: number): string {
  return ALERTS.get(description)?.name ?? `unknown(${description})`;
}

export function alertMeaning(description: number): string {
  return ALERTS.get(description)?.meaning ?? 'an alert code this tool does not know';
}

export function alertLevelName(level: number): 'warning' | 'fatal' | 'unknown' {
  return level === 1 ? 'warning' : level === 2 ? 'fatal' : 'unknown';
}
