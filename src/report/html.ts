// The HTML report: one self-contained file (inline CSS and SVG; no script, font, image or
// stylesheet fetched: a Content-Security-Policy forbids it too) with an overview, the findings
// (explanation, what to do, and a ladder of the packets around each one's frames), the sessions,
// the transfer table, a time-sequence graph per data connection and the reply codes seen.
// Every string that came off the wire goes through wireHtml (control characters escaped, then
// markup), so a file named `<script>` or ESC[2J is shown, never run or obeyed.

import { linkTypeText } from '../format/link-types.ts';
import type { Finding, Severity } from '../diagnose/finding.ts';
import { endpointText } from '../format/endpoint.ts';
import type { FtpReply, Session, Transfer } from '../ftp/types.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import type { Connection } from '../tcp/types.ts';
import { escapeHtml, wireHtml } from './html-escape.ts';
import { groupDigits, rateText, sizeText } from '../format/numbers.ts';
import { plural } from '../format/words.ts';
import { replyCodesSeen } from '../view/reply-codes.ts';
import { severityCounts } from '../view/unit.ts';
import { encapsulationsText } from './text-blocks.ts';
import { BYTE_MARKS, byteText, closeText, repliesText } from '../view/unit.ts';
import type { ResultView } from '../view/result.ts';

type PageView = ResultView;

/** A finding's drawing: the ladder SVG, or why there is none. */
export type FindingDrawing = { svg: string; caption: string } | { note: string };

export interface TimeSeqDrawing {
  conn: number;
  transfer: number | null;
  title: string; //   raw
  svg: string;
  caption: string; // raw
}

export interface HtmlDrawings {
  findings: ReadonlyMap<Finding, FindingDrawing>;
  timeSequence: readonly TimeSeqDrawing[];
  note: string | null; // why some drawings are missing (standard input, too many…); raw
}

export interface HtmlReportOptions {
  error?: string | null; // a capture fault (one line), shown at the top
  version?: string;
}

const h = wireHtml;
const e = escapeHtml;
const grouped = (n: number, word: string) => plural(n, word, undefined, true);

const CSS = `
:root{--fg:#1d2329;--muted:#5c6670;--line:#dde2e7;--bg:#f6f7f9;--card:#fff;--err:#c92a2a;--warn:#b35900;--info:#1c7ed6;--ok:#2b8a3e;
--mono:ui-monospace,"DejaVu Sans Mono","Liberation Mono",Menlo,Consolas,monospace}
*{box-sizing:border-box}
body{margin:0;background:var(--bg);color:var(--fg);font:15px/1.5 system-ui,-apple-system,"Segoe UI","DejaVu Sans","Liberation Sans",sans-serif}
header.top{background:#20303f;color:#fff;padding:18px 32px}
header.top h1{margin:0;font-size:22px;font-weight:600}
header.top .file{font-family:var(--mono);font-size:14px;opacity:.85;word-break:break-all}
nav{background:#2c3e50;padding:6px 32px}
nav a{color:#dbe4ee;margin-right:18px;text-decoration:none;font-size:14px}
nav a:hover{text-decoration:underline}
main{max-width:1180px;margin:0 auto;padding:8px 32px 40px}
section{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:8px 24px 18px;margin:20px 0}
h2{font-size:19px;margin:14px 0 10px;border-bottom:1px solid var(--line);padding-bottom:6px}
h3{font-size:16px;margin:4px 0 6px}
code,.mono,td.mono{font-family:var(--mono);font-size:13px}
.verdict{display:flex;gap:10px;flex-wrap:wrap;margin:10px 0 4px}
.pill{display:inline-block;border-radius:999px;padding:2px 12px;font-size:13px;font-weight:600;border:1px solid var(--line);background:#f1f3f5;color:var(--muted)}
.pill.error{background:var(--err);color:#fff;border-color:var(--err)}
.pill.warning{background:var(--warn);color:#fff;border-color:var(--warn)}
.pill.info{background:var(--info);color:#fff;border-color:var(--info)}
.pill.clean{background:var(--ok);color:#fff;border-color:var(--ok)}
dl.facts{display:grid;grid-template-columns:max-content 1fr;gap:3px 18px;margin:8px 0}
dl.facts dt{color:var(--muted)}
dl.facts dd{margin:0}
.alert{border-left:4px solid var(--err);background:#fff0f0;padding:6px 12px;margin:8px 0}
.note{color:var(--muted);font-size:14px}
article.finding{border:1px solid var(--line);border-left:6px solid var(--info);border-radius:6px;padding:10px 16px;margin:14px 0;background:#fff}
article.finding.error{border-left-color:var(--err)}
article.finding.warning{border-left-color:var(--warn)}
.badge{display:inline-block;font-size:12px;font-weight:700;letter-spacing:.04em;color:#fff;border-radius:4px;padding:1px 7px;margin-right:8px;vertical-align:2px}
.badge.error{background:var(--err)}.badge.warning{background:var(--warn)}.badge.info{background:var(--info)}
.fid{font-family:var(--mono);font-size:14px;color:var(--muted);margin-right:6px}
.summary{margin:4px 0 8px;font-weight:500}
dl.expl{display:grid;grid-template-columns:max-content 1fr;gap:4px 14px;margin:6px 0 10px}
dl.expl dt{font-weight:600;color:var(--muted)}
dl.expl dd{margin:0}
dl.expl ul{margin:0;padding-left:18px}
figure{margin:10px 0 4px;overflow-x:auto}
figure svg{display:block;max-width:100%;height:auto}
figcaption{font-size:13px;color:var(--muted);margin-top:4px}
table{border-collapse:collapse;width:100%;font-size:14px;margin:8px 0}
th,td{border-bottom:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f1f3f5;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
.outcome{font-weight:600}.outcome.complete{color:var(--ok)}.outcome.bad{color:var(--err)}
details{margin:6px 0}
summary{cursor:pointer;color:#1864ab}
.ladder text{font-family:var(--mono);font-size:11px;fill:#343a40}
.ladder text.host{font-family:system-ui,"DejaVu Sans",sans-serif;font-size:13px;font-weight:700;fill:#20303f}
.ladder text.lh{fill:#868e96}
.ladder text.ftp{font-size:12px;font-weight:700;fill:#0b3d91}
.ladder text.gap{font-style:italic;fill:#868e96}
.ladder text.mk{fill:#fff;font-weight:700}
.ladder text.tag{fill:#868e96;font-weight:700}
.tsg text{font-family:system-ui,"DejaVu Sans",sans-serif;font-size:11px;fill:#495057}
.tsg text.rstl{font-weight:700}
footer{color:var(--muted);font-size:13px;text-align:center;margin:20px}
`;

function sevPill(sev: Severity, n: number): string {
  const word = sev === 'info' ? 'info' : sev === 'error' ? (n === 1 ? 'error' : 'errors') : n === 1 ? 'warning' : 'warnings';
  return `<span class="pill${n ? ' ' + sev : ''}">${groupDigits(n)} ${word}</span>`;
}

function utc(t: number): string {
  return Number.isFinite(t) && t > 0 ? new Date(t * 1000).toISOString().replace('T', ' ').replace(/\.\d+Z$/, ' UTC') : '–';
}

function overview(r: AnalysisResult, opts: HtmlReportOptions): string {
  const c = r.capture;
  const n = severityCounts(r.findings);
  const links = c.linkTypes.map(linkTypeText).join(', ') || '–';
  // a loop: Math.min(...spread) throws RangeError past ~150k connections
  let first = r.connections.length ? Infinity : NaN;
  let last = r.connections.length ? -Infinity : NaN;
  for (const x of r.connections) {
    first = Math.min(first, x.startTime);
    last = Math.max(last, x.endTime);
  }
  const verdict = r.findings.length === 0 ? '<span class="pill clean">no findings</span>' : `${sevPill('error', n.error)}${sevPill('warning', n.warning)}${sevPill('info', n.info)}`;
  const d = c.decode;
  const decodeBits = [`${groupDigits(d.tcp)} TCP`];
  if (d.notIp) decodeBits.push(`${groupDigits(d.notIp)} not IP`);
  if (d.notTcp) decodeBits.push(`${groupDigits(d.notTcp)} not TCP`);
  if (d.fragments) decodeBits.push(`${groupDigits(d.fragments)} IP fragments`);
  if (d.malformed) decodeBits.push(`${groupDigits(d.malformed)} malformed${d.firstMalformed ? ` (first: frame ${d.firstMalformed.frame}, ${h(d.firstMalformed.reason)})` : ''}`);
  if (d.truncated) decodeBits.push(`${groupDigits(d.truncated)} cut by the snap length`);
  const rows: Array<[string, string]> = [
    ['Capture', `<code>${h(c.file)}</code>`],
    ['Format', `${e(c.format)}${c.compressed ? ' (gzip)' : ''}, ${e(links)}`],
    ['Frames', `${groupDigits(c.frames)}${c.truncated ? ' (the file ends inside a record: cut short)' : ''}; ${sizeText(c.bytes)}`],
    ['Decoded', decodeBits.join(', ')],
    ...(d.encapsulations.length ? [['Encapsulations', `${h(encapsulationsText(d.encapsulations))}; inner packets analysed as if captured on the host`] as [string, string]] : []),
    ['TCP traffic', Number.isFinite(first) ? `${utc(first)} to ${utc(last)} (${(last - first).toFixed(3)} s)` : 'none'],
    ['Seen', `${grouped(r.connections.length, 'TCP connection')}, ${grouped(r.sessions.length, 'FTP session')}, ${grouped(r.transfers.length, 'transfer')}`],
  ];
  if (c.merged) {
    const files = c.merged.files.map((f) => `<code>${h(f.file)}</code> (${grouped(f.frames, 'frame')})`).join(', ');
    rows.splice(1, 0, ['Merged', `by time from ${files}; frame numbers are those of <code>${h(c.merged.command)}</code>`]);
  }
  const warnings = c.warnings.map((w) => `<li>offset ${w.offset}: ${h(w.message)}</li>`).join('');
  return `<section id="overview"><h2>Overview</h2>
<div class="verdict">${verdict}</div>
${opts.error ? `<p class="alert">The capture could not be read to the end: ${h(opts.error)}. The report covers what was read before it.</p>` : ''}
<dl class="facts">${rows.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>
${warnings ? `<p>Capture warnings:</p><ul>${warnings}</ul>` : ''}
</section>`;
}

function subjectText(f: Finding, v: PageView): string {
  const bits: string[] = [];
  if (f.transfer !== null) {
    const t = v.transfers.get(f.transfer);
    bits.push(t ? h(t.label) : `transfer ${f.transfer}`);
  }
  if (f.session !== null) bits.push(`session ${f.session}`);
  if (f.connection !== null) bits.push(`connection ${f.connection}`);
  return bits.join(', ');
}

function findingArticle(f: Finding, i: number, v: PageView, d: HtmlDrawings): string {
  const out: string[] = [];
  out.push(`<article class="finding ${f.severity}" id="finding-${i}" data-id="${e(f.id)}">`);
  out.push(`<h3><span class="badge ${f.severity}">${f.severity.toUpperCase()}</span><span class="fid">${e(f.id)}</span>${h(f.title)}</h3>`);
  out.push(`<p class="summary">${h(f.summary)}</p>`);
  const dl: Array<[string, string]> = [];
  const about = subjectText(f, v);
  if (about) dl.push(['About', about]);
  if (f.frames.length) dl.push([f.frames.length === 1 ? 'Frame' : 'Frames', `<span class="mono">${f.frames.slice(0, 60).join(', ')}${f.frames.length > 60 ? ` … (+${f.frames.length - 60})` : ''}</span>`]);
  if (f.explanation) dl.push(['Why', h(f.explanation)]);
  if (f.causes?.length) dl.push(['Likely causes', `<ul>${f.causes.map((c) => `<li>${h(c)}</li>`).join('')}</ul>`]);
  if (f.action) dl.push(['What to do', h(f.action)]);
  if (f.references.length) dl.push(['See', f.references.map(h).join(', ')]);
  out.push(`<dl class="expl">${dl.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join('')}</dl>`);
  const drawing = d.findings.get(f);
  if (drawing && 'svg' in drawing) out.push(`<figure class="finding-ladder">${drawing.svg}<figcaption>${h(drawing.caption)}</figcaption></figure>`);
  else if (drawing) out.push(`<p class="note">${h(drawing.note)}</p>`);
  out.push('</article>');
  return out.join('\n');
}

function findingsSection(r: AnalysisResult, v: PageView, d: HtmlDrawings): string {
  if (r.findings.length === 0) return `<section id="findings"><h2>Findings</h2><p>None: nothing in this capture matched a rule.</p></section>`;
  const n = severityCounts(r.findings);
  return `<section id="findings"><h2>Findings</h2>
<p class="note">${grouped(n.error, 'error')}, ${grouped(n.warning, 'warning')}, ${groupDigits(n.info)} info. Each ladder shows the packets around the frames a finding cites (shaded), with relative sequence numbers as Wireshark shows them; <code>ftpdiag ladder</code> draws the same in a terminal.</p>
${d.note ? `<p class="note">${h(d.note)}</p>` : ''}
${r.findings.map((f, i) => findingArticle(f, i, v, d)).join('\n')}
</section>`;
}

function replyCell(rep: FtpReply | null): string {
  if (!rep) return '<td></td><td></td>';
  const text = rep.text.split('\n', 1)[0] ?? '';
  return `<td class="mono">${rep.valid ? rep.code : '?'}</td><td class="mono">${h(text)}${rep.lines > 1 ? ` <span class="note">(+${rep.lines - 1} lines)</span>` : ''}</td>`;
}

const MAX_COMMAND_ROWS = 500;

function sessionsSection(v: PageView): string {
  if (v.unit.sessions.length === 0) return `<section id="sessions"><h2>Sessions</h2><p>No FTP control connection was found.</p></section>`;
  const rows = v.unit.sessions.map((sv) => {
    const s = sv.s;
    const pw = sv.password === null ? '–' : `<code>${h(sv.password)}</code>`;
    const tls = s.tls.encryptedFromFrame !== null ? `TLS from frame ${s.tls.encryptedFromFrame}` : s.tls.authFrame !== null ? 'AUTH TLS' : 'clear';
    return `<tr><td class="num">${s.id}</td><td class="mono">${h(endpointText(s.client.addr, s.client.port))}</td><td class="mono">${h(endpointText(s.server.addr, s.server.port))}</td>
<td class="mono">${s.user === null ? '–' : h(s.user)}</td><td>${pw}</td><td>${e(sv.login)}</td>
<td class="mono">${s.greeting ? `${s.greeting.valid ? s.greeting.code : '?'} ${h(s.greeting.text.split('\n', 1)[0] ?? '')}` : s.startedMidSession ? '(capture began mid-session)' : '–'}</td>
<td class="num">${groupDigits(s.commands.length)}</td><td class="num">${groupDigits(s.transfers.length)}</td><td>${tls}</td><td>${sv.control ? e(closeText(sv.control)) : '–'}</td></tr>`;
  });
  const logs = v.unit.sessions.map((sv) => {
    const s = sv.s;
    if (s.commands.length === 0) return '';
    const lines = sv.commands.slice(0, MAX_COMMAND_ROWS).map((c) => `<tr><td class="num">${c.cmd.frame}</td><td class="mono">${h(c.line)}</td>${replyCell(c.cmd.reply)}<td class="num">${c.cmd.reply ? c.cmd.reply.frame : ''}</td></tr>`);
    const more = s.commands.length > MAX_COMMAND_ROWS ? `<p class="note">… and ${groupDigits(s.commands.length - MAX_COMMAND_ROWS)} more commands (all of them with --json).</p>` : '';
    return `<details><summary>Session ${s.id}: commands and replies (${groupDigits(s.commands.length)})</summary>
<table class="commands"><thead><tr><th>Frame</th><th>Command</th><th>Reply</th><th>Text</th><th>Reply frame</th></tr></thead><tbody>${lines.join('')}</tbody></table>${more}</details>`;
  });
  return `<section id="sessions"><h2>Sessions</h2>
<table><thead><tr><th>#</th><th>Client</th><th>Server</th><th>User</th><th>Password</th><th>Login</th><th>Greeting</th><th>Commands</th><th>Transfers</th><th>Control channel</th><th>Control connection</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
${logs.join('\n')}
</section>`;
}

function outcomeCell(t: Transfer): string {
  const cls = t.outcome === 'complete' ? 'complete' : t.outcome === 'unknown' ? '' : 'bad';
  return `<td class="outcome ${cls}">${e(t.outcome)}</td>`;
}

function transfersSection(v: PageView): string {
  if (v.unit.transfers.length === 0) return `<section id="transfers"><h2>Transfers</h2><p>No transfer (RETR, STOR, LIST…) was seen.</p></section>`;
  const rows = v.unit.transfers.map(
    (tv) => {
      const t = tv.t;
      return `<tr><td class="num">${t.id}</td><td class="num">${t.session ?? '–'}</td><td class="mono">${e(t.command)}</td><td class="mono">${h(t.argument)}</td>
<td>${t.mode ?? '–'}</td><td class="num">${t.dataConnection ?? '–'}</td><td class="num">${byteText(tv.bytes, true)}</td><td class="num">${byteText(tv.bytesAcked, true)}</td>
<td class="num">${t.announcedBytes === null ? '–' : groupDigits(t.announcedBytes)}</td><td class="mono">${repliesText(t)}</td>
<td class="num">${t.duration.toFixed(3)} s</td><td class="num">${t.rate === null ? '–' : rateText(t.rate)}</td>${outcomeCell(t)}</tr>`;
    },
  );
  const marks = [...new Set(v.unit.transfers.map((tv) => byteText(tv.bytes)))].filter((m): m is keyof typeof BYTE_MARKS => m in BYTE_MARKS);
  return `<section id="transfers"><h2>Transfers</h2>
<table><thead><tr><th>#</th><th>Session</th><th>Command</th><th>Argument</th><th>Mode</th><th>Data conn.</th><th>Bytes</th><th>Acked</th><th>Announced</th><th>Replies</th><th>Duration</th><th>Rate</th><th>Outcome</th></tr></thead>
<tbody>${rows.join('\n')}</tbody></table>
${marks.map((m) => `<p class="note">${e(BYTE_MARKS[m])}</p>`).join('\n')}
</section>`;
}

function timeSequenceSection(r: AnalysisResult, d: HtmlDrawings): string {
  const dataConns = r.transfers.filter((t) => t.dataConnection !== null).length;
  const intro = `<p class="note">Sequence number of the data sender over time, as tcptrace draws it: each data segment is a vertical bar from its first to its last byte; segments sent again below the highest byte already sent (retransmissions, or reordering before the capture point) are orange; the green line is the receiver's cumulative ACK, the dashed yellow one the right edge of its advertised window; a red dashed line marks an RST.</p>`;
  if (d.timeSequence.length === 0) {
    const why = dataConns === 0 ? 'No data connection was seen.' : d.note ?? 'No graph was drawn.';
    return `<section id="time-sequence"><h2>Data connections</h2><p>${h(why)}</p></section>`;
  }
  const figs = d.timeSequence.map(
    (g) => `<figure class="tsg-figure" id="tsg-${g.conn}"><h3>${h(g.title)}</h3>${g.svg}<figcaption>${h(g.caption)}</figcaption></figure>`,
  );
  const more = dataConns > d.timeSequence.length ? `<p class="note">Graphs for ${d.timeSequence.length} of ${dataConns} data connections.</p>` : '';
  return `<section id="time-sequence"><h2>Data connections</h2>${intro}${more}${figs.join('\n')}</section>`;
}

function repliesSection(r: AnalysisResult): string {
  const codes = replyCodesSeen(r.sessions);
  if (codes.length === 0) return '';
  const rows = codes.map(
    (c) => `<tr><td class="mono">${c.code || '?'}</td><td class="num">${groupDigits(c.count)}</td><td>${e(c.meaning)} <span class="note">(${e(c.className)})</span></td><td class="mono">${c.frames.slice(0, 12).join(', ')}${c.frames.length > 12 ? ' …' : ''}</td></tr>`,
  );
  return `<section id="replies"><h2>Reply codes seen</h2><table><thead><tr><th>Code</th><th>Count</th><th>Meaning</th><th>Frames</th></tr></thead><tbody>${rows.join('')}</tbody></table></section>`;
}

/** The whole page. */
export function renderHtml(v: ResultView, d: HtmlDrawings, opts: HtmlReportOptions = {}): string {
  const r = v.result;
  const file = r.capture.file;
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="ftpdiag${opts.version ? ' ' + e(opts.version) : ''}">
<title>ftpdiag: ${h(file)}</title>
<style>${CSS}</style>
</head>
<body>
<header class="top"><h1>ftpdiag report</h1><div class="file">${h(file)}</div></header>
<nav><a href="#overview">Overview</a><a href="#findings">Findings</a><a href="#sessions">Sessions</a><a href="#transfers">Transfers</a><a href="#time-sequence">Data connections</a><a href="#replies">Reply codes</a></nav>
<main>
${overview(r, opts)}
${findingsSection(r, v, d)}
${sessionsSection(v)}
${transfersSection(v)}
${timeSequenceSection(r, d)}
${repliesSection(r)}
</main>
<footer>Made by ftpdiag${opts.version ? ' ' + e(opts.version) : ''}. Frame numbers are Wireshark's; times are seconds since the capture's first frame. This file is self-contained: it loads nothing and runs no script.</footer>
</body>
</html>
`;
}
