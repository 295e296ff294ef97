// What every scenario gets from the recorder: where to write, how to capture, how to undo, and
// how to say "this machine cannot do that" (a skip, not a failure).

import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startCapture, type CaptureOptions, type CaptureStats, type RunningCapture } from './capture.ts';
import type { Cleanup } from './cleanup.ts';
import type { Truth } from './truth.ts';

/** Thrown by a scenario when a server, tool or kernel feature is missing here. */
export class SkipError extends Error {
  override name = 'SkipError';
}

export interface Scenario {
  name: string; //        what the user types: `record.ts vsftpd-clean`
  title: string; //       one line for --list
  traces: string[]; //    base names of the traces it writes (NAME.pcap + NAME.truth.json)
  run(ctx: ScenarioContext): Promise<void>;
}

export interface CaptureRequest extends Omit<CaptureOptions, 'file'> {
  format?: 'pcap' | 'pcapng'; // pcapng → dumpcap (unless `convert`), pcap → tcpdump
}

export class ScenarioContext {
  readonly written: string[] = []; // files this scenario wrote in outDir

  constructor(
    readonly outDir: string,
    readonly cleanup: Cleanup,
    readonly cacheDir: string, //  where downloaded Debian packages are unpacked (kept between runs)
    private readonly keepTemp: boolean,
    readonly log: (m: string) => void,
  ) {
    mkdirSync(outDir, { recursive: true });
  }

  /** A fresh temp dir, removed when the scenario ends (unless --keep-temp). */
  tmpDir(prefix: string): string {
    const dir = mkdtempSync(join(tmpdir(), `ftpdiag-cap-${prefix}-`));
    if (!this.keepTemp) this.cleanup.removeDirOnExit(dir);
    else this.log(`keeping ${dir}`);
    return dir;
  }

  tracePath(name: string, format: 'pcap' | 'pcapng' = 'pcap'): string {
    return join(this.outDir, `${name}.${format}`);
  }

  /** Starts tcpdump (pcap) or dumpcap (pcapng) writing outDir/NAME.pcap(ng). */
  async capture(name: string, req: CaptureRequest): Promise<RunningCapture> {
    const format = req.format ?? 'pcap';
    const file = this.tracePath(name, format);
    this.written.push(file);
    return startCapture({ ...req, file, tool: req.tool ?? (format === 'pcapng' ? 'dumpcap' : 'tcpdump') }, this.cleanup);
  }

  writeTruth(name: string, truth: Truth): void {
    const file = join(this.outDir, `${name}.truth.json`);
    writeFileSync(file, `${compactJson(truth)}\n`);
    this.written.push(file);
  }

  skip(reason: string): never {
    throw new SkipError(reason);
  }
}

export type { CaptureStats };

/** JSON with two-space indentation, but any object or array that fits in 110 characters on one
 *  line stays on one line: a dialog step reads as one line, and the files stay small. */
export function compactJson(value: unknown, indent = ''): string {
  const flat = JSON.stringify(value);
  if (flat === undefined) return 'null';
  if (flat.length + indent.length <= 110 || value === null || typeof value !== 'object') return flat;
  const inner = `${indent}  `;
  if (Array.isArray(value)) return `[\n${value.map((v) => inner + compactJson(v, inner)).join(',\n')}\n${indent}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  return `{\n${entries.map(([k, v]) => `${inner}${JSON.stringify(k)}: ${compactJson(v, inner)}`).join(',\n')}\n${indent}}`;
}
