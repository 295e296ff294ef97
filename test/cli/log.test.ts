import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { cli } from '../support/cli.ts';

const captures = fileURLToPath(new URL('../../captures/', import.meta.url));


describe('cli: ftpdiag log', function () {
  this.timeout(20_000);

  it('prints the table by default: one line per operation, no colour codes when not on a terminal', async () => {
    const r = await cli(['log', captures + 'vsftpd-wrong-password-530-sll.pcap']);
    expect(r.code).to.equal(0);
    expect(r.err).to.equal('');
    expect(r.out).to.not.include('\x1b');
    const truth = JSON.parse(readFileSync(captures + 'vsftpd-wrong-password-530-sll.truth.json', 'utf8'));
    const attempts = truth.sessions[0].dialog.filter((d: { command: string | null }) => d.command?.startsWith('USER')).length;
    const rows = r.out.split('\n').filter((l) => /\blogin\b/.test(l));
    expect(rows).to.have.length(attempts);
    for (const row of rows) expect(row).to.match(/530\s+Login incorrect\..*failed\s+login-failed$/);
    expect(r.out).to.not.include('REDACTED'); // the table has no password column at all
  });

  it('colours the table with --color, never with NO_COLOR', async () => {
    const trace = captures + 'vsftpd-upload-rst.pcap';
    expect((await cli(['log', '--color', trace])).out).to.include('\x1b[');
    expect((await cli(['log', '--color', trace], { env: { NO_COLOR: '1' } })).out).to.not.include('\x1b');
  });

  it('--format xferlog: the transfers as vsftpd would log them', async () => {
    const r = await cli(['log', '--format', 'xferlog', captures + 'vsftpd-passive-clean.pcap']);
    expect(r.code).to.equal(0);
    const lines = r.out.trim().split('\n');
    expect(lines).to.have.length(3); // RETR, STOR, APPE (listings are not in xferlog)
    expect(lines[0]).to.match(/^\w{3} \w{3} [ \d]\d \d\d:\d\d:\d\d \d{4} \d+ 127\.0\.0\.1 65536 \/report\.bin b _ o a anonymous ftp 0 \* c$/);
  });

  it('--format xferlog --show-passwords: anonymous lines carry the e-mail given as password, as wu-ftpd/vsftpd log it', async () => {
    const truth = JSON.parse(readFileSync(captures + 'vsftpd-passive-clean.truth.json', 'utf8'));
    const email = truth.sessions[0].dialog.find((d: { command: string | null }) => d.command?.startsWith('PASS ')).command.slice(5);
    const r = await cli(['log', '--format', 'xferlog', '--show-passwords', captures + 'vsftpd-passive-clean.pcap']);
    for (const l of r.out.trim().split('\n')) expect(l.split(' ')[13]).to.equal(email);
    const hidden = await cli(['log', '--format', 'xferlog', captures + 'vsftpd-passive-clean.pcap']);
    expect(hidden.out).to.not.include(email);
  });

  it('--format xferlog on FTPS: nothing to write, a note on stderr, exit 0', async () => {
    const r = await cli(['log', '--format', 'xferlog', captures + 'vsftpd-ftps-explicit.pcap']);
    expect(r.code).to.equal(0);
    expect(r.out).to.equal('');
    expect(r.err).to.match(/^ftpdiag: note: 4 transfers of encrypted sessions left out/);
  });

  it('--format ndjson / tsv / csv: machine formats with the same operations', async () => {
    const trace = captures + 'pyftpdlib-rest-resume.pcap';
    const nd = (await cli(['log', '--format', 'ndjson', trace])).out.trim().split('\n').map((l) => JSON.parse(l));
    const tsv = (await cli(['log', '--format', 'tsv', trace])).out.trim().split('\n');
    const csv = (await cli(['log', '--format', 'csv', trace])).out.split('\r\n').filter((l) => l !== '');
    expect(tsv.length - 1).to.equal(nd.length);
    expect(csv.length - 1).to.equal(nd.length);
    const truth = JSON.parse(readFileSync(captures + 'pyftpdlib-rest-resume.truth.json', 'utf8'));
    expect(new Set(nd.map((x: { uid: string }) => x.uid)).size).to.equal(truth.sessions.length);
    expect(nd.filter((x: { command: string }) => x.command === 'STOR').map((x: { bytes: number }) => x.bytes))
      .to.deep.equal(truth.transfers.filter((t: { command: string }) => t.command.startsWith('STOR')).map((t: { clientWrote: number }) => t.clientWrote));
    for (const x of nd) expect(x.password === undefined || x.password === 'REDACTED').to.equal(true);
  });

  it('--tz local changes printed times; ndjson ts stays epoch seconds', async () => {
    const trace = captures + 'vsftpd-upload-rst.pcap';
    const utc = (await cli(['log', '--format', 'tsv', trace])).out.split('\n')[1]!.split('\t')[0]!;
    const saved = process.env['TZ'];
    try {
      process.env['TZ'] = 'Asia/Kolkata';
      const local = (await cli(['log', '--format', 'tsv', '--tz', 'local', trace])).out.split('\n')[1]!.split('\t')[0]!;
      expect(utc).to.match(/Z$/);
      expect(local).to.match(/\+05:30$/);
      expect(Date.parse(local)).to.equal(Date.parse(utc));
    } finally {
      if (saved === undefined) delete process.env['TZ'];
      else process.env['TZ'] = saved;
    }
  });

  it('usage errors exit 2: unknown format, missing trace', async () => {
    const bad = await cli(['log', '--format', 'xml', captures + 'vsftpd-upload-rst.pcap']);
    expect(bad.code).to.equal(2);
    expect(bad.err).to.match(/^ftpdiag: .*xml/);
    const missing = await cli(['log', captures + 'no-such-file.pcap']);
    expect(missing.code).to.equal(2);
    expect(missing.out).to.equal('');
    expect(missing.err).to.match(/^ftpdiag: /);
  });
});
