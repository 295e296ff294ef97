// The time-sequence graph as inline SVG (tcptrace style): x = seconds since the capture's first
// frame, y = the data sender's relative sequence number; blue bars for data segments, orange for
// segments re-sent (or arriving out of order), the receiver's ACK as a green step line, its
// window's right edge dashed yellow, RST as a red line across the plot, FIN/SYN as grey ticks.

import { escapeHtml, wireHtml } from './html-escape.ts';
import type { SeqPoint, TimeSeqModel } from './time-sequence.ts';

const W = 880;
const H = 330;
const PL = 78; //  plot left
const PR = W - 18;
const PT = 34;
const PB = H - 44;

const COLORS = { data: '#1c5fb8', retrans: '#e8590c', ack: '#2b8a3e', window: '#d4a106', rst: '#c92a2a', fin: '#495057' } as const;

/** Round tick values covering [lo, hi]: steps of 1, 2 or 5 × 10^k, about `n` of them. */
export function niceTicks(lo: number, hi: number, n = 6): number[] {
  if (!(hi > lo)) return [lo];
  const raw = (hi - lo) / n;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((k) => k * mag).find((s) => s >= raw) ?? 10 * mag;
  const out: number[] = [];
  for (let v = Math.ceil(lo / step) * step; v <= hi + step * 1e-9; v += step) out.push(Number(v.toPrecision(12)));
  return out;
}

/** Axis label in one unit for the whole axis (B, kB, MB, GB: by the top value), with just the
 *  decimals the tick step needs. */
function seqLabeler(top: number, step: number): (v: number) => string {
  const units: Array<[number, string]> = [[1e9, 'GB'], [1e6, 'MB'], [1e3, 'kB'], [1, 'B']];
  const [div, unit] = units.find(([d]) => top >= d * 2) ?? [1, 'B'];
  const s = step / div;
  const digits = s >= 1 ? 0 : Math.min(3, Math.ceil(-Math.log10(s) - 1e-9));
  return (v) => (v === 0 ? '0' : `${(v / div).toFixed(digits)} ${unit}`);
}

function timeLabel(v: number, step: number): string {
  const digits = step >= 1 ? 0 : Math.min(6, Math.ceil(-Math.log10(step)));
  return v.toFixed(digits);
}

function stepPath(points: readonly SeqPoint[], x: (t: number) => number, y: (v: number) => number, endT: number): string {
  if (points.length === 0) return '';
  let d = `M${x(points[0]!.t).toFixed(1)},${y(points[0]!.v).toFixed(1)}`;
  for (let i = 1; i < points.length; i++) {
    const p = points[i]!;
    d += `H${x(p.t).toFixed(1)}V${y(p.v).toFixed(1)}`;
  }
  d += `H${x(endT).toFixed(1)}`;
  return d;
}

export function renderTimeSequenceSvg(m: TimeSeqModel): string {
  const t0 = m.start;
  const t1 = Math.max(m.end, t0 + 1e-6);
  let vmax = Math.max(1, m.bytes + 1);
  for (const b of m.bars) vmax = Math.max(vmax, b.hi);
  for (const a of m.acks) vmax = Math.max(vmax, a.v);
  // the window edge may run far above the data: let it raise the axis by at most a quarter
  const winCap = vmax * 1.25;
  const pad = (t1 - t0) * 0.02;
  const x = (t: number) => PL + ((t - (t0 - pad)) / (t1 - t0 + 2 * pad)) * (PR - PL);
  const y = (v: number) => PB - (Math.min(v, winCap) / winCap) * (PB - PT);
  const parts: string[] = [];
  const label = `Time-sequence graph of ${m.title}`;
  parts.push(`<svg class="tsg" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="${wireHtml(label)}">`);
  parts.push(`<title>${wireHtml(label)}</title>`);
  parts.push(`<rect x="${PL}" y="${PT}" width="${PR - PL}" height="${PB - PT}" fill="#fcfcfd" stroke="#ced4da"/>`);
  // axes
  const xt = niceTicks(t0, t1, 7);
  const xstep = xt.length > 1 ? xt[1]! - xt[0]! : 1;
  for (const v of xt) {
    const px = x(v).toFixed(1);
    parts.push(`<line x1="${px}" y1="${PT}" x2="${px}" y2="${PB}" stroke="#eef0f2"/>`);
    parts.push(`<text class="ax" x="${px}" y="${PB + 15}" text-anchor="middle">${timeLabel(v, xstep)}</text>`);
  }
  const yt = niceTicks(0, winCap, 6);
  const seqLabel = seqLabeler(winCap, yt.length > 1 ? yt[1]! - yt[0]! : 1);
  for (const v of yt) {
    const py = y(v).toFixed(1);
    parts.push(`<line x1="${PL}" y1="${py}" x2="${PR}" y2="${py}" stroke="#eef0f2"/>`);
    parts.push(`<text class="ax" x="${PL - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${seqLabel(v)}</text>`);
  }
  parts.push(`<text class="ax" x="${(PL + PR) / 2}" y="${H - 8}" text-anchor="middle">time (s since the capture's first frame)</text>`);
  parts.push(`<text class="ax" x="14" y="${(PT + PB) / 2}" text-anchor="middle" transform="rotate(-90 14 ${(PT + PB) / 2})">relative sequence number (bytes)</text>`);
  // window edge, ACK line
  if (m.window.length) parts.push(`<path d="${stepPath(m.window, x, y, t1)}" fill="none" stroke="${COLORS.window}" stroke-width="1.2" stroke-dasharray="4 3"/>`);
  if (m.acks.length) parts.push(`<path class="ack" d="${stepPath(m.acks, x, y, t1)}" fill="none" stroke="${COLORS.ack}" stroke-width="1.5"/>`);
  // data segments: vertical bars with small ticks at both ends (tcptrace's "I" shape)
  const bars: string[] = [];
  const rbars: string[] = [];
  for (const b of m.bars) {
    const px = x(b.t).toFixed(1);
    const ylo = y(b.lo);
    const yhi = Math.min(y(b.hi), ylo - 2); // at least 2 px tall
    const d = `M${px},${ylo.toFixed(1)}V${yhi.toFixed(1)}`;
    (b.retrans ? rbars : bars).push(d);
  }
  if (bars.length) parts.push(`<path class="seg" d="${bars.join('')}" stroke="${COLORS.data}" stroke-width="2" fill="none"/>`);
  if (rbars.length) parts.push(`<path class="retrans" d="${rbars.join('')}" stroke="${COLORS.retrans}" stroke-width="4" fill="none"/>`);
  // SYN/FIN/RST markers
  let labelRow = 0;
  const lastLabelX: Record<string, number> = {};
  for (const e of m.events) {
    const px = x(e.t).toFixed(1);
    if (e.kind === 'RST') {
      parts.push(`<line class="rst" x1="${px}" y1="${PT}" x2="${px}" y2="${PB}" stroke="${COLORS.rst}" stroke-width="1.5" stroke-dasharray="5 3"/>`);
      const ly = PT + 12 + (labelRow++ % 3) * 13;
      parts.push(`<text class="rstl" x="${(x(e.t) - 4).toFixed(1)}" y="${ly}" text-anchor="end" fill="${COLORS.rst}">RST from ${e.by} (frame ${e.frame})</text>`);
    } else {
      parts.push(`<line x1="${px}" y1="${PB}" x2="${px}" y2="${PB - 8}" stroke="${COLORS.fin}" stroke-width="1.5"/>`);
      // one label for ticks closer than a label's width (SYN and SYN-ACK 30 µs apart)
      if (Math.abs(x(e.t) - (lastLabelX[e.kind] ?? -1e9)) < 28) continue;
      lastLabelX[e.kind] = x(e.t);
      parts.push(`<text class="ev" x="${px}" y="${PB - 11}" text-anchor="middle">${e.kind}</text>`);
    }
  }
  // legend
  const legend: Array<[string, string, string]> = [
    [COLORS.data, 'data segment', ''],
    [COLORS.retrans, `re-sent / out of order (${m.retransmissions})`, ''],
    [COLORS.ack, 'ACK', ''],
  ];
  if (m.window.length) legend.push([COLORS.window, 'window edge', '4 3']);
  let lx = PL;
  for (const [col, text, dash] of legend) {
    parts.push(`<line x1="${lx}" y1="16" x2="${lx + 18}" y2="16" stroke="${col}" stroke-width="3"${dash ? ` stroke-dasharray="${dash}"` : ''}/>`);
    parts.push(`<text class="ax" x="${lx + 23}" y="20">${escapeHtml(text)}</text>`);
    lx += 44 + text.length * 6.2;
  }
  parts.push('</svg>');
  return parts.join('');
}
