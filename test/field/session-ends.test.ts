// A client that closes the control connection without QUIT (FIN; the server's goodbye or last
// reply; the client's stack answering it with RST) is one harmless event, said once at info,
// not a half-close and a reset at warning (trial 1, A5).

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { analyzeTrace, byId, login, openPassiveRetr, quit, streamedFindings } from './support.ts';

const ids = (r: ReturnType<typeof analyzeTrace>) => r.findings.map((f) => `${f.severity}:${f.id}`);

describe('field captures: a client that leaves without QUIT', () => {
  it('FIN after a 550, the server says goodbye, the client stack resets: one info finding', () => {
    const t = new TraceBuilder();
    const c = login(t);
    c.client('PA', 'SIZE gone.tar.gz\r\n');
    c.server('PA', '550 gone.tar.gz: No such file or directory.\r\n');
    const fin = c.client('FA');
    c.server('A');
    const bye = c.server('PA', '221 You could at least say goodbye.\r\n');
    const rst = c.client('R');
    c.server('FA');
    c.client('R');
    const r = analyzeTrace(t);
    const [f] = byId(r, 'closed-without-quit');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.include(`the client closed the control connection without QUIT (FIN at frame ${fin}, after SIZE gone.tar.gz)`);
    expect(f!.summary).to.include(`the server's 221 You could at least say goodbye. (frame ${bye}) came after it and drew a RST from the client's stack (frame ${rst})`);
    expect(f!.frames).to.deep.equal([fin, bye, rst]);
    expect(ids(r).filter((x) => !x.endsWith('file-unavailable'))).to.deep.equal(['info:closed-without-quit']);
    expect(streamedFindings(t).map((x) => x.id)).to.include('closed-without-quit').and.not.include.members(['early-half-close', 'control-reset']);
  });

  it('FIN while PASS awaits its reply; the 530 arrives after it and is reset: the same, naming what was pending', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.10:40000', server: '198.51.100.20:21' });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'USER anonymous\r\n');
    c.server('PA', '331 send your e-mail address\r\n');
    c.client('PA', 'PASS me@example.org\r\n');
    c.client('FA', undefined, { dt: 1 });
    c.server('PA', '530 Sorry, only 3 connections per host!\r\n');
    c.client('R');
    const r = analyzeTrace(t);
    const [f] = byId(r, 'closed-without-quit');
    expect(f!.summary).to.include('while PASS REDACTED still awaited its reply');
    expect(f!.summary).to.include("the server's 530 Sorry, only 3 connections per host!");
    expect(r.findings.filter((x) => x.severity !== 'info').map((x) => x.id)).to.deep.equal(['login-failed']);
  });

  it('not said for QUIT, nor for an ordinary FIN both ways; a transfer still running keeps the louder story', () => {
    const t = new TraceBuilder();
    quit(login(t));
    expect(byId(analyzeTrace(t), 'closed-without-quit')).to.deep.equal([]);
    const plain = new TraceBuilder();
    const p = login(plain);
    p.close();
    expect(byId(analyzeTrace(plain), 'closed-without-quit')).to.deep.equal([]);
    const mid = new TraceBuilder();
    const c = login(mid);
    const d = openPassiveRetr(mid, c);
    d.stream('server', 5000);
    c.client('FA');
    c.server('PA', '426 Connection closed; transfer aborted.\r\n');
    c.client('R');
    const r = analyzeTrace(mid);
    expect(byId(r, 'closed-without-quit')).to.deep.equal([]);
    expect(r.findings.some((x) => x.severity !== 'info')).to.equal(true);
  });
});
