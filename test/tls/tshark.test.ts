// The TLS stage against Wireshark on every recorded FTPS capture that has a key log
// (captures/NAME.keylog): the same decrypted plaintext per TCP stream and direction as
// `tshark -o tls.keylog_file:… -z follow,tls,raw,N`, and the same handshake fields as tshark's
// tls.handshake.* and tls.alert_message.* (offered and chosen suites and versions, session IDs,
// certificate counts, alerts with their frames). Skips with a reason when tshark is absent.
// About 10 s: one tshark run per capture (~1.5 s each on this machine), the reason this test exists.

import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isGrease } from '../../src/tls/cipher-suites.ts';
import { readKeyLog } from '../../src/tls/keylog.ts';
import { hasTshark, tlsRuns, type TlsRun } from './support.ts';

const dir = fileURLToPath(new URL('../../captures/', import.meta.url));
const traces = readdirSync(dir)
  .filter((f) => f.endsWith('.keylog'))
  .map((f) => f.slice(0, -'.keylog'.length))
  .filter((n) => existsSync(`${dir}${n}.pcap`))
  .sort();

function tshark(args: string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const p = spawn('tshark', ['-n', ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString('latin1')));
    p.stderr.on('data', (d: Buffer) => (err += d.toString()));
    p.once('exit', (code) => (code === 0 ? resolve(out) : reject(new Error(`tshark ${args.join(' ')}: ${err}`))));
  });
}

interface Followed {
  node0: string; // "addr:port" of the side that sent first
  data: [string, string]; // hex per node
}

/** `-z follow,tls,raw,N` blocks: lines of hex, a leading tab for the second node. */
function parseFollow(out: string): Map<number, Followed> {
  const m = new Map<number, Followed>();
  for (const block of out.split(/^=+$/m)) {
    const f = /Filter: tcp\.stream eq (\d+)/.exec(block);
    const n0 = /Node 0: (\S+)/.exec(block);
    if (!f || !n0) continue;
    const data: [string, string] = ['', ''];
    for (const line of block.split('\n')) {
      if (/^\t[0-9a-f]+$/.test(line)) data[1] += line.slice(1);
      else if (/^[0-9a-f]+$/.test(line)) data[0] += line;
    }
    m.set(Number(f[1]), { node0: n0[1]!, data });
  }
  return m;
}

const FILTER = 'tls.handshake.type == 1 || tls.handshake.type == 2 || tls.alert_message || tls.handshake.certificate_length';
const FIELDS = ['frame.number', 'tcp.stream', 'tls.handshake.type', 'tls.handshake.ciphersuite', 'tls.handshake.extensions.supported_version', 'tls.handshake.session_id', 'tls.alert_message.level', 'tls.alert_message.desc', 'tls.handshake.certificate_length', 'tls.handshake.extensions_server_name'];

interface Row {
  frame: number;
  stream: number;
  types: number[];
  suites: number[];
  versions: number[];
  sessionIds: string[];
  alertLevels: number[];
  alertDescs: number[];
  certs: number;
  sni: string;
}

function parseRows(out: string): Row[] {
  const list = (s: string | undefined) => (s ? s.split(',').filter(Boolean) : []);
  return out
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const c = l.split('\t');
      return {
        frame: Number(c[0]),
        stream: Number(c[1]),
        types: list(c[2]).map(Number),
        suites: list(c[3]).map((x) => Number(x)),
        versions: list(c[4]).map((x) => Number(x)),
        sessionIds: list(c[5]),
        alertLevels: list(c[6]).map(Number),
        alertDescs: list(c[7]).map(Number),
        certs: list(c[8]).length,
        sni: c[9] ?? '',
      };
    });
}

const endpoint = (addr: string, port: number) => `${addr.includes(':') ? `[${addr}]` : addr}:${port}`;

describe('src/tls against tshark on the recorded FTPS captures (key logs in captures/)', function () {
  this.timeout(120_000);
  before(function () {
    if (!hasTshark()) this.skip(); // tshark is not installed (apt-get install tshark): nothing to compare with
  });

  it('has FTPS captures with key logs', () => {
    expect(traces.length).to.be.at.least(8);
  });

  for (const name of traces) {
    describe(name, () => {
      const pcap = `${dir}${name}.pcap`;
      const keylog = `${dir}${name}.keylog`;
      let runs: TlsRun[];
      let followed: Map<number, Followed>;
      let rows: Row[];
      before(async () => {
        runs = await tlsRuns(pcap, readKeyLog(keylog));
        const streams = Math.max(...runs.map((r) => r.conn.id), 0);
        const follow = Array.from({ length: streams + 1 }, (_, i) => ['-z', `follow,tls,raw,${i}`]).flat();
        // tshark 4.0 does not follow AUTH TLS on the FTP port: TLS is forced there (the cleartext
        // before the 234 is skipped as non-TLS), and on 990 for implicit FTPS
        const out = await tshark(['-r', pcap, '-o', `tls.keylog_file:${keylog}`, '-d', 'tcp.port==21,tls', '-d', 'tcp.port==990,tls', '-Y', FILTER, '-T', 'fields', '-E', 'occurrence=a', '-E', 'aggregator=,', ...FIELDS.flatMap((x) => ['-e', x]), ...follow]);
        const cut = out.search(/^=+$/m);
        followed = parseFollow(cut < 0 ? '' : out.slice(cut));
        rows = parseRows(cut < 0 ? out : out.slice(0, cut));
      });

      it('decrypts the same plaintext per stream and direction as tshark', () => {
        let decrypted = 0;
        for (const r of runs) {
          const mine = { client: Buffer.concat(r.plaintext.client).toString('hex'), server: Buffer.concat(r.plaintext.server).toString('hex') };
          const theirs = followed.get(r.conn.id);
          const want = { client: '', server: '' };
          if (theirs) {
            const first = theirs.node0 === endpoint(r.conn.client.addr, r.conn.client.port) ? 'client' : 'server';
            want[first] = theirs.data[0];
            want[first === 'client' ? 'server' : 'client'] = theirs.data[1];
          }
          expect(mine.client, `stream ${r.conn.id} client→server`).to.equal(want.client);
          expect(mine.server, `stream ${r.conn.id} server→client`).to.equal(want.server);
          expect(r.facts.decryption.failureCount, `stream ${r.conn.id}: records that failed`).to.equal(0);
          decrypted += mine.client.length + mine.server.length;
        }
        if (!/cert-rejected/.test(name)) expect(decrypted, 'plaintext bytes decrypted').to.be.greaterThan(0);
      });

      it('reads the same hellos as tshark: suites and versions offered and chosen, session IDs, SNI', () => {
        for (const r of runs) {
          const f = r.facts;
          const mine = rows.filter((x) => x.stream === r.conn.id);
          const ch = mine.filter((x) => x.types.includes(1)).pop(); // the last: a second one follows a HelloRetryRequest
          const sh = mine.filter((x) => x.types.includes(2));
          expect(!!ch, `stream ${r.conn.id}: ClientHello`).to.equal(f.clientHello !== null);
          if (ch && f.clientHello) {
            expect(f.clientHello.frame, `stream ${r.conn.id} ClientHello frame`).to.equal(ch.frame);
            expect(f.clientHello.cipherSuites, `stream ${r.conn.id} suites offered`).to.deep.equal(ch.suites.filter((s) => !isGrease(s)));
            const offered = ch.versions.filter((v) => !isGrease(v));
            expect(f.clientHello.versions, `stream ${r.conn.id} versions offered`).to.deep.equal(offered.length ? offered : [f.clientHello.legacyVersion]);
            expect(f.clientHello.sessionId, `stream ${r.conn.id} session ID offered`).to.equal((ch.sessionIds[0] ?? '').replace(/:/g, ''));
            expect(f.clientHello.sni ?? '', `stream ${r.conn.id} SNI`).to.equal(ch.sni);
          }
          const last = sh[sh.length - 1];
          if (last && f.serverHello) {
            expect(f.cipherSuite, `stream ${r.conn.id} suite chosen`).to.equal(last.suites[last.suites.length - 1]);
            expect(f.version, `stream ${r.conn.id} version chosen`).to.equal(last.versions.length ? last.versions[last.versions.length - 1] : f.serverHello.legacyVersion);
            expect(f.serverHello.sessionId, `stream ${r.conn.id} session ID chosen`).to.equal((last.sessionIds[last.sessionIds.length - 1] ?? '').replace(/:/g, ''));
          } else expect(f.serverHello, `stream ${r.conn.id}: ServerHello`).to.equal(null);
        }
      });

      it('finds the same alerts (frame, level, description) and certificates as tshark', () => {
        for (const r of runs) {
          const mine = rows.filter((x) => x.stream === r.conn.id);
          const alerts = mine.flatMap((x) => x.alertDescs.map((d, i) => `${x.frame}:${x.alertLevels[i]}:${d}`));
          expect(r.facts.alerts.map((a) => `${a.frame}:${a.level}:${a.description}`), `stream ${r.conn.id} alerts`).to.deep.equal(alerts);
          const certs = mine.reduce((n, x) => n + x.certs, 0);
          expect(r.facts.certificates.length, `stream ${r.conn.id} certificates`).to.equal(certs);
          for (const c of r.facts.certificates) {
            expect(c.subject).to.equal('CN=ftpdiag-capture.invalid');
            expect([c.keyType, c.keyBits, c.selfSigned]).to.deep.equal(['rsa', 2048, true]);
          }
        }
      });
    });
  }
});
