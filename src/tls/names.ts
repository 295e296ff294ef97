// Code points of the TLS protocol (RFC 5246, RFC 8446 and the IANA TLS registries), named once.

/** Record content types (RFC 8446 §5.1, RFC 6520 heartbeat). */
export const ContentType = {
  changeCipherSpec: 20,
  alert: 21,
  handshake: 22,
  applicationData: 23,
  heartbeat: 24,
} as const;

/** Handshake message types (RFC 8446 §4, RFC 5246 §7.4). */
export const HandshakeType = {
  helloRequest: 0,
  clientHello: 1,
  serverHello: 2,
  newSessionTicket: 4,
  endOfEarlyData: 5,
  encryptedExtensions: 8,
  certificate: 11,
  serverKeyExchange: 12,
  certificateRequest: 13,
  serverHelloDone: 14,
  certificateVerify: 15,
  clientKeyExchange: 16,
  finished: 20,
  certificateStatus: 22,
  keyUpdate: 24,
  messageHash: 254,
} as const;

const HANDSHAKE_NAMES = new Map<number, string>(Object.entries(HandshakeType).map(([k, v]) => [v, k.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)]));

/** 'client_hello', 'new_session_ticket', … as the RFCs write them. */
export function handshakeTypeName(t: number): string {
  return HANDSHAKE_NAMES.get(t) ?? `unknown(${t})`;
}

/** Extension types used here (IANA "TLS ExtensionType Values"). */
export const Ext = {
  serverName: 0, //             RFC 6066 §3
  supportedGroups: 10,
  signatureAlgorithms: 13,
  alpn: 16, //                  RFC 7301
  encryptThenMac: 22, //        RFC 7366
  extendedMasterSecret: 23, //  RFC 7627
  sessionTicket: 35, //         RFC 5077
  preSharedKey: 41, //          RFC 8446 §4.2.11
  earlyData: 42,
  supportedVersions: 43,
  pskKeyExchangeModes: 45,
  keyShare: 51,
  renegotiationInfo: 0xff01, // RFC 5746
} as const;

/** Protocol versions on the wire (major, minor): SSL 3.0 = 0x0300 … TLS 1.3 = 0x0304. */
export function versionName(v: number): string {
  switch (v) {
    case 0x0002:
      return 'SSL 2.0';
    case 0x0300:
      return 'SSL 3.0';
    case 0x0301:
      return 'TLS 1.0';
    case 0x0302:
      return 'TLS 1.1';
    case 0x0303:
      return 'TLS 1.2';
    case 0x0304:
      return 'TLS 1.3';
  }
  if ((v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff)) return 'GREASE';
  if (v >> 8 === 0x7f) return `TLS 1.3 draft ${v & 0xff}`;
  return `0x${v.toString(16).padStart(4, '0')}`;
}

/** The ServerHello random of a HelloRetryRequest (RFC 8446 §4.1.3): SHA-256("HelloRetryRequest"). */
export const HELLO_RETRY_RANDOM = Buffer.from('cf21ad74e59a6111be1d8c021e65b891c2a211167abb8c5e079e09e2c8a8339c', 'hex');
