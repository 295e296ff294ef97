// Class 10 of issue 23: FTPS data connections are shown as encrypted: command, direction and
// outcome unknown (unless the control channel says more), TLS bytes not counted as file bytes,
// and how each ended (close_notify, FIN or RST) judged.

import { expect } from 'chai';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { analyzeTrace, byId, json, login, text } from './support.ts';

const record = (type: number, body: number) => Buffer.concat([Buffer.from([type, 0x03, type === 0x16 ? 0x01 : 0x03, body >> 8, body & 255]), Buffer.alloc(body, 0x5a)]);
const HELLO = record(0x16, 200);
const SERVER_HELLO = Buffer.concat([record(0x16, 90), record(0x14, 1), record(0x17, 1200)]);
const CLOSE_TLS13 = record(0x17, 19); //   an encrypted TLS 1.3 alert: 2 + 1 + 16 bytes
const CLOSE_TLS12 = record(0x15, 26); //   a TLS 1.2 alert record (encrypted body)

/** A control connection that switched to TLS after AUTH TLS. */
function ftps(t: TraceBuilder): TcpLadder {
  const c = t.tcp({ client: '192.168.50.3:50832', server: '192.168.50.2:21' });
  c.handshake();
  c.server('PA', '220 (vsFTPd 3.0.5)\r\n');
  c.client('PA', 'AUTH TLS\r\n');
  c.server('PA', '234 Proceed with negotiation.\r\n');
  c.client('PA', HELLO);
  c.server('PA', SERVER_HELLO);
  c.client('PA', record(0x17, 60));
  c.server('PA', record(0x17, 40));
  return c;
}

type End = 'close-notify-fin' | 'close-notify-fin-tls12' | 'fin' | 'rst';

/** A TLS data connection on a passive port: handshake, data one way, then `end`. */
function tlsData(t: TraceBuilder, port: number, end: End, payload = 4000): TcpLadder {
  const d = t.tcp({ client: `192.168.50.3:${port + 1000}`, server: `192.168.50.2:${port}` });
  d.handshake();
  d.client('PA', HELLO);
  d.server('PA', SERVER_HELLO);
  d.client('PA', record(0x17, 80));
  d.server('PA', record(0x17, payload));
  d.client('A');
  if (end === 'rst') {
    d.client('R');
    return d;
  }
  if (end !== 'fin') d.server('PA', end === 'close-notify-fin' ? CLOSE_TLS13 : CLOSE_TLS12);
  d.server('FA');
  if (end !== 'fin') d.client('PA', end === 'close-notify-fin' ? CLOSE_TLS13 : CLOSE_TLS12);
  d.client('FA');
  d.server('A');
  return d;
}

describe('field captures: FTPS data connections', () => {
  it('after AUTH TLS: command, direction and outcome unknown, no file bytes, a clean TLS close said', () => {
    const t = new TraceBuilder();
    ftps(t);
    tlsData(t, 50001, 'close-notify-fin');
    tlsData(t, 50002, 'close-notify-fin-tls12');
    const r = analyzeTrace(t);
    expect(r.transfers.map((x) => [x.command, x.direction, x.outcome, x.bytesStatus, x.tlsData?.verdict])).to.deep.equal([
      ['unknown', 'unknown', 'unknown', 'encrypted', 'clean'],
      ['unknown', 'unknown', 'unknown', 'encrypted', 'clean'],
    ]);
    expect(json(r).transfers.map((x: Record<string, unknown>) => [x['bytes'], x['bytesAcked']])).to.deep.equal([[null, null], [null, null]]);
    const fs = byId(r, 'encrypted-data-connection');
    expect(fs.map((f) => f.severity)).to.deep.equal(['info', 'info']);
    expect(fs[0]!.summary).to.include('command, direction and file size unreadable); it ended cleanly: close_notify, then FIN from the FTP server');
    expect(r.findings.filter((f) => f.severity !== 'info')).to.deep.equal([]);
    expect(text(r)).to.match(/│ 0 │ unknown │\s+│ passive │\s+TLS │\s+TLS │/);
  });

  it('a TLS data connection reset without close_notify may be cut: a warning', () => {
    const t = new TraceBuilder();
    ftps(t);
    const d = tlsData(t, 50003, 'rst');
    const r = analyzeTrace(t);
    const [f] = byId(r, 'encrypted-data-connection');
    expect(f!.severity).to.equal('warning');
    expect(f!.summary).to.include('reset by the FTP client');
    expect(f!.summary).to.include('without a TLS close_notify');
    expect(r.transfers[0]!.tlsData).to.deep.include({ verdict: 'reset', clientCloseNotify: 'not-sent' });
    void d;
  });

  it('a FIN without close_notify: the end of the data is not protected (info)', () => {
    const t = new TraceBuilder();
    ftps(t);
    tlsData(t, 50004, 'fin');
    const [f] = byId(analyzeTrace(t), 'encrypted-data-connection');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.include('without a TLS close_notify first: the end of the data is not protected');
  });

  it('with the command readable (PROT P on a clear control channel): direction known, bytes still not file bytes', () => {
    const t = new TraceBuilder();
    const c = login(t, { client: '192.168.50.3:50900', server: '192.168.50.2:21' });
    c.client('PA', 'PBSZ 0\r\n');
    c.server('PA', '200 PBSZ=0\r\n');
    c.client('PA', 'PROT P\r\n');
    c.server('PA', '200 Protection level set to P\r\n');
    c.client('PA', 'PASV\r\n');
    c.server('PA', '227 Entering Passive Mode (192,168,50,2,195,85)\r\n');
    c.client('PA', 'RETR secret.bin\r\n');
    c.server('PA', '150 Opening BINARY mode data connection\r\n');
    tlsData(t, 50005, 'close-notify-fin');
    c.server('PA', '226 Transfer complete\r\n');
    const r = analyzeTrace(t);
    expect(r.transfers.map((x) => [x.command, x.direction, x.outcome, x.bytesStatus])).to.deep.equal([['RETR', 'download', 'complete', 'encrypted']]);
    expect(byId(r, 'encrypted-data-connection')[0]!.summary).to.include('; file size unreadable); it ended cleanly');
  });
});
