// Capture reader throughput: readCapture vs the pcap-parser package on the same classic pcap of
// 1,000,000 minimal Ethernet/IPv4/TCP frames (60 bytes each). Median of several runs each.
// Run alone: node --import tsx bench/reader.ts
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import type { Frame } from '../src/capture/frame.ts';
import { PCAP_DEFAULT_SNAPLEN } from '../src/capture/pcap-writer.ts';
import { readCapture } from '../src/capture/read.ts';

export interface ReaderThroughput {
  ms: number; //            median wall time of one full read, milliseconds
  framesPerSec: number;
  mbPerSec: number; //      file megabytes (10^6 bytes) per second
}

export interface ReaderBench {
  file: string;
  frames: number;
  fileBytes: number;
  runs: number;
  ours: ReaderThroughput;
  pcapParser: ReaderThroughput;
  ratio: number; //         ours.framesPerSec / pcapParser.framesPerSec
}

const FRAME_LEN = 60; // bytes: 14 Ethernet + 20 IPv4 + 20 TCP + 6 padding, the Ethernet minimum

/** One 60-byte frame: a TCP ACK from 10.0.0.1:40000 to 10.0.0.2:21; seq varies per frame. */
function template(): Buffer {
  const b = Buffer.alloc(FRAME_LEN);
  Buffer.from('0200000000020200000000010800', 'hex').copy(b, 0); // dst, src, IPv4
  Buffer.from('45000028000040004006000000000a0000010a000002', 'hex').copy(b, 14); // IPv4, TCP, 40 bytes
  Buffer.from('9c4000150000000000000000501001f500000000', 'hex').copy(b, 34); // TCP ACK, window 501
  return b;
}

/** Where the benchmarks keep the traces they write (reused between runs). */
export const BENCH_DIR = path.join(os.tmpdir(), 'ftpdiag-bench');

/** Writes (once; reused if already there) the benchmark capture; returns its path. */
export function benchCapture(frames = 1_000_000): string {
  const file = path.join(BENCH_DIR, `reader-${frames}.pcap`);
  const size = 24 + frames * (16 + FRAME_LEN);
  if (fs.existsSync(file) && fs.statSync(file).size === size) return file;
  fs.mkdirSync(BENCH_DIR, { recursive: true });
  const out = Buffer.alloc(size);
  // classic LE µs header, LINKTYPE_ETHERNET (same layout as PcapWriter's, written in bulk for speed)
  out.writeUInt32LE(0xa1b2c3d4, 0);
  out.writeUInt16LE(2, 4);
  out.writeUInt16LE(4, 6);
  out.writeUInt32LE(PCAP_DEFAULT_SNAPLEN, 16);
  out.writeUInt32LE(1, 20);
  const t = template();
  const start = 1_700_000_000;
  for (let i = 0, o = 24; i < frames; i++, o += 16 + FRAME_LEN) {
    out.writeUInt32LE(start + Math.floor(i / 10_000), o);
    out.writeUInt32LE((i % 10_000) * 100, o + 4);
    out.writeUInt32LE(FRAME_LEN, o + 8);
    out.writeUInt32LE(FRAME_LEN, o + 12);
    t.copy(out, o + 16);
    out.writeUInt32BE((i * 1460) >>> 0, o + 16 + 38); // TCP sequence number
  }
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, out);
  fs.renameSync(tmp, file);
  return file;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

// Both sinks do the same token work on every frame: read its length and one byte of its data,
// so neither reader can be credited for work the consumer never asks for.
let checksum = 0;

async function runOurs(file: string): Promise<number> {
  let n = 0;
  const sink = (f: Frame) => {
    n++;
    checksum = (checksum + f.data.length + f.data[12]!) | 0;
  };
  await readCapture(file, sink);
  return n;
}

function runPcapParser(file: string): Promise<number> {
  const pcapParser = createRequire(import.meta.url)('pcap-parser') as { parse(f: string): NodeJS.EventEmitter };
  return new Promise((resolve, reject) => {
    let n = 0;
    const p = pcapParser.parse(file);
    p.on('packet', (pkt: { data: Buffer }) => {
      n++;
      checksum = (checksum + pkt.data.length + pkt.data[12]!) | 0;
    });
    p.on('error', reject);
    p.on('end', () => resolve(n));
  });
}

async function measure(run: () => Promise<number>, frames: number, fileBytes: number, runs: number): Promise<ReaderThroughput> {
  const times: number[] = [];
  for (let i = 0; i < runs; i++) {
    const t0 = process.hrtime.bigint();
    const n = await run();
    const ms = Number(process.hrtime.bigint() - t0) / 1e6;
    if (n !== frames) throw new Error(`read ${n} frames, expected ${frames}`);
    times.push(ms);
  }
  const ms = median(times);
  return { ms, framesPerSec: frames / (ms / 1000), mbPerSec: fileBytes / 1e6 / (ms / 1000) };
}

export async function benchReader(opts: { frames?: number; runs?: number } = {}): Promise<ReaderBench> {
  const frames = opts.frames ?? 1_000_000;
  const runs = opts.runs ?? 5;
  const file = benchCapture(frames);
  const fileBytes = fs.statSync(file).size;
  await runOurs(file); // warm the page cache and the JIT for both
  await runPcapParser(file);
  const ours = await measure(() => runOurs(file), frames, fileBytes, runs);
  const pcapParser = await measure(() => runPcapParser(file), frames, fileBytes, runs);
  return { file, frames, fileBytes, runs, ours, pcapParser, ratio: ours.framesPerSec / pcapParser.framesPerSec };
}

export function formatReaderBench(r: ReaderBench): string {
  const row = (name: string, t: ReaderThroughput) =>
    `${name.padEnd(12)} ${t.ms.toFixed(1).padStart(9)} ms ${(t.framesPerSec / 1e6).toFixed(2).padStart(7)} M frames/s ${t.mbPerSec.toFixed(0).padStart(6)} MB/s`;
  return [
    `capture reader: ${r.frames} frames, ${(r.fileBytes / 1e6).toFixed(1)} MB, median of ${r.runs} runs`,
    row('readCapture', r.ours),
    row('pcap-parser', r.pcapParser),
    `ratio        ${r.ratio.toFixed(1)}x`,
  ].join('\n');
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(formatReaderBench(await benchReader()));
}
