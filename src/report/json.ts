// The machine report: one JSON document with the capture, connections, sessions, transfers,
// findings and reply codes. PASS arguments and session passwords are redacted unless
// --show-passwords; the text is made terminal-safe (escapeJsonText) without changing its value.

import { linkTypeName } from '../capture/frame.ts';
import { conflictTexts, displayArg, REDACTED } from '../diagnose/facts.ts';
import { hideCredentials } from '../ftp/commands.ts';
import type { FtpCommand, Session, Transfer } from '../ftp/types.ts';
import type { Connection } from '../tcp/types.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import { escapeJsonText } from './escape.ts';
import { TOOL_VERSION } from './tool-version.ts';
import { replyCodesSeen } from './reply-summary.ts';
import { severityCounts } from './text.ts';

export const JSON_REPORT_VERSION = 1;

export function connectionJson(c: Connection, role: string, showPasswords: boolean): Record<string, unknown> {
  // `app` is the FTP stage's private slot and `deliver` an engine switch: not report data.
  const { app: _app, deliver: _deliver, ...rest } = c;
  // a state-change list at its cap says how many changes it left out
  const side = (e: Connection['client']) => (e.transitions.notKept > 0 ? { ...e, transitionsNotKept: e.transitions.notKept } : e);
  // the copies of an inconsistent retransmission, as any output shows them (secrets hidden)
  const conflicts = c.conflicts.map((x) => {
    const shown = conflictTexts(x, showPasswords);
    const bytes = (b: string) => (showPasswords ? b : x.secret ? REDACTED : hideCredentials(b));
    return { ...x, first: bytes(x.first), second: bytes(x.second), firstLine: x.firstLine === null ? null : shown.first, secondLine: x.secondLine === null ? null : shown.second };
  });
  return { ...rest, client: side(c.client), server: side(c.server), conflicts, role };
}

/** A transfer as the report gives it: byte counts are null when they count no file bytes (the
 *  data connection not in the capture, none opened, or TLS records): never a 0 that was not. */
export function transferJson(t: Transfer): Record<string, unknown> {
  if (t.bytesStatus === 'counted') return { ...t };
  return { ...t, bytes: null, bytesAcked: null, bytesMissing: null };
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
  /** A display filter's expression and what it kept (the lists and counts are of what is shown). */
  displayFilter?: unknown;
}

/** A big list, written a run of elements at a time: each run is element texts joined by ',\n',
 *  every element indented two levels (as it sits in the report) and escaped (escapeJsonText). */
export interface ListText {
  readonly lazy: true;
  count: number;
  runs(): Iterable<string>;
}

/** A list of report objects, produced one element at a time (also for buildJsonReport). */
interface ObjectList extends ListText {
  item(i: number): unknown;
}

/** Elements stringified per JSON.stringify call. */
const BATCH = 256;

/**
 * JSON.stringify does the indenting: elements are stringified BATCH at a time nested two arrays
 * deep (`[[a, b, …]]`), which indents them exactly as they sit in the report, and the wrapper's
 * brackets ('[\n  [\n' and '\n  ]\n]') are cut off again.
 */
const nestedText = (elements: unknown[]): string => escapeJsonText(JSON.stringify([elements], null, 2).slice(6, -6));

/** One element's text as a run holds it. */
export const elementText = (v: unknown): string => nestedText([v]);

function objectList<T>(xs: readonly T[], f: (x: T) => unknown): ObjectList {
  const item = (i: number) => f(xs[i]!);
  return {
    lazy: true,
    count: xs.length,
    item,
    *runs() {
      for (let i = 0; i < xs.length; i += BATCH) {
        const batch: unknown[] = [];
        for (let j = i; j < xs.length && j < i + BATCH; j++) batch.push(item(j) ?? null);
        yield nestedText(batch);
      }
    },
  };
}

const isLazy = (v: unknown): v is ListText => typeof v === 'object' && v !== null && (v as ListText).lazy === true;

/** Each connection's role in the report: control, data (wins over control), attempt (to reach
 *  an FTP server, ftp/attempts.ts), else other. */
export function connectionRoles(sessions: readonly Session[], transfers: readonly Transfer[], attempts: readonly number[] = []): Map<number, string> {
  const roles = new Map<number, string>();
  for (const id of attempts) roles.set(id, 'attempt');
  for (const s of sessions) roles.set(s.control, 'control');
  for (const t of transfers) if (t.dataConnection !== null) roles.set(t.dataConnection, 'data');
  return roles;
}

export interface ReportCounts {
  connections: number;
  sessions: number;
  transfers: number;
  findings: number;
  error: number;
  warning: number;
  info: number;
}

/** The decoder's counts, the bytes of disagreeing fragments with their secrets hidden. */
function decodeJson(r: AnalysisResult): AnalysisResult['capture']['decode'] {
  const d = r.capture.decode;
  if (r.showPasswords || d.fragmentConflicts.length === 0) return d;
  return { ...d, fragmentConflicts: d.fragmentConflicts.map((x) => ({ ...x, first: hideCredentials(x.first), second: hideCredentials(x.second) })) };
}

/** The fields before the lists: version, capture, error, summary. */
export function reportHead(r: AnalysisResult, opts: JsonReportOptions, n: ReportCounts): Array<[string, unknown]> {
  return [
    ['ftpdiag', { reportVersion: JSON_REPORT_VERSION, toolVersion: TOOL_VERSION }],
    ['capture', { ...r.capture, decode: decodeJson(r), linkTypeNames: r.capture.linkTypes.map((lt) => linkTypeName[lt] ?? `LINKTYPE_${lt}`) }],
    ['error', opts.error ?? null],
    ['displayFilter', opts.displayFilter],
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
  const roles = connectionRoles(r.sessions, r.transfers, r.attempts);
  const counts = { connections: r.connections.length, sessions: r.sessions.length, transfers: r.transfers.length, findings: r.findings.length, ...severityCounts(r.findings) };
  return [
    ...reportHead(r, opts, counts),
    ['connections', objectList(r.connections, (c) => connectionJson(c, roles.get(c.id) ?? 'other', r.showPasswords))],
    ['sessions', objectList(r.sessions, (s) => sessionJson(s, r.showPasswords))],
    ['transfers', objectList(r.transfers, transferJson)],
    ['findings', r.findings],
    ['logins', r.logins],
    ['replyCodes', replyCodesSeen(r.sessions)],
    ['ruleErrors', r.ruleErrors],
  ];
}

export function buildJsonReport(r: AnalysisResult, opts: JsonReportOptions = {}): Record<string, unknown> {
  const doc: Record<string, unknown> = {};
  for (const [k, v] of reportParts(r, opts)) doc[k] = isLazy(v) ? Array.from({ length: v.count }, (_, i) => (v as ObjectList).item(i)) : v;
  return doc;
}

export function renderJson(r: AnalysisResult, opts: JsonReportOptions = {}): string {
  return escapeJsonText(JSON.stringify(buildJsonReport(r, opts), null, 2)) + '\n';
}

/**
 * The same text as renderJson, in pieces: a capture of millions of frames has a report larger
 * than the longest string V8 can hold (~512 MiB), and each connection is turned into text only
 * when its turn comes. Joined, the pieces equal renderJson's output.
 */
export function* renderJsonChunks(r: AnalysisResult, opts: JsonReportOptions = {}): Generator<string> {
  yield* reportChunks(reportParts(r, opts));
}

/** Writes a report's top-level fields in order, lists run by run (renderJsonChunks, and the
 *  spooled report of a streaming analysis). */
export function* reportChunks(fields: Array<[string, unknown]>): Generator<string> {
  const parts = fields.filter(([, v]) => v !== undefined);
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
      let first = true;
      for (const run of v.runs()) {
        yield first ? run : `,\n${run}`;
        first = false;
      }
      yield `\n  ]${comma}\n`;
    }
  }
  yield '}\n';
}
