// The pieces of the human report, each made from one object (a session, a transfer, a finding)
// or from small aggregates, so that the report can be put together from a whole-capture result
// or from a streaming analysis' released units alike (text.ts).
// Every string that came off the wire goes through escapeWire (via `w`) before it is printed.

import { linkTypeName, type CaptureSummary } from '../capture/frame.ts';
import type { Finding, Severity } from '../diagnose/finding.ts';
import { displayArg, endpointText, REDACTED } from '../diagnose/facts.ts';
import { formatFrameList, formatFrames, type FrameList } from '../diagnose/cel-env.ts';
import { clipProse } from '../diagnose/template.ts';
import type { Session, Transfer } from '../ftp/types.ts';
import type { Connection } from '../tcp/types.ts';
import type { EncapsulationCount } from '../decode/counters.ts';
import { escapeWire } from './escape.ts';
import type { ReplyCodeSeen } from './reply-summary.ts';
import type { Styler } from './style.ts';

export const w = escapeWire;
export const plural = (n: number, word: string, many = word + 's') => `${n} ${n === 1 ? word : many}`;

/** endpointText (addr:port, an IPv6 address in brackets), escaped for the terminal. */
export function endpoint(addr: string, port: number): string {
  return w(endpointText(addr, port));
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

/** What the summary line counts. */
export interface ReportTotals {
  connections: number;
  sessions: number;
  transfers: number;
  severities: Record<Severity, number>;
}

export function summaryLine(c: CaptureSummary, n: ReportTotals, st: Styler): string {
  const links = c.linkTypes.map((lt) => linkTypeName[lt] ?? `LINKTYPE_${lt}`).join('/');
  const fmt = `${c.format}${c.compressed ? '.gz' : ''}${links ? ', ' + links : ''}`;
  const s = n.severities;
  const verdict = [
    s.error ? st.severity('error', plural(s.error, 'error')) : '0 errors',
    s.warning ? st.severity('warning', plural(s.warning, 'warning')) : '0 warnings',
    `${s.info} info`,
  ].join(', ');
  return (
    `${st.paint('bold', w(c.file))}: ${fmt}, ${plural(c.frames, 'frame')}` +
    `${c.truncated ? ' (cut short)' : ''} — ${plural(n.connections, 'TCP connection')}, ` +
    `${plural(n.sessions, 'FTP session')}, ${plural(n.transfers, 'transfer')} — ${verdict}`
  );
}

/** What the frames were wrapped in, for the report's header: 'VXLAN 812 frames, GRE 3 frames
 *  (1 malformed, 1 cut short)'; '' when nothing was. */
export function encapsulationsText(list: readonly EncapsulationCount[]): string {
  return list
    .map((e) => {
      const faults = [e.malformed ? `${e.malformed} malformed` : '', e.truncated ? `${e.truncated} cut short` : ''].filter((x) => x !== '');
      return `${e.name} ${plural(e.frames, 'frame')}${faults.length ? ` (${faults.join(', ')})` : ''}`;
    })
    .join(', ');
}

/** The header line under the summary naming the encapsulations, '' for a capture without any. */
export function encapsulationsLine(list: readonly EncapsulationCount[]): string {
  if (list.length === 0) return '';
  return `  encapsulations: ${encapsulationsText(list)} — inner packets analysed as if captured on the host`;
}

/** Under the summary line of a capture read from several files: what was merged, and the
 *  mergecap command whose output has the same frame numbers. */
export function mergedLine(c: CaptureSummary): string | null {
  const m = c.merged;
  if (!m) return null;
  const files = m.files.map((f) => `${w(f.file)} (${plural(f.frames, 'frame')})`).join(', ');
  return `  merged by time from ${plural(m.files.length, 'file')}: ${files}; frame numbers are those of \`${w(m.command)}\``;
}

const loginText: Record<Session['loginState'], string> = {
  'logged-in': 'logged in',
  failed: 'login failed',
  'not-logged-in': 'not logged in',
  unknown: 'login state unknown (began before the capture)',
};

function closeText(c: Connection | undefined): string {
  if (!c) return '';
  if (c.closeKind && c.closedBy) return `ended by ${c.closeKind.toUpperCase()} from the ${c.closedBy} at frame ${c.closeFrame}`;
  return 'still open at the end of the capture';
}

/** A session's block; `control` is its control connection when the capture has it. */
export function sessionBlock(s: Session, control: Connection | undefined, showPasswords: boolean, st: Styler, tlsLines: readonly string[] = []): string {
  const frames = control ? `, frames ${control.firstFrame}–${control.lastFrame}` : '';
  const lines = [
    `${st.paint('bold', `Session ${s.id}`)}: client ${endpoint(s.client.addr, s.client.port)} → server ${endpoint(s.server.addr, s.server.port)} (connection ${s.control}${frames})`,
  ];
  const who: string[] = [];
  who.push(s.user !== null ? `user ${w(clipProse(s.user))}` : 'no USER seen');
  if (s.password !== null) who.push(`password ${showPasswords ? w(clipProse(s.password)) : REDACTED}`);
  who.push(s.loginState === 'unknown' && !s.startedMidSession && s.tls.encryptedFromFrame !== null ? 'login state unknown (inside TLS)' : loginText[s.loginState]);
  if (s.startedMidSession && s.loginState !== 'unknown') who.push('capture began mid-session');
  lines.push(`    ${who.join(', ')}`);
  if (s.greeting) lines.push(`    greeting: ${s.greeting.valid ? s.greeting.code : '(invalid)'} ${w(clipProse(firstLine(s.greeting.text)))}`);
  // past the per-session cap commands are counted, not kept: say how many there were
  const commands = s.commandsDropped > 0 ? `${plural(s.commands.length + s.commandsDropped, 'command')} (the first ${s.commands.length} kept)` : plural(s.commands.length, 'command');
  const tail = [commands, plural(s.transfers.length, 'transfer')];
  if (s.tls.encryptedFromFrame !== null) tail.push(`TLS from frame ${s.tls.encryptedFromFrame}`);
  const close = closeText(control);
  lines.push(`    ${tail.join(', ')}${close ? '; ' + close : ''}`);
  lines.push(...tlsLines); // FTPS: one line per TLS connection (tls-lines.ts)
  return lines.join('\n');
}

function firstLine(text: string): string {
  const i = text.indexOf('\n');
  return i < 0 ? text : `${text.slice(0, i)} …`;
}

const MAX_ARG = 40;

/** `s` cut to `n` characters (UTF-16 units), the last one an ellipsis when cut. */
export function clip(s: string, n: number): string {
  return s.length > n ? s.slice(0, n - 1) + '…' : s;
}

function outcomeStyle(t: Transfer, st: Styler): string {
  const o = t.outcome;
  return o === 'complete' ? st.paint('green', o) : o === 'unknown' ? o : st.paint('red', o);
}

export const TRANSFER_HEAD = ['#', 'Command', 'Argument', 'Mode', 'Bytes', 'Acked', 'Announced', 'Replies', 'Outcome'];
export const TRANSFER_ALIGNS = ['right', 'left', 'left', 'left', 'right', 'right', 'right', 'left', 'left'] as const;

/** A transfer's reply codes as one string: '150 226'; '???' for a line that was not a valid reply. */
export function replyCodeList(codes: readonly number[]): string {
  return codes.map((c) => (c === 0 ? '???' : String(c))).join(' ');
}

/** A transfer's row of the transfer table. */
export function transferRow(t: Transfer, st: Styler): string[] {
  return [
    String(t.id),
    t.command,
    clip(w(t.argument), MAX_ARG),
    t.mode ?? '–',
    // no data connection in the capture: its byte counts are unknown ('n/c'), not zero; a
    // transfer refused before any data connection has none to show ('–')
    noData(t) ?? String(t.bytes),
    noData(t) ?? String(t.bytesAcked),
    t.announcedBytes === null ? '–' : String(t.announcedBytes),
    replyCodeList(t.replyCodes) || '–',
    outcomeStyle(t, st),
  ];
}

/** What the byte columns show when they hold no count of file bytes (Transfer.bytesStatus):
 *  'n/c' the data connection is not in the capture, '–' none was opened, 'TLS' encrypted. */
export function noData(t: Transfer): 'n/c' | '–' | 'TLS' | null {
  switch (t.bytesStatus) {
    case 'not-captured':
      return 'n/c';
    case 'not-opened':
      return '–';
    case 'encrypted':
      return 'TLS';
    default:
      return null;
  }
}

/** A finding's first lines: severity, id, title, frames, and its own summary. */
export function findingHead(f: ShownFinding, st: Styler, width: number): string {
  const head = `  ${st.severity(f.severity, f.severity.toUpperCase())} ${st.paint('bold', f.id)} — ${w(f.title)}`;
  const frames = f.frameCount ? st.paint('dim', `  [${f.frameCount === 1 ? 'frame' : 'frames'} ${formatFrameList(f.frames, f.frameCount)}]`) : '';
  return `${head}${frames}\n${wrap(w(f.summary), width, '      ', '    ')}`;
}

/** What a finding shown in full needs: the finding, with its frames known by the first
 *  MAX_LISTED_FRAMES and their count (formatFrameList). */
export type ShownFinding = Omit<Finding, 'frames'> & { frames: readonly number[]; frameCount: number };

/** The rule's why, likely causes, what to do and references; printed once per rule and
 *  explanation in a severity group (they are the rule's, the same for every instance). */
export function findingExplanation(f: ShownFinding, width: number): string {
  const lines: string[] = [];
  if (f.explanation) lines.push(wrap(`Why: ${w(f.explanation)}`, width, '      ', '    '));
  if (f.causes && f.causes.length) lines.push(wrap(`Likely causes: ${f.causes.map(w).join('; ')}`, width, '      ', '    '));
  if (f.action) lines.push(wrap(`What to do: ${w(f.action)}`, width, '      ', '    '));
  if (f.references.length) lines.push(wrap(`See: ${f.references.map(w).join(', ')}`, width, '      ', '    '));
  return lines.join('\n');
}

/** The instances of one rule folded into a line: how many, which subjects, their first frames. */
export interface FoldedGroup {
  count: number;
  transfers: FrameList; //   distinct ids, in order
  sessions: FrameList;
  connections: FrameList;
  frames: FrameList; //      first frame of each instance that has one
}

export function foldedLine(id: string, g: FoldedGroup, st: Styler, width: number): string {
  const subjects = (ids: FrameList, noun: string) => (ids.count ? `${ids.count === 1 ? noun : `${noun}s`} ${ids}` : '');
  const about = subjects(g.transfers, 'transfer') || subjects(g.sessions, 'session') || subjects(g.connections, 'connection');
  return wrap(
    `… and ${g.count} more ${st.paint('bold', id)} like these${about ? ` (${about}` : ' ('}${about ? '; ' : ''}first ${g.frames.count === 1 ? 'frame' : 'frames'} ${g.frames}); all of them with --json`,
    width,
    '      ',
    '    ',
  );
}

/** The info findings of one rule about connections that are neither FTP control nor data
 *  connections (background traffic), as one line. */
export interface BackgroundGroup {
  count: number;
  title: string; //          escaped, of the first instance
  connections: FrameList; // distinct ids, in order
}

export function backgroundHeading(st: Styler): string {
  return `  ${st.paint('bold', 'Other TCP connections')} (not FTP; details with --json):`;
}

export function backgroundLine(id: string, g: BackgroundGroup, width: number): string {
  return wrap(`${id} ×${g.count} — ${g.title} (${g.connections.count === 1 ? 'connection' : 'connections'} ${g.connections})`, width, '      ', '    ');
}

export function replyCodesSection(seen: readonly ReplyCodeSeen[], st: Styler): string {
  if (seen.length === 0) return '';
  const lines = [st.paint('bold', 'Reply codes seen')];
  for (const e of seen) {
    const code = e.code === 0 ? '???' : String(e.code);
    const frames = st.paint('dim', `${e.count === 1 ? 'frame' : 'frames'} ${formatFrames(e.frames)}`);
    lines.push(`  ${code}  ×${String(e.count).padEnd(4)} ${w(e.meaning)} (${e.className})  ${frames}`);
  }
  return lines.join('\n');
}

/** A command line as a report shows it: PASS argument redacted unless asked otherwise. */
export function commandText(verb: string, arg: string, showPasswords: boolean): string {
  const a = displayArg({ verb, arg }, showPasswords);
  return w(a === '' ? verb : `${verb} ${a}`);
}
