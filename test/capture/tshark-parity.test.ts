// Where tshark is installed: our frame numbers, exact times, interface ids and lengths equal
// tshark's for writer fixtures (every pcapng block kind, both byte orders, odd resolutions) and
// for the corpus's pcapng files. Skipped without tshark.
import { expect } from 'chai';
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { fileURLToPath } from 'node:url';
import { readCapture } from '../../src/capture/read.ts';
import { framesToPcap } from '../../src/capture/pcap-writer.ts';
import { PcapngWriter } from '../../src/capture/pcapng-writer.ts';
import { bytes, multiSection, removeTempFiles, sampleFrames, tempFile } from './fixtures.ts';

const hasTshark = spawnSync('tshark', ['-v'], { stdio: 'ignore' }).status === 0;
const corpus = fileURLToPath(new URL('../../../shared/corpus/public/', import.meta.url));

after(removeTempFiles);

/** "number epoch.nnnnnnnnn interface caplen len" per frame, from tshark. */
function tsharkView(file: string): string[] {
  const out = execFileSync(
    'tshark',
    ['-r', file, '-T', 'fields', '-e', 'frame.number', '-e', 'frame.time_epoch', '-e', 'frame.interface_id', '-e', 'frame.cap_len', '-e', 'frame.len'],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] },
  );
  return out
    .trim()
    .split('\n')
    .map((l) => {
      const [n, t, i, c, len] = l.split('\t');
      return [n, t || '0.000000000', i || '0', c, len].join(' ');
    });
}

async function ourView(file: string): Promise<string[]> {
  const rows: string[] = [];
  await readCapture(file, (f) => rows.push(`${f.number} ${f.tsSec}.${String(f.tsNsec).padStart(9, '0')} ${f.interfaceId} ${f.capLen} ${f.origLen}`));
  return rows;
}

/** Everything after the packets tshark numbers but we do not deliver (custom blocks). */
function packetsOnly(tshark: string[], ours: string[]): string[] {
  const numbers = new Set(ours.map((r) => r.split(' ')[0]));
  return tshark.filter((r) => numbers.has(r.split(' ')[0]));
}

(hasTshark ? describe : describe.skip)('parity with tshark', function () {
  this.timeout(30000);

  it('writer fixtures: sections, interfaces, resolutions, SPB, PB, custom blocks; BE ns pcap', async () => {
    const out: Buffer[] = [];
    const w = new PcapngWriter((c) => out.push(c), { bigEndian: true });
    w.addInterface({ linkType: 1, tsresol: 0x80 | 30 });
    w.addInterface({ linkType: 1, tsresol: 3, tsoffset: -7200 });
    w.writeFrame({ tsSec: 1_700_000_004, tsNsec: 123_456_789, data: bytes(60, 1), interfaceId: 0 });
    w.writeCustomBlock(0x40000bad, bytes(12, 1));
    w.writeFrame({ tsSec: 1_700_000_005, tsNsec: 123_456_789, data: bytes(60, 2), interfaceId: 1 });
    const files = [
      tempFile('ms.pcapng', multiSection(true)), // BE section, then LE
      tempFile('res.pcapng', Buffer.concat(out)),
      tempFile('be-ns.pcap', framesToPcap(sampleFrames(), { linkType: 1, bigEndian: true, nanosecond: true })),
    ];
    for (const f of files) {
      const ours = await ourView(f);
      expect(ours.length, f).to.be.greaterThan(1);
      expect(ours, f).to.deep.equal(packetsOnly(tsharkView(f), ours));
    }
  });

  it('corpus pcapng files', async function () {
    const dir = `${corpus}packets/`;
    if (!fs.existsSync(dir)) this.skip();
    for (const name of fs.readdirSync(dir).filter((n) => n.endsWith('.pcapng'))) {
      expect(await ourView(dir + name), name).to.deep.equal(tsharkView(dir + name));
    }
  });
});
