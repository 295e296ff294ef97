// The packet ladder as data: which connections a ladder shows (one connection, or a transfer's
// control and data connections interleaved in time), one row per segment with its flags,
// relative seq/ack, length, the FTP line it carried and the findings that cite it, and elision
// of bulk data so a million-segment transfer still draws in a page. The text (ladder-text.ts)
// and SVG (ladder-svg.ts) renderers only lay this out.
//
// Layout decision for a transfer: two ladders interleaved in time on shared host columns. The
// left column is always the FTP client's host, the right one the FTP server's, whatever side
// opened the data connection (active mode: the server did), so a download's data arrows point
// left and an upload's point right; a lane tag (C = control, D = data) tells the connections
// apart. Three columns would spend a third of 80 columns on a host that is the client again.

import type { Finding, Severity } from '../diagnose/finding.ts';
import { severityRank } from '../diagnose/finding.ts';
import { endpointText } from '../format/endpoint.ts';
import { groupDigits } from '../format/numbers.ts';
import type { ResultView } from '../view/result.ts';
import { byteText, repliesText } from '../view/unit.ts';
import { TcpFlag } from '../decode/packet.ts';
import type { FtpReply, Session, Transfer } from '../ftp/types.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import type { Connection, Side } from '../tcp/types.ts';
import { connectionOfFrame, replayConnections, type ReplayConsumer, type ReplayPacket, type ReplaySelection } from './packet-replay.ts';
import { plural } from '../format/words.ts';

export type LadderTarget = { connection: number } | { transfer: number } | { frame: number };

export interface LadderMark {
  id: string; //          finding id (rule id), or 'frame N' for the frame asked for with --frame
  severity: Severity | null; // null for the asked-for frame
}

export interface LadderRow {
  kind: 'packet';
  frame: number;
  time: number; //        seconds since the first frame of the capture
  lane: number; //        index into LadderModel.lanes
  dir: 'right' | 'left'; // right: from the left column's host to the right one's
  flags: number; //       TcpFlag bits
  seq: number; //         relative
  ack: number | null; //  relative; null without ACK
  len: number; //         payload bytes
  window: number; //      window field (unscaled)
  lines: string[]; //     FTP lines this segment carried (raw wire text, PASS already redacted)
  marks: LadderMark[]; // findings citing this frame, most severe first
}

/** Consecutive packets folded into one line. */
export interface LadderGap {
  kind: 'gap';
  packets: number;
  dataPackets: number; // with payload
  bytes: number; //       payload bytes
  ftpLines: number; //    FTP lines inside (folded only when the --max budget forced it)
  controlFlags: number; // SYN/FIN/RST segments inside (idem)
  firstFrame: number;
  lastFrame: number;
  startTime: number; //   seconds since the first frame of the capture
  endTime: number;
}

export type LadderItem = LadderRow | LadderGap;

export interface LadderLane {
  conn: number; //        Connection.id
  tag: string; //         'C' / 'D' in a transfer ladder, '' for a single connection
  role: 'control' | 'data' | 'other';
  leftSide: Side; //      which TCP side of the connection is drawn in the left column
  left: string; //        addr:port on the left (raw)
  right: string; //       addr:port on the right
  fromFrame: number;
  toFrame: number;
}

/** The findings of one rule id that cite frames of the ladder's connections. */
export interface LadderFindingRef {
  id: string;
  severity: Severity; //  the most severe instance's
  title: string;
  instances: number; //   findings of this id in the ladder
  frames: number[]; //    all their frames, ascending
  drawn: number[]; //     of those, drawn as rows
  folded: number[]; //    in the selection but folded into an elision (past the pin budget)
  elsewhere: number[]; // not in this ladder's connections/frame range
}

export interface LadderModel {
  title: string; //       raw (escape when printing)
  subtitle: string; //    raw
  leftLabel: string; //   'FTP client 192.0.2.10' / 'client 192.0.2.10:1071'
  rightLabel: string;
  lanes: LadderLane[];
  items: LadderItem[];
  packets: number; //     segments in the selection
  findings: LadderFindingRef[];
}

export interface LadderOptions {
  max: number; //         rows budget (packets drawn before elision kicks in)
  /** Only these findings are marked and kept (HTML: one ladder per finding); default all. */
  findings?: readonly Finding[];
  /** Packets kept around each error/warning frame (each side). */
  context?: number;
  /** Keep the first and last few packets of the selection (false: a ladder focused on findings). */
  keepEnds?: boolean;
}

export const DEFAULT_MAX = 200;
const HEAD = 6; //          packets kept at the start when eliding
const TAIL = 6; //          … and at the end
const MIN_RUN = 3; //       a shorter run of bulk packets is drawn, not folded
const DEFAULT_CONTEXT = 2;

export class LadderError extends Error {}

// ---- selection ------------------------------------------------------------------------------

/** A resolved target: lanes with their frame ranges, plus titles. */
export interface LadderPlan {
  title: string;
  subtitle: string;
  leftLabel: string;
  rightLabel: string;
  lanes: LadderLane[];
  highlight: number[]; // frames to mark and keep (--frame)
}

const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

function connectionById(rv: ResultView, id: number): Connection {
  const c = rv.connections.get(id)?.c;
  const n = rv.result.connections.length;
  if (!c) throw new LadderError(`no connection ${id} (this capture has ${plural(n, 'connection')}${n ? `, 0–${n - 1}` : ''})`);
  return c;
}

const SETUP_VERBS: ReadonlySet<string> = new Set(['PASV', 'EPSV', 'LPSV', 'PORT', 'EPRT', 'LPRT', 'REST']);

/** Control frames of a transfer: from the PASV/PORT (and REST) just before its command to its
 *  final reply (or the data connection's end, if later). */
function transferControlRange(t: Transfer, s: Session, data: Connection | null): [number, number] {
  let from = t.commandFrame;
  if (t.commandIndex !== null) {
    for (let i = t.commandIndex - 1; i >= 0; i--) {
      const c = s.commands[i];
      if (!c || !SETUP_VERBS.has(c.verb)) break;
      from = Math.min(from, c.frame);
    }
  }
  if (t.announcement) from = Math.min(from, t.announcement.frame);
  let to = Math.max(t.commandFrame, t.finalReply?.frame ?? 0, t.preliminaryReply?.frame ?? 0, data?.lastFrame ?? 0);
  if (!t.finalReply && !data) to = Number.MAX_SAFE_INTEGER; // nothing settled it: show the rest
  return [from, to];
}

function connectionLane(c: Connection, role: LadderLane['role'], tag: string, leftSide: Side, from = c.firstFrame, to = c.lastFrame): LadderLane {
  const l = c[leftSide];
  const rt = c[other(leftSide)];
  return { conn: c.id, tag, role, leftSide, left: endpointText(l.addr, l.port), right: endpointText(rt.addr, rt.port), fromFrame: from, toFrame: to };
}

export function planTransfer(rv: ResultView, id: number): LadderPlan {
  const tv = rv.transfers.get(id);
  const n = rv.result.transfers.length;
  if (!tv) throw new LadderError(`no transfer ${id} (this capture has ${plural(n, 'transfer')}${n ? `, 0–${n - 1}` : ''})`);
  const t = tv.t;
  // a data connection whose control connection is not in the capture: its own ladder
  if (t.session === null && t.dataConnection !== null) return planConnection(rv, t.dataConnection);
  const s = t.session === null ? undefined : rv.sessions.get(t.session)?.s;
  if (!s) throw new LadderError(`transfer ${id} has no session`);
  const control = connectionById(rv, s.control);
  const data = t.dataConnection !== null ? connectionById(rv, t.dataConnection) : null;
  const [from, to] = transferControlRange(t, s, data);
  const clientSide = other(s.serverSide);
  const lanes = [connectionLane(control, 'control', 'C', clientSide, Math.max(from, control.firstFrame), Math.min(to, control.lastFrame))];
  if (data) lanes.push(connectionLane(data, 'data', 'D', t.dataSides?.ftpClient ?? 'client'));
  const bytes = typeof tv.bytes === 'number' ? `${groupDigits(tv.bytes)} bytes` : `bytes ${byteText(tv.bytes)}`;
  const facts = [t.mode ?? 'no PASV/PORT seen', bytes, t.replyCodes.length ? `replies ${repliesText(t)}` : 'no reply', t.outcome];
  if (!data) facts.push('no data connection seen');
  return {
    title: `Transfer ${t.id}: ${tv.what || 'transfer with an unreadable command'}`,
    subtitle: facts.join(', '),
    leftLabel: `FTP client ${s.client.addr}`,
    rightLabel: `FTP server ${s.server.addr}`,
    lanes,
    highlight: [],
  };
}

export function planConnection(rv: ResultView, id: number, highlight: number[] = []): LadderPlan {
  const c = connectionById(rv, id);
  const role = rv.connections.get(id)!.role;
  let leftSide: Side = 'client';
  let subtitle = 'not an FTP connection';
  let leftLabel = 'client';
  let rightLabel = 'server';
  const session = role === 'control' ? rv.unit.sessions.find((v) => v.s.control === id)?.s : undefined;
  const transfer = role === 'data' ? rv.transferOfData.get(id) : undefined;
  if (session) {
    leftSide = other(session.serverSide);
    subtitle = `FTP control connection of session ${session.id}`;
    leftLabel = 'FTP client';
    rightLabel = 'FTP server';
  } else if (transfer) {
    const t = transfer.t;
    leftSide = t.dataSides?.ftpClient ?? 'client';
    subtitle = `FTP data connection${transfer.what ? ` of ${transfer.what}` : ''} (transfer ${t.id}; --transfer ${t.id} draws it with its control connection)`;
    leftLabel = 'FTP client';
    rightLabel = 'FTP server';
  }
  const lane = connectionLane(c, role === 'attempt' ? 'other' : role, '', leftSide);
  return {
    title: `Connection ${c.id}: ${lane.left} ⇄ ${lane.right}`,
    subtitle: `${subtitle}; frames ${c.firstFrame}–${c.lastFrame}`,
    leftLabel: `${leftLabel} ${lane.left}`,
    rightLabel: `${rightLabel} ${lane.right}`,
    lanes: [lane],
    highlight,
  };
}

/** Resolves --connection / --transfer / --frame (the last one reads the capture up to frame N). */
export async function planTarget(path: string, rv: ResultView, target: LadderTarget): Promise<LadderPlan> {
  const r = rv.result;
  if ('connection' in target) return planConnection(rv, target.connection);
  if ('transfer' in target) return planTransfer(rv, target.transfer);
  const n = target.frame;
  if (!Number.isInteger(n) || n < 1 || n > r.capture.frames) throw new LadderError(`no frame ${n} (this capture has ${plural(r.capture.frames, 'frame')})`);
  const c = await connectionOfFrame(path, n, r.connections);
  if (!c) throw new LadderError(`frame ${n} is not a TCP segment of any connection`);
  return planConnection(rv, c.id, [n]);
}

// ---- FTP lines per frame ---------------------------------------------------------------------

function replyLine(rep: FtpReply): string {
  const first = rep.text.split('\n', 1)[0] ?? '';
  const code = rep.valid ? `${rep.code} ` : '';
  return `${code}${first}${rep.lines > 1 ? ` (+${rep.lines - 1} more lines)` : ''}`;
}

/** FTP lines of the sessions on the `controls` lanes, by the frame that carried them (a command
 *  at the frame where it starts, a reply at its first line), only for frames in the lane's range
 *  (a long session's other lines would be built and held for nothing). Secrets are the view's:
 *  hidden unless shown. */
function ftpLinesByFrame(rv: ResultView, controls: readonly LadderLane[]): Map<number, string[]> {
  const out = new Map<number, string[]>();
  let lane: LadderLane | undefined;
  const add = (frame: number, line: () => string) => {
    if (frame < lane!.fromFrame || frame > lane!.toFrame) return;
    const l = out.get(frame);
    if (l) l.push(line());
    else out.set(frame, [line()]);
  };
  const addReply = (rep: FtpReply) => add(rep.firstFrame, () => replyLine(rep));
  for (const v of rv.unit.sessions) {
    const s = v.s;
    lane = controls.find((l) => l.conn === s.control);
    if (!lane) continue;
    // replies and commands interleave by frame; within a frame, keep wire order by sorting later
    if (s.greeting) addReply(s.greeting);
    for (const c of v.commands) {
      add(c.cmd.frame, () => c.line);
      for (const p of c.cmd.preliminary) addReply(p);
      if (c.cmd.reply) addReply(c.cmd.reply);
    }
    for (const u of s.unsolicited) addReply(u);
  }
  return out;
}

// ---- elision ---------------------------------------------------------------------------------

/** A row while the folder holds it (a wrapper: copying the row's fields would cost more). */
interface HeldRow<R extends LadderRow = LadderRow> {
  kind: 'packet';
  row: R;
  index: number; //   position in the selection (0-based)
  pinned: boolean; // never folded: a finding frame, its context, the head or the tail
}

type HeldItem<R extends LadderRow = LadderRow> = HeldRow<R> | LadderGap;

const CONTROL_FLAGS = TcpFlag.SYN | TcpFlag.FIN | TcpFlag.RST;

/** Heuristic "bulk packet": a segment that tells nothing a neighbour doesn't: no SYN/FIN/RST,
 *  no FTP line, no finding. Runs of these (data segments and their ACKs) are what a ladder
 *  folds first. */
function isBulk(r: LadderRow): boolean {
  return (r.flags & CONTROL_FLAGS) === 0 && r.lines.length === 0 && r.marks.length === 0;
}

function gapOf(r: LadderRow): LadderGap {
  return {
    kind: 'gap',
    packets: 1,
    dataPackets: r.len > 0 ? 1 : 0,
    bytes: r.len,
    ftpLines: r.lines.length,
    controlFlags: r.flags & CONTROL_FLAGS ? 1 : 0,
    firstFrame: r.frame,
    lastFrame: r.frame,
    startTime: r.time,
    endTime: r.time,
  };
}

function mergeGap(a: LadderGap, b: LadderGap): LadderGap {
  return {
    kind: 'gap',
    packets: a.packets + b.packets,
    dataPackets: a.dataPackets + b.dataPackets,
    bytes: a.bytes + b.bytes,
    ftpLines: a.ftpLines + b.ftpLines,
    controlFlags: a.controlFlags + b.controlFlags,
    firstFrame: Math.min(a.firstFrame, b.firstFrame),
    lastFrame: Math.max(a.lastFrame, b.lastFrame),
    startTime: Math.min(a.startTime, b.startTime),
    endTime: Math.max(a.endTime, b.endTime),
  };
}

/**
 * Keeps a ladder within its budget while packets stream in, in bounded memory.
 *
 * Heuristic "elision": when a selection has more than `max` packets,
 *  (a) runs of at least MIN_RUN unpinned bulk packets become one gap line;
 *  (b) if the rows are still over budget, every unpinned row between the first ⌈max/2⌉ and
 *      the last ⌊max/2⌋ items is folded too (keepEnds false: all of them).
 * Pinned rows (finding frames with their context, highlighted frames, the first and last few
 * packets) are never folded, so a ladder may exceed `max` by them. While streaming, (a) and (b)
 * run on the settled part (all but the last `cap` items) whenever twice that is held; once (b)
 * has run there, it runs on the rest at the end too, so both parts are folded alike.
 *
 * R: the row type (a LadderRow with more fields, e.g. the two-point ladder's); rows come back
 * as pushed.
 */
export class LadderFolder<R extends LadderRow = LadderRow> {
  private items: HeldItem<R>[] = []; // rows and gaps, in capture order
  private count = 0; //          packets pushed
  private pinAfter = 0; //       packets still to pin after a finding frame
  private foldedAll = false; //  (b) ran while streaming: it must then run on the rest too
  private readonly cap: number; //  items never compacted at the tail (and half the trigger)
  private nextCompaction: number; // held items that trigger the next compaction

  constructor(
    private readonly max: number,
    private readonly pins: ReadonlySet<number>, //          frames to keep, with context
    private readonly pinsAlone: ReadonlySet<number>, //     frames to keep, without context
    private readonly context: number,
    private readonly keepEnds: boolean,
  ) {
    this.cap = Math.max(max, 64);
    this.nextCompaction = 2 * this.cap;
  }

  /** `pin`: keep this row whatever its frame number ('context': with the rows around it, as a
   *  frame in `pins`; 'alone': as one in `pinsAlone`), for callers whose frame numbers are not
   *  unique keys (two captures). */
  push(row: R, pin?: 'context' | 'alone'): void {
    const held: HeldRow<R> = { kind: 'packet', row, index: this.count++, pinned: false };
    if (this.keepEnds && held.index < HEAD) held.pinned = true;
    if (this.pins.has(row.frame) || pin === 'context') {
      held.pinned = true;
      // pin the packets just before it (still rows: the last `cap` items are never folded)
      let left = this.context;
      for (let i = this.items.length - 1; i >= 0 && left > 0; i--) {
        const it = this.items[i]!;
        if (it.kind !== 'packet') break;
        it.pinned = true;
        left--;
      }
      this.pinAfter = this.context;
    } else if (this.pinAfter > 0) {
      held.pinned = true;
      this.pinAfter--;
    }
    if (this.pinsAlone.has(row.frame) || pin === 'alone') held.pinned = true;
    this.items.push(held);
    if (this.items.length > this.nextCompaction) {
      const end = this.items.length - this.cap;
      this.foldRuns(end);
      if (this.items.length > this.cap) {
        this.foldedAll = true;
        this.foldAll(this.keepEnds ? Math.ceil(this.max / 2) : 0, this.items.length - this.cap);
      }
      // pinned rows stay: the next compaction waits until the held items double again, which
      // keeps the work linear however many rows are pinned
      this.nextCompaction = Math.max(2 * this.cap, 2 * this.items.length);
    }
  }

  /** The final items (no more packets). */
  finish(): { items: Array<R | LadderGap>; packets: number } {
    if (this.count > this.max) {
      if (this.keepEnds) {
        let n = 0;
        for (let i = this.items.length - 1; i >= 0 && n < TAIL; i--) {
          const it = this.items[i]!;
          if (it.kind === 'packet') {
            it.pinned = true;
            n++;
          }
        }
      }
      this.foldRuns(this.items.length);
      if (this.foldedAll || this.items.length > this.max) {
        const head = this.keepEnds ? Math.ceil(this.max / 2) : 0;
        const tail = this.keepEnds ? Math.floor(this.max / 2) : 0;
        this.foldAll(head, this.items.length - tail);
      }
    }
    const items: Array<R | LadderGap> = this.items.map((it) => {
      if (it.kind === 'gap') return it;
      return it.row;
    });
    return { items, packets: this.count };
  }

  /** (a): runs of unpinned bulk rows in items[0, end) become gaps; a row next to a gap joins it. */
  private foldRuns(end: number): void {
    const out: HeldItem<R>[] = [];
    let run: HeldRow<R>[] = [];
    const flush = (force: boolean) => {
      const prev = out[out.length - 1];
      if (run.length >= MIN_RUN || (run.length > 0 && (force || prev?.kind === 'gap'))) {
        let g = gapOf(run[0]!.row);
        for (let k = 1; k < run.length; k++) g = mergeGap(g, gapOf(run[k]!.row));
        if (prev?.kind === 'gap') {
          out.pop();
          g = mergeGap(prev, g);
        }
        out.push(g);
      } else {
        out.push(...run);
      }
      run = [];
    };
    for (let i = 0; i < end; i++) {
      const it = this.items[i]!;
      if (it.kind === 'packet' && !it.pinned && isBulk(it.row)) {
        run.push(it);
        continue;
      }
      if (it.kind === 'gap') {
        flush(true);
        const prev = out[out.length - 1];
        if (prev?.kind === 'gap') out[out.length - 1] = mergeGap(prev, it);
        else out.push(it);
        continue;
      }
      flush(false);
      out.push(it);
    }
    flush(false);
    this.items = out.concat(this.items.slice(end));
  }

  /** (b): every unpinned row in items[from, end) is folded into the gaps around it. */
  private foldAll(from: number, end: number): void {
    if (end <= from) return;
    const out: HeldItem<R>[] = this.items.slice(0, from);
    for (let i = from; i < end; i++) {
      const it = this.items[i]!;
      const prev = out[out.length - 1];
      if (it.kind === 'packet' && it.pinned) {
        out.push(it);
        continue;
      }
      const g = it.kind === 'gap' ? it : gapOf(it.row);
      if (prev?.kind === 'gap' && i > from) out[out.length - 1] = mergeGap(prev, g);
      else out.push(g);
    }
    this.items = out.concat(this.items.slice(end));
  }
}

// ---- building --------------------------------------------------------------------------------

function marksByFrame(findings: readonly Finding[]): Map<number, LadderMark[]> {
  const out = new Map<number, LadderMark[]>();
  for (const f of findings) {
    for (const fr of f.frames) {
      const l = out.get(fr) ?? [];
      if (!l.some((m) => m.id === f.id)) l.push({ id: f.id, severity: f.severity });
      out.set(fr, l);
    }
  }
  for (const l of out.values()) l.sort((a, b) => severityRank[b.severity!] - severityRank[a.severity!]);
  return out;
}

/** Collects one ladder's rows from replayed packets: a ReplayConsumer. */
export class LadderBuilder implements ReplayConsumer {
  readonly selections: ReplaySelection[];
  private readonly folder: LadderFolder;
  private readonly laneOf = new Map<number, number>(); // Connection.id → lane index
  private readonly lines: Map<number, string[]>; //      frame → FTP lines it carried
  private readonly marks: Map<number, LadderMark[]>; //  frame → findings citing it
  private readonly seen = new Set<number>(); //           finding frames met in the selection
  private captureStart = 0; //                             seconds since epoch of the capture's frame 1 (replay calls start() before any push)
  private readonly findings: readonly Finding[]; //       the findings marked on this ladder

  constructor(
    rv: ResultView,
    readonly plan: LadderPlan,
    private readonly opts: LadderOptions,
  ) {
    this.selections = plan.lanes.map((l) => ({ connection: connectionById(rv, l.conn), fromFrame: l.fromFrame, toFrame: l.toFrame }));
    plan.lanes.forEach((l, i) => this.laneOf.set(l.conn, i));
    this.lines = ftpLinesByFrame(rv, plan.lanes.filter((l) => l.role === 'control'));
    this.findings = opts.findings ?? rv.result.findings;
    this.marks = marksByFrame(this.findings);
    for (const h of plan.highlight) {
      const l = this.marks.get(h) ?? [];
      l.push({ id: `frame ${h}`, severity: null });
      this.marks.set(h, l);
    }
    // Heuristic "pin budget": error frames are always kept, with context. Warning frames (with
    // context) and info frames (alone) are kept while their rows fit in `max`, most severe
    // first, taking one frame of each rule id in turn so that one chatty rule (687 "data
    // connection not captured" on one control connection) cannot crowd out a rarer one (a lost
    // segment). Frames past the budget are still marked when drawn.
    const pins = new Set<number>();
    const alone = new Set<number>(plan.highlight);
    const context = opts.context ?? DEFAULT_CONTEXT;
    const inRange = (fr: number) => plan.lanes.some((l) => fr >= l.fromFrame && fr <= l.toFrame);
    let budget = Math.max(opts.max, 20);
    for (const sev of ['error', 'warning', 'info'] as const) {
      const queues = new Map<string, number[]>();
      for (const f of this.findings) {
        if (f.severity !== sev) continue;
        const q = queues.get(f.id) ?? [];
        for (const fr of f.frames) if (inRange(fr)) q.push(fr);
        queues.set(f.id, q);
      }
      const lists = [...queues.values()];
      const cost = sev === 'info' ? 1 : 2 * context + 1;
      for (let i = 0; lists.some((q) => i < q.length); i++) {
        for (const q of lists) {
          const fr = q[i];
          if (fr === undefined || pins.has(fr) || alone.has(fr)) continue;
          if (sev === 'error') pins.add(fr);
          else if (budget >= cost) {
            (sev === 'warning' ? pins : alone).add(fr);
            budget -= cost;
          }
        }
        if (sev !== 'error' && budget < cost) break;
      }
    }
    this.folder = new LadderFolder(Math.max(1, opts.max), pins, alone, context, opts.keepEnds ?? true);
  }

  /** Time origin for the rows: the capture's first frame (as Wireshark's time column). */
  start(t: number): void {
    this.captureStart = t;
  }

  push(p: ReplayPacket): void {
    const lane = this.laneOf.get(p.conn) ?? 0;
    const fromLeft = p.from === this.plan.lanes[lane]!.leftSide;
    const marks = this.marks.get(p.frame) ?? [];
    if (marks.length) this.seen.add(p.frame);
    this.folder.push({
      kind: 'packet',
      frame: p.frame,
      time: p.time - this.captureStart,
      lane,
      dir: fromLeft ? 'right' : 'left',
      flags: p.flags,
      seq: p.seq,
      ack: p.flags & TcpFlag.ACK ? p.ack : null,
      len: p.len,
      window: p.window,
      lines: this.lines.get(p.frame) ?? [],
      marks,
    });
  }

  finish(): LadderModel {
    const { items, packets } = this.folder.finish();
    const drawn = new Set<number>();
    for (const it of items) if (it.kind === 'packet') drawn.add(it.frame);
    const byId = new Map<string, { severity: Severity; title: string; instances: number; frames: Set<number> }>();
    for (const f of this.findings) {
      if (!f.frames.some((fr) => this.seen.has(fr))) continue;
      const g = byId.get(f.id);
      if (!g) byId.set(f.id, { severity: f.severity, title: f.title, instances: 1, frames: new Set(f.frames) });
      else {
        g.instances++;
        for (const fr of f.frames) g.frames.add(fr);
        if (severityRank[f.severity] > severityRank[g.severity]) g.severity = f.severity;
      }
    }
    const refs: LadderFindingRef[] = [];
    for (const [id, g] of byId) {
      const frames = [...g.frames].sort((a, b) => a - b);
      refs.push({
        id,
        severity: g.severity,
        title: g.title,
        instances: g.instances,
        frames,
        drawn: frames.filter((fr) => drawn.has(fr)),
        folded: frames.filter((fr) => this.seen.has(fr) && !drawn.has(fr)),
        elsewhere: frames.filter((fr) => !this.seen.has(fr)),
      });
    }
    refs.sort((a, b) => severityRank[b.severity] - severityRank[a.severity]);
    const p = this.plan;
    return { title: p.title, subtitle: p.subtitle, leftLabel: p.leftLabel, rightLabel: p.rightLabel, lanes: p.lanes, items, packets, findings: refs };
  }
}

/** Reads the capture again for one ladder. */
export async function buildLadder(path: string, rv: ResultView, plan: LadderPlan, opts: LadderOptions): Promise<LadderModel> {
  const b = new LadderBuilder(rv, plan, opts);
  await replayConnections(path, [b]);
  return b.finish();
}
