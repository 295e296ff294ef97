// The certificate cache (src/tls/certificates.ts): a certificate sent again by the same server on
// another connection is described from the cache, with the very description parsing it gives,
// and the cache keeps at most its capacity of distinct certificates, least recently used out first.

import { expect } from 'chai';
import { X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CertificateCache, describeCertificate } from '../../src/tls/certificates.ts';
import { ticketDigest } from '../../src/tls/hello.ts';

const pem = readFileSync(fileURLToPath(new URL('../support/tls-fixture/server.crt', import.meta.url)), 'utf8');
const der = new X509Certificate(pem).raw;

describe('src/tls certificate cache', () => {
  it('describes a certificate seen again from the cache, as parsing it again would', () => {
    const cache = new CertificateCache();
    const first = describeCertificate(der, 'server', 7, 0, 'clear', cache);
    // the same bytes in another buffer (another connection's segment)
    const again = describeCertificate(Buffer.from(der), 'client', 90, 1, 'decrypted', cache);
    expect(cache.misses).to.equal(1);
    expect(cache.hits).to.equal(1);
    expect(again).to.deep.equal({ ...first, from: 'client', frame: 90, index: 1, visible: 'decrypted' });
    // a fresh parse agrees field for field, in the same order (the JSON report's key order)
    const fresh = describeCertificate(der, 'server', 7, 0, 'clear', new CertificateCache());
    expect(JSON.stringify(first)).to.equal(JSON.stringify(fresh));
    expect(first.subject).to.not.equal('');
    expect(first.fingerprint256).to.equal(new X509Certificate(der).fingerprint256);
  });

  it('caches what an unreadable certificate gives too, and never lets a caller change a shared entry', () => {
    const cache = new CertificateCache();
    const junk = Buffer.from('30030201ff', 'hex');
    const a = describeCertificate(junk, 'server', 1, 0, 'clear', cache);
    a.subject = 'changed by a caller';
    const b = describeCertificate(junk, 'server', 2, 0, 'clear', cache);
    expect(b.error).to.match(/^not a readable X\.509 certificate/);
    expect(b.subject).to.equal('');
    expect(cache.hits).to.equal(1);
  });

  it('holds at most its capacity of certificates, dropping the least recently used', () => {
    const cache = new CertificateCache(2);
    const ders = [der, Buffer.from('3000', 'hex'), Buffer.from('3001ff', 'hex')];
    cache.content(ders[0]!);
    cache.content(ders[1]!);
    cache.content(ders[0]!); // ders[0] is now the most recently used
    cache.content(ders[2]!); // drops ders[1]
    expect(cache.size).to.equal(2);
    expect(cache.evicted).to.equal(1);
    const misses = cache.misses;
    cache.content(ders[0]!);
    expect(cache.misses, 'the recently used one stayed').to.equal(misses);
    cache.content(ders[1]!);
    expect(cache.misses, 'the least recently used one was dropped').to.equal(misses + 1);
    expect(cache.size).to.equal(2);
  });
});

describe('src/tls digests', () => {
  it("a session ticket's digest is the first 16 hex digits of its SHA-256 (FIPS 180-2's 'abc' example)", () => {
    expect(ticketDigest(Buffer.from('abc'))).to.equal('ba7816bf8f01cfea');
    expect(ticketDigest(Buffer.alloc(0))).to.equal('e3b0c44298fc1c14');
  });

  it('tells certificates apart by their bytes, not by their length or buffer', () => {
    const cache = new CertificateCache();
    const twin = Buffer.from(der);
    twin[twin.length - 1]! ^= 1; // same length, last byte differs
    cache.content(der);
    cache.content(twin);
    cache.content(Buffer.from(der));
    expect([cache.misses, cache.hits, cache.size]).to.deep.equal([2, 1, 2]);
  });
});
