// Certificate messages (RFC 5246 §7.4.2; RFC 8446 §4.4.2) and what each certificate says, read with
// node's crypto.X509Certificate (no ASN.1 parser of our own). A server sends the same chain on every
// connection, and parsing it (with the self-signature check) cost ~10 % of a capture of short FTPS
// sessions: what a certificate says is worked out once per distinct DER and kept in a bounded
// cache keyed by its SHA-256, as Zeek caches certificates by their hash.
//
//   TLS ≤ 1.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>
//   TLS 1.3:   certificate_request_context<0..255>,
//              certificate_list<0..2^24-1> of { cert_data<1..2^24-1>, extensions<0..2^16-1> }

import { hash, X509Certificate } from 'node:crypto';
import { Cursor } from './cursor.ts';
import type { CertificateFact, Side } from './types.ts';

/** The DER certificates of a Certificate message body, at most `max`; `total` counts them all. */
export function certificateList(body: Buffer, tls13: boolean, max: number): { ders: Buffer[]; total: number } {
  const c = new Cursor(body);
  if (tls13) c.vec(1, 'certificate_request_context');
  const list = c.sub(3, 'certificate_list');
  const ders: Buffer[] = [];
  let total = 0;
  while (list.left > 0) {
    const der = list.vec(3, 'cert_data');
    if (tls13) list.vec(2, 'extensions');
    total++;
    if (ders.length < max) ders.push(der);
  }
  return { ders, total };
}

const CURVE_BITS: Record<string, number> = { prime256v1: 256, secp256r1: 256, secp384r1: 384, secp521r1: 521, secp256k1: 256, prime192v1: 192, secp224r1: 224 };

/** What a certificate says, whoever sent it and wherever: the part of a CertificateFact a cache can share. */
export type CertificateContent = Omit<CertificateFact, 'from' | 'frame' | 'index' | 'visible'>;

/** Distinct certificates whose description is kept: a capture with more servers than this only
 *  parses some of their certificates again. The bound is not visible in any output (a cached
 *  description is the one parsing gives), so hitting it is counted here, not reported. */
export const CERTIFICATE_CACHE_SIZE = 1024;

/** Descriptions of certificates by the SHA-256 of their DER, the least recently used dropped
 *  first. The entries are frozen: every connection that sent the certificate shares one. */
export class CertificateCache {
  private readonly entries = new Map<string, Readonly<CertificateContent>>();
  hits = 0;
  misses = 0;
  evicted = 0; // descriptions dropped for the bound

  constructor(readonly capacity = CERTIFICATE_CACHE_SIZE) {}

  get size(): number {
    return this.entries.size;
  }

  content(der: Buffer): Readonly<CertificateContent> {
    const key = hash('sha256', der, 'base64'); // one call: no Hash object per certificate
    const seen = this.entries.get(key);
    if (seen !== undefined) {
      this.hits++;
      // most recently used goes last (Map keeps insertion order)
      this.entries.delete(key);
      this.entries.set(key, seen);
      return seen;
    }
    this.misses++;
    const made = Object.freeze(readCertificate(der));
    if (this.entries.size >= this.capacity) {
      this.entries.delete(this.entries.keys().next().value!);
      this.evicted++;
    }
    this.entries.set(key, made);
    return made;
  }
}

/** The process' cache (each worker thread has its own). */
export const certificateCache = new CertificateCache();

export function describeCertificate(
  der: Buffer,
  from: Side,
  frame: number,
  index: number,
  visible: 'clear' | 'decrypted',
  cache: CertificateCache = certificateCache,
): CertificateFact {
  return { from, frame, index, visible, ...cache.content(der) };
}

/** Parses one DER certificate (the expensive part: X.509 decoding and the self-signature check). */
function readCertificate(der: Buffer): CertificateContent {
  const base: CertificateContent = {
    subject: '',
    issuer: '',
    serialNumber: '',
    validFrom: '',
    validTo: '',
    keyType: '',
    keyBits: 0,
    curve: null,
    selfSigned: false,
    fingerprint256: '',
    altNames: null,
    error: null,
  };
  let x: X509Certificate;
  try {
    x = new X509Certificate(der);
  } catch (e) {
    return { ...base, error: `not a readable X.509 certificate (${(e as Error).message})` };
  }
  base.subject = x.subject.split('\n').join(', ');
  base.issuer = x.issuer.split('\n').join(', ');
  base.serialNumber = x.serialNumber;
  base.validFrom = isoDate(x.validFrom);
  base.validTo = isoDate(x.validTo);
  base.fingerprint256 = x.fingerprint256;
  base.altNames = x.subjectAltName ?? null;
  try {
    const key = x.publicKey;
    base.keyType = key.asymmetricKeyType ?? '';
    const d = key.asymmetricKeyDetails;
    if (d?.modulusLength) base.keyBits = d.modulusLength;
    if (d?.namedCurve) {
      base.curve = d.namedCurve;
      base.keyBits = CURVE_BITS[d.namedCurve] ?? 0;
    }
    if (base.keyType === 'ed25519' || base.keyType === 'x25519') base.keyBits = 256;
    if (base.keyType === 'ed448' || base.keyType === 'x448') base.keyBits = 448;
    base.selfSigned = x.subject === x.issuer && x.checkIssued(x) && x.verify(key);
  } catch (e) {
    base.error = `public key not readable (${(e as Error).message})`;
  }
  return base;
}

/** "Nov 21 13:26:14 2026 GMT" (OpenSSL's form) → ISO 8601; the original when unparsable. */
function isoDate(s: string): string {
  const t = Date.parse(s);
  return Number.isNaN(t) ? s : new Date(t).toISOString();
}
