// `analyze --annotate OUT.pcapng` and `analyze --extract DIR [--extract-max PER[,TOTAL]]`: the
// options, their checks before the analysis starts (so a mistake costs no analysis), what is
// gathered while the analysis releases its units, and the second pass after the report.

import { existsSync, mkdirSync, realpathSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import type { Argv } from 'yargs';
import { isStdinPath } from '../capture/read.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import type { ReleasedUnit } from '../pipeline/release.ts';
import { FindingAnnotations } from '../report/annotations.ts';
import { escapeWire } from '../report/escape.ts';
import { DEFAULT_EXTRACT_LIMITS, TransferExtractor, type ExtractLimits } from '../report/extract/extractor.ts';
import { manifestJson, manifestText, manifestTotals } from '../report/extract/manifest.ts';
import { ExtractionPlan } from '../report/extract/plan.ts';
import { outputWriteError, OutputWriteError } from '../report/output-error.ts';
import { secondPass } from '../report/second-pass.ts';
import { plural } from '../format/words.ts';
import type { DecoderOptions } from '../decode/decoder.ts';
import { mergecapCommand } from '../capture/merge.ts';
import { CliError, type CliIO } from './io.ts';
import { parseLimit } from './limits-option.ts';

export interface CaptureOutputArgs {
  annotate: string | undefined;
  extract: string | undefined;
  extractMax: string | undefined;
}

export function withCaptureOutputOptions<T>(y: Argv<T>): Argv<T & CaptureOutputArgs> {
  const group = 'Back to the capture:';
  return y
    .option('annotate', { type: 'string', requiresArg: true, group, describe: 'also write the capture as pcapng with each finding as a comment on the frames it cites (Wireshark: frame.comment contains "ftpdiag")' })
    .option('extract', { type: 'string', requiresArg: true, group, describe: "also rebuild each transfer's data as a file in this directory, with manifest.json and manifest.txt (whole, cut or with holes)" })
    .option('extract-max', {
      type: 'string',
      requiresArg: true,
      group,
      describe: `bytes written per file and in all, PER[,TOTAL], e.g. 100M,1G [default ${DEFAULT_EXTRACT_LIMITS.perFile / 1024 ** 3}G,${DEFAULT_EXTRACT_LIMITS.total / 1024 ** 3}G]`,
    }) as unknown as Argv<T & CaptureOutputArgs>;
}

/** `PER[,TOTAL]`; TOTAL defaults to the larger of PER and the default total. */
export function parseExtractMax(v: string | undefined): ExtractLimits {
  if (v === undefined) return DEFAULT_EXTRACT_LIMITS;
  const parts = String(v).split(',');
  if (parts.length > 2) throw new CliError(`--extract-max wants PER[,TOTAL] bytes, got '${v}'`);
  const perFile = parseLimit('extract-max', parts[0]!, true);
  const total = parts[1] !== undefined ? parseLimit('extract-max', parts[1], true) : Math.max(perFile, DEFAULT_EXTRACT_LIMITS.total);
  return { perFile, total };
}

/** What --annotate and --extract gather during the analysis and write after it. */
export class CaptureOutputs {
  private readonly annotations: FindingAnnotations | null;
  private readonly plan: ExtractionPlan | null;

  private constructor(
    private readonly args: CaptureOutputArgs,
    private readonly limits: ExtractLimits,
  ) {
    this.annotations = args.annotate !== undefined ? new FindingAnnotations() : null;
    this.plan = args.extract !== undefined ? new ExtractionPlan() : null;
  }

  /** null without --annotate/--extract; throws CliError for what cannot work. */
  static prepare(args: CaptureOutputArgs, trace: string | readonly string[]): CaptureOutputs | null {
    if (args.annotate === undefined && args.extract === undefined) {
      if (args.extractMax !== undefined) throw new CliError('--extract-max goes with --extract DIR');
      return null;
    }
    if (typeof trace === 'string' && isStdinPath(trace)) throw new CliError('--annotate and --extract read the capture a second time: give a capture file, not standard input');
    // the annotated copy keeps every block of one file as stored; files merged by time have no
    // such blocks, only frames (the rebuilt transfers read the same merge again)
    if (typeof trace !== 'string' && args.annotate !== undefined) {
      throw new CliError(`--annotate writes a copy of one capture: merge the files first (${mergecapCommand(trace)}) and annotate merged.pcapng`);
    }
    const limits = parseExtractMax(args.extractMax);
    if (args.annotate !== undefined) {
      if (args.annotate === '') throw new CliError('--annotate needs a file name');
      if (typeof trace === 'string' && sameFile(args.annotate, trace)) throw new CliError(`--annotate ${escapeWire(args.annotate)} would overwrite the capture being read`);
      // found now rather than after a long analysis
      const dir = dirname(resolve(args.annotate));
      if (!existsSync(dir) || !statSync(dir).isDirectory()) throw new CliError(`--annotate ${escapeWire(args.annotate)}: no directory ${escapeWire(dir)}`);
      if (existsSync(args.annotate) && statSync(args.annotate).isDirectory()) throw new CliError(`--annotate ${escapeWire(args.annotate)} is a directory: name the file to write`);
    }
    if (args.extract !== undefined) {
      if (args.extract === '') throw new CliError('--extract needs a directory');
      try {
        mkdirSync(args.extract, { recursive: true });
        if (!statSync(args.extract).isDirectory()) throw new Error('not a directory');
      } catch (e) {
        throw new CliError(`--extract ${escapeWire(args.extract)}: ${escapeWire(e instanceof Error ? e.message : String(e))}`);
      }
    }
    return new CaptureOutputs(args, limits);
  }

  /** A unit the streaming analysis released. */
  add(u: ReleasedUnit): void {
    this.annotations?.add(u.findings.map((r) => r.finding));
    this.plan?.add(u);
  }

  /** A whole-capture result (the analysis did not stream: --html). */
  addResult(r: AnalysisResult): void {
    this.annotations?.add(r.findings);
    this.plan?.add(r);
  }

  /** The second pass, then the manifest and one line per output on standard error. Throws
   *  CliError (exit 2) when a file cannot be written: disk full is one line. */
  async write(trace: string | readonly string[], result: AnalysisResult, io: CliIO, decode?: DecoderOptions): Promise<void> {
    const totals = result.released ?? { connections: result.connections.length, sessions: result.sessions.length, transfers: result.transfers.length };
    const planned = this.plan?.sorted() ?? null;
    const dir = this.args.extract;
    const extractor = planned && dir !== undefined ? new TransferExtractor(dir, planned, this.limits) : null;
    const annotate =
      this.annotations && this.args.annotate !== undefined
        ? { out: this.args.annotate, comments: this.annotations, sectionComments: this.annotations.sectionComments(result.capture, totals) }
        : undefined;
    try {
      const pass = await secondPass(trace, { ...(annotate ? { annotate } : {}), ...(extractor ? { extract: extractor } : {}), ...(decode ? { decode } : {}) });
      if (annotate && pass.annotated) {
        const s = pass.annotated;
        const cited = this.annotations!.framesCited;
        let line = `annotated capture ${escapeWire(annotate.out)}: ${plural(s.frames, 'frame')}, ${s.commented} with ftpdiag comments`;
        if (s.uncommentableCount) line += `; ${plural(s.uncommentableCount, 'cited frame')} in Simple Packet Blocks, which cannot carry comments (frames ${s.uncommentable.join(', ')}${s.uncommentableCount > s.uncommentable.length ? ', …' : ''})`;
        if (s.commented + s.uncommentableCount < cited) line += `; ${cited - s.commented - s.uncommentableCount} cited frames not in the file read`;
        io.err(`ftpdiag: ${line}\n`);
      }
      if (extractor && dir !== undefined) {
        const files = extractor.finish();
        const m = { capture: typeof trace === 'string' ? trace : trace.join(' + '), directory: dir, limits: this.limits, files, transfersLeftOut: this.plan!.leftOut };
        writeManifest(join(dir, 'manifest.json'), manifestJson(m), extractor.written);
        writeManifest(join(dir, 'manifest.txt'), manifestText(m), extractor.written);
        const t = manifestTotals(files);
        io.err(
          `ftpdiag: ${plural(t.files, 'transfer')} rebuilt in ${escapeWire(dir)} (${t.bytesWritten} bytes): ${t.whole} whole, ${t.unconfirmed ? `${t.unconfirmed} unconfirmed, ` : ''}${t.cut} cut, ${t.holes} with holes, ${t.notWritten} not written; see ${escapeWire(join(dir, 'manifest.txt'))}\n`,
        );
      }
    } catch (e) {
      if (e instanceof OutputWriteError) throw new CliError(`${e.message}; ${e.written} bytes written before it`);
      throw e;
    }
  }
}

function writeManifest(path: string, text: string, written: number): void {
  try {
    writeFileSync(path, text);
  } catch (e) {
    throw outputWriteError(path, e, written);
  }
}

/** Whether two paths name the same file (one of them may not exist yet). */
function sameFile(a: string, b: string): boolean {
  try {
    return realpathSync(a) === realpathSync(b);
  } catch {
    return resolve(a) === resolve(b);
  }
}
