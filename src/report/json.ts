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

function connectionJson(c: Connection, role: string): Record<string, unknown> {
  // `app` is the FTP stage's private slot and `deliver` an engine switch: not report data.
  const { app: _app, deliver: _deliver, ...rest } = c;
  return { ...rest, role };
}

function commandJson(cmd: FtpCommand, showPasswords: boolean): Record<string, unknown> {
  return { ...cmd, arg: displayArg(cmd, showPasswords) };
}

function sessionJson(s: Session, showPasswords: boolean): Record<string, unknown> {
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

/** The report's top-level fields in order; connections, sessions and transfers left lazy. */
function reportParts(r: AnalysisResult, opts: JsonReportOptions): Array<[string, unknown]> {
  const roles = new Map<number, string>();
  for (const s of r.sessions) roles.set(s.control, 'control');
  for (const t of r.transfers) if (t.dataConnection !== null) roles.set(t.dataConnection, 'data');
  const counts = severityCounts(r.findings);
  return [
    ['ftpdiag', { reportVersion: JSON_REPORT_VERSION }],
    ['capture', { ...r.capture, linkTypeNames: r.capture.linkTypes.map((lt) => linkTypeName[lt] ?? `LINKTYPE_${lt}`) }],
    ['error', opts.error ?? null],
    [
      'summary',
      {
        connections: r.connections.length,
        sessions: r.sessions.length,
        transfers: r.transfers.length,
        findings: r.findings.length,
        errors: counts.error,
        warnings: counts.warning,
        info: counts.info,
      },
    ],
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

/** Pieces of text handed out at a time, characters. */
const CHUNK = 1 << 16;

/**
 * The same text as renderJson, in pieces of about 64 KiB: a capture of millions of frames has a
 * report larger than the longest string V8 can hold (~512 MiB), and each connection is turned
 * into text only when its turn comes. Joined, the pieces equal renderJson's output.
 */
export function* renderJsonChunks(r: AnalysisResult, opts: JsonReportOptions = {}): Generator<string> {
  const parts = reportParts(r, opts).filter(([, v]) => v !== undefined);
  let buf = '{\n';
  // a value nested at `pad`: JSON.stringify's own lines, shifted right
  const nested = (v: unknown, pad: string) => JSON.stringify(v, null, 2).replace(/\n/g, `\n${pad}`);
  for (let p = 0; p < parts.length; p++) {
    const [k, v] = parts[p]!;
    const comma = p < parts.length - 1 ? ',' : '';
    if (!isLazy(v)) {
      buf += `  ${JSON.stringify(k)}: ${nested(v, '  ')}${comma}\n`;
    } else if (v.count === 0) {
      buf += `  ${JSON.stringify(k)}: []${comma}\n`;
    } else {
      buf += `  ${JSON.stringify(k)}: [\n`;
      for (let i = 0; i < v.count; i++) {
        buf += `    ${nested(v.item(i) ?? null, '    ')}${i < v.count - 1 ? ',' : ''}\n`;
        if (buf.length >= CHUNK) {
          yield escapeJsonText(buf);
          buf = '';
        }
      }
      buf += `  ]${comma}\n`;
    }
    if (buf.length >= CHUNK) {
      yield escapeJsonText(buf);
      buf = '';
    }
  }
  yield escapeJsonText(buf + '}\n');
}
