// The pieces of the human report, each made from one object (a session, a transfer, a finding)
// or from small aggregates, so that the report can be put together from a whole-capture result
// or from a streaming analysis' released units alike (text.ts).
// Every string that came off the wire goes through escapeWire (via `w`) before it is printed.

import type { CaptureSummary } from '../capture/frame.ts';
import { linkTypeText } from '../format/link-types.ts';
import type { Finding, Severity } from '../diagnose/finding.ts';
import { endpointText } from '../format/endpoint.ts';
import { formatFrameList, formatFrames, type FrameList } from '../format/frames.ts';
import { clip, clipProse, plural, wrap } from '../format/words.ts';
import type { Transfer } from '../ftp/types.ts';
import { byteText, closeText, repliesText, type SessionView, type TransferView } from '../view/unit.ts';
import type { EncapsulationCount } from '../decode/counters.ts';
import { escapeWire } from './escape.ts';
import type { ReplyCodeSeen } from '../view/reply-codes.ts';
import type { Styler } from './style.ts';

export const w = escapeWire;
/** endpointText (addr:port, an IPv6 address in brackets), escaped for the terminal. */
export function endpoint(addr: string, port: number): string {
  return w(endpointText(addr, port));
}

/** What the summary line counts. */
export interface ReportTotals {
  connections: number;
  sessions: number;
  transfers: number;
  severities: Record<Severity, number>;
}

export function summaryLine(c: CaptureSummary, n: ReportTotals, st: Styler): string {
  const links = c.linkTypes.map(linkTypeText).join('/');
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

/** A session's block, its prose wrapped at `width`. */
export function sessionBlock(v: SessionView, st: Styler, width: number): string {
  const s = v.s;
  const control = v.control;
  const frames = control ? `, frames ${control.c.firstFrame}–${control.c.lastFrame}` : '';
  const lines = [
    `${st.paint('bold', `Session ${s.id}`)}: client ${endpoint(s.client.addr, s.client.port)} → server ${endpoint(s.server.addr, s.server.port)} (connection ${s.control}${frames})`,
  ];
  const who: string[] = [];
  who.push(s.user !== null ? `user ${w(clipProse(s.user))}` : 'no USER seen');
  if (v.password !== null) who.push(`password ${w(clipProse(v.password))}`);
  who.push(v.login);
  if (s.startedMidSession && s.loginState !== 'unknown') who.push('capture began mid-session');
  lines.push(`    ${who.join(', ')}`);
  if (s.greeting) lines.push(`    greeting: ${s.greeting.valid ? s.greeting.code : '(invalid)'} ${w(clipProse(firstLine(s.greeting.text)))}`);
  // past the per-session cap commands are counted, not kept: say how many there were
  const commands = s.commandsDropped > 0 ? `${plural(s.commands.length + s.commandsDropped, 'command')} (the first ${s.commands.length} kept)` : plural(s.commands.length, 'command');
  const tail = [commands, plural(s.transfers.length, 'transfer')];
  if (s.tls.encryptedFromFrame !== null) tail.push(`TLS from frame ${s.tls.encryptedFromFrame}`);
  lines.push(`    ${tail.join(', ')}${control ? '; ' + closeText(control) : ''}`);
  for (const l of v.tls) lines.push(wrap(w(l), width, '        ', '    ')); // FTPS: one line per TLS connection
  return lines.join('\n');
}

function firstLine(text: string): string {
  const i = text.indexOf('\n');
  return i < 0 ? text : `${text.slice(0, i)} …`;
}

function outcomeStyle(t: Transfer, st: Styler): string {
  const o = t.outcome;
  return o === 'complete' ? st.paint('green', o) : o === 'unknown' ? o : st.paint('red', o);
}

export const TRANSFER_HEAD = ['#', 'Command', 'Argument', 'Mode', 'Bytes', 'Acked', 'Announced', 'Replies', 'Outcome'];
export const TRANSFER_ALIGNS = ['right', 'left', 'left', 'left', 'right', 'right', 'right', 'left', 'left'] as const;

const MAX_ARG = 40;

/** A transfer's row of the transfer table. */
export function transferRow(v: TransferView, st: Styler): string[] {
  const t = v.t;
  return [
    String(t.id),
    t.command,
    clip(w(t.argument), MAX_ARG),
    t.mode ?? '–',
    byteText(v.bytes),
    byteText(v.bytesAcked),
    t.announcedBytes === null ? '–' : String(t.announcedBytes),
    repliesText(t),
    outcomeStyle(t, st),
  ];
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
