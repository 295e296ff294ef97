import { expect } from 'chai';
import { TlsRecordWalker, isTlsRecordHeader, looksLikeFtpLineStart } from '../../src/ftp/tls-records.ts';
import { judgeOutcome, type OutcomeFacts } from '../../src/ftp/data/outcome.ts';
import { ExpectedConnections, endpointKey } from '../../src/ftp/data/expectations.ts';
import { commandCatalog, commandInfo, isTransferVerb, plausibleReply } from '../../src/ftp/commands.ts';

const record = (type: number, body: number): Buffer => Buffer.concat([Buffer.from([type, 3, 3, body >> 8, body & 0xff]), Buffer.alloc(body, 0xaa)]);

describe('ftp/tls-records', () => {
  it('recognises record headers', () => {
    expect(isTlsRecordHeader(record(0x16, 10), 0)).to.equal(true);
    expect(isTlsRecordHeader(Buffer.from('PASV\r\n'), 0)).to.equal(false);
    expect(isTlsRecordHeader(Buffer.from([0x17, 3, 9, 0, 1]), 0)).to.equal(false); // version 3.9
    expect(isTlsRecordHeader(Buffer.from([0x17, 3, 3, 0xff, 0xff]), 0)).to.equal(false); // too long
  });

  it('skips records across any segmentation and finds where cleartext resumes', () => {
    const wire = Buffer.concat([record(0x16, 300), record(0x17, 40), record(0x15, 2), Buffer.from('PASV\r\n')]);
    const clear = wire.length - 6;
    for (let cut = 1; cut < wire.length; cut++) {
      const w = new TlsRecordWalker(false);
      const first = w.feed(wire.subarray(0, cut), 0);
      if (cut <= clear) {
        expect(first, `cut ${cut}`).to.equal(cut);
        const rest = wire.subarray(cut);
        expect(w.feed(rest, 0) + cut, `cut ${cut}`).to.equal(clear);
      } else {
        expect(first, `cut ${cut}`).to.equal(clear);
      }
    }
  });

  it('loses the thread on garbage and after a gap, and picks it up at a segment that starts a record', () => {
    const w = new TlsRecordWalker(true);
    expect(w.feed(Buffer.from([0x99, 0x98, 0x97, 0x96, 0x95, 0x94]), 0)).to.equal(6);
    expect(w.synced).to.equal(false);
    const r = record(0x17, 4);
    expect(w.feed(r, 0)).to.equal(r.length);
    expect(w.synced).to.equal(true);
    w.gap();
    expect(w.feed(Buffer.from('226 Transfer complete\r\n'), 0)).to.equal(0);
  });

  it('tells FTP line starts by direction', () => {
    expect(looksLikeFtpLineStart(Buffer.from('226 ok'), 0, true)).to.equal(true);
    expect(looksLikeFtpLineStart(Buffer.from('PASV'), 0, true)).to.equal(false);
    expect(looksLikeFtpLineStart(Buffer.from('PASV'), 0, false)).to.equal(true);
    expect(looksLikeFtpLineStart(Buffer.from('226 ok'), 0, false)).to.equal(false);
  });
});

describe('ftp/outcome judgeOutcome', () => {
  const base: OutcomeFacts = {
    command: 'RETR',
    finalCode: 226,
    finalValid: true,
    aborted: false,
    hasData: true,
    dataEnded: true,
    dataReset: false,
    bytes: 1000,
    delivered: 1000,
    receiverAckedAll: true,
    expectedBytes: 1000,
  };
  const o = (f: Partial<OutcomeFacts>) => judgeOutcome({ ...base, ...f });

  it('complete: 2xx and consistent bytes, or 2xx with no data connection captured', () => {
    expect(o({})).to.equal('complete');
    expect(o({ hasData: false, bytes: 0, delivered: 0, receiverAckedAll: false })).to.equal('complete');
    expect(o({ expectedBytes: null })).to.equal('complete');
  });
  it('aborted: ABOR, 426, or an error after data flowed', () => {
    expect(o({ aborted: true })).to.equal('aborted');
    expect(o({ finalCode: 426 })).to.equal('aborted');
    expect(o({ finalCode: 451 })).to.equal('aborted');
    expect(o({ finalCode: 552, command: 'STOR' })).to.equal('aborted');
  });
  it('failed: an error reply before any data', () => {
    expect(o({ finalCode: 425, hasData: false, bytes: 0 })).to.equal('failed');
    expect(o({ finalCode: 550, bytes: 0 })).to.equal('failed');
    expect(o({ finalCode: 451, bytes: 0 })).to.equal('failed');
  });
  it('truncated: 2xx yet fewer bytes reached the receiver, or a reset with unacknowledged bytes', () => {
    expect(o({ delivered: 600, bytes: 600 })).to.equal('truncated');
    expect(o({ delivered: 600, receiverAckedAll: false })).to.equal('truncated');
    expect(o({ expectedBytes: null, dataReset: true, receiverAckedAll: false, delivered: 500 })).to.equal('truncated');
    expect(o({ finalCode: null, dataReset: true, receiverAckedAll: false, delivered: 500 })).to.equal('truncated');
  });
  it('not truncated when the capture stopped recording the data connection before its end: unknown while short of the announced size', () => {
    expect(o({ dataEnded: false, delivered: 100, bytes: 100 })).to.equal('unknown');
    expect(o({ dataEnded: false, delivered: 100, bytes: 100, expectedBytes: null })).to.equal('complete');
    expect(o({ dataEnded: false, delivered: 1000, bytes: 1000, expectedBytes: 1000 })).to.equal('complete');
  });
  it('unknown: no final reply, or an odd one', () => {
    expect(o({ finalCode: null })).to.equal('unknown');
    expect(o({ finalCode: 230, finalValid: false })).to.equal('unknown');
    expect(o({ finalCode: 350 })).to.equal('unknown');
  });
  it('command unknown (encrypted control): judged on the data connection alone', () => {
    const u = { command: 'unknown', finalCode: null, expectedBytes: null };
    expect(o(u)).to.equal('complete');
    expect(o({ ...u, dataReset: true, receiverAckedAll: false })).to.equal('truncated');
    expect(o({ ...u, dataEnded: false })).to.equal('unknown');
    expect(o({ ...u, bytes: 0, delivered: 0 })).to.equal('unknown');
  });
});

describe('ftp/expectations ExpectedConnections', () => {
  it('finds an endpoint until it expires; the newest announcement of an endpoint wins', () => {
    const e = new ExpectedConnections<string>(300, 10);
    const k = endpointKey('192.0.2.2', 50000);
    e.add(k, 'a', 100);
    expect(e.find(k, 150)).to.equal('a');
    e.add(k, 'b', 160);
    expect(e.find(k, 170)).to.equal('b');
    expect(e.find(k, 461)).to.equal(null);
    expect(e.size).to.equal(0);
  });
  it('is bounded: the oldest entries go first', () => {
    const e = new ExpectedConnections<number>(300, 3);
    for (let i = 0; i < 5; i++) e.add(endpointKey('h', i), i, 0);
    expect(e.size).to.equal(3);
    expect(e.find(endpointKey('h', 0), 0)).to.equal(null);
    expect(e.find(endpointKey('h', 4), 0)).to.equal(4);
  });
  it('removes only the entry that still maps to the value', () => {
    const e = new ExpectedConnections<string>();
    e.add('k', 'new', 0);
    e.remove('k', 'old');
    expect(e.find('k', 0)).to.equal('new');
    e.remove('k', 'new');
    expect(e.find('k', 0)).to.equal(null);
  });
});

describe('ftp/commands catalog', () => {
  it('holds every RFC 959 command and the later documents’', () => {
    const rfc959 = 'USER PASS ACCT CWD CDUP SMNT REIN QUIT PORT PASV TYPE STRU MODE RETR STOR STOU APPE ALLO REST RNFR RNTO ABOR DELE RMD MKD PWD LIST NLST SITE SYST STAT HELP NOOP'.split(' ');
    for (const v of rfc959) expect(commandInfo(v)?.rfc, v).to.equal('RFC 959');
    for (const v of ['AUTH', 'ADAT', 'PROT', 'PBSZ', 'CCC', 'MIC', 'CONF', 'ENC']) expect(commandInfo(v)?.rfc, v).to.equal('RFC 2228');
    for (const v of ['FEAT', 'OPTS']) expect(commandInfo(v)?.rfc).to.equal('RFC 2389');
    for (const v of ['EPRT', 'EPSV']) expect(commandInfo(v)?.rfc).to.equal('RFC 2428');
    for (const v of ['MDTM', 'SIZE', 'MLST', 'MLSD']) expect(commandInfo(v)?.rfc).to.equal('RFC 3659');
    expect(commandInfo('HOST')?.rfc).to.equal('RFC 7151');
    for (const v of ['XCWD', 'XCUP', 'XMKD', 'XPWD', 'XRMD', 'LPRT', 'LPSV', 'CLNT', 'LANG']) expect(commandCatalog.has(v), v).to.equal(true);
    expect(commandInfo('RETR')).to.deep.include({ arg: 'required', category: 'transfer', standard: true });
    expect(commandInfo('EHLO')).to.equal(undefined);
  });
  it('knows the transfer verbs and the replies commands may get', () => {
    expect(['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD'].every(isTransferVerb)).to.equal(true);
    expect(isTransferVerb('SIZE')).to.equal(false);
    expect(plausibleReply('PASV', 227)).to.equal(true);
    expect(plausibleReply('CWD', 227)).to.equal(false);
    expect(plausibleReply('CWD', 550)).to.equal(true);
    expect(plausibleReply('SITE', 200)).to.equal(true);
  });
});
