// The ceiling for `ftpdiag analyze`: the capture reader alone, every frame handed to an empty
// sink. bench/e2e.ts bundles it into one JavaScript file and spawns that with plain node, as the
// CLI's bundle runs, so both pay only node's own start-up and are measured the same way (run
// through tsx, compiling the sources was most of its CPU time). Prints one JSON line: frames,
// bytes, in-process milliseconds.
// Usage: node --import tsx bench/read-only.ts FILE (by hand; the bench runs its bundle)
import { readCapture } from '../src/capture/read.ts';

const file = process.argv[2];
if (!file) {
  console.error('usage: read-only.ts FILE');
  process.exit(2);
}
const t0 = process.hrtime.bigint();
const summary = await readCapture(file, () => {});
const ms = Number(process.hrtime.bigint() - t0) / 1e6;
console.log(JSON.stringify({ frames: summary.frames, bytes: summary.bytes, ms }));
