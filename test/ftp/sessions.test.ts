// FTP sessions built with the ladder DSL and pushed through the real decoder, TCP engine and FTP
// analyzer: control-channel parsing, session state, data-channel linking, transfer outcomes.

import { expect } from 'chai';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import type { Transfer } from '../../src/ftp/types.ts';
import { runCrafted } from './pipeline.ts';

const CLIENT = '192.0.2.1';
const SERVER = '192.0.2.2';

/** A control connection with a handshake and a 220 greeting. */
function control(t: TraceBuilder, opts: { client?: string; server?: string; greeting?: string } = {}): TcpLadder {
  const ctl = t.tcp({ client: opts.client ?? `${CLIENT}:40000`, server: opts.server ?? `${SERVER}:21` });
  ctl.handshake();
  ctl.server('PA', opts.greeting ?? '220 ftp.example.org FTP server ready\r\n');
  return ctl;
}

/** One exchange: a client line, then the server's reply line(s). */
function say(ctl: TcpLadder, cmd: string, ...replies: string[]): number {
  const f = ctl.client('PA', `${cmd}\r\n`);
  for (const r of replies) ctl.server('PA', `${r}\r\n`);
  return f;
}

/** Data connection: `sender` sends `bytes`, the receiver acknowledges, the sender closes first. */
function dataTransfer(d: TcpLadder, sender: 'client' | 'server', bytes: number): void {
  const receiver = sender === 'client' ? 'server' : 'client';
  d.handshake();
  d.stream(sender, bytes);
  d.send(receiver, 'A');
  d.send(sender, 'FA');
  d.send(receiver, 'FA');
  d.send(sender, 'A');
}

function login(ctl: TcpLadder): void {
  say(ctl, 'USER anonymous', '331 Please specify the password.');
  say(ctl, 'PASS secret', '230 Login successful.');
}

describe('ftp sessions (crafted traces through decoder + engine)', () => {
  it('passive RETR: linked, counted, complete; events in order', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'TYPE I', '200 Switching to Binary mode.');
    say(ctl, 'PASV', '227 Entering Passive Mode (192,0,2,2,195,80).');
    const d = t.tcp({ client: `${CLIENT}:50001`, server: `${SERVER}:50000` });
    const retr = say(ctl, 'RETR file.bin', '150 Opening BINARY mode data connection for file.bin (5000 bytes).');
    dataTransfer(d, 'server', 5000);
    ctl.server('PA', '226 Transfer complete.\r\n');
    say(ctl, 'QUIT', '221 Goodbye.');
    ctl.close();
    const r = runCrafted(t.frames());

    const s = r.ftp.sessions[0]!;
    expect(r.ftp.sessions).to.have.length(1);
    expect([s.user, s.password, s.loggedIn, s.type, s.startedMidSession, s.greeting?.code]).to.deep.equal(['anonymous', 'secret', true, 'I', false, 220]);
    expect(s.commands.map((c) => `${c.verb}:${c.reply?.code}`)).to.deep.equal([
      'USER:331', 'PASS:230', 'TYPE:200', 'PASV:227', 'RETR:226', 'QUIT:221',
    ]);
    const x = r.ftp.transfers[0]!;
    expect(x.commandFrame).to.equal(retr);
    expect([x.command, x.direction, x.mode, x.sender, x.dataSides?.sender, x.linkedBy]).to.deep.equal(['RETR', 'download', 'passive', 'server', 'server', 'announcement']);
    expect(x.dataConnection).to.equal(1);
    expect([x.bytes, x.bytesAcked, x.bytesMissing, x.announcedBytes, x.expectedBytes, x.announcedFrom]).to.deep.equal([5000, 5000, 0, 5000, 5000, '150']);
    expect(x.replyCodes).to.deep.equal([150, 226]);
    expect(x.receiverAckedAll).to.equal(true);
    expect(x.dataClose).to.deep.include({ by: 'server', byRole: 'sender', kind: 'fin' });
    expect(x.outcome).to.equal('complete');
    expect(x.rate).to.be.greaterThan(0);
    expect(x.announcement).to.deep.include({ mode: 'passive', command: 'PASV', addr: SERVER, port: 50000, mismatch: false });
    expect(r.ftp.roleOf(r.connections[0]!)).to.equal('control');
    expect(r.ftp.roleOf(r.connections[1]!)).to.equal('data');
    expect(r.ftp.transferOf(1)).to.equal(x);
    expect(r.ftp.sessionOf(1)).to.equal(s);
    expect(r.connections[1]!.deliver).to.equal(false);
    expect(r.connections[0]!.deliver).to.equal(true);
    // both connections are closed out at the end of the capture (within the engine's grace), the
    // control one first: the transfer waits for its data connection, then the session ends
    expect(r.events).to.deep.equal(['conn:0:control', 'transfer:0:complete', 'session:0', 'conn:1:data']);
  });

  it('active PORT: the server connects from a port other than 20', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'PORT 192,0,2,1,200,10', '200 PORT command successful.');
    say(ctl, 'STOR up.txt', '150 Ok to send data.');
    const d = t.tcp({ client: `${SERVER}:33333`, server: `${CLIENT}:51210` }); // 200*256+10
    dataTransfer(d, 'server', 1200); // upload: the FTP client (here the data connection's server) sends
    ctl.server('PA', '226 Transfer complete.\r\n');
    const r = runCrafted(t.frames());
    const x = r.ftp.transfers[0]!;
    expect([x.mode, x.direction, x.sender, x.dataSides?.sender, x.dataConnection, x.bytes]).to.deep.equal(['active', 'upload', 'client', 'server', 1, 1200]);
    expect(x.dataClose.by).to.equal('client');
    expect(x.outcome).to.equal('complete');
  });

  it('NAT: the announced address differs from the control peer; linked by port + real address', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'PASV', '227 Entering Passive Mode (10,0,0,5,39,16).'); // private address, port 10000
    say(ctl, 'LIST', '150 Here comes the directory listing.');
    const d = t.tcp({ client: `${CLIENT}:50002`, server: `${SERVER}:10000` });
    dataTransfer(d, 'server', 300);
    ctl.server('PA', '226 Directory send OK.\r\n');
    const r = runCrafted(t.frames());
    const x = r.ftp.transfers[0]!;
    expect(x.announcement).to.deep.include({ addr: '10.0.0.5', controlPeerAddr: SERVER, mismatch: true });
    expect([x.dataConnection, x.bytes, x.direction, x.outcome]).to.deep.equal([1, 300, 'listing', 'complete']);
  });

  it('pipelined PASV + RETR, the data SYN before the 227 is read: linked to the RETR', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    const pipelined = ctl.client('PA', 'PASV\r\nRETR a.txt\r\n');
    ctl.server('PA', '227 Entering Passive Mode (192,0,2,2,4,1)\r\n150 Opening\r\n');
    const d = t.tcp({ client: `${CLIENT}:50003`, server: `${SERVER}:1025` });
    dataTransfer(d, 'server', 10);
    ctl.server('PA', '226 Done\r\n');
    const r = runCrafted(t.frames());
    const s = r.ftp.sessions[0]!;
    expect(s.commands.filter((c) => c.frame === pipelined).map((c) => c.verb)).to.deep.equal(['PASV', 'RETR']);
    const x = r.ftp.transfers[0]!;
    expect([x.announcement?.port, x.dataConnection, x.bytes, x.outcome]).to.deep.equal([1025, 1, 10, 'complete']);
  });

  it('data connection opened right after the 227, before the transfer command', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'EPSV', '229 Entering Extended Passive Mode (|||40001|)');
    const d = t.tcp({ client: `${CLIENT}:50004`, server: `${SERVER}:40001` });
    const syn = d.handshake()[0]!;
    say(ctl, 'NLST', '150 Here comes the directory listing.');
    d.stream('server', 42);
    d.client('A');
    d.server('FA');
    d.client('FA');
    d.server('A');
    ctl.server('PA', '226 Directory send OK.\r\n');
    const r = runCrafted(t.frames());
    const x = r.ftp.transfers[0]!;
    expect([x.command, x.mode, x.dataConnection, x.bytes, x.outcome]).to.deep.equal(['NLST', 'passive', 1, 42, 'complete']);
    expect(x.dataSetupFrames).to.deep.equal([syn]);
    expect(x.announcement).to.deep.include({ command: 'EPSV', addr: null, controlPeerAddr: SERVER });
  });

  it('425 after the data SYN was refused by RST: failed, with the SYN frame recorded', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'PORT 192,0,2,1,100,1', '200 PORT command successful.');
    ctl.client('PA', 'RETR x\r\n');
    const d = t.tcp({ client: `${SERVER}:20`, server: `${CLIENT}:25601` });
    const syn = d.client('S');
    d.server('RA', undefined, { ack: 1 });
    ctl.server('PA', "425 Can't open data connection.\r\n");
    const r = runCrafted(t.frames());
    const x = r.ftp.transfers[0]!;
    expect([x.outcome, x.finalReply?.code, x.dataConnection, x.bytes]).to.deep.equal(['failed', 425, 1, 0]);
    expect(x.dataSetupFrames).to.deep.equal([syn]);
    expect(r.connections[1]!.connState).to.equal('REJ');
  });

  it('425 with nothing attempted: no data connection, no SYN', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'RETR secret.txt', '425 Use PORT or PASV first.');
    const r = runCrafted(t.frames());
    const x = r.ftp.transfers[0]!;
    expect([x.outcome, x.mode, x.announcement, x.dataConnection, x.dataSetupFrames.length]).to.deep.equal(['failed', null, null, null, 0]);
    expect(r.events).to.include('transfer:0:failed');
  });

  it('226 but fewer bytes than announced: truncated', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'PASV', '227 Entering Passive Mode (192,0,2,2,10,10).');
    say(ctl, 'RETR big.iso', '150 Opening BINARY mode data connection for big.iso (10000 bytes).');
    dataTransfer(t.tcp({ client: `${CLIENT}:50005`, server: `${SERVER}:2570` }), 'server', 6000);
    ctl.server('PA', '226 Transfer complete.\r\n');
    const x = runCrafted(t.frames()).ftp.transfers[0]!;
    expect([x.bytes, x.expectedBytes, x.outcome]).to.deep.equal([6000, 10000, 'truncated']);
  });

  it('data connection reset with unacknowledged bytes and 426: aborted; reset facts kept', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'PASV', '227 Entering Passive Mode (192,0,2,2,10,11).');
    say(ctl, 'RETR big.iso', '150 Opening BINARY mode data connection.');
    const d = t.tcp({ client: `${CLIENT}:50006`, server: `${SERVER}:2571` });
    d.handshake();
    d.stream('server', 3000);
    d.client('A', undefined, { ack: 1461 }); // acknowledges the first segment only
    d.server('RA');
    ctl.server('PA', '426 Failure writing network stream.\r\n');
    const x = runCrafted(t.frames()).ftp.transfers[0]!;
    expect([x.bytes, x.bytesAcked, x.receiverAckedAll, x.outcome]).to.deep.equal([3000, 1460, false, 'aborted']);
    expect(x.dataClose).to.deep.include({ by: 'server', byRole: 'sender', kind: 'rst' });
  });

  it('ABOR after Telnet IP/DM (urgent): the transfer is aborted, 426 then 226 paired in order', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'PASV', '227 Entering Passive Mode (192,0,2,2,10,12).');
    say(ctl, 'RETR big.iso', '150 Opening BINARY mode data connection.');
    const d = t.tcp({ client: `${CLIENT}:50007`, server: `${SERVER}:2572` });
    d.handshake();
    d.stream('server', 2000);
    d.client('A');
    ctl.client('PA', Buffer.from([0xff, 0xf4, 0xff]), { urgent: 3 });
    ctl.client('PA', Buffer.concat([Buffer.from([0xf2]), Buffer.from('ABOR\r\n')]));
    ctl.server('PA', '426 Connection closed; transfer aborted.\r\n');
    d.server('FA');
    d.client('FA');
    d.server('A');
    ctl.server('PA', '226 Closing data connection.\r\n');
    const r = runCrafted(t.frames());
    const s = r.ftp.sessions[0]!;
    const abor = s.commands.find((c) => c.verb === 'ABOR')!;
    expect([abor.telnetInterrupt, abor.reply?.code]).to.deep.equal([true, 226]);
    const x = r.ftp.transfers[0]!;
    expect([x.aborted, x.finalReply?.code, x.outcome]).to.deep.equal([true, 426, 'aborted']);
  });

  it('multi-line replies split across segments, bare LF, pipelined commands, FEAT, PWD quoting, CWD', () => {
    const t = new TraceBuilder();
    const ctl = t.tcp({ client: `${CLIENT}:40001`, server: `${SERVER}:21` });
    ctl.handshake();
    ctl.server('PA', '220-Welcome\r\n220-to the');
    ctl.server('PA', ' server\n220 ready\r\n');
    login(ctl);
    ctl.client('PA', 'FEAT\r\nPWD\r\nCW');
    ctl.client('PA', 'D sub\r\nCDUP\r\n');
    ctl.server('PA', '211-Features:\r\n EPSV\r\n MDTM\r\n211 End\r\n257 "/home/a ""q"" dir" is the current directory\r\n');
    ctl.server('PA', '250 Directory successfully changed.\r\n250 OK\r\n');
    say(ctl, 'SIZE f.bin', '213 4096');
    say(ctl, 'REST 1000', '350 Restart position accepted (1000).');
    say(ctl, 'RETR f.bin', '150 Opening BINARY mode data connection for f.bin.');
    const r = runCrafted(t.frames());
    const s = r.ftp.sessions[0]!;
    expect(s.greeting).to.deep.include({ code: 220, lines: 3, text: 'Welcome\nto the server\nready', firstFrame: 4, frame: 5 });
    expect(s.features).to.deep.equal(['EPSV', 'MDTM']);
    expect(s.cwd).to.equal('/home/a "q" dir');
    expect(s.commands.map((c) => `${c.verb}:${c.reply?.code ?? '-'}`)).to.deep.equal([
      'USER:331', 'PASS:230', 'FEAT:211', 'PWD:257', 'CWD:250', 'CDUP:250', 'SIZE:213', 'REST:350', 'RETR:-',
    ]);
    const cwdCmd = s.commands.find((c) => c.verb === 'CWD')!;
    expect(cwdCmd.lastFrame).to.be.greaterThan(cwdCmd.frame);
    const x = r.ftp.transfers[0]!;
    expect([x.path, x.restOffset, x.announcedBytes, x.announcedFrom, x.expectedBytes, x.outcome]).to.deep.equal([
      '/home/a "q" dir/f.bin', 1000, 4096, '213', 3096, 'unknown',
    ]);
    expect(s.commands.at(-1)!.unanswered).to.equal(true);
  });

  it('greeting after pipelined commands is not paired with the first command', () => {
    const t = new TraceBuilder();
    const ctl = t.tcp({ client: `${CLIENT}:40002`, server: `${SERVER}:21` });
    ctl.handshake();
    ctl.client('PA', 'USER a\r\n');
    ctl.client('PA', 'PASS b\r\n');
    ctl.server('PA', '220 ready\r\n230 user ok\r\n230 pass ok\r\n');
    const s = runCrafted(t.frames()).ftp.sessions[0]!;
    expect(s.greeting?.code).to.equal(220);
    expect(s.commands.map((c) => c.reply?.code)).to.deep.equal([230, 230]);
  });

  it('invalid reply lines answer their command; valid flag false; overlong lines counted', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    say(ctl, 'USER z', '230 ok');
    say(ctl, 'PASV', '99 PASV invalid');
    say(ctl, 'SYST', '230_no_space');
    ctl.client('PA', `RETR ${'A'.repeat(9000)}\r\n`);
    ctl.server('PA', '550 Failed.\r\n');
    say(ctl, 'QUIT', '221 Bye');
    const s = runCrafted(t.frames()).ftp.sessions[0]!;
    expect(s.commands.map((c) => [c.verb, c.reply?.code, c.reply?.valid])).to.deep.equal([
      ['USER', 230, true], ['PASV', 0, false], ['SYST', 230, false], ['RETR', 550, true], ['QUIT', 221, true],
    ]);
    expect(s.overlongLines).to.equal(1);
    expect(s.overlongFrames).to.have.length(1);
    expect(s.commands[3]!.overlong).to.equal(true);
    expect(s.commands[3]!.arg.length).to.be.lessThan(8192);
  });

  it('STAT during a transfer is answered at once; the transfer keeps its 226', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'PASV', '227 Entering Passive Mode (192,0,2,2,10,13).');
    say(ctl, 'RETR f', '150 Opening.');
    say(ctl, 'STAT', '213 Status: 1000 of 5000 bytes');
    ctl.server('PA', '226 Done.\r\n');
    const s = runCrafted(t.frames()).ftp.sessions[0]!;
    expect(s.commands.slice(-2).map((c) => `${c.verb}:${c.reply?.code}`)).to.deep.equal(['RETR:226', 'STAT:213']);
  });

  it('recognises FTP on another port with a greeting, and mid-session without one', () => {
    const t = new TraceBuilder();
    const a = control(t, { server: `${SERVER}:2121`, client: `${CLIENT}:40010` });
    say(a, 'USER x', '331 Password please.');
    // a capture that starts inside a session on port 5555: no SYN, no 220
    const b = t.tcp({ client: `${CLIENT}:40011`, server: `${SERVER}:5555` });
    b.client('PA', 'PASV\r\n');
    b.server('PA', '227 Entering Passive Mode (192,0,2,2,10,14).\r\n');
    b.client('PA', 'RETR y\r\n');
    b.server('PA', '150 Opening.\r\n');
    const r = runCrafted(t.frames());
    expect(r.ftp.sessions.map((s) => [s.server.port, s.startedMidSession])).to.deep.equal([[2121, false], [5555, true]]);
    expect(r.ftp.sessions[1]!.commands.map((c) => c.verb)).to.deep.equal(['PASV', 'RETR']);
  });

  it('does not mistake SMTP, HTTP or binary traffic for FTP', () => {
    const t = new TraceBuilder();
    const smtp = t.tcp({ client: `${CLIENT}:40020`, server: `${SERVER}:2525` });
    smtp.handshake();
    smtp.server('PA', '220 mail.example.org ESMTP ready\r\n');
    smtp.client('PA', 'EHLO me\r\n');
    smtp.server('PA', '250-mail.example.org\r\n250 SIZE 1000\r\n');
    const smtp2 = t.tcp({ client: `${CLIENT}:40021`, server: `${SERVER}:587` });
    smtp2.handshake();
    smtp2.server('PA', '220 ready\r\n');
    smtp2.client('PA', 'HELO me\r\n');
    const http = t.tcp({ client: `${CLIENT}:40022`, server: `${SERVER}:8080` });
    http.handshake();
    http.client('PA', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    http.server('PA', 'HTTP/1.1 200 OK\r\n\r\n');
    const bin = t.tcp({ client: `${CLIENT}:40023`, server: `${SERVER}:9000` });
    bin.handshake();
    bin.client('PA', Buffer.from([0, 1, 2, 3, 0xde, 0xad, 0xbe, 0xef, 10]));
    const r = runCrafted(t.frames());
    expect(r.ftp.sessions).to.have.length(0);
    expect(r.connections.map((c) => [r.ftp.roleOf(c), c.deliver])).to.deep.equal([
      ['other', false], ['other', false], ['other', false], ['other', false],
    ]);
  });

  it('AUTH TLS: encrypted from the first TLS record; data linked by timing as unknown; cleartext resumes', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    say(ctl, 'AUTH TLS', '234 Proceed with negotiation.');
    const hello = Buffer.from([0x16, 0x03, 0x01, 0x00, 0x05, 1, 2, 3, 4, 5]);
    const tlsFrame = ctl.client('PA', hello);
    ctl.server('PA', Buffer.from([0x16, 0x03, 0x03, 0x00, 0x02, 9, 9, 0x17, 0x03, 0x03, 0x00, 0x01, 7]));
    ctl.client('PA', Buffer.from([0x17, 0x03, 0x03, 0x00, 0x03, 1, 2, 3]));
    // a data connection while the control channel is encrypted
    const d = t.tcp({ client: `${CLIENT}:50010`, server: `${SERVER}:30000` });
    dataTransfer(d, 'server', 700);
    // TLS close_notify both ways, then cleartext again (CCC-like, nDPI ftp-start-tls.pcap)
    ctl.server('PA', Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 1, 0]));
    ctl.client('PA', Buffer.from([0x15, 0x03, 0x03, 0x00, 0x02, 1, 0]));
    const clear = say(ctl, 'PASV', '227 Entering Passive Mode (192,0,2,2,10,15).');
    const r = runCrafted(t.frames());
    const s = r.ftp.sessions[0]!;
    expect(s.tls).to.deep.include({ authFrame: 6, encryptedFromFrame: tlsFrame, clearAgainFrame: clear });
    expect(s.commands.map((c) => `${c.verb}:${c.reply?.code}`)).to.deep.equal(['AUTH:234', 'PASV:227']);
    const x = r.ftp.transfers[0]!;
    expect([x.command, x.linkedBy, x.dataConnection, x.direction, x.sender, x.bytes, x.outcome]).to.deep.equal([
      'unknown', 'timing', 1, 'download', 'server', 700, 'complete',
    ]);
  });

  it('EPRT |2| and EPSV over IPv6', () => {
    const t = new TraceBuilder();
    const ctl = control(t, { client: '[2001:db8::1]:40000', server: '[2001:db8::2]:21' });
    say(ctl, 'EPRT |2|2001:db8:0:0::1|40100|', '200 EPRT command successful.');
    say(ctl, 'RETR a', '150 Opening.');
    dataTransfer(t.tcp({ client: '[2001:db8::2]:20', server: '[2001:db8::1]:40100' }), 'client', 64);
    ctl.server('PA', '226 Done.\r\n');
    say(ctl, 'EPSV', '229 Entering Extended Passive Mode (|||40200|)');
    say(ctl, 'LIST', '150 Here it comes.');
    dataTransfer(t.tcp({ client: '[2001:db8::1]:40101', server: '[2001:db8::2]:40200' }), 'server', 99);
    ctl.server('PA', '226 Done.\r\n');
    const r = runCrafted(t.frames());
    expect(r.ftp.transfers.map((x: Transfer) => [x.command, x.mode, x.announcement?.family, x.dataConnection, x.bytes, x.outcome])).to.deep.equal([
      ['RETR', 'active', 6, 1, 64, 'complete'],
      ['LIST', 'passive', 6, 2, 99, 'complete'],
    ]);
  });

  it('a gap in the control stream drops the cut line but keeps later lines and pairing in step', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'CWD a', '250 ok');
    ctl.client('PA', 'CWD b\r\n');
    ctl.lose('server', '250 ok\r\n'); // the reply to CWD b never reached the capture
    ctl.client('PA', 'TYPE I\r\n');
    ctl.server('PA', '200 Type set to I\r\n');
    say(ctl, 'PASV', '227 Entering Passive Mode (192,0,2,2,10,16).');
    const r = runCrafted(t.frames());
    const s = r.ftp.sessions[0]!;
    expect(s.gaps).to.be.greaterThan(0);
    expect(s.commands.map((c) => `${c.verb}:${c.reply?.code ?? '-'}`)).to.deep.equal([
      'USER:331', 'PASS:230', 'CWD:250', 'CWD:-', 'TYPE:200', 'PASV:227',
    ]);
  });

  it('reports a transfer live, as soon as its 226 and its data connection’s end are known', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'PASV', '227 Entering Passive Mode (192,0,2,2,10,20).');
    say(ctl, 'RETR a', '150 Opening.');
    dataTransfer(t.tcp({ client: `${CLIENT}:50020`, server: `${SERVER}:2580` }), 'server', 100);
    ctl.server('PA', '226 Done.\r\n');
    t.wait(5); // past the engine's close-out grace: the data connection ends here, mid-capture
    say(ctl, 'NOOP', '200 NOOP ok.');
    const r = runCrafted(t.frames());
    expect(r.events).to.deep.equal(['transfer:0:complete', 'conn:1:data', 'session:0', 'conn:0:control']);
  });

  it('REST applies to the next transfer only; PROT P marks transfers TLS-protected', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'PBSZ 0', '200 PBSZ=0');
    say(ctl, 'PROT P', '200 Protection level set to P');
    say(ctl, 'REST 500', '350 Restart position accepted (500).');
    say(ctl, 'PASV', '227 Entering Passive Mode (192,0,2,2,10,21).');
    say(ctl, 'RETR a', '150 Opening.');
    const d = t.tcp({ client: `${CLIENT}:50021`, server: `${SERVER}:2581` });
    d.handshake();
    d.client('PA', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x01, 0x01])); // TLS ClientHello on the data connection
    d.server('PA', 50);
    d.client('A');
    d.server('FA');
    d.client('FA');
    d.server('A');
    ctl.server('PA', '226 Done.\r\n');
    say(ctl, 'PASV', '227 Entering Passive Mode (192,0,2,2,10,22).');
    say(ctl, 'RETR b', '150 Opening.');
    const r = runCrafted(t.frames());
    const s = r.ftp.sessions[0]!;
    expect([s.tls.pbsz, s.tls.prot]).to.deep.equal(['0', 'P']);
    expect(r.ftp.transfers.map((x) => [x.restOffset, x.tlsProtected])).to.deep.equal([[500, true], [0, true]]);
    expect(r.ftp.transfers[0]!.dataLooksTls).to.equal(true);
    expect(r.ftp.transfers[1]!.dataLooksTls).to.equal(null);
  });

  it('a data SYN seen before the 227 that announces its endpoint is still linked', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    ctl.client('PA', 'PASV\r\n');
    const d = t.tcp({ client: `${CLIENT}:50022`, server: `${SERVER}:2582` });
    const syn = d.client('S', undefined, { options: { mss: 1460 } }); // capture order: SYN first
    ctl.server('PA', '227 Entering Passive Mode (192,0,2,2,10,22).\r\n');
    d.server('SA');
    d.client('A');
    say(ctl, 'LIST', '150 Here comes the listing.');
    d.server('PA', 'file1\r\nfile2\r\n');
    d.client('A');
    d.server('FA');
    d.client('FA');
    d.server('A');
    ctl.server('PA', '226 Directory send OK.\r\n');
    const r = runCrafted(t.frames());
    const x = r.ftp.transfers[0]!;
    expect([x.dataConnection, x.bytes, x.outcome]).to.deep.equal([1, 14, 'complete']);
    expect(x.dataSetupFrames).to.deep.equal([syn]);
    expect(r.ftp.roleOf(r.connections[1]!)).to.equal('data');
  });

  it('implicit FTPS on port 990: a session encrypted from its first byte', () => {
    const t = new TraceBuilder();
    const ctl = t.tcp({ client: `${CLIENT}:40030`, server: `${SERVER}:990` });
    ctl.handshake();
    const first = ctl.client('PA', Buffer.from([0x16, 0x03, 0x01, 0x00, 0x02, 1, 1]));
    ctl.server('PA', Buffer.from([0x16, 0x03, 0x03, 0x00, 0x02, 2, 2]));
    const r = runCrafted(t.frames());
    const s = r.ftp.sessions[0]!;
    // seen from its SYN: it began in the capture, although its greeting is encrypted
    expect([s.tls.encryptedFromFrame, s.startedMidSession, s.commands.length]).to.deep.equal([first, false, 0]);
  });

  it('a 425 after an unanswered data SYN is reported at once, not at the end of the capture', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'PASV', '227 Entering Passive Mode (192,0,2,2,10,30).');
    ctl.client('PA', 'RETR x\r\n');
    const d = t.tcp({ client: `${CLIENT}:50030`, server: `${SERVER}:2590` });
    const syns = [d.client('S', undefined, { noAdvance: true }), d.client('S', undefined, { dt: 1, noAdvance: true })];
    ctl.server('PA', "425 Failed to establish connection.\r\n");
    say(ctl, 'QUIT', '221 Goodbye.');
    const r = runCrafted(t.frames());
    const x = r.ftp.transfers[0]!;
    expect([x.outcome, x.dataConnection, x.dataSetupFrames]).to.deep.equal(['failed', 1, syns]);
    expect(r.connections[1]!.connState).to.equal('S0');
    expect(r.events[0]).to.equal('transfer:0:failed');
  });

  it('LPSV (228) and a data connection seen without its handshake are still linked', () => {
    const t = new TraceBuilder();
    const ctl = control(t);
    login(ctl);
    say(ctl, 'LPSV', '228 Entering Long Passive Mode (4,4,192,0,2,2,2,10,40)');
    say(ctl, 'RETR a', '150 Opening BINARY mode data connection for a (3000 bytes).');
    const d = t.tcp({ client: `${CLIENT}:50040`, server: `${SERVER}:2600` });
    d.handshake(); // not in the capture: the frames are dropped below
    const first = t.count;
    d.stream('server', 3000);
    d.client('A');
    d.server('FA');
    d.client('FA');
    d.server('A');
    ctl.server('PA', '226 Done.\r\n');
    const frames = t.frames().filter((_, i) => i + 1 <= first - 3 || i + 1 > first);
    const r = runCrafted(frames);
    const x = r.ftp.transfers[0]!;
    expect(x.announcement).to.deep.include({ command: 'LPSV', addr: SERVER, port: 2600, family: 4 });
    expect([x.dataConnection, x.bytes, x.dataSides?.sender, x.outcome]).to.deep.equal([1, 3000, 'server', 'complete']);
    expect(r.connections[1]!.roleGuessed).to.equal(true);
  });
});
