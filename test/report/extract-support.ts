// Test support for `analyze --extract`: run it into a fresh directory, read the manifest and the
// files back, and derive variants of a real trace (frames cut by a snaplen, the capture stopped
// early, frames the capture point missed).

import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCapture } from '../../src/capture/read.ts';
import { framesToPcap, type FrameToWrite } from '../../src/capture/pcap-writer.ts';
import { LinkType } from '../../src/capture/frame.ts';
import { cli, type CliRun } from '../support/cli.ts';

export const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

/** One entry of manifest.json (the fields the tests read). */
export interface ManifestFile {
  file: string | null;
  status: string;
  session: number;
  transfer: number;
  command: string;
  argument: string;
  direction: string;
  type: string;
  restOffset: number;
  announcedBytes: number | null;
  bytesOnWire: number;
  bytesAcknowledged: number;
  bytesWritten: number;
  sha256: string | null;
  cut: { offset: number; reason: string; frame: number | null; text: string } | null;
  holes: Array<{ from: number; to: number; reason: string }>;
  holeCount: number;
  holeBytes: number;
  notWritten: string | null;
  notes: string[];
}

export interface Extraction {
  run: CliRun;
  dir: string;
  files: ManifestFile[];
  text: string; //                   manifest.txt
  bytes(f: ManifestFile): Buffer; // the file as written
}

const dirs: string[] = [];

/** A temporary directory removed by cleanupExtractions(). */
export function tempDir(prefix = 'ftpdiag-x28-'): string {
  const d = mkdtempSync(join(tmpdir(), prefix));
  dirs.push(d);
  return d;
}

export function cleanupExtractions(): void {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
}

/** `ftpdiag analyze TRACE --extract DIR [extra…]` into a fresh directory. */
export async function extract(trace: string, extra: string[] = []): Promise<Extraction> {
  const dir = join(tempDir(), 'out');
  const run = await cli(['analyze', trace, '--extract', dir, ...extra]);
  const manifest = join(dir, 'manifest.json');
  if (!existsSync(manifest)) throw new Error(`no manifest (exit ${run.code}): ${run.err}`);
  const doc = JSON.parse(readFileSync(manifest, 'utf8')) as { files: ManifestFile[] };
  return { run, dir, files: doc.files, text: readFileSync(join(dir, 'manifest.txt'), 'utf8'), bytes: (f) => readFileSync(join(dir, f.file!)) };
}

/** A crafted or derived trace written to a temporary file. */
export function traceFile(bytes: Buffer, name = 'trace.pcap'): string {
  const p = join(tempDir(), name);
  writeFileSync(p, bytes);
  return p;
}

/** Every frame of a capture, copied. */
export async function framesOf(path: string): Promise<Array<FrameToWrite & { number: number; linkType: number; origLen: number }>> {
  const out: Array<FrameToWrite & { number: number; linkType: number; origLen: number }> = [];
  await readCapture(path, (f) => out.push({ number: f.number, tsSec: f.tsSec, tsNsec: f.tsNsec, data: Buffer.from(f.data), origLen: f.origLen, linkType: f.linkType }));
  return out;
}

/** The frames as a classic pcap (Ethernet unless they say otherwise). */
export function toPcap(frames: ReadonlyArray<FrameToWrite & { linkType?: number }>, snaplen?: number): Buffer {
  return framesToPcap(frames, { linkType: frames[0]?.linkType ?? LinkType.ETHERNET, ...(snaplen ? { snaplen } : {}) });
}

/** Whether `got` equals `want` outside the holes and is zero inside them. */
export function equalOutsideHoles(got: Buffer, want: Buffer, holes: ReadonlyArray<{ from: number; to: number }>): boolean {
  let pos = 0;
  for (const h of holes) {
    if (!got.subarray(pos, h.from).equals(want.subarray(pos, h.from))) return false;
    if (got.subarray(h.from, h.to).some((b) => b !== 0)) return false;
    pos = h.to;
  }
  return got.subarray(pos).equals(want.subarray(pos, got.length));
}
