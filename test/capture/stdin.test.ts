// readCapture('-') and readCapture('') read standard input (a real pipe, in a child process).
import { expect } from 'chai';
import { execFileSync, spawn } from 'node:child_process';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { CaptureError } from '../../src/capture/frame.ts';
import { framesToPcap } from '../../src/capture/pcap-writer.ts';
import { readCapture } from '../../src/capture/read.ts';
import { framesToPcapng } from '../../src/capture/pcapng-writer.ts';
import { removeTempFiles, sampleFrames, tempFile, toMicro } from './fixtures.ts';

const script = fileURLToPath(new URL('./stdin-reader.ts', import.meta.url));
const repo = fileURLToPath(new URL('../../', import.meta.url));

/** Runs the reader with `input` piped to its stdin, written in small pieces as a pipe delivers. */
function runWithStdin(arg: string, input: Buffer): Promise<any> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, arg], { cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0) reject(new Error(`reader exited ${code}: ${err}`));
      else resolve(JSON.parse(out));
    });
    for (let i = 0; i < input.length; i += 333) child.stdin.write(input.subarray(i, i + 333));
    child.stdin.end();
  });
}

const expected = sampleFrames().map((f, i) => [i + 1, f.tsSec, f.tsNsec, f.data.length]);

describe('reading standard input', function () {
  this.timeout(30000);
  after(removeTempFiles);

  it("'-' reads a pcap piped in", async () => {
    const r = await runWithStdin('-', framesToPcap(sampleFrames(), { linkType: 1, nanosecond: true }));
    expect(r.frames).to.deep.equal(expected);
    expect(r.summary).to.deep.include({ file: '-', format: 'pcap', frames: 6, truncated: false, compressed: null });
  });

  it("'' (what yargs makes of a lone '-') reads a gzip-compressed pcapng piped in", async () => {
    const r = await runWithStdin('', zlib.gzipSync(framesToPcapng(sampleFrames(), { linkType: 1 })));
    expect(r.frames).to.deep.equal(expected.map(([n, s, ns, len]) => [n, s, toMicro(ns!), len]));
    expect(r.summary).to.deep.include({ file: '-', format: 'pcapng', compressed: 'gzip' });
  });

  it('a path that is a pipe (/dev/stdin behind a shell pipe) is streamed, not read by position', () => {
    // node gives a spawned child's stdin as a socket, which /dev/stdin cannot open: use a real pipe
    const input = tempFile('piped.pcap', framesToPcap(sampleFrames(), { linkType: 1, nanosecond: true }));
    const out = execFileSync('sh', ['-c', 'cat "$1" | "$2" --import tsx "$3" /dev/stdin', 'sh', input, process.execPath, script], {
      cwd: repo,
      encoding: 'utf8',
    });
    const r = JSON.parse(out);
    expect(r.frames).to.deep.equal(expected);
    expect(r.summary).to.deep.include({ file: '/dev/stdin', frames: 6 });
  });

  it('an empty standard input is not a capture (in process, through the stdin option)', async () => {
    try {
      await readCapture('-', () => {}, { stdin: Readable.from([]) });
      expect.fail('should throw');
    } catch (e) {
      expect(e).to.be.instanceOf(CaptureError).and.include({ file: '-', code: 'not-a-capture', offset: 0 });
    }
  });

  it('standard input arriving in 1-byte chunks, gzip included', async () => {
    const file = zlib.gzipSync(framesToPcap(sampleFrames(), { linkType: 1 }));
    const chunks = [...file].map((b) => Buffer.from([b]));
    const progress: Array<number | null> = [];
    let n = 0;
    const s = await readCapture('', () => n++, { stdin: Readable.from(chunks), onProgress: (_r, total) => progress.push(total) });
    expect(s).to.deep.include({ file: '-', frames: 6, compressed: 'gzip', truncated: false });
    expect(n).to.equal(6);
    expect(new Set(progress)).to.deep.equal(new Set([null]));
  });
});
