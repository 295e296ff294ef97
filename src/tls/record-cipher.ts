// Decryption of one direction's protected records, with node's crypto. Every outcome is a value:
// a record that does not decrypt returns { ok: false, reason }, never throws.
//
// TLS 1.2 AES-GCM (RFC 5288 §3, RFC 5246 §6.2.3.3):
//   fragment = explicit_nonce(8) ciphertext tag(16);  nonce = salt(4 from the key block) + explicit_nonce
//   additional_data = seq_num(8) + type(1) + version(2) + length(2, of the plaintext)
// TLS 1.2 ChaCha20-Poly1305 (RFC 7905 §2): no explicit nonce; nonce = IV(12) XOR seq_num (left-padded);
//   the same additional_data.
// TLS 1.2 CBC (RFC 5246 §6.2.3.2): fragment = IV(block) E(content + MAC + padding + padding_length),
//   MAC = HMAC(mac_key, seq_num + type + version + length + content). With encrypt-then-MAC
//   (RFC 7366 §3) the MAC follows the ciphertext and covers seq_num + type + version + length +
//   IV + ciphertext, and is checked before decrypting.
// TLS 1.3 (RFC 8446 §5.2–5.3): nonce = IV XOR seq_num; additional_data = the 5-byte record header;
//   the plaintext is content + content type(1) + zero padding.

import { createDecipheriv, createHmac, timingSafeEqual, type CipherGCMTypes } from 'node:crypto';
import type { SuiteParams } from './cipher-suites.ts';
import type { DirectionKeys } from './key-schedule.ts';
import type { DecryptFailureReason } from './types.ts';

export type DecryptResult = { ok: true; type: number; plaintext: Buffer } | { ok: false; reason: DecryptFailureReason };

const fail = (reason: DecryptFailureReason): DecryptResult => ({ ok: false, reason });

export class RecordDecryptor {
  seq = 0; //         sequence number of the next record (RFC 5246 §6.1: per direction, from 0 at each key change)

  constructor(
    readonly suite: SuiteParams,
    private keys: DirectionKeys,
    private readonly encryptThenMac: boolean, // RFC 7366 negotiated (CBC suites only)
  ) {}

  /** New keys (TLS 1.3 handshake → application, KeyUpdate): the sequence number restarts at 0. */
  rekey(keys: DirectionKeys): void {
    this.keys = keys;
    this.seq = 0;
  }

  /** Decrypts the next record; the sequence number advances whatever the outcome (the sender's did). */
  next(type: number, version: number, body: Buffer): DecryptResult {
    const r = this.decryptAt(this.seq, type, version, body);
    this.seq++;
    return r;
  }

  /** Decrypts a record as if it had sequence number `seq` (the caller searching after lost records). */
  decryptAt(seq: number, type: number, version: number, body: Buffer): DecryptResult {
    if (this.suite.tls13) return this.tls13(seq, version, body);
    if (this.suite.aead) return this.aead12(seq, type, version, body);
    return this.cbc12(seq, type, version, body);
  }

  private aead12(seq: number, type: number, version: number, body: Buffer): DecryptResult {
    const s = this.suite;
    const overhead = s.explicitNonceLength + s.tagLength;
    if (body.length < overhead) return fail('bad-length');
    const nonce = s.explicitNonceLength > 0 ? Buffer.concat([this.keys.iv, body.subarray(0, s.explicitNonceLength)]) : xorSeq(this.keys.iv, seq);
    const ct = body.subarray(s.explicitNonceLength, body.length - s.tagLength);
    const tag = body.subarray(body.length - s.tagLength);
    const plaintext = openAead(s, this.keys.key, nonce, pseudoHeader(seq, type, version, ct.length), ct, tag);
    return plaintext ? { ok: true, type, plaintext } : fail('bad-record-mac');
  }

  private tls13(seq: number, version: number, body: Buffer): DecryptResult {
    const s = this.suite;
    if (body.length < s.tagLength + 1) return fail('bad-length');
    const aad = Buffer.of(23, version >> 8, version & 0xff, body.length >> 8, body.length & 0xff);
    const ct = body.subarray(0, body.length - s.tagLength);
    const tag = body.subarray(body.length - s.tagLength);
    const inner = openAead(s, this.keys.key, xorSeq(this.keys.iv, seq), aad, ct, tag);
    if (!inner) return fail('bad-record-mac');
    // TLSInnerPlaintext: content, type, zeros (RFC 8446 §5.2): the last non-zero byte is the type
    let end = inner.length;
    while (end > 0 && inner[end - 1] === 0) end--;
    if (end === 0) return fail('bad-padding');
    return { ok: true, type: inner[end - 1]!, plaintext: inner.subarray(0, end - 1) };
  }

  private cbc12(seq: number, type: number, version: number, body: Buffer): DecryptResult {
    const s = this.suite;
    const bs = s.blockLength;
    const macLen = s.macLength;
    let data = body;
    if (this.encryptThenMac) {
      if (body.length < bs + bs + macLen) return fail('bad-length');
      data = body.subarray(0, body.length - macLen);
      const mac = body.subarray(body.length - macLen);
      const want = createHmac(s.mac!, this.keys.macKey).update(pseudoHeader(seq, type, version, data.length)).update(data).digest();
      if (!timingSafeEqual(mac, want)) return fail('bad-record-mac');
    }
    if (data.length < 2 * bs || data.length % bs !== 0) return fail('bad-length');
    let p: Buffer;
    try {
      const d = createDecipheriv(s.cipher, this.keys.key, data.subarray(0, bs));
      d.setAutoPadding(false);
      p = Buffer.concat([d.update(data.subarray(bs)), d.final()]);
    } catch {
      return fail('bad-length');
    }
    const pad = p[p.length - 1]!;
    const contentEnd = p.length - 1 - pad - (this.encryptThenMac ? 0 : macLen);
    if (contentEnd < 0) return fail('bad-padding');
    for (let i = p.length - 1 - pad; i < p.length - 1; i++) if (p[i] !== pad) return fail('bad-padding');
    const content = p.subarray(0, contentEnd);
    if (!this.encryptThenMac) {
      const mac = p.subarray(contentEnd, contentEnd + macLen);
      const want = createHmac(s.mac!, this.keys.macKey).update(pseudoHeader(seq, type, version, content.length)).update(content).digest();
      if (!timingSafeEqual(mac, want)) return fail('bad-record-mac');
    }
    return { ok: true, type, plaintext: content };
  }
}

/** seq_num(8) + type(1) + version(2) + length(2): TLS 1.2's additional data and MAC prefix. */
function pseudoHeader(seq: number, type: number, version: number, length: number): Buffer {
  const b = Buffer.alloc(13);
  b.writeUInt32BE(Math.floor(seq / 0x100000000), 0);
  b.writeUInt32BE(seq >>> 0, 4);
  b[8] = type;
  b.writeUInt16BE(version, 9);
  b.writeUInt16BE(length, 11);
  return b;
}

/** IV XOR the 64-bit sequence number, left-padded to the IV's length (RFC 8446 §5.3, RFC 7905 §2). */
function xorSeq(iv: Buffer, seq: number): Buffer {
  const n = Buffer.from(iv);
  const hi = Math.floor(seq / 0x100000000);
  const lo = seq >>> 0;
  const L = n.length;
  n.writeUInt32BE((n.readUInt32BE(L - 4) ^ lo) >>> 0, L - 4);
  n.writeUInt32BE((n.readUInt32BE(L - 8) ^ hi) >>> 0, L - 8);
  return n;
}

/** AEAD open: the plaintext, or null when the tag does not verify. */
function openAead(s: SuiteParams, key: Buffer, nonce: Buffer, aad: Buffer, ct: Buffer, tag: Buffer): Buffer | null {
  try {
    const d = createDecipheriv(s.cipher as CipherGCMTypes, key, nonce, { authTagLength: s.tagLength });
    d.setAAD(aad);
    d.setAuthTag(tag);
    return Buffer.concat([d.update(ct), d.final()]);
  } catch {
    return null;
  }
}
