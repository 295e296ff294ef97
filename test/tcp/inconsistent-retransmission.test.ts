// A retransmission (or an overlapping segment) whose bytes differ from the first copy is no longer
// resolved first-copy-wins in silence: it is a finding that says what each copy said and, on a
// control connection, which one the server's replies show it acted on.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { loggedIn } from '../support/crafted-sessions.ts';
import { buildFragmentedFrames } from '../../src/craft/packet-builder.ts';
import { Reassembler, type StreamConflict, type StreamSink } from '../../src/tcp/reassembler.ts';
import { analyse, withId } from '../support/analyse.ts';
import { renderJson } from '../../src/report/json.ts';
import { renderText } from '../../src/report/text.ts';

/** `first` sent, then `second` (as long) at the same sequence numbers before the server
 *  answers `reply`. */
function twoCopies(first: string, second: string, reply: string): TraceBuilder {
  const t = new TraceBuilder();
  const c = loggedIn(t);
  const seq = c.nextSeq('client');
  c.client('PA', first, { ttl: 3 }); // e.g. injected with a TTL that runs out before the server
  c.client('PA', second, { seq, noAdvance: true });
  c.server('PA', reply);
  c.client('PA', 'QUIT\r\n');
  c.server('PA', '221 bye\r\n');
  c.close();
  return t;
}

describe('tcp: retransmissions that disagree with the first copy', () => {
  it('reassembler: a later copy of delivered, unacknowledged bytes or of held bytes that differs is said, an equal one is not', () => {
    const conflicts: StreamConflict[] = [];
    const sink: StreamSink = { streamData() {}, streamGap() {}, bufferedDelta() {}, streamConflict: (c) => void conflicts.push(c) };
    const r = new Reassembler(sink, 1 << 20);
    const put = (off: number, s: string, frame: number) => r.insert(off, Buffer.from(s), 0, s.length, frame, 0);
    put(0, 'RETR good.txt\r\n', 1);
    put(0, 'RETR good.txt\r\n', 2); // the same: a plain retransmission
    put(0, 'DELE evil.txt\r\n', 3);
    expect(conflicts.map((c) => [c.offset, c.first.toString(), c.second.toString(), c.firstFrame, c.frame])).to.deep.equal([[0, 'RETR good.txt\r\n', 'DELE evil.txt\r\n', 1, 3]]);
    // acknowledged: a later copy is a duplicate the receiver drops, nothing to tell
    r.release(15);
    put(0, 'XXXX', 4);
    expect(conflicts).to.have.length(1);
    // held out of order, then overlapped by a differing copy
    put(20, 'NOOP\r\n', 5);
    put(18, 'abQUIT\r\n', 6);
    expect(conflicts.map((c) => [c.offset, c.first.toString(), c.second.toString(), c.firstFrame, c.frame])[1]).to.deep.equal([20, 'NOOP\r\n', 'QUIT\r\n', 5, 6]);
  });

  for (const [name, reply, taken] of [
    ['the reply names the later copy\'s verb', '250 DELE command successful.\r\n', 'second'],
    ['the replies fit only the first copy (150 answers RETR, never DELE)', '150 Opening BINARY mode data connection.\r\n226 Transfer complete.\r\n', 'first'],
    ['the reply tells nothing', '250 Requested file action okay, completed.\r\n', ''],
  ] as const) {
    it(`RETR good.txt, then DELE evil.txt at the same sequence numbers: ${name}`, () => {
      const r = analyse(twoCopies('RETR good.txt\r\n', 'DELE evil.txt\r\n', reply));
      const f = withId(r, 'inconsistent-retransmission');
      expect(f, JSON.stringify(r.findings.map((x) => x.id))).to.have.length(1);
      expect(f[0]!.severity).to.equal('warning');
      expect(f[0]!.summary).to.include('first "RETR good.txt", then "DELE evil.txt"');
      if (taken === 'second') expect(f[0]!.summary).to.match(/the server's reply at frame \d+ shows it acted on the later copy/);
      else if (taken === 'first') expect(f[0]!.summary).to.match(/fits the first copy/);
      else expect(f[0]!.summary).to.include('the replies do not tell');
      const conn = r.connections[0]!;
      expect(conn.conflicts[0]!.taken ?? '').to.equal(taken);
      expect(f[0]!.frames).to.include(conn.conflicts[0]!.firstFrame).and.include(conn.conflicts[0]!.frame);
    });
  }

  it('a PASS whose copies disagree: neither password is shown', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.10:40000', server: '192.0.2.20:21' });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'USER anna\r\n');
    c.server('PA', '331 password\r\n');
    const seq = c.nextSeq('client');
    c.client('PA', 'PASS Sekr1tOne\r\n');
    c.client('PA', 'PASS Sekr1tTwo\r\n', { seq, noAdvance: true });
    c.server('PA', '230 ok\r\n');
    c.close();
    const r = analyse(t);
    expect(withId(r, 'inconsistent-retransmission')).to.have.length(1);
    const outputs = renderText(r, { color: false }) + renderJson(r);
    expect(outputs).to.not.include('Sekr1t');
    expect(outputs).to.include('PASS REDACTED');
  });

  for (const v of ['192.0.2.10', '2001:db8::10'] as const) {
    it(`overlapping IP fragments with other bytes (${v.includes(':') ? 'IPv6' : 'IPv4'}): a capture finding with both copies; the first is kept`, () => {
      const dst = v.includes(':') ? '2001:db8::20' : '192.0.2.20';
      const seg = (payload: string) => ({ ip: { src: v, dst }, tcp: { srcPort: 40000, dstPort: 21, seq: 1000, ack: 1, flags: 'PA', payload } });
      const a = buildFragmentedFrames(seg('RETR good.txt\r\n'), 16, 0x77);
      const b = buildFragmentedFrames(seg('DELE evil.txt\r\n'), 16, 0x77);
      const t = new TraceBuilder();
      for (const f of [a[0]!, a[1]!, b[1]!, ...a.slice(2)]) t.raw(f);
      const r = analyse(t);
      const f = withId(r, 'inconsistent-fragments');
      expect(f).to.have.length(1);
      expect(f[0]!.frames).to.deep.equal([2, 3]);
      expect(f[0]!.summary).to.match(/^1 IP fragment overlap others of their datagram with other content: frame 3 against frame 2, first "[^"]*good[^"]*", then "[^"]*evil[^"]*"/);
      // the datagram was rebuilt from the first copy
      expect(r.capture.decode.fragmentConflictCount).to.equal(1);
    });
  }
});

