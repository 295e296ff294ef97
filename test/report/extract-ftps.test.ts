// `analyze --extract` on FTPS (issue 29): with --keylog each TLS data connection is decrypted again
// in the second pass and the file is its plaintext, the manifest says so; without keys nothing is
// written for it and the manifest says why (TLS records are no part of the file). Crafted sessions
// with real TLS (node's OpenSSL) on crafted TCP, so the file's bytes are known.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Ftps } from '../field/ftps-support.ts';
import { cleanupExtractions, extract, tempDir, traceFile } from './extract-support.ts';

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
/** The file bytes test/field/ftps-support.ts sends. */
const fileOf = (n: number) => Buffer.alloc(n, 0x46);

function keyLogFile(text: string): string {
  const p = join(tempDir(), 'sslkeys.log');
  writeFileSync(p, text);
  return p;
}

describe('analyze --extract: FTPS data connections', function () {
  this.timeout(60000);
  after(cleanupExtractions);

  for (const version of ['TLSv1.3', 'TLSv1.2'] as const) {
    it(`${version}: with the key log the files are the plaintext (passive download, active upload, lftp's ends), the manifest says decrypted; without, nothing is written and it says why`, async () => {
      const f = await new Ftps({ version }).login();
      await f.transfer('RETR a.bin', { bytes: 40000 });
      await f.transfer('STOR b.bin', { bytes: 5000, active: true });
      await f.transfer('RETR c.bin', { bytes: 3000, end: 'lftp' });
      await f.quit();
      const trace = traceFile(f.t.toPcap(), 'ftps.pcap');
      const keyed = await extract(trace, ['--keylog', keyLogFile(f.keyLogText())]);
      expect(keyed.run.code).to.equal(0);
      expect(keyed.files.map((x) => [x.command, x.argument, x.status, x.bytesWritten, x.sha256])).to.deep.equal([
        ['RETR', 'a.bin', 'whole', 40000, sha256(fileOf(40000))],
        ['STOR', 'b.bin', 'whole', 5000, sha256(fileOf(5000))],
        ['RETR', 'c.bin', 'whole', 3000, sha256(fileOf(3000))],
      ]);
      for (const x of keyed.files) {
        expect(keyed.bytes(x).equals(fileOf(x.bytesWritten))).to.equal(true);
        expect((x as unknown as { tls: unknown }).tls).to.deep.include({ decrypted: true });
        expect(x.notes.join(' ')).to.match(/^decrypted with the key log \(TLS 1\.[23] TLS_/);
      }
      expect(keyed.text).to.include('note: decrypted with the key log');

      const plain = await extract(trace);
      expect(plain.files.map((x) => [x.file, x.status])).to.deep.equal([[null, 'not-written'], [null, 'not-written'], [null, 'not-written']]);
      expect(plain.files[0]!.notWritten).to.include('its data is encrypted (TLS, PROT P): the capture holds records, not the file; with --keylog FILE');
      expect((plain.files[0] as unknown as { tls: unknown }).tls).to.deep.equal({ decrypted: false, suite: null });
      f.destroy();
    });
  }

  it('TLS 1.2: a data connection that resumed the session, with no key log line of its own (GnuTLS logs none), is decrypted with the master secret the analysis learnt', async () => {
    const f = await new Ftps({ version: 'TLSv1.2' }).login();
    await f.transfer('RETR a.bin', { bytes: 12345 });
    await f.quit();
    // only the control connection's CLIENT_RANDOM line
    const x = await extract(traceFile(f.t.toPcap(), 'ftps.pcap'), ['--keylog', keyLogFile(f.ctl.keylogText())]);
    expect(x.files.map((y) => [y.status, y.sha256])).to.deep.equal([['whole', sha256(fileOf(12345))]]);
    f.destroy();
  });

  it('a record that fails to decrypt leaves a hole, said as not decrypted', async () => {
    const f = await new Ftps({ version: 'TLSv1.3' }).login();
    await f.transfer('RETR a.bin', { bytes: 30000, corrupt: true });
    await f.quit();
    const x = await extract(traceFile(f.t.toPcap(), 'ftps.pcap'), ['--keylog', keyLogFile(f.keyLogText())]);
    const [file] = x.files;
    expect(file!.file).to.be.a('string');
    expect(file!.holes.map((h) => h.reason)).to.deep.equal(['not-decrypted']);
    // the rest is the file's bytes, in their place
    const bytes = x.bytes(file!);
    const [hole] = file!.holes;
    expect(bytes.subarray(hole!.to).equals(fileOf(bytes.length - hole!.to))).to.equal(true);
    expect(bytes.subarray(0, hole!.from).equals(fileOf(hole!.from))).to.equal(true);
    f.destroy();
  });
});
