// A report written to a reader slower than the analysis (a pipe into `less` or `gzip`) must wait
// for it between pieces: otherwise the whole report queues in memory. On the 10M-frame bench
// trace that was 520 MB of peak RSS for the text report piped to cat, and 1.4 GB for the JSON of
// its 1M-frame prefix, against ~175 MB written to a file.

import { expect } from 'chai';
import { Writable } from 'node:stream';
import { runCli } from '../../src/cli/program.ts';
import { streamOutput, type CliIO } from '../../src/cli/io.ts';
import { cli } from '../support/cli.ts';
import { RELEASE_TEST_TRACE } from '../support/trace-files.ts';
import { benchTrace } from '../../bench/big-trace.ts';

const HIGH_WATER = 16 * 1024;

/** A reader that takes one write per turn of the event loop; it notes how much was ever queued. */
class SlowReader extends Writable {
  text = '';
  maxQueued = 0;
  largestPiece = 0;
  constructor() {
    super({ highWaterMark: HIGH_WATER, decodeStrings: false });
  }
  override write(chunk: string): boolean {
    if (chunk.length > this.largestPiece) this.largestPiece = chunk.length;
    const ok = super.write(chunk);
    if (this.writableLength > this.maxQueued) this.maxQueued = this.writableLength;
    return ok;
  }
  override _write(chunk: string, _enc: BufferEncoding, done: (e?: Error | null) => void): void {
    this.text += chunk;
    setImmediate(done);
  }
}

async function analyzeInto(args: string[], reader: SlowReader): Promise<{ code: number; text: string }> {
  const io: CliIO = { ...streamOutput(reader), err: () => {}, stdoutIsTTY: false, columns: undefined, env: {} };
  const code = await runCli(args, io);
  await new Promise<void>((resolve) => reader.end(resolve));
  return { code, text: reader.text };
}


describe('cli: analyze waits for a slow reader of its report', function () {
  this.timeout(600_000);
  let trace = '';
  before(async () => {
    // ~1,000 replicated sessions (the same trace as test/pipeline/release.test.ts, cached): reports
    // several times their largest piece
    trace = (await benchTrace(RELEASE_TEST_TRACE, { log: () => {} })).file;
  });

  for (const json of [true, false]) {
    it(`queues at most one piece beyond the reader's buffer (${json ? '--json' : 'text'}), and writes the same report`, async () => {
      const args = ['analyze', ...(json ? ['--json'] : []), '--fail-on', 'none', trace];
      const whole = (await cli(args)).out; // all at once, as to a file
      const reader = new SlowReader();
      const { code, text } = await analyzeInto(args, reader);
      expect(code).to.equal(0);
      expect(text).to.equal(whole);
      // without waiting, the whole report would queue: it is several times the buffer and the largest piece
      expect(whole.length).to.be.greaterThan(3 * (HIGH_WATER + reader.largestPiece));
      expect(reader.maxQueued).to.be.at.most(HIGH_WATER + reader.largestPiece);
    });
  }
});
