import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const launcher = fileURLToPath(new URL('../../bin/ftpdiag.js', import.meta.url));

/** The V8 flags bin/ftpdiag.js sets at run time (v8.setFlagsFromString), in order, with where
 *  each call stands in the file. */
function runTimeFlags(src: string): Array<{ flag: string; at: number }> {
  return [...src.matchAll(/v8\.setFlagsFromString\('([^']+)'\)/g)].map((m) => ({ flag: m[1]!, at: m.index! }));
}

describe('cli: the V8 flags of the launcher (bin/ftpdiag.js)', () => {
  const src = readFileSync(launcher, 'utf8');

  it('runs the heap optimised for size, set before the bundle or the sources are loaded', () => {
    const flags = runTimeFlags(src);
    expect(flags.map((f) => f.flag)).to.deep.equal(['--optimize-for-size']);
    const firstLoad = Math.min(...[...src.matchAll(/await import\(|register\(\)/g)].map((m) => m.index!));
    expect(firstLoad).to.be.greaterThan(0);
    for (const f of flags) expect(f.at).to.be.lessThan(firstLoad);
  });

  it('keeps its 4 MB semi-spaces: --optimize-for-size is not a start-up flag (there it would cap them at 1 MB)', () => {
    const shebang = src.split('\n')[0]!;
    expect(shebang).to.include('--max-semi-space-size=4');
    expect(shebang).not.to.include('--optimize-for-size');
    // V8 knows the flag (node refuses an unknown one), and as a start-up flag it does cap them
    const shown = spawnSync(process.execPath, ['--optimize-for-size', '--max-semi-space-size=4', '--print-flag-values', '-e', '0'], { encoding: 'utf8' });
    expect(shown.status).to.equal(0);
    expect(shown.stdout).to.match(/^--max-semi-space-size=1$/m);
  });
});
