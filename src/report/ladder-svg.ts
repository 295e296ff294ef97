// The packet ladder as inline SVG for the HTML report: two lifelines (FTP client's host on the
// left, FTP server's on the right), one horizontal arrow per segment with its flags and
// relative seq/ack/len above it and the FTP line below, time and frame number on the left,
// finding tags on the right, "…" bands for folded packets. Text only through wireHtml/escapeHtml.

import { TcpFlag } from '../decode/packet.ts';
import type { Severity } from '../diagnose/finding.ts';
import { escapeHtml, wireHtml } from './html-escape.ts';
import type { LadderModel, LadderRow } from './ladder-model.ts';
import { gapText, packetLabel, timeText } from './ladder-text.ts';
import { clip } from '../format/words.ts';

export interface LadderSvgOptions {
  /** Frames to shade (the finding the ladder illustrates). */
  focus?: readonly number[];
  focusSeverity?: Severity;
  /** Accessible name of the drawing. */
  label?: string;
}

const W = 880; //        drawing width, px (the page scales it down on narrow screens)
const TIME_X = 6; //     time column (left-aligned)
const FRAME_X = 108; //  frame column (right edge)
const TAG_X = 122; //    lane tag
const LEFT_X = 160; //   client lifeline
const RIGHT_X = 640; //  server lifeline
const MARK_X = 652; //   finding tags
const TOP = 58; //       first row's baseline area
const ROW_H = 26; //     a packet row
const LINE_H = 15; //    each FTP line under it
const GAP_H = 24; //     a folded run
const MAX_FTP_CHARS = 60; // 12 px bold monospace between the lifelines
const MAX_LABEL_CHARS = 70;

const SEVERITY_COLOR: Readonly<Record<Severity, string>> = { error: '#c92a2a', warning: '#b35900', info: '#1c7ed6' };
const SEVERITY_TINT: Readonly<Record<Severity, string>> = { error: '#fff0f0', warning: '#fff6e5', info: '#eef6ff' };

function arrowColor(r: LadderRow, m: LadderModel): string {
  if (r.flags & TcpFlag.RST) return '#c92a2a';
  if (r.flags & (TcpFlag.SYN | TcpFlag.FIN)) return '#343a40';
  if (m.lanes[r.lane]?.role === 'control') return '#1864ab';
  return r.len > 0 ? '#495057' : '#868e96';
}

/** One ladder as an <svg> element (a string of markup). */
export function renderLadderSvg(m: LadderModel, opts: LadderSvgOptions = {}): string {
  const focus = new Set(opts.focus ?? []);
  const tagged = m.lanes.length > 1;
  // vertical layout first: heights depend on FTP lines
  let y = TOP;
  const placed: Array<{ y: number; h: number }> = [];
  for (const it of m.items) {
    const h = it.kind === 'gap' ? GAP_H : ROW_H + Math.min(it.lines.length, 3) * LINE_H;
    placed.push({ y, h });
    y += h;
  }
  const H = y + 12;
  const parts: string[] = [];
  const label = opts.label ?? m.title;
  parts.push(
    `<svg class="ladder" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${wireHtml(label)}">`,
  );
  parts.push(`<title>${wireHtml(label)}</title>`);
  // header: column titles and host labels
  parts.push(`<text class="lh" x="${TIME_X}" y="52">time (s)</text>`);
  parts.push(`<text class="lh" x="${FRAME_X}" y="52" text-anchor="end">frame</text>`);
  parts.push(`<text class="host" x="${LEFT_X}" y="18" text-anchor="middle">${wireHtml(clip(m.leftLabel, 44))}</text>`);
  parts.push(`<text class="host" x="${RIGHT_X}" y="18" text-anchor="middle">${wireHtml(clip(m.rightLabel, 44))}</text>`);
  if (tagged) {
    // SVG collapses runs of spaces: one <tspan> per lane, spaced with dx
    const legend = m.lanes
      .map((l, i) => `<tspan${i ? ' dx="18"' : ''}>${wireHtml(`${l.tag} = ${l.role} connection ${l.conn} (${l.left} ⇄ ${l.right})`)}</tspan>`)
      .join('');
    parts.push(`<text class="lh" x="${TIME_X}" y="35">${legend}</text>`);
  }
  // shading for focus rows (under everything else)
  m.items.forEach((it, i) => {
    if (it.kind !== 'packet' || !focus.has(it.frame)) return;
    const p = placed[i]!;
    parts.push(`<rect x="0" y="${p.y}" width="${W}" height="${p.h}" fill="${SEVERITY_TINT[opts.focusSeverity ?? 'info']}"/>`);
  });
  // lifelines: solid, dashed across folded runs
  m.items.forEach((it, i) => {
    const p = placed[i]!;
    const dash = it.kind === 'gap' ? ' stroke-dasharray="3 3"' : '';
    for (const x of [LEFT_X, RIGHT_X]) parts.push(`<line x1="${x}" y1="${p.y}" x2="${x}" y2="${p.y + p.h}" stroke="#adb5bd" stroke-width="2"${dash}/>`);
  });
  m.items.forEach((it, i) => {
    const p = placed[i]!;
    if (it.kind === 'gap') {
      parts.push(`<text class="gap" x="${(LEFT_X + RIGHT_X) / 2}" y="${p.y + 16}" text-anchor="middle">${escapeHtml(gapText(it))}</text>`);
      return;
    }
    const ay = p.y + 15; // arrow line
    const color = arrowColor(it, m);
    const right = it.dir === 'right';
    const x1 = right ? LEFT_X + 2 : RIGHT_X - 2;
    const x2 = right ? RIGHT_X - 2 : LEFT_X + 2;
    const head = right ? `${x2},${ay} ${x2 - 9},${ay - 4} ${x2 - 9},${ay + 4}` : `${x2},${ay} ${x2 + 9},${ay - 4} ${x2 + 9},${ay + 4}`;
    parts.push(`<g class="pkt" data-frame="${it.frame}">`);
    parts.push(`<text class="t" x="${TIME_X}" y="${ay + 4}">${timeText(it.time)}</text>`);
    parts.push(`<text class="fr" x="${FRAME_X}" y="${ay + 4}" text-anchor="end">${it.frame}</text>`);
    if (tagged) parts.push(`<text class="tag" x="${TAG_X}" y="${ay + 4}">${escapeHtml(m.lanes[it.lane]?.tag ?? '')}</text>`);
    parts.push(`<line x1="${x1}" y1="${ay}" x2="${right ? x2 - 8 : x2 + 8}" y2="${ay}" stroke="${color}" stroke-width="${it.len > 0 || it.flags & TcpFlag.RST ? 2 : 1.3}"/>`);
    parts.push(`<polygon points="${head}" fill="${color}"/>`);
    parts.push(`<text class="lbl" x="${(LEFT_X + RIGHT_X) / 2}" y="${ay - 4}" text-anchor="middle" fill="${color}">${escapeHtml(clip(packetLabel(it), MAX_LABEL_CHARS))}</text>`);
    it.lines.slice(0, 3).forEach((ftp, k) => {
      const ly = ay + 14 + k * LINE_H;
      const anchor = right ? `x="${LEFT_X + 8}"` : `x="${RIGHT_X - 8}" text-anchor="end"`;
      parts.push(`<text class="ftp" ${anchor} y="${ly}">${wireHtml(clip(ftp, MAX_FTP_CHARS))}</text>`);
    });
    let mx = MARK_X;
    for (const mark of it.marks) {
      const text = mark.id;
      const wpx = 14 + text.length * 6.7;
      const col = mark.severity ? SEVERITY_COLOR[mark.severity] : '#495057';
      parts.push(`<rect class="mark" x="${mx}" y="${ay - 9}" width="${wpx}" height="17" rx="3" fill="${col}"/>`);
      parts.push(`<text class="mk" x="${mx + 7}" y="${ay + 4}">${escapeHtml(text)}</text>`);
      mx += wpx + 4;
      if (mx > W - 40) break;
    }
    parts.push('</g>');
  });
  parts.push('</svg>');
  return parts.join('');
}
