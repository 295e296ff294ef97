// Unit tests of src/tls: the record reader with input split at every offset and with gaps, the
// key log reader's refusals and redaction, and decryption failures as typed results (wrong key,
// truncated record, missing key line, a suite that is not decrypted), on a real recording.

import { expect } from 'chai';
import { createCipheriv, randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { fileURLToPath } from 'node:url';
import { readFileSync } from 'node:fs';
import { cipherSuiteName, isGrease, suiteParams, type SuiteParams } from '../../src/tls/cipher-suites.ts';
import { KeyLogError, parseKeyLog } from '../../src/tls/keylog.ts';
import { tls13Keys, tls12Prf } from '../../src/tls/key-schedule.ts';
import { RecordDecryptor } from '../../src/tls/record-cipher.ts';
import { SSLV2_CLIENT_HELLO, TlsRecordReader, type TlsRecord } from '../../src/tls/record-reader.ts';
import { tlsRuns } from './support.ts';

const captures = fileURLToPath(new URL('../../captures/', import.meta.url));

function rec(type: number, body: Buffer): Buffer {
  return Buffer.concat([Buffer.of(type, 3, 3, body.length >> 8, body.length & 0xff), body]);
}
const fill = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff));

type Seen = Pick<TlsRecord, 'type' | 'offset' | 'length' | 'missing'> & { body: string };
function reader(fromClient = true): { r: TlsRecordReader; seen: Seen[] } {
  const seen: Seen[] = [];
  const r = new TlsRecordReader((x) => seen.push({ type: x.type, offset: x.offset, length: x.length, missing: x.missing, body: x.body.toString('hex') }), fromClient);
  return { r, seen };
}

describe('src/tls record reader', () => {
  const stream = Buffer.concat([rec(22, fill(300, 1)), rec(20, Buffer.of(1)), rec(23, fill(5000, 2)), rec(21, Buffer.of(1, 0)), rec(23, fill(1, 3))]);
  const whole = reader();
  whole.r.feed(stream, 0, 1, 0);

  it('reads several records from one segment', () => {
    expect(whole.seen.map((s) => [s.type, s.length, s.offset])).to.deep.equal([
      [22, 300, 0],
      [20, 1, 305],
      [23, 5000, 311],
      [21, 2, 5316],
      [23, 1, 5323],
    ]);
  });

  it('gives the same records whatever the split: two segments at every offset, and byte by byte', () => {
    for (let cut = 1; cut < stream.length; cut++) {
      const x = reader();
      x.r.feed(stream.subarray(0, cut), 0, 1, 0);
      x.r.feed(stream.subarray(cut), cut, 2, 0);
      expect(x.seen, `cut at ${cut}`).to.deep.equal(whole.seen);
    }
    const y = reader();
    for (let i = 0; i < stream.length; i++) y.r.feed(stream.subarray(i, i + 1), i, i + 1, 0);
    expect(y.seen).to.deep.equal(whole.seen);
  });

  it('keeps the record boundaries across a gap inside a record body', () => {
    const x = reader();
    x.r.feed(stream.subarray(0, 400), 0, 1, 0);
    x.r.gap(400, 1000, 2); // inside the 5000-byte application data record (311..5316)
    x.r.feed(stream.subarray(1400), 1400, 3, 0);
    expect(x.seen.map((s) => [s.type, s.missing])).to.deep.equal([
      [22, 0],
      [20, 0],
      [23, 1000],
      [21, 0],
      [23, 0],
    ]);
    expect(x.r.synced).to.equal(true);
  });

  it('loses the thread when a gap hides a header, and picks it up at a segment that starts with one', () => {
    const x = reader();
    x.r.feed(stream.subarray(0, 305), 0, 1, 0);
    x.r.gap(305, 15, 2); // the CCS record, the next header and 9 bytes of its body
    x.r.feed(stream.subarray(320, 2000), 320, 3, 0); // inside a body: skipped
    expect(x.r.synced).to.equal(false);
    x.r.feed(stream.subarray(5316), 5316, 4, 0); // starts with the alert's header
    expect(x.r.resyncs).to.equal(1);
    expect(x.seen.map((s) => s.type)).to.deep.equal([22, 21, 23]);
    expect(x.r.problem).to.equal('gap-in-header');
  });

  it('refuses a header that is not TLS or too long, without throwing', () => {
    const x = reader(false);
    x.r.feed(Buffer.from('220 ftp ready\r\n'), 0, 1, 0);
    expect([x.r.synced, x.r.problem, x.seen.length]).to.deep.equal([false, 'bad-header', 0]);
    const y = reader();
    y.r.feed(Buffer.of(23, 3, 3, 0xff, 0xff, 0), 0, 1, 0);
    expect([y.r.synced, y.r.problem]).to.deep.equal([false, 'record-too-long']);
  });

  it('recognises an SSLv2-compatible ClientHello (RFC 5246 §E.2) and reads its offer', async () => {
    // msg_type 1, version 3.1, 2 cipher specs (one TLS suite 0x002f, one SSLv2-only), no session ID, 16-byte challenge
    const body = Buffer.concat([Buffer.of(0, 6, 0, 0, 0, 16), Buffer.of(0, 0, 0x2f, 1, 0, 0x80), fill(16, 9)]);
    const msg = Buffer.concat([Buffer.of(1, 3, 1), body]);
    const wire = Buffer.concat([Buffer.of(0x80 | (msg.length >> 8), msg.length & 0xff), msg]);
    const x = reader();
    x.r.feed(wire, 0, 1, 0);
    expect(x.seen.map((s) => [s.type, s.length])).to.deep.equal([[SSLV2_CLIENT_HELLO, body.length]]);
    const { TlsConnection } = await import('../../src/tls/connection.ts');
    const c = new TlsConnection();
    c.feed('client', wire, 0, 1, 0);
    const ch = c.finish().clientHello!;
    expect([ch.sslv2, ch.legacyVersion, ch.cipherSuites, ch.random.slice(0, 32)]).to.deep.equal([true, 0x0301, [0x2f], '0'.repeat(32)]);
  });
});

describe('src/tls names and key schedule', () => {
  it('names suites from the IANA table, GREASE by rule, and reads decryption parameters from the name', () => {
    expect(cipherSuiteName(0xc02f)).to.equal('TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256');
    expect(cipherSuiteName(0x1303)).to.equal('TLS_CHACHA20_POLY1305_SHA256');
    expect([isGrease(0x3a3a), cipherSuiteName(0x3a3a), cipherSuiteName(0x0047)]).to.deep.equal([true, 'GREASE', 'unassigned (0x0047)']);
    const cbc = suiteParams(0xc028) as SuiteParams; // ECDHE_RSA_WITH_AES_256_CBC_SHA384
    expect([cbc.cipher, cbc.mac, cbc.macLength, cbc.prfHash]).to.deep.equal(['aes-256-cbc', 'sha384', 48, 'sha384']);
    expect([suiteParams(0xc09c), suiteParams(0x0002), suiteParams(0x1304)]).to.deep.equal(['unsupported-cipher', 'null-cipher', 'unsupported-cipher']);
  });

  it('TLS 1.2 PRF (SHA-256) gives the published test vector', () => {
    // the widely used P_SHA256 vector (IETF TLS WG mailing list, 2009): secret, "test label", seed
    const out = tls12Prf('sha256', Buffer.from('9bbe436ba940f017b17652849a71db35', 'hex'), 'test label', Buffer.from('a0ba9f936cda311827a6f796ffd5198c', 'hex'), 16);
    expect(out.toString('hex')).to.equal('e3f229ba727be17b8d122620557cd453');
  });
});

describe('src/tls key log reader', () => {
  const random = 'ab'.repeat(32);
  const secret = 'cd'.repeat(48);

  it('reads CLIENT_RANDOM and TLS 1.3 lines, skips comments, counts lines it does not understand', () => {
    const log = parseKeyLog(`# comment\r\nCLIENT_RANDOM ${random} ${secret}\nSERVER_TRAFFIC_SECRET_0 ${random} ${'ee'.repeat(32)}\nEXPORTER_SECRET ${random} ${'ee'.repeat(32)}\ngarbage here\n`, 'k');
    expect([log.lines, log.unusedLines, log.badLines, log.firstBadLine, log.size]).to.deep.equal([2, 1, 1, 5, 1]);
    expect(log.get(random)?.masterSecret?.toString('hex')).to.equal(secret);
  });

  it('never shows a secret (JSON, inspect, summary)', () => {
    const log = parseKeyLog(`CLIENT_RANDOM ${random} ${secret}\n`, 'k');
    for (const text of [JSON.stringify(log), inspect(log, { depth: 5 }), log.summary()]) expect(text).to.not.contain('cdcd');
  });

  it('refuses a file that is not a key log with one line', () => {
    const bad = (data: string | Buffer) => {
      try {
        parseKeyLog(data, 'x.keylog');
      } catch (e) {
        expect(e).to.be.instanceOf(KeyLogError);
        expect((e as Error).message).to.not.contain('\n');
        return (e as Error).message;
      }
      throw new Error('accepted');
    };
    expect(bad('')).to.match(/^x\.keylog: no key lines/);
    expect(bad('hello world\n')).to.match(/line 1 is not/);
    expect(bad(Buffer.of(0x43, 0, 1))).to.match(/byte 1 is NUL/);
    expect(bad(`CLIENT_RANDOM ${random} abcd\n`)).to.match(/no key lines/); // a master secret is 48 bytes
  });
});

describe('src/tls decryption failures are typed results', () => {
  const suite = suiteParams(0xc02f) as SuiteParams; // AES-128-GCM
  const keys = { macKey: Buffer.alloc(0), key: randomBytes(16), iv: randomBytes(4) };
  function gcmRecord(seq: number, plain: Buffer): Buffer {
    const explicit = randomBytes(8);
    const c = createCipheriv('aes-128-gcm', keys.key, Buffer.concat([keys.iv, explicit]));
    const aad = Buffer.alloc(13);
    aad.writeUInt32BE(seq, 4);
    aad[8] = 23;
    aad.writeUInt16BE(0x0303, 9);
    aad.writeUInt16BE(plain.length, 11);
    c.setAAD(aad);
    const ct = Buffer.concat([c.update(plain), c.final()]);
    return Buffer.concat([explicit, ct, c.getAuthTag()]);
  }

  it('decrypts, then reports a wrong key, a damaged and a truncated record without throwing', () => {
    const d = new RecordDecryptor(suite, keys, false);
    expect(d.next(23, 0x0303, gcmRecord(0, Buffer.from('PASV\r\n')))).to.deep.include({ ok: true, type: 23 });
    const damaged = gcmRecord(1, Buffer.from('LIST\r\n'));
    damaged[10]! ^= 1;
    expect(d.next(23, 0x0303, damaged)).to.deep.equal({ ok: false, reason: 'bad-record-mac' });
    expect(d.next(23, 0x0303, Buffer.alloc(10))).to.deep.equal({ ok: false, reason: 'bad-length' });
    const other = new RecordDecryptor(suite, { ...keys, key: randomBytes(16) }, false);
    expect(other.next(23, 0x0303, gcmRecord(0, Buffer.from('x')))).to.deep.equal({ ok: false, reason: 'bad-record-mac' });
    const t13 = new RecordDecryptor(suiteParams(0x1301) as SuiteParams, tls13Keys(suiteParams(0x1301) as SuiteParams, randomBytes(32)), false);
    expect(t13.next(23, 0x0303, randomBytes(40))).to.deep.equal({ ok: false, reason: 'bad-record-mac' });
  });

  const name = 'vsftpd-ftps-curl-tls12-suites';
  const text = readFileSync(`${captures}${name}.keylog`, 'utf8');

  it('a key log with wrong secrets: every record fails, the connection is "failing", nothing thrown', async () => {
    const wrong = text.replace(/^(CLIENT_RANDOM \S+ )(\S+)$/gm, (_, a: string, s: string) => a + 'f'.repeat(s.length));
    const runs = await tlsRuns(`${captures}${name}.pcap`, parseKeyLog(wrong, 'wrong'));
    const states = new Set(runs.map((r) => r.facts.decryption.state));
    expect([...states]).to.deep.equal(['failing']);
    expect(runs.every((r) => r.facts.decryption.failures.every((f) => f.reason === 'bad-record-mac' || f.reason === 'bad-padding'))).to.equal(true);
    expect(runs.reduce((n, r) => n + r.plaintext.client.length + r.plaintext.server.length, 0)).to.equal(0);
    expect(runs.some((r) => r.gaps.length > 0)).to.equal(true); // undecrypted application data is a gap of known length
  });

  it('a key log without the line of a connection: "no-keys-for-connection" naming the label', async () => {
    const first = /^CLIENT_RANDOM (\S+)/m.exec(text)![1]!;
    const without = text
      .split('\n')
      .filter((l) => !l.includes(first))
      .join('\n');
    const runs = await tlsRuns(`${captures}${name}.pcap`, parseKeyLog(without, 'partial'));
    const r = runs.find((x) => x.facts.clientHello?.random === first.toLowerCase())!;
    expect(r.facts.decryption.state).to.equal('no-keys-for-connection');
    expect(r.facts.decryption.missingLabels).to.deep.equal(['CLIENT_RANDOM']);
  });

  it('a suite it does not decrypt: "unsupported-cipher-suite" with the IANA name', async () => {
    const { TlsConnection } = await import('../../src/tls/connection.ts');
    // a TLS 1.2 ClientHello and a ServerHello choosing TLS_RSA_WITH_AES_128_CCM (0xc09c)
    const hello = (type: number, body: Buffer) => rec(22, Buffer.concat([Buffer.of(type, 0, body.length >> 8, body.length & 0xff), body]));
    const ch = Buffer.concat([Buffer.of(3, 3), Buffer.alloc(32, 1), Buffer.of(0), Buffer.of(0, 2, 0xc0, 0x9c), Buffer.of(1, 0)]);
    const sh = Buffer.concat([Buffer.of(3, 3), Buffer.alloc(32, 2), Buffer.of(0), Buffer.of(0xc0, 0x9c), Buffer.of(0)]);
    const c = new TlsConnection({ keyLog: parseKeyLog(`CLIENT_RANDOM ${'01'.repeat(32)} ${'cd'.repeat(48)}\n`, 'k') });
    c.feed('client', hello(1, ch), 0, 1, 0);
    c.feed('server', hello(2, sh), 0, 2, 0);
    const f = c.finish();
    expect([f.version, f.cipherSuite, f.decryption.state]).to.deep.equal([0x0303, 0xc09c, 'unsupported-cipher-suite']);
    expect(f.decryption.reason).to.contain('TLS_RSA_WITH_AES_128_CCM');
  });
});
