// The reader's chunks in WebAssembly memory (capture/wasm-chunks.ts): a finished read gives its
// pair of chunks back for the next read (making a memory cost ~0.3 ms a file: 2.5× the CPU of
// reading the small captures of the tests), at most two pairs are kept, and a read that fails
// gives its pair back too.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { CaptureError } from '../../src/capture/frame.ts';
import { readCapture } from '../../src/capture/read.ts';
import { giveBackChunkPair, takeChunkPair, wasmKeyOf } from '../../src/capture/wasm-chunks.ts';
import { projectRoot, traceFiles } from '../support/trace-files.ts';
import { removeTempFiles, tempFile } from './fixtures.ts';

/** The memory a read's frames lay in (one per read: its two chunks share it). */
async function memoryOf(file: string): Promise<ArrayBufferLike> {
  const memories = new Set<ArrayBufferLike>();
  await readCapture(file, (f) => void memories.add(f.buf!.buffer));
  expect(memories.size, file).to.equal(1);
  return [...memories][0]!;
}
describe('capture/wasm-chunks', () => {
  const [a, b] = traceFiles(join(projectRoot, 'captures'));
  after(removeTempFiles);

  it('reads every frame of a file from a chunk memory the repeat key runs in', async () => {
    expect(wasmKeyOf(await memoryOf(a!))).to.be.a('function');
  });

  it('gives a finished read\'s chunks to the next read', async () => {
    const first = await memoryOf(a!);
    expect(await memoryOf(b!)).to.equal(first);
    expect(await memoryOf(a!)).to.equal(first);
  });

  it('keeps at most two pairs, each for one read at a time', () => {
    const size = 512 * 1024 + (1 << 20); // file-pump's pair: 512 KiB headroom + 1 MiB read area
    const taken = [takeChunkPair(size), takeChunkPair(size), takeChunkPair(size)]; // empties the kept ones
    expect(new Set(taken.map(([c]) => c.buffer)).size, 'a pair is never given twice').to.equal(3);
    for (const p of taken) giveBackChunkPair(p);
    const again = [takeChunkPair(size), takeChunkPair(size), takeChunkPair(size)];
    expect(again.filter((p) => taken.includes(p)).length, 'two kept, the third made anew').to.equal(2);
    for (const p of again) giveBackChunkPair(p);
  });

  it('gets the chunks back from a read that fails', async () => {
    // the pool holds exactly one pair of the reader's size: the failing read takes it, and only
    // giving it back lets the next read have it (with a second pair kept, the next read would get
    // that one whether or not the failed read gave its pair back)
    const size = 512 * 1024 + (1 << 20); // file-pump's pair
    const held = [takeChunkPair(size), takeChunkPair(size)]; // empties the kept ones (two at most)
    giveBackChunkPair(held[0]!);
    const before = held[0]![0].buffer;
    // a classic pcap header, then a record claiming an impossible length
    const bad = Buffer.alloc(24 + 16);
    bad.writeUInt32LE(0xa1b2c3d4, 0);
    bad.writeUInt16LE(2, 4);
    bad.writeUInt16LE(4, 6);
    bad.writeUInt32LE(65535, 16);
    bad.writeUInt32LE(1, 20);
    bad.writeUInt32LE(0x7fffffff, 24 + 8);
    const err = await readCapture(tempFile('impossible.pcap', bad), () => {}).catch((e: unknown) => e);
    expect(err).to.be.instanceOf(CaptureError);
    expect(await memoryOf(a!)).to.equal(before);
    giveBackChunkPair(held[1]!);
  });

  it('reads and keys every frame alike where WebAssembly is missing (node --jitless)', function () {
    this.timeout(60_000);
    // a child without WebAssembly (the global is absent under --jitless) reads each capture into
    // plain buffers and keys every frame by the JavaScript definition: the same report
    const run = (flags: string[], file: string) =>
      spawnSync(process.execPath, [...flags, '--import', 'tsx', join(projectRoot, 'src', 'cli', 'main.ts'), 'analyze', '--json', file], { encoding: 'utf8', cwd: projectRoot });
    for (const file of [a!, b!]) {
      const plain = run([], file);
      const jitless = run(['--jitless'], file);
      expect(jitless.stderr, file).to.not.match(/Error|at /);
      expect(jitless.status, file).to.equal(plain.status);
      expect(jitless.stdout, file).to.equal(plain.stdout);
      expect(plain.stdout.length, file).to.be.greaterThan(100);
    }
  });
});
