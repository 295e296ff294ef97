// `analyze --extract` on crafted sessions (the ladder DSL): each case a transfer a real capture
// rarely shows on purpose — an upload reset with bytes the server never acknowledged, a download
// shorter than announced, hostile paths, encrypted data, sequence numbers wrapping, a capture
// that began mid-transfer, retransmissions and reordering, the bounds of --extract-max.

import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { MAX_NAME_BYTES } from '../../src/report/extract/file-name.ts';
import { cleanupExtractions, extract, toPcap, traceFile } from './extract-support.ts';

/** Known bytes: position-dependent, so a byte in the wrong place shows. */
function content(n: number, seed = 1): Buffer {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 7 + seed * 13 + (i >> 8)) & 0xff;
  return b;
}

interface Ftp {
  t: TraceBuilder;
  ctl: TcpLadder;
  say(cmd: string, reply: string): void;
  /** PASV → 227, the data connection opened (handshake done). */
  pasv(port: number, opts?: { clientIsn?: number; serverIsn?: number; handshake?: boolean }): TcpLadder;
}

let nextClientPort = 40100;

/** A logged-in session on 192.0.2.1 → 192.0.2.2:21; `build` adds the transfers; QUIT at the end. */
function session(build: (s: Ftp) => void): Buffer {
  const t = new TraceBuilder();
  const ctl = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
  ctl.handshake();
  const say = (cmd: string, reply: string) => {
    ctl.client('PA', `${cmd}\r\n`);
    ctl.server('PA', `${reply}\r\n`);
  };
  ctl.server('PA', '220 ready\r\n');
  say('USER anonymous', '331 Password required');
  say('PASS x@example.org', '230 Logged in');
  say('TYPE I', '200 Binary');
  const pasv: Ftp['pasv'] = (port, o = {}) => {
    say('PASV', `227 Entering Passive Mode (192,0,2,2,${port >> 8},${port & 0xff}).`);
    const d = t.tcp({ client: `192.0.2.1:${nextClientPort++}`, server: `192.0.2.2:${port}`, ...(o.clientIsn !== undefined ? { clientIsn: o.clientIsn } : {}), ...(o.serverIsn !== undefined ? { serverIsn: o.serverIsn } : {}) });
    if (o.handshake !== false) d.handshake();
    return d;
  };
  build({ t, ctl, say, pasv });
  say('QUIT', '221 Goodbye');
  ctl.close();
  return t.toPcap();
}

/** RETR of `data` in 1000-byte segments, acknowledged, closed by the server's FIN, 226. */
function download(s: Ftp, name: string, data: Buffer, port: number): void {
  const d = s.pasv(port);
  s.ctl.client('PA', `RETR ${name}\r\n`);
  s.ctl.server('PA', `150 Opening BINARY mode data connection (${data.length} bytes)\r\n`);
  d.stream('server', data, 1000);
  d.client('A');
  d.server('FA');
  d.client('FA');
  d.server('A');
  s.ctl.server('PA', '226 Transfer complete\r\n');
}

describe('analyze --extract: crafted transfers', function () {
  this.timeout(30000);
  after(cleanupExtractions);

  it('an upload ended by RST: the file holds what the server acknowledged, the rest is counted', async () => {
    const data = content(5000);
    const x = await extract(
      traceFile(
        session((s) => {
          const d = s.pasv(50001);
          s.ctl.client('PA', 'STOR backup.tar\r\n');
          s.ctl.server('PA', '150 Ok to send data\r\n');
          d.stream('client', data.subarray(0, 3000), 1000);
          d.server('A'); // acknowledges 3000
          d.stream('client', data.subarray(3000), 1000); // 2000 more, never acknowledged
          d.client('RA');
          s.ctl.server('PA', '426 Failure reading network stream\r\n');
        }),
      ),
    );
    const f = x.files[0]!;
    expect([f.bytesOnWire, f.bytesAcknowledged, f.bytesWritten]).to.deep.equal([5000, 3000, 3000]);
    expect(x.bytes(f).equals(data.subarray(0, 3000))).to.equal(true);
    expect(f.cut).to.include({ offset: 3000, reason: 'rst' });
    expect(f.cut!.text).to.match(/RST from the client at frame \d+/);
    expect(f.notes.join(' ')).to.match(/2000 bytes were sent after what the receiver acknowledged/);
  });

  it('a download closed before the announced size is cut (short), one that arrived whole is whole', async () => {
    const data = content(6000, 2);
    const x = await extract(
      traceFile(
        session((s) => {
          const d = s.pasv(50002);
          s.ctl.client('PA', 'RETR big.iso\r\n');
          s.ctl.server('PA', '150 Opening BINARY mode data connection for big.iso (10000 bytes)\r\n');
          d.stream('server', data, 1000);
          d.client('A');
          d.server('FA');
          d.client('FA');
          d.server('A');
          s.ctl.server('PA', '226 Transfer complete\r\n');
          download(s, 'small.bin', content(2500, 3), 50003);
        }),
      ),
    );
    expect(x.files[0]!.cut).to.include({ offset: 6000, reason: 'short' });
    expect(x.files[0]!.cut!.text).to.match(/after 6000 of the 10000 bytes announced/);
    expect(x.files[0]!.announcedBytes).to.equal(10000);
    expect(x.bytes(x.files[0]!).equals(data)).to.equal(true);
    expect(x.files[1]!.status).to.equal('whole');
    expect(x.bytes(x.files[1]!).equals(content(2500, 3))).to.equal(true);
  });

  it('names every file inside the directory: no separator, no control or bidi character, bounded', async () => {
    const long = `${'x'.repeat(300)}.tar.gz`;
    const names = ['../../etc/passwd', 'a\x1b[2Jb\u202etxt.exe', '/abs/path/file', long, '..', 'C:\\win\\file?.txt'];
    const x = await extract(
      traceFile(
        session((s) => {
          names.forEach((n, i) => {
            const d = s.pasv(50010 + i);
            s.ctl.client('PA', `STOR ${n}\r\n`);
            s.ctl.server('PA', '150 Ok\r\n');
            d.stream('client', content(100, i), 1000);
            d.client('FA');
            d.server('FA');
            d.client('A');
            s.ctl.server('PA', '226 Done\r\n');
          });
        }),
      ),
    );
    const written = readdirSync(x.dir).filter((f) => !f.startsWith('manifest.'));
    expect(written).to.have.length(names.length);
    for (const f of x.files) {
      expect(f.file).to.match(/^s0-t\d+-STOR-/);
      expect(f.file).to.not.match(/[/\\\u0000-\u001f\u007f-\u009f\u202a-\u202e]/);
      expect(Buffer.byteLength(f.file!)).to.be.at.most(MAX_NAME_BYTES);
      expect(written).to.include(f.file);
    }
    expect(x.files[0]!.file).to.equal('s0-t0-STOR-.._.._etc_passwd');
    expect(x.files[3]!.file!.endsWith('~.gz')).to.equal(true);
    expect(x.files[4]!.file).to.equal('s0-t4-STOR-__');
    // the manifest's table is terminal-safe too
    expect(x.text).to.not.match(/\x1b/);
  });

  it('writes no file for encrypted data (PROT P), and says why', async () => {
    const x = await extract(
      traceFile(
        session((s) => {
          s.say('PBSZ 0', '200 PBSZ=0');
          s.say('PROT P', '200 Protection level set to P');
          download(s, 'secret.bin', Buffer.concat([Buffer.from([0x16, 0x03, 0x01, 0x00, 0x40]), content(64)]), 50020);
        }),
      ),
    );
    expect(x.files[0]!.file).to.equal(null);
    expect(x.files[0]!.status).to.equal('not-written');
    expect(x.files[0]!.notWritten).to.match(/encrypted/);
  });

  it('sequence numbers that wrap past 2^32, segments out of order and retransmitted: the file is exact, the first copy wins', async () => {
    const data = content(8000, 5);
    const x = await extract(
      traceFile(
        session((s) => {
          const d = s.pasv(50030, { serverIsn: 0xffffffff - 3500 });
          s.ctl.client('PA', 'RETR wrap.bin\r\n');
          s.ctl.server('PA', '150 Here it comes\r\n');
          const seg = (i: number, bytes = data.subarray(i * 1000, (i + 1) * 1000)) => d.server('A', bytes, { seq: 1 + i * 1000, noAdvance: true });
          seg(0);
          seg(1);
          seg(3); // out of order
          seg(2);
          seg(2, Buffer.alloc(1000, 0xee)); // a retransmission with other bytes: not taken
          for (let i = 4; i < 8; i++) seg(i);
          d.client('A', undefined, { ack: 8001 });
          d.server('FA', undefined, { seq: 8001 });
          d.client('FA', undefined, { ack: 8002 });
          d.server('A', undefined, { seq: 8002 });
          s.ctl.server('PA', '226 Transfer complete\r\n');
        }),
      ),
    );
    const f = x.files[0]!;
    expect(f.status).to.equal('whole');
    expect(x.bytes(f).equals(data)).to.equal(true);
  });

  it('a capture that began mid-transfer: the data seen is placed from offset 0 and the file is not called whole', async () => {
    const t = new TraceBuilder();
    const ctl = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
    ctl.handshake();
    ctl.server('PA', '220 ready\r\n');
    ctl.client('PA', 'PASV\r\n');
    ctl.server('PA', '227 Entering Passive Mode (192,0,2,2,195,100).\r\n');
    const d = t.tcp({ client: '192.0.2.1:40999', server: '192.0.2.2:50020' });
    const missed = d.handshake();
    ctl.client('PA', 'RETR mid.bin\r\n');
    ctl.server('PA', '150 Opening\r\n');
    const data = content(4000, 7);
    const segs = d.stream('server', data, 1000);
    missed.push(segs[0]!, segs[1]!); // the capture starts with the data connection's third segment
    d.client('A');
    d.server('FA');
    d.client('FA');
    d.server('A');
    ctl.server('PA', '226 Done\r\n');
    const frames = t.frames().filter((_, i) => !missed.includes(i + 1));
    const x = await extract(traceFile(toPcap(frames)));
    const f = x.files[0]!;
    expect(x.bytes(f).equals(data.subarray(2000))).to.equal(true);
    expect(f.status).to.equal('cut');
    expect(f.cut).to.include({ offset: 0, reason: 'capture-began' });
  });

  it('--extract-max: a file is cut at the per-file bound, the next at what is left of the total', async () => {
    const a = content(5000, 8);
    const b = content(5000, 9);
    const trace = traceFile(
      session((s) => {
        download(s, 'a.bin', a, 50040);
        download(s, 'b.bin', b, 50041);
      }),
    );
    const x = await extract(trace, ['--extract-max', '3000,4000']);
    const [fa, fb] = x.files;
    expect(fa!.cut).to.include({ offset: 3000, reason: 'extract-max' });
    expect(x.bytes(fa!).equals(a.subarray(0, 3000))).to.equal(true);
    expect(fb!.cut).to.include({ offset: 1000, reason: 'extract-max' });
    expect(fb!.cut!.text).to.match(/total/);
    expect(x.bytes(fb!).equals(b.subarray(0, 1000))).to.equal(true);
    expect(x.text).to.match(/Limits: 3000 bytes per file, 4000 bytes in all/);
  });

  it('a tail missing from the capture before the bound is reached: cut where the capture stops, the bound noted', async () => {
    const data = content(5000, 10);
    const trace = traceFile(
      session((s) => {
        const d = s.pasv(50060);
        s.ctl.client('PA', 'RETR tail.bin\r\n');
        s.ctl.server('PA', '150 Opening (5000 bytes)\r\n');
        d.stream('server', data.subarray(0, 3000), 1000);
        d.lose('server', data.subarray(3000)); // the capture point missed the last 2000 bytes
        d.client('A'); // acknowledges all 5000
        d.server('FA');
        d.client('FA');
        d.server('A');
        s.ctl.server('PA', '226 Transfer complete\r\n');
      }),
    );
    const x = await extract(trace, ['--extract-max', '4000']);
    const f = x.files[0]!;
    expect(f.cut).to.include({ offset: 3000, reason: 'not-captured' });
    expect(f.cut!.text).to.equal('bytes 3000–4000 were sent but are not in the capture');
    expect(f.notes.join(' ')).to.match(/--extract-max \(4000 bytes\) would have stopped it anyway: 1000 more bytes were sent/);
    expect(x.bytes(f).equals(data.subarray(0, 3000))).to.equal(true);
  });

  it('an empty download is an empty, whole file', async () => {
    const x = await extract(traceFile(session((s) => download(s, 'empty.txt', Buffer.alloc(0), 50050))));
    expect(x.files[0]!.status).to.equal('whole');
    expect(x.bytes(x.files[0]!).length).to.equal(0);
    expect(x.files[0]!.sha256).to.equal('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
  });
});
