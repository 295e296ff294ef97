// The CLI side of --annotate and --extract: what is refused before any analysis, and a disk that
// fills up (a tiny tmpfs when we may mount one; a file system call made to fail otherwise) is
// one line on standard error and exit 2, with no half-written capture left under the name asked.

import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { readFileSync } from 'node:fs';
import { TransferExtractor, type ExtractFs, nodeFs } from '../../src/report/extract/extractor.ts';
import { OutputWriteError } from '../../src/report/output-error.ts';
import { ExtractionPlan } from '../../src/report/extract/plan.ts';
import { replayConnections } from '../../src/report/packet-replay.ts';
import { Analysis } from '../../src/pipeline/analyze.ts';
import { readCapture } from '../../src/capture/read.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { cli } from '../support/cli.ts';
import { projectRoot } from '../support/trace-files.ts';
import { cleanupExtractions, tempDir } from '../report/extract-support.ts';

const trace = join(projectRoot, 'captures', 'vsftpd-netns-known-files.pcap');

/** Mounts a tmpfs of `kib` KiB on a fresh directory; null (with the reason) when we cannot. */
function tinyDisk(kib: number): { dir: string; unmount(): void } | string {
  if (process.getuid?.() !== 0) return 'mounting a tmpfs needs root';
  const dir = join(tempDir(), 'tiny');
  mkdirSync(dir);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${kib}k`, 'tmpfs', dir], { stdio: 'pipe' });
  } catch (e) {
    return `cannot mount a tmpfs here: ${(e as Error).message.split('\n')[0]}`;
  }
  return { dir, unmount: () => execFileSync('umount', [dir]) };
}

describe('analyze --annotate / --extract on the command line', function () {
  this.timeout(60000);
  after(cleanupExtractions);

  it('refuses standard input, an output that is the capture itself, and --extract-max alone, before analysing', async () => {
    const stdin = Readable.from([readFileSync(trace)]);
    const a = await cli(['analyze', '-', '--extract', join(tempDir(), 'x')], { stdin });
    expect(a.code).to.equal(2);
    expect(a.err).to.match(/read the capture a second time: give a capture file, not standard input/);
    expect(a.out).to.equal('');
    const b = await cli(['analyze', trace, '--annotate', trace]);
    expect(b.code).to.equal(2);
    expect(b.err).to.match(/would overwrite the capture being read/);
    const e = await cli(['analyze', trace, '--annotate', join(tempDir(), 'no', 'such', 'dir', 'x.pcapng')]);
    expect(e.code).to.equal(2);
    expect(e.err).to.match(/--annotate .*: no directory /);
    expect(e.out).to.equal('');
    const c = await cli(['analyze', trace, '--extract-max', '1M']);
    expect(c.code).to.equal(2);
    expect(c.err).to.match(/--extract-max goes with --extract/);
    const d = await cli(['analyze', trace, '--extract', join(tempDir(), 'y'), '--extract-max', '1M,2M,3M']);
    expect(d.code).to.equal(2);
    expect(d.err).to.match(/PER\[,TOTAL\]/);
  });

  it('a capture that breaks off: the frames before the fault are annotated and extracted, exit 2', async () => {
    const whole = readFileSync(trace);
    // a record claiming an impossible length, a third of the way in
    const frames: number[] = [];
    let at = 24;
    while (at < whole.length) {
      frames.push(at);
      at += 16 + whole.readUInt32LE(at + 8);
    }
    const cutAt = frames[Math.floor(frames.length / 3)]!;
    const broken = Buffer.from(whole);
    broken.writeUInt32LE(0x7fffffff, cutAt + 8);
    const file = join(tempDir(), 'broken.pcap');
    writeFileSync(file, broken);
    const out = join(tempDir(), 'broken-annotated.pcapng');
    const dir = join(tempDir(), 'broken-files');
    const r = await cli(['analyze', file, '--annotate', out, '--extract', dir]);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/offset \d+: impossible record length/);
    expect(r.err).to.match(new RegExp(`annotated capture .*: ${Math.floor(frames.length / 3)} frames`));
    expect(existsSync(join(dir, 'manifest.json'))).to.equal(true);
  });

  it('--html (a whole-capture analysis) annotates and extracts the same as the streamed one', async () => {
    const streamed = join(tempDir(), 's.pcapng');
    const whole = join(tempDir(), 'w.pcapng');
    const d1 = join(tempDir(), 'd1');
    const d2 = join(tempDir(), 'd2');
    await cli(['analyze', trace, '--annotate', streamed, '--extract', d1]);
    await cli(['analyze', trace, '--annotate', whole, '--extract', d2, '--html', join(tempDir(), 'r.html')]);
    expect(readFileSync(whole).equals(readFileSync(streamed))).to.equal(true);
    const strip = (d: string) => readFileSync(join(d, 'manifest.json'), 'utf8').replace(/"directory": "[^"]*"/, '');
    expect(strip(d2)).to.equal(strip(d1));
  });

  it('a full disk while extracting: one line, exit 2', async function () {
    const disk = tinyDisk(64);
    if (typeof disk === 'string') this.skip();
    try {
      const r = await cli(['analyze', trace, '--extract', join(disk.dir, 'files')]);
      expect(r.code).to.equal(2);
      const lines = r.err.trimEnd().split('\n');
      expect(lines).to.have.length(1);
      expect(lines[0]).to.match(/^ftpdiag: .*files\/s0-t\d+-[^:]+: no space left on the device \(disk full\); \d+ bytes written before it$/);
      expect(r.err).to.not.match(/\n\s+at /); // no stack trace
    } finally {
      disk.unmount();
    }
  });

  it('a full disk while annotating: one line, exit 2, no partial capture left', async function () {
    const disk = tinyDisk(64);
    if (typeof disk === 'string') this.skip();
    try {
      const out = join(disk.dir, 'annotated.pcapng');
      const r = await cli(['analyze', trace, '--annotate', out]);
      expect(r.code).to.equal(2);
      expect(r.err.trimEnd().split('\n')).to.have.length(1);
      expect(r.err).to.match(/annotated\.pcapng: no space left on the device \(disk full\)/);
      expect(existsSync(out)).to.equal(false);
      expect(readdirSync(disk.dir)).to.deep.equal([]);
    } finally {
      disk.unmount();
    }
  });

  it('turns a failing write into an OutputWriteError naming the file (without a tmpfs)', async () => {
    const plan = new ExtractionPlan();
    const analysis = new Analysis({ rules: loadRules(), release: (u) => plan.add(u) });
    await readCapture(trace, (f) => analysis.frame(f));
    analysis.finish();
    let writes = 0;
    const full: ExtractFs = {
      ...nodeFs,
      write: (...args) => {
        if (++writes > 3) throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
        return nodeFs.write(...args);
      },
    };
    const dir = tempDir();
    const x = new TransferExtractor(dir, plan.sorted(), undefined, full);
    let caught: unknown = null;
    try {
      await replayConnections(trace, [x]);
      x.finish();
    } catch (e) {
      caught = e;
    }
    x.abandon();
    expect(caught).to.be.instanceOf(OutputWriteError);
    expect((caught as OutputWriteError).code).to.equal('ENOSPC');
    expect((caught as OutputWriteError).message).to.match(/s0-t0-RETR-data\.bin: no space left on the device/);
  });
});
