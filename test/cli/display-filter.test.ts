// The display filter of analyze, log and ladder (after the capture as tcpdump takes it, or with
// -Y), -r and -c, on a crafted capture of two sessions and a connection that is not FTP:
//
//   session 0  192.0.2.10:40000 → 192.0.2.20:21, logged in
//              transfer 0: passive RETR a.txt   (192.0.2.10:40001 → 192.0.2.20:50000)
//              transfer 1: active STOR b.txt    (192.0.2.20:20 → 192.0.2.10:40100), the
//                          client resets it after the server acknowledged all: upload-reset
//   session 1  198.51.100.7:41000 → 192.0.2.20:21, refused at PASS: login-failed
//   other      192.0.2.10:50500 → 203.0.113.5:443, reset
//
// What each filter shows is checked in the report, the log, the JSON and the exit status.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { DisplayFilter } from '../../src/cli/display-filter.ts';
import { cli } from '../support/cli.ts';
import { loggedIn, numberedDownload, scratchDir } from '../support/crafted-sessions.ts';
import { PARTS_AFTER } from '../../src/pipeline/release.ts';

function crafted(): TraceBuilder {
  const t = new TraceBuilder();
  const c = loggedIn(t);
  c.client('PA', 'PASV\r\n');
  c.server('PA', '227 Entering Passive Mode (192,0,2,20,195,80).\r\n');
  const d0 = t.tcp({ client: '192.0.2.10:40001', server: '192.0.2.20:50000' });
  d0.handshake();
  c.client('PA', 'RETR a.txt\r\n');
  c.server('PA', '150 Opening BINARY mode data connection for a.txt\r\n');
  d0.server('PA', 3000);
  d0.client('A');
  d0.close();
  c.server('PA', '226 Transfer complete.\r\n');
  c.client('PA', 'PORT 192,0,2,10,156,164\r\n');
  c.server('PA', '200 PORT command successful.\r\n');
  c.client('PA', 'STOR b.txt\r\n');
  const d1 = t.tcp({ client: '192.0.2.20:20', server: '192.0.2.10:40100' });
  d1.handshake();
  c.server('PA', '150 Ok to send data.\r\n');
  d1.server('PA', 2000);
  d1.client('A');
  d1.server('RA');
  c.server('PA', '426 Failure reading network stream.\r\n');
  c.client('PA', 'QUIT\r\n');
  c.server('PA', '221 Goodbye.\r\n');
  c.close();
  const b = t.tcp({ client: '198.51.100.7:41000', server: '192.0.2.20:21' });
  b.handshake();
  b.server('PA', '220 ready\r\n');
  b.client('PA', 'USER mallory\r\n');
  b.server('PA', '331 password\r\n');
  b.client('PA', 'PASS guess\r\n');
  b.server('PA', '530 Login incorrect.\r\n');
  b.close();
  const o = t.tcp({ client: '192.0.2.10:50500', server: '203.0.113.5:443' });
  o.handshake();
  o.client('PA', 'hello');
  o.server('RA');
  return t;
}

interface Shown {
  sessions: number[];
  transfers: number[];
  connections: number[];
  findings: string[];
  code: number;
}

describe('cli: display filter, -r, -c', function () {
  this.timeout(60_000);
  const scratch = scratchDir('ftpdiag-i25-filter-');
  const file = scratch.file('two-sessions.pcap');
  before(() => crafted().writePcap(file));
  after(() => scratch.remove());

  /** What `analyze --json` shows with `args`. */
  async function shown(...args: string[]): Promise<Shown> {
    const r = await cli(['analyze', '--json', ...args]);
    expect(r.err, args.join(' ')).to.equal('');
    const doc = JSON.parse(r.out) as { sessions: Array<{ id: number }>; transfers: Array<{ id: number }>; connections: Array<{ id: number }>; findings: Array<{ id: string }> };
    return {
      sessions: doc.sessions.map((s) => s.id),
      transfers: doc.transfers.map((x) => x.id),
      connections: doc.connections.map((c) => c.id),
      findings: [...new Set(doc.findings.map((f) => f.id))].sort(),
      code: r.code,
    };
  }

  it('the crafted capture, unfiltered: two sessions, two transfers, the errors of both', async () => {
    const all = await shown(file);
    expect(all.sessions).to.deep.equal([0, 1]);
    expect(all.transfers).to.deep.equal([0, 1]);
    expect(all.connections).to.deep.equal([0, 1, 2, 3, 4]);
    expect(all.findings).to.include.members(['upload-reset', 'login-failed']);
    expect(all.code).to.equal(1);
  });

  it('narrows to hosts, ports, sessions, transfers and connections as tcpdump users write them', async () => {
    const cases: Array<[string[], Partial<Shown>]> = [
      [['host', '198.51.100.7'], { sessions: [1], transfers: [], connections: [3] }],
      [['-Y', 'ip.addr == 198.51.100.7'], { sessions: [1], transfers: [], connections: [3] }],
      [['session', '1'], { sessions: [1], transfers: [], connections: [3] }],
      [['transfer', '0'], { sessions: [0], transfers: [0], connections: [0, 1] }],
      // the active transfer's data connection was opened by the server: src is who sent the SYN
      [['src', 'host', '192.0.2.20'], { sessions: [0], transfers: [1], connections: [0, 2] }],
      [['port', '443'], { sessions: [], transfers: [], connections: [4] }],
      [['-Y', 'tcp.stream == 4'], { sessions: [], transfers: [], connections: [4] }],
      [['host', '192.0.2.20', 'and', 'not', 'host', '198.51.100.7'], { sessions: [0], transfers: [0, 1], connections: [0, 1, 2] }],
      [['(', 'port', '50000', 'or', 'port', '443', ')'], { sessions: [0], transfers: [0], connections: [0, 1, 4] }],
      [['host', '198.51.100.7', 'or', '203.0.113.5'], { sessions: [1], transfers: [], connections: [3, 4] }],
      [['net', '203.0.113.0/24'], { sessions: [], transfers: [], connections: [4] }],
      [['ip6'], { sessions: [], transfers: [], connections: [] }],
      // tcpdump's protocol qualifiers: every connection is TCP over IPv4 here
      [['tcp', 'port', '443'], { sessions: [], transfers: [], connections: [4] }],
      [['tcp', 'src', 'port', '20'], { sessions: [0], transfers: [1], connections: [0, 2] }],
      [['ip', 'host', '198.51.100.7'], { sessions: [1], transfers: [], connections: [3] }],
      [['tcp'], { sessions: [0, 1], transfers: [0, 1], connections: [0, 1, 2, 3, 4] }],
      [['udp'], { sessions: [], transfers: [], connections: [] }],
      [['not', 'udp', 'and', 'port', '443'], { sessions: [], transfers: [], connections: [4] }],
      // tshark's protocol names: FTP (sessions and their transfers) leaves out the HTTPS connection
      [['-Y', 'ftp'], { sessions: [0, 1], transfers: [0, 1], connections: [0, 1, 2, 3] }],
      [['-Y', 'ftp-data'], { sessions: [0], transfers: [0, 1], connections: [0, 1, 2] }],
      [['-Y', 'not ftp'], { sessions: [], transfers: [], connections: [4] }],
    ];
    for (const [filter, want] of cases) {
      const got = await shown(file, ...filter);
      expect({ sessions: got.sessions, transfers: got.transfers, connections: got.connections }, filter.join(' ')).to.deep.equal(want);
    }
  });

  it('findings and the exit status follow what is shown; the summary counts it and says what was left out', async () => {
    const b = await shown(file, 'session', '1');
    expect(b.findings).to.include('login-failed').and.not.include('upload-reset');
    expect(b.code).to.equal(1); // login-failed is an error
    const other = await shown(file, 'port', '443');
    expect(other.findings).to.not.include.members(['login-failed', 'upload-reset']);
    expect(other.code).to.equal(0);
    const t0 = await shown(file, 'transfer', '0');
    expect(t0.findings).to.not.include('upload-reset');
    const text = await cli(['analyze', file, 'session', '1', '--width', '200']);
    const lines = text.out.split('\n');
    expect(lines[0]).to.match(/two-sessions\.pcap: pcap, EN10MB, \d+ frames — 1 TCP connection, 1 FTP session, 0 transfers — 1 error/);
    expect(lines[1]).to.match(/^ {2}display filter 'session 1': shown 1 of 2 FTP sessions, 0 of 2 transfers, 1 of 5 TCP connections; \d+ findings? hidden \(1 error/);
    const json = await cli(['analyze', '--json', file, '-Y', 'session 1']);
    const doc = JSON.parse(json.out) as { summary: { sessions: number; transfers: number }; displayFilter: { expression: string; sessions: { shown: number; total: number } } };
    expect(doc.displayFilter.expression).to.equal('session 1');
    expect(doc.displayFilter.sessions).to.deep.equal({ shown: 1, total: 2 });
    expect(doc.summary.sessions).to.equal(1);
  });

  it('log and ladder take the same filter', async () => {
    const log = await cli(['log', file, 'host', '198.51.100.7', '--format', 'tsv']);
    expect(log.code).to.equal(0);
    const rows = log.out.trim().split('\n').slice(1);
    expect(rows.length).to.be.greaterThan(0);
    for (const r of rows) expect(r).to.include('198.51.100.7');
    expect(log.err).to.match(/^ftpdiag: note: display filter 'host 198\.51\.100\.7': shown 1 of 2 FTP sessions/);
    const ladder = await cli(['ladder', file, 'transfer', '1']);
    expect(ladder.code, ladder.err).to.equal(0);
    expect(ladder.out.split('\n')[0]).to.equal('Transfer 1: STOR b.txt');
    const one = await cli(['ladder', file, '-Y', 'host 198.51.100.7']);
    expect(one.out.split('\n')[0]).to.match(/^Connection 3: 198\.51\.100\.7:41000 ⇄ 192\.0\.2\.20:21/);
    const many = await cli(['ladder', file, 'port', '21']);
    expect(many.code).to.equal(2);
    expect(many.err).to.equal("ftpdiag: the display filter 'port 21' selects transfers 0, 1 and connection 3: ladder draws one transfer or one connection (add e.g. 'and transfer 0', or use --transfer, --connection or --frame)\n");
  });

  it('-r FILE reads the capture (the arguments after it are the filter); -c N reads the first N frames', async () => {
    expect(await shown('-r', file, 'session', '1')).to.deep.equal(await shown(file, 'session', '1'));
    const whole = JSON.parse((await cli(['analyze', '--json', file])).out) as { capture: { frames: number } };
    const first = await cli(['analyze', '--json', '-c', '12', file]);
    const doc = JSON.parse(first.out) as { capture: { frames: number; warnings: Array<{ message: string }> }; sessions: unknown[] };
    expect(doc.capture.frames).to.equal(12);
    expect(whole.capture.frames).to.be.greaterThan(12);
    expect(doc.capture.warnings.map((w) => w.message)).to.deep.include.members([`reading stopped by the frame count (-c): the frames after offset ${(doc.capture as unknown as { bytes: number }).bytes} were not analysed`]);
    expect(doc.sessions).to.have.length(1); // the second session starts later

  });

  it('several captures (merged by time) before the filter, or each with -r; ladder takes one', async () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '198.51.100.99:42000', server: '192.0.2.20:21' });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 bye\r\n');
    c.close();
    const second = scratch.file('second.pcap');
    t.writePcap(second);
    const both = await shown(file, second);
    expect(both.sessions).to.have.length(3);
    const one = await shown(file, second, 'host', '198.51.100.99');
    expect(one.sessions).to.have.length(1);
    expect(one.transfers).to.deep.equal([]);
    expect(await shown('-r', file, '-r', second, '-Y', 'host 198.51.100.99')).to.deep.equal(one);
    expect(await shown('-r', file, '-r', second, 'host', '198.51.100.99')).to.deep.equal(one);
    const log = await cli(['log', file, second, 'host', '198.51.100.99', '--format', 'tsv']);
    expect(log.code, log.err).to.equal(0);
    expect(log.err).to.match(/shown 1 of 3 FTP sessions/);
    const ladder = await cli(['ladder', file, second, '--transfer', '0']);
    expect(ladder.code).to.equal(2);
    expect(ladder.err).to.match(/^ftpdiag: '.*second\.pcap': ladder reads one capture; a display filter after it starts with host/);
    const r = await cli(['analyze', '-r', file, second]);
    expect(r.err).to.match(/^ftpdiag: '.*second\.pcap': with -r every argument is the display filter, .*; to merge several captures: -r A -r B\n$/);
  });

  it('a long session: a filter on its control connection shows every transfer of it', async () => {
    // more transfers than a session holds before it goes out in parts (release.ts), each data
    // connection forgotten by the engine before the session ends: the filter judges a transfer
    // with its control connection, so the session's unit goes whole
    const t = new TraceBuilder();
    const c = loggedIn(t);
    const n = PARTS_AFTER + 40;
    for (let i = 0; i < n; i++) {
      numberedDownload(t, c, i, (d) => {
        d.server('PA', 100);
        d.client('A');
      });
      t.wait(6);
    }
    c.close();
    const long = scratch.file('long-session.pcap');
    t.writePcap(long);
    const filtered = await shown(long, 'port', '21');
    expect(filtered.sessions).to.deep.equal([0]);
    expect(filtered.transfers).to.have.length(n);
  });

  it('bad filters: one line saying what is wrong', () => {
    const bad: Array<[string, RegExp]> = [
      ['host', /'host': a value after 'host' expected at the end of the filter$/],
      ['host example.org', /'example\.org' is not an IPv4 or IPv6 address \(host wants an address: ftpdiag looks up no names\)/],
      ['port 70000', /'70000' is not a port \(0–65535\)/],
      ['session x', /'x' is not a session number/],
      ['host 10.0.0.1 and', /a primitive \(host, port, session …\) expected at the end of the filter/],
      ['(port 21', /'\)' expected at the end of the filter/],
      ['frobnicate 3', /'frobnicate' is not a filter primitive/],
      ['port 21 port 22', /unexpected 'port' \(join primitives with and, or, not\)/],
      ['net 10.0.0.0/33', /is not a network/],
      ['ip.addr > 1', /compared with == or !=/],
    ];
    for (const [text, want] of bad) {
      expect(() => DisplayFilter.parse(text), text).to.throw(want);
    }
  });
});
