// The human report: a summary line, who talked to whom, transfers as a table, findings grouped
// by severity (with frames, what it means and what to do), and the reply codes seen.
//
// It is built from units (a session with its transfers, connections and findings) as a
// streaming analysis releases them: each piece is turned into its text at once and kept in a
// spool (spool.ts) with its sort key; render() reads the pieces back in report order. Spooled to
// files, memory holds a bounded run of the keys; a whole-capture result is the same thing as one
// unit kept in memory (renderText). Repeated findings are folded from small aggregates
// (text-blocks.ts), and the transfer table is drawn row by row into its final column widths
// (text-table.ts).

import { FrameList, MAX_LISTED_FRAMES } from '../format/frames.ts';
import { severitiesPresent, severityRank, type Finding, type Severity } from '../diagnose/finding.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import type { ReleasedFinding } from '../pipeline/release.ts';
import { resultUnit } from '../pipeline/result.ts';
import { BYTE_MARKS, unitView, type UnitView } from '../view/unit.ts';
import { ReplyCodeCounter } from '../view/reply-codes.ts';
import { byFirstField, findingOrder, findingSortKey, MemorySpool, SpoolDir, type RunSizes, type SortedTexts, type Spool } from './spool.ts';
import { Styler, tableStyle } from './style.ts';
import {
  backgroundHeading,
  backgroundLine,
  encapsulationsLine,
  findingExplanation,
  findingHead,
  foldedLine,
  mergedLine,
  replyCodesSection,
  sessionBlock,
  summaryLine,
  transferRow,
  TRANSFER_ALIGNS,
  TRANSFER_HEAD,
  transferListLine,
  w,
  type BackgroundGroup,
  type FoldedGroup,
  type ShownFinding,
} from './text-blocks.ts';
import { StreamedTable } from './text-table.ts';
import { plural, wrap } from '../format/words.ts';


export interface TextReportOptions {
  color: boolean;
  width?: number; //  columns every line fits (layout.ts outputWidth); default 100
  error?: string | null; // a capture fault to mention at the top (already one line)
  /** Lines under the summary saying what a display filter left out (already escaped). */
  filterNote?: string | null;
}

/** A report longer than this many lines repeats its summary line at the end, where a terminal
 *  leaves the reader (and `tail -1` finds it). */
export const REPEAT_SUMMARY_AFTER = 30;

/** The Argument column of the transfer table is not narrowed below this; when the table does not
 *  fit the width with it, the transfers are listed one to a (wrapped) line instead. */
const MIN_ARGUMENT = 12;

/** A finding that repeats for every transfer or session (687 transfers whose data connections a
 *  `port 21` filter left out, 30 failed logins of a brute force) is shown in full this many times,
 *  then folded into one line, so that the rest of the report stays readable. */
const SHOWN_PER_ID = 2;
const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];

/** A finding as spooled: its sort key (findingSortKey's fields), then numbers only — no text.
 *  A busy trace has thousands of instances of a rule, and all but SHOWN_PER_ID of them are
 *  folded into one line made of these numbers; the texts of the few that may be shown in full
 *  are kept apart (ShownTexts). Subjects and frames absent are -1. */
const KEY_FIELDS = 5;
const RULE = KEY_FIELDS; //      index of the rule id in TextReport.ruleIds
const BACKGROUND = RULE + 1; //  1: an info finding about a connection that is not FTP's
const TRANSFER = RULE + 2;
const SESSION = RULE + 3;
const CONNECTION = RULE + 4;
const FIRST_FRAME = RULE + 5;
const ARRIVAL = RULE + 6; //     which finding of those added: the key of its ShownTexts
const RECORD_FIELDS = RULE + 7;

/** The texts of a finding that may be shown in full: one of the first SHOWN_PER_ID + 1 of its
 *  rule, severity and background-ness in report order (the most the findings section shows in
 *  full of such a group), so they are kept for at most that many instances per rule. */
interface ShownTexts {
  key: readonly number[]; // the sort key
  arrival: number;
  title: string;
  summary: string;
  explanation: string;
  action: string;
  frames: number[]; //     the first MAX_LISTED_FRAMES (listText) …
  frameCount: number; //   … of this many
  causes: number; //       index of its likely causes in TextReport.causeLists (a rule's variants may differ)
}

/** A spooled finding, read back. */
interface FindingRecord {
  id: string;
  background: boolean;
  transfer: number | null;
  session: number | null;
  connection: number | null;
  firstFrame: number | null;
  arrival: number;
}

const orNull = (n: number): number | null => (n < 0 ? null : n);

/** Runs of the spool files, smaller than the spools' default (16,384 records, 1 MiB of text):
 *  the three spools' run buffers were ~8 MB of the short-session prefix's peak RSS, held from the
 *  first run to the end; a run of 4,096 sessions or transfers holds ~1 MB of text at most, and
 *  the findings spool holds no text. The merge at the end reads 64 runs at a time either way. */
const TEXT_RUNS: RunSizes = { run: 4096, fanIn: 64, block: 512, textBytes: 256 * 1024 };
const RECORD_RUNS: RunSizes = { run: 4096, fanIn: 64, block: 512, textBytes: 4096 };

export class TextReport {
  private readonly st: Styler;
  private readonly width: number;
  private readonly dir: SpoolDir | null = null;
  private readonly sessions: Spool;
  private readonly transfers: Spool;
  private readonly findings: Spool;
  private readonly table: StreamedTable;
  private anyNotCaptured = false;
  private anyEncrypted = false;
  private readonly codes = new ReplyCodeCounter();
  private readonly severities: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  /** Instances per `severity|id`, background info findings apart as `bg|id`. */
  private readonly perId = new Map<string, number>();
  /** A rule's causes and references (the same for all its findings), by rule id. */
  private readonly ruleTexts = new Map<string, Pick<Finding, 'references'>>();
  private readonly causeIds = new Map<string, number>(); // a list of causes (joined) → its index in causeLists
  private readonly causeLists: string[][] = [];
  private background = 0;
  /** Rule ids of the findings, indexed as the spooled records have them. */
  private readonly ruleIds: string[] = [];
  private readonly ruleIndex = new Map<string, number>();
  /** Per rule (as ruleIds): its keys of perId and shownTexts. */
  private readonly groupKeys: Array<Record<Severity | 'bg', string>> = [];
  /** Per `severity|id` or `bg|id` (as perId): the texts of its first instances in report order. */
  private readonly shownTexts = new Map<string, ShownTexts[]>();
  private readonly record = new Array<number>(RECORD_FIELDS).fill(0);

  /** `spoolToFiles`: keep the pieces in temporary files (a streaming analysis) or in memory. */
  constructor(
    opts: Pick<TextReportOptions, 'color' | 'width'>,
    spoolToFiles: boolean,
  ) {
    this.st = new Styler(opts.color);
    this.width = Math.max(40, opts.width ?? 100);
    this.table = new StreamedTable({
      head: TRANSFER_HEAD,
      colAligns: TRANSFER_ALIGNS,
      style: tableStyle(opts.color),
      // no rule between rows: a capture with 700 transfers stays 700 lines
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
    });
    if (spoolToFiles) {
      const dir = new SpoolDir('ftpdiag-text-');
      this.dir = dir;
      this.sessions = dir.file('sessions', 1, byFirstField, TEXT_RUNS);
      this.transfers = dir.file('transfers', 1, byFirstField, TEXT_RUNS);
      this.findings = dir.file('findings', RECORD_FIELDS, findingOrder, RECORD_RUNS);
      dir.detach();
    } else {
      this.sessions = new MemorySpool(1, byFirstField);
      this.transfers = new MemorySpool(1, byFirstField);
      this.findings = new MemorySpool(RECORD_FIELDS, findingOrder);
    }
  }

  /** Takes the view of a released unit (AnalysisOptions.release). `order`: keep the order of
   *  arrival instead of sorting by id and frame (a whole-capture result, already in report order). */
  add(u: UnitView, order: 'id' | 'arrival' = 'id'): void {
    const ftpConnections = new Set<number>();
    for (const c of u.connections) if (c.role !== 'other') ftpConnections.add(c.c.id);
    for (const s of u.sessions) {
      const key = order === 'id' ? s.s.id : this.sessions.count;
      this.sessions.add(sessionBlock(s, this.st, this.width), [key]);
      this.codes.add(s.s);
    }
    for (const t of u.transfers) {
      const row = transferRow(t, this.st);
      this.table.measure(row);
      if (t.bytes === 'not captured') this.anyNotCaptured = true;
      if (t.bytes === 'encrypted') this.anyEncrypted = true;
      this.transfers.add(JSON.stringify(row), [order === 'id' ? t.t.id : this.transfers.count]);
    }
    for (const r of u.findings) this.addFinding(r, ftpConnections, order);
  }

  private addFinding(r: ReleasedFinding, ftpConnections: ReadonlySet<number>, order: 'id' | 'arrival'): void {
    const f = r.finding;
    this.severities[f.severity]++;
    const background = f.severity === 'info' && f.connection !== null && f.session === null && f.transfer === null && !ftpConnections.has(f.connection);
    let rule = this.ruleIndex.get(f.id);
    if (rule === undefined) {
      rule = this.ruleIds.length;
      this.ruleIds.push(f.id);
      this.ruleIndex.set(f.id, rule);
      this.ruleTexts.set(f.id, { references: f.references });
      this.groupKeys.push({ error: `error|${f.id}`, warning: `warning|${f.id}`, info: `info|${f.id}`, bg: `bg|${f.id}` });
    }
    // the rule's keys, made once: a string made per finding was hashed per finding
    const keys = this.groupKeys[rule]!;
    const count = background ? keys.bg : keys[f.severity];
    this.perId.set(count, (this.perId.get(count) ?? 0) + 1);
    if (background) this.background++;
    const key = order === 'id' ? findingSortKey(r) : [severityRank[f.severity], 0, 0, 0, r.seq];
    const arrival = this.findings.count;
    const record = this.record;
    for (let k = 0; k < KEY_FIELDS; k++) record[k] = key[k]!;
    record[RULE] = rule;
    record[BACKGROUND] = background ? 1 : 0;
    record[TRANSFER] = f.transfer ?? -1;
    record[SESSION] = f.session ?? -1;
    record[CONNECTION] = f.connection ?? -1;
    record[FIRST_FRAME] = f.frames[0] ?? -1;
    record[ARRIVAL] = arrival;
    this.findings.add('', record);
    this.keepTexts(count, key, arrival, f);
  }

  /** Keeps `f`'s texts when it is among the first SHOWN_PER_ID + 1 of its group in report order
   *  so far (equal keys: the earlier one first, as the spools order them). */
  private keepTexts(group: string, key: readonly number[], arrival: number, f: Finding): void {
    let kept = this.shownTexts.get(group);
    if (!kept) this.shownTexts.set(group, (kept = []));
    let at = kept.length;
    while (at > 0 && findingOrder(key, 0, kept[at - 1]!.key, 0) < 0) at--;
    if (at > SHOWN_PER_ID) return;
    const causesKey = (f.causes ?? []).join('\n');
    let causes = this.causeIds.get(causesKey);
    if (causes === undefined) {
      causes = this.causeLists.length;
      this.causeIds.set(causesKey, causes);
      this.causeLists.push(f.causes ?? []);
    }
    const frames = f.frames.length > MAX_LISTED_FRAMES ? f.frames.slice(0, MAX_LISTED_FRAMES) : f.frames;
    kept.splice(at, 0, { key, arrival, title: f.title, summary: f.summary, explanation: f.explanation, action: f.action, frames, frameCount: f.frames.length, causes });
    if (kept.length > SHOWN_PER_ID + 1) kept.pop();
  }

  /** Severities of the findings taken so far. */
  get severitiesFound(): ReadonlySet<Severity> {
    return severitiesPresent(this.severities);
  }

  /** The report, in pieces. `totals`: counts of a streaming analysis (else those added). */
  *render(r: AnalysisResult, error: string | null = null, filterNote: string | null = null): Generator<string> {
    let lines = 0;
    for (const piece of this.body(r, error, filterNote)) {
      for (let i = piece.indexOf('\n'); i >= 0; i = piece.indexOf('\n', i + 1)) lines++;
      yield piece;
    }
    // the verdict again where a long report leaves the reader
    if (lines > REPEAT_SUMMARY_AFTER) yield `\n${this.summary(r)}\n`;
  }

  /** The report's first line (wrapped), alone: what `--html -` prints on standard error. */
  summaryText(r: AnalysisResult): string {
    return this.summary(r);
  }

  private summary(r: AnalysisResult): string {
    const totals = r.released ?? { connections: r.connections.length, sessions: this.sessions.count, transfers: this.transfers.count };
    return wrap(summaryLine(r.capture, { ...totals, severities: this.severities }, this.st), this.width, '  ', '');
  }

  private *body(r: AnalysisResult, error: string | null, filterNote: string | null): Generator<string> {
    const st = this.st;
    const width = this.width;
    yield this.summary(r);
    if (filterNote) yield `\n${filterNote}`;
    const encapsulations = encapsulationsLine(r.capture.decode.encapsulations);
    if (encapsulations) yield `\n${wrap(encapsulations.trimStart(), width, '    ', '  ')}`;
    const merged = mergedLine(r.capture);
    if (merged) yield `\n${wrap(merged.trimStart(), width, '    ', '  ')}`;
    if (error) yield `\n\n${wrap(st.severity('error', `capture error: ${w(error)} (report covers the frames before it)`), width, '  ', '')}`;
    if (r.capture.warnings.length) yield `\n\n${r.capture.warnings.map((x) => wrap(`warning: offset ${x.offset}: ${w(x.message)}`, width, '    ', '  ')).join('\n')}`;
    if (this.sessions.count) {
      yield `\n\n${st.paint('bold', 'FTP sessions')}`;
      for (const batch of this.sessions.sorted().texts()) yield '\n' + batch.join('\n');
    }
    if (this.transfers.count) {
      yield `\n\n${st.paint('bold', 'Transfers')}\n`;
      if (this.table.fitTo(width, [[TRANSFER_HEAD.indexOf('Argument'), MIN_ARGUMENT]])) yield* this.table.render(this.transferRows());
      else {
        // too narrow for the table: one entry per transfer, wrapped
        let piece: string[] = [];
        for (const row of this.transferRows()) {
          piece.push(transferListLine(row, width));
          if (piece.length >= 1000) {
            yield piece.join('\n') + '\n';
            piece = [];
          }
        }
        yield piece.join('\n');
      }
      if (this.anyNotCaptured) yield `\n${st.paint('dim', BYTE_MARKS['n/c'])}`;
      if (this.anyEncrypted) yield `\n${st.paint('dim', BYTE_MARKS.TLS)}`;
    }
    yield '\n\n';
    yield* this.findingsSection();
    const codes = replyCodesSection(this.codes.result(), st, width);
    if (codes) yield `\n\n${codes}`;
    yield '\n';
  }

  private *transferRows(): Generator<string[]> {
    for (const batch of this.transfers.sorted().texts()) for (const text of batch) yield JSON.parse(text) as string[];
  }

  private *findingsSection(): Generator<string> {
    const st = this.st;
    const n = this.severities;
    const total = n.error + n.warning + n.info;
    if (total === 0) {
      yield `${st.paint('bold', 'Findings')}: none`;
      return;
    }
    yield `${st.paint('bold', 'Findings')}: ${plural(n.error, 'error')}, ${plural(n.warning, 'warning')}, ${n.info} info`;
    const order = this.findings.sorted();
    let from = 0;
    for (const sev of SEVERITIES) {
      const to = from + n[sev];
      if (to > from) yield* this.severityGroup(sev, order, from, to);
      from = to;
    }
  }

  /** One severity's findings: sorted positions [from, to). */
  private *severityGroup(sev: Severity, order: SortedTexts, from: number, to: number): Generator<string> {
    const st = this.st;
    yield `\n\n${st.severity(sev, `${sev === 'error' ? 'Errors' : sev === 'warning' ? 'Warnings' : 'Info'} (${to - from})`)}`;
    // background lines only when there are two or more such findings; else they are shown as any
    const apart = sev === 'info' && this.background >= 2;
    const count = (id: string) => (this.perId.get(`${sev}|${id}`) ?? 0) + (sev === 'info' && !apart ? (this.perId.get(`bg|${id}`) ?? 0) : 0);
    const folds = (shown: number, id: string) => shown >= SHOWN_PER_ID && count(id) > SHOWN_PER_ID + 1;

    // first pass, only when something may fold or stands apart: the aggregates of folded lines
    // and background lines, which are printed where their first instance falls
    const folded = new Map<string, FoldedGroup>();
    const background = new Map<string, BackgroundGroup>();
    const texts = this.textsByArrival();
    if (apart || to - from > SHOWN_PER_ID + 1) {
      const shown = new Map<string, number>();
      for (const { id, background: bg, transfer: t, session: s, connection: c, firstFrame: frame, arrival } of this.findingRecords(order, from, to)) {
        if (apart && bg) {
          let g = background.get(id);
          if (!g) background.set(id, (g = { count: 0, title: w(texts.get(arrival)!.title), connections: new FrameList(true) }));
          g.count++;
          g.connections.add(c!);
          continue;
        }
        const k = shown.get(id) ?? 0;
        if (!folds(k, id)) {
          shown.set(id, k + 1);
          continue;
        }
        let g = folded.get(id);
        if (!g) folded.set(id, (g = { count: 0, transfers: new FrameList(true), sessions: new FrameList(true), connections: new FrameList(true), frames: new FrameList() }));
        g.count++;
        if (t !== null) g.transfers.add(t);
        if (s !== null) g.sessions.add(s);
        if (c !== null) g.connections.add(c);
        if (frame !== null) g.frames.add(frame);
      }
    }

    const shown = new Map<string, number>();
    const explained = new Set<string>();
    const foldedDone = new Set<string>();
    for (const { id, background: bg, transfer, session, connection, arrival } of this.findingRecords(order, from, to)) {
      if (apart && bg) continue;
      const k = shown.get(id) ?? 0;
      if (!folds(k, id)) {
        shown.set(id, k + 1);
        // one of the first SHOWN_PER_ID + 1 of its group (fewer are shown when it folds): kept
        const x = texts.get(arrival)!;
        const { title, summary, explanation, action, frames, frameCount, causes } = x;
        const f: ShownFinding = { id, severity: sev, title, summary, explanation, action, frames, frameCount, transfer, session, connection, causes: this.causeLists[causes], ...this.ruleTexts.get(id)! };
        let block = findingHead(f, st, this.width);
        const key = `${id}|${explanation}|${causes}`;
        if (sev !== 'info' && !explained.has(key)) {
          explained.add(key);
          const text = findingExplanation(f, this.width);
          if (text) block += '\n' + text;
        }
        yield '\n' + block;
      } else if (!foldedDone.has(id)) {
        foldedDone.add(id);
        yield '\n' + foldedLine(id, folded.get(id)!, st, this.width);
      }
    }
    if (background.size) {
      yield '\n' + backgroundHeading(st);
      for (const [id, g] of background) yield '\n' + backgroundLine(id, g, this.width);
    }
  }

  /** The kept texts of findings that may be shown, by arrival. */
  private textsByArrival(): Map<number, ShownTexts> {
    const byArrival = new Map<number, ShownTexts>();
    for (const kept of this.shownTexts.values()) for (const x of kept) byArrival.set(x.arrival, x);
    return byArrival;
  }

  private *findingRecords(order: SortedTexts, from: number, to: number): Generator<FindingRecord> {
    for (const r of order.keys(from, to)) {
      yield {
        id: this.ruleIds[r[RULE]!]!,
        background: r[BACKGROUND] === 1,
        transfer: orNull(r[TRANSFER]!),
        session: orNull(r[SESSION]!),
        connection: orNull(r[CONNECTION]!),
        firstFrame: orNull(r[FIRST_FRAME]!),
        arrival: r[ARRIVAL]!,
      };
    }
  }

  /** Removes the spool files. */
  close(): void {
    for (const f of [this.sessions, this.transfers, this.findings]) f.close();
    this.dir?.remove();
  }
}

/** The text report of a whole-capture result. */
export function renderText(r: AnalysisResult, opts: TextReportOptions): string {
  const report = new TextReport(opts, false);
  // findings keep the result's order within a severity, as the result has them sorted
  report.add(unitView(resultUnit(r), { showPasswords: r.showPasswords }), 'arrival');
  try {
    return [...report.render(r, opts.error ?? null, opts.filterNote ?? null)].join('');
  } finally {
    report.close();
  }
}
