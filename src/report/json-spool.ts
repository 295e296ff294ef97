// The JSON report of a streaming analysis: each released unit's connections, sessions,
// transfers and findings are turned into their report text at once and written to spool files
// in a temporary directory with their index (id or the findings' sort key, offset, length), of
// which memory keeps one run at a time (spool.ts). At the end the document is put together by
// positioned reads, in the order and with the exact text renderJsonChunks gives for the same
// capture analysed in one piece.

import { severitiesPresent } from '../diagnose/finding.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import type { UnitView } from '../view/unit.ts';
import { connectionJson, elementText, findingJson, reportChunks, reportHead, sessionInPieces, sessionJson, sessionTextPieces, transferJson, type JsonReportOptions, type ListText } from './json.ts';
import { ReplyCodeCounter } from '../view/reply-codes.ts';
import { byFirstField, findingOrder, findingSortKey, SpoolDir, type SpoolFile } from './spool.ts';
import type { Severity } from '../diagnose/finding.ts';

export class JsonSpool {
  private readonly dir = new SpoolDir('ftpdiag-spool-');
  private readonly connections: SpoolFile;
  private readonly sessions: SpoolFile;
  private readonly transfers: SpoolFile;
  private readonly findings: SpoolFile; // sort key: severity rank, first frame, group, subject, seq
  private readonly codes = new ReplyCodeCounter();
  private readonly severities: Record<Severity, number> = { error: 0, warning: 0, info: 0 };

  constructor() {
    this.connections = this.dir.file('connections', 1, byFirstField);
    this.sessions = this.dir.file('sessions', 1, byFirstField);
    this.transfers = this.dir.file('transfers', 1, byFirstField);
    this.findings = this.dir.file('findings', 5, findingOrder);
    this.dir.detach();
  }

  /** Takes the view of a released unit (AnalysisOptions.release). */
  add(u: UnitView): void {
    for (const c of u.connections) this.connections.add(elementText(connectionJson(c)), [c.c.id]);
    for (const s of u.sessions) {
      if (sessionInPieces(s)) this.sessions.addPieces(sessionTextPieces(s), [s.s.id]);
      else this.sessions.add(elementText(sessionJson(s)), [s.s.id]);
      this.codes.add(s.s);
    }
    for (const t of u.transfers) this.transfers.add(elementText(transferJson(t)), [t.t.id]);
    for (const r of u.findings) {
      const f = r.finding;
      this.severities[f.severity]++;
      this.findings.add(elementText(findingJson(f)), findingSortKey(r));
    }
  }

  /** The whole document, in pieces; equal to renderJsonChunks of the same capture in one piece. */
  render(r: AnalysisResult, opts: JsonReportOptions = {}): Generator<string> {
    const totals = r.released ?? { connections: 0, sessions: 0, transfers: 0 };
    const head = reportHead(r, opts, { ...totals, findings: this.findings.count, ...this.severities });
    return reportChunks([
      ...head,
      ['connections', spooled(this.connections)],
      ['sessions', spooled(this.sessions)],
      ['transfers', spooled(this.transfers)],
      ['findings', spooled(this.findings)],
      ['logins', r.logins],
      ['replyCodes', this.codes.result()],
      ['ruleErrors', r.ruleErrors],
    ]);
  }

  /** Severities of the findings taken so far. */
  get severitiesFound(): ReadonlySet<Severity> {
    return severitiesPresent(this.severities);
  }

  /** Removes the spool files. */
  close(): void {
    for (const f of [this.connections, this.sessions, this.transfers, this.findings]) f.close();
    this.dir.remove();
  }
}

/** A spooled list as the report writer takes it, read back in sort order. */
function spooled(file: SpoolFile): ListText {
  return {
    lazy: true,
    count: file.count,
    *runs() {
      for (const batch of file.sorted().texts()) yield batch.join(',\n');
    },
    pieces: () => file.joined(',\n'),
  };
}
