// The two-point ladder as data: one connection as seen at both capture points, drawn the way
// network engineers draw a path through a middlebox, four columns in path order:
//
//   host on the left | the capture point nearer it | the other capture point | host on the right
//
// One row per segment (a segment seen at both points is one row): the copies are paired by the
// alignment of `ftpdiag compare` (align.ts), and each row says what happened between the points:
//   passed    seen at both, unchanged (the TTL drop every segment of the direction shows is not a change)
//   changed   seen at both, altered in between (payload rewritten by an ALG, flags, window, TTL, options)
//   lost      seen at the upstream point only (dropped or lost in between)
//   injected  seen at the downstream point only (made in between, or a capture that missed it)
//   one-sided seen at one point, and which point the segments pass first is unknown
//
// Layout decisions: the capture point nearer the FTP client (the one the control connection's
// client sends through first) is the left point for every connection of a comparison, so that
// ladders of the control and the data connections read alike; the host on each side is whichever
// end of the connection sends through that point first (in active mode the left host is the TCP
// server). Rows are in the order segments passed their first capture point, on A's clock (B's
// corrected by the clock offset); seq/ack are relative, as the sender put them on the wire (the
// upstream copy: after an ALG rewrite the two points number the stream differently). Bulk data
// runs fold with the single-capture ladder's folder (report/ladder-model.ts) and its rules.

import { TcpFlag } from '../decode/packet.ts';
import type { Severity } from '../diagnose/finding.ts';
import { LadderError, LadderFolder, type LadderGap, type LadderRow } from '../report/ladder-model.ts';
import type { Side } from '../tcp/types.ts';
import { alignDirection } from './align.ts';
import { payloadLines } from './payload-text.ts';
import { segmentDiffs, type CompareDetail, type ConnectionReport, type SegmentDiff } from './compare.ts';
import { DirSigs, type CaptureSigs, type ConnSigs } from './signatures.ts';
import type { SeqMap } from './align.ts';

export type Fate = 'passed' | 'changed' | 'lost' | 'injected' | 'one-sided';
export type Point = 'a' | 'b';

/** One copy of a segment, as one capture point saw it. */
export interface SeenAt {
  frame: number; //  that capture's frame number
  time: number; //   seconds since A's first frame, on A's clock (B's corrected by the offset)
  ttl: number;
}

export interface TwoPointRow extends LadderRow {
  // LadderRow: frame = A's frame (for a segment A never saw, the A frame drawn before it, so that
  // folded runs keep A's numbering); time = when it passed its first point; dir 'right' = sent by
  // the left host; flags/seq/ack/len/window/lines = the copy drawn (the upstream one, when seen
  // there); marks = its fate unless 'passed' (keeps it out of bulk runs)
  fate: Fate;
  a: SeenAt | null; //    the copy in A
  b: SeenAt | null; //    the copy in B
  delay: number | null; // seconds from the first point to the second (clock offset corrected)
  diffs: SegmentDiff[]; // changed: what differs (values as in A and in B; payload text redacted)
  up: Point | null; //    the point this direction's segments pass first
}

export interface LadderEnd {
  label: string; //       'FTP client' / 'FTP server' when the comparison has a control connection, else the TCP role
  role: Side; //          TCP role in A (in B for a connection only B saw)
  a: string | null; //    'addr:port' in capture A (raw)
  b: string | null; //    … in B
}

export interface TwoPointLadder {
  title: string; //       raw
  connection: { a: number | null; b: number | null }; // connection ids in each capture
  files: { a: string; b: string };
  left: LadderEnd; //     host drawn in the left column
  right: LadderEnd;
  leftPoint: Point; //    capture point drawn next to the left host
  matchedBy: string[];
  nat: string[];
  clock: { offset: number | null; note: string };
  hops: { right: number | null; left: number | null }; // usual TTL drop between the points, per travel direction
  counts: Record<Fate, number>; // over the whole connection (drawn or folded)
  packets: number; //     rows in the selection (segments; one seen at both points counts once)
  control: boolean; //    looks like an FTP control connection: its text lines are shown
  items: Array<TwoPointRow | LadderGap>;
}

export interface TwoPointLadderOptions {
  max: number; //         rows drawn before bulk runs fold (as `ftpdiag ladder --max`)
  context?: number; //    rows kept either side of a lost/injected/changed one
}

/** Which connection: a connection id in capture A or B; null = the default. */
export type TwoPointTarget = { capture: Point; id: number } | null;

const DEFAULT_CONTEXT = 2;
const MARK_SEVERITY: Record<Exclude<Fate, 'passed'>, Severity> = { lost: 'error', injected: 'error', changed: 'warning', 'one-sided': 'info' };

const other = (p: Point): Point => (p === 'a' ? 'b' : 'a');
const portOf = (ep: string) => Number(ep.slice(ep.lastIndexOf(':') + 1));

/** A connection with a difference: something lost, injected, changed or seen on one side only. */
function differs(c: ConnectionReport): boolean {
  return c.a === null || c.b === null || c.directions.some((d) => d.lost.count + d.injected.count + d.oneSided.count + d.changed > 0);
}

/** --connection ID (in A, or in B), else the first connection with a difference, else the first. */
export function pickConnection(d: CompareDetail, target: TwoPointTarget): ConnectionReport {
  const cs = d.result.connections;
  if (target === null) {
    const c = cs.find(differs) ?? cs[0];
    if (!c) throw new LadderError('neither capture holds a TCP connection');
    return c;
  }
  const c = cs.find((x) => x[target.capture]?.id === target.id);
  if (c) return c;
  const n = (target.capture === 'a' ? d.A : d.B).connections.length;
  throw new LadderError(`no connection ${target.id} in ${target.capture.toUpperCase()} (it has ${n} ${n === 1 ? 'connection' : 'connections'}${n ? `, 0–${n - 1}` : ''})`);
}

/** Heuristic "left point": the capture point the FTP client sends through first, i.e. the
 *  upstream point of the client → server direction of the first connection to port 21 (else of
 *  any connection whose orientation is known); A when nothing tells. `ftp`: found by the first
 *  rule (the left host is then the FTP client's host). */
function leftPointOf(cs: readonly ConnectionReport[]): { point: Point; ftp: boolean } {
  const known = (c: ConnectionReport): Point | null => {
    const [c2s, s2c] = c.directions;
    if (c2s?.upstream) return c2s.upstream;
    if (s2c?.upstream) return other(s2c.upstream);
    return null;
  };
  const ctl = cs.find((c) => [c.a, c.b].some((e) => e !== null && portOf(e.server) === 21) && known(c) !== null);
  if (ctl) return { point: known(ctl)!, ftp: true };
  for (const c of cs) {
    const k = known(c);
    if (k) return { point: k, ftp: false };
  }
  return { point: 'a', ftp: false };
}

/** One direction of the drawn connection, whichever captures saw it. */
interface DirView {
  sender: Side;
  sig: Record<Point, DirSigs>; //  copies (an empty DirSigs for a capture without the connection)
  peer: Record<Point, DirSigs>; // the reverse direction (acknowledgments refer to it)
  peerMap: SeqMap | null; //        A's positions of the reverse direction in B's numbering
  pairOf: Record<Point, Int32Array>; // index in one capture → index in the other (-1 none)
  up: Point | null;
  hops: number | null; //           usual TTL drop upstream → downstream
  right: boolean; //                sent by the left host
}

/** Heuristic "FTP control connection": the server's first payload starts with a reply code
 *  ("220 " / "220-"), or the server port is 21. Only there are text payloads drawn as lines. */
function looksLikeControl(server: DirSigs, serverPort: number): boolean {
  if (serverPort === 21) return true;
  for (let i = 0; i < server.n; i++) {
    if (server.len[i]! === 0) continue;
    return /^[1-5]\d\d[ -]/.test(server.snippets?.get(i) ?? '');
  }
  return false;
}

function sigsOf(c: CaptureSigs, id: number | undefined): ConnSigs | null {
  return id === undefined ? null : (c.connections.find((x) => x.id === id) ?? null);
}

function views(d: CompareDetail, c: ConnectionReport, leftPoint: Point): { dirs: DirView[]; control: boolean } {
  const offset = d.result.clock.offset;
  const hopsOf = (k: number) => c.directions[k]?.ttlHops[0]?.hops ?? null;
  const empty = new DirSigs();
  const out: DirView[] = [];
  let server: DirSigs;
  let serverPort: number;
  const w = c.a && c.b ? d.works.find((x) => x.p.a.id === c.a!.id && x.p.b.id === c.b!.id) : undefined;
  if (w) {
    for (let k = 0; k < 2; k++) {
      const x = w.dirs[k]!;
      const al = alignDirection(x.a, x.b, x.aPeer, x.bPeer, x.own, x.peer, w.aUp[k] ?? null, offset);
      out.push({ sender: x.sender, sig: { a: x.a, b: x.b }, peer: { a: x.aPeer, b: x.bPeer }, peerMap: x.peer, pairOf: { a: al.pairOfA, b: al.pairOfB }, up: c.directions[k]!.upstream, hops: hopsOf(k), right: false });
    }
    server = w.p.a.s2c;
    serverPort = w.p.a.conn.server.port;
  } else {
    const cap: Point = c.a ? 'a' : 'b';
    const cs = sigsOf(cap === 'a' ? d.A : d.B, c[cap]?.id);
    if (!cs) throw new LadderError('the connection is missing from its capture');
    const none = new Int32Array(0);
    for (const [k, sender, dir, peer] of [[0, 'client', cs.c2s, cs.s2c], [1, 'server', cs.s2c, cs.c2s]] as const) {
      const pairs = new Int32Array(dir.n).fill(-1);
      out.push({
        sender,
        sig: cap === 'a' ? { a: dir, b: empty } : { a: empty, b: dir },
        peer: cap === 'a' ? { a: peer, b: empty } : { a: empty, b: peer },
        peerMap: null,
        pairOf: cap === 'a' ? { a: pairs, b: none } : { a: none, b: pairs },
        up: c.directions[k]!.upstream,
        hops: null,
        right: false,
      });
    }
    server = cs.s2c;
    serverPort = cs.conn.server.port;
  }
  // the left host: the end that sends through the left point first
  const [c2s, s2c] = out as [DirView, DirView];
  const clientLeft = c2s.up !== null ? c2s.up === leftPoint : s2c.up !== null ? s2c.up !== leftPoint : true;
  c2s.right = clientLeft;
  s2c.right = !clientLeft;
  return { dirs: out, control: looksLikeControl(server, serverPort) };
}

/** Streams one direction's rows in time order: its copies at the upstream point (paired or
 *  lost), or at the downstream point without a pair (injected). */
class Cursor {
  private i = 0;
  constructor(
    readonly v: DirView,
    readonly point: Point, //    whose copies this cursor walks
    readonly upstream: boolean, // walks the upstream copies (else the downstream ones without a pair)
    private readonly clock: (p: Point, t: number) => number,
  ) {
    this.skip();
  }
  private skip(): void {
    if (this.upstream) return;
    const pairs = this.v.pairOf[this.point];
    while (this.i < this.v.sig[this.point].n && pairs[this.i]! >= 0) this.i++;
  }
  /** Time of the next copy (Infinity when done). */
  peek(): number {
    const s = this.v.sig[this.point];
    return this.i < s.n ? this.clock(this.point, s.time[this.i]!) : Infinity;
  }
  take(): number {
    const i = this.i++;
    this.skip();
    return i;
  }
}

export function buildTwoPointLadder(d: CompareDetail, target: TwoPointTarget, opts: TwoPointLadderOptions): TwoPointLadder {
  const c = pickConnection(d, target);
  const r = d.result;
  const { point: leftPoint, ftp } = leftPointOf(r.connections);
  const { dirs, control } = views(d, c, leftPoint);
  const offset = r.clock.offset ?? 0;
  const origin = d.A.firstTime ?? (d.B.firstTime !== null ? d.B.firstTime - offset : 0);
  const clock = (p: Point, t: number) => (p === 'a' ? t : t - offset) - origin;

  const cursors: Cursor[] = [];
  for (const v of dirs) {
    const up = v.up ?? 'a';
    cursors.push(new Cursor(v, up, true, clock), new Cursor(v, other(up), false, clock));
  }
  const context = opts.context ?? DEFAULT_CONTEXT;
  const folder = new LadderFolder<TwoPointRow>(Math.max(1, opts.max), new Set(), new Set(), context, true);
  // Heuristic "pin budget" (as the single ladder's for warnings): a lost, injected or changed
  // row is kept with its context while such rows fit in `max`; later ones are still marked, and
  // folded only when the ladder is over budget even after bulk runs are folded.
  let budget = Math.max(opts.max, 20);
  const cost = 2 * context + 1;
  const counts: Record<Fate, number> = { passed: 0, changed: 0, lost: 0, injected: 0, 'one-sided': 0 };
  let firstA = Infinity;
  for (const v of dirs) if (v.sig.a.n > 0) firstA = Math.min(firstA, v.sig.a.frame[0]!);
  // a row A never saw takes the A frame drawn before it (a connection A lacks: its B frame)
  let lastA: number | null = Number.isFinite(firstA) ? firstA : null;

  for (;;) {
    let best: Cursor | null = null;
    let bt = Infinity;
    for (const cu of cursors) {
      const t = cu.peek();
      if (t < bt) {
        bt = t;
        best = cu;
      }
    }
    if (best === null) break;
    const row = makeRow(best, best.take(), clock, control, lastA);
    if (row.a && lastA !== null) lastA = row.a.frame;
    counts[row.fate]++;
    let pin: 'context' | undefined;
    if (row.fate !== 'passed' && budget >= cost) {
      pin = 'context';
      budget -= cost;
    }
    folder.push(row, pin);
  }
  const { items, packets } = folder.finish();

  const c2s = dirs[0]!;
  const endOf = (role: Side, label: string): LadderEnd => ({ label: ftp ? label : role, role, a: c.a ? c.a[role] : null, b: c.b ? c.b[role] : null });
  const leftRole: Side = c2s.right ? 'client' : 'server';
  const rightRole: Side = c2s.right ? 'server' : 'client';
  const hopsRight = dirs.find((v) => v.right)?.hops ?? null;
  const hopsLeft = dirs.find((v) => !v.right)?.hops ?? null;
  const title = c.a && c.b ? `Connection A#${c.a.id} = B#${c.b.id}` : `Connection ${c.a ? `A#${c.a.id}` : `B#${c.b!.id}`} — only in ${c.a ? 'A' : 'B'}`;
  return {
    title,
    connection: { a: c.a?.id ?? null, b: c.b?.id ?? null },
    files: { a: r.a.file, b: r.b.file },
    left: endOf(leftRole, 'FTP client'),
    right: endOf(rightRole, 'FTP server'),
    leftPoint,
    matchedBy: c.matchedBy,
    nat: c.nat,
    clock: { offset: r.clock.offset, note: r.clock.note },
    hops: { right: hopsRight, left: hopsLeft },
    counts,
    packets,
    control,
    items,
  };
}

function makeRow(cu: Cursor, i: number, clock: (p: Point, t: number) => number, control: boolean, lastA: number | null): TwoPointRow {
  const v = cu.v;
  const p = cu.point;
  const q = other(p);
  const s = v.sig[p];
  const j = cu.upstream ? v.pairOf[p][i]! : -1;
  const seen = (pt: Point, x: number): SeenAt => ({ frame: v.sig[pt].frame[x]!, time: clock(pt, v.sig[pt].time[x]!), ttl: v.sig[pt].ttl[x]! });
  const here = seen(p, i);
  const there = j >= 0 ? seen(q, j) : null;
  let fate: Fate;
  let diffs: SegmentDiff[] = [];
  if (there) {
    const ai = p === 'a' ? i : j;
    const bj = p === 'a' ? j : i;
    diffs = segmentDiffs(v.sig.a, ai, v.sig.b, bj, v.peer.a, v.peer.b, v.peerMap!)
      // a router's TTL decrement, the same on every segment of the direction, is no change
      .filter((x) => !(x.field === 'ttl' && v.hops !== null && (v.up === 'b' ? x.b - x.a : x.a - x.b) === v.hops));
    fate = diffs.length > 0 ? 'changed' : 'passed';
  } else fate = v.up === null ? 'one-sided' : cu.upstream ? 'lost' : 'injected';
  const flags = s.flags[i]!;
  const text = control ? s.snippets?.get(i) : undefined;
  return {
    kind: 'packet',
    frame: p === 'a' ? here.frame : (there?.frame ?? lastA ?? here.frame),
    time: here.time,
    lane: 0,
    dir: v.right ? 'right' : 'left',
    flags,
    seq: (s.seq[i]! - s.base()) >>> 0,
    ack: flags & TcpFlag.ACK ? (s.ack[i]! - v.peer[p].base()) >>> 0 : null,
    len: s.len[i]!,
    window: s.win[i]!,
    lines: text === undefined ? [] : payloadLines(text),
    marks: fate === 'passed' ? [] : [{ id: fate, severity: MARK_SEVERITY[fate] }],
    fate,
    a: p === 'a' ? here : there,
    b: p === 'b' ? here : there,
    delay: there ? there.time - here.time : null,
    diffs,
    up: v.up,
  };
}
