// The conflict judge keeps a client line only while a later copy of its bytes can still disagree
// (the TCP stage compares copies only of bytes not yet acknowledged), and still places every copy
// the TCP stage reports: an acknowledgment captured before the bytes it covers, pipelined lines
// acknowledged together, copies found while the connection was still being recognised.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { ConflictJudge } from '../../src/ftp/control/conflicts.ts';
import type { ControlLine } from '../../src/ftp/control/lines.ts';
import { newCommand } from '../../src/ftp/records.ts';
import type { DataConflict } from '../../src/tcp/types.ts';
import { loggedIn } from '../support/crafted-sessions.ts';
import { analyse, withId } from '../support/analyse.ts';

/** A complete client line at stream offset `offset`, ended by CRLF. */
function lineAt(text: string, offset: number): ControlLine {
  return { text, firstFrame: 1, firstTime: 0, frame: 1, time: 0, wireBytes: text.length + 2, overlong: false, interrupt: false, bareLf: false, offset };
}

/** A later copy of client bytes at `offset` that disagrees with the first. */
function copyAt(offset: number, first: string, second: string): DataConflict {
  return { by: 'client', offset, firstFrame: 1, frame: 2, first, second, firstLine: null, secondLine: null, secret: false, taken: null, replyFrame: 0 };
}

const cmd = (index: number, verb: string, arg: string) => newCommand({ index, verb, arg, frame: 1, time: 0 });

describe('ftp/control ConflictJudge: lines kept while unacknowledged', () => {
  it('lets a line go once an acknowledgment that came after it covers it, and keeps the lines after it', () => {
    const j = new ConflictJudge();
    j.noteLine(cmd(0, 'RETR', 'a.txt'), lineAt('RETR a.txt', 0), 0); // 12 bytes on the wire
    j.noteLine(cmd(1, 'NOOP', ''), lineAt('NOOP', 12), 0); //            6 bytes
    j.forgetAcked(12); // the server acknowledged RETR only
    const gone = copyAt(0, 'RETR', 'DELE');
    j.conflict(gone);
    expect(gone.firstLine, 'a let-go line is not found').to.equal(null);
    const kept = copyAt(12, 'NOOP', 'QUIT');
    j.conflict(kept);
    expect([kept.firstLine, kept.secondLine]).to.deep.equal(['NOOP', 'QUIT']);
  });

  it('keeps a line whose acknowledgment was captured before it until the acknowledgment moves on', () => {
    const j = new ConflictJudge();
    // the server's ACK of all 12 bytes came first (capture order), then the line itself
    j.noteLine(cmd(0, 'RETR', 'a.txt'), lineAt('RETR a.txt', 0), 12);
    j.forgetAcked(12);
    const c = copyAt(0, 'RETR', 'DELE');
    j.conflict(c);
    expect([c.firstLine, c.secondLine]).to.deep.equal(['RETR a.txt', 'DELE a.txt']);
    // a later acknowledgment lets it go
    j.noteLine(cmd(1, 'NOOP', ''), lineAt('NOOP', 12), 12);
    j.forgetAcked(18);
    const late = copyAt(0, 'RETR', 'STOR');
    j.conflict(late);
    expect(late.firstLine).to.equal(null);
  });
});

describe('ftp/control: copies that disagree are placed wherever the acknowledgments fall', () => {
  const conflictOf = (t: TraceBuilder) => {
    const r = analyse(t);
    expect(withId(r, 'inconsistent-retransmission'), JSON.stringify(r.findings.map((f) => f.id))).to.have.length(1);
    const c = r.connections.flatMap((x) => x.conflicts)[0]!;
    return [c.firstLine, c.secondLine, c.taken];
  };

  it('the server acknowledged the line before the capture holds it, replied, then a differing copy came', () => {
    const t = new TraceBuilder();
    const c = loggedIn(t);
    const seq = c.nextSeq('client');
    c.server('A', undefined, { ack: seq + 'RETR good.txt\r\n'.length });
    c.client('PA', 'RETR good.txt\r\n');
    c.server('PA', '150 Opening BINARY mode data connection.\r\n'); // the same acknowledgment
    c.client('PA', 'DELE evil.txt\r\n', { seq, noAdvance: true });
    c.server('PA', '226 Transfer complete.\r\n');
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 bye\r\n');
    c.close();
    expect(conflictOf(t)).to.deep.equal(['RETR good.txt', 'DELE evil.txt', 'first']);
  });

  it('pipelined lines: a differing copy of the first after the second, before any acknowledgment', () => {
    const t = new TraceBuilder();
    const c = loggedIn(t);
    const seq = c.nextSeq('client');
    c.client('PA', 'RETR good.txt\r\n');
    c.client('PA', 'NOOP\r\n');
    c.client('PA', 'DELE evil.txt\r\n', { seq, noAdvance: true });
    c.server('PA', '250 DELE command successful.\r\n200 NOOP ok\r\n');
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 bye\r\n');
    c.close();
    expect(conflictOf(t)).to.deep.equal(['RETR good.txt', 'DELE evil.txt', 'second']);
  });

  it('a differing copy while the connection was still being recognised (a port that is not 21), its line acknowledged since', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.10:40000', server: '192.0.2.20:2525' });
    c.handshake();
    c.server('PA', '200 ready\r\n'); // not a 220 greeting
    const seq = c.nextSeq('client');
    c.client('PA', 'NOOP\r\n'); // shared with SMTP: not yet FTP
    c.client('PA', 'QUIT\r\n', { seq, noAdvance: true });
    c.server('PA', '200 NOOP ok\r\n');
    c.client('PA', 'USER anna\r\n'); // FTP's own verb: recognised here, the lines above replayed
    c.server('PA', '331 password\r\n');
    c.close();
    const r = analyse(t);
    expect(r.sessions, 'an FTP session').to.have.length(1);
    const k = r.connections.flatMap((x) => x.conflicts)[0]!;
    expect([k.firstLine, k.secondLine, k.taken]).to.deep.equal(['NOOP', 'QUIT', 'first']);
  });
});
