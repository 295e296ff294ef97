// Control lines too long for the parser or the server. Servers treat them differently: vsftpd
// takes the first 4 KiB as a command and the rest as more commands, pyftpdlib answers "500
// Command too long" at once, ProFTPD ignores the line; a hostile client may never end its line.
// Whatever the server did, the overlong line is reported (control-line-too-long), the reply the
// server gave it stays visible, and a later command's reply is never taken for it.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { loggedIn } from '../support/crafted-sessions.ts';
import { LineSplitter, type ControlLine } from '../../src/ftp/control/lines.ts';
import { analyse, withId } from '../support/analyse.ts';

describe('ftp: overlong control lines', function () {
  this.timeout(60_000);

  it('splitter: delivers a line cut as soon as it passes the cap, drops the rest, reports its end', () => {
    const ends: number[] = [];
    const sp = new LineSplitter(32, null, (frame) => ends.push(frame));
    const lines: ControlLine[] = [];
    const long = Buffer.from(`RETR ${'A'.repeat(100)}\r\nNOOP\r\n`);
    sp.feed(long.subarray(0, 30), 0, 1, 1, (l) => (lines.push(l), true));
    expect(lines).to.have.length(0);
    sp.feed(long.subarray(30, 50), 0, 2, 2, (l) => (lines.push(l), true));
    expect(lines.map((l) => [l.text.length, l.overlong, l.frame, l.wireBytes])).to.deep.equal([[32, true, 2, 33]]);
    sp.feed(long.subarray(50), 0, 3, 3, (l) => (lines.push(l), true));
    expect(lines.map((l) => l.text.slice(0, 6))).to.deep.equal(['RETR A', 'NOOP']);
    expect(ends).to.deep.equal([3]);
    expect(sp.overlongLines).to.equal(1);
    // cut(): a partial line delivered on demand (a server answered it)
    const sp2 = new LineSplitter(1024);
    sp2.feed(Buffer.from('STOR half-a-line'), 0, 7, 7, () => true);
    const cut = sp2.cut()!;
    expect([cut.text, cut.overlong, cut.frame]).to.deep.equal(['STOR half-a-line', true, 7]);
    const rest: string[] = [];
    sp2.feed(Buffer.from(' and more\r\nQUIT\r\n'), 0, 8, 8, (l) => (rest.push(l.text), true));
    expect(rest).to.deep.equal(['QUIT']);
  });

  for (const [name, serverCap] of [['before the parser\'s cap (vsftpd: 4 KiB)', 4096], ['after it (8 KiB)', 9000]] as const) {
    it(`a line that never ends, answered 500 ${name}, then closed: control-line-too-long and the 500 kept`, () => {
      const t = new TraceBuilder();
      const c = loggedIn(t);
      const total = 5_000_000;
      let sent = 0;
      let answered = false;
      while (sent < total) {
        const n = Math.min(1460, total - sent);
        c.client('A', n);
        sent += n;
        if (!answered && sent >= serverCap) {
          c.server('PA', '500 Command line too long.\r\n');
          answered = true;
          break; // the server closes at once; the client's rest never comes
        }
      }
      c.close();
      const r = analyse(t);
      const s = r.sessions[0]!;
      const cmd = s.commands[2]!;
      expect(cmd.overlong).to.equal(true);
      expect(cmd.reply?.code).to.equal(500);
      expect(s.unsolicited.map((u) => u.code)).to.deep.equal([]);
      expect(withId(r, 'control-line-too-long')).to.have.length(1);
    });
  }

  it('a 20 KB RETR line followed by QUIT, ignored by the server (ProFTPD): the RETR is not paired with QUIT\'s 221', () => {
    const t = new TraceBuilder();
    const c = loggedIn(t);
    c.client('PA', `RETR ${'x'.repeat(20_000)}\r\nQUIT\r\n`);
    c.server('PA', '221 Goodbye.\r\n');
    c.close();
    const r = analyse(t);
    const s = r.sessions[0]!;
    expect(s.commands.map((x) => [x.verb, x.reply?.code ?? null])).to.deep.equal([['USER', 331], ['PASS', 230], ['RETR', null], ['QUIT', 221]]);
    expect(r.transfers.map((x) => x.outcome)).to.not.include('complete');
    expect(withId(r, 'control-line-too-long')).to.have.length(1);
  });

  it('… answered per 4 KiB piece (vsftpd): the RETR gets the first answer, not a success', () => {
    const t = new TraceBuilder();
    const c = loggedIn(t);
    c.client('PA', `RETR ${'x'.repeat(20_000)}\r\nQUIT\r\n`);
    c.server('PA', '550 Failed to open file.\r\n500 Unknown command.\r\n500 Unknown command.\r\n500 Unknown command.\r\n500 Unknown command.\r\n221 Goodbye.\r\n');
    c.close();
    const r = analyse(t);
    const cmds = r.sessions[0]!.commands;
    expect(cmds[2]!.reply?.code).to.equal(550);
    expect(r.transfers.map((x) => x.outcome)).to.not.include('complete');
  });

  it('… answered 500 once (pyftpdlib): RETR failed, QUIT 221', () => {
    const t = new TraceBuilder();
    const c = loggedIn(t);
    c.client('PA', `RETR ${'x'.repeat(20_000)}\r\nQUIT\r\n`);
    c.server('PA', '500 Command too long.\r\n221 Goodbye.\r\n');
    c.close();
    const r = analyse(t);
    expect(r.sessions[0]!.commands.map((x) => [x.verb, x.reply?.code ?? null]).slice(2)).to.deep.equal([['RETR', 500], ['QUIT', 221]]);
    expect(r.transfers.map((x) => x.outcome)).to.deep.equal(['failed']);
  });
});
