// The machine report: one JSON document with the capture, connections, sessions, transfers,
// findings and reply codes. PASS arguments and session passwords are redacted unless
// --show-passwords; the text is made terminal-safe (escapeJsonText) without changing its value.

import { linkTypeName } from '../capture/frame.ts';
import { displayArg, REDACTED } from '../diagnose/facts.ts';
import type { FtpCommand, Session } from '../ftp/types.ts';
import type { Connection } from '../tcp/types.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import { escapeJsonText } from './escape.ts';
import { replyCodesSeen } from './reply-summary.ts';
import { severityCounts } from './text.ts';

export const JSON_REPORT_VERSION = 1;

export function connectionJson(c: Connection, role: string): Record<string, unknown> {
  // `app` is the FTP stage's private slot and `deliver` an engine switch: not report data.
  const { app: _app, deliver: _deliver, ...rest } = c;
  return { ...rest, role };
}

function commandJson(cmd: FtpCommand, showPasswords: boolean): Record<string, unknown> {
  return { ...cmd, arg: displayArg(cmd, showPasswords) };
}

export function sessionJson(s: Session, showPasswords: boolean): Record<string, unknown> {
  return {
    ...s,
    password: s.password === null ? null : showPasswords ? s.password : REDACTED,
    commands: s.commands.map((c) => commandJson(c, showPasswords)),
  };
}

export interface JsonReportOptions {
  error?: { message: string; offset: number; code: string } | null;
}

/** The big lists, produced one element at a time when the report is streamed. */
interface LazyList {
  readonly lazy: true;
  count: number;
  item(i: number): unknown;
}

const lazyList = <T>(xs: readonly T[], f: (x: T) => unknown): LazyList => ({ lazy: true, count: xs.length, item: (i) => f(xs[i]!) });
const isLazy = (v: unknown): v is LazyList => typeof v === 'object' && v !== null && (v as LazyList).lazy === true;

export interface ReportCounts {
  connections: number;
  sessions: number;
  transfers: number;
  findings: number;
  error: number;
  warning: number;
  info: number;
}

/** The fields before the lists: version, capture, error, summary. */
export function reportHead(r: AnalysisResult, opts: JsonReportOptions, n: ReportCounts): Array<[string, unknown]> {
  return [
    ['ftpdiag', { reportVersion: JSON_REPORT_VERSION }],
    ['capture', { ...r.capture, linkTypeNames: r.capture.linkTypes.map((lt) => linkTypeName[lt] ?? `LINKTYPE_${lt}`) }],
    ['error', opts.error ?? null],
    [
      'summary',
      {
        connections: n.connections,
        sessions: n.sessions,
        transfers: n.transfers,
        findings: n.findings,
        errors: n.error,
        warnings: n.warning,
        info: n.info,
      },
    ],
  ];
}

/** The report's top-level fields in order; connections, sessions and transfers left lazy. */
function reportParts(r: AnalysisResult, opts: JsonReportOptions): Array<[string, unknown]> {
  const roles = new Map<number, string>();
  for (const s of r.sessions) roles.set(s.control, 'control');
  for (const t of r.transfers) if (t.dataConnection !== null) roles.set(t.dataConnection, 'data');
  const counts = { connections: r.connections.length, sessions: r.sessions.length, transfers: r.transfers.length, findings: r.findings.length, ...severityCounts(r.findings) };
  return [
    ...reportHead(r, opts, counts),
    ['connections', lazyList(r.connections, (c) => connectionJson(c, roles.get(c.id) ?? 'other'))],
    ['sessions', lazyList(r.sessions, (s) => sessionJson(s, r.showPasswords))],
    ['transfers', lazyList(r.transfers, (t) => t)],
    ['findings', r.findings],
    ['replyCodes', replyCodesSeen(r.sessions)],
    ['ruleErrors', r.ruleErrors],
  ];
}

export function buildJsonReport(r: AnalysisResult, opts: JsonReportOptions = {}): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const [k, v] of reportParts(r, opts)) doc[k] = isLazy(v) ? Array.from({ length: v.count }, (_, i) => v.item(i)) : v;
  return doc;
}

export function renderJson(r: AnalysisResult, opts: JsonReportOptions = {}): string {
  return escapeJsonText(JSON.stringify(buildJsonReport(r, opts), null, 2)) + '\n';
}

/** Elements stringified per JSON.stringify call. */
const BATCH = 256;

/**
 * The same text as renderJson, in pieces: a capture of millions of frames has a report larger
 * than the longest string V8 can hold (~512 MiB), and each connection is turned into text only
 * when its turn comes. Joined, the pieces equal renderJson's output.
 *
 * JSON.stringify does the indenting: elements are stringified BATCH at a time nested two arrays
 * deep (`[[a, b, …]]`), which indents them exactly as they sit in the report, and the wrapper's
 * brackets are cut off again.
 */
export function* renderJsonChunks(r: AnalysisResult, opts: JsonReportOptions = {}): Generator<string> {
  const parts = reportParts(r, opts).filter(([, v]) => v !== undefined);
  yield '{\n';
  for (let p = 0; p < parts.length; p++) {
    const [k, v] = parts[p]!;
    const comma = p < parts.length - 1 ? ',' : '';
    if (!isLazy(v)) {
      // '[\n  ' + value indented one level + '\n]'
      yield escapeJsonText(`  ${JSON.stringify(k)}: ${JSON.stringify([v], null, 2).slice(4, -2)}${comma}\n`);
    } else if (v.count === 0) {
      yield `  ${JSON.stringify(k)}: []${comma}\n`;
    } else {
      yield `  ${JSON.stringify(k)}: [\n`;
      for (let i = 0; i < v.count; i += BATCH) {
        const batch: unknown[] = [];
        for (let j = i; j < v.count && j < i + BATCH; j++) batch.push(v.item(j) ?? null);
        // '[\n  [\n' + elements indented two levels, comma-separated + '\n  ]\n]'
        const body = JSON.stringify([batch], null, 2).slice(6, -6);
        yield escapeJsonText(i + BATCH < v.count ? `${body},\n` : `${body}\n`);
      }
      yield `  ]${comma}\n`;
    }
  }
  yield '}\n';
}
