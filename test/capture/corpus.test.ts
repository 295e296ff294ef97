// Every public trace of the shared corpus reads cleanly, matches MANIFEST.tsv, and (classic µs
// pcap) agrees frame by frame with an independent reader, the pcap-parser package.
import { expect } from 'chai';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { linkTypeName } from '../../src/capture/frame.ts';
import { readCapture } from '../../src/capture/read.ts';
import { collect, type FrameCopy } from './fixtures.ts';

const corpus = fileURLToPath(new URL('../../../shared/corpus/', import.meta.url));
const manifestPath = `${corpus}MANIFEST.tsv`;
const haveCorpus = fs.existsSync(manifestPath);

interface ManifestRow {
  file: string; //      relative to public/
  format: string; //    pcap | pcapng
  linkType: number; //  LINKTYPE_* number
  packets: number;
}

/** MANIFEST.tsv: header line, then tab-separated rows; linktype like "EN10MB (Ethernet)". */
function manifest(): ManifestRow[] {
  const byName = new Map(Object.entries(linkTypeName).map(([n, name]) => [name, Number(n)]));
  const [header, ...rows] = fs.readFileSync(manifestPath, 'utf8').trim().split('\n');
  const col = header!.split('\t');
  return rows.map((line) => {
    const v = line.split('\t');
    const get = (name: string) => v[col.indexOf(name)]!;
    const lt = byName.get(get('linktype').split(' ')[0]!);
    if (lt === undefined) throw new Error(`unknown link type in manifest: ${get('linktype')}`);
    return { file: get('file'), format: get('format'), linkType: lt, packets: Number(get('packets')) };
  });
}

/** pcap-parser's view of a file: CommonJS, classic µs pcap only, stops silently when cut. */
function pcapParserFrames(file: string): Promise<FrameCopy[]> {
  const pcapParser = createRequire(import.meta.url)('pcap-parser') as {
    parse(input: string): NodeJS.EventEmitter;
  };
  return new Promise((resolve, reject) => {
    const frames: FrameCopy[] = [];
    const p = pcapParser.parse(file);
    p.on('packet', (pkt: { header: Record<string, number>; data: Buffer }) => {
      const h = pkt.header;
      frames.push({
        number: frames.length + 1,
        offset: 0, // not reported by pcap-parser
        tsSec: h.timestampSeconds!,
        tsNsec: h.timestampMicroseconds! * 1000,
        time: h.timestampSeconds! + h.timestampMicroseconds! / 1e6,
        linkType: 0,
        interfaceId: 0,
        capLen: h.capturedLength!,
        origLen: h.originalLength!,
        data: Buffer.from(pkt.data),
      });
    });
    p.on('error', reject);
    p.on('end', () => resolve(frames));
  });
}

(haveCorpus ? describe : describe.skip)('public corpus', () => {
  const rows = haveCorpus ? manifest() : [];

  it('lists the files that are on disk', () => {
    expect(rows.length).to.be.greaterThan(40);
    for (const r of rows) expect(fs.existsSync(`${corpus}public/${r.file}`), r.file).to.equal(true);
  });

  it('every file reads without error; frame count and link types match MANIFEST.tsv', async () => {
    for (const r of rows) {
      const numbers: number[] = [];
      const s = await readCapture(`${corpus}public/${r.file}`, (f) => numbers.push(f.number));
      expect(s, r.file).to.deep.include({ format: r.format, frames: r.packets, truncated: false });
      expect(s.linkTypes, r.file).to.deep.equal([r.linkType]);
      expect(s.warnings, r.file).to.deep.equal([]);
      expect(numbers, r.file).to.deep.equal(Array.from({ length: r.packets }, (_, i) => i + 1));
    }
  });

  it('every classic µs pcap gives the same frames as pcap-parser', async () => {
    let compared = 0;
    for (const r of rows) {
      const path = `${corpus}public/${r.file}`;
      const magic = fs.readFileSync(path).subarray(0, 4).toString('hex');
      if (magic !== 'd4c3b2a1' && magic !== 'a1b2c3d4') continue;
      const ours = collect();
      await readCapture(path, ours.sink);
      const theirs = await pcapParserFrames(path);
      const strip = (f: FrameCopy) => [f.number, f.tsSec, f.tsNsec, f.capLen, f.origLen, f.data.toString('hex')];
      expect(ours.frames.map(strip), r.file).to.deep.equal(theirs.map(strip));
      expect(theirs.length, r.file).to.equal(r.packets);
      compared++;
    }
    expect(compared).to.be.greaterThan(40);
  });
});
