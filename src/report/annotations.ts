// The findings as comments of an annotated capture (`analyze --annotate`): one packet comment
// per finding on each frame it cites — `ftpdiag <id> <severity>: <summary>` — and the report's
// headline (its summary line) as the section comment. The capture stage writes them
// (capture/pcapng-annotate.ts); this decides what they say.
//
// Findings are collected as the streaming analysis releases them, so memory holds one short text
// per finding and 8 bytes per citation, both bounded; what a bound leaves out is counted and said
// in the section comment, never dropped silently.

import type { CaptureSummary } from '../capture/frame.ts';
import type { CommentSource } from '../capture/pcapng-annotate.ts';
import { severityRank, type Finding, type Severity } from '../diagnose/finding.ts';
import { escapeWire } from './escape.ts';
import { Styler } from './style.ts';
import { summaryLine, type ReportTotals } from './text-blocks.ts';
import { plural } from '../format/words.ts';

export interface AnnotationLimits {
  maxFindings: number; //    findings kept as comments
  maxCitations: number; //   (frame, finding) pairs kept
  perFrame: number; //       comments on one frame; the rest are counted in one more comment
}

export const DEFAULT_ANNOTATION_LIMITS: AnnotationLimits = { maxFindings: 200_000, maxCitations: 4_000_000, perFrame: 16 };

/** Characters of a finding's summary in its comment (a summary is one line; a pathological one is cut). */
const MAX_SUMMARY_CHARS = 2000;

/** The prefix every comment starts with: `frame.comment contains "ftpdiag"` selects them. */
export const COMMENT_PREFIX = 'ftpdiag';

/** The comment a finding puts on each frame it cites. Wire strings in the summary are escaped
 *  as for a terminal: Wireshark shows comments as they are. */
export function findingComment(f: Pick<Finding, 'id' | 'severity' | 'summary'>): string {
  const summary = f.summary.length > MAX_SUMMARY_CHARS ? `${f.summary.slice(0, MAX_SUMMARY_CHARS - 1)}…` : f.summary;
  return `${COMMENT_PREFIX} ${f.id} ${f.severity}: ${escapeWire(summary)}`;
}

export class FindingAnnotations implements CommentSource {
  private readonly texts: string[] = []; //     comment of each kept finding
  private readonly ranks: number[] = []; //     its severity rank (errors first on a frame)
  private pairs = new Float64Array(1024); //   [frame, finding index] pairs
  private used = 0; //                          numbers used in `pairs`
  private sorted = false;
  private cursor = 0; //                        next pair commentsFor looks at
  private readonly severities: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  findingsLeftOut = 0; //                       findings past maxFindings
  citationsLeftOut = 0; //                      frame citations past maxCitations

  constructor(private readonly limits: AnnotationLimits = DEFAULT_ANNOTATION_LIMITS) {}

  /** Every finding of the report, in any order. */
  add(findings: Iterable<Finding>): void {
    for (const f of findings) this.addOne(f);
  }

  private addOne(f: Finding): void {
    this.severities[f.severity]++;
    if (f.frames.length === 0) return;
    if (this.texts.length >= this.limits.maxFindings) {
      this.findingsLeftOut++;
      return;
    }
    const index = this.texts.length;
    this.texts.push(findingComment(f));
    this.ranks.push(severityRank[f.severity]);
    for (const frame of f.frames) {
      if (this.used / 2 >= this.limits.maxCitations) {
        this.citationsLeftOut++;
        continue;
      }
      if (this.used + 2 > this.pairs.length) {
        const grown = new Float64Array(this.pairs.length * 2);
        grown.set(this.pairs);
        this.pairs = grown;
      }
      this.pairs[this.used++] = frame;
      this.pairs[this.used++] = index;
    }
    this.sorted = false;
  }

  /** Findings counted by severity (all of them, kept as comments or not). */
  get severityCounts(): Readonly<Record<Severity, number>> {
    return this.severities;
  }

  /** Frames that will carry a comment. */
  get framesCited(): number {
    this.sort();
    let n = 0;
    for (let i = 0; i < this.used; i += 2) if (i === 0 || this.pairs[i] !== this.pairs[i - 2]) n++;
    return n;
  }

  /** The section comments: the report's headline, and what the bounds left out. */
  sectionComments(capture: CaptureSummary, totals: Omit<ReportTotals, 'severities'>): string[] {
    const out = [`${COMMENT_PREFIX}: ${summaryLine(capture, { ...totals, severities: { ...this.severities } }, new Styler(false))}`];
    if (this.findingsLeftOut || this.citationsLeftOut) {
      const what = [this.findingsLeftOut ? plural(this.findingsLeftOut, 'finding') : '', this.citationsLeftOut ? plural(this.citationsLeftOut, 'frame citation') : ''].filter(Boolean).join(' and ');
      out.push(`${COMMENT_PREFIX}: ${what} past the annotation bounds (${this.limits.maxFindings} findings, ${this.limits.maxCitations} citations) not written as comments; the report has them all`);
    }
    return out;
  }

  commentsFor(frame: number): readonly string[] | null {
    this.sort();
    const p = this.pairs;
    while (this.cursor < this.used && p[this.cursor]! < frame) this.cursor += 2;
    if (this.cursor >= this.used || p[this.cursor] !== frame) return null;
    const out: string[] = [];
    let more = 0;
    let last = -1;
    while (this.cursor < this.used && p[this.cursor] === frame) {
      const index = p[this.cursor + 1]!;
      this.cursor += 2;
      if (index === last) continue; // a finding that lists a frame twice
      last = index;
      if (out.length < this.limits.perFrame) out.push(this.texts[index]!);
      else more++;
    }
    if (more) out.push(`${COMMENT_PREFIX}: ${plural(more, 'more finding')} cite this frame (see the report)`);
    return out;
  }

  /** Pairs by frame, then errors before warnings before info, then in the order found. */
  private sort(): void {
    if (this.sorted) return;
    const n = this.used / 2;
    const order = new Uint32Array(n);
    for (let i = 0; i < n; i++) order[i] = i;
    const p = this.pairs;
    const ranks = this.ranks;
    order.sort((a, b) => p[2 * a]! - p[2 * b]! || ranks[p[2 * b + 1]!]! - ranks[p[2 * a + 1]!]! || p[2 * a + 1]! - p[2 * b + 1]!);
    const out = new Float64Array(Math.max(2, this.used));
    for (let i = 0; i < n; i++) {
      out[2 * i] = p[2 * order[i]!]!;
      out[2 * i + 1] = p[2 * order[i]! + 1]!;
    }
    this.pairs = out;
    this.sorted = true;
    this.cursor = 0;
  }
}
