// Record keys from key log secrets, with node's crypto.
//
// TLS 1.2 (RFC 5246 §5, §6.3): the PRF is P_hash, HMAC-chained over the seed,
//
//   P_hash(secret, seed) = HMAC(secret, A(1) + seed) + HMAC(secret, A(2) + seed) + …
//   A(0) = seed, A(i) = HMAC(secret, A(i-1));  PRF(secret, label, seed) = P_hash(secret, label + seed)
//
// and the key block is PRF(master_secret, "key expansion", server_random + client_random), cut into
// client MAC key, server MAC key, client key, server key, client IV, server IV. The key log's
// CLIENT_RANDOM line gives the master secret itself, so the extended master secret (RFC 7627),
// which only changes how the master secret is made from the premaster secret (a hash of the
// handshake instead of the randoms), changes nothing here.
//
// TLS 1.3 (RFC 8446 §7.1, §7.3): a traffic secret gives the record key and IV through
//
//   HKDF-Expand-Label(Secret, Label, Context, Length) = HKDF-Expand(Secret, HkdfLabel, Length)
//   HkdfLabel = uint16 length, opaque label<7..255> = "tls13 " + Label, opaque context<0..255>
//   key = HKDF-Expand-Label(secret, "key", "", key_length);  iv = HKDF-Expand-Label(secret, "iv", "", 12)
//
// and a KeyUpdate moves to HKDF-Expand-Label(secret, "traffic upd", "", Hash.length) (§7.2).

import { createHmac } from 'node:crypto';
import type { HashName, SuiteParams } from './cipher-suites.ts';

export function hashLength(h: HashName): number {
  return h === 'sha384' ? 48 : h === 'sha256' ? 32 : h === 'sha1' ? 20 : 16;
}

export function tls12Prf(hash: HashName, secret: Buffer, label: string, seed: Buffer, length: number): Buffer {
  const fullSeed = Buffer.concat([Buffer.from(label, 'latin1'), seed]);
  const out = Buffer.alloc(length);
  let a = fullSeed;
  let filled = 0;
  while (filled < length) {
    a = createHmac(hash, secret).update(a).digest();
    const block = createHmac(hash, secret).update(a).update(fullSeed).digest();
    filled += block.copy(out, filled);
  }
  return out;
}

/** One direction's record keys. */
export interface DirectionKeys {
  macKey: Buffer; //  CBC's HMAC key (empty for AEAD)
  key: Buffer;
  iv: Buffer; //      fixed IV: GCM salt (4), ChaCha/TLS 1.3 IV (12); empty for CBC
}

export function tls12Keys(suite: SuiteParams, masterSecret: Buffer, clientRandom: Buffer, serverRandom: Buffer): { client: DirectionKeys; server: DirectionKeys } {
  const m = suite.macLength;
  const k = suite.keyLength;
  const v = suite.fixedIvLength;
  const block = tls12Prf(suite.prfHash, masterSecret, 'key expansion', Buffer.concat([serverRandom, clientRandom]), 2 * (m + k + v));
  let at = 0;
  const take = (n: number) => block.subarray(at, (at += n));
  const clientMac = take(m);
  const serverMac = take(m);
  const clientKey = take(k);
  const serverKey = take(k);
  const clientIv = take(v);
  const serverIv = take(v);
  return { client: { macKey: clientMac, key: clientKey, iv: clientIv }, server: { macKey: serverMac, key: serverKey, iv: serverIv } };
}

/** HKDF-Expand (RFC 5869 §2.3): T(i) = HMAC(PRK, T(i-1) | info | i). */
export function hkdfExpand(hash: HashName, prk: Buffer, info: Buffer, length: number): Buffer {
  const out = Buffer.alloc(length);
  let t = Buffer.alloc(0);
  let filled = 0;
  for (let i = 1; filled < length; i++) {
    t = createHmac(hash, prk).update(t).update(info).update(Buffer.of(i)).digest();
    filled += t.copy(out, filled);
  }
  return out;
}

export function hkdfExpandLabel(hash: HashName, secret: Buffer, label: string, context: Buffer, length: number): Buffer {
  const full = Buffer.from(`tls13 ${label}`, 'latin1');
  const info = Buffer.concat([Buffer.of(length >> 8, length & 0xff, full.length), full, Buffer.of(context.length), context]);
  return hkdfExpand(hash, secret, info, length);
}

export function tls13Keys(suite: SuiteParams, trafficSecret: Buffer): DirectionKeys {
  return {
    macKey: Buffer.alloc(0),
    key: hkdfExpandLabel(suite.prfHash, trafficSecret, 'key', Buffer.alloc(0), suite.keyLength),
    iv: hkdfExpandLabel(suite.prfHash, trafficSecret, 'iv', Buffer.alloc(0), 12),
  };
}

/** The next application traffic secret after a KeyUpdate (RFC 8446 §7.2). */
export function nextTrafficSecret(suite: SuiteParams, secret: Buffer): Buffer {
  return hkdfExpandLabel(suite.prfHash, secret, 'traffic upd', Buffer.alloc(0), hashLength(suite.prfHash));
}
