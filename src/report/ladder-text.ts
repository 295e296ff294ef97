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
import { PAUSE_MIN, type LadderGap, type LadderLane, type LadderMark, type LadderModel, type LadderRow } from './ladder-model.ts';
import { Styler } from './style.ts';
import { groupDigits, secondsText, sizeText } from '../format/numbers.ts';
import { clip, wrap } from '../format/words.ts';
import { listText } from '../format/frames.ts';

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
  const what = `${n} ${g.packets === 1 ? 'packet' : 'packets'}${pure ? ' of data' : ''}`;
  const details: string[] = [];
  if (g.bytes > 0) details.push(sizeText(g.bytes));
  if (!pure && g.ftpLines) details.push(`${groupDigits(g.ftpLines)} FTP ${g.ftpLines === 1 ? 'line' : 'lines'}`);
  if (!pure && g.controlFlags) details.push(`${groupDigits(g.controlFlags)} SYN/FIN/RST`);
  const frames = g.firstFrame === g.lastFrame ? `frame ${g.firstFrame}` : `frames ${g.firstFrame}–${g.lastFrame}`;
  const span = g.endTime - g.startTime;
  const over = span >= PAUSE_MIN ? [`over ${secondsText(span)}`] : [];
  const variants = [
    `… ${what} (${[...details, ...over, frames].join(', ')}) …`,
    `… ${what} (${[...details, ...over].join(', ')}) …`,
    details.length ? `… ${what} (${details.join(', ')}) …` : `… ${what} …`,
    `… ${what} …`,
    `… ${n} …`,
  ];
  return variants.find((v) => v.length <= room) ?? variants[variants.length - 1]!;
}

/** The pause before an item: '10.0 s later'. */
export function pauseText(seconds: number): string {
  return `${secondsText(seconds)} later`;
}

/** A lane's silence before its row, longest variant that fits `room`. */
export function idleText(idle: NonNullable<LadderRow['idle']>, lane: LadderLane | undefined, room = Infinity): string {
  const who = lane && lane.role !== 'other' ? `${lane.role} connection` : 'connection';
  const secs = secondsText(idle.seconds);
  const tag = lane?.tag || 'connection';
  const variants = [
    `${who} ${lane?.conn ?? ''} silent for ${secs} (since frame ${idle.since})`.replace('  ', ' '),
    `${tag} silent for ${secs} (since frame ${idle.since})`,
    `${tag} silent for ${secs}`,
    `${tag} ${secs}`,
  ];
  return variants.find((v) => v.length <= room) ?? variants[variants.length - 1]!;
}

/** A hole in the sender's stream before a segment, in Wireshark's relative numbers. */
export function holeText(h: NonNullable<LadderRow['hole']>, room = Infinity): string {
  const range = `seq ${h.offset + 1}–${h.offset + h.bytes}`;
  const variants = [`✕ ${groupDigits(h.bytes)} bytes missing before it (${range})`, `✕ ${groupDigits(h.bytes)} bytes missing (${range})`, `✕ ${groupDigits(h.bytes)} bytes missing`];
  return variants.find((v) => v.length <= room) ?? variants[variants.length - 1]!;
}

/** A packet's IP evidence: 'ttl 54 id 64298' ('hlim 54' for IPv6); `short`: '54/64298' ('54'). */
export function ipText(ip: NonNullable<LadderRow['ip']>, short = false): string {
  if (short) return ip.ipId < 0 ? String(ip.ttl) : `${ip.ttl}/${ip.ipId}`;
  return ip.ipId < 0 ? `hlim ${ip.ttl}` : `ttl ${ip.ttl} id ${ip.ipId}`;
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
  // the TTL/IP ID column (a forged RST's evidence), when it leaves the arrow its minimum width
  const ipW = m.ipShown ? Math.max(6, ...rows.map((r) => (r.ip ? ipText(r.ip, true).length : 0))) : 0;
  const ipColumn = ipW > 0 && tw + 1 + fw + 1 + (tagged ? 2 : 0) + ipW + 1 + 2 + MIN_ARROW <= width;
  const prefixW = tw + 1 + fw + 1 + (tagged ? 2 : 0) + (ipColumn ? ipW + 1 : 0); // "time frame [T ][ttl id ]"
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
      const name = l.role.padEnd(7);
      // wrapped, not clipped: IPv6 endpoints do not fit 80 columns, and the server's is the point
      out.push(wrap(`${l.tag}  ${name} connection ${l.conn}: ${w(l.left)} ⇄ ${w(l.right)}`, width, '      ', '  '));
    }
  }
  const elided = m.items.some((x) => x.kind === 'gap');
  out.push(
    wrap(
      `${groupDigits(m.packets)} ${m.packets === 1 ? 'packet' : 'packets'}${elided ? ` (${groupDigits(rows.length)} drawn)` : ''}; time: seconds since the capture's first frame; seq/ack: relative${m.items.some((x) => x.pause !== undefined || (x.kind === 'packet' && x.idle)) ? `; ≈ a pause of ${PAUSE_MIN} s or more` : ''}${m.ipShown ? `; ${ipColumn ? 'ttl/id' : 'ttl, id'}: IP TTL and ID of the packets of the host a marked RST claims to come from` : ''}`,
      width,
      '  ',
      '',
    ),
  );
  out.push('');
  // column header: labels over the bars
  const leftLabel = w(m.leftLabel);
  const rightLabel = w(m.rightLabel);
  const head = `${'time'.padStart(tw)} ${'frame'.padStart(fw)} ${tagged ? '  ' : ''}${ipColumn ? 'ttl/id'.padEnd(ipW + 1) : ''}`;
  // the right label ends at the right bar when it can, else runs on into the mark column; when
  // both do not fit one line (IPv6 addresses), each gets its own: the left one over the left
  // bar, the right one ending over the right bar (or at the width)
  const span = A + 2;
  const room = width - head.length;
  if (leftLabel.length + 2 + rightLabel.length <= room) {
    const labels = leftLabel + ' '.repeat(Math.max(2, span - leftLabel.length - rightLabel.length)) + rightLabel;
    out.push(st.paint('bold', head + labels));
  } else {
    out.push(st.paint('bold', head + clip(leftLabel, room)));
    const r = clip(rightLabel, width - head.length);
    out.push(st.paint('bold', ' '.repeat(head.length + Math.max(0, Math.min(span, room) - r.length)) + r));
  }

  /** A line between the bars, centred (pauses) or on the sender's side (holes). */
  const between = (text: string, bar: string, paint: 'dim' | 'red', side: 'centre' | 'left' | 'right' = 'centre') => {
    const t = clip(text, A - 2);
    const pad = A - t.length;
    const left = side === 'centre' ? Math.floor(pad / 2) : side === 'left' ? 1 : pad - 1;
    out.push(`${blank}${bar}${' '.repeat(left)}${st.paint(paint, t)}${' '.repeat(pad - left)}${bar}`);
  };
  for (const it of m.items) {
    // a pause before it, and the silence of its lane (an idle control connection)
    const idle = it.kind === 'packet' && it.idle ? idleText(it.idle, m.lanes[it.lane], A - 4) : null;
    if (it.pause !== undefined || idle) {
      const both = [it.pause !== undefined ? pauseText(it.pause) : null, idle].filter((x) => x !== null).join('; ');
      if (both.length <= A - 4) between(both, '≈', 'dim');
      else {
        if (it.pause !== undefined) between(pauseText(it.pause), '≈', 'dim');
        if (idle) between(idle, '≈', 'dim');
      }
    }
    if (it.kind === 'packet' && it.hole) between(holeText(it.hole, A - 4), '│', 'red', it.dir === 'right' ? 'left' : 'right');
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
    const ip = ipColumn ? `${(it.ip ? ipText(it.ip, true) : '').padEnd(ipW)} ` : '';
    let line = `${time} ${frame} ${tag}${ip}${arrow}`;
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
    if (it.ip && !ipColumn) {
      const t = ipText(it.ip);
      out.push(`${blank}│ ${it.dir === 'right' ? t.padEnd(A - 2) : t.padStart(A - 2)} │`);
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
      out.push(wrap(`frames ${where.join('; ')}${f.hints.length ? ` (to draw them: ${f.hints.join('; ')})` : ''}`, width, '      ', '    '));
    }
  }
  return out.join('\n') + '\n';
}

function listFrames(frames: readonly number[]): string {
  return listText(frames, frames.length, 'frame', 12);
}
