// FTPS diagnosed (issues 23 and 29), on crafted sessions with real TLS (node's OpenSSL) over
// crafted TCP: without keys, per TLS connection the handshake facts, how each ended, which way
// the data went, and the FTPS findings (session not resumed, alerts, close without close_notify,
// implicit FTPS, PROT inferred, a clear reply after a failed handshake, harmless resets after
// close_notify); with the client's key log, the same FTP analysis as on plain FTP.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { TlsPair } from '../support/tls-session.ts';
import { Ftps } from './ftps-support.ts';
import { analyzeTrace, byId, json, login, streamedFindings, text, worse } from './support.ts';

const versions = ['TLSv1.3', 'TLSv1.2'] as const;

describe('field captures: FTPS', function () {
  this.timeout(20000);

  for (const version of versions) {
    describe(version, () => {
      it('without keys: command and outcome unknown, TLS bytes not file bytes, the direction from the record sizes, a clean close said', async () => {
        const f = await new Ftps({ version }).login();
        await f.transfer('RETR a.bin', { bytes: 20000 });
        await f.transfer('STOR b.bin', { bytes: 3000 });
        await f.quit();
        const r = analyzeTrace(f.t);
        expect(r.transfers.map((x) => [x.command, x.direction, x.outcome, x.bytesStatus, x.tlsData?.verdict])).to.deep.equal([
          ['unknown', 'unknown', 'unknown', 'encrypted', 'clean'],
          ['unknown', 'unknown', 'unknown', 'encrypted', 'clean'],
        ]);
        const conf = version === 'TLSv1.2' ? 'high' : 'medium';
        expect(r.transfers.map((x) => [x.tlsData?.dataFrom.from, x.tlsData?.dataFrom.confidence])).to.deep.equal([['server', conf], ['client', conf]]);
        expect(json(r).transfers.map((x: Record<string, unknown>) => [x['bytes'], x['bytesAcked']])).to.deep.equal([[null, null], [null, null]]);
        // the handshake facts per connection, control and data
        const s = r.sessions[0]!;
        expect(s.tls.connection?.version).to.equal(version === 'TLSv1.3' ? 0x0304 : 0x0303);
        expect(s.tls.connection?.clientHello?.sni).to.equal('ftps.test.example');
        expect(s.tls.protInferred).to.equal('P');
        expect(s.loginState).to.equal('unknown');
        expect(r.transfers.map((x) => x.tlsData?.connection.resumption.accepted)).to.deep.equal([true, true]);
        const fs = byId(r, 'encrypted-data-connection');
        expect(fs.map((x) => x.severity)).to.deep.equal(['info', 'info']);
        expect(fs[0]!.summary).to.include(`command unreadable; the data went from the server (${conf} confidence`);
        expect(fs[0]!.summary).to.include('it ended cleanly: close_notify, then FIN from the FTP server');
        expect(worse(r)).to.deep.equal([]);
        expect(text(r)).to.match(/│ 0 │ unknown │\s+│ passive │\s+TLS │\s+TLS │/);
        expect(text(r)).to.include(`TLS data, transfer 0: ${version === 'TLSv1.3' ? 'TLS 1.3' : 'TLS 1.2'}`);
        f.destroy();
      });

      it('with the key log: the control channel is read (same FTP analysis), data bytes are plaintext', async () => {
        const f = await new Ftps({ version }).login();
        await f.transfer('RETR a.bin', { bytes: 20000 });
        await f.transfer('STOR b.bin', { bytes: 3000 });
        await f.quit();
        const r = analyzeTrace(f.t, { keyLog: f.keyLog() });
        const s = r.sessions[0]!;
        expect(s.commands.map((c) => `${c.verb} ${c.reply?.code}`)).to.deep.equal(['AUTH 234', 'USER 331', 'PASS 230', 'PBSZ 200', 'PROT 200', 'PASV 227', 'RETR 226', 'PASV 227', 'STOR 226', 'QUIT 221']);
        expect(s.loginState).to.equal('logged-in');
        expect(s.tls.decrypted).to.equal(true);
        expect(r.transfers.map((x) => [x.command, x.argument, x.outcome, x.bytesStatus, x.bytes, x.bytesAcked, x.linkedBy])).to.deep.equal([
          ['RETR', 'a.bin', 'complete', 'counted', 20000, 20000, 'announcement'],
          ['STOR', 'b.bin', 'complete', 'counted', 3000, 3000, 'announcement'],
        ]);
        expect(byId(r, 'tls-encrypted')[0]!.summary).to.include('decrypted with the key log');
        expect(worse(r)).to.deep.equal([]);
        f.destroy();
      });

      it('a data connection that did not resume the session, ended by the server after its handshake: a warning without keys, an error with the 522', async () => {
        const f = await new Ftps({ version }).login();
        await f.transfer('RETR a.bin', { resume: false, reuseRequired: true });
        const plain = analyzeTrace(f.t);
        const [w] = byId(plain, 'ftps-session-not-resumed');
        expect(w?.severity).to.equal('warning');
        expect(w!.summary).to.include('ended it right after the handshake');
        expect(plain.transfers[0]!.tlsData?.endedAfterHandshake).to.equal(true);
        const keyed = analyzeTrace(f.t, { keyLog: f.keyLog() });
        const [e] = byId(keyed, 'ftps-session-not-resumed');
        expect(e?.severity).to.equal('error');
        expect(e!.summary).to.include('522 SSL connection failed: session reuse required');
        expect(keyed.transfers[0]!.outcome).to.equal('failed');
        expect(byId(keyed, 'transfer-truncated')).to.deep.equal([]);
        f.destroy();
      });

      it('a data connection not resumed that carried its data is healthy (the server does not require reuse)', async () => {
        const f = await new Ftps({ version }).login();
        await f.transfer('RETR a.bin', { resume: false });
        for (const r of [analyzeTrace(f.t), analyzeTrace(f.t, { keyLog: f.keyLog() })]) {
          expect(byId(r, 'ftps-session-not-resumed')).to.deep.equal([]);
          expect(worse(r)).to.deep.equal([]);
          expect(r.transfers[0]!.tlsData?.connection.resumption.accepted).to.equal(false);
        }
        f.destroy();
      });

      it("lftp's closes (close_notify, FIN, then RST for the peer's close_notify) are no warning, with keys or without", async () => {
        const f = await new Ftps({ version }).login();
        await f.transfer('STOR b.bin', { bytes: 5000, end: 'lftp' });
        await f.transfer('RETR a.bin', { end: 'lftp' });
        await f.quit('lftp');
        for (const r of [analyzeTrace(f.t), analyzeTrace(f.t, { keyLog: f.keyLog() })]) {
          expect(worse(r).map((x) => `${x.id}: ${x.summary}`)).to.deep.equal([]);
          expect(byId(r, 'tcp-reset').map((x) => x.severity)).to.deep.equal(['info', 'info']);
          expect(byId(r, 'control-reset')[0]?.severity).to.equal('info');
          expect(byId(r, 'upload-reset')).to.deep.equal([]);
        }
        f.destroy();
      });

      it('a data connection reset without close_notify may be cut: a warning', async () => {
        const f = await new Ftps({ version }).login();
        await f.transfer('RETR a.bin', { end: 'rst' });
        const r = analyzeTrace(f.t);
        const [x] = byId(r, 'encrypted-data-connection');
        expect(x!.severity).to.equal('warning');
        expect(x!.summary).to.include('reset by the FTP server');
        expect(x!.summary).to.include('without a TLS close_notify');
        expect(r.transfers[0]!.tlsData).to.deep.include({ verdict: 'reset', serverCloseNotify: 'not-sent' });
        f.destroy();
      });

      it('a FIN without close_notify: harmless when the server answered 226, an error when it refused the transfer (426)', async () => {
        const ok = await new Ftps({ version }).login();
        await ok.transfer('STOR b.bin', { end: 'fin' });
        const plain = byId(analyzeTrace(ok.t), 'encrypted-data-connection')[0]!;
        expect(plain.severity).to.equal('info');
        expect(plain.summary).to.include('without a TLS close_notify first: the end of the data is not protected');
        const keyed = analyzeTrace(ok.t, { keyLog: ok.keyLog() });
        expect(byId(keyed, 'encrypted-data-connection')[0]!.summary).to.include('and the server answered 226: harmless here');
        expect(worse(keyed)).to.deep.equal([]);
        ok.destroy();
        const refused = await new Ftps({ version }).login();
        await refused.transfer('STOR b.bin', { end: 'fin', final: '426 Failure reading network stream.' });
        const r = analyzeTrace(refused.t, { keyLog: refused.keyLog() });
        const [e] = byId(r, 'tls-close-without-notify');
        expect(e?.severity).to.equal('error');
        expect(e!.summary).to.include('the FTP client ended the data connection with a FIN');
        expect(byId(r, 'transfer-aborted')).to.deep.equal([]);
        refused.destroy();
      });

      it('active mode: the TLS client is the FTP client, the TCP server of the data connection', async () => {
        const f = await new Ftps({ version }).login();
        await f.transfer('RETR a.bin', { active: true, bytes: 9000 });
        const r = analyzeTrace(f.t, { keyLog: f.keyLog() });
        expect(r.transfers.map((x) => [x.command, x.mode, x.bytes, x.outcome])).to.deep.equal([['RETR', 'active', 9000, 'complete']]);
        expect(r.transfers[0]!.tlsData?.connection.clientHello?.sni).to.equal('ftps.test.example');
        expect(analyzeTrace(f.t).transfers[0]!.tlsData?.dataFrom.from).to.equal('server');
        f.destroy();
      });
    });
  }

  it('implicit FTPS on 990: recognised as FTP, implicit said; with keys the greeting and login are read', async () => {
    const f = await new Ftps({ implicit: true }).login();
    await f.transfer('RETR a.bin');
    await f.quit();
    const plain = analyzeTrace(f.t);
    expect(plain.sessions.map((s) => [s.server.port, s.tls.implicit, s.tls.encryptedFromFrame !== null])).to.deep.equal([[990, true, true]]);
    expect(byId(plain, 'tls-encrypted')[0]!.summary).to.include('implicit FTPS: TLS from the first byte of the control connection (port 990');
    const keyed = analyzeTrace(f.t, { keyLog: f.keyLog() });
    const s = keyed.sessions[0]!;
    expect([s.greeting?.code, s.startedMidSession, s.loginState, s.tls.implicit]).to.deep.equal([220, false, 'logged-in', true]);
    expect(keyed.transfers.map((x) => [x.command, x.outcome, x.bytes])).to.deep.equal([['RETR', 'complete', 8192]]);
    f.destroy();
  });

  it('a failed control handshake: the alert and the clear reply after it (the answer to AUTH), not a reply without command', async () => {
    // the server offers only TLS 1.3 to a TLS 1.2 client: its protocol_version alert, then a clear 500
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:21' });
    c.handshake();
    c.server('PA', '220 (vsFTPd 3.0.3)\r\n');
    c.client('PA', 'AUTH TLS\r\n');
    c.server('PA', '234 Proceed with negotiation.\r\n');
    const p = await TlsPair.open({ version: 'TLSv1.2', context: TlsPair.serverContext('TLSv1.3') });
    p.flushTo(c);
    c.server('PA', '500 OOPS: SSL: error:0A000102:SSL routines::unsupported protocol\r\n');
    c.client('RA');
    const r = analyzeTrace(t);
    const [e] = byId(r, 'tls-handshake-failed');
    expect(e?.severity).to.equal('error');
    expect(e!.summary).to.include('the server sent the fatal alert protocol_version');
    expect(e!.summary).to.include('the server then answered in clear text: 500 OOPS');
    expect(r.sessions[0]!.tls.failureReply?.code).to.equal(500);
    expect(byId(r, 'reply-without-command')).to.deep.equal([]);
    expect(byId(r, 'control-reset')).to.deep.equal([]);
    expect(worse(r).map((x) => x.id)).to.deep.equal(['tls-handshake-failed']);
    p.destroy();
  });

  it('a client that rejects the certificate: its unknown_ca alert, said with the certificate (TLS 1.2 shows it)', async () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:21' });
    c.handshake();
    c.server('PA', '220 (vsFTPd 3.0.3)\r\n');
    c.client('PA', 'AUTH TLS\r\n');
    c.server('PA', '234 Proceed with negotiation.\r\n');
    const p = await TlsPair.open({ version: 'TLSv1.2', context: TlsPair.serverContext() });
    // the hellos and the server's flight as the client saw them, then OpenSSL's fatal unknown_ca
    // alert in the clear (what a client that verifies sends; node's own client checks later)
    for (const ch of p.chunks.slice(0, 2)) c.send(ch.from, 'PA', ch.data);
    c.client('PA', Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x30]));
    c.client('RA');
    const r = analyzeTrace(t);
    const [e] = byId(r, 'tls-handshake-failed');
    expect(e?.severity).to.equal('error');
    expect(e!.summary).to.include('the client sent the fatal alert unknown_ca');
    expect(e!.explanation).to.include('CN=ftps.test.example, self-signed');
    expect(byId(r, 'control-reset')).to.deep.equal([]);
    p.destroy();
  });

  it('PROT P readable on a clear control channel: direction known, bytes not file bytes without keys', async () => {
    const t = new TraceBuilder();
    const c = login(t, { client: '192.168.50.3:50900', server: '192.168.50.2:21' });
    c.client('PA', 'PBSZ 0\r\n');
    c.server('PA', '200 PBSZ=0\r\n');
    c.client('PA', 'PROT P\r\n');
    c.server('PA', '200 Protection level set to P\r\n');
    c.client('PA', 'PASV\r\n');
    c.server('PA', '227 Entering Passive Mode (192,168,50,2,195,85)\r\n');
    c.client('PA', 'RETR secret.bin\r\n');
    c.server('PA', '150 Opening BINARY mode data connection\r\n');
    const d = t.tcp({ client: '192.168.50.3:51000', server: '192.168.50.2:50005' });
    d.handshake();
    const p = await TlsPair.open({ version: 'TLSv1.2' });
    await p.write('server', Buffer.alloc(5000, 1));
    await p.closeNotify('server');
    p.flushTo(d);
    d.server('FA');
    d.client('FA');
    d.server('A');
    c.server('PA', '226 Transfer complete\r\n');
    const r = analyzeTrace(t);
    expect(r.transfers.map((x) => [x.command, x.direction, x.outcome, x.bytesStatus])).to.deep.equal([['RETR', 'download', 'complete', 'encrypted']]);
    expect(r.sessions[0]!.tls.protInferred).to.equal('P');
    expect(byId(r, 'encrypted-data-connection')[0]!.summary).to.include('; file size unreadable); it ended cleanly');
    p.destroy();
  });

  it('the streaming analysis (each session released as soon as it is final) finds the same', async () => {
    const f = await new Ftps({ version: 'TLSv1.2' }).login();
    await f.transfer('RETR a.bin', { resume: false, reuseRequired: true });
    await f.transfer('STOR b.bin', { end: 'lftp' });
    await f.quit('lftp');
    const key = (x: { id: string; severity: string; frames: number[] }) => `${x.id} ${x.severity} ${x.frames.join(',')}`;
    expect(streamedFindings(f.t).map(key).sort()).to.deep.equal(analyzeTrace(f.t).findings.map(key).sort());
    f.destroy();
  });

  it('a record that does not decrypt is a finding, never a crash; the rest of the session is read', async () => {
    const f = await new Ftps({ version: 'TLSv1.2' }).login();
    await f.transfer('RETR a.bin', { bytes: 20000, corrupt: true });
    await f.cmd('NOOP', '200 NOOP ok.');
    const r = analyzeTrace(f.t, { keyLog: f.keyLog() });
    const [e] = byId(r, 'tls-decrypt-failed');
    expect(e?.severity).to.equal('warning');
    expect(e!.summary).to.include('bad-record-mac');
    expect(r.transfers[0]!.bytes).to.be.below(20000);
    expect(r.sessions[0]!.commands.at(-1)?.verb).to.equal('NOOP');
    f.destroy();
  });

  it('a key log of another run opens nothing: said once per connection, the analysis is the keyless one', async () => {
    const a = await new Ftps().login();
    await a.transfer('RETR a.bin');
    const b = await new Ftps().login();
    const r = analyzeTrace(a.t, { keyLog: b.keyLog() });
    expect(byId(r, 'tls-keys-missing').length).to.equal(2);
    expect(r.transfers.map((x) => [x.command, x.bytesStatus])).to.deep.equal([['unknown', 'encrypted']]);
    a.destroy();
    b.destroy();
  });

  it('a data connection of an encrypted session without TLS: PROT C or a refused transfer, said', async () => {
    const f = await new Ftps().login();
    await f.cmd('PASV', '227 Entering Passive Mode (198,51,100,2,195,80).');
    await f.cmd('RETR a.bin', '522 Data connections must be encrypted.');
    const d = f.t.tcp({ client: '192.0.2.1:60000', server: '198.51.100.2:50000' });
    d.handshake();
    d.client('FA');
    d.server('RA');
    const plain = analyzeTrace(f.t);
    expect(byId(plain, 'ftps-clear-data-connection')[0]?.summary).to.include('carried nothing, not even a TLS handshake');
    f.destroy();
  });

  it('PROT C refused with 522 (read with the key log): the server requires protected data', async () => {
    const f = await new Ftps().open();
    await f.cmd('USER alice', '331 Please specify the password.');
    await f.cmd('PASS secret', '230 Login successful.');
    await f.cmd('PROT C', '200 PROT now Clear.');
    await f.cmd('PASV', '227 Entering Passive Mode (198,51,100,2,195,80).');
    await f.cmd('RETR a.bin', '522 Data connections must be encrypted.');
    const r = analyzeTrace(f.t, { keyLog: f.keyLog() });
    const [e] = byId(r, 'ftps-protection-required');
    expect(e?.severity).to.equal('error');
    expect(e!.summary).to.include('had set PROT C (PROT C answered 200');
    f.destroy();
  });

  it('a login refused inside TLS is read with the key log as on plain FTP', async () => {
    const f = await new Ftps().login('mallory', false);
    await f.quit();
    expect(byId(analyzeTrace(f.t), 'login-failed')).to.deep.equal([]);
    const r = analyzeTrace(f.t, { keyLog: f.keyLog() });
    expect(byId(r, 'login-failed').map((x) => x.severity)).to.deep.equal(['error']);
    f.destroy();
  });

  it('TLS 1.3 without keys: a client flight with the Certificate a server asked for (vsftpd) is no data', async () => {
    const f = await new Ftps({ version: 'TLSv1.3', requestCert: true }).login();
    await f.transfer('RETR a.bin', { resume: false, reuseRequired: true });
    const r = analyzeTrace(f.t);
    const d = r.transfers[0]!.tlsData!;
    expect(d.connection.applicationData.client.records).to.equal(0);
    expect(d.endedAfterHandshake).to.equal(true);
    expect(byId(r, 'ftps-session-not-resumed').length).to.equal(1);
    f.destroy();
  });
});
