// The FTP stage over the public corpus (../shared/corpus): commands and reply codes against
// tshark 4.0's reference lists, and data-channel linking invariants.
//
// Deliberate differences from tshark (each check below says where it applies):
//  1. tshark dissects every TCP segment on its own: the continuation segments of a command line
//     split over many segments (suricata ftp-too-long-command-buffered: a 41 KB RETR line) show
//     up as "commands" named AAAA…; we reassemble the line into one RETR. Reference commands in a
//     frame inside one of our command lines (after its first frame, up to its last) are skipped,
//     and the argument tshark gives such a line (its first segment's part) must begin ours.
//  2. tshark reports a code for every frame whose first line starts with three digits, so a
//     multi-line reply spread over frames appears once per frame (zeek ipv6-multiline-reply: the
//     12-frame 220 banner; FEAT replies); we report it once. A reference reply counts as found
//     when one of our replies with that code spans its frame.
//  3. Lines without a numeric code ("99 PASV invalid") are replies with code 0 for us (so the
//     pairing stays in step); tshark has no code for them: code-0 replies are not compared.
//  4. The reference covers port 21 only (tshark's default); in this corpus every control
//     connection is on port 21 — the "port 5555" of suricata's ftp-passive-dynamic_port and
//     ftp-too-long-* traces is the client's port — and we find them all.

import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { FtpReply, Session } from '../../src/ftp/types.ts';
import { runFile, type PipelineRun } from './pipeline.ts';

const corpus = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const havePublic = existsSync(`${corpus}public`);

interface Reference {
  ftpRequests: Array<{ frame: number; command: string; arg: string }>;
  ftpReplies: Array<{ frame: number; code: number }>;
}

function traces(): Array<{ name: string; path: string; ref: Reference }> {
  if (!havePublic) return [];
  const out: Array<{ name: string; path: string; ref: Reference }> = [];
  for (const dir of readdirSync(`${corpus}public`).sort()) {
    for (const f of readdirSync(`${corpus}public/${dir}`).sort()) {
      out.push({
        name: `${dir}/${f}`,
        path: `${corpus}public/${dir}/${f}`,
        ref: JSON.parse(readFileSync(`${corpus}reference/${dir}/${f}.json`, 'utf8')) as Reference,
      });
    }
  }
  return out;
}

/** The MANIFEST's ftp_data_pkts column: tshark's ftp-data packets per trace. */
function manifestDataPackets(): Map<string, number> {
  const m = new Map<string, number>();
  if (!havePublic) return m;
  const lines = readFileSync(`${corpus}MANIFEST.tsv`, 'utf8').trim().split('\n');
  const head = lines[0]!.split('\t');
  const col = head.indexOf('ftp_data_pkts');
  for (const l of lines.slice(1)) {
    const f = l.split('\t');
    m.set(f[0]!, Number(f[col]));
  }
  return m;
}

function repliesOf(s: Session): FtpReply[] {
  const out: FtpReply[] = [];
  if (s.greeting) out.push(s.greeting);
  out.push(...s.unsolicited);
  for (const c of s.commands) {
    out.push(...c.preliminary);
    if (c.reply) out.push(c.reply);
  }
  return out.filter((r) => r.code !== 0); // difference 3
}

const list = traces();
const dataPackets = manifestDataPackets();
const runs = new Map<string, PipelineRun>();

describe('ftp over the public corpus', function () {
  if (!havePublic) {
    it.skip('needs ../shared/corpus/public');
    return;
  }

  before(async () => {
    for (const t of list) runs.set(t.name, await runFile(t.path));
  });

  for (const t of list) {
    describe(t.name, () => {
      it('commands equal tshark’s (frame, verb, argument)', () => {
        const r = runs.get(t.name)!;
        const sessions = r.ftp.sessions.filter((s) => s.server.port === 21);
        const mine = sessions.flatMap((s) => s.commands);
        const inside = (frame: number) => mine.some((c) => frame > c.frame && frame <= c.lastFrame); // difference 1
        const ref = t.ref.ftpRequests.filter((q) => q.command !== '' && !inside(q.frame));
        expect(mine.map((c) => `${c.frame} ${c.verb}`)).to.deep.equal(ref.map((q) => `${q.frame} ${q.command.toUpperCase()}`));
        mine.forEach((c, i) => {
          // difference 1: of a line spread over segments tshark shows what the first segment holds
          if (c.lastFrame > c.frame) expect(c.arg.startsWith(ref[i]!.arg), `frame ${c.frame}`).to.equal(true);
          else expect(c.arg, `frame ${c.frame}`).to.equal(ref[i]!.arg);
        });
      });

      it('reply codes equal tshark’s', () => {
        const r = runs.get(t.name)!;
        const mine = r.ftp.sessions.filter((s) => s.server.port === 21).flatMap(repliesOf);
        // every reply of ours is in the reference at its first frame
        const refSet = new Set(t.ref.ftpReplies.map((q) => `${q.frame} ${q.code}`));
        expect(mine.map((x) => `${x.firstFrame} ${x.code}`).filter((k) => !refSet.has(k))).to.deep.equal([]);
        // every reference reply is one of ours, or a later frame of one of our multi-line replies (difference 2)
        const missing = t.ref.ftpReplies.filter((q) => !mine.some((x) => x.code === q.code && x.firstFrame <= q.frame && q.frame <= x.frame));
        expect(missing).to.deep.equal([]);
      });
    });
  }

  it('finds FTP only where tshark does, and every data connection it can', () => {
    for (const t of list) {
      const r = runs.get(t.name)!;
      const hasFtp = t.ref.ftpRequests.length > 0;
      expect(r.ftp.sessions.length > 0, t.name).to.equal(hasFtp);
      // a connection with payload between the hosts of a session that is not its control
      // connection is one of its data connections, linked to a transfer
      for (const s of r.ftp.sessions) {
        for (const c of r.connections) {
          const hosts = new Set([c.client.addr, c.server.addr]);
          const between = hosts.has(s.client.addr) && hosts.has(s.server.addr) && hosts.size === (s.client.addr === s.server.addr ? 1 : 2);
          if (!between || r.ftp.roleOf(c) === 'control' || c.client.bytesSent + c.server.bytesSent === 0) continue;
          expect(r.ftp.roleOf(c), `${t.name} conn ${c.id}`).to.equal('data');
          const x = r.ftp.transferOf(c.id);
          expect(x, `${t.name} conn ${c.id} transfer`).to.not.equal(null);
          expect(x!.bytes, `${t.name} conn ${c.id} bytes`).to.be.greaterThan(0);
        }
      }
    }
  });

  it('links transfers to data connections that carried bytes where the trace has data', () => {
    for (const t of list) {
      const r = runs.get(t.name)!;
      const linked = r.ftp.transfers.filter((x) => x.dataConnection !== null && x.bytes > 0);
      if ((dataPackets.get(t.name) ?? 0) > 0) expect(linked.length, t.name).to.be.greaterThan(0);
      for (const x of linked) {
        const c = r.connections[x.dataConnection!]!;
        expect(x.bytes, t.name).to.equal(c[x.dataSides!.counted].bytesSent);
        expect(r.ftp.transferOf(c.id), t.name).to.equal(x);
      }
    }
  });

  for (const name of [
    'suricata-verify/ruletype-firewall-116-ftp-all-data-ipv4__input.pcap',
    'suricata-verify/ruletype-firewall-117-ftp-all-data-ipv6__input.pcap',
  ]) {
    it(`${name}: every command kind, active and passive, linked with bytes`, () => {
      const r = runs.get(name)!;
      const xs = r.ftp.transfers;
      expect(new Set(xs.map((x) => x.command))).to.deep.equal(new Set(['APPE', 'STOU', 'LIST', 'MLSD', 'NLST', 'RETR', 'STOR']));
      expect(new Set(xs.map((x) => x.mode))).to.deep.equal(new Set(['active', 'passive']));
      for (const x of xs) {
        expect(x.dataConnection, `${x.command} #${x.id}`).to.not.equal(null);
        expect(x.bytes, `${x.command} #${x.id}`).to.be.greaterThan(0);
        expect(x.linkedBy).to.equal('announcement');
        expect(x.outcome, `${x.command} #${x.id}`).to.equal('complete');
      }
      expect(r.events.filter((e) => e.startsWith('transfer:'))).to.have.length(xs.length);
    });
  }

  it('an AUTH TLS session stops parsing at the TLS records and picks cleartext up again (nDPI ftp-start-tls)', () => {
    const s = runs.get('nDPI/ftp-start-tls.pcap')!.ftp.sessions[0]!;
    expect(s.tls.authFrame).to.not.equal(null);
    expect(s.tls.encryptedFromFrame).to.be.greaterThan(s.tls.authFrame!);
    expect(s.tls.clearAgainFrame).to.be.greaterThan(s.tls.encryptedFromFrame!);
    expect(s.unparsedLines).to.equal(0);
  });
});
