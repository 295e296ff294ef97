// control-idle-timeout on crafted ladders: a control connection silent through a long transfer,
// then reset or left without its final reply; and the cases that must stay quiet.

import { expect } from 'chai';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { findings } from './support.ts';

/** Login, PASV, RETR; the data connection streams `chunks` segments `every` seconds apart.
 *  `after150` writes what the control connection carries before the data flows. */
function session(chunks: number, every: number, after150: (c: TcpLadder) => void = (c) => void c.client('A')): { t: TraceBuilder; c: TcpLadder; d: TcpLadder } {
  const t = new TraceBuilder();
  const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:21', serverTtl: 63 });
  c.handshake();
  c.server('PA', '220 ready\r\n');
  c.client('PA', 'USER anonymous\r\n');
  c.server('PA', '331 password\r\n');
  c.client('PA', 'PASS x\r\n');
  c.server('PA', '230 logged in\r\n');
  c.client('PA', 'PASV\r\n');
  c.server('PA', '227 Entering Passive Mode (198,51,100,2,195,80)\r\n');
  const d = t.tcp({ client: '192.0.2.1:40001', server: '198.51.100.2:50000', serverTtl: 63 });
  d.handshake();
  c.client('PA', 'RETR big.iso\r\n');
  c.server('PA', '150 Opening BINARY mode data connection for big.iso (14600 bytes)\r\n');
  after150(c);
  for (let i = 0; i < chunks; i++) {
    d.server('A', 1460, { dt: every });
    d.client('A');
  }
  d.server('FA');
  d.client('FA');
  d.server('A');
  return { t, c, d };
}

describe('control-idle-timeout', () => {
  it('a reset forged after 400 s of control silence during the transfer: compared with AWS NAT gateway', () => {
    const { t, c } = session(10, 40);
    c.client('PA', 'NOOP\r\n', { dt: 1 });
    c.server('R', undefined, { ttl: 64, ipId: 0 });
    const f = findings(t).find((x) => x.id === 'control-idle-timeout');
    expect(f).to.not.equal(undefined);
    expect(f!.severity).to.equal('error');
    expect(f!.summary).to.match(/silent for 40[0-9]\.\d s/);
    expect(f!.summary).to.contain("an RST forged in the server's name ended it");
    expect(f!.summary).to.contain("the silence exceeds AWS NAT gateway's 350 s idle timeout");
  });

  it('no final reply after the data connection closed cleanly, capture ending 1 h later: compared with Cisco ASA', () => {
    const { t, c } = session(5, 1);
    t.wait(3700);
    // another connection's packet marks how long the capture went on
    const other = t.tcp({ client: '192.0.2.1:40100', server: '198.51.100.9:80' });
    other.client('S');
    void c;
    const f = findings(t).find((x) => x.id === 'control-idle-timeout');
    expect(f, 'finding').to.not.equal(undefined);
    expect(f!.summary).to.contain('but the final reply never came');
    expect(f!.summary).to.contain("that is as long as Cisco ASA's 1 h default idle timeout");
  });

  it('stays quiet when the 226 arrives after a long silent transfer', () => {
    const { t, c } = session(10, 40);
    c.server('PA', '226 Transfer complete\r\n');
    c.client('A');
    expect(findings(t).some((x) => x.id === 'control-idle-timeout')).to.equal(false);
  });

  it('stays quiet when the client had closed the control connection before the silence ended', () => {
    // the client sent QUIT and closed its side during the transfer; the server's RST after the
    // silence answers a client that had gone, not a NAT that forgot an idle connection
    const { t, c } = session(10, 40, (ctl) => {
      ctl.client('PA', 'QUIT\r\n');
      ctl.client('FA');
    });
    c.server('PA', '226 Transfer complete\r\n', { dt: 1 });
    c.client('R', undefined, { ipId: 0 });
    const f = findings(t);
    expect(f.some((x) => x.id === 'control-idle-timeout'), f.map((x) => x.id).join()).to.equal(false);
  });

  it('stays quiet for a quick transfer whose control connection is reset by the server itself', () => {
    const { t, c } = session(3, 0.01);
    c.client('PA', 'NOOP\r\n', { dt: 0.5 });
    c.server('RA');
    expect(findings(t).some((x) => x.id === 'control-idle-timeout')).to.equal(false);
  });
});
