// Class 8 of issue 23: reply codes read by the command they answer. A 550 to SITE or to a verb
// the server does not know, and 500/502/504, say "not supported", not "file unavailable";
// identical refusals are one finding that says whether the work after them succeeded; a 550 to
// CWD speaks of a directory; uploads and downloads of 0 bytes answered 226 are said.

import { expect } from 'chai';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { analyzeTrace, byId, login, passiveRetr, quit, worse } from './support.ts';

/** STOR of `bytes` in active mode (the server connects from port 20), answered 150 and `final`. */
function activeStor(t: TraceBuilder, c: TcpLadder, name: string, bytes: number, port: number, final = '226 Transfer complete.'): void {
  const [a, b, cc, d] = c.c.addr.split('.');
  c.client('PA', `PORT ${a},${b},${cc},${d},${port >> 8},${port & 255}\r\n`);
  c.server('PA', '200 PORT command successful.\r\n');
  c.client('PA', `STOR ${name}\r\n`);
  // active mode: the FTP server is the TCP client; the uploading FTP client is the TCP server
  const dc = t.tcp({ client: `${c.s.addr}:20`, server: `${c.c.addr}:${port}` });
  dc.handshake();
  c.server('PA', '150 Ok to send data.\r\n');
  if (bytes > 0) dc.stream('server', bytes);
  dc.server('FA');
  dc.client('FA');
  dc.server('A');
  c.server('PA', `${final}\r\n`);
}

/** SITE before every upload, refused as an option the server does not know. */
function siteBeforeEachUpload(uploads: Array<[string, number]>, reply = '550 Option on the SITE subcommand not recognized.', last?: string): TraceBuilder {
  const t = new TraceBuilder();
  const c = login(t, { client: '198.20.10.5:56120', server: '10.250.230.9:21' });
  uploads.forEach(([name, bytes], i) => {
    c.client('PA', `SITE NAMEFMT 1 LRECL=${80 + i}\r\n`);
    c.server('PA', `${reply}\r\n`);
    activeStor(t, c, name, bytes, 40100 + i, i === uploads.length - 1 && last ? last : undefined);
  });
  quit(c);
  return t;
}

describe('field captures: reply codes read by the command they answer', () => {
  it('a SITE option refused before each upload is one finding, info when every upload after it succeeded', () => {
    const r = analyzeTrace(siteBeforeEachUpload([['a.dat', 3000], ['b.dat', 0], ['c.dat', 5000]]));
    expect(byId(r, 'file-unavailable')).to.have.length(0);
    const g = byId(r, 'command-not-supported');
    expect(g).to.have.length(1);
    expect(g[0]!.severity).to.equal('info');
    expect(g[0]!.summary).to.include('SITE NAMEFMT (3 times, 550 Option on the SITE subcommand not recognized.): the 3 transfers after it succeeded');
    const sites = r.sessions[0]!.commands.filter((x) => x.verb === 'SITE').map((x) => x.frame);
    expect(sites.every((f) => g[0]!.frames.includes(f))).to.equal(true);
    expect(worse(r)).to.deep.equal([]);
  });

  it('the same refusals before an upload that failed are a warning', () => {
    const r = analyzeTrace(siteBeforeEachUpload([['a.dat', 3000], ['b.dat', 1000]], '501 Unknown SITE command.', '451 Local error in processing.'));
    const [g] = byId(r, 'command-not-supported');
    expect(g!.severity).to.equal('warning');
    expect(g!.summary).to.include('1 of the 2 transfers after it succeeded');
  });

  it('500/502/504 to any verb and 550 to an unknown verb are "not supported"; SITE CHMOD 550 stays a file refusal', () => {
    const t = new TraceBuilder();
    const c = login(t);
    c.client('PA', 'FEAT\r\n');
    c.server('PA', '502 Command not implemented.\r\n');
    c.client('PA', 'QCHK big.iso\r\n');
    c.server('PA', '550 Unknown command.\r\n');
    c.client('PA', 'SITE CHMOD 644 locked.txt\r\n');
    c.server('PA', '550 Permission denied.\r\n');
    passiveRetr(t, c);
    quit(c);
    const r = analyzeTrace(t);
    const [g] = byId(r, 'command-not-supported');
    expect(g!.summary).to.include('FEAT (once, 502 Command not implemented.)');
    expect(g!.summary).to.include('QCHK (once, 550 Unknown command.)');
    expect(byId(r, 'file-unavailable').map((f) => f.summary)).to.deep.equal([
      'SITE CHMOD 644 locked.txt (frame 13) was answered 550 Permission denied. (frame 14)',
    ]);
  });

  it('a 550 to CWD speaks of a directory, not of file permissions', () => {
    const t = new TraceBuilder();
    const c = login(t);
    c.client('PA', 'CWD /no/such/dir\r\n');
    c.server('PA', '550 Failed to change directory.\r\n');
    quit(c);
    const [f] = byId(analyzeTrace(t), 'file-unavailable');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.include('the directory does not exist, is not a directory, or may not be entered');
    expect(f!.action).to.not.include('permissions');
  });

  it('uploads and downloads of 0 bytes answered 226 are one info line per session; empty listings are not', () => {
    const t = new TraceBuilder();
    const c = login(t);
    passiveRetr(t, c, { bytes: 0, file: 'empty.log', dataPort: 50001 });
    passiveRetr(t, c, { bytes: 10, file: 'full.log', dataPort: 50002 });
    c.client('PA', 'PASV\r\n');
    c.server('PA', '227 Entering Passive Mode (198,51,100,20,195,83)\r\n');
    c.client('PA', 'LIST\r\n');
    const d = t.tcp({ client: '192.0.2.10:41003', server: '198.51.100.20:50003' });
    d.handshake();
    c.server('PA', '150 Here comes the directory listing.\r\n');
    d.server('FA');
    d.client('FA');
    d.server('A');
    c.server('PA', '226 Directory send OK.\r\n');
    quit(c);
    const r = analyzeTrace(t);
    const e = byId(r, 'empty-transfer');
    expect(e.map((f) => [f.severity, f.summary])).to.deep.equal([
      ['info', 'session 0 (192.0.2.10:40000 → 198.51.100.20:21): 1 of 2 RETRs (transfers 0) carried 0 bytes on their data connection and were answered as complete'],
    ]);
    expect(r.transfers.map((x) => x.outcome)).to.deep.equal(['complete', 'complete', 'complete']);
  });

  it('six empty uploads of seven in active mode (port 20), as an IBM i job sends them', () => {
    const r = analyzeTrace(siteBeforeEachUpload([['a', 0], ['b', 0], ['c', 0], ['d', 57_722], ['e', 0], ['f', 0], ['g', 0]]));
    const [e] = byId(r, 'empty-transfer');
    expect(e!.summary).to.include('6 of 7 STORs (transfers 0, 1, 2, 4, 5, 6)');
    expect(r.transfers.filter((x) => x.bytesStatus === 'counted' && x.bytes === 0)).to.have.length(6);
  });
});
