// The two-point ladder for a terminal, at most 80 columns: time (when the segment passed its
// first capture point), its frame in A and in B, the arrow across four columns in path order,
// and the one-way delay between the points:
//
//       time  A#  B#  client A                                           B server
//                          │    │                                           │    │  delay
//   0.016032  13  13       ├────┼─PSH,ACK seq=63 ack=171 len=24──────≠──────┼───▶│  0.030
//                          │    │ ≠ PORT 192,0,2,1,136,155 → PORT 198,51,100,254,136,155
//   0.094310  32           ├────┼─PSH,ACK seq=87 ack=281 len=27─✗ lost      │    │
//                          │    │ STOR incoming/blocked.exe                 │    │
//   0.094389  33           │◀───┼─RST seq=281─✱ injected                    │    │
//
// ✗: stopped between the points (lost); ✱: started between them (injected); ≠: changed in
// between (the difference under it, upstream → downstream); ?: seen at one point, orientation
// unknown. Every wire string (payload lines, addresses, file names) goes through escapeWire;
// colour only when asked.

import { escapeWire } from '../report/escape.ts';
import type { LadderGap } from '../report/ladder-model.ts';
import { gapText, packetLabel, timeText } from '../report/ladder-text.ts';
import { groupDigits } from '../format/numbers.ts';
import { clip, wrap } from '../format/words.ts';
import { Styler, type StyleName } from '../report/style.ts';
import type { SegmentDiff } from './compare.ts';
import { payloadLines } from './payload-text.ts';
import type { Fate, LadderEnd, Point, TwoPointLadder, TwoPointRow } from './two-point-ladder.ts';

export interface TwoPointTextOptions {
  color: boolean;
  width?: number; // default 80
}

const w = escapeWire;
const OUTER = 4; //      columns between a host and its capture point
const MIN_MIDDLE = 30; // columns between the two capture points, at least (else OUTER shrinks)

const MARKER: Record<Exclude<Fate, 'passed'>, string> = { lost: '✗', injected: '✱', changed: '≠', 'one-sided': '?' };
const PAINT: Record<Fate, StyleName | null> = { passed: null, changed: 'yellow', lost: 'red', injected: 'red', 'one-sided': 'dim' };

/** One-way delay in ms, 5–6 characters: 0.007, 12.34, 123.4, 5502. */
export function delayText(s: number | null): string {
  if (s === null) return '';
  const ms = s * 1000;
  const a = Math.abs(ms);
  return ms.toFixed(a < 10 ? 3 : a < 100 ? 2 : a < 1000 ? 1 : 0);
}

interface Geometry {
  prefix: number; //  columns before the left host's bar
  L: number; //       arrow area: left host bar … right host bar
  xA: number; //      left capture point's bar (within the area)
  xB: number; //      right capture point's bar
  M: number; //       columns between the capture points
  S: number; //       columns between a host and its capture point
}

/** Cells of one arrow-area line, drawn as if sent rightward, mirrored for leftward. */
class Cells {
  private readonly c: string[];
  constructor(
    private readonly g: Geometry,
    private readonly mirror: boolean,
    bar = '│',
  ) {
    this.c = new Array<string>(g.L).fill(' ');
    for (const x of [0, g.xA, g.xB, g.L - 1]) this.c[x] = bar;
  }
  private static readonly FLIP: Readonly<Record<string, string>> = { '▶': '◀', '├': '┤' };
  char(x: number, ch: string): void {
    if (x < 0 || x >= this.g.L) return;
    this.c[this.mirror ? this.g.L - 1 - x : x] = this.mirror ? (Cells.FLIP[ch] ?? ch) : ch;
  }
  /** Text from column x rightward (mirrored: ending at the mirror image of x; never reversed). */
  text(x: number, s: string): void {
    const chars = [...s];
    const start = this.mirror ? this.g.L - x - chars.length : x;
    chars.forEach((ch, k) => {
      if (start + k >= 0 && start + k < this.g.L) this.c[start + k] = ch;
    });
  }
  line(from: number, to: number): void {
    for (let x = from; x <= to; x++) this.char(x, x === this.g.xA || x === this.g.xB ? '┼' : '─');
  }
  toString(): string {
    return this.c.join('');
  }
}

/** Whether a copy seen at one point only was seen next to its sender (else next to the receiver). */
function nearSender(r: TwoPointRow, leftPoint: Point): boolean {
  const seen: Point = r.a ? 'a' : 'b';
  return (seen === leftPoint) === (r.dir === 'right');
}

function arrow(r: TwoPointRow, g: Geometry, leftPoint: Point): string {
  const { L, xA, xB, M } = g;
  const c = new Cells(g, r.dir === 'left');
  if (r.fate === 'passed' || r.fate === 'changed') {
    const room = M - (r.fate === 'changed' ? 5 : 3);
    const label = clip(packetLabel(r, room), room);
    c.line(1, L - 3);
    c.char(0, '├');
    c.char(L - 2, '▶');
    c.text(xA + 2, label);
    if (r.fate === 'changed') c.char(Math.max(xA + 2 + label.length + 1, xA + 1 + Math.floor(M * 0.6)), '≠');
    return c.toString();
  }
  const mark = MARKER[r.fate];
  const word = r.fate === 'one-sided' ? `only in ${r.a ? 'A' : 'B'}` : r.fate;
  const room = M - 5;
  const label = clip(packetLabel(r, room), room);
  if (nearSender(r, leftPoint)) {
    // from the sender through its point, stopping in between: ├────┼─label──✗ lost
    const p = Math.max(xA + 2 + label.length + 1, Math.min(xA + 1 + Math.floor(M * 0.45), xB - 2 - word.length - 1));
    c.char(0, '├');
    c.line(1, p - 1);
    c.text(xA + 2, label);
    c.char(p, mark);
    if (p + 2 + word.length < xB) c.text(p + 2, word);
  } else {
    // starting in between, through the receiver's point: injected ✱─label─┼───▶│
    const s = xB - 3 - label.length;
    c.char(s, mark);
    c.line(s + 1, L - 3);
    c.text(xB - 1 - label.length, label);
    c.char(L - 2, '▶');
    if (s - 1 - word.length > xA) c.text(s - 1 - word.length, word);
  }
  return c.toString();
}


/** One difference in words, upstream copy → downstream copy: [from, to] or a single phrase. */
export function diffWords(d: SegmentDiff, up: Point | null): string | [string, string] {
  const swap = up === 'b';
  const pair = <T>(a: T, b: T): [T, T] => (swap ? [b, a] : [a, b]);
  switch (d.field) {
    case 'payload': {
      if (d.a !== null && d.b !== null) {
        const [x, y] = pair(payloadLines(d.a), payloadLines(d.b)); // (redacted when read)
        let k = 0;
        while (k < x.length && k < y.length && x[k] === y[k]) k++;
        if (k < x.length || k < y.length) return [w(x[k] ?? '(nothing)'), w(y[k] ?? '(nothing)')];
        // the bytes differ where the text reads alike: both passwords REDACTED
      }
      const [x, y] = pair(d.lenA, d.lenB);
      const redacted = d.a !== null && d.b !== null ? ', text redacted' : '';
      return x === y ? `payload bytes differ (${x} bytes, same length${redacted})` : `payload rewritten (${x} → ${y} bytes${redacted})`;
    }
    case 'length':
    case 'window':
    case 'ttl': {
      const [x, y] = pair(d.a, d.b);
      return `${d.field === 'ttl' ? 'TTL' : d.field} ${x} → ${y}`;
    }
    case 'flags': {
      const [x, y] = pair(d.a, d.b);
      return `flags ${x} → ${y}`;
    }
    case 'synOptions': {
      const [x, y] = pair(d.a, d.b);
      return `SYN options ${x || 'none'} → ${y || 'none'}`;
    }
    case 'ack': {
      const by = swap ? -d.by : d.by;
      return `acknowledgment moved by ${by > 0 ? '+' : ''}${by}`;
    }
    case 'options':
      return 'TCP options rewritten';
  }
}

function endText(e: LadderEnd): string {
  const where = e.a !== null && e.b !== null && e.a !== e.b ? `${w(e.a)} in A, ${w(e.b)} in B` : w(e.a ?? e.b ?? '?');
  // the TCP role only where it is not the FTP one (an active-mode data connection)
  return e.label.endsWith(e.role) ? where : `${where} (TCP ${e.role})`;
}

const ttlText = (h: number) => (h === 0 ? 'TTL unchanged' : h > 0 ? `TTL −${h}` : `TTL +${-h}`);

/** The usual TTL drop between the points, per travel direction. */
function hopsText(right: number | null, left: number | null): string | null {
  if (right === null && left === null) return null;
  if (right === left) return `${ttlText(right!)} between them`;
  const part = (h: number | null, way: string) => (h === null ? [] : [`${ttlText(h)} ${way}`]);
  return [...part(right, 'left to right'), ...part(left, 'right to left')].join(', ');
}

/** Renders a two-point ladder; every line is at most `width` (default 80) columns. */
export function renderTwoPointLadderText(m: TwoPointLadder, opts: TwoPointTextOptions): string {
  const st = new Styler(opts.color);
  const width = Math.max(64, opts.width ?? 80);
  const rows = m.items.filter((x): x is TwoPointRow => x.kind === 'packet');
  const tw = Math.max(4, ...rows.map((r) => timeText(r.time).length));
  const fwA = Math.max(2, ...rows.map((r) => String(r.a?.frame ?? '').length));
  const fwB = Math.max(2, ...rows.map((r) => String(r.b?.frame ?? '').length));
  const dw = Math.max(5, ...rows.map((r) => delayText(r.delay).length));
  const prefix = tw + 1 + fwA + 1 + fwB + 2;
  const area = width - prefix - 1 - dw;
  let S = OUTER;
  if (area - 4 - 2 * S < MIN_MIDDLE) S = 2;
  const M = Math.max(20, area - 4 - 2 * S);
  const g: Geometry = { prefix, L: 4 + 2 * S + M, xA: S + 1, xB: S + 2 + M, M, S };
  const blank = ' '.repeat(prefix);
  const rightPoint: Point = m.leftPoint === 'a' ? 'b' : 'a';
  const out: string[] = [];

  // heading: title, NAT, the four columns in path order, counts, how to read the numbers
  out.push(st.paint('bold', wrap(`${m.title}${m.matchedBy.length ? `, matched by ${m.matchedBy.join(', ')}` : ''}`, width, '    ', '')));
  for (const n of m.nat) out.push(wrap(`NAT: ${w(n)}`, width, '    ', '  '));
  // the four columns, in path order
  const nameW = Math.max(m.left.label.length, m.right.label.length) + 2;
  const col = (name: string, text: string) => wrap(`${name.padEnd(nameW)}${text}`, width, ' '.repeat(2 + nameW), '  ');
  out.push(col(m.left.label, endText(m.left)));
  out.push(col(m.leftPoint.toUpperCase(), w(m.files[m.leftPoint])));
  out.push(col(rightPoint.toUpperCase(), w(m.files[rightPoint])));
  out.push(col(m.right.label, endText(m.right)));
  const k = m.counts;
  const fates: string[] = [];
  if (k.lost) fates.push(`${groupDigits(k.lost)} lost`);
  if (k.injected) fates.push(`${groupDigits(k.injected)} injected`);
  if (k.changed) fates.push(`${groupDigits(k.changed)} changed`);
  const elided = m.items.some((x) => x.kind === 'gap');
  let counts = `${groupDigits(m.packets)} ${m.packets === 1 ? 'segment' : 'segments'}${elided ? ` (${groupDigits(rows.length)} drawn)` : ''}: `;
  counts += fates.length ? `${fates.join(', ')} between the points` : 'nothing lost, injected or changed between the points';
  if (k['one-sided']) counts += `; ${groupDigits(k['one-sided'])} seen at one point only (which point is upstream is unknown)`;
  const hops = hopsText(m.hops.right, m.hops.left);
  if (hops) counts += `; ${hops}`;
  out.push(wrap(counts, width, '    ', '  '));
  const o = m.clock.offset;
  const clockText =
    o === null ? "B's clock offset unknown: B's times as recorded" : Math.abs(o) < 0.0005 ? "B's clock in step" : `B's clock ${delayText(Math.abs(o))} ms ${o > 0 ? 'ahead' : 'behind'}, corrected`;
  out.push(
    wrap(
      `time: seconds since A's first frame, when the segment passed its first point (${clockText}); delay: one-way from the first point to the second, ms; seq/ack: relative, as the sender sent them`,
      width,
      '    ',
      '  ',
    ),
  );
  out.push('');

  // column header: names over the bars, then the numbers' heads
  const labels = new Array<string>(width).fill(' ');
  const place = (x: number, s: string) => [...s].forEach((ch, i) => x + i >= 0 && x + i < width && (labels[x + i] = ch));
  place(prefix - m.left.label.length, m.left.label);
  place(prefix + g.xA, m.leftPoint.toUpperCase());
  place(prefix + g.xB, rightPoint.toUpperCase());
  place(Math.min(prefix + g.L, width - m.right.label.length), m.right.label);
  out.push(st.paint('bold', labels.join('').trimEnd()));
  const bars = new Cells(g, false).toString();
  out.push(st.paint('bold', `${'time'.padStart(tw)} ${'A#'.padStart(fwA)} ${'B#'.padStart(fwB)}  ${bars} ${'delay'.padStart(dw)}`));

  const used = new Set<Fate>();
  for (const it of m.items) {
    if (it.kind === 'gap') {
      out.push(gapLine(it, g, blank, st));
      continue;
    }
    used.add(it.fate);
    const paint = PAINT[it.fate];
    const arrowText = arrow(it, g, m.leftPoint);
    const line = `${timeText(it.time).padStart(tw)} ${String(it.a?.frame ?? '').padStart(fwA)} ${String(it.b?.frame ?? '').padStart(fwB)}  ${paint ? st.paint(paint, arrowText) : arrowText} ${delayText(it.delay).padStart(dw)}`;
    out.push(line.trimEnd());
    const rewritten = it.diffs.some((d) => d.field === 'payload');
    if (!rewritten) for (const l of textLines(it, g, width)) out.push(blank + l);
    for (const d of it.diffs) for (const l of diffLines(diffWords(d, it.up), g, width)) out.push(blank + st.paint('yellow', l));
  }

  const legend: string[] = [];
  if (used.has('lost')) legend.push('✗ lost between the points');
  if (used.has('injected')) legend.push('✱ injected between them');
  if (used.has('changed')) legend.push('≠ changed in between (upstream → downstream)');
  if (used.has('one-sided')) legend.push('? seen at one point only');
  if (legend.length) {
    out.push('');
    out.push(wrap(legend.join('; '), width, '  ', ''));
  }
  return out.join('\n') + '\n';
}

function gapLine(gap: LadderGap, g: Geometry, blank: string, st: Styler): string {
  const c = new Cells(g, false, '┆');
  const text = gapText(gap, g.M - 2);
  c.text(g.xA + 1 + Math.floor((g.M - [...text].length) / 2), text);
  return blank + st.paint('dim', c.toString());
}

/** Payload text lines under a row: the left sender's on the left, the right one's on the
 *  right; a line too long for the space between the points runs on to the width. */
function textLines(r: TwoPointRow, g: Geometry, width: number): string[] {
  const out: string[] = [];
  const room = g.M - 2;
  const shown = r.lines.slice(0, 3).map(w);
  if (r.lines.length > 3) shown.push(`(+${r.lines.length - 3} more lines)`);
  for (const t of shown) {
    const n = [...t].length;
    if (n > room) {
      out.push(`${new Cells(g, false).toString().slice(0, g.xA + 1)} ${clip(t, width - g.prefix - g.xA - 2)}`);
      continue;
    }
    const c = new Cells(g, r.dir === 'left');
    c.text(g.xA + 2, t);
    out.push(c.toString());
  }
  return out;
}

/** A difference under a changed row: "≠ from → to" from the left capture point on, or on two
 *  lines ("≠ from" / "→ to") when one does not fit. */
function diffLines(words: string | [string, string], g: Geometry, width: number): string[] {
  const lead = new Cells(g, false).toString().slice(0, g.xA + 1) + ' ';
  const room = width - g.prefix - lead.length;
  if (typeof words === 'string') return [lead + clip(`≠ ${words}`, room)];
  const one = `≠ ${words[0]} → ${words[1]}`;
  if ([...one].length <= room) return [lead + one];
  return [lead + clip(`≠ ${words[0]}`, room), lead + clip(`→ ${words[1]}`, room)];
}
