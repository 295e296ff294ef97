// The human report: a summary line, who talked to whom, transfers as a table, findings grouped
// by severity (with frames, what it means and what to do), and the reply codes seen.
// Every string that came off the wire goes through escapeWire (via `w`) before it is printed.

import Table from 'cli-table3';
import { linkTypeName } from '../capture/frame.ts';
import type { Finding, Severity } from '../diagnose/finding.ts';
import { displayArg, REDACTED } from '../diagnose/facts.ts';
import { formatFrames } from '../diagnose/cel-env.ts';
import type { Session, Transfer } from '../ftp/types.ts';
import type { Connection } from '../tcp/types.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import { escapeWire } from './escape.ts';
import { replyCodesSeen } from './reply-summary.ts';
import { Styler, tableStyle } from './style.ts';

export interface TextReportOptions {
  color: boolean;
  width?: number; //  wrap width for prose; default 100
  error?: string | null; // a capture fault to mention at the top (already one line)
}

const w = escapeWire;
const plural = (n: number, word: string, many = word + 's') => `${n} ${n === 1 ? word : many}`;

function endpoint(addr: string, port: number): string {
  return addr.includes(':') ? `[${w(addr)}]:${port}` : `${w(addr)}:${port}`;
}

/** Greedy word wrap of already-escaped text, every line prefixed by `indent`. */
export function wrap(text: string, width: number, indent: string, firstIndent = indent): string {
  const words = text.split(/ +/).filter((x) => x !== '');
  const lines: string[] = [];
  let line = firstIndent;
  let empty = true;
  for (const word of words) {
    if (!empty && line.length + 1 + word.length > width) {
      lines.push(line);
      line = indent + word;
    } else {
      line += (empty ? '' : ' ') + word;
    }
    empty = false;
  }
  lines.push(line);
  return lines.join('\n');
}

export function severityCounts(findings: readonly Finding[]): Record<Severity, number> {
  const n: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) n[f.severity]++;
  return n;
}

function summaryLine(r: AnalysisResult, st: Styler): string {
  const c = r.capture;
  const links = c.linkTypes.map((lt) => linkTypeName[lt] ?? `LINKTYPE_${lt}`).join('/');
  const fmt = `${c.format}${c.compressed ? '.gz' : ''}${links ? ', ' + links : ''}`;
  const n = severityCounts(r.findings);
  const verdict = [
    n.error ? st.severity('error', plural(n.error, 'error')) : '0 errors',
    n.warning ? st.severity('warning', plural(n.warning, 'warning')) : '0 warnings',
    `${n.info} info`,
  ].join(', ');
  return (
    `${st.paint('bold', w(c.file))}: ${fmt}, ${plural(c.frames, 'frame')}` +
    `${c.truncated ? ' (cut short)' : ''} — ${plural(r.connections.length, 'TCP connection')}, ` +
    `${plural(r.sessions.length, 'FTP session')}, ${plural(r.transfers.length, 'transfer')} — ${verdict}`
  );
}

function closeText(c: Connection | undefined): string {
  if (!c) return '';
  if (c.closeKind && c.closedBy) return `ended by ${c.closeKind.toUpperCase()} from the ${c.closedBy} at frame ${c.closeFrame}`;
  return 'still open at the end of the capture';
}

function sessionBlock(s: Session, r: AnalysisResult, conns: Map<number, Connection>, st: Styler): string {
  const control = conns.get(s.control);
  const frames = control ? `, frames ${control.firstFrame}–${control.lastFrame}` : '';
  const lines = [
    `${st.paint('bold', `Session ${s.id}`)}: client ${endpoint(s.client.addr, s.client.port)} → server ${endpoint(s.server.addr, s.server.port)} (connection ${s.control}${frames})`,
  ];
  const who: string[] = [];
  who.push(s.user !== null ? `user ${w(s.user)}` : 'no USER seen');
  if (s.password !== null) who.push(`password ${r.showPasswords ? w(s.password) : REDACTED}`);
  who.push(s.loggedIn ? 'logged in' : 'not logged in');
  if (s.startedMidSession) who.push('capture began mid-session');
  lines.push(`    ${who.join(', ')}`);
  if (s.greeting) lines.push(`    greeting: ${s.greeting.valid ? s.greeting.code : '(invalid)'} ${w(firstLine(s.greeting.text))}`);
  const tail = [plural(s.commands.length, 'command'), plural(s.transfers.length, 'transfer')];
  if (s.tls.encryptedFromFrame !== null) tail.push(`TLS from frame ${s.tls.encryptedFromFrame}`);
  const close = closeText(control);
  lines.push(`    ${tail.join(', ')}${close ? '; ' + close : ''}`);
  return lines.join('\n');
}

function firstLine(text: string): string {
  const i = text.indexOf('\n');
  return i < 0 ? text : `${text.slice(0, i)} …`;
}

const MAX_ARG = 40;

function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function outcomeStyle(t: Transfer, st: Styler): string {
  const o = t.outcome;
  return o === 'complete' ? st.paint('green', o) : o === 'unknown' ? o : st.paint('red', o);
}

function transferTable(r: AnalysisResult, st: Styler): string {
  const table = new Table({
    head: ['#', 'Command', 'Argument', 'Mode', 'Bytes', 'Acked', 'Announced', 'Replies', 'Outcome'],
    colAligns: ['right', 'left', 'left', 'left', 'right', 'right', 'right', 'left', 'left'],
    style: tableStyle(st.color),
    // no rule between rows: a capture with 700 transfers stays 700 lines
    chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' },
  });
  for (const t of r.transfers) {
    table.push([
      String(t.id),
      t.command,
      clip(w(t.argument), MAX_ARG),
      t.mode ?? '–',
      // no data connection in the capture: its byte counts are unknown ('n/c'), not zero; a
      // transfer refused before any data connection has none to show ('–')
      noData(t) ?? String(t.bytes),
      noData(t) ?? String(t.bytesAcked),
      t.announcedBytes === null ? '–' : String(t.announcedBytes),
      t.replyCodes.join(' ') || '–',
      outcomeStyle(t, st),
    ]);
  }
  return table.toString();
}

/** `explained`: ids whose explanation was already printed; a second instance shows only its
 *  own summary (the why and what-to-do are the rule's, the same for every instance). */
/** What the byte columns show for a transfer without a data connection in the capture. */
function noData(t: Transfer): 'n/c' | '–' | null {
  if (t.dataConnection !== null) return null;
  return t.outcome === 'failed' ? '–' : 'n/c';
}

function findingBlock(f: Finding, st: Styler, width: number, explained = new Set<string>()): string {
  const head = `  ${st.severity(f.severity, f.severity.toUpperCase())} ${st.paint('bold', f.id)} — ${w(f.title)}`;
  const frames = f.frames.length ? st.paint('dim', `  [${f.frames.length === 1 ? 'frame' : 'frames'} ${formatFrames(f.frames)}]`) : '';
  const lines = [head + frames, wrap(w(f.summary), width, '      ', '    ')];
  if (f.severity !== 'info' && !explained.has(`${f.id}|${f.explanation}`)) {
    explained.add(`${f.id}|${f.explanation}`);
    if (f.explanation) lines.push(wrap(`Why: ${w(f.explanation)}`, width, '      ', '    '));
    if (f.causes && f.causes.length) lines.push(wrap(`Likely causes: ${f.causes.map(w).join('; ')}`, width, '      ', '    '));
    if (f.action) lines.push(wrap(`What to do: ${w(f.action)}`, width, '      ', '    '));
    if (f.references.length) lines.push(wrap(`See: ${f.references.map(w).join(', ')}`, width, '      ', '    '));
  }
  return lines.join('\n');
}

/** Info findings about connections that are neither FTP control nor data connections
 *  (background traffic in the capture): one line per rule instead of one block per connection. */
function backgroundLines(group: Finding[], ftpConnections: Set<number>, st: Styler, width: number): { rest: Finding[]; lines: string[] } {
  const background = group.filter((f) => f.connection !== null && f.session === null && f.transfer === null && !ftpConnections.has(f.connection));
  if (background.length < 2) return { rest: group, lines: [] };
  const byId = new Map<string, Finding[]>();
  for (const f of background) byId.set(f.id, [...(byId.get(f.id) ?? []), f]);
  const lines = [`  ${st.paint('bold', 'Other TCP connections')} (not FTP; details with --json):`];
  for (const [id, fs] of byId) {
    const conns = [...new Set(fs.map((f) => f.connection!))];
    lines.push(wrap(`${id} ×${fs.length} — ${w(fs[0]!.title)} (${conns.length === 1 ? 'connection' : 'connections'} ${formatFrames(conns)})`, width, '      ', '    '));
  }
  return { rest: group.filter((f) => !background.includes(f)), lines };
}

/** A finding that repeats for every transfer or session (687 transfers whose data connections a
 *  `port 21` filter left out, 30 failed logins of a brute force) is shown in full this many times,
 *  then folded into one line, so that the rest of the report stays readable. */
const SHOWN_PER_ID = 2;

/** Findings in order, where the repeats of an id beyond SHOWN_PER_ID become one group (array). */
function foldRepeats(findings: readonly Finding[]): Array<Finding | Finding[]> {
  const count = new Map<string, number>();
  for (const f of findings) count.set(f.id, (count.get(f.id) ?? 0) + 1);
  const out: Array<Finding | Finding[]> = [];
  const folded = new Map<string, Finding[]>();
  const shown = new Map<string, number>();
  for (const f of findings) {
    const n = shown.get(f.id) ?? 0;
    if (n < SHOWN_PER_ID || count.get(f.id)! <= SHOWN_PER_ID + 1) {
      shown.set(f.id, n + 1);
      out.push(f);
      continue;
    }
    let group = folded.get(f.id);
    if (!group) {
      group = [];
      folded.set(f.id, group);
      out.push(group);
    }
    group.push(f);
  }
  return out;
}

function foldedLine(group: readonly Finding[], st: Styler, width: number): string {
  const f = group[0]!;
  const subjects = (key: 'transfer' | 'session' | 'connection', noun: string) => {
    const ids = [...new Set(group.map((g) => g[key]).filter((x): x is number => x !== null))];
    return ids.length ? `${ids.length === 1 ? noun : `${noun}s`} ${formatFrames(ids)}` : '';
  };
  const about = subjects('transfer', 'transfer') || subjects('session', 'session') || subjects('connection', 'connection');
  const frames = group.map((g) => g.frames[0]).filter((x): x is number => x !== undefined);
  return wrap(
    `… and ${group.length} more ${st.paint('bold', f.id)} like these${about ? ` (${about}` : ' ('}${about ? '; ' : ''}first ${frames.length === 1 ? 'frame' : 'frames'} ${formatFrames(frames)}); all of them with --json`,
    width,
    '      ',
    '    ',
  );
}

function findingsSection(r: AnalysisResult, st: Styler, width: number): string {
  if (r.findings.length === 0) return `${st.paint('bold', 'Findings')}: none`;
  const n = severityCounts(r.findings);
  const out = [`${st.paint('bold', 'Findings')}: ${plural(n.error, 'error')}, ${plural(n.warning, 'warning')}, ${n.info} info`];
  const ftpConnections = new Set<number>(r.sessions.map((s) => s.control));
  for (const t of r.transfers) if (t.dataConnection !== null) ftpConnections.add(t.dataConnection);
  for (const sev of ['error', 'warning', 'info'] as const) {
    const group = r.findings.filter((f) => f.severity === sev);
    if (group.length === 0) continue;
    out.push('');
    out.push(st.severity(sev, `${sev === 'error' ? 'Errors' : sev === 'warning' ? 'Warnings' : 'Info'} (${group.length})`));
    const { rest, lines } = sev === 'info' ? backgroundLines(group, ftpConnections, st, width) : { rest: group, lines: [] };
    const explained = new Set<string>();
    for (const item of foldRepeats(rest)) out.push(Array.isArray(item) ? foldedLine(item, st, width) : findingBlock(item, st, width, explained));
    out.push(...lines);
  }
  return out.join('\n');
}

function replyCodesSection(r: AnalysisResult, st: Styler): string {
  const seen = replyCodesSeen(r.sessions);
  if (seen.length === 0) return '';
  const lines = [st.paint('bold', 'Reply codes seen')];
  for (const e of seen) {
    const code = e.code === 0 ? '???' : String(e.code);
    const frames = st.paint('dim', `${e.count === 1 ? 'frame' : 'frames'} ${formatFrames(e.frames)}`);
    lines.push(`  ${code}  ×${String(e.count).padEnd(4)} ${w(e.meaning)} (${e.className})  ${frames}`);
  }
  return lines.join('\n');
}

export function renderText(r: AnalysisResult, opts: TextReportOptions): string {
  const st = new Styler(opts.color);
  const width = Math.max(40, opts.width ?? 100);
  const parts: string[] = [summaryLine(r, st)];
  if (opts.error) parts.push(st.severity('error', `capture error: ${w(opts.error)} (report covers the frames before it)`));
  if (r.capture.warnings.length) parts.push(r.capture.warnings.map((x) => `  warning: offset ${x.offset}: ${w(x.message)}`).join('\n'));
  const conns = new Map(r.connections.map((c) => [c.id, c]));
  if (r.sessions.length) {
    parts.push([st.paint('bold', 'FTP sessions'), ...r.sessions.map((s) => sessionBlock(s, r, conns, st))].join('\n'));
  }
  if (r.transfers.length) {
    const legend = r.transfers.some((t) => noData(t) === 'n/c') ? `\n${st.paint('dim', 'n/c: the data connection is not in the capture')}` : '';
    parts.push(`${st.paint('bold', 'Transfers')}\n${transferTable(r, st)}${legend}`);
  }
  parts.push(findingsSection(r, st, width));
  const codes = replyCodesSection(r, st);
  if (codes) parts.push(codes);
  return parts.join('\n\n') + '\n';
}

/** A command line as a report shows it: PASS argument redacted unless asked otherwise. */
export function commandText(verb: string, arg: string, showPasswords: boolean): string {
  const a = displayArg({ verb, arg }, showPasswords);
  return w(a === '' ? verb : `${verb} ${a}`);
}

