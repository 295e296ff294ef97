import { expect } from 'chai';
import { judgeControlChannel, type ProbeInput } from '../../src/ftp/detect.ts';

function probe(client: string | Buffer, server: string | Buffer, o: Partial<ProbeInput> = {}): ProbeInput {
  return {
    client: typeof client === 'string' ? Buffer.from(client) : client,
    server: typeof server === 'string' ? Buffer.from(server) : server,
    clientGap: false,
    serverGap: false,
    clientPort: 40000,
    serverPort: 2121,
    sawSyn: true,
    complete: false,
    ...o,
  };
}
const kind = (p: ProbeInput) => judgeControlChannel(p).kind;

describe('ftp/detect judgeControlChannel', () => {
  it('a 220 greeting answered by a known verb is FTP, on any port', () => {
    expect(kind(probe('USER bob\r\n', '220 Service ready\r\n'))).to.equal('ftp');
    expect(kind(probe('user bob\r\n', '220-multi\r\n220-line\r\n'))).to.equal('ftp');
  });

  it('waits for the client after a greeting on an unusual port (SMTP greets with 220 too)', () => {
    expect(kind(probe('', '220 host ready\r\n'))).to.equal('undecided');
  });

  it('SMTP and NNTP are not FTP', () => {
    expect(kind(probe('EHLO me\r\n', '220 host ready\r\n'))).to.equal('not-ftp');
    expect(kind(probe('MAIL FROM:<a@b>\r\n', '250 ok\r\n', { sawSyn: false }))).to.equal('not-ftp');
    expect(kind(probe('', '220 mail.example.org ESMTP Postfix\r\n'))).to.equal('not-ftp');
    expect(kind(probe('GROUP comp.lang\r\n', '200 news ready\r\n'))).to.equal('not-ftp');
  });

  it('HTTP, SSH, POP3, TLS and binary are not FTP', () => {
    expect(kind(probe('GET / HTTP/1.1\r\n', ''))).to.equal('not-ftp');
    expect(kind(probe('', 'SSH-2.0-OpenSSH_9.0\r\n'))).to.equal('not-ftp');
    expect(kind(probe('USER a\r\n', '+OK POP3 ready\r\n'))).to.equal('not-ftp');
    expect(kind(probe(Buffer.from([0x16, 3, 1, 0, 5]), ''))).to.equal('not-ftp');
    expect(kind(probe(Buffer.from([0, 1, 2, 3, 4]), ''))).to.equal('not-ftp');
  });

  it('TLS first on port 21 or 990 is FTP already encrypted (implicit FTPS, or after AUTH)', () => {
    expect(kind(probe(Buffer.from([0x16, 3, 1, 0, 5]), '', { serverPort: 990 }))).to.equal('ftp-tls');
    expect(kind(probe(Buffer.from([0x16, 3, 1, 0, 5]), '', { serverPort: 21 }))).to.equal('ftp-tls');
  });

  it('mid-session: replies one way and FTP-specific verbs the other way', () => {
    expect(kind(probe('PASV\r\n', '227 Entering Passive Mode (1,2,3,4,5,6)\r\n', { sawSyn: false }))).to.equal('ftp');
    // only verbs SMTP shares: not enough on an unusual port
    expect(kind(probe('QUIT\r\n', '221 bye\r\n', { sawSyn: false }))).to.equal('undecided');
  });

  it('port 21 needs less evidence: one verb, or one reply', () => {
    expect(kind(probe('QUIT\r\n', '', { serverPort: 21 }))).to.equal('ftp');
    expect(kind(probe('', '226 Transfer complete\r\n', { serverPort: 21, sawSyn: false }))).to.equal('ftp');
  });

  it('lines that are neither verbs nor replies are not FTP', () => {
    expect(kind(probe('hello there\r\n', ''))).to.equal('not-ftp');
    expect(kind(probe('', 'Welcome!\r\n'))).to.equal('not-ftp');
  });

  it('decides at the end of the connection on what there is', () => {
    expect(kind(probe('', '220 FTP server ready\r\n', { complete: true }))).to.equal('ftp');
    expect(kind(probe('', '220 host ready\r\n', { complete: true }))).to.equal('not-ftp');
    expect(kind(probe('QUIT\r\n', '', { complete: true }))).to.equal('not-ftp');
  });

  it('finds the FTP server by its replies when the handshake was missed and roles were guessed wrong', () => {
    const v = judgeControlChannel(probe('226 Transfer complete\r\n', 'RETR x\r\n', { sawSyn: false, clientPort: 21, serverPort: 50000 }));
    expect([v.kind, v.ftpServer]).to.deep.equal(['ftp', 'client']);
  });

  it('on port 21 a capture starting inside a long multi-line reply waits for the client', () => {
    const tail = ' MDTM\r\n SIZE\r\n REST STREAM\r\n TVFS\r\n EPSV\r\n';
    expect(kind(probe('', tail, { serverPort: 21, sawSyn: false }))).to.equal('undecided');
    expect(kind(probe('PASV\r\n', `${tail}211 End\r\n`, { serverPort: 21, sawSyn: false }))).to.equal('ftp');
    expect(kind(probe('', tail, { serverPort: 2121, sawSyn: false }))).to.equal('not-ftp');
  });
});
