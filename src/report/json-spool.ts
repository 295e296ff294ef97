// The JSON report of a streaming analysis: each released unit's connections, sessions,
// transfers and findings are turned into their report text at once and written to spool files
// in a temporary directory; memory keeps only an index (id, offset, length, and the findings'
// sort keys). At the end the document is put together by positioned reads, in the order and
// with the exact text renderJsonChunks gives for the same capture analysed in one piece.

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { severityRank } from '../diagnose/finding.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import type { ReleasedUnit } from '../pipeline/release.ts';
import { connectionJson, connectionRoles, elementText, reportChunks, reportHead, sessionJson, type JsonReportOptions, type ListText } from './json.ts';
import { ReplyCodeCounter } from './reply-summary.ts';
import { findingOrder, findingSortKey, SpoolFile, type Spool } from './spool.ts';
import type { Severity } from '../diagnose/finding.ts';

export class JsonSpool {
  private readonly dir: string;
  private readonly connections: SpoolFile;
  private readonly sessions: SpoolFile;
  private readonly transfers: SpoolFile;
  private readonly findings: SpoolFile; // sort key: severity rank, first frame, group, subject, seq
  private readonly codes = new ReplyCodeCounter();
  private readonly severities: Record<Severity, number> = { error: 0, warning: 0, info: 0 };

  constructor(private readonly showPasswords: boolean) {
    this.dir = mkdtempSync(join(tmpdir(), 'ftpdiag-spool-'));
    this.connections = new SpoolFile(join(this.dir, 'connections'), 1);
    this.sessions = new SpoolFile(join(this.dir, 'sessions'), 1);
    this.transfers = new SpoolFile(join(this.dir, 'transfers'), 1);
    this.findings = new SpoolFile(join(this.dir, 'findings'), 5);
    // the open descriptors keep the files; removed now, nothing is left behind however the
    // process ends (Ctrl-C, a crash) — on systems that allow it
    try {
      rmSync(this.dir, { recursive: true, force: true });
    } catch {
      // removed at close() instead
    }
  }

  /** Takes a released unit (AnalysisOptions.release). */
  add(u: ReleasedUnit): void {
    const roles = connectionRoles(u.sessions, u.transfers);
    for (const c of u.connections) this.connections.add(elementText(connectionJson(c, roles.get(c.id) ?? 'other')), [c.id]);
    for (const s of u.sessions) {
      this.sessions.add(elementText(sessionJson(s, this.showPasswords)), [s.id]);
      this.codes.add(s);
    }
    for (const t of u.transfers) this.transfers.add(elementText(t), [t.id]);
    for (const r of u.findings) {
      const f = r.finding;
      this.severities[f.severity]++;
      this.findings.add(elementText(f), findingSortKey(r));
    }
  }

  /** The whole document, in pieces; equal to renderJsonChunks of the same capture in one piece. */
  render(r: AnalysisResult, opts: JsonReportOptions = {}): Generator<string> {
    const totals = r.released ?? { connections: 0, sessions: 0, transfers: 0 };
    const head = reportHead(r, opts, { ...totals, findings: this.findings.index.count, ...this.severities });
    const byId = (f: Spool) => (a: number, b: number) => f.index.field(a, 0) - f.index.field(b, 0);
    return reportChunks([
      ...head,
      ['connections', spooled(this.connections, byId(this.connections))],
      ['sessions', spooled(this.sessions, byId(this.sessions))],
      ['transfers', spooled(this.transfers, byId(this.transfers))],
      ['findings', spooled(this.findings, findingOrder(this.findings.index))],
      ['replyCodes', this.codes.result()],
      ['ruleErrors', r.ruleErrors],
    ]);
  }

  /** Severities of the findings taken so far. */
  get severitiesFound(): ReadonlySet<Severity> {
    return new Set((Object.keys(this.severities) as Severity[]).filter((k) => this.severities[k] > 0));
  }

  /** Removes the spool files. */
  close(): void {
    for (const f of [this.connections, this.sessions, this.transfers, this.findings]) f.close();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A spooled list as the report writer takes it, read back in `compare` order. */
function spooled(file: Spool, compare: (a: number, b: number) => number): ListText {
  return {
    lazy: true,
    count: file.index.count,
    *runs() {
      for (const batch of file.texts(file.order(compare))) yield batch.join(',\n');
    },
  };
}
