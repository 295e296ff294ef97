import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { TcpFlag } from '../../src/decode/packet.ts';
import { LadderFolder, type LadderItem, type LadderRow } from '../../src/report/ladder-model.ts';
import { replayConnections, type ReplayPacket } from '../../src/report/packet-replay.ts';
import { wrap as wrapPlain } from '../../src/format/words.ts';
import { cli } from '../support/cli.ts';
import { HOSTILE_NAME, SECRET, hostileTrace } from './ladder-traces.ts';
import { analysis } from './support.ts';
import { corpusIt } from '../support/trace-files.ts';

const captures = fileURLToPath(new URL('../../captures/', import.meta.url));
const corpus = fileURLToPath(new URL('../../../shared/corpus/public/', import.meta.url));
const STRAY = join(captures, 'crafted-windows-stray-ack-rst.pcap');
const UPLOAD_RST = join(captures, 'vsftpd-upload-rst.pcap');
const ESC = '\x1b';

/** A packet row's text and the lines under it (FTP lines, a mark too long for the row), by frame. */
function rowsByFrame(text: string): Map<number, string> {
  const out = new Map<number, string>();
  let current: number | null = null;
  for (const line of text.split('\n')) {
    const m = /^\s*\d+\.\d+\s+(\d+)\s/.exec(line);
    if (m) {
      current = Number(m[1]);
      out.set(current, line);
    } else if (current !== null && /^\s+[│ ].*\S/.test(line) && !line.includes('┆')) {
      out.set(current, `${out.get(current)}\n${line}`);
    } else {
      current = null;
    }
  }
  return out;
}

/** Display width: every character the ladder uses (box drawing, arrows, ◆, …) is one column. */
const columns = (line: string) => [...line].length;

function expectFits(text: string, width = 80): void {
  for (const line of text.split('\n')) expect(columns(line), line).to.be.at.most(width);
}

describe('report/ladder: text ladder on real traces', function () {
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'ftpdiag-ladder-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('crafted stray ACK: the stray ACK and the RST are marked with stray-ack-after-fin', async () => {
    const r = await analysis(STRAY);
    const f = r.findings.find((x) => x.id === 'stray-ack-after-fin');
    expect(f, 'the analysis finds the stray ACK').to.not.equal(undefined);
    const conn = r.connections.find((c) => c.id === f!.connection)!;
    const stray = conn.strayAck!;
    expect(stray.rstFrame).to.be.a('number');
    // --frame of the RST picks its connection
    const { code, out, err } = await cli(['ladder', STRAY, '--frame', String(stray.rstFrame)]);
    expect(err).to.equal('');
    expect(code).to.equal(0);
    expect(out).to.include(`Connection ${conn.id}:`);
    const rows = rowsByFrame(out);
    for (const frame of f!.frames) expect(rows.get(frame), `frame ${frame}`).to.include('◆').and.include('stray-ack-after-fin');
    // the stray ACK goes from the FTP client (left) to the server; the RST comes back
    const ack = rows.get(stray.frame)!;
    expect(ack).to.match(/├─ACK seq=\d+ ack=\d+─*▶│/);
    const rst = rows.get(stray.rstFrame!)!;
    expect(rst).to.match(/│◀─*RST seq=\d+─┤/);
    // every packet of the connection is drawn (it is short): frames in capture order
    const frames = [...rows.keys()];
    expect(frames).to.deep.equal([...frames].sort((a, b) => a - b));
    expect(frames[0]).to.equal(conn.firstFrame);
    expect(frames[frames.length - 1]).to.equal(conn.lastFrame);
    expect(frames.length).to.equal(conn.client.segments + conn.server.segments);
    expectFits(out);
    expect(out).to.not.include(ESC);
  });

  it('vsftpd upload reset: --transfer draws control and data, the RST and the 426 marked upload-reset', async () => {
    const r = await analysis(UPLOAD_RST);
    const f = r.findings.find((x) => x.id === 'upload-reset')!;
    expect(f.transfer).to.be.a('number');
    const t = r.transfers.find((x) => x.id === f.transfer)!;
    const data = r.connections.find((c) => c.id === t.dataConnection)!;
    const { code, out } = await cli(['ladder', UPLOAD_RST, '--transfer', String(t.id)]);
    expect(code).to.equal(0);
    expect(out).to.match(new RegExp(`C\\s+control connection ${r.sessions[t.session!]!.control}:`));
    expect(out).to.match(new RegExp(`D\\s+data\\s+connection ${data.id}:`));
    const rows = rowsByFrame(out);
    const rst = rows.get(data.reset!.frame)!;
    // passive mode: the data connection's TCP client is the FTP client, drawn on the left
    const fromLeft = (t.mode === 'passive') === (data.reset!.by === 'client');
    expect(rst, 'the RST row').to.match(fromLeft ? / D ├─RST[A-Z,]* seq=\d+ (ack=\d+)?─*▶│/ : / D │◀─*RST[A-Z,]* seq=\d+( ack=\d+)?─┤/);
    expect(rst).to.include('◆ upload-reset');
    const reply = rows.get(t.finalReply!.frame)!;
    expect(reply, 'the 426 row').to.include(' C │◀').and.include('◆ upload-reset');
    expect(reply).to.include(`${t.finalReply!.code} ${t.finalReply!.text} │`);
    expect(t.finalReply!.code).to.equal(426);
    for (const frame of f.frames) expect(rows.get(frame), `frame ${frame}`).to.include('upload-reset');
    // the STOR command line is under its arrow
    expect(rows.get(t.commandFrame)).to.include(`STOR ${t.argument}`);
    expect(out).to.include('Findings marked ◆').and.include('ERROR upload-reset');
    expectFits(out);
  });

  it('colours only on a terminal, and never with NO_COLOR', async () => {
    const plain = await cli(['ladder', UPLOAD_RST, '--transfer', '0']);
    expect(plain.out).to.not.include(ESC);
    const tty = await cli(['ladder', UPLOAD_RST, '--transfer', '0'], { stdoutIsTTY: true, columns: 120 });
    expect(tty.out).to.include(`${ESC}[`);
    // colour adds no visible width
    expectFits(tty.out.replace(/\x1b\[[0-9;]*m/g, ''));
    const noColor = await cli(['ladder', UPLOAD_RST, '--transfer', '0'], { stdoutIsTTY: true, env: { NO_COLOR: '1' } });
    expect(noColor.out).to.not.include(ESC);
    expect(noColor.out).to.equal(plain.out);
  });

  it('a hostile file name prints as text: ESC[2J escaped, PASS redacted', async () => {
    const file = join(tmp, 'hostile.pcap');
    writeFileSync(file, hostileTrace());
    const { code, out } = await cli(['ladder', file, '--transfer', '0']);
    expect(code).to.equal(0);
    expect(out).to.not.include(ESC);
    expect(out).to.include('RETR evil\\x1b[2J<script>alert(1)</script>&.txt');
    expectFits(out);
    const control = await cli(['ladder', file, '--connection', '0']);
    expect(control.out).to.include('PASS REDACTED');
    expect(control.out).to.not.include(SECRET);
    expect(control.out).to.not.include(ESC);
    const shown = await cli(['ladder', file, '--connection', '0', '--show-passwords']);
    expect(shown.out).to.include(`PASS ${SECRET}`);
    expect(HOSTILE_NAME).to.include(ESC); // the test trace really is hostile
  });

  it('folds bulk data past --max, keeping the ends and every finding frame', async () => {
    const file = join(tmp, 'long.pcap');
    writeFileSync(file, hostileTrace(1200));
    const r = await analysis(file);
    const t = r.transfers[0]!;
    const { code, out } = await cli(['ladder', file, '--transfer', '0', '--max', '40']);
    expect(code).to.equal(0);
    const total = Number(/^([\d,]+) packets \(([\d,]+) drawn\)/m.exec(out)![1]!.replace(/,/g, ''));
    const rows = rowsByFrame(out);
    const folded = [...out.matchAll(/… ([\d,]+) packets? of data/g)].map((m) => Number(m[1]!.replace(/,/g, '')));
    expect(folded.length).to.be.greaterThan(0);
    // nothing lost: drawn + folded = every packet of the selection
    expect(rows.size + folded.reduce((a, b) => a + b, 0)).to.equal(total);
    expect(rows.size).to.be.at.most(40);
    for (const f of r.findings) for (const frame of f.frames) expect(rows.has(frame), `${f.id} frame ${frame}`).to.equal(true);
    // the first packets and the final reply are there
    expect(rows.has(t.commandFrame)).to.equal(true);
    expect(rows.has(t.finalReply!.frame)).to.equal(true);
    expectFits(out);
  });

  corpusIt('draws a long real connection from the public corpus within 80 columns', async function () {
    const file = join(corpus, 'suricata-verify/output-eve-ftp-data__input.pcap');
    const r = await analysis(file);
    const longest = [...r.connections].sort((a, b) => b.client.segments + b.server.segments - (a.client.segments + a.server.segments))[0]!;
    const { code, out } = await cli(['ladder', file, '--connection', String(longest.id), '--max', '30']);
    expect(code).to.equal(0);
    expectFits(out);
    const rows = rowsByFrame(out);
    expect(rows.size).to.be.within(6, 60);
    if (longest.client.segments + longest.server.segments > 30) expect(out).to.match(/┆ +… [\d,]+ packets/);
  });

  it('refuses a missing or impossible selection with exit 2', async () => {
    const none = await cli(['ladder', UPLOAD_RST]);
    expect(none.code).to.equal(2);
    expect(none.err).to.include('--connection ID, --transfer ID or --frame N');
    const two = await cli(['ladder', UPLOAD_RST, '--connection', '0', '--transfer', '0']);
    expect(two.code).to.equal(2);
    const missing = await cli(['ladder', UPLOAD_RST, '--connection', '99']);
    expect(missing.code).to.equal(2);
    expect(missing.err).to.match(/no connection 99 \(this capture has 2 connections/);
    const frame = await cli(['ladder', UPLOAD_RST, '--frame', '100000']);
    expect(frame.code).to.equal(2);
    const stdin = await cli(['ladder', '-', '--connection', '0'], { stdin: Readable.from([Buffer.alloc(0)]) });
    expect(stdin.code).to.equal(2);
    expect(stdin.err).to.include('give a file');
  });
});

describe('report/ladder: relative sequence numbers', () => {
  const hasTshark = spawnSync('tshark', ['--version'], { stdio: 'ignore' }).status === 0;

  it("agree with tshark's tcp.seq / tcp.ack / tcp.len on every segment", async function () {
    if (!hasTshark) this.skip();
    for (const file of [STRAY, UPLOAD_RST, join(captures, 'vsftpd-netns-packet-loss.pcap')]) {
      const r = await analysis(file);
      const got = new Map<number, ReplayPacket>();
      await replayConnections(file, [
        { selections: r.connections.map((c) => ({ connection: c, fromFrame: c.firstFrame, toFrame: c.lastFrame })), push: (p) => void got.set(p.frame, p) },
      ]);
      const ts = spawnSync('tshark', ['-r', file, '-Y', 'tcp', '-T', 'fields', '-e', 'frame.number', '-e', 'tcp.seq', '-e', 'tcp.ack', '-e', 'tcp.len', '-e', 'tcp.flags'], { encoding: 'utf8' });
      let compared = 0;
      for (const line of ts.stdout.trim().split('\n')) {
        const [frame, seq, ack, len, flags] = line.split('\t');
        const p = got.get(Number(frame));
        expect(p, `${file} frame ${frame}`).to.not.equal(undefined);
        expect(p!.seq, `${file} frame ${frame} seq`).to.equal(Number(seq));
        if (Number(flags) & TcpFlag.ACK) expect(p!.ack, `${file} frame ${frame} ack`).to.equal(Number(ack));
        expect(p!.len).to.equal(Number(len));
        expect(p!.flags).to.equal(Number(flags) & 0xff);
        compared++;
      }
      expect(compared).to.equal(got.size);
    }
  });
});

describe('report/ladder: folding', () => {
  function row(frame: number, over: Partial<LadderRow> = {}): LadderRow {
    return { kind: 'packet', frame, time: frame / 1000, lane: 0, dir: 'left', flags: TcpFlag.ACK, seq: frame * 1000, ack: 1, len: 1000, window: 100, lines: [], marks: [], ...over };
  }
  const packetsIn = (items: LadderItem[]) => items.reduce((n, it) => n + (it.kind === 'gap' ? it.packets : 1), 0);

  it('draws everything when within the budget', () => {
    const f = new LadderFolder(50, new Set(), new Set(), 2, true);
    for (let i = 1; i <= 50; i++) f.push(row(i));
    const { items } = f.finish();
    expect(items.every((it) => it.kind === 'packet')).to.equal(true);
    expect(items).to.have.length(50);
  });

  it('streams 200,000 packets in bounded memory, keeping pins and their context', () => {
    const pins = new Set([23_456, 177_777]);
    const alone = new Set([100_000]);
    const f = new LadderFolder(60, pins, alone, 2, true);
    let peak = 0;
    const N = 200_000;
    for (let i = 1; i <= N; i++) {
      f.push(row(i, i % 30_000 === 0 ? { lines: ['226 ok'] } : {}));
      if (i % 10_000 === 0) peak = Math.max(peak, (f as unknown as { items: unknown[] }).items.length);
    }
    expect(peak).to.be.below(400);
    const { items, packets } = f.finish();
    expect(packets).to.equal(N);
    expect(packetsIn(items)).to.equal(N);
    const drawn = new Set(items.filter((x): x is LadderRow => x.kind === 'packet').map((x) => x.frame));
    for (const p of pins) for (let d = -2; d <= 2; d++) expect(drawn.has(p + d), `frame ${p + d}`).to.equal(true);
    expect(drawn.has(100_000)).to.equal(true);
    expect(drawn.has(100_001)).to.equal(false); // no context for info frames
    for (let i = 1; i <= 6; i++) expect(drawn.has(i)).to.equal(true);
    for (let i = N - 5; i <= N; i++) expect(drawn.has(i)).to.equal(true);
    expect(items.length).to.be.below(60 + 20);
    // gaps are in frame order and never adjacent
    for (let i = 1; i < items.length; i++) expect(items[i]!.kind === 'gap' && items[i - 1]!.kind === 'gap').to.equal(false);
  });

  it('a run shorter than three bulk packets is drawn, not folded', () => {
    const f = new LadderFolder(10, new Set(), new Set(), 2, false);
    for (let i = 1; i <= 30; i++) f.push(row(i, i % 3 === 0 ? { flags: TcpFlag.ACK | TcpFlag.FIN } : {}));
    const { items } = f.finish();
    expect(packetsIn(items)).to.equal(30);
  });
});

describe('ladder headings: wrapping', () => {
  const widths = (t: string) => t.split('\n').map((l) => l.length);

  it('cuts a word longer than the line (a deep file path) after a slash, never past the width', () => {
    const path = `/${Array.from({ length: 12 }, (_, i) => `directory-${i}`).join('/')}/trace.pcap`;
    const out = wrapPlain(`A   ${path}`, 40, '      ', '  ');
    for (const n of widths(out)) expect(n).to.be.at.most(40);
    expect(out.replace(/\n\s*/g, '')).to.equal(`  A   ${path}`);
    // every cut but the last falls just after a '/'
    for (const l of out.split('\n').slice(0, -1)) expect(l.endsWith('/'), l).to.equal(true);
  });

  it('cuts a word without any slash at the width, starting on the line it reaches, and keeps ordinary words whole', () => {
    const out = wrapPlain(`short ${'x'.repeat(50)} tail`, 20, '  ', '');
    expect(out.split('\n')).to.deep.equal(['short ' + 'x'.repeat(14), '  ' + 'x'.repeat(18), '  ' + 'x'.repeat(18), '  tail']);
  });
});
