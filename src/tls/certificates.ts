// Certificate messages (RFC 5246 §7.4.2; RFC 8446 §4.4.2) and what each certificate says, read with
// node's crypto.X509Certificate (no ASN.1 parser of our own).
//
//   TLS ≤ 1.2: certificate_list<0..2^24-1> of ASN.1Cert<1..2^24-1>
//   TLS 1.3:   certificate_request_context<0..255>,
//              certificate_list<0..2^24-1> of { cert_data<1..2^24-1>, extensions<0..2^16-1> }

import { X509Certificate } from 'node:crypto';
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

export function describeCertificate(der: Buffer, from: Side, frame: number, index: number, visible: 'clear' | 'decrypted'): CertificateFact {
  const base: CertificateFact = {
    from,
    frame,
    index,
    visible,
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
