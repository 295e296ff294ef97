// `analyze --extract` on captures of real servers whose files are known: the recorder hashed
// every byte the client wrote or read and every file on the server's disk (captures/*.truth.json,
// sha256Sent/Received/Source/OnServer). The rebuilt file must hash the same. Then variants of a
// real trace, derived here, with what a capture can lack: frames cut by a snaplen, frames the
// capture point missed, a capture stopped mid-transfer.

import { expect } from 'chai';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PacketDecoder } from '../../src/decode/decoder.ts';
import { toCaptureFrames } from '../../src/craft/capture-files.ts';
import type { TruthTransfer } from '../../scripts/captures/lib/truth.ts';
import { cli } from '../support/cli.ts';
import { projectRoot } from '../support/trace-files.ts';
import { cleanupExtractions, equalOutsideHoles, extract, framesOf, sha256, toPcap, traceFile, type Extraction, type ManifestFile } from './extract-support.ts';

const captures = join(projectRoot, 'captures');

interface TruthFile {
  trace: string;
  transfers: TruthTransfer[];
}

/** The truth files that state hashes of transferred data. */
function hashedTruths(): TruthFile[] {
  return readdirSync(captures)
    .filter((f) => f.endsWith('.truth.json'))
    .map((f) => JSON.parse(readFileSync(join(captures, f), 'utf8')) as TruthFile)
    .filter((t) => t.transfers.some((x) => x.sha256Sent !== undefined || x.sha256Received !== undefined));
}

const commandOf = (f: ManifestFile) => (f.argument ? `${f.command} ${f.argument}` : f.command);

describe('analyze --extract: real servers, known files', function () {
  this.timeout(60000);
  after(cleanupExtractions);

  const truths = hashedTruths();
  it('has real traces whose truth states the files’ hashes', () => {
    expect(truths.length, 'captures/*.truth.json with sha256 fields').to.be.at.least(2);
  });

  for (const truth of truths) {
    it(`${truth.trace}: every rebuilt file hashes as the client sent it or received it`, async () => {
      // FTPS: with the key log the client wrote, the files are the decrypted plaintext
      const keyLog = join(captures, truth.trace.replace(/\.pcap(ng)?$/, '.keylog'));
      const x = await extract(join(captures, truth.trace), existsSync(keyLog) ? ['--keylog', keyLog] : []);
      expect(x.run.err).to.not.match(/internal error/);
      expect(x.files.map(commandOf)).to.deep.equal(truth.transfers.map((t) => t.command));
      for (const [i, t] of truth.transfers.entries()) {
        const f = x.files[i]!;
        const label = `${truth.trace} transfer ${i} ${t.command}`;
        expect(f.file, label).to.be.a('string');
        const bytes = x.bytes(f);
        expect(sha256(bytes), `${label}: manifest hash`).to.equal(f.sha256);
        if (t.sha256Sent !== undefined) {
          expect(f.sha256, `${label}: what the client sent`).to.equal(t.sha256Sent);
          // the server kept exactly what the client sent before its RST, and acknowledged it
          if (t.sha256OnServer && t.serverFileSize === t.clientWrote && f.type.startsWith('I')) expect(f.sha256, `${label}: the server's file`).to.equal(t.sha256OnServer);
        }
        if (t.sha256Received !== undefined) {
          expect(f.sha256, `${label}: what the client received`).to.equal(t.sha256Received);
          // the file served, when it crossed whole and unconverted
          if (t.sha256Source && f.restOffset === 0 && t.sha256Source === t.sha256Received) expect(f.sha256).to.equal(t.sha256Source);
        }
        if (t.dataEnd === 'fin' && t.replies.at(-1) === 226) expect(f.status, label).to.equal('whole');
        if (t.dataEnd === 'rst-by-client') {
          expect(f.status, label).to.equal('cut');
          expect(f.cut!.reason, label).to.equal('rst');
          expect(f.cut!.offset, label).to.equal(t.clientWrote);
        }
        if (f.type.startsWith('A')) expect(f.notes.join(' '), label).to.match(/TYPE A: kept as sent/);
      }
    });
  }

  // every recorded transfer the recorder saw end short — fewer bytes than the file, and an
  // abnormal end: a reset, or no completion reply (a sender that meant to send less and closed
  // normally, as the REST-resume upload does, sent a whole file) — is never called whole, whatever
  // the replies said
  const shortEnd = (x: TruthTransfer) =>
    x.expectedBytes !== undefined && (x.clientRead ?? x.clientWrote ?? Infinity) < x.expectedBytes && (x.dataEnd !== 'fin' || !x.replies.some((c) => c >= 200 && c < 300));
  const all = readdirSync(captures)
    .filter((f) => f.endsWith('.truth.json'))
    .map((f) => JSON.parse(readFileSync(join(captures, f), 'utf8')) as TruthFile)
    .filter((t) => t.transfers.some(shortEnd));
  for (const truth of all) {
    it(`${truth.trace}: a transfer the recorder saw end short is not called whole`, async () => {
      const x = await extract(join(captures, truth.trace));
      const files = x.files.map((f) => [commandOf(f), f] as const);
      let at = 0;
      for (const t of truth.transfers) {
        // the capture's transfers in order; a recorded transfer the analysis does not list (a
        // refused one) is skipped
        const i = files.findIndex(([c], k) => k >= at && c === t.command);
        if (i < 0) continue;
        at = i + 1;
        if (shortEnd(t)) expect(files[i]![1].status, `${truth.trace} ${t.command}`).to.not.equal('whole');
      }
    });
  }

  it('keeps TYPE A data as sent: pyftpdlib’s CRLF on the wire is not the LF file on either disk', async () => {
    const truth = truths.find((t) => t.trace === 'pyftpdlib-netns-ascii-files.pcapng');
    expect(truth, 'the pyftpdlib TYPE A trace').to.not.equal(undefined);
    const x = await extract(join(captures, truth!.trace));
    const down = truth!.transfers.find((t) => t.command === 'RETR notes.txt')!;
    const up = truth!.transfers.find((t) => t.command === 'STOR notes-up.txt')!;
    // the recorder saw the conversions: the file served and the file kept differ from the wire
    expect(down.sha256Received).to.not.equal(down.sha256Source);
    expect(up.sha256Sent).to.not.equal(up.sha256OnServer);
    const fd = x.files.find((f) => commandOf(f) === 'RETR notes.txt')!;
    const fu = x.files.find((f) => commandOf(f) === 'STOR notes-up.txt')!;
    expect([fd.sha256, fu.sha256]).to.deep.equal([down.sha256Received, up.sha256Sent]);
    expect(x.bytes(fd).includes('\r\n')).to.equal(true);
  });
});

describe('analyze --extract: what a capture of a real transfer can lack', function () {
  this.timeout(60000);
  after(cleanupExtractions);
  const trace = join(captures, 'vsftpd-netns-known-files.pcap');
  let full: Extraction;
  let first: ManifestFile; //   RETR data.bin, passive, TYPE I, whole
  let data: Buffer; //          its bytes, checked against the truth above

  before(async () => {
    full = await extract(trace);
    first = full.files[0]!;
    data = full.bytes(first);
    expect(first.status).to.equal('whole');
  });

  /** Frames of the first transfer's data connection that carry data from the server. */
  async function dataFrames(): Promise<Array<{ number: number; seq: number; len: number }>> {
    const frames = await framesOf(trace);
    const json = JSON.parse((await cli(['analyze', '--json', trace])).out) as {
      transfers: Array<{ dataConnection: number }>;
      connections: Array<{ id: number; server: { port: number; isn: number }; firstFrame: number; lastFrame: number }>;
    };
    const conn = json.connections[json.transfers[0]!.dataConnection]!;
    const dec = new PacketDecoder();
    const out: Array<{ number: number; seq: number; len: number }> = [];
    for (const f of toCaptureFrames(frames, frames[0]!.linkType)) {
      if (f.number < conn.firstFrame || f.number > conn.lastFrame || dec.decode(f) !== 'tcp') continue;
      const p = dec.packet;
      if (p.srcPort === conn.server.port && p.payloadLength > 0) out.push({ number: f.number, seq: (p.seq - conn.server.isn - 1) >>> 0, len: p.payloadLength });
    }
    return out;
  }

  it('frames cut by a snaplen: holes marked snaplen, zeros in them, every captured byte in place', async () => {
    const frames = await framesOf(trace);
    const snap = 200;
    const cut = toPcap(frames.map((f) => ({ ...f, data: f.data.subarray(0, snap) })), snap);
    const x = await extract(traceFile(cut));
    const f = x.files[0]!;
    expect(f.status).to.match(/holes/);
    expect(f.holes.length).to.be.greaterThan(0);
    expect(f.holes.every((h) => h.reason === 'snaplen')).to.equal(true);
    expect(f.holeCount).to.be.greaterThan(100);
    // the bytes the capture kept are the file's; the rest is zeros, never made up
    expect(equalOutsideHoles(x.bytes(f), data, f.holes)).to.equal(true);
    expect(x.text).to.match(/holes?, \d+ bytes, left as zeros/);
  });

  it('frames the capture point missed: each missing range listed as a hole, the rest exact', async () => {
    const segs = await dataFrames();
    // data segments whose bytes the capture holds once (no retransmission covers them)
    const once = segs.filter((s) => segs.filter((o) => o.seq < s.seq + s.len && s.seq < o.seq + o.len).length === 1);
    const drop = [once[5]!, once[6]!, once[40]!];
    const frames = (await framesOf(trace)).filter((f) => !drop.some((d) => d.number === f.number));
    const x = await extract(traceFile(toPcap(frames)));
    const f = x.files[0]!;
    // the dropped segments' ranges, adjacent ones joined
    const want: Array<{ from: number; to: number; reason: string }> = [];
    for (const d of [...drop].sort((a, b) => a.seq - b.seq)) {
      const last = want.at(-1);
      if (last && last.to === d.seq) last.to = d.seq + d.len;
      else want.push({ from: d.seq, to: d.seq + d.len, reason: 'not-captured' });
    }
    expect(f.holes).to.deep.equal(want);
    expect(f.holeBytes).to.equal(drop.reduce((n, d) => n + d.len, 0));
    expect(f.status).to.equal('holes');
    expect(f.sha256).to.not.equal(first.sha256);
    expect(equalOutsideHoles(x.bytes(f), data, f.holes)).to.equal(true);
  });

  it('a capture stopped mid-transfer: cut where the capture ended, the prefix exact', async () => {
    const segs = await dataFrames();
    const stop = segs[Math.floor(segs.length / 2)]!.number;
    const frames = (await framesOf(trace)).filter((f) => f.number <= stop);
    const x = await extract(traceFile(toPcap(frames)));
    const f = x.files[0]!;
    expect(f.cut?.reason).to.equal('capture-ended');
    expect(f.bytesWritten).to.be.greaterThan(0).and.lessThan(data.length);
    expect(f.cut!.offset).to.equal(f.bytesWritten);
    expect(equalOutsideHoles(x.bytes(f), data.subarray(0, f.bytesWritten), f.holes)).to.equal(true);
    // the transfers after the stop are not in the capture at all
    expect(x.files.length).to.equal(1);
  });
});
