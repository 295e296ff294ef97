// RFC 9293 endpoint states as seen from the capture point, roles, and Zeek's conn_state/history.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { run, statesOf } from './helpers.ts';

function ftp(t = new TraceBuilder()) {
  return { t, c: t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' }) };
}

describe('tcp/state: endpoint state machine', () => {
  it('handshake, data and a close begun by the client', () => {
    const { t, c } = ftp();
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 bye\r\n');
    const [fin1, ack1, fin2, ack2] = c.close();
    const { conns } = run(t);
    const k = conns[0]!;
    expect(statesOf(k, 'client')).to.deep.equal(['SYN-SENT', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT']);
    expect(statesOf(k, 'server')).to.deep.equal(['LISTEN', 'SYN-RECEIVED', 'ESTABLISHED', 'CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
    // each transition carries the frame that shows it
    expect(k.client.transitions.list().map((x) => x.frame)).to.deep.equal([1, 3, fin1, ack1, fin2]);
    expect(k.server.transitions.list().map((x) => x.frame)).to.deep.equal([1, 2, 3, fin1, fin2, ack2]);
    expect(k.connState).to.equal('SF');
    expect(k.history).to.equal('ShAdDFaf');
    expect(k.closedBy).to.equal('client');
    expect(k.closeKind).to.equal('fin');
    expect(k.closeFrame).to.equal(fin1);
    expect(k.client.finFrame).to.equal(fin1);
    expect(k.server.finFrame).to.equal(fin2);
    expect(k.client.bytesSent).to.equal(6);
    expect(k.client.bytesAcked).to.equal(6);
    expect(k.server.bytesSent).to.equal(20);
    expect(k.server.bytesAcked).to.equal(20);
    expect(k.roleGuessed).to.equal(false);
    expect(k.client.isn).to.equal(c.isn('client'));
    expect(k.client.mss).to.equal(1460);
    expect(k.ended).to.equal(true);
  });

  it('a close begun by the server', () => {
    const { t, c } = ftp();
    c.handshake();
    c.server('FA');
    c.client('A');
    c.client('FA');
    c.server('A');
    const k = run(t).conns[0]!;
    expect(statesOf(k, 'server').slice(-3)).to.deep.equal(['FIN-WAIT-1', 'FIN-WAIT-2', 'TIME-WAIT']);
    expect(statesOf(k, 'client').slice(-3)).to.deep.equal(['CLOSE-WAIT', 'LAST-ACK', 'CLOSED']);
    expect(k.closedBy).to.equal('server');
    expect(k.connState).to.equal('SF');
  });

  it('a simultaneous close goes through CLOSING to TIME-WAIT on both ends', () => {
    const { t, c } = ftp();
    c.handshake();
    c.client('FA');
    // the server's FIN crossed the client's: it does not acknowledge it
    c.server('FA', undefined, { ack: 1 });
    c.client('A');
    c.server('A');
    const k = run(t).conns[0]!;
    expect(k.client.state).to.equal('TIME-WAIT');
    expect(k.server.state).to.equal('TIME-WAIT');
    expect(statesOf(k, 'client')).to.include('CLOSING');
    expect(statesOf(k, 'server')).to.include('CLOSING');
  });

  it('an RST from the client in ESTABLISHED: RSTO, both ends CLOSED, the reset fact', () => {
    const { t, c } = ftp();
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'USER x\r\n'); // not acknowledged before the RST
    const rst = c.client('RA');
    const k = run(t).conns[0]!;
    expect(k.connState).to.equal('RSTO');
    expect(k.client.state).to.equal('CLOSED');
    expect(k.server.state).to.equal('CLOSED');
    expect(k.client.rstFrame).to.equal(rst);
    expect(k.closedBy).to.equal('client');
    expect(k.closeKind).to.equal('rst');
    expect(k.reset).to.deep.include({ by: 'client', frame: rst, senderState: 'ESTABLISHED', peerState: 'ESTABLISHED' });
    expect(k.reset!.unackedBySender).to.equal(8);
    expect(k.reset!.unackedByPeer).to.equal(0);
    expect(k.events['tcp-reset']).to.deep.equal({ count: 1, frames: [rst], client: 1, server: 0 });
  });

  it('an RST from the server: RSTR', () => {
    const { t, c } = ftp();
    c.handshake();
    c.client('PA', 'USER x\r\n');
    c.server('RA');
    expect(run(t).conns[0]!.connState).to.equal('RSTR');
  });

  it('a SYN answered by RST: REJ, handshake-refused, both CLOSED', () => {
    const { t, c } = ftp();
    c.client('S');
    c.server('RA', undefined, { seq: 0, ack: 1 });
    const k = run(t).conns[0]!;
    expect(k.connState).to.equal('REJ');
    expect(statesOf(k, 'client')).to.deep.equal(['SYN-SENT', 'CLOSED']);
    expect(statesOf(k, 'server')).to.deep.equal(['LISTEN', 'CLOSED']);
    expect(k.events['handshake-refused']).to.deep.equal({ count: 1, frames: [2], client: 0, server: 1 });
    expect(k.events['tcp-reset']).to.equal(undefined);
    expect(k.reset).to.equal(null);
    expect(k.closedBy).to.equal('server');
  });

  it('an RST whose ACK does not acknowledge the SYN is not taken (RFC 9293 3.10.7.3)', () => {
    const { t, c } = ftp();
    c.client('S');
    c.server('RA', undefined, { seq: 0, ack: 0 }); // acks the ISN itself, not ISN + 1
    c.server('SA');
    c.client('A');
    const k = run(t).conns[0]!;
    expect(k.events['handshake-refused']).to.equal(undefined);
    expect(k.client.state).to.equal('ESTABLISHED');
    expect(k.server.rstFrame).to.equal(2);
  });

  it('a SYN never answered: S0 and handshake-unanswered with every SYN', () => {
    const { t, c } = ftp();
    c.client('S');
    c.client('S', undefined, { seq: 0, dt: 1 });
    c.client('S', undefined, { seq: 0, dt: 2 });
    const k = run(t).conns[0]!;
    expect(k.connState).to.equal('S0');
    expect(k.history).to.equal('S');
    expect(k.client.state).to.equal('SYN-SENT');
    expect(k.server.state).to.equal('LISTEN');
    expect(k.events['handshake-unanswered']).to.deep.equal({ count: 3, frames: [1, 2, 3], client: 3, server: 0 });
  });

  it('a SYN whose answer the capture missed is not unanswered: the client went on with ACKs', () => {
    const { t, c } = ftp();
    c.client('S');
    c.lose('server', 0);
    c.client('A', undefined, { seq: 1, ack: 1 });
    c.client('PA', 'USER x\r\n', { seq: 1, ack: 1 });
    const k = run(t).conns[0]!;
    expect(k.events['handshake-unanswered']).to.equal(undefined);
  });

  it('SYN then RST from the originator: RSTOS0; SYN then FIN: SH', () => {
    const a = ftp();
    a.c.client('S');
    a.c.client('R', undefined, { seq: 1 });
    expect(run(a.t).conns[0]!.connState).to.equal('RSTOS0');
    const b = ftp();
    b.c.client('S');
    b.c.client('F', undefined, { seq: 1 });
    expect(run(b.t).conns[0]!.connState).to.equal('SH');
  });

  it('established and never closed: S1; one FIN unanswered: S2 / S3', () => {
    const a = ftp();
    a.c.handshake();
    a.c.client('PA', 'NOOP\r\n');
    a.c.server('PA', '200 ok\r\n');
    expect(run(a.t).conns[0]!.connState).to.equal('S1');
    const b = ftp();
    b.c.handshake();
    b.c.client('FA');
    expect(run(b.t).conns[0]!.connState).to.equal('S2');
    const d = ftp();
    d.c.handshake();
    d.c.server('FA');
    expect(run(d.t).conns[0]!.connState).to.equal('S3');
  });

  it('a SYN-ACK without its SYN: roles are certain, history flipped; RST → RSTRH, FIN → SHR', () => {
    const a = ftp();
    a.c.server('SA', undefined, { ack: 1 });
    a.c.server('R', undefined, { seq: 1 });
    const k = run(a.t).conns[0]!;
    expect(k.roleGuessed).to.equal(false);
    expect(k.client.port).to.equal(40000);
    expect(k.history.startsWith('^h')).to.equal(true);
    expect(k.connState).to.equal('RSTRH');
    const b = ftp();
    b.c.server('SA', undefined, { ack: 1 });
    b.c.server('F', undefined, { seq: 1 });
    expect(run(b.t).conns[0]!.connState).to.equal('SHR');
  });

  it('SYN-ACK seen, SYN missed: the client goes SYN-SENT → ESTABLISHED with its ACK', () => {
    const { t, c } = ftp();
    c.server('SA', undefined, { ack: 1 });
    c.client('A', undefined, { seq: 1 });
    c.client('PA', 'USER x\r\n', { seq: 1 });
    const k = run(t).conns[0]!;
    expect(statesOf(k, 'client')).to.deep.equal(['SYN-SENT', 'ESTABLISHED']);
    expect(statesOf(k, 'server')).to.deep.equal(['SYN-RECEIVED', 'ESTABLISHED']);
    expect(k.client.bytesSent).to.equal(8);
  });
});

describe('tcp/state: captures that begin mid-connection', () => {
  it('mid-stream traffic: UNKNOWN → ESTABLISHED, OTH, roles from port 21 even when the server speaks first', () => {
    const { t, c } = ftp();
    c.lose('server', 100);
    c.lose('client', 50);
    c.server('PA', '226 done\r\n', { seq: 101, ack: 51 });
    c.client('A', undefined, { seq: 51 });
    const r = run(t);
    const k = r.conns[0]!;
    expect(k.roleGuessed).to.equal(true);
    expect(k.server.port).to.equal(21);
    expect(k.client.port).to.equal(40000);
    expect(k.client.state).to.equal('ESTABLISHED');
    expect(k.server.state).to.equal('ESTABLISHED');
    expect(k.client.transitions.at(0).frame).to.equal(1);
    expect(k.connState).to.equal('OTH');
    expect(k.history.startsWith('^')).to.equal(true);
    // the stream starts at the first byte seen: no gap for what came before the capture
    expect(r.rec.stream(0, 'server')).to.equal('226 done\r\n');
    expect(r.rec.gaps(0, 'server')).to.deep.equal([]);
    expect(k.server.bytesCaptured).to.equal(10);
  });

  it('FTP active data mid-capture: the port-20 side is the server', () => {
    const t = new TraceBuilder();
    const d = t.tcp({ client: '198.51.100.7:20', server: '192.0.2.1:50123' }); // port 20 sends first
    d.lose('client', 1000);
    d.client('A', 500, { seq: 1001 });
    const k = run(t).conns[0]!;
    expect(k.server.port).to.equal(20);
    expect(k.roleGuessed).to.equal(true);
  });

  it('port heuristic: a well-known port faces an unprivileged one; else the lower port', () => {
    const t = new TraceBuilder();
    const a = t.tcp({ client: '192.0.2.1:990', server: '192.0.2.2:51000' });
    a.client('A', 10, { seq: 1 }); // sender is the well-known side
    const b = t.tcp({ client: '192.0.2.1:61000', server: '192.0.2.2:50001' });
    b.client('A', 10, { seq: 1 });
    const c = t.tcp({ client: '192.0.2.3:50001', server: '192.0.2.4:61000' });
    c.client('A', 10, { seq: 1 });
    const conns = run(t).conns;
    expect(conns[0]!.server.port).to.equal(990);
    expect(conns[1]!.server.port).to.equal(50001);
    expect(conns[2]!.server.port).to.equal(50001);
  });
});
