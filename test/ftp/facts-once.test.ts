// Each fact of the FTP conversation is recorded once, by the FTP stage, when it happens (issue
// 24): a command's working directory and path once the commands before it are answered, its
// parsed announcement, the login it falls under, a transfer's data-connection sides. The log and
// the diagnosis read them; these tests fail when either works a fact out again differently.

import { expect } from 'chai';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { buildOperations } from '../../src/report/log/operations.ts';
import { analyse } from '../support/analyse.ts';
import { runCrafted } from './pipeline.ts';

const CLIENT = '192.0.2.1';
const SERVER = '192.0.2.2';

function control(t: TraceBuilder): TcpLadder {
  const ctl = t.tcp({ client: `${CLIENT}:40000`, server: `${SERVER}:21` });
  ctl.handshake();
  ctl.server('PA', '220 ready\r\n');
  ctl.client('PA', 'USER anna\r\n');
  ctl.server('PA', '331 password\r\n');
  ctl.client('PA', 'PASS s3cret\r\n');
  ctl.server('PA', '230 ok\r\n');
  ctl.client('PA', 'PWD\r\n');
  ctl.server('PA', '257 "/" is the current directory\r\n');
  return ctl;
}

/** CWD sub, PASV and RETR a.bin and DELE b.txt pipelined in one segment, answered in order. */
function pipelined(cwdReply: string): TraceBuilder {
  const t = new TraceBuilder();
  const ctl = control(t);
  ctl.client('PA', 'CWD sub\r\nPASV\r\nRETR a.bin\r\nDELE b.txt\r\n');
  ctl.server('PA', `${cwdReply}\r\n`);
  ctl.server('PA', '227 Entering Passive Mode (192,0,2,2,195,80).\r\n');
  const d = t.tcp({ client: `${CLIENT}:50001`, server: `${SERVER}:50000` });
  ctl.server('PA', '150 Opening BINARY mode data connection for a.bin (1000 bytes).\r\n');
  d.handshake();
  d.stream('server', 1000);
  d.send('client', 'A');
  d.send('server', 'FA');
  d.send('client', 'FA');
  d.send('server', 'A');
  ctl.server('PA', '226 Transfer complete.\r\n');
  ctl.server('PA', '250 Delete operation successful.\r\n');
  ctl.client('PA', 'QUIT\r\n');
  ctl.server('PA', '221 bye\r\n');
  ctl.close();
  return t;
}

describe('ftp: each fact recorded once, when the server acts on the command', () => {
  it('pipelined CWD, RETR, DELE: the RETR and DELE are placed in the directory the CWD made', () => {
    const r = runCrafted(pipelined('250 Directory successfully changed.').frames());
    const s = r.ftp.sessions[0]!;
    const at = (verb: string) => s.commands.find((c) => c.verb === verb)!;
    expect([at('CWD').cwd, at('CWD').path]).to.deep.equal(['/', '/sub']);
    expect([at('RETR').cwd, at('RETR').path]).to.deep.equal(['/sub', '/sub/a.bin']);
    expect([at('DELE').cwd, at('DELE').path]).to.deep.equal(['/sub', '/sub/b.txt']);
    expect(r.ftp.transfers[0]!.path).to.equal('/sub/a.bin');
  });

  it('the log prints the RETR and the DELE at the paths the FTP stage recorded (the same directory)', () => {
    const ops = buildOperations(analyse(pipelined('250 Directory successfully changed.')));
    const path = (op: string) => ops.find((o) => o.operation === op)!.path;
    expect([path('CWD'), path('RETR'), path('DELE')]).to.deep.equal(['/sub', '/sub/a.bin', '/sub/b.txt']);
  });

  it('a pipelined CWD the server refused leaves the commands after it in the old directory', () => {
    const r = analyse(pipelined('550 Failed to change directory.'));
    const s = r.sessions[0]!;
    expect(s.commands.filter((c) => c.verb === 'RETR' || c.verb === 'DELE').map((c) => c.path)).to.deep.equal(['/a.bin', '/b.txt']);
    expect(r.transfers[0]!.path).to.equal('/a.bin');
    const ops = buildOperations(r);
    expect(ops.filter((o) => o.operation === 'RETR' || o.operation === 'DELE').map((o) => o.path)).to.deep.equal(['/a.bin', '/b.txt']);
  });

  it('SIZE then RETR pipelined: the 213 answered before the RETR is acted on gives its size', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    ctl.client('PA', 'SIZE big.iso\r\nPASV\r\nRETR big.iso\r\n');
    ctl.server('PA', '213 4096\r\n');
    ctl.server('PA', '227 Entering Passive Mode (192,0,2,2,195,80).\r\n');
    ctl.server('PA', '150 Opening BINARY mode data connection.\r\n');
    const d = t.tcp({ client: `${CLIENT}:50001`, server: `${SERVER}:50000` });
    d.handshake();
    d.stream('server', 4096);
    d.send('client', 'A');
    d.send('server', 'FA');
    d.send('client', 'FA');
    d.send('server', 'A');
    ctl.server('PA', '226 Transfer complete.\r\n');
    ctl.close();
    const x = runCrafted(t.frames()).ftp.transfers[0]!;
    expect([x.announcedBytes, x.announcedFrom, x.outcome]).to.deep.equal([4096, '213', 'complete']);
  });

  it('records each announcement on its command: PORT when sent, 227 when answered', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    ctl.client('PA', 'PORT 10,1,2,3,200,10\r\n');
    ctl.server('PA', '200 PORT command successful.\r\n');
    ctl.client('PA', 'PASV\r\n');
    ctl.server('PA', '227 Entering Passive Mode (198,51,100,9,195,80).\r\n');
    ctl.client('PA', 'EPSV\r\n');
    ctl.server('PA', '229 Entering Extended Passive Mode (|||50001|)\r\n');
    ctl.client('PA', 'PORT junk\r\n');
    ctl.server('PA', '501 Syntax error.\r\n');
    ctl.close();
    const r = analyse(t);
    const a = r.sessions[0]!.commands.map((c) => c.announcement && `${c.announcement.mode} ${c.announcement.addr}:${c.announcement.port} ${c.announcement.mismatch}`);
    expect(a.slice(-4)).to.deep.equal(['active 10.1.2.3:51210 true', 'passive 198.51.100.9:50000 true', 'passive null:50001 false', null]);
  });

  it('groups USER, PASS and ACCT into logins as the server asked for them, pipelined or not', () => {
    const t = new TraceBuilder();
    const ctl = t.tcp({ client: `${CLIENT}:40000`, server: `${SERVER}:21` });
    ctl.handshake();
    ctl.server('PA', '220 ready\r\n');
    ctl.client('PA', 'USER bob\r\nPASS wrong\r\n'); // pipelined
    ctl.server('PA', '331 password\r\n');
    ctl.server('PA', '530 Login incorrect.\r\n');
    ctl.client('PA', 'PASS again\r\n'); // without USER: a login of its own, for bob
    ctl.server('PA', '530 Login incorrect.\r\n');
    ctl.client('PA', 'USER carol\r\n');
    ctl.server('PA', '331 password\r\n');
    ctl.client('PA', 'PASS right\r\n');
    ctl.server('PA', '332 account please\r\n');
    ctl.client('PA', 'ACCT sales\r\n');
    ctl.server('PA', '230 ok\r\n');
    ctl.client('PA', 'NOOP\r\n');
    ctl.server('PA', '200 ok\r\n');
    ctl.close();
    const s = runCrafted(t.frames()).ftp.sessions[0]!;
    expect(s.logins).to.deep.equal([
      { user: 'bob', password: 'wrong', commands: [0, 1] },
      { user: 'bob', password: 'again', commands: [2] },
      { user: 'carol', password: 'right', commands: [3, 4, 5] },
    ]);
    expect(s.commands.map((c) => c.login)).to.deep.equal([0, 0, 1, 2, 2, 2, 2]);
  });

  it('records the FTP roles of each data connection endpoint: passive download, active upload', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    ctl.client('PA', 'PASV\r\n');
    ctl.server('PA', '227 Entering Passive Mode (192,0,2,2,195,80).\r\n');
    ctl.client('PA', 'RETR a\r\n');
    ctl.server('PA', '150 here\r\n');
    const d1 = t.tcp({ client: `${CLIENT}:50001`, server: `${SERVER}:50000` });
    d1.handshake();
    d1.stream('server', 100);
    d1.send('client', 'A');
    d1.send('server', 'FA');
    d1.send('client', 'FA');
    d1.send('server', 'A');
    ctl.server('PA', '226 done\r\n');
    ctl.client('PA', 'PORT 192,0,2,1,200,10\r\n');
    ctl.server('PA', '200 ok\r\n');
    ctl.client('PA', 'STOR b\r\n');
    ctl.server('PA', '150 go\r\n');
    const d2 = t.tcp({ client: `${SERVER}:20`, server: `${CLIENT}:51210` });
    d2.handshake();
    d2.stream('server', 100); // the FTP client (this connection's server) sends
    d2.send('client', 'A');
    d2.send('server', 'FA');
    d2.send('client', 'FA');
    d2.send('server', 'A');
    ctl.server('PA', '226 done\r\n');
    ctl.close();
    const [down, up] = runCrafted(t.frames()).ftp.transfers;
    expect(down!.dataSides).to.deep.equal({ ftpClient: 'client', ftpServer: 'server', sender: 'server', receiver: 'client', counted: 'server' });
    expect(up!.dataSides).to.deep.equal({ ftpClient: 'server', ftpServer: 'client', sender: 'server', receiver: 'client', counted: 'server' });
  });
});
