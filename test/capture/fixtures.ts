// Shared helpers for the capture tests: frames to write, copying what the reader delivers, and
// parsing an in-memory capture with any chunking.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { CaptureSummary, Frame } from '../../src/capture/frame.ts';
import type { FrameToWrite } from '../../src/capture/pcap-writer.ts';
import { PcapngWriter } from '../../src/capture/pcapng-writer.ts';
import { CaptureStreamParser } from '../../src/capture/stream-parser.ts';

/** A delivered frame, copied out of the reader's reused object. */
export type FrameCopy = Omit<Frame, 'data'> & { data: Buffer };

export function copyFrame(f: Frame): FrameCopy {
  return { ...f, data: Buffer.from(f.data) };
}

/** Deterministic frame bytes: length `len`, content derived from `seed`. */
export function bytes(len: number, seed: number): Buffer {
  const b = Buffer.alloc(len);
  for (let i = 0; i < len; i++) b[i] = (seed * 31 + i * 7) & 0xff;
  return b;
}

/** A varied set: empty, odd lengths (padding), a full-size Ethernet frame, a truncated one, and
 *  timestamps at 0, at the end of a second and far in the future. */
export function sampleFrames(): FrameToWrite[] {
  return [
    { tsSec: 1_700_000_000, tsNsec: 123_456_789, data: bytes(60, 1) },
    { tsSec: 1_700_000_000, tsNsec: 999_999_999, data: bytes(1, 2) },
    { tsSec: 1_700_000_001, tsNsec: 0, data: bytes(0, 3), origLen: 0 },
    { tsSec: 0, tsNsec: 1_000, data: bytes(1514, 4) },
    { tsSec: 4_102_444_800, tsNsec: 7, data: bytes(3, 5), origLen: 1500 },
    { tsSec: 1_363_628_702, tsNsec: 13_625_000, data: bytes(78, 6) },
  ];
}

export function collect(): { frames: FrameCopy[]; sink: (f: Frame) => void } {
  const frames: FrameCopy[] = [];
  return { frames, sink: (f) => frames.push(copyFrame(f)) };
}

/** Parses `buf` through the push parser, cut into chunks at the given offsets. */
export function parseSplit(buf: Buffer, cuts: number[] = []): { frames: FrameCopy[]; summary: CaptureSummary } {
  const { frames, sink } = collect();
  const p = new CaptureStreamParser('mem', sink);
  let at = 0;
  for (const c of [...cuts, buf.length]) {
    // a fresh copy per chunk, then scribbled over: the parser must not keep views into chunks
    const chunk = Buffer.from(buf.subarray(at, c));
    p.push(chunk);
    chunk.fill(0xee);
    at = c;
  }
  return { frames, summary: p.end() };
}

let tmpDir: string | null = null;
/** Writes `content` to a fresh temp file and returns its path. */
export function tempFile(name: string, content: Buffer): string {
  tmpDir ??= fs.mkdtempSync(path.join(os.tmpdir(), 'ftpdiag-capture-test-'));
  const p = path.join(tmpDir, name);
  fs.writeFileSync(p, content);
  return p;
}

export function removeTempFiles(): void {
  if (tmpDir !== null) fs.rmSync(tmpDir, { recursive: true, force: true });
  tmpDir = null;
}

/** What a µs file keeps of a nanosecond timestamp. */
export function toMicro(nsec: number): number {
  return Math.floor(nsec / 1000) * 1000;
}

/** Two sections in opposite byte orders; section 2 has two interfaces with other link types,
 *  resolutions and an offset; plus SPB, obsolete PB and blocks the reader must skip. */
export function multiSection(firstBigEndian: boolean): Buffer {
  const out: Buffer[] = [];
  const w = new PcapngWriter((c) => out.push(c), { bigEndian: firstBigEndian });
  w.writeCustomBlock(0x00000bad, Buffer.from('unknown block before any interface'));
  w.addInterface({ linkType: 1, snaplen: 64 }); // default if_tsresol: µs
  w.writeFrame({ tsSec: 1_600_000_000, tsNsec: 250_000_000, data: bytes(60, 10) });
  w.writeSimplePacket(bytes(64, 11), 100); // origLen 100 > snaplen 64: 64 bytes captured
  w.writeCustomBlock(5, Buffer.alloc(20)); // an ISB: skipped
  w.newSection({ bigEndian: !firstBigEndian });
  w.addInterface({ linkType: 0, tsresol: 9, snaplen: 0 });
  w.addInterface({ linkType: 101, tsresol: 0x80 | 20, tsoffset: 1_000_000_000 });
  w.writeFrame({ tsSec: 1_700_000_000, tsNsec: 999_999_999, data: bytes(5, 12), interfaceId: 0 });
  // 2^-20 s units: 1953125 ns = 2^11 units is exact
  w.writeFrame({ tsSec: 1_700_000_002, tsNsec: 3 * 1_953_125, data: bytes(66, 13), interfaceId: 1, origLen: 70 });
  w.writeObsoletePacket({ tsSec: 1_700_000_003, tsNsec: 500_000_000, data: bytes(7, 14), interfaceId: 1 });
  w.writeSimplePacket(bytes(33, 15)); // snaplen 0: caplen = origLen
  w.writeCustomBlock(0x80000001, bytes(9, 16));
  return Buffer.concat(out);
}
