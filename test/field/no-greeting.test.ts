// A server that accepts the TCP connection on the FTP port and turns the client away before any
// greeting (closes it, resets it, or greets with 421), with the SYN in the capture: an FTP
// failure said as such, never "capture began mid-session" (trial 1, A3).

import { expect } from 'chai';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { analyzeTrace, byId, json, login, quit, streamedFindings, text } from './support.ts';

const CLIENT = '192.0.2.30:51000';
const SERVER = '198.51.100.40:21';

/** Handshake, then the server closes after `wait` seconds (FIN or RST); `then` lays the rest. */
function turnedAway(kind: 'fin' | 'rst', then: (c: TcpLadder) => void = () => {}, wait = 0.1): TraceBuilder {
  const t = new TraceBuilder();
  const c = t.tcp({ client: CLIENT, server: SERVER });
  c.handshake();
  c.server(kind === 'fin' ? 'FA' : 'RA', undefined, { dt: wait });
  then(c);
  return t;
}

const loud = (r: ReturnType<typeof analyzeTrace>) => r.findings.filter((f) => f.severity !== 'info').map((f) => `${f.severity}:${f.id}`);

describe('field captures: a server that closes without a greeting', () => {
  it('FIN 0.25 s after the handshake, nothing sent: an FTP error, not only "no FTP traffic"', () => {
    const t = turnedAway('fin', (c) => {
      c.client('A');
      c.client('FA');
      c.server('A');
    }, 0.25);
    const r = analyzeTrace(t);
    const [f] = byId(r, 'server-closed-without-greeting');
    expect(f!.severity).to.equal('error');
    expect(f!.summary).to.match(/accepted the connection from 192\.0\.2\.30 on port 21 \(SYN-ACK at frame 2\) and closed it 0\.25\d s later without a greeting \(FIN at frame 4\)/);
    expect(f!.summary).to.include('tcp_wrappers/hosts.deny, a per-IP or connection limit, or a crashed service');
    expect(loud(r)).to.deep.equal(['error:server-closed-without-greeting']);
    expect(streamedFindings(t).map((x) => `${x.severity}:${x.id}`)).to.include('error:server-closed-without-greeting');
  });

  it('RST right after the handshake: "reset", the same error', () => {
    const r = analyzeTrace(turnedAway('rst', () => {}, 0.002));
    const [f] = byId(r, 'server-closed-without-greeting');
    expect(f!.severity).to.equal('error');
    expect(f!.summary).to.match(/and reset it 0\.00\d s later without a greeting \(RST at frame 4\)/);
    expect(loud(r)).to.deep.equal(['error:server-closed-without-greeting']);
  });

  it('the client sends QUIT into the closed connection (a session): the same finding, the session began in the capture', () => {
    const t = turnedAway('fin', (c) => {
      c.client('A');
      c.client('PA', 'QUIT\r\n');
      c.server('R', undefined, { ack: 2 });
    });
    const r = analyzeTrace(t);
    expect(r.sessions).to.have.length(1);
    const s = r.sessions[0]!;
    expect([s.startedMidSession, s.loginState]).to.deep.equal([false, 'not-logged-in']);
    expect(loud(r)).to.deep.equal(['error:server-closed-without-greeting']);
    const [f] = byId(r, 'server-closed-without-greeting');
    expect(f!.summary).to.include("the client's command (frame 6) got no reply");
    // no half-close or reset story for the same event, no "began mid-session"
    expect(r.findings.map((x) => x.id)).to.not.include.members(['early-half-close', 'control-reset', 'unanswered-command']);
    expect(text(r)).to.not.include('mid-session');
    expect(json(r)['sessions'][0].startedMidSession).to.equal(false);
  });

  it('a 421 greeting with the SYN in the capture: service-unavailable, and the session did not begin before the capture', () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: CLIENT, server: SERVER });
    c.handshake();
    c.server('PA', '421 Too many connections (8) from this IP\r\n');
    c.server('FA');
    c.client('FA');
    c.server('A');
    const r = analyzeTrace(t);
    const s = r.sessions[0]!;
    expect([s.startedMidSession, s.loginState, s.greeting?.code]).to.deep.equal([false, 'not-logged-in', 421]);
    const [f] = byId(r, 'service-unavailable');
    expect(f!.summary).to.include('421 Too many connections (8) from this IP at frame 4 instead of a greeting');
    expect(text(r)).to.not.include('mid-session');
    expect(byId(r, 'server-closed-without-greeting')).to.deep.equal([]);
  });

  it('turned away, then a session from the same client gets in: a warning with that context', () => {
    const t = turnedAway('fin', (c) => {
      c.client('FA');
      c.server('A');
    });
    t.wait(2);
    quit(login(t, { client: '192.0.2.30:51001', server: SERVER }));
    const r = analyzeTrace(t);
    const [f] = byId(r, 'server-closed-without-greeting');
    expect(f!.severity).to.equal('warning');
    expect(f!.summary).to.include('the same client then opened session 0 (frame 7)');
  });

  it('a session seen from its middle still began before the capture; a client that closes first is no refusal', () => {
    const t = new TraceBuilder();
    const c = login(t, { handshake: false, greeting: false });
    quit(c);
    const r = analyzeTrace(t);
    expect(r.sessions[0]!.startedMidSession).to.equal(true);
    const t2 = new TraceBuilder();
    const d = t2.tcp({ client: CLIENT, server: SERVER });
    d.handshake();
    d.client('FA', undefined, { dt: 0.1 });
    d.server('FA');
    d.client('A');
    expect(byId(analyzeTrace(t2), 'server-closed-without-greeting')).to.deep.equal([]);
  });
});
