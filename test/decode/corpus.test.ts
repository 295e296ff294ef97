import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Frame } from '../../src/capture/frame.ts';
import { readCapture } from '../../src/capture/read.ts';
import { PacketDecoder } from '../../src/decode/decoder.ts';

// Every public corpus trace decodes, and yields as many TCP segments as tshark finds
// (tcp-frame-counts.json: generated with tshark 4.0.17, `tshark -r F -Y tcp -T fields
// -e frame.number | wc -l`, so CI needs no tshark).
const corpus = fileURLToPath(new URL('../../../shared/corpus/public/', import.meta.url));
const expected = (JSON.parse(readFileSync(new URL('./tcp-frame-counts.json', import.meta.url), 'utf8')) as { counts: Record<string, number> }).counts;

function corpusFiles(): string[] {
  if (!existsSync(corpus)) return [];
  return readdirSync(corpus).flatMap((src) => readdirSync(corpus + src).map((f) => `${src}/${f}`)).sort();
}

function hasTshark(): boolean {
  try {
    execFileSync('which', ['tshark'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('decode/corpus', function () {
  const files = corpusFiles();
  if (files.length === 0) {
    it.skip(`public corpus not found at ${corpus}`);
    return;
  }

  it('has a tshark count for every corpus file', () => {
    expect(Object.keys(expected).sort()).to.deep.equal(files);
  });

  it('decodes every file with tshark\'s number of TCP frames, nothing malformed', async () => {
    const mismatches: string[] = [];
    for (const file of files) {
      const d = new PacketDecoder();
      await readCapture(corpus + file, (frame) => {
        d.decode(frame);
      });
      const c = d.counters;
      if (c.tcp !== expected[file]) mismatches.push(`${file}: ${c.tcp} TCP frames, tshark ${expected[file]}`);
      if (c.malformed || c.truncated) mismatches.push(`${file}: ${c.malformed} malformed, ${c.truncated} truncated`);
      expect(c.tcp + c.notIp + c.notTcp + c.fragments + c.malformed + c.truncated).to.equal(c.frames);
    }
    expect(mismatches).to.deep.equal([]);
  });

  // Field-by-field check against tshark on traces that cover IPv4, IPv6 and the NULL link type
  const sample = ['zeek/ipv6.pcap', 'suricata-verify/ftp-mode-02__input.pcap', 'nDPI/ftp.pcap', 'suricata-verify/output-eve-ftp-data__input.pcap']
    .filter((f) => files.includes(f));
  (hasTshark() ? it : it.skip)('matches tshark field by field on sample traces (needs tshark)', async () => {
    for (const file of sample) {
      const fields = ['frame.number', 'ip.src', 'ipv6.src', 'tcp.srcport', 'tcp.dstport', 'tcp.seq_raw', 'tcp.ack_raw', 'tcp.flags',
        'tcp.window_size_value', 'tcp.len', 'tcp.options.mss_val', 'tcp.options.wscale.shift', 'tcp.options.timestamp.tsval', 'tcp.options.sack_le'];
      const out = execFileSync('tshark', ['-r', corpus + file, '-Y', 'tcp', '-T', 'fields', '-o', 'tcp.relative_sequence_numbers:FALSE',
        '-E', 'occurrence=f', ...fields.flatMap((f) => ['-e', f])], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 1 << 26 });
      const want = out.split('\n').filter((l) => l !== '');
      const got: string[] = [];
      const d = new PacketDecoder();
      await readCapture(corpus + file, (frame: Frame) => {
        if (d.decode(frame) !== 'tcp') return;
        const p = d.packet;
        const v4 = p.ipVersion === 4;
        got.push([p.frame, v4 ? p.srcAddr() : '', v4 ? '' : p.srcAddr(), p.srcPort, p.dstPort, p.seq, p.ack,
          `0x${p.flags.toString(16).padStart(4, '0')}`, p.window, p.segmentLength,
          p.mss < 0 ? '' : p.mss, p.windowScale < 0 ? '' : p.windowScale, p.tsVal < 0 ? '' : p.tsVal,
          p.sackBlocks.length ? p.sackBlocks[0] : ''].join('\t'));
      });
      expect(got.length, file).to.equal(want.length);
      for (let i = 0; i < want.length; i++) expect(got[i], `${file} line ${i + 1}`).to.equal(want[i]);
    }
  });
});
