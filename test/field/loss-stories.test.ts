// What TCP loss means, told once (user trial 1, A2, A8, B17): a segment retransmitted with
// exponential backoff and never acknowledged is a connection that died, not a lossy hop; a gap a
// later out-of-order segment fills is reordering, not loss; a capture drop is said once, not as
// lost-segment and again as ack-unseen; the RST behind a 426 is said once.

import { expect } from 'chai';
import { STACK_PROFILES, type StackProfile } from '../../src/craft/stack-profiles.ts';
import { timeoutChain, type TimeoutChainOptions } from '../../src/craft/timeout-chain.ts';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { analyzeTrace, byId, login, openPassiveRetr, quit, text } from './support.ts';

/** A background connection (not FTP) whose `side` loses its peer after some traffic. */
function lostBackground(stack: StackProfile, o: TimeoutChainOptions & { handshake?: boolean } = {}) {
  const t = new TraceBuilder();
  const d = t.tcp({ client: '10.3.30.1:1048', server: '10.3.71.7:1043', clientStack: stack, serverStack: stack });
  if (o.handshake !== false) d.handshake();
  d.client('PA', 300);
  d.server('PA', 200);
  d.client('A');
  const chain = timeoutChain(d, 'client', 648, stack, o);
  return { t, chain };
}

/** A control connection after login whose server vanishes while the client sends NOOP. */
function lostControl(stack: StackProfile) {
  const t = new TraceBuilder();
  const c = login(t);
  c.client('A');
  t.wait(30);
  const seq = c.nextSeq('client');
  const chain = timeoutChain(c, 'client', 6, stack, { retries: 6 });
  return { t, chain, seq };
}

describe('field captures: loss stories', () => {
  describe('a segment retransmitted with backoff and never acknowledged (retransmission-timeout)', () => {
    for (const stack of Object.values(STACK_PROFILES)) {
      it(`${stack.name}: one story at info on background traffic, frames of every sending, no retransmission finding`, () => {
        const { t, chain } = lostBackground(stack, { retries: Math.min(6, stack.retries) });
        const r = analyzeTrace(t);
        const [f, ...more] = byId(r, 'retransmission-timeout');
        expect(more).to.have.length(0);
        expect(f!.severity).to.equal('info');
        expect(f!.frames).to.deep.equal([chain.original, ...chain.retransmissions]);
        expect(f!.summary).to.include('648-byte segment').and.include('exponential backoff').and.include('the peer or the path went away');
        expect(f!.summary).to.include(`again ${chain.retransmissions.length} times`);
        expect(byId(r, 'retransmission')).to.have.length(0);
      });
    }

    it('every retransmission up to the timer ceiling (Linux: 15, the last waits 120 s each) is one story', () => {
      const { t, chain } = lostBackground(STACK_PROFILES.linux);
      expect(chain.retransmissions).to.have.length(15);
      expect(chain.waits.slice(-3).every((w) => w >= 120)).to.equal(true);
      const [f] = byId(analyzeTrace(t), 'retransmission-timeout');
      expect(f, 'a chain at the timer ceiling').to.not.equal(undefined);
      expect(f!.summary).to.include('again 15 times');
    });

    it('on an FTP control connection it is a warning, and not a lossy hop', () => {
      const { t } = lostControl(STACK_PROFILES.linux);
      const r = analyzeTrace(t);
      const [f] = byId(r, 'retransmission-timeout');
      expect(f!.severity).to.equal('warning');
      expect(f!.summary).to.match(/^control connection of session 0 .*: the client sent the same 6-byte segment/);
      expect(f!.summary).to.include('the server sent nothing more: the peer or the path went away');
      expect(byId(r, 'retransmission')).to.have.length(0);
    });

    it('a peer that still sends but never acknowledges it: the segment does not get through', () => {
      const { t } = lostBackground(STACK_PROFILES.linux, { retries: 5, peerSends: true });
      const [f] = byId(analyzeTrace(t), 'retransmission-timeout');
      expect(f!.summary).to.include('although the server went on sending (5 segments): the segment does not get through');
    });

    it('two segments in flight, the first one sent again and again: the story of the first one', () => {
      const { t, chain } = lostBackground(STACK_PROFILES.bsd, { retries: 5, following: 500 });
      const [f] = byId(analyzeTrace(t), 'retransmission-timeout');
      expect(f!.frames).to.include.members(chain.retransmissions);
      expect(f!.frames).to.not.include(chain.following);
      expect(f!.summary).to.include('the same 648-byte segment').and.include('again 5 times');
    });

    it('loss that recovers (the ACK comes after two timeouts) is no story, only retransmissions', () => {
      const t = new TraceBuilder();
      const d = t.tcp({ client: '10.3.30.1:1048', server: '10.3.71.7:1043' });
      d.handshake();
      timeoutChain(d, 'client', 648, STACK_PROFILES.linux, { retries: 3 });
      d.server('A', undefined, { dt: 0.05 });
      d.client('PA', 100);
      d.server('A');
      const r = analyzeTrace(t);
      expect(byId(r, 'retransmission-timeout')).to.have.length(0);
      expect(byId(r, 'retransmission')).to.have.length(1);
    });

    it('retransmissions at an even pace (no backoff) are no timeout story', () => {
      const t = new TraceBuilder();
      const d = t.tcp({ client: '10.3.30.1:1048', server: '10.3.71.7:1043' });
      d.handshake();
      const seq = d.nextSeq('client');
      d.client('PA', 648);
      for (let i = 0; i < 5; i++) d.client('PA', 648, { seq, noAdvance: true, dt: 1 });
      const r = analyzeTrace(t);
      expect(byId(r, 'retransmission-timeout')).to.have.length(0);
      expect(byId(r, 'retransmission')).to.have.length(1);
    });

    it('roles guessed (no SYN in the capture): the sides are named by address and port, never "the client"', () => {
      const { t } = lostBackground(STACK_PROFILES.linux, { retries: 5, handshake: false });
      const r = analyzeTrace(t);
      expect(r.connections[0]!.roleGuessed).to.equal(true);
      const [f] = byId(r, 'retransmission-timeout');
      expect(f!.summary).to.include('10.3.30.1:1048 sent the same 648-byte segment');
      expect(f!.summary).to.include('10.3.71.7:1043 sent nothing more');
      expect(text(r)).to.not.match(/the client|the server/);
    });

    it('roles guessed: the retransmission count names the senders by address and port', () => {
      const t = new TraceBuilder();
      const d = t.tcp({ client: '10.3.30.1:1048', server: '10.3.71.7:1043' });
      const seq = d.nextSeq('client');
      d.client('PA', 648);
      d.client('PA', 648, { seq, noAdvance: true, dt: 0.3 });
      d.server('A');
      const r = analyzeTrace(t);
      const [f] = byId(r, 'retransmission');
      expect(f!.summary).to.include('1 by 10.3.30.1:1048, 0 by 10.3.71.7:1043');
    });

    it('roles guessed: a reset, a half-close and a stall name their side by address and port', () => {
      const t = new TraceBuilder();
      const d = t.tcp({ client: '10.3.30.1:1048', server: '10.3.71.7:1043' });
      d.client('PA', 300);
      d.server('A', undefined, { window: 0 });
      d.server('A', undefined, { window: 65535, dt: 2 });
      d.client('FA');
      d.server('PA', 200);
      d.client('R', undefined, { dt: 0.01 });
      const r = analyzeTrace(t);
      expect(r.connections[0]!.roleGuessed).to.equal(true);
      const said = r.findings.filter((f) => f.connection === 0).map((f) => `${f.id}: ${f.summary} ${f.action}`);
      expect(said.some((x) => x.startsWith('tcp-reset') && x.includes('from 10.3.30.1:1048')), said.join('\n')).to.equal(true);
      expect(said.some((x) => x.startsWith('early-half-close') && x.includes('10.3.30.1:1048 sent FIN')), said.join('\n')).to.equal(true);
      expect(said.some((x) => x.startsWith('zero-window') && x.includes('10.3.71.7:1043 closed its receive window')), said.join('\n')).to.equal(true);
      expect(said.join('\n')).to.not.match(/the client|the server/);
    });
  });

  interface DownloadOptions {
    final?: string; //   the reply after the transfer, default 226
    closed?: boolean; // `lay` ended the data connection itself (no FINs added)
    step?: number; //    seconds between frames (TraceOptions.step)
    open?: (t: TraceBuilder, c: TcpLadder) => TcpLadder; // PASV, RETR, the data connection's handshake and 150
  }

  /** A passive RETR: `lay` writes the data connection's segments (it returns what the test needs);
   *  then FINs both ways unless `lay` ended it, and the final reply on the control connection. */
  function download<T>(lay: (d: TcpLadder) => T, o: DownloadOptions = {}): { t: TraceBuilder; got: T } {
    const t = new TraceBuilder({ step: o.step });
    const c = login(t);
    const d = (o.open ?? openPassiveRetr)(t, c);
    const got = lay(d);
    if (!o.closed) {
      d.server('FA');
      d.client('FA');
      d.server('A');
    }
    c.server('PA', `${o.final ?? '226 Transfer complete'}\r\n`);
    quit(c);
    return { t, got };
  }

  /** The server's segment 2 reaches the capture point 0.3 ms before segment 1; its first byte. */
  function reorderTwo(d: TcpLadder): { first: number; late: number } {
    const first = d.nextSeq('server');
    d.lose('server', 1440);
    d.server('A', 1440);
    return { first, late: d.server('A', 1440, { seq: first, noAdvance: true, dt: 0.0003 }) };
  }

  describe('a gap a later out-of-order segment fills is reordering (A2)', () => {
    it('no lost-segment warning; out-of-order says the gap it filled was reordering', () => {
      const { t, got } = download((d) => {
        const o = reorderTwo(d);
        d.server('PA', 1000);
        d.client('A');
        return o;
      });
      const r = analyzeTrace(t);
      expect(byId(r, 'lost-segment')).to.have.length(0);
      const [f] = byId(r, 'out-of-order');
      expect(f!.severity).to.equal('info');
      expect(f!.frames).to.deep.equal([got.late]);
      expect(f!.summary).to.include('filling 1 gap').and.include('reordered on the way, nothing was lost');
      expect(r.transfers[0]!.outcome).to.equal('complete');
    });

    /** A passive RETR whose data connection's server answers the SYN `turnaround` s after it (as
     *  the capture point sees it); a server segment is missing, the client reports the hole with
     *  a SACK, and the missing segment comes `fillAfter` s after that report. */
    function holeFilled(turnaround: number, fillAfter: number): { t: TraceBuilder; got: number } {
      const open = (t: TraceBuilder, c: TcpLadder): TcpLadder => {
        c.client('PA', 'PASV\r\n');
        c.server('PA', '227 Entering Passive Mode (198,51,100,20,195,80)\r\n');
        c.client('PA', 'RETR a.bin\r\n');
        const d = t.tcp({ client: '192.0.2.10:41000', server: '198.51.100.20:50000', sackPermitted: true });
        d.client('S', undefined, { options: d.synOptions(d.c) });
        d.server('SA', undefined, { options: d.synOptions(d.s), dt: turnaround });
        d.client('A');
        c.server('PA', '150 Opening BINARY mode data connection\r\n');
        return d;
      };
      return download(
        (d) => {
          d.server('A', 1448);
          d.client('A');
          const first = d.nextSeq('server');
          d.lose('server', 1448);
          d.server('A', 1448, { dt: 0.001 });
          d.client('A', undefined, { ack: first, options: { sack: [[first + 1448, first + 2896]] }, dt: 0.00003 });
          const fill = d.server('A', 1448, { seq: first, noAdvance: true, dt: fillAfter });
          d.client('A');
          return fill;
        },
        { step: 0.00001, open },
      );
    }

    it('the missing segment came 0.25 ms after the hole was reported, the server 29 ms away: reordering (nDPI ftp.pcap)', () => {
      const { t, got: fill } = holeFilled(0.0288, 0.00025);
      const r = analyzeTrace(t);
      expect(byId(r, 'lost-segment')).to.have.length(0);
      const [f] = byId(r, 'out-of-order');
      expect(f!.frames).to.deep.equal([fill]);
      expect(f!.summary).to.include('reordered on the way, nothing was lost');
    });

    it('the same 20 us after the report with the capture next to the server: its retransmission, loss stays a warning', () => {
      const { t } = holeFilled(0.000055, 0.00002);
      const r = analyzeTrace(t);
      const [f] = byId(r, 'lost-segment');
      expect(f!.severity).to.equal('warning');
      expect(byId(r, 'out-of-order')[0]!.summary).to.not.include('reordered on the way');
    });

    it('a second gap nobody filled is still a lost segment, counted alone', () => {
      const { t } = download(
        (d) => {
          const { first } = reorderTwo(d);
          d.lose('server', 1440); // never seen, never acknowledged
          d.server('PA', 1000);
          d.client('A', undefined, { ack: first + 2880 });
          d.server('FA', undefined, { dt: 1 });
        },
        { final: '426 Connection closed; transfer aborted', closed: true },
      );
      const [f] = byId(analyzeTrace(t), 'lost-segment');
      expect(f!.summary).to.match(/: 1 gap in the byte stream/);
    });
  });

  describe('one capture drop, one finding (B17)', () => {
    it('bytes missing from the capture and the ACKs that cover them: lost-segment cites both, no ack-unseen', () => {
      const { t, got: ack } = download((d) => {
        d.server('A', 1000);
        d.lose('server', 1000);
        d.server('A', 1000);
        return d.client('A');
      });
      const r = analyzeTrace(t);
      expect(byId(r, 'ack-unseen')).to.have.length(0);
      const [f, ...more] = byId(r, 'lost-segment');
      expect(more).to.have.length(0);
      expect(f!.severity).to.equal('info');
      expect(f!.frames).to.include(ack);
      expect(f!.summary).to.include(`(frame ${ack})`);
    });

    it('a RETR the client resets, answered 426: transfer-aborted alone, citing the RST', () => {
      const { t, got: rst } = download(
        (d) => {
          d.stream('server', 8000);
          d.client('A');
          return d.client('RA');
        },
        { final: '426 Connection closed; transfer aborted.', closed: true },
      );
      const r = analyzeTrace(t);
      expect(byId(r, 'tcp-reset')).to.have.length(0);
      const [f, ...more] = byId(r, 'transfer-aborted');
      expect(more).to.have.length(0);
      expect(f!.frames).to.include(rst);
      expect(f!.summary).to.include(`the FTP client reset the data connection at frame ${rst}`);
    });
  });
});
