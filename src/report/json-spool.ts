// The JSON report of a streaming analysis: each released unit's connections, sessions,
// transfers and findings are turned into their report text at once and written to spool files
// in a temporary directory; memory keeps only an index (id, offset, length, and the findings'
// sort keys). At the end the document is put together by positioned reads, in the order and
// with the exact text renderJsonChunks gives for the same capture analysed in one piece.

import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { severityRank } from '../diagnose/finding.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import type { ReleasedUnit } from '../pipeline/release.ts';
import { connectionJson, connectionRoles, elementText, reportChunks, reportHead, sessionJson, type JsonReportOptions, type ListText } from './json.ts';
import { ReplyCodeCounter } from './reply-summary.ts';
import type { Severity } from '../diagnose/finding.ts';

/** Bytes gathered before a write to a spool file. */
const WRITE_CHUNK = 1 << 20;

/** A growable table of float64 records of `width` fields. */
class Records {
  data: Float64Array;
  count = 0;
  constructor(readonly width: number) {
    this.data = new Float64Array(width * 1024);
  }
  push(...fields: number[]): void {
    if ((this.count + 1) * this.width > this.data.length) {
      const bigger = new Float64Array(this.data.length * 2);
      bigger.set(this.data);
      this.data = bigger;
    }
    this.data.set(fields, this.count * this.width);
    this.count++;
  }
  field(i: number, k: number): number {
    return this.data[i * this.width + k]!;
  }
}

/** One spool file: element texts appended, read back by offset. */
class SpoolFile {
  private readonly fd: number;
  private pending: string[] = [];
  private pendingBytes = 0;
  private written = 0;
  /** [sort fields…, offset, length] per element */
  readonly index: Records;

  constructor(path: string, sortFields: number) {
    this.fd = openSync(path, 'w+');
    this.index = new Records(sortFields + 2);
  }

  add(text: string, ...sortKey: number[]): void {
    const len = Buffer.byteLength(text);
    this.index.push(...sortKey, this.written + this.pendingBytes, len);
    this.pending.push(text);
    this.pendingBytes += len;
    if (this.pendingBytes >= WRITE_CHUNK) this.flush();
  }

  flush(): void {
    if (this.pendingBytes === 0) return;
    const buf = Buffer.from(this.pending.join(''));
    let done = 0;
    while (done < buf.length) done += writeSync(this.fd, buf, done, buf.length - done, this.written + done);
    this.written += buf.length;
    this.pending = [];
    this.pendingBytes = 0;
  }

  /** Element texts in the order of `compare` over index positions, in pieces of about 1 MiB. */
  *read(compare: (a: number, b: number) => number): Generator<string[]> {
    this.flush();
    const ix = this.index;
    const order = Array.from({ length: ix.count }, (_, i) => i).sort(compare);
    const w = ix.width;
    let batch: string[] = [];
    let bytes = 0;
    let buf = Buffer.alloc(64 * 1024);
    for (const i of order) {
      const off = ix.field(i, w - 2);
      const len = ix.field(i, w - 1);
      if (len > buf.length) buf = Buffer.alloc(len);
      let got = 0;
      while (got < len) {
        const n = readSync(this.fd, buf, got, len - got, off + got);
        if (n === 0) throw new Error('spool file shorter than its index');
        got += n;
      }
      batch.push(buf.toString('utf8', 0, len));
      bytes += len;
      if (bytes >= WRITE_CHUNK) {
        yield batch;
        batch = [];
        bytes = 0;
      }
    }
    if (batch.length) yield batch;
  }

  close(): void {
    closeSync(this.fd);
  }
}

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
    for (const c of u.connections) this.connections.add(elementText(connectionJson(c, roles.get(c.id) ?? 'other')), c.id);
    for (const s of u.sessions) {
      this.sessions.add(elementText(sessionJson(s, this.showPasswords)), s.id);
      this.codes.add(s);
    }
    for (const t of u.transfers) this.transfers.add(elementText(t), t.id);
    for (const r of u.findings) {
      const f = r.finding;
      this.severities[f.severity]++;
      this.findings.add(elementText(f), severityRank[f.severity], f.frames[0] ?? Infinity, r.group, r.subject, r.seq);
    }
  }

  /** The whole document, in pieces; equal to renderJsonChunks of the same capture in one piece. */
  render(r: AnalysisResult, opts: JsonReportOptions = {}): Generator<string> {
    const totals = r.released ?? { connections: 0, sessions: 0, transfers: 0 };
    const head = reportHead(r, opts, { ...totals, findings: this.findings.index.count, ...this.severities });
    const byId = (f: SpoolFile) => (a: number, b: number) => f.index.field(a, 0) - f.index.field(b, 0);
    const fx = this.findings.index;
    const byFinding = (a: number, b: number) =>
      fx.field(b, 0) - fx.field(a, 0) ||
      compareFrame(fx.field(a, 1), fx.field(b, 1)) ||
      fx.field(a, 2) - fx.field(b, 2) ||
      fx.field(a, 3) - fx.field(b, 3) ||
      fx.field(a, 4) - fx.field(b, 4);
    return reportChunks([
      ...head,
      ['connections', spooled(this.connections, byId(this.connections))],
      ['sessions', spooled(this.sessions, byId(this.sessions))],
      ['transfers', spooled(this.transfers, byId(this.transfers))],
      ['findings', spooled(this.findings, byFinding)],
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
function spooled(file: SpoolFile, compare: (a: number, b: number) => number): ListText {
  return {
    lazy: true,
    count: file.index.count,
    *runs() {
      for (const batch of file.read(compare)) yield batch.join(',\n');
    },
  };
}

/** Ascending first frame, a finding without frames last (as sortFindings' Infinity). */
function compareFrame(a: number, b: number): number {
  if (a === b) return 0;
  return a < b ? -1 : 1;
}
