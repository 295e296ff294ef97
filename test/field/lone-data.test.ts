// Class 7 of issue 23: a data connection whose control connection is not in the capture is
// analysed as a transfer: direction, bytes, how it ended, who reset it.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { analyzeTrace, byId, json, text, streamedFindings } from './support.ts';

/** Active mode: the FTP server connects from port 20 to the client's announced port. */
function activeData(t: TraceBuilder, ftpServer = '198.51.100.20', ftpClient = '192.0.2.10:2662') {
  const d = t.tcp({ client: `${ftpServer}:20`, server: ftpClient });
  d.handshake();
  return d;
}


describe('field captures: data connections without their control connection', () => {
  it('an upload from port 20 that the FTP server side resets mid-way: error, with the frames and the byte counts', () => {
    const t = new TraceBuilder();
    const d = activeData(t);
    d.stream('server', 300_000); // the FTP client (TCP server in active mode) uploads
    d.client('A', undefined, { ack: d.nextSeq('server') - 20_000 });
    const rst = d.client('R', undefined, { dt: 0.1 });
    const r = analyzeTrace(t);
    const [x] = r.transfers;
    expect([x!.session, x!.dataEvidence, x!.mode, x!.direction, x!.bytes, x!.bytesAcked, x!.outcome]).to.deep.equal([null, 'port-20', 'active', 'upload', 300_000, 280_000, 'truncated']);
    expect(x!.dataClose).to.deep.include({ by: 'server', kind: 'rst' });
    const [f] = byId(r, 'lone-data-connection');
    expect(f!.severity).to.equal('error');
    expect(f!.frames).to.include(rst);
    expect(f!.summary).to.include("the FTP server reset the upload's data connection (active mode, from port 20)");
    expect(byId(r, 'tcp-reset')).to.have.length(0);
    expect(byId(r, 'no-ftp-traffic')[0]!.summary).to.include('but 1 data connection looks like FTP data');
    expect(streamedFindings(t).map((y) => `${y.severity}:${y.id}`).sort()).to.deep.equal(r.findings.map((y) => `${y.severity}:${y.id}`).sort());
  });

  it('a download from port 20 closed by FIN: complete, at info', () => {
    const t = new TraceBuilder();
    const d = activeData(t);
    d.stream('client', 50_000); // the FTP server sends
    d.server('A');
    d.client('FA');
    d.server('FA');
    d.client('A');
    const r = analyzeTrace(t);
    expect(r.transfers.map((x) => [x.direction, x.bytes, x.outcome])).to.deep.equal([['download', 50_000, 'complete']]);
    expect(r.findings.filter((f) => f.severity !== 'info')).to.deep.equal([]);
    expect(byId(r, 'lone-data-connection')[0]!.summary).to.include('the FTP server sent 50.0 kB (50000 bytes) (a download, all acknowledged); ended by FIN from the FTP server');
    expect(text(r)).to.match(/│ 0 │ unknown │\s+│ active │\s+50000 │\s+50000 │/);
  });

  it('payload one way between two high ports, seen from its SYN: probably a passive data connection', () => {
    const t = new TraceBuilder();
    const d = t.tcp({ client: '192.168.1.131:50363', server: '202.38.97.230:43720' });
    d.handshake();
    d.stream('server', 397_312);
    d.client('A');
    d.server('FA');
    d.client('FA');
    d.server('A');
    const r = analyzeTrace(t);
    expect(json(r).transfers.map((x: Record<string, unknown>) => [x['dataEvidence'], x['mode'], x['direction'], x['bytes'], x['outcome']])).to.deep.equal([['one-way', 'passive', 'download', 397_312, 'complete']]);
    expect(byId(r, 'lone-data-connection')[0]!.summary).to.include('probably a passive-mode data connection');
  });

  it('a one-way upload reset by its receiver is said, at info: the traffic alone is weak evidence', () => {
    const t = new TraceBuilder();
    const d = t.tcp({ client: '192.0.2.10:51000', server: '198.51.100.20:40000' });
    d.handshake();
    d.stream('client', 30_000);
    d.server('R');
    const [f] = byId(analyzeTrace(t), 'lone-data-connection');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.include('judged from the traffic alone');
  });

  it('a request and a response, or well-known ports, are not taken for FTP data', () => {
    const t = new TraceBuilder();
    const web = t.tcp({ client: '192.0.2.10:51001', server: '198.51.100.20:8080' });
    web.handshake();
    web.client('PA', 'GET / HTTP/1.1\r\nHost: x\r\n\r\n');
    web.stream('server', 5000);
    web.close();
    const https = t.tcp({ client: '192.0.2.10:51002', server: '198.51.100.20:443' });
    https.handshake();
    https.stream('server', 5000);
    https.close();
    const r = analyzeTrace(t);
    expect(r.transfers).to.deep.equal([]);
    expect(byId(r, 'lone-data-connection')).to.deep.equal([]);
  });
});
