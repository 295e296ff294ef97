// Relative sequence numbers as Wireshark prints them: (seq − base) mod 2^32, so a transfer past
// 4 GiB starts counting again from 0; the unwrapped offset keeps counting for pictures. Checked
// against tshark on a crafted download of 4.3 GB with the server's ISN near 2^32: bursts of
// full-size segments (frames cut to their headers, as a snap length would) 256 MiB apart, the
// stretches between them missing from the capture. tshark's relative number is (seq − base)
// mod 2^32 whatever the capture missed, so this checks the same arithmetic as a dense 4.3 GB
// trace (66k frames, which agreed frame for frame when run by hand but costs ~6 s of CPU).

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildFrame } from '../../src/craft/packet-builder.ts';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { readCapture } from '../../src/capture/read.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { TcpEngine } from '../../src/tcp/engine.ts';
import { replayConnections, type ReplayPacket } from '../../src/report/packet-replay.ts';
import { RelativeSeq } from '../../src/tcp/seq.ts';

const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

describe('tcp/seq: relative sequence numbers', () => {
  it('wrap at 2^32 like tshark’s; the offset keeps counting', () => {
    const r = new RelativeSeq(0xfffffff0); // the SYN's sequence number
    expect(r.relative(0xfffffff1)).to.equal(1);
    expect(r.offset(0xfffffff1)).to.equal(1);
    let abs = 0xfffffff1;
    for (let i = 0; i < 5; i++) {
      abs = (abs + 0x40000000) >>> 0; // 1 GiB further each time
      r.offset(abs);
    }
    expect(r.offset(abs)).to.equal(1 + 5 * 0x40000000);
    expect(r.relative(abs)).to.equal((1 + 5 * 0x40000000) % 2 ** 32);
    // without a SYN the first number seen is 1
    const mid = new RelativeSeq();
    expect(mid.relative(12345)).to.equal(1);
    expect(mid.offset(12345 + 100)).to.equal(101);
  });

  it('a download past 4 GiB: every segment’s seq and ack as tshark prints them', async function () {
    if (!hasTshark) this.skip(); // CI installs tshark (.ci/run)
    this.timeout(60_000);
    const t = new TraceBuilder({ step: 0.00001 });
    const client = { addr: '192.0.2.1', port: 40000 };
    const server = { addr: '192.0.2.2', port: 50000 };
    const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:50000', clientIsn: 1000, serverIsn: 0xffff0000 });
    c.handshake();
    // 17 bursts of 8 segments of 65,000 bytes, 256 MiB apart; headers only on disk (origLen says
    // how long each was)
    const seg = 65_000;
    const bursts = 17;
    const perBurst = 8;
    const apart = 256 * 2 ** 20;
    const srvIsn = c.isn('server');
    const cliNext = (c.isn('client') + 1) >>> 0;
    const frame = (from: 'client' | 'server', seq: number, ack: number, len: number) => {
      const [s, d] = from === 'server' ? [server, client] : [client, server];
      const data = buildFrame({
        linkType: t.linkType,
        ip: { src: s.addr, dst: d.addr, totalLength: 40 + len, df: true },
        tcp: { srcPort: s.port, dstPort: d.port, seq, ack, flags: 'A', window: 65535 },
      });
      t.raw(data, 0, data.length + len);
    };
    for (let b = 0; b < bursts; b++) {
      for (let i = 0; i < perBurst; i++) frame('server', (srvIsn + 1 + b * apart + i * seg) >>> 0, cliNext, seg);
      frame('client', cliNext, (srvIsn + 1 + b * apart + perBurst * seg) >>> 0, 0);
    }
    const end = (bursts - 1) * apart + perBurst * seg;
    expect(end).to.be.greaterThan(2 ** 32);
    const dir = mkdtempSync(join(tmpdir(), 'ftpdiag-i22-seq-'));
    try {
      const file = join(dir, 'past-4gib.pcap');
      t.writePcap(file);
      const dec = new PacketDecoder();
      const engine = new TcpEngine({ onConnection() {}, onData() {}, onGap() {}, onEnd() {} });
      await readCapture(file, (f) => {
        if (dec.decode(f) === 'tcp') engine.packet(dec.packet);
      });
      engine.finish();
      const conn = engine.connections[0]!;
      expect(conn.server.bytesSent, 'the engine counts bytes past 4 GiB').to.equal(end);
      const got = new Map<number, ReplayPacket>();
      await replayConnections(file, [{ selections: [{ connection: conn, fromFrame: conn.firstFrame, toFrame: conn.lastFrame }], push: (p) => void got.set(p.frame, p) }]);
      const ts = spawnSync('tshark', ['-n', '-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.seq', '-e', 'tcp.ack'], { encoding: 'utf8', maxBuffer: 64 << 20 });
      const lines = ts.stdout.trim().split('\n');
      expect(lines.length).to.equal(got.size);
      let wrapped = 0;
      const wrong: string[] = [];
      for (const line of lines) {
        const [f, seq, ack] = line.split('\t').map(Number);
        const p = got.get(f!)!;
        if (p.seq !== seq || (f! > 1 && p.ack !== ack)) wrong.push(`frame ${f}: ours ${p.seq}/${p.ack}, tshark ${seq}/${ack}`);
        if (p.seqOffset > 2 ** 32) {
          wrapped++;
          expect(p.seq).to.equal(p.seqOffset - 2 ** 32);
        }
      }
      expect(wrong.slice(0, 5)).to.deep.equal([]);
      expect(wrapped, 'segments past 4 GiB').to.be.at.least(perBurst);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
