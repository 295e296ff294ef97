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

export function buildJsonReport(r: AnalysisResult, opts: JsonReportOptions = {}): Record<string, unknown> {
  const roles = new Map<number, string>();
  for (const s of r.sessions) roles.set(s.control, 'control');
  for (const t of r.transfers) if (t.dataConnection !== null) roles.set(t.dataConnection, 'data');
  const counts = severityCounts(r.findings);
  return {
    ftpdiag: { reportVersion: JSON_REPORT_VERSION },
    capture: {
      ...r.capture,
      linkTypeNames: r.capture.linkTypes.map((lt) => linkTypeName[lt] ?? `LINKTYPE_${lt}`),
    },
    error: opts.error ?? null,
    summary: {
      connections: r.connections.length,
      sessions: r.sessions.length,
      transfers: r.transfers.length,
      findings: r.findings.length,
      errors: counts.error,
      warnings: counts.warning,
      info: counts.info,
    },
    connections: r.connections.map((c) => connectionJson(c, roles.get(c.id) ?? 'other')),
    sessions: r.sessions.map((s) => sessionJson(s, r.showPasswords)),
    transfers: r.transfers,
    findings: r.findings,
    replyCodes: replyCodesSeen(r.sessions),
    ruleErrors: r.ruleErrors,
  };
}

export function renderJson(r: AnalysisResult, opts: JsonReportOptions = {}): string {
  return escapeJsonText(JSON.stringify(buildJsonReport(r, opts), null, 2)) + '\n';
}
