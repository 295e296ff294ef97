// The packet ladder for a terminal, at most 80 columns: time (seconds since the capture's first
// frame), frame, lane (C control / D data, for a transfer), then the arrow between the FTP
// client's column and the server's labelled with flags and relative seq/ack/len, the FTP line
// under it (the client's on the left, the server's on the right), finding ids on the right:
//
//       time frame   FTP client 192.0.2.10  FTP server 192.0.2.20
//   0.781000    21 C ├─PSH,ACK seq=45 ack=171 len=17────────▶│
//                    │ RETR readme.txt                       │
//   0.786800    33 D ├─ACK seq=1 ack=8002───────────────────▶│ ◆ stray-ack-after-fin
//                    ┆     … 595 packets of data (397 kB) …  ┆
//   0.790600    38 D │◀─────────────────────────RST seq=8002─┤ ◆ stray-ack-after-fin
//
// Every wire string (FTP lines, addresses) goes through escapeWire; colour only when asked.

import { TcpFlag, tcpFlagNames } from '../decode/packet.ts';
import type { Severity } from '../diagnose/finding.ts';
import { escapeWire } from './escape.ts';
import type { LadderGap, LadderMark, LadderModel, LadderRow } from './ladder-model.ts';
import { Styler } from './style.ts';
import { groupDigits, sizeText } from '../format/numbers.ts';
import { clip, wrap } from '../format/words.ts';

export interface LadderTextOptions {
  color: boolean;
  width?: number; //   default 80
}

const w = escapeWire;
const MIN_ARROW = 34; // columns between the two bars, at least
const MAX_ARROW = 44;
const MAX_MARK = 24; //  mark column width before marks move to their own line

/** Wireshark's order and names: FIN,SYN,RST,PSH,ACK,URG,ECE,CWR; '<none>' for no flag. */
export function flagText(flags: number, dropPsh = false): string {
  const names = tcpFlagNames(flags).filter((name) => !(dropPsh && name === 'PSH'));
  return names.length ? names.join(',') : '<none>';
}

/** The arrow's label: flags, relative seq/ack, length (and a zero window, which matters). */
export function packetLabel(r: LadderRow, room = Infinity): string {
  const tail: string[] = [`seq=${r.seq}`];
  if (r.ack !== null) tail.push(`ack=${r.ack}`);
  if (r.len > 0) tail.push(`len=${r.len}`);
  if (r.window === 0 && !(r.flags & TcpFlag.RST)) tail.push('win=0');
  const full = `${flagText(r.flags)} ${tail.join(' ')}`;
  if (full.length <= room) return full;
  return `${flagText(r.flags, true)} ${tail.join(' ')}`; // PSH is the least telling flag
}

/** The elision line's text, longest variant that fits `room`. */
export function gapText(g: LadderGap, room = Infinity): string {
  const n = groupDigits(g.packets);
  const pure = g.ftpLines === 0 && g.controlFlags === 0;
  const what = pure ? `${n} ${g.packets === 1 ? 'packet' : 'packets'} of data` : `${n} packets`;
  const details: string[] = [];
  if (g.bytes > 0) details.push(sizeText(g.bytes));
  if (!pure && g.ftpLines) details.push(`${groupDigits(g.ftpLines)} FTP ${g.ftpLines === 1 ? 'line' : 'lines'}`);
  if (!pure && g.controlFlags) details.push(`${groupDigits(g.controlFlags)} SYN/FIN/RST`);
  const frames = `frames ${g.firstFrame}–${g.lastFrame}`;
  const variants = [
    `… ${what} (${[...details, frames].join(', ')}) …`,
    details.length ? `… ${what} (${details.join(', ')}) …` : `… ${what} …`,
    `… ${what} …`,
    `… ${n} …`,
  ];
  return variants.find((v) => v.length <= room) ?? variants[variants.length - 1]!;
}

export function markText(marks: readonly LadderMark[]): string {
  return marks.length ? `◆ ${marks.map((m) => m.id).join(', ')}` : '';
}

function sevStyle(st: Styler, sev: Severity | null, text: string): string {
  return sev === null ? st.paint('bold', text) : st.severity(sev, text);
}

export const timeText = (t: number) => t.toFixed(6);

/** Renders a ladder; every line is at most `width` (default 80) columns. */
export function renderLadderText(m: LadderModel, opts: LadderTextOptions): string {
  const st = new Styler(opts.color);
  const width = Math.max(60, opts.width ?? 80);
  const rows = m.items.filter((x): x is LadderRow => x.kind === 'packet');
  const tw = Math.max(4, ...rows.map((r) => timeText(r.time).length));
  const fw = Math.max(5, ...rows.map((r) => String(r.frame).length));
  const tagged = m.lanes.length > 1;
  const prefixW = tw + 1 + fw + 1 + (tagged ? 2 : 0); // "time frame [T ]"
  // the mark column is as wide as the longest mark that goes on its row; longer ones get a line
  const markW = Math.max(0, ...rows.map((r) => markText(r.marks).length).filter((n) => n <= MAX_MARK));
  // arrow area: what is left after the prefix, two bars and the mark column
  const A = Math.max(MIN_ARROW, Math.min(MAX_ARROW, width - prefixW - 2 - (markW ? markW + 1 : 0)));
  const markRoom = width - prefixW - 2 - A - 1; // columns for marks on the row itself
  const blank = ' '.repeat(prefixW);
  const out: string[] = [];

  // heading
  out.push(st.paint('bold', clip(w(m.title), width)));
  out.push(wrap(w(m.subtitle), width, '  ', ''));
  if (tagged) {
    for (const l of m.lanes) {
      const name = l.role === 'control' ? 'control' : l.role === 'data' ? 'data   ' : 'other  ';
      out.push(clip(`  ${l.tag}  ${name} connection ${l.conn}: ${w(l.left)} ⇄ ${w(l.right)}`, width));
    }
  }
  const elided = m.items.some((x) => x.kind === 'gap');
  out.push(
    wrap(
      `${groupDigits(m.packets)} ${m.packets === 1 ? 'packet' : 'packets'}${elided ? ` (${groupDigits(rows.length)} drawn)` : ''}; time: seconds since the capture's first frame; seq/ack: relative`,
      width,
      '  ',
      '',
    ),
  );
  out.push('');
  // column header: labels over the bars
  const leftLabel = w(m.leftLabel);
  const rightLabel = w(m.rightLabel);
  const head = `${'time'.padStart(tw)} ${'frame'.padStart(fw)} ${tagged ? '  ' : ''}`;
  // the right label ends at the right bar when it can, else runs on into the mark column
  const span = A + 2;
  const room = width - head.length;
  const l = clip(leftLabel, Math.floor((room - 2) / 2));
  const r = clip(rightLabel, room - l.length - 2);
  const labels = l + ' '.repeat(Math.max(2, span - l.length - r.length)) + r;
  out.push(st.paint('bold', head + labels));

  for (const it of m.items) {
    if (it.kind === 'gap') {
      const text = gapText(it, A - 2);
      const pad = A - text.length;
      const left = Math.floor(pad / 2);
      out.push(`${blank}┆${' '.repeat(left)}${st.paint('dim', text)}${' '.repeat(pad - left)}┆`);
      continue;
    }
    const lane = m.lanes[it.lane];
    const time = timeText(it.time).padStart(tw);
    const frame = String(it.frame).padStart(fw);
    const tag = tagged ? `${lane?.tag ?? ' '} ` : '';
    const label = clip(packetLabel(it, A - 3), A - 3);
    const fill = '─'.repeat(A - 2 - label.length);
    const rst = (it.flags & TcpFlag.RST) !== 0;
    const paintArrow = (s: string) => (rst ? st.paint('red', s) : lane?.role === 'control' && tagged ? st.paint('cyan', s) : s);
    const arrow = it.dir === 'right' ? `├${paintArrow(`─${label}${fill}▶`)}│` : `│${paintArrow(`◀${fill}${label}─`)}┤`;
    const marks = markText(it.marks);
    const sev = it.marks[0]?.severity ?? null;
    let line = `${time} ${frame} ${tag}${arrow}`;
    const markOnRow = marks !== '' && marks.length <= markRoom;
    if (markOnRow) line += ` ${sevStyle(st, sev, marks)}`;
    out.push(line);
    // FTP lines under the arrow: the client's on the left, the server's on the right
    // (a line too long for the arrow runs on past the right bar, to the width)
    for (const ftp of it.lines.slice(0, 3)) {
      const full = w(ftp);
      if (full.length > A - 2) {
        out.push(`${blank}│ ${st.paint('bold', clip(full, width - prefixW - 2))}`);
        continue;
      }
      const pad = ' '.repeat(A - 2 - full.length);
      out.push(`${blank}│ ${it.dir === 'right' ? st.paint('bold', full) + pad : pad + st.paint('bold', full)} │`);
    }
    if (it.lines.length > 3) {
      const more = `(+${it.lines.length - 3} more lines)`;
      out.push(`${blank}│ ${it.dir === 'right' ? more.padEnd(A - 2) : more.padStart(A - 2)} │`);
    }
    if (marks !== '' && !markOnRow) {
      // too long for the row: its own line, under the arrow, right-aligned
      const text = clip(marks, width - prefixW - 1);
      out.push(`${blank} ${' '.repeat(Math.max(0, width - prefixW - 1 - text.length))}${sevStyle(st, sev, text)}`);
    }
  }

  // which findings the marks stand for
  if (m.findings.length) {
    out.push('');
    out.push(st.paint('bold', 'Findings marked ◆'));
    for (const f of m.findings) {
      const sev = f.severity.toUpperCase();
      const times = f.instances > 1 ? ` (×${groupDigits(f.instances)})` : '';
      const title = clip(w(f.title), width - (2 + sev.length + 1 + f.id.length + 3 + times.length));
      out.push(`  ${st.severity(f.severity, sev)} ${st.paint('bold', f.id)} — ${title}${times}`);
      const where: string[] = [];
      if (f.drawn.length) where.push(`drawn: ${listFrames(f.drawn)}`);
      if (f.folded.length) where.push(`folded into "…": ${listFrames(f.folded)}`);
      if (f.elsewhere.length) where.push(`not in this ladder: ${listFrames(f.elsewhere)}`);
      out.push(wrap(`frames ${where.join('; ')}`, width, '      ', '    '));
    }
  }
  return out.join('\n') + '\n';
}

function listFrames(frames: readonly number[]): string {
  const max = 12;
  const shown = frames.slice(0, max).join(', ');
  return frames.length > max ? `${shown} … (+${frames.length - max})` : shown;
}
