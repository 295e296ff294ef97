// Every finding's advice fits its summary: which side sent an overlong line, likely causes chosen
// for the case at hand, a 530 read for what its text says (trial 1, A9).

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { analyzeTrace, byId, login, quit } from './support.ts';

describe('field captures: advice that fits the finding', () => {
  describe('control-line-too-long says which side sent the line', () => {
    it('an overlong 227 from the server: the server is named, and the action looks at the server', () => {
      const t = new TraceBuilder();
      const c = login(t);
      c.client('PA', 'PASV\r\n');
      c.server('PA', `227 Entering Passive Mode (${'9,'.repeat(6000)}1,2)\r\n`);
      quit(c);
      const [f] = byId(analyzeTrace(t), 'control-line-too-long');
      expect(f!.summary).to.match(/the server sent 1 reply line longer than the FTP parser's limit \(first at frame \d+\)/);
      expect(f!.action).to.include('what the server sent');
      expect(f!.action).to.not.include('client sent');
      expect(f!.causes!.join(' ')).to.include('server');
    });

    it('an overlong command from the client: the client is named; both: each counted', () => {
      const t = new TraceBuilder();
      const c = login(t);
      c.client('PA', `CWD ${'a'.repeat(9000)}\r\n`);
      c.server('PA', '500 Command too long\r\n');
      quit(c);
      const [f] = byId(analyzeTrace(t), 'control-line-too-long');
      expect(f!.summary).to.include('the client sent 1 command line longer');
      expect(f!.action).to.include('what the client sent');
      const both = new TraceBuilder();
      const b = login(both);
      b.client('PA', `CWD ${'a'.repeat(9000)}\r\n`);
      b.server('PA', `500 ${'b'.repeat(9000)}\r\n`);
      quit(b);
      const [g] = byId(analyzeTrace(both), 'control-line-too-long');
      expect(g!.summary).to.include('2 control lines longer than the FTP parser\'s limit, 1 from the client and 1 from the server');
    });
  });

  describe('likely causes chosen per case', () => {
    it('a 425 because no PASV/PORT was sent lists no firewall; a refused data SYN lists nothing listening', () => {
      const t = new TraceBuilder();
      const c = login(t);
      c.client('PA', 'RETR secret.txt\r\n');
      c.server('PA', '425 Use PORT or PASV first.\r\n');
      quit(c);
      const [f] = byId(analyzeTrace(t), 'data-connection-failed');
      expect(f!.summary).to.include('without announcing a data connection first');
      expect(f!.causes!.join(' ')).to.not.match(/firewall|NAT/);
      expect(f!.causes!.join(' ')).to.include('without PASV/EPSV or PORT/EPRT first');
      const r = new TraceBuilder();
      const d = login(r);
      d.client('PA', 'PASV\r\n');
      d.server('PA', '227 Entering Passive Mode (198,51,100,20,195,80)\r\n');
      d.client('PA', 'RETR a.bin\r\n');
      const data = r.tcp({ client: '192.0.2.10:41000', server: '198.51.100.20:50000' });
      data.client('S');
      data.server('RA', undefined, { ack: 1 });
      d.server('PA', '425 Failed to establish connection.\r\n');
      quit(d);
      const [g] = byId(analyzeTrace(r), 'data-connection-failed');
      expect(g!.summary).to.include('was refused with RST');
      expect(g!.causes!.join(' ')).to.include('nothing listening');
      expect(g!.causes!.join(' ')).to.not.include('private address');
    });

    it('a PORT to a third host lists no NAT; one announcing a private address behind NAT does', () => {
      const t = new TraceBuilder();
      const c = login(t);
      c.client('PA', 'PORT 203,0,113,80,0,80\r\n');
      c.server('PA', '200 PORT command successful.\r\n');
      quit(c);
      const [f] = byId(analyzeTrace(t), 'active-address-mismatch');
      expect(f!.summary).to.include('the FTP bounce pattern');
      expect(f!.causes!.join(' ')).to.not.include('NAT');
      expect(f!.causes!.join(' ')).to.include('bounce');
      const n = new TraceBuilder();
      const d = login(n);
      d.client('PA', 'PORT 10,0,0,5,195,80\r\n');
      d.server('PA', '200 PORT command successful.\r\n');
      d.client('PA', 'RETR a.bin\r\n');
      d.server('PA', '425 Failed to establish connection.\r\n', { dt: 5 });
      quit(d);
      const [g] = byId(analyzeTrace(n), 'active-address-mismatch');
      expect(g!.causes!.join(' ')).to.include('behind NAT');
    });

    it('control-reset: causes follow how it ended (after QUIT, after its own FIN, mid-session)', () => {
      const afterQuit = new TraceBuilder();
      const a = login(afterQuit);
      a.client('PA', 'QUIT\r\n');
      a.server('PA', '221 Goodbye.\r\n');
      a.client('RA');
      const [q] = byId(analyzeTrace(afterQuit), 'control-reset');
      expect(q!.severity).to.equal('info');
      expect(q!.causes!.join(' ')).to.not.match(/idle|NAT|died/);
      const mid = new TraceBuilder();
      const m = login(mid);
      m.client('PA', 'NOOP\r\n');
      m.server('PA', '200 ok\r\n');
      m.server('RA', undefined, { dt: 300 });
      const [x] = byId(analyzeTrace(mid), 'control-reset');
      expect(x!.severity).to.equal('error');
      expect(x!.causes!.join(' ')).to.match(/idle/);
      const finThenRst = new TraceBuilder();
      const f = login(finThenRst);
      f.server('FA');
      f.client('PA', 'NOOP\r\n');
      f.server('R');
      const [y] = byId(analyzeTrace(finThenRst), 'control-reset');
      expect(y!.summary).to.include('closed its side');
      expect(y!.causes!.join(' ')).to.include('unread data');
      expect(y!.causes!.join(' ')).to.not.match(/idle/);
    });
  });
});
