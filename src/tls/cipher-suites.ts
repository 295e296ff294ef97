// Cipher suites: the IANA name of a code, and what decrypting records of a suite takes. The
// parameters are read from the IANA name itself, which spells them out:
//
//   TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256   (TLS ≤ 1.2: key exchange _WITH_ cipher _ MAC or PRF hash)
//   TLS_AES_256_GCM_SHA384                  (TLS 1.3, RFC 8446 §B.4: AEAD _ HKDF hash)
//
// so a suite this module can decrypt is one whose name it can read; every other suite gets a name
// and a reason why it cannot be decrypted.

import { CIPHER_SUITE_NAMES } from './cipher-suite-table.ts';

const NAMES = new Map<number, string>(CIPHER_SUITE_NAMES);

/** RFC 8701 GREASE: 0x?A?A with both bytes equal. Clients add them to be sure servers ignore
 *  unknown values; they are never chosen. */
export function isGrease(v: number): boolean {
  return (v & 0x0f0f) === 0x0a0a && v >> 8 === (v & 0xff);
}

/** IANA name of a cipher suite; 'GREASE' for RFC 8701 values; 'unassigned (0x1234)' otherwise. */
export function cipherSuiteName(code: number): string {
  const n = NAMES.get(code);
  if (n !== undefined) return n;
  if (isGrease(code)) return 'GREASE';
  return `unassigned (0x${code.toString(16).padStart(4, '0')})`;
}

export type BulkCipher = 'aes-128-gcm' | 'aes-256-gcm' | 'chacha20-poly1305' | 'aes-128-cbc' | 'aes-256-cbc' | 'des-ede3-cbc';
export type HashName = 'sha1' | 'sha256' | 'sha384' | 'md5';

/** What record protection a suite uses, enough to derive keys and decrypt. */
export interface SuiteParams {
  code: number;
  name: string;
  tls13: boolean; //          a TLS 1.3 suite (HKDF key schedule, RFC 8446 §7)
  cipher: BulkCipher;
  aead: boolean; //           GCM or ChaCha20-Poly1305; false: CBC with an HMAC
  keyLength: number; //       bytes of the write key
  fixedIvLength: number; //   bytes of the write IV from the key block: 4 (GCM salt, RFC 5288), 12 (ChaCha, RFC 7905; TLS 1.3), 0 (CBC: the IV travels in each record)
  explicitNonceLength: number; // bytes of nonce in each record: 8 for TLS 1.2 GCM, 0 otherwise
  blockLength: number; //     CBC block size, 0 for AEAD
  tagLength: number; //       AEAD tag bytes, 0 for CBC
  mac: HashName | null; //    CBC's HMAC hash
  macLength: number; //       bytes of that HMAC (and of its key)
  prfHash: HashName; //       TLS 1.2 PRF hash (RFC 5246 §5: SHA-256 unless the suite says SHA-384); TLS 1.3 HKDF hash
}

/** Why a suite's records cannot be decrypted here (null: they can). */
export type SuiteProblem = 'unknown-suite' | 'null-cipher' | 'unsupported-cipher';

const CIPHERS: Record<string, { cipher: BulkCipher; key: number; aead: boolean; block: number }> = {
  AES_128_GCM: { cipher: 'aes-128-gcm', key: 16, aead: true, block: 0 },
  AES_256_GCM: { cipher: 'aes-256-gcm', key: 32, aead: true, block: 0 },
  CHACHA20_POLY1305: { cipher: 'chacha20-poly1305', key: 32, aead: true, block: 0 },
  AES_128_CBC: { cipher: 'aes-128-cbc', key: 16, aead: false, block: 16 },
  AES_256_CBC: { cipher: 'aes-256-cbc', key: 32, aead: false, block: 16 },
  '3DES_EDE_CBC': { cipher: 'des-ede3-cbc', key: 24, aead: false, block: 8 },
};
const HASHES: Record<string, { hash: HashName; length: number }> = {
  SHA: { hash: 'sha1', length: 20 },
  SHA256: { hash: 'sha256', length: 32 },
  SHA384: { hash: 'sha384', length: 48 },
  MD5: { hash: 'md5', length: 16 },
};

const params = new Map<number, SuiteParams | SuiteProblem>();

/** Decryption parameters of a suite, or why there are none. */
export function suiteParams(code: number): SuiteParams | SuiteProblem {
  let p = params.get(code);
  if (p === undefined) {
    p = readName(code);
    params.set(code, p);
  }
  return p;
}

function readName(code: number): SuiteParams | SuiteProblem {
  const name = NAMES.get(code);
  if (name === undefined) return 'unknown-suite';
  const with_ = name.indexOf('_WITH_');
  if (with_ < 0) {
    // TLS 1.3: TLS_<AEAD>_<HASH>
    const m = /^TLS_(AES_128_GCM|AES_256_GCM|CHACHA20_POLY1305)_(SHA256|SHA384)$/.exec(name);
    if (!m) return name.startsWith('TLS_AES_') || name.startsWith('TLS_SHA') ? 'unsupported-cipher' : 'unknown-suite';
    const c = CIPHERS[m[1]!]!;
    const h = HASHES[m[2]!]!;
    return { code, name, tls13: true, cipher: c.cipher, aead: true, keyLength: c.key, fixedIvLength: 12, explicitNonceLength: 0, blockLength: 0, tagLength: 16, mac: null, macLength: 0, prfHash: h.hash };
  }
  const rest = name.slice(with_ + 6); // e.g. AES_128_GCM_SHA256
  if (rest.startsWith('NULL_')) return 'null-cipher';
  const cut = rest.lastIndexOf('_');
  const cipherPart = rest.slice(0, cut);
  const hashPart = rest.slice(cut + 1);
  const c = CIPHERS[cipherPart];
  const h = HASHES[hashPart];
  if (!c || !h) return 'unsupported-cipher';
  const prfHash: HashName = h.hash === 'sha384' ? 'sha384' : 'sha256';
  if (c.aead) {
    const chacha = c.cipher === 'chacha20-poly1305';
    return { code, name, tls13: false, cipher: c.cipher, aead: true, keyLength: c.key, fixedIvLength: chacha ? 12 : 4, explicitNonceLength: chacha ? 0 : 8, blockLength: 0, tagLength: 16, mac: null, macLength: 0, prfHash };
  }
  return { code, name, tls13: false, cipher: c.cipher, aead: false, keyLength: c.key, fixedIvLength: 0, explicitNonceLength: 0, blockLength: c.block, tagLength: 0, mac: h.hash, macLength: h.length, prfHash };
}
