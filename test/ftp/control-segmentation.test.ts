// The control channel's per-frame path (reassembly with kept bytes, the probe, line splitting,
// replies and their pairing, the TLS record walker and reader) gives the same session whether
// each message comes in one segment, byte by byte, or cut at random, with retransmissions of
// acknowledged and unacknowledged bytes between: crafted sessions with pipelined commands,
// multi-line replies, Telnet IAC, CR without LF, binary junk, a line past the cap, and FTPS
// (AUTH TLS, then TLS records split across segments).

import { expect } from 'chai';
import fc from 'fast-check';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import type { Side } from '../../src/tcp/types.ts';
import { runCrafted } from './pipeline.ts';

const IAC = 255;
const rec = (type: number, body: Buffer) => Buffer.concat([Buffer.of(type, 3, 3, body.length >> 8, body.length & 0xff), body]);
const bytes = (n: number, seed: number) => Buffer.from(Array.from({ length: n }, (_, i) => (i * 13 + seed) & 0xff));

type Message = [Side, Buffer];
const m = (side: Side, text: string | Buffer): Message => [side, typeof text === 'string' ? Buffer.from(text, 'latin1') : text];

/** A cleartext session: greeting, login, pipelined commands, a multi-line reply, an urgent ABOR
 *  with Telnet IP/DM, a bare CR, junk, an overlong line (past the 8 KiB cap). */
const clear: Message[] = [
  m('server', '220-Welcome\r\n220-to the\r\n220 server\r\n'),
  m('client', 'USER anna\r\n'),
  m('server', '331 Password required\r\n'),
  m('client', 'PASS secret\r\n'),
  m('server', '230 Logged in\r\n'),
  m('client', 'TYPE I\r\nFEAT\r\nNOOP\r\n'), // pipelined
  m('server', '200 Type set to I\r\n211-Features:\r\n MDTM\r\n SIZE\r\n211 End\r\n200 NOOP ok\r\n'),
  m('client', Buffer.concat([Buffer.of(IAC, 244, IAC, 242), Buffer.from('ABOR\r\n')])),
  m('server', '225 No transfer to abort\r\n'),
  m('client', 'NOOP\rSTAT\r\n'), // CR without LF inside a line
  m('server', '500 Unknown command\r\n'),
  m('client', Buffer.concat([Buffer.of(1, 2, 3, 0, 0x7f, 0x80, 0xff, 0xff, 0x1b), Buffer.from('\r\n')])), // junk
  m('server', '500 Syntax error\r\n'),
  m('client', `SITE ${'x'.repeat(9000)}\r\n`), // past the cap: cut, rest dropped
  m('server', '500 Command too long\r\n'),
  m('client', 'PWD\r\n'),
  m('server', '257 "/home/anna" is the current directory\r\n'),
];

/** An FTPS session: AUTH TLS, 234, then TLS records (a handshake-typed record, CCS, application
 *  data of several segments, an alert) each way. */
const ftps: Message[] = [
  m('server', '220 FTPS ready\r\n'),
  m('client', 'AUTH TLS\r\n'),
  m('server', '234 Proceed with negotiation\r\n'),
  m('client', Buffer.concat([rec(22, Buffer.concat([Buffer.of(1, 0, 0, 60, 3, 3), bytes(58, 1)])), rec(20, Buffer.of(1))])),
  m('server', Buffer.concat([rec(22, Buffer.concat([Buffer.of(2, 0, 0, 40, 3, 3), bytes(38, 2)])), rec(20, Buffer.of(1)), rec(22, bytes(40, 3))])),
  m('client', Buffer.concat([rec(22, bytes(40, 4)), rec(23, bytes(3000, 5))])),
  m('server', Buffer.concat([rec(23, bytes(120, 6)), rec(23, bytes(2500, 7))])),
  m('client', rec(21, bytes(26, 8))),
];

/** The session crafted with each message cut by `cut`; the peer acknowledges each message; every
 *  `resendEvery`-th message is sent again before its acknowledgment (unacknowledged bytes) and
 *  once after it (acknowledged ones). */
function craft(messages: Message[], cut: (b: Buffer) => number[], resendEvery: number): TraceBuilder {
  const t = new TraceBuilder();
  const c: TcpLadder = t.tcp({ client: '192.0.2.10:40000', server: '192.0.2.20:21' });
  c.handshake();
  messages.forEach(([side, data], k) => {
    const start = side === 'client' ? c.c.next : c.s.next;
    let i = 0;
    for (const n of cut(data)) {
      c.send(side, 'PA', data.subarray(i, i + n));
      i += n;
    }
    const again = resendEvery > 0 && k % resendEvery === 0;
    if (again) c.send(side, 'PA', data.subarray(0, Math.min(data.length, 1400)), { seq: start, noAdvance: true });
    c.send(side === 'client' ? 'server' : 'client', 'A');
    if (again) c.send(side, 'PA', data.subarray(0, Math.min(data.length, 1400)), { seq: start, noAdvance: true });
  });
  c.close();
  return t;
}

/** The same session on two control connections whose segments alternate (each message cut by
 *  `cut`, a piece of one connection, then a piece of the other): lines of both are unfinished at
 *  once, so each must keep its own splitter state (lines.ts takeSplitter). */
function craftTwo(messages: Message[], cut: (b: Buffer) => number[]): TraceBuilder {
  const t = new TraceBuilder();
  const conns = [40000, 40001].map((port) => t.tcp({ client: `192.0.2.10:${port}`, server: '192.0.2.20:21' }));
  for (const c of conns) c.handshake();
  for (const [side, data] of messages) {
    const pieces: Buffer[] = [];
    let i = 0;
    for (const n of cut(data)) pieces.push(data.subarray(i, (i += n)));
    pieces.forEach((p) => conns.forEach((c) => c.send(side, 'PA', p)));
    for (const c of conns) c.send(side === 'client' ? 'server' : 'client', 'A');
  }
  for (const c of conns) c.close();
  return t;
}

/** What the session says, without frame numbers (the segmentation changes them). */
function story(t: TraceBuilder, which = 0): unknown {
  const run = runCrafted(t.frames());
  const s = run.ftp.sessions[which];
  expect(s, 'a session').to.not.equal(undefined);
  const tls = s!.tls.connection;
  return {
    greeting: [s!.greeting?.code, s!.greeting?.text, s!.greeting?.lines],
    commands: s!.commands.map((c) => [c.verb, c.arg, c.known, c.telnetInterrupt, c.overlong, c.unanswered, c.reply && [c.reply.code, c.reply.text, c.reply.lines, c.reply.valid]]),
    unsolicited: s!.unsolicited.map((r) => [r.code, r.text]),
    counts: [s!.unparsedLines, s!.overlongLines, s!.gaps, s!.loginState],
    tls: tls && {
      records: tls.records,
      appData: tls.applicationData,
      alerts: tls.alerts.map((a) => a.visible),
      anomalies: tls.anomalies.map((a) => a.kind),
      ccs: [tls.changeCipherSpec.client !== null, tls.changeCipherSpec.server !== null],
    },
    decrypted: s!.tls.decrypted,
  };
}

const whole = (b: Buffer) => [b.length];
const bytewise = (b: Buffer) => Array.from(b, () => 1);

describe('ftp/control: the same session however its bytes are segmented', () => {
  for (const [name, messages] of [['cleartext', clear], ['FTPS', ftps]] as const) {
    it(`${name}: whole, byte by byte and cut at random, with retransmissions (property)`, () => {
      const want = story(craft(messages, whole, 0)) as { commands: unknown[][]; tls: { records: { client: number; server: number } } | null };
      // the whole story is what the messages say
      if (name === 'cleartext') {
        expect(want.commands.map((c) => c[0])).to.deep.equal(['USER', 'PASS', 'TYPE', 'FEAT', 'NOOP', 'ABOR', 'NOOP', '\x01\x02\x03\x00\x7f\x80\xff\x1b', 'SITE', 'PWD']);
        expect(want.commands.map((c) => [c[3], c[4]])[5]).to.deep.equal([true, false]); // ABOR after IAC IP: interrupt
        expect(want.commands.map((c) => c[4])[8]).to.equal(true); // SITE past the cap: cut
      } else expect(want.tls?.records).to.deep.equal({ client: 5, server: 5 });
      expect(story(craft(messages.filter(([, d]) => d.length < 2000), bytewise, 3))).to.deep.equal(story(craft(messages.filter(([, d]) => d.length < 2000), whole, 0)));
      fc.assert(
        fc.property(fc.array(fc.integer({ min: 1, max: 700 }), { minLength: 1, maxLength: 6 }), fc.nat(4), (sizes, resendEvery) => {
          let k = 0;
          const random = (b: Buffer) => {
            const out: number[] = [];
            for (let i = 0; i < b.length; ) {
              const n = Math.min(sizes[k++ % sizes.length]!, b.length - i);
              out.push(n);
              i += n;
            }
            return out;
          };
          expect(story(craft(messages, random, resendEvery))).to.deep.equal(want);
        }),
        { numRuns: 25 },
      );
    });

    it(`${name}: two connections whose segments alternate, lines of both unfinished at once`, () => {
      const small = messages.filter(([, d]) => d.length < 2000);
      const want = story(craft(small, whole, 0));
      const cuts = [bytewise, (b: Buffer) => Array.from({ length: Math.ceil(b.length / 3) }, (_, k) => Math.min(3, b.length - 3 * k))];
      for (const cut of cuts) {
        const t = craftTwo(small, cut);
        expect(story(t, 0)).to.deep.equal(want);
        expect(story(t, 1)).to.deep.equal(want);
      }
    });
  }
});
