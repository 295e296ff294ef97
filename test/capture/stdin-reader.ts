// Child process for stdin.test.ts: reads standard input through readCapture(argv[2]) and prints
// one JSON line: the summary and every frame's number, time and length (or the error).
import { CaptureError } from '../../src/capture/frame.ts';
import { readCapture } from '../../src/capture/read.ts';

const frames: Array<[number, number, number, number]> = [];
try {
  const summary = await readCapture(process.argv[2] ?? '-', (f) => frames.push([f.number, f.tsSec, f.tsNsec, f.capLen]));
  process.stdout.write(`${JSON.stringify({ summary, frames })}\n`);
} catch (e) {
  if (!(e instanceof CaptureError)) throw e;
  process.stdout.write(`${JSON.stringify({ error: { code: e.code, offset: e.offset, reason: e.reason }, frames })}\n`);
}
