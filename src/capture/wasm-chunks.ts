// The reader's chunks in WebAssembly memory, so that the repeat key is computed in WebAssembly
// over the frame where the reader put it (repeat-key-wat.ts), with no copy per frame (copying a
// frame's hashed bytes into a module's memory cost as much as the key saved: a view per copy).
//
// Each pair of chunks (file-pump.ts' two read buffers) is one WebAssembly.Memory with an
// instance of the key module over it; the memory never grows (growing would detach the chunks'
// views), a bigger pair is a new memory. Frames whose bytes lie anywhere else (a pipe, gzip,
// merged files, frames made by tests) are keyed by bytesKey's JavaScript, which defines the key.
// Node 20 has WebAssembly unless started with --jitless (or a policy that forbids compiling it):
// then the chunks are plain buffers and every frame is keyed by the JavaScript, with the same keys.

import { REPEAT_KEY_WAT } from './repeat-key-wat.ts';
import { assembleWat } from './wasm-assemble.ts';

/** The key of memory[start, end) (absolute addresses; skipped positions -1: none). */
export type WasmKey = (start: number, end: number, seed1: number, seed2: number, skip: number, pair: number, pairEnd: number) => number;

let keyModule: WebAssembly.Module | null = null;
/** The key function of each chunk memory, by its ArrayBuffer (what a chunk's view holds). */
const keyOfMemory = new WeakMap<ArrayBufferLike, WasmKey>();

const PAGE = 65536;

/** Two buffers of `size` bytes, side by side in a new WebAssembly memory with a key instance. */
export function chunkPair(size: number): [Buffer, Buffer] {
  if (wasmMissing) return [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  try {
    const memory = new WebAssembly.Memory({ initial: Math.ceil((2 * size) / PAGE) });
    keyModule ??= new WebAssembly.Module(assembleWat(REPEAT_KEY_WAT));
    const instance = new WebAssembly.Instance(keyModule, { env: { memory } });
    keyOfMemory.set(memory.buffer, instance.exports['key'] as WasmKey);
    return [Buffer.from(memory.buffer, 0, size), Buffer.from(memory.buffer, size, size)];
  } catch {
    // no WebAssembly here (--jitless: the global is absent) or no room for a memory: plain
    // buffers, keyed by the JavaScript definition; not tried again in this process
    wasmMissing = true;
    return [Buffer.allocUnsafe(size), Buffer.allocUnsafe(size)];
  }
}

/** Set once making a chunk memory failed: the process reads into plain buffers from then on. */
let wasmMissing = typeof WebAssembly === 'undefined';

/** Pairs given back by finished reads (giveBackChunkPair), at most FREE_PAIRS: making a memory
 *  and its instance cost ~0.3 ms (an address-space reservation of several GiB, mapped and later
 *  unmapped), ~0.8 ms a file with the collections it brought, which reading 980 small captures
 *  in one process (the tests, `regress`) paid 2.5× the CPU of the reads for. */
const freePairs: Array<[Buffer, Buffer]> = [];
const FREE_PAIRS = 2;

/** A pair of chunks of `size` bytes each: one a finished read gave back, else a new one. The
 *  bytes are whatever the last read left there (as Buffer.allocUnsafe's). */
export function takeChunkPair(size: number): [Buffer, Buffer] {
  const i = freePairs.findIndex((p) => p[0].length === size);
  return i >= 0 ? freePairs.splice(i, 1)[0]! : chunkPair(size);
}

/** The read that took `pair` is over and nothing reads its bytes any more (frames and records
 *  are valid only while their sink runs); kept for the next read while fewer than FREE_PAIRS
 *  are, else left to the collector. */
export function giveBackChunkPair(pair: [Buffer, Buffer]): void {
  if (freePairs.length < FREE_PAIRS) freePairs.push(pair);
}

/** The key function over `buffer` when it is a chunk memory, else undefined. */
export function wasmKeyOf(buffer: ArrayBufferLike): WasmKey | undefined {
  return keyOfMemory.get(buffer);
}
