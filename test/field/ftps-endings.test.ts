// FTPS endings and refusals as servers other than the first one recorded make them (issue 29):
// vsftpd's end of a session (the client's close_notify crosses vsftpd's FIN, which does not
// acknowledge it, then vsftpd's RST) and proftpd's refusal of a data connection that did not
// resume the control connection's TLS session (its tickets, close_notify and FIN; the client's
// close_notify drawing its RST; then 425 without a word about reuse). Crafted with real TLS
// (node's OpenSSL) on crafted TCP, with keys and without.

import { expect } from 'chai';
import { Ftps } from './ftps-support.ts';
import { analyzeTrace, byId, worse } from './support.ts';

const versions = ['TLSv1.3', 'TLSv1.2'] as const;

describe('field captures: FTPS endings of other servers', function () {
  this.timeout(20000);

  for (const version of versions) {
    describe(version, () => {
      for (const how of ['vsftpd', 'no-quit'] as const) {
        it(`the server's RST after its own FIN, throwing away only the client's close_notify that crossed it, is harmless (${how === 'vsftpd' ? 'after QUIT' : 'without QUIT'})`, async () => {
          const f = await new Ftps({ version }).login();
          await f.transfer('RETR a.bin');
          await f.quit(how);
          const plain = analyzeTrace(f.t);
          expect(byId(plain, 'control-reset')[0]?.summary).to.include("its peer's last TLS record, unread): harmless");
          for (const r of [plain, analyzeTrace(f.t, { keyLog: f.keyLog() })]) {
            expect(byId(r, 'control-reset')[0]?.severity).to.equal('info');
            expect(worse(r).map((y) => `${y.id}: ${y.summary}`)).to.deep.equal([]);
          }
          f.destroy();
        });
      }

      it('an RST that threw away more than the peer\'s last record is still a warning', async () => {
        const f = await new Ftps({ version }).login();
        await f.transfer('RETR a.bin');
        const read = f.control.nextSeq('client');
        // a command and the close_notify, neither read: the server's FIN acknowledges neither
        await f.ctl.write('client', 'NOOP\r\n');
        await f.ctl.closeNotify('client');
        f.ctl.flushTo(f.control, 'client', 1448, false);
        f.control.server('FA', undefined, { ack: read });
        f.control.server('R');
        const r = analyzeTrace(f.t);
        expect(byId(r, 'control-reset')[0]?.severity).to.equal('warning');
        f.destroy();
      });

      it("proftpd's refusal of a data connection that did not resume the session: 425 read with keys (an error), the server's end after the handshake without (a warning)", async () => {
        const f = await new Ftps({ version }).login();
        await f.transfer('RETR a.bin', { resume: false, reuseRequired: 'proftpd' });
        const plain = analyzeTrace(f.t);
        const t = plain.transfers[0]!.tlsData!;
        expect(t.endedAfterHandshake).to.equal(true);
        // the client's close_notify after the server's FIN is no data from the client
        expect(t.dataFrom.dataBytes).to.deep.equal({ client: 0, server: 0 });
        expect(byId(plain, 'ftps-session-not-resumed').map((x) => x.severity)).to.deep.equal(['warning']);
        const keyed = analyzeTrace(f.t, { keyLog: f.keyLog() });
        const [e] = byId(keyed, 'ftps-session-not-resumed');
        expect(e?.severity).to.equal('error');
        expect(e!.summary).to.include('425 Unable to build data connection');
        // a data connection was made: neither "no data connection" nor a truncated file
        for (const id of ['data-connection-failed', 'transfer-truncated']) expect(byId(keyed, id), id).to.deep.equal([]);
        f.destroy();
      });

      it('a 425 after a data connection that resumed the session is no reuse refusal', async () => {
        const f = await new Ftps({ version }).login();
        await f.transfer('RETR a.bin', { resume: true, final: '425 Unable to build data connection: Operation not permitted' });
        const keyed = analyzeTrace(f.t, { keyLog: f.keyLog() });
        expect(byId(keyed, 'ftps-session-not-resumed')).to.deep.equal([]);
        f.destroy();
      });
    });
  }

  it("lftp's HOST after AUTH TLS refused with 503 (proftpd) before a login that succeeds is harmless; a 503 elsewhere stays a warning", async () => {
    const f = await new Ftps().open();
    await f.cmd('HOST 198.51.100.2', '503 Bad sequence of commands');
    await f.cmd('USER alice', '331 Password required for alice');
    await f.cmd('PASS secret', '230 User alice logged in');
    await f.cmd('RNTO b.txt', '503 Bad sequence of commands');
    await f.quit();
    const r = analyzeTrace(f.t, { keyLog: f.keyLog() });
    expect(byId(r, 'bad-sequence').map((x) => `${x.summary.split(' ')[0]} ${x.severity}`).sort()).to.deep.equal(['HOST info', 'RNTO warning']);
    // refused before a login that failed: still a warning
    const g = await new Ftps().open();
    await g.cmd('HOST 198.51.100.2', '503 Bad sequence of commands');
    await g.cmd('USER alice', '331 Password required for alice');
    await g.cmd('PASS wrong', '530 Login incorrect.');
    await g.quit();
    expect(byId(analyzeTrace(g.t, { keyLog: g.keyLog() }), 'bad-sequence').map((x) => x.severity)).to.deep.equal(['warning']);
    f.destroy();
    g.destroy();
  });
});
