// A PASV reply that announces another address than the control connection's is information
// when every transfer got its data connection anyway, as on the active side; a data connection
// that is not in the capture is not said to have gone anywhere (trial 1, A5).

import { expect } from 'chai';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { analyzeTrace, byId, login, quit } from './support.ts';

/** 3000 bytes from the server, its FIN, and the close. */
function download(d: TcpLadder): void {
  d.stream('server', 3000);
  d.client('A');
  d.server('FA');
  d.client('FA');
  d.server('A');
}

/** Passive RETRs whose 227 announces 203.0.113.9 (the server's public address) while the client
 *  reaches it at 198.51.100.20; `data` says what the capture holds of each data connection, and
 *  `last` how the last transfer ends. */
function publicPasv(data: 'none' | 'to-control-address', last: 'ok' | '425' = 'ok'): TraceBuilder {
  const t = new TraceBuilder();
  const c = login(t);
  for (let i = 0; i < 3; i++) {
    const port = 50_000 + i;
    c.client('PA', 'PASV\r\n');
    c.server('PA', `227 Entering Passive Mode (203,0,113,9,${port >> 8},${port & 255})\r\n`);
    c.client('PA', `RETR f${i}.gz\r\n`);
    if (i === 2 && last === '425') {
      c.server('PA', '425 Failed to establish connection.\r\n', { dt: 10 });
      continue;
    }
    if (data === 'to-control-address') {
      const d = t.tcp({ client: `192.0.2.10:${41_000 + i}`, server: `198.51.100.20:${port}` });
      d.handshake();
      c.server('PA', '150 Opening BINARY mode data connection\r\n');
      download(d);
    } else c.server('PA', '150 Opening BINARY mode data connection\r\n');
    c.server('PA', '226 Transfer complete\r\n');
  }
  quit(c);
  return t;
}

describe('field captures: announced addresses', () => {
  it('227s announcing another address, every transfer answered 226 with its data connection not captured: info', () => {
    const r = analyzeTrace(publicPasv('none'));
    const [f] = byId(r, 'passive-address-mismatch');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.include('3 passive replies announced 203.0.113.9 instead of 198.51.100.20, but the data connections were made anyway');
    expect(f!.summary).to.include('the server answered each transfer with success');
    expect(f!.causes!.join(' ')).to.not.include('without an FTP helper');
    const nc = byId(r, 'data-connection-not-captured');
    expect(nc).to.have.length(3);
    for (const x of nc) {
      expect(x.summary).to.not.match(/was used/);
      expect(x.summary).to.match(/so the transfer had a data connection \(203\.0\.113\.9:5000\d was announced\), but the capture holds no packet of it/);
    }
  });

  it('the same with the data connections in the capture (to the control address): info, saying the capture holds them', () => {
    const r = analyzeTrace(publicPasv('to-control-address'));
    const [f] = byId(r, 'passive-address-mismatch');
    expect(f!.severity).to.equal('info');
    expect(f!.summary).to.include('made anyway (the capture holds them)');
    expect(r.transfers.map((t) => t.outcome)).to.deep.equal(['complete', 'complete', 'complete']);
  });

  it('the client tried the announced address first and was refused, then got through: still a warning, saying so', () => {
    const t = new TraceBuilder();
    const c = login(t);
    c.client('PA', 'PASV\r\n');
    c.server('PA', '227 Entering Passive Mode (203,0,113,9,195,80)\r\n');
    c.client('PA', 'RETR f.gz\r\n');
    const tried = t.tcp({ client: '192.0.2.10:41000', server: '203.0.113.9:50000' });
    const syn = tried.client('S');
    tried.server('RA', undefined, { ack: 1 });
    const d = t.tcp({ client: '192.0.2.10:41001', server: '198.51.100.20:50000' });
    d.handshake();
    c.server('PA', '150 Opening BINARY mode data connection\r\n');
    download(d);
    c.server('PA', '226 Transfer complete\r\n');
    quit(c);
    const r = analyzeTrace(t);
    const [f] = byId(r, 'passive-address-mismatch');
    expect(f!.severity).to.equal('warning');
    expect(f!.summary).to.include(`the client's connection there failed (SYN at frame ${syn}) and it got through another way`);
  });

  it('one transfer that could not get its data connection keeps it a warning', () => {
    const r = analyzeTrace(publicPasv('none', '425'));
    const [f] = byId(r, 'passive-address-mismatch');
    expect(f!.severity).to.equal('warning');
  });
});
