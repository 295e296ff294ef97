// `analyze --annotate OUT.pcapng`, read back by Wireshark's own tshark: every frame a finding
// cites carries `ftpdiag <id> <severity>: <summary>` for each such finding (and no other frame
// carries an ftpdiag comment), the display filter `frame.comment contains "ftpdiag"` selects them,
// Expert Info lists them, the section comment holds the report's headline, every frame is
// byte-identical to the input with the same time and interface, and comments the input had are
// kept. Inputs: real captures (classic pcap, dumpcap's pcapng), and a two-section pcapng (the
// second section big-endian, nanosecond timestamps) with comments of its own, gzip-compressed.
// Without tshark the tshark checks skip, saying so; the read-back with our own reader always runs.

import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { readCapture } from '../../src/capture/read.ts';
import { PcapngWriter } from '../../src/capture/pcapng-writer.ts';
import { LinkType } from '../../src/capture/frame.ts';
import { findingComment } from '../../src/report/annotations.ts';
import { hostileTrace } from '../report/ladder-traces.ts';
import { cli } from '../support/cli.ts';
import { projectRoot } from '../support/trace-files.ts';
import { cleanupExtractions, framesOf, tempDir } from '../report/extract-support.ts';

function have(cmd: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}
const TSHARK = have('tshark');

function tshark(args: string[]): string {
  return execFileSync('tshark', args, { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024, stdio: ['ignore', 'pipe', 'ignore'] });
}

interface JsonFinding {
  id: string;
  severity: 'error' | 'warning' | 'info';
  summary: string;
  frames: number[];
}

/** frame → the ftpdiag comments it must carry, errors first (from `analyze --json`). */
async function expectedComments(trace: string): Promise<Map<number, string[]>> {
  const r = await cli(['analyze', '--json', trace]);
  const findings = (JSON.parse(r.out) as { findings: JsonFinding[] }).findings;
  const rank = { error: 3, warning: 2, info: 1 };
  const byFrame = new Map<number, Array<{ text: string; rank: number; i: number }>>();
  findings.forEach((f, i) => {
    for (const n of new Set(f.frames)) {
      const list = byFrame.get(n) ?? [];
      list.push({ text: findingComment(f), rank: rank[f.severity], i });
      byFrame.set(n, list);
    }
  });
  return new Map([...byFrame].map(([n, l]) => [n, l.sort((a, b) => b.rank - a.rank || a.i - b.i).map((x) => x.text)]));
}

/** What tshark reads in a file: per frame its number, epoch time, interface, lengths and bytes,
 *  and its comments. One tshark run (each costs a second or two of start-up). */
function tsharkView(file: string): { frames: string[]; comments: Map<number, string[]> } {
  type Layers = { frame: Record<string, string>; frame_raw?: [string]; pkt_comment?: unknown };
  const docs = JSON.parse(tshark(['-r', file, '-T', 'json', '--no-duplicate-keys', '-x', '-j', 'frame pkt_comment'])) as Array<{ _source: { layers: Layers } }>;
  const frames: string[] = [];
  const comments = new Map<number, string[]>();
  for (const d of docs) {
    const l = d._source.layers;
    const f = l.frame;
    // a classic pcap has one interface, which tshark does not number: 0 in the pcapng
    frames.push([f['frame.number'], f['frame.time_epoch'], f['frame.interface_id'] ?? '0', f['frame.len'], f['frame.cap_len'], l.frame_raw?.[0]].join(' '));
    // one pkt_comment tree per comment: an object, or a list of them when there are several
    const trees = l.pkt_comment === undefined ? [] : Array.isArray(l.pkt_comment) ? l.pkt_comment : [l.pkt_comment];
    const texts = (trees as Array<{ 'frame.comment': string | string[] }>).flatMap((t) => t['frame.comment']);
    if (texts.length) comments.set(Number(f['frame.number']), texts);
  }
  return { frames, comments };
}

/** The frames Wireshark's display filter `frame.comment contains "ftpdiag"` selects, and the
 *  Expert Info of the file. */
function tsharkSelected(file: string): { frames: number[]; expert: string } {
  const out = tshark(['-r', file, '-Y', 'frame.comment contains "ftpdiag"', '-T', 'fields', '-e', 'frame.number', '-z', 'expert']);
  const lines = out.split('\n');
  const frames = lines.filter((x) => /^\d+$/.test(x)).map(Number);
  return { frames, expert: out };
}

/** Our own reader: each frame as tsharkView shows it. */
async function ourFrames(file: string): Promise<string[]> {
  const out: string[] = [];
  await readCapture(file, (f) => out.push(`${f.number} ${f.tsSec}.${String(f.tsNsec).padStart(9, '0')} ${f.interfaceId} ${f.origLen} ${f.capLen} ${f.data.toString('hex')}`));
  return out;
}

/** Each frame's link type (the interface it came from keeps its type). */
async function linkTypes(file: string): Promise<number[]> {
  const out: number[] = [];
  await readCapture(file, (f) => out.push(f.linkType));
  return out;
}

/** The hostile crafted trace as pcapng: frames 1–10 in a little-endian µs section, the rest in a
 *  big-endian ns section; comments of its own on frame 2 and on the last frame. */
async function twoSectionPcapng(): Promise<{ file: string; own: Map<number, string> }> {
  const pcap = join(tempDir(), 'hostile.pcap');
  writeFileSync(pcap, hostileTrace());
  const frames = await framesOf(pcap);
  const chunks: Buffer[] = [];
  const w = new PcapngWriter((c) => chunks.push(c), { comments: ['recorded by a test'] });
  w.addInterface({ linkType: LinkType.ETHERNET });
  const own = new Map<number, string>([
    [2, 'an engineer was here'],
    [frames.length, 'the last frame, noted by hand'],
  ]);
  frames.forEach((f, i) => {
    if (i === 10) {
      w.newSection({ bigEndian: true });
      w.addInterface({ linkType: LinkType.ETHERNET, tsresol: 9 });
    }
    const c = own.get(f.number);
    w.writeFrame({ ...f, interfaceId: 0, ...(c ? { comments: [c] } : {}) });
  });
  const file = join(tempDir(), 'hostile-two-sections.pcapng.gz');
  writeFileSync(file, gzipSync(Buffer.concat(chunks)));
  return { file, own };
}

describe('analyze --annotate', function () {
  this.timeout(60000);
  after(cleanupExtractions);

  const real = ['vsftpd-netns-known-files.pcap', 'pyftpdlib-netns-ascii-files.pcapng', 'vsftpd-upload-rst.pcap'].map((n) => join(projectRoot, 'captures', n));

  const done = new Map<string, Promise<string>>();
  /** The annotated copy of `trace` (made once per trace). */
  function annotate(trace: string): Promise<string> {
    let p = done.get(trace);
    if (!p) done.set(trace, (p = annotateNow(trace)));
    return p;
  }

  async function annotateNow(trace: string): Promise<string> {
    const out = join(tempDir(), 'annotated.pcapng');
    const r = await cli(['analyze', trace, '--annotate', out]);
    expect(r.code, r.err).to.be.oneOf([0, 1]);
    expect(r.err).to.match(/annotated capture .*: \d+ frames, \d+ with ftpdiag comments/);
    return out;
  }

  for (const trace of real) {
    const name = trace.slice(trace.lastIndexOf('/') + 1);
    it(`${name}: the same frames, read back by our reader`, async () => {
      const out = await annotate(trace);
      expect(readFileSync(out).readUInt32LE(0)).to.equal(0x0a0d0d0a);
      expect(await ourFrames(out)).to.deep.equal(await ourFrames(trace));
      expect(await linkTypes(out)).to.deep.equal(await linkTypes(trace));
    });

    // tshark takes a second or two to start: read back one classic pcap and one pcapng
    if (name === 'vsftpd-upload-rst.pcap') continue;
    it(`${name}: tshark finds each cited frame's comments, the same frames byte for byte, the headline`, async function () {
      if (!TSHARK) this.skip(); // tshark is not installed (.ci/run installs it)
      const out = await annotate(trace);
      const want = await expectedComments(trace);
      expect(want.size, 'the trace has findings citing frames').to.be.greaterThan(0);
      const cited = [...want.keys()].sort((a, b) => a - b);
      const view = tsharkView(out);
      expect([...view.comments.keys()]).to.deep.equal(cited);
      for (const [n, texts] of want) expect(view.comments.get(n), `frame ${n}`).to.deep.equal(texts);
      expect(view.frames).to.deep.equal(await ourFrames(trace));
      const selected = tsharkSelected(out);
      expect(selected.frames).to.deep.equal(cited);
      // Expert Info lists the comments (group Comment)
      expect(selected.expert).to.match(/Comments \(\d+\)/);
      expect(selected.expert).to.include(want.values().next().value![0]!.slice(0, 60));
      if (have('capinfos')) {
        const info = execFileSync('capinfos', ['-k', out], { encoding: 'utf8' });
        expect(info).to.match(/ftpdiag: .* frames? — \d+ TCP connections?, \d+ FTP sessions?, \d+ transfers? — \d+ errors?, \d+ warnings?, \d+ info/);
      }
    });
  }

  it('a gzip-compressed pcapng of two sections (one big-endian, ns) with comments of its own: all kept, ours added', async () => {
    const { file, own } = await twoSectionPcapng();
    const out = await annotate(file);
    expect(await ourFrames(out)).to.deep.equal(await ourFrames(file));
    const want = await expectedComments(file);
    expect(want.size).to.be.greaterThan(0);
    if (!TSHARK) return; // the rest needs tshark
    const view = tsharkView(out);
    for (const [n, text] of own) expect(view.comments.get(n), `frame ${n}`).to.include(text);
    for (const [n, texts] of want) {
      const mine = (view.comments.get(n) ?? []).filter((c) => c.startsWith('ftpdiag'));
      expect(mine, `frame ${n}`).to.deep.equal(texts);
    }
    // a frame with its own comment and none of ours keeps exactly its own
    const onlyOwn = [...own.keys()].find((n) => !want.has(n));
    if (onlyOwn !== undefined) expect(view.comments.get(onlyOwn)).to.deep.equal([own.get(onlyOwn)]);
    // interface ids restart in the second section, as in the input
    expect(view.frames).to.deep.equal(await ourFrames(file));
    if (have('capinfos')) {
      const info = execFileSync('capinfos', ['-k', out], { encoding: 'utf8' });
      expect(info).to.include('recorded by a test');
      expect(info).to.match(/ftpdiag: /);
    }
  });

  it('escapes wire strings in comments as for a terminal', async () => {
    const file = join(tempDir(), 'hostile.pcap');
    writeFileSync(file, hostileTrace());
    const out = await annotate(file);
    // the comment options' text: from 'ftpdiag ' to the padding or the next option
    const comments: string[] = [];
    await readCapture(out, () => {}, { onRecord: (rec) => comments.push(...(rec.toString('latin1').match(/ftpdiag [^\x00\x01]*/g) ?? [])) });
    expect(comments.length).to.be.greaterThan(0);
    expect(comments.join('')).to.not.include('\x1b');
    expect(comments.join('')).to.include('\\x1b[2J');
  });
});
