// Class 6 of issue 23: connection attempts to the FTP port that were refused or never answered
// are FTP findings, and a retry that got through makes them context.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { analyzeTrace, byId, login, quit, streamedFindings } from './support.ts';

/** SYNs with the usual backoff (1 s, 2 s, …), unanswered or answered by RST. */
function attempt(t: TraceBuilder, client: string, server: string, syns: number, refused = false): void {
  const c = t.tcp({ client, server });
  for (let i = 0; i < syns; i++) c.client('S', undefined, { noAdvance: true, dt: i === 0 ? 0 : 2 ** (i - 1) * 3 });
  if (refused) c.server('RA', undefined, { ack: 1 });
}


describe('field captures: attempts to reach the FTP server', () => {
  it('SYNs to port 21 that nobody answers: the client could not reach the FTP server (error)', () => {
    const t = new TraceBuilder();
    attempt(t, '192.0.2.7:49200', '198.51.100.21:21', 3);
    const r = analyzeTrace(t);
    const [f] = byId(r, 'ftp-server-unreachable');
    expect(f!.severity).to.equal('error');
    expect(f!.frames).to.deep.equal([1, 2, 3]);
    expect(f!.summary).to.include('could not reach the FTP server 198.51.100.21 on port 21: no answer to 3 SYNs in 9.002 s');
    expect(byId(r, 'handshake-unanswered')).to.have.length(0);
    expect(streamedFindings(t).map((x) => `${x.severity}:${x.id}`)).to.include('error:ftp-server-unreachable');
  });

  it('a SYN to port 21 answered by RST: refused, nothing listening (error)', () => {
    const t = new TraceBuilder();
    attempt(t, '192.0.2.7:49201', '198.51.100.21:21', 1, true);
    const [f] = byId(analyzeTrace(t), 'ftp-server-unreachable');
    expect(f!.severity).to.equal('error');
    expect(f!.summary).to.include('refused the connection from 192.0.2.7 to port 21: RST at frame 2');
  });

  it('a refused attempt, then a session from the same client that works: info, with that context', () => {
    const t = new TraceBuilder();
    attempt(t, '192.0.2.10:39999', '198.51.100.20:21', 1, true);
    t.wait(1);
    const c = login(t);
    quit(c);
    const r = analyzeTrace(t);
    const [f] = byId(r, 'ftp-server-unreachable');
    expect(f!.severity).to.equal('info');
    expect(f!.session).to.equal(0);
    expect(f!.summary).to.include('then got through: session 0 from the same client starts at frame 3');
    expect(r.findings.filter((x) => x.severity !== 'info')).to.deep.equal([]);
    expect(streamedFindings(t).map((x) => `${x.severity}:${x.id}`).sort()).to.deep.equal(r.findings.map((x) => `${x.severity}:${x.id}`).sort());
  });

  it('unanswered SYNs that end only with the capture, while the retry already runs, are a retry too', () => {
    const t = new TraceBuilder();
    attempt(t, '192.0.2.10:39998', '198.51.100.20:21', 2);
    const c = login(t);
    quit(c);
    const [f] = byId(analyzeTrace(t), 'ftp-server-unreachable');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.include('no answer to 2 SYNs), then got through');
  });

  it('each case has its own title and likely causes: no "not running" for silence, no "could not reach" when too soon to tell', () => {
    const dropped = new TraceBuilder();
    attempt(dropped, '192.0.2.7:49210', '198.51.100.21:21', 3);
    const [u] = byId(analyzeTrace(dropped), 'ftp-server-unreachable');
    expect(u!.title).to.equal('Client could not reach the FTP server');
    expect(u!.causes!.join(' ')).to.not.match(/not running|refused/);
    const refused = new TraceBuilder();
    attempt(refused, '192.0.2.7:49211', '198.51.100.21:21', 1, true);
    const [f] = byId(analyzeTrace(refused), 'ftp-server-unreachable');
    expect(f!.title).to.equal('FTP server refused the connection');
    expect(f!.causes!.join(' ')).to.include('not running').and.not.include('dropping');
    const cut = new TraceBuilder();
    quit(login(cut, { client: '192.0.2.9:40000' }));
    attempt(cut, '192.0.2.7:49212', '198.51.100.20:21', 1);
    const [c] = byId(analyzeTrace(cut), 'ftp-server-unreachable');
    expect(c!.severity).to.equal('info');
    expect(c!.summary).to.include('too soon to see whether the server answered');
    expect(c!.title).to.not.match(/could not reach/);
  });

  it('a port another session uses for control counts; other ports stay background traffic', () => {
    const t = new TraceBuilder();
    attempt(t, '192.0.2.8:49300', '198.51.100.20:2121', 2);
    attempt(t, '192.0.2.8:49301', '198.51.100.20:443', 2);
    const c = login(t, { client: '192.0.2.9:40000', server: '198.51.100.20:2121' });
    quit(c);
    const r = analyzeTrace(t);
    const fs = byId(r, 'ftp-server-unreachable');
    expect(fs.map((f) => [f.connection, f.severity])).to.deep.equal([[0, 'error']]);
    expect(byId(r, 'handshake-unanswered').map((f) => [f.connection, f.severity])).to.deep.equal([[1, 'info']]);
  });
});
