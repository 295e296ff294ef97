import { expect } from 'chai';
import { PassThrough } from 'node:stream';
import { PROGRESS_MIN_BYTES, ReadProgress, wantsProgress } from '../../src/cli/progress.ts';

const tty = { stderrIsTTY: true, columns: 80 };

describe('cli/progress', () => {
  it('shows a bar for large files whenever standard error is a terminal (also with standard output redirected)', () => {
    expect(wantsProgress(tty, PROGRESS_MIN_BYTES)).to.equal(true);
    expect(wantsProgress(tty, PROGRESS_MIN_BYTES - 1)).to.equal(false);
    expect(wantsProgress(tty, null)).to.equal(false); // standard input: size unknown
    expect(wantsProgress({ ...tty, stderrIsTTY: false }, 1e12)).to.equal(false);
  });

  it('draws on its stream while reading and writes nothing when not wanted', () => {
    const drawn = new PassThrough();
    let text = '';
    drawn.on('data', (d: Buffer) => (text += d.toString()));
    const p = new ReadProgress(tty, drawn);
    p.onProgress(1 << 20, 2 * PROGRESS_MIN_BYTES);
    p.onProgress(PROGRESS_MIN_BYTES, 2 * PROGRESS_MIN_BYTES);
    p.stop();
    expect(text).to.include('reading [');

    const quiet = new PassThrough();
    let none = '';
    quiet.on('data', (d: Buffer) => (none += d.toString()));
    const q = new ReadProgress({ ...tty, stderrIsTTY: false }, quiet);
    q.onProgress(1 << 20, 2 * PROGRESS_MIN_BYTES);
    q.stop();
    expect(none).to.equal('');
  });
});
