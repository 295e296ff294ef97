// The repeat filter's key (capture/repeats.ts bytesKey), hashed a word at a time: equal bytes give
// equal keys whatever the alignment, the skipped bytes (TTL, IPv4 header checksum) never count,
// and a change of any other hashed byte, of a length or of a seed gives another key.
import { expect } from 'chai';
import { bytesKey, frameBytesKey, RepeatFilter } from '../../src/capture/repeats.ts';
import type { Frame } from '../../src/capture/frame.ts';
import { readCapture } from '../../src/capture/read.ts';
import { chunkPair, wasmKeyOf } from '../../src/capture/wasm-chunks.ts';
import { assembleWat } from '../../src/capture/wasm-assemble.ts';
import { InnerPacketKeys } from '../../src/pipeline/inner-packet.ts';
import { everyTrace } from '../support/trace-files.ts';

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s;
  };
}

/** The key as first defined: each word made of four byte reads, every byte tested against the
 *  skipped ones. bytesKey reads words through a DataView and tests only the words up to the last
 *  skipped byte; its keys must stay these (the repeat filter's decisions depend on nothing else). */
function referenceKey(d: Uint8Array, start: number, end: number, seed1: number, seed2: number, skip: number, skipPair: number): number {
  let h1 = 0x811c9dc5 ^ seed1;
  let h2 = 0x9747b28c ^ seed2;
  const n = end - start;
  const headEnd = start + (n < 256 ? n : 192);
  const tailStart = headEnd < end ? end - 64 : end;
  const skipped = (i: number) => i === skip || (skipPair >= 0 && (i === skipPair || i === skipPair + 1));
  const byte = (i: number) => (skipped(i) ? 0 : d[i]!);
  for (let i = start, to = headEnd; ; to = end, i = tailStart) {
    for (; i + 4 <= to; i += 4) {
      const w = byte(i) | (byte(i + 1) << 8) | (byte(i + 2) << 16) | (byte(i + 3) << 24);
      h1 = Math.imul(h1 ^ w, 0x01000193);
      h1 ^= h1 >>> 15;
      h2 = Math.imul(h2 + w, 0x5bd1e995) ^ (h2 >>> 13);
    }
    for (; i < to; i++) {
      h1 = Math.imul(h1 ^ byte(i), 0x01000193);
      h2 = Math.imul(h2 + byte(i), 0x5bd1e995) ^ (h2 >>> 13);
    }
    if (to === end) break;
  }
  return (h1 >>> 0) * 0x200000 + ((h2 >>> 0) & 0x1fffff);
}

describe('capture/repeats bytesKey', () => {
  const next = rng(27);
  const sample = (n: number) => Uint8Array.from({ length: n }, () => next() & 0xff);

  it('is the reference definition, at every alignment, length and skip position (head and tail)', () => {
    const pool = Buffer.alloc(4096); // one ArrayBuffer for many keys, as the reader's chunk is
    for (const n of [0, 1, 2, 3, 4, 7, 12, 13, 40, 146, 255, 256, 257, 300, 1500]) {
      const bytes = sample(n);
      for (let pad = 0; pad < 4; pad++) {
        pool.set(bytes, 100 + pad);
        const own = Uint8Array.from(bytes); // its own ArrayBuffer, at offset 0
        for (const [skip, pair] of [[-1, -1], [8, 10], [7, -1], [0, 2], [n - 1, -1], [n - 5, n - 3], [195, 250], [n + 3, -1]] as const) {
          const at = (p: number, base: number) => (p >= 0 ? base + p : -1);
          const want = referenceKey(own, 0, n, n, 9, skip, pair);
          expect(bytesKey(own, 0, n, n, 9, skip, pair), `length ${n}, skips ${skip}/${pair}`).to.equal(want);
          expect(bytesKey(pool, 100 + pad, 100 + pad + n, n, 9, at(skip, 100 + pad), at(pair, 100 + pad)), `length ${n}, pad ${pad}, skips ${skip}/${pair}`).to.equal(want);
          const view = pool.subarray(50 + pad); // a view whose byteOffset is not 0
          expect(bytesKey(view, 50, 50 + n, n, 9, at(skip, 50), at(pair, 50)), `view, length ${n}, pad ${pad}`).to.equal(want);
        }
      }
    }
  });

  it('is the reference definition in WebAssembly too, over both chunks of a pair, at every alignment, length and skip position', () => {
    // the reader's chunks lie in WebAssembly memory (wasm-chunks.ts): bytesKey computes their
    // keys there; the second chunk of a pair starts at a non-zero address of its memory
    const [first, second] = chunkPair(8192);
    expect(wasmKeyOf(first.buffer), 'a chunk is keyed in WebAssembly').to.be.a('function');
    for (const n of [0, 1, 2, 3, 4, 5, 7, 12, 13, 40, 146, 191, 192, 193, 255, 256, 257, 259, 300, 1500]) {
      const bytes = sample(n);
      const own = Uint8Array.from(bytes);
      for (const chunk of [first, second]) {
        for (let pad = 0; pad < 8; pad++) {
          chunk.fill(0xa5);
          chunk.set(bytes, 100 + pad);
          for (const [skip, pair] of [[-1, -1], [8, 10], [7, -1], [0, 2], [n - 1, -1], [n - 2, -1], [n - 5, n - 3], [195, 250], [n - 64, n - 63], [n + 3, -1], [-1, n - 1]] as const) {
            const at = (p: number, base: number) => (p >= 0 ? base + p : -1);
            const want = referenceKey(own, 0, n, n, 9, skip, pair);
            expect(bytesKey(chunk, 100 + pad, 100 + pad + n, n, 9, at(skip, 100 + pad), at(pair, 100 + pad)), `length ${n}, pad ${pad}, skips ${skip}/${pair}`).to.equal(want);
            const view = chunk.subarray(40 + pad); // a view of the chunk at another offset
            expect(bytesKey(view, 60, 60 + n, n, 9, at(skip, 60), at(pair, 60)), `view, length ${n}, pad ${pad}, skips ${skip}/${pair}`).to.equal(want);
          }
        }
      }
    }
    // seeds over the whole 32-bit range
    const d = sample(77);
    first.set(d, 3);
    for (const [s1, s2] of [[0, 0], [-1, -1], [0x7fffffff, -0x80000000], [123456789, -987654321]] as const) {
      expect(bytesKey(first, 3, 80, s1, s2, 11, 13)).to.equal(referenceKey(d, 0, 77, s1, s2, 8, 10));
    }
  });

  it('is the same in WebAssembly as in JavaScript on every frame of every capture (the analysis keys and views too)', async function () {
    this.timeout(120_000);
    let inChunks = 0;
    let frames = 0;
    for (const file of everyTrace()) {
      const wasmKeys = new InnerPacketKeys();
      const jsKeys = new InnerPacketKeys();
      await readCapture(file, (f) => {
        // the same frame with its bytes copied out of the chunk: keyed by the JavaScript
        const copy = { ...f, data: Buffer.from(f.data) } as Frame;
        frames++;
        if (f.buf !== undefined && wasmKeyOf(f.buf.buffer) !== undefined) inChunks++;
        const where = `${file} frame ${f.number}`;
        expect(frameBytesKey(f), where).to.equal(frameBytesKey(copy));
        expect(wasmKeys.key(f), where).to.equal(jsKeys.key(copy));
        expect(wasmKeys.view(f), where).to.equal(jsKeys.view(copy));
      });
    }
    // not vacuous: the plain files' frames (most of them; gzip and merged reads are not) were read
    // from chunk memory — captures/ alone hold ~5,000 frames, with ../shared's corpus ~10^5
    expect(inChunks).to.be.greaterThan(1_000);
    expect(inChunks).to.be.greaterThan(frames / 2);
  });

  it('is the same for the same bytes at any offset of any buffer', () => {
    for (const n of [0, 1, 3, 4, 5, 19, 20, 64, 191, 192, 255, 256, 257, 1500]) {
      const bytes = sample(n);
      const keys = new Set<number>();
      for (let pad = 0; pad < 5; pad++) {
        const d = new Uint8Array(pad + n + 3);
        d.set(bytes, pad);
        d.fill(0xaa, 0, pad);
        d.fill(0x55, pad + n);
        keys.add(bytesKey(d, pad, pad + n, n, 7, n > 8 ? pad + 8 : -1, n > 11 ? pad + 10 : -1));
      }
      expect(keys.size, `length ${n}`).to.equal(1);
    }
  });

  it('ignores the skipped bytes and nothing else of the head and tail', () => {
    for (const n of [20, 40, 60, 146, 256, 300, 1500]) {
      const d = sample(n);
      const skip = 8;
      const pair = 10;
      const key = bytesKey(d, 0, n, n, 1, skip, pair);
      const hashed = (i: number) => n < 256 || i < 192 || i >= n - 64;
      for (let i = 0; i < n; i++) {
        const e = d.slice();
        e[i] = e[i]! ^ (1 + (next() % 255));
        const other = bytesKey(e, 0, n, n, 1, skip, pair);
        if (i === skip || i === pair || i === pair + 1 || !hashed(i)) expect(other, `byte ${i} of ${n}`).to.equal(key);
        else expect(other, `byte ${i} of ${n}`).to.not.equal(key);
      }
    }
  });

  it('depends on the seeds (lengths, link type)', () => {
    const d = sample(60);
    const k = bytesKey(d, 0, 60, 60, 1500, -1, -1);
    expect(bytesKey(d, 0, 60, 61, 1500, -1, -1)).to.not.equal(k);
    expect(bytesKey(d, 0, 60, 60, 1501, -1, -1)).to.not.equal(k);
  });

  it('tells apart 10^5 random packets that differ in one header word', () => {
    const base = sample(54);
    const seen = new Set<number>();
    for (let i = 0; i < 100_000; i++) {
      const d = base.slice();
      new DataView(d.buffer).setUint32(38, i); // a sequence number
      seen.add(bytesKey(d, 14, 54, 40, 40, 22, 24));
    }
    expect(seen.size).to.equal(100_000);
  });
});

describe('capture/wasm-assemble', () => {
  it('assembles a module the engine accepts and runs', () => {
    const bytes = assembleWat(`(module (func $f (export "f") (param $a i32) (param $b i64) (result f64) (local $t i32)
      block $out
        loop $again
          local.get $a i32.const 10 i32.ge_u br_if $out
          local.get $a i32.const 3 i32.add local.set $a
          br $again
        end
      end
      local.get $a f64.convert_i32_u local.get $b i64.const -1 i64.xor i64.const 0 i64.sub drop f64.const 0.5 f64.add))`);
    const f = new WebAssembly.Instance(new WebAssembly.Module(bytes)).exports['f'] as (a: number, b: bigint) => number;
    expect(f(1, 0n)).to.equal(10.5);
    expect(f(11, 0n)).to.equal(11.5);
  });

  it('names what it does not know', () => {
    expect(() => assembleWat('(module (func $f i32.popcnt))')).to.throw(/unknown instruction i32.popcnt/);
    expect(() => assembleWat('(module (func $f br $nowhere))')).to.throw(/unknown label/);
    expect(() => assembleWat('(module (func $f (i32.add (i32.const 1) (i32.const 2))))')).to.throw(/folded/);
    expect(() => assembleWat('(module (func $f local.get $x))')).to.throw(/unknown local \$x/);
  });
});

describe('capture/repeats RepeatFilter table', () => {
  it('finds a repeat exactly when its key is among the last windowFrames frames kept (small window, many collisions)', () => {
    const next = rng(2027);
    for (const w of [1, 2, 3, 8, 13, 64]) {
      const keyOf = new Map<object, number>();
      const filter = new RepeatFilter({ key: (f) => keyOf.get(f)!, windowFrames: w, sameTimeSeconds: 0.001 });
      const kept: number[] = []; // keys of the frames kept, oldest first (the reference model)
      for (let n = 1; n <= 5000; n++) {
        // keys from a small space, some equal modulo the table size, all at one time stamp
        const key = (next() % (3 * w + 5)) * 0x40000 + (next() % 2) * 0x100000000;
        const f = { number: n, time: 1 } as unknown as Frame;
        keyOf.set(f, key);
        const expected = kept.slice(-w).includes(key);
        expect(filter.check(f), `window ${w}, frame ${n}`).to.equal(expected);
        if (!expected) kept.push(key);
      }
    }
  });
});

describe('capture/repeats RepeatFilter recent index', () => {
  // While time moves forward only the latest kept frames are indexed (a copy lies at most
  // max(sameTimeSeconds, otherPointSeconds) behind); a step back, or a frame leaving that index
  // while still within reach, makes the whole window indexed. Every decision and the summary
  // must be those of a filter that indexes the whole window from the start (checked above
  // against a plain window scan). The recent frames are indexed in epochs of `recent` kept frames
  // (two tables, the older one emptied when the newer is full), where two epochs fit in the
  // window (recent <= 32 of 64); over that, the whole window from the start.
  function run(recent: number, seed: number, backEvery: number, step: number): { copies: boolean[]; summary: unknown } {
    const next = rng(seed);
    const filter = new RepeatFilter(
      {
        key: (f) => (f as unknown as { k: number }).k,
        view: (f) => (f as unknown as { v: number }).v,
        answerLike: (f, original) => (f.number + original) % 5 === 0,
        windowFrames: 64,
        sameTimeSeconds: 0.001,
        otherPointSeconds: 0.05,
      },
      recent,
    );
    const copies: boolean[] = [];
    let t = 1000;
    for (let n = 1; n <= 4000; n++) {
      // mostly small steps forward (several frames within reach of each other), some long
      // silences, now and then a step back of up to 0.2 s
      const r = next() % 100;
      if (backEvery > 0 && next() % backEvery === 0) t -= (next() % 200) / 1000;
      else if (r < 10) t -= (next() % 10) / 10_000; // jitter within sameTimeSeconds: not a step back
      else t += r < 70 ? ((next() % 4) * step) / 4 : r < 95 ? step * 2 : 0.3;
      const f = { number: n, time: t, k: (next() % 40) * 0x40000 + (next() % 2) * 0x100000000, v: next() % 3 < 2 ? 0 : 1 + (next() % 255) };
      copies.push(filter.check(f as unknown as Frame));
    }
    return { copies, summary: filter.summary };
  }

  for (const [backEvery, step] of [
    [0, 0.0002], // never back: the recent index all along (or outgrown when frames crowd)
    [0, 0.002],
    [0, 0.02],
    [0, 0.02525], // two steps: just over otherPointSeconds (the margin a frame leaving the index keeps)
    [500, 0.002], // a step back now and then: the whole window indexed from the first one
    [40, 0.0005],
  ] as const) {
    it(`decides as a whole-window index does (step ${step} s, back ${backEvery ? `1 in ${backEvery}` : 'never'})`, () => {
      for (const seed of [1, 2, 3]) {
        const whole = run(64, seed, backEvery, step);
        for (const recent of [1, 2, 3, 5, 16, 31, 32, 33, 40]) {
          const got = run(recent, seed, backEvery, step);
          expect(got.copies, `recent ${recent}, seed ${seed}`).to.deep.equal(whole.copies);
          expect(got.summary, `recent ${recent}, seed ${seed}`).to.deep.equal(whole.summary);
        }
        expect(whole.copies.filter(Boolean).length, 'the trace has copies').to.be.greaterThan(10);
      }
    });
  }

  it('keeps a frame that leaves the recent index while a frame just behind the latest may still copy it', () => {
    // frame 1 leaves an index of one when frame 2 comes 50.5 ms later; frame 3, 0.8 ms behind
    // frame 2 (not a step back: within sameTimeSeconds), is frame 1's packet seen elsewhere 49.7 ms
    // after it (another view): a two-points copy, as with the whole window indexed
    const frames = [
      { number: 1, time: 1000, k: 7, v: 0 },
      { number: 2, time: 1000.0505, k: 8, v: 0 },
      { number: 3, time: 1000.0497, k: 7, v: 1 },
    ];
    for (const recent of [1, 64]) {
      const filter = new RepeatFilter({ key: (f) => (f as unknown as { k: number }).k, view: (f) => (f as unknown as { v: number }).v, windowFrames: 64 }, recent);
      expect(frames.map((f) => filter.check(f as unknown as Frame)), `recent ${recent}`).to.deep.equal([false, false, true]);
    }
  });
});
