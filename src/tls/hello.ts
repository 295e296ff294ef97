// ClientHello and ServerHello (RFC 8446 §4.1.2–4.1.3, RFC 5246 §7.4.1), and the SSLv2-framed
// ClientHello (RFC 5246 §E.2). Each parser reads one whole handshake message body (after the
// 4-byte type+length header) and returns a fact, or throws TlsDecodeError (the caller records a
// 'malformed-handshake' anomaly).
//
//   ClientHello: 03 03 <random 32> <session_id<0..32>> <cipher_suites<2..2^16-2>>
//                <compression<1..2^8-1>> <extensions<8..2^16-1>>

import { hash } from 'node:crypto';
import { isGrease } from './cipher-suites.ts';
import { Cursor, TlsDecodeError } from './cursor.ts';
import { Ext, HELLO_RETRY_RANDOM } from './names.ts';
import { MAX_LIST, type ClientHelloFact, type ServerHelloFact } from './types.ts';

function pushBounded(list: number[], v: number): boolean {
  if (list.length >= MAX_LIST) return false;
  list.push(v);
  return true;
}

/** A ClientHello with only its fixed fields read: every extension-derived field holds what an
 *  absent extension means. Both hello framings start from it. */
function newClientHello(frame: number, time: number, recordVersion: number, legacyVersion: number, sessionId: Buffer, random: Buffer, sslv2: boolean): ClientHelloFact {
  return {
    frame,
    time,
    recordVersion,
    legacyVersion,
    versions: [],
    cipherSuites: [],
    cipherSuitesDropped: 0,
    sni: null,
    alpn: [],
    sessionId: sessionId.toString('hex'),
    ticket: 'absent',
    ticketLength: 0,
    ticketDigest: '',
    pskIdentities: 0,
    pskModes: [],
    earlyData: false,
    extendedMasterSecret: false,
    encryptThenMac: false,
    renegotiationInfo: false,
    extensions: [],
    sslv2,
    random: random.toString('hex'),
  };
}

/** One offered cipher suite: TLS_EMPTY_RENEGOTIATION_INFO_SCSV noted, the list kept bounded. */
function offerSuite(f: ClientHelloFact, s: number): void {
  if (s === 0x00ff) f.renegotiationInfo = true;
  if (!pushBounded(f.cipherSuites, s)) f.cipherSuitesDropped++;
}

export function parseClientHello(body: Buffer, frame: number, time: number, recordVersion: number): ClientHelloFact {
  const c = new Cursor(body);
  const legacyVersion = c.u16('client_version');
  const random = c.bytes(32, 'random');
  const sessionId = c.vec(1, 'session_id');
  const suites = c.sub(2, 'cipher_suites');
  const f = newClientHello(frame, time, recordVersion, legacyVersion, sessionId, random, false);
  while (suites.left >= 2) {
    const s = suites.u16();
    if (!isGrease(s)) offerSuite(f, s);
  }
  c.vec(1, 'compression_methods');
  if (c.left > 0) readExtensions(c.sub(2, 'extensions'), (type, e) => clientExtension(f, type, e));
  if (f.versions.length === 0) f.versions.push(legacyVersion);
  return f;
}

function clientExtension(f: ClientHelloFact, type: number, e: Cursor): void {
  if (!isGrease(type)) pushBounded(f.extensions, type);
  switch (type) {
    case Ext.serverName: {
      // server_name_list<1..2^16-1> of { name_type(1) host_name<1..2^16-1> }
      const list = e.sub(2, 'server_name_list');
      while (list.left > 0) {
        const kind = list.u8();
        const name = list.vec(2, 'host_name');
        if (kind === 0 && f.sni === null) f.sni = name.toString('latin1');
      }
      break;
    }
    case Ext.alpn: {
      const list = e.sub(2, 'protocol_name_list');
      while (list.left > 0 && f.alpn.length < MAX_LIST) f.alpn.push(list.vec(1, 'protocol_name').toString('latin1'));
      break;
    }
    case Ext.supportedVersions: {
      const list = e.sub(1, 'supported_versions');
      while (list.left >= 2) {
        const v = list.u16();
        if (!isGrease(v)) pushBounded(f.versions, v);
      }
      break;
    }
    case Ext.sessionTicket:
      f.ticketLength = e.left;
      f.ticket = e.left > 0 ? 'present' : 'empty';
      if (e.left > 0) f.ticketDigest = ticketDigest(e.bytes(e.left));
      break;
    case Ext.preSharedKey: {
      // identities<7..2^16-1> of { identity<1..2^16-1> obfuscated_ticket_age(4) }, then binders
      const ids = e.sub(2, 'identities');
      while (ids.left > 0) {
        ids.vec(2, 'identity');
        ids.u32('obfuscated_ticket_age');
        f.pskIdentities++;
      }
      break;
    }
    case Ext.pskKeyExchangeModes: {
      const modes = e.vec(1, 'ke_modes');
      for (const m of modes) pushBounded(f.pskModes, m);
      break;
    }
    case Ext.earlyData:
      f.earlyData = true;
      break;
    case Ext.extendedMasterSecret:
      f.extendedMasterSecret = true;
      break;
    case Ext.encryptThenMac:
      f.encryptThenMac = true;
      break;
    case Ext.renegotiationInfo:
      f.renegotiationInfo = true;
      break;
  }
}

export function parseServerHello(body: Buffer, frame: number, time: number): ServerHelloFact {
  const c = new Cursor(body);
  const legacyVersion = c.u16('server_version');
  const random = c.bytes(32, 'random');
  const sessionId = c.vec(1, 'session_id');
  const cipherSuite = c.u16('cipher_suite');
  c.u8('compression_method');
  const f: ServerHelloFact = {
    frame,
    time,
    legacyVersion,
    version: legacyVersion,
    cipherSuite,
    sessionId: sessionId.toString('hex'),
    helloRetryRequest: random.equals(HELLO_RETRY_RANDOM),
    alpn: null,
    extendedMasterSecret: false,
    encryptThenMac: false,
    ticketExtension: false,
    pskSelected: null,
    extensions: [],
    random: random.toString('hex'),
  };
  if (c.left > 0) readExtensions(c.sub(2, 'extensions'), (type, e) => serverExtension(f, type, e));
  return f;
}

function serverExtension(f: ServerHelloFact, type: number, e: Cursor): void {
  pushBounded(f.extensions, type);
  switch (type) {
    case Ext.supportedVersions:
      f.version = e.u16('selected_version');
      break;
    case Ext.alpn: {
      const list = e.sub(2, 'protocol_name_list');
      if (list.left > 0) f.alpn = list.vec(1, 'protocol_name').toString('latin1');
      break;
    }
    case Ext.sessionTicket:
      f.ticketExtension = true;
      break;
    case Ext.preSharedKey:
      f.pskSelected = e.u16('selected_identity');
      break;
    case Ext.extendedMasterSecret:
      f.extendedMasterSecret = true;
      break;
    case Ext.encryptThenMac:
      f.encryptThenMac = true;
      break;
  }
}

/** Calls `each` with a cursor over every extension's data. */
function readExtensions(list: Cursor, each: (type: number, data: Cursor) => void): void {
  while (list.left > 0) {
    const type = list.u16('extension_type');
    const data = list.sub(2, 'extension_data');
    each(type, data);
  }
}

/** SSLv2 CLIENT-HELLO after its 2-byte header and msg_type (RFC 5246 §E.2):
 *  version(2) cipher_spec_length(2) session_id_length(2) challenge_length(2) cipher_specs
 *  session_id challenge. `body` starts at version. */
export function parseSslv2ClientHello(version: number, body: Buffer, frame: number, time: number): ClientHelloFact {
  const c = new Cursor(body);
  const specLen = c.u16('cipher_spec_length');
  const sidLen = c.u16('session_id_length');
  const chLen = c.u16('challenge_length');
  if (specLen % 3 !== 0 || chLen < 16 || chLen > 32) throw new TlsDecodeError('SSLv2 hello: bad lengths');
  const specs = c.bytes(specLen, 'cipher_specs');
  const sid = c.bytes(sidLen, 'session_id');
  const challenge = c.bytes(chLen, 'challenge');
  // the client random is the challenge right-aligned in 32 bytes (RFC 5246 §E.2)
  const random = Buffer.alloc(32);
  challenge.copy(random, 32 - chLen);
  const f = newClientHello(frame, time, 0x0002, version, sid, random, true);
  f.versions.push(version);
  for (let i = 0; i < specs.length; i += 3) {
    if (specs[i] !== 0) continue; // an SSLv2-only kind
    offerSuite(f, (specs[i + 1]! << 8) | specs[i + 2]!);
  }
  return f;
}

/** A short name for a session ticket (RFC 5077): the first 16 hex digits of its SHA-256. The same
 *  digest in a NewSessionTicket and a later ClientHello says which session a client resumed. */
export function ticketDigest(ticket: Buffer): string {
  return hash('sha256', ticket, 'hex').slice(0, 16);
}

/** TLS ≤ 1.2 NewSessionTicket (RFC 5077 §3.3): lifetime_hint(4) ticket<0..2^16-1>. */
export function parseNewSessionTicket12(body: Buffer): string {
  const c = new Cursor(body);
  c.u32('ticket_lifetime_hint');
  return ticketDigest(c.vec(2, 'ticket'));
}
