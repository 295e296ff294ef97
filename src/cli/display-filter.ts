// The display filter of analyze, log and ladder: narrows what a report shows to some hosts,
// ports, sessions, transfers or connections, while the analysis still reads every frame (a
// finding about a transfer needs its control connection whatever the filter says).
//
// Syntax: tcpdump's primitives for what a connection is, with the FTP units added, so that a
// tcpdump user guesses it; tshark's field comparisons are taken too:
//
//   host 192.0.2.1 and port 21          src host 10.0.0.5        net 2001:db8::/32
//   port 20 or port 2121                portrange 50000-50100    ip6
//   session 3        transfer 12        connection 7             not session 0
//   (host 10.0.0.1 or host 10.0.0.2) and not port 22
//   host 10.0.0.1 or 10.0.0.2           (a bare value repeats the word before it, as in tcpdump)
//   ip.addr == 192.0.2.1 && tcp.port == 21       tcp.stream == 7
//
// `src` is the side that opened the TCP connection (sent the SYN), `dst` the side that accepted
// it: a connection is not a packet, and its direction is the one Zeek's orig/resp gives.
//
// What is shown: each FTP transfer is tested with its data connection and its session's control
// connection (so `host D` finds an active-mode transfer whose data goes to D, and `port 21` every
// transfer of a session on port 21); a session is shown when it matches on its own (its control
// connection, `session N`) or when one of its transfers does, with the transfers that match;
// a connection in no session is tested alone. Findings follow what they are about (a finding
// about a client's logins across sessions follows the sessions whose login replies it cites);
// findings about the capture as a whole are always shown. A session shown only for some of its transfers is
// shown with its own findings and lines (login, directory changes).

import type { Finding } from '../diagnose/finding.ts';
import type { Session, Transfer } from '../ftp/types.ts';
import type { ReleasedFinding, ReleasedUnit } from '../pipeline/release.ts';
import { resultUnit, type AnalysisResult } from '../pipeline/result.ts';
import type { Connection } from '../tcp/types.ts';
import { escapeWire } from '../report/escape.ts';
import { plural } from '../format/words.ts';
import type { Severity } from '../diagnose/finding.ts';
import { CliError } from './io.ts';

type Dir = 'either' | 'src' | 'dst' | 'both';
type Addr = { version: 4 | 6; bytes: number[] };
type Prim =
  | { kind: 'host'; dir: Dir; addr: Addr }
  | { kind: 'net'; dir: Dir; addr: Addr; prefix: number }
  | { kind: 'port'; dir: Dir; from: number; to: number }
  | { kind: 'ip'; version: 4 | 6 }
  | { kind: 'all' | 'none' } //                       tcp (every connection is); udp, icmp, sctp
  | { kind: 'ftp' | 'ftp-data' }
  | { kind: 'session' | 'transfer' | 'connection'; id: number };
type Expr = Prim | { kind: 'and' | 'or'; a: Expr; b: Expr } | { kind: 'not'; a: Expr };

/** The words that start a display filter (after the capture file on the command line). */
export const FILTER_WORDS: ReadonlySet<string> = new Set([
  'host', 'net', 'port', 'portrange', 'src', 'dst', 'ip', 'ip6', 'tcp', 'udp', 'icmp', 'icmp6', 'sctp', 'ftp', 'ftp-data',
  'session', 'transfer', 'connection', 'not', '!', '(',
  'ip.addr', 'ip.src', 'ip.dst', 'ipv6.addr', 'ipv6.src', 'ipv6.dst', 'tcp.port', 'tcp.srcport', 'tcp.dstport', 'tcp.stream',
]);

/** Whether a command-line word starts a display filter rather than naming a file. */
export function startsFilter(word: string): boolean {
  const w = word.toLowerCase();
  return FILTER_WORDS.has(w) || w.startsWith('(') || w.startsWith('!') || /^(ip|ipv6|tcp)\.\w+\s*(==|!=)/.test(w);
}

// ---- addresses ----------------------------------------------------------------------------

function ipv4Bytes(s: string): number[] | null {
  const parts = s.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return parts.map(Number);
}

function ipv6Bytes(s: string): number[] | null {
  if (!/^[0-9a-f:.]+$/i.test(s) || !s.includes(':')) return null;
  const halves = s.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string): number[] | null => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const g = items[i]!;
      if (i === items.length - 1 && g.includes('.')) {
        const v4 = ipv4Bytes(g);
        if (!v4) return null;
        out.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
      } else if (/^[0-9a-f]{1,4}$/i.test(g)) out.push(parseInt(g, 16));
      else return null;
    }
    return out;
  };
  const head = groups(halves[0]!);
  const tail = halves.length === 2 ? groups(halves[1]!) : [];
  if (!head || !tail) return null;
  const fill = 8 - head.length - tail.length;
  if (halves.length === 2 ? fill < 1 : fill !== 0) return null;
  const all = [...head, ...new Array<number>(fill).fill(0), ...tail];
  return all.flatMap((g) => [g >> 8, g & 0xff]);
}

/** An address as the filter compares it; null when `s` is not an IPv4 or IPv6 address. */
export function parseAddr(s: string): Addr | null {
  const v4 = ipv4Bytes(s);
  if (v4) return { version: 4, bytes: v4 };
  const v6 = ipv6Bytes(s.replace(/^\[|\]$/g, '').replace(/%.*$/, ''));
  return v6 ? { version: 6, bytes: v6 } : null;
}

function sameAddr(a: Addr, b: Addr): boolean {
  return a.version === b.version && a.bytes.every((x, i) => x === b.bytes[i]);
}

function inNet(a: Addr, net: Addr, prefix: number): boolean {
  if (a.version !== net.version) return false;
  for (let bit = 0; bit < prefix; bit += 8) {
    const n = Math.min(8, prefix - bit);
    const mask = (0xff << (8 - n)) & 0xff;
    if (((a.bytes[bit / 8]! ^ net.bytes[bit / 8]!) & mask) !== 0) return false;
  }
  return true;
}

// ---- parsing ------------------------------------------------------------------------------

class FilterSyntaxError extends Error {}

const TOKEN = /\s*(\(|\)|&&|\|\||==|!=|!|[^\s()!=&|]+)/gy;

function tokenize(text: string): string[] {
  const out: string[] = [];
  TOKEN.lastIndex = 0;
  let m: RegExpExecArray | null;
  let at = 0;
  while ((m = TOKEN.exec(text)) !== null) {
    out.push(m[1]!);
    at = TOKEN.lastIndex;
  }
  if (text.slice(at).trim() !== '') throw new FilterSyntaxError(`cannot read '${text.slice(at).trim()}'`);
  return out;
}

const TSHARK_FIELDS: Record<string, { kind: 'host' | 'port' | 'connection'; dir: Dir }> = {
  'ip.addr': { kind: 'host', dir: 'either' },
  'ip.src': { kind: 'host', dir: 'src' },
  'ip.dst': { kind: 'host', dir: 'dst' },
  'ipv6.addr': { kind: 'host', dir: 'either' },
  'ipv6.src': { kind: 'host', dir: 'src' },
  'ipv6.dst': { kind: 'host', dir: 'dst' },
  'tcp.port': { kind: 'port', dir: 'either' },
  'tcp.srcport': { kind: 'port', dir: 'src' },
  'tcp.dstport': { kind: 'port', dir: 'dst' },
  'tcp.stream': { kind: 'connection', dir: 'either' },
};

/** tcpdump's protocol words: ftpdiag's connections are all TCP, over IPv4 or IPv6. */
const PROTOCOLS: Readonly<Record<string, Prim>> = {
  ip: { kind: 'ip', version: 4 },
  ip6: { kind: 'ip', version: 6 },
  tcp: { kind: 'all' },
  udp: { kind: 'none' },
  sctp: { kind: 'none' },
  icmp: { kind: 'none' },
  icmp6: { kind: 'none' },
};

/** Port names tcpdump users type (from /etc/services; only FTP's). */
const SERVICES: Record<string, string> = { ftp: '21', 'ftp-data': '20', ftps: '990', 'ftps-data': '989' };

const EXAMPLES = "e.g. 'host 192.0.2.1 and port 21', 'session 3', 'transfer 12', 'not port 22'";

class Parser {
  private i = 0;
  /** The qualifier a bare value repeats: `host 10.0.0.1 or 10.0.0.2`. */
  private last: { kind: 'host' | 'net' | 'port' | 'portrange' | 'session' | 'transfer' | 'connection'; dir: Dir } | null = null;

  constructor(private readonly t: string[]) {}

  parse(): Expr {
    if (this.t.length === 0) throw new FilterSyntaxError(`the filter is empty (${EXAMPLES})`);
    const e = this.or();
    if (this.i < this.t.length) throw new FilterSyntaxError(`unexpected '${this.t[this.i]}' (join primitives with and, or, not)`);
    return e;
  }

  private peek(): string | undefined {
    return this.t[this.i]?.toLowerCase();
  }

  private next(what: string): string {
    const v = this.t[this.i++];
    if (v === undefined) throw new FilterSyntaxError(`${what} expected at the end of the filter`);
    return v;
  }

  private or(): Expr {
    let e = this.and();
    while (this.peek() === 'or' || this.peek() === '||') {
      this.i++;
      e = { kind: 'or', a: e, b: this.and() };
    }
    return e;
  }

  private and(): Expr {
    let e = this.not();
    while (this.peek() === 'and' || this.peek() === '&&') {
      this.i++;
      e = { kind: 'and', a: e, b: this.not() };
    }
    return e;
  }

  private not(): Expr {
    if (this.peek() === 'not' || this.peek() === '!') {
      this.i++;
      return { kind: 'not', a: this.not() };
    }
    return this.primary();
  }

  private primary(): Expr {
    const word = this.peek();
    if (word === undefined) throw new FilterSyntaxError('a primitive (host, port, session …) expected at the end of the filter');
    if (word === '(') {
      this.i++;
      const e = this.or();
      if (this.next("')'") !== ')') throw new FilterSyntaxError("')' expected");
      return e;
    }
    if (word in TSHARK_FIELDS) return this.field(word);
    if (word === 'ftp' || word === 'ftp-data') {
      // tshark's protocol names: the FTP sessions (control connections), the transfers
      this.i++;
      return { kind: word };
    }
    const proto = PROTOCOLS[word];
    if (proto !== undefined) {
      // tcpdump's protocol qualifier, alone (`ip6`) or before a primitive (`tcp port 21`)
      this.i++;
      const q = this.peek();
      if (q === 'src' || q === 'dst' || q === 'host' || q === 'net' || q === 'port' || q === 'portrange') return { kind: 'and', a: proto, b: this.primary() };
      return proto;
    }
    let dir: Dir = 'either';
    if (word === 'src' || word === 'dst') {
      this.i++;
      dir = word;
      // tcpdump's `src or dst host X` and `src and dst host X`
      const join = this.peek();
      if ((join === 'or' || join === 'and') && (this.t[this.i + 1]?.toLowerCase() === (word === 'src' ? 'dst' : 'src'))) {
        this.i += 2;
        dir = join === 'or' ? 'either' : 'both';
      }
    }
    const kw = this.peek();
    if (kw === 'host' || kw === 'net' || kw === 'port' || kw === 'portrange') {
      this.i++;
      this.last = { kind: kw, dir };
      return this.value(kw, dir, this.next(`a value after '${kw}'`));
    }
    if (kw === 'session' || kw === 'transfer' || kw === 'connection' || kw === 'stream') {
      if (dir !== 'either') throw new FilterSyntaxError(`'${word}' goes with host, net, port or portrange, not ${kw}`);
      this.i++;
      const kind = kw === 'stream' ? 'connection' : kw;
      this.last = { kind, dir };
      return this.value(kind, dir, this.next(`a number after '${kw}'`));
    }
    if (dir !== 'either') {
      // `src 10.0.0.1`: tcpdump takes a bare value after a direction as a host
      this.last = { kind: 'host', dir };
      return this.value('host', dir, this.next('an address'));
    }
    if (this.last !== null && !FILTER_WORDS.has(word) && word !== ')' && word !== 'and' && word !== 'or') {
      this.i++;
      return this.value(this.last.kind, this.last.dir, this.t[this.i - 1]!);
    }
    throw new FilterSyntaxError(`'${this.t[this.i]}' is not a filter primitive (${EXAMPLES})`);
  }

  private field(name: string): Expr {
    this.i++;
    const op = this.next(`== after '${name}'`).toLowerCase();
    if (op !== '==' && op !== 'eq' && op !== '!=' && op !== 'ne') throw new FilterSyntaxError(`'${name}' is compared with == or != , not '${op}'`);
    const f = TSHARK_FIELDS[name]!;
    const v = this.next(`a value after '${name} ${op}'`);
    const e = this.value(f.kind === 'host' && v.includes('/') ? 'net' : f.kind, f.dir, v);
    return op === '==' || op === 'eq' ? e : { kind: 'not', a: e };
  }

  private value(kind: 'host' | 'net' | 'port' | 'portrange' | 'session' | 'transfer' | 'connection', dir: Dir, v: string): Prim {
    switch (kind) {
      case 'host': {
        if (v.includes('/')) return this.value('net', dir, v);
        const addr = parseAddr(v);
        if (!addr) throw new FilterSyntaxError(`'${v}' is not an IPv4 or IPv6 address (host wants an address: ftpdiag looks up no names)`);
        return { kind: 'host', dir, addr };
      }
      case 'net': {
        const [a, p, ...rest] = v.split('/');
        const addr = parseAddr(a!);
        const prefix = p === undefined ? (addr?.version === 4 ? 32 : 128) : Number(p);
        if (!addr || rest.length > 0 || !Number.isInteger(prefix) || prefix < 0 || prefix > (addr.version === 4 ? 32 : 128)) {
          throw new FilterSyntaxError(`'${v}' is not a network (net wants ADDRESS/PREFIX, e.g. 10.0.0.0/8 or 2001:db8::/32)`);
        }
        return { kind: 'net', dir, addr, prefix };
      }
      case 'port':
      case 'portrange': {
        const m = /^(\d+)(?:-(\d+))?$/.exec(SERVICES[v.toLowerCase()] ?? v);
        const from = m ? Number(m[1]) : NaN;
        const to = m?.[2] !== undefined ? Number(m[2]) : from;
        if (!m || (kind === 'port' && m[2] !== undefined) || !(from >= 0 && to <= 65535 && from <= to)) {
          throw new FilterSyntaxError(kind === 'port' ? `'${v}' is not a port (0–65535)` : `'${v}' is not a port range (e.g. 50000-50100)`);
        }
        return { kind: 'port', dir, from, to };
      }
      default: {
        if (!/^\d+$/.test(v)) throw new FilterSyntaxError(`'${v}' is not a ${kind} number`);
        return { kind, id: Number(v) };
      }
    }
  }
}

// ---- matching -------------------------------------------------------------------------------

/** What an expression is tested on: connections (endpoints parsed once) and the FTP units. */
interface Subject {
  conns: readonly ConnView[];
  session: number | null;
  transfer: number | null;
}

interface ConnView {
  id: number;
  version: 4 | 6;
  src: { addr: Addr | null; port: number };
  dst: { addr: Addr | null; port: number };
}

function view(c: Connection): ConnView {
  return { id: c.id, version: c.ipVersion, src: { addr: parseAddr(c.client.addr), port: c.client.port }, dst: { addr: parseAddr(c.server.addr), port: c.server.port } };
}

function sides<T>(c: ConnView, dir: Dir, test: (e: ConnView['src']) => T): boolean {
  switch (dir) {
    case 'src':
      return Boolean(test(c.src));
    case 'dst':
      return Boolean(test(c.dst));
    case 'both':
      return Boolean(test(c.src)) && Boolean(test(c.dst));
    default:
      return Boolean(test(c.src)) || Boolean(test(c.dst));
  }
}

function primMatches(p: Prim, s: Subject): boolean {
  switch (p.kind) {
    case 'session':
      return s.session === p.id;
    case 'transfer':
      return s.transfer === p.id;
    case 'connection':
      return s.conns.some((c) => c.id === p.id);
    case 'ip':
      return s.conns.some((c) => c.version === p.version);
    case 'all':
      return true;
    case 'none':
      return false;
    case 'ftp':
      return s.session !== null;
    case 'ftp-data':
      return s.transfer !== null;
    case 'host':
      return s.conns.some((c) => sides(c, p.dir, (e) => e.addr !== null && sameAddr(e.addr, p.addr)));
    case 'net':
      return s.conns.some((c) => sides(c, p.dir, (e) => e.addr !== null && inNet(e.addr, p.addr, p.prefix)));
    case 'port':
      return s.conns.some((c) => sides(c, p.dir, (e) => e.port >= p.from && e.port <= p.to));
  }
}

function matches(e: Expr, s: Subject): boolean {
  switch (e.kind) {
    case 'and':
      return matches(e.a, s) && matches(e.b, s);
    case 'or':
      return matches(e.a, s) || matches(e.b, s);
    case 'not':
      return !matches(e.a, s);
    default:
      return primMatches(e, s);
  }
}

/** Counts of one kind of object: how many there were and how many are shown. */
export interface ShownCount {
  shown: number;
  total: number;
}

/** What a filter kept and left out, for the report's note and its JSON. */
export interface FilterTally {
  expression: string;
  sessions: ShownCount;
  transfers: ShownCount;
  connections: ShownCount;
  hiddenFindings: Record<Severity, number>;
}

/** A parsed display filter, keeping count of what it shows as units pass through it. */
export class DisplayFilter {
  private readonly sessions: ShownCount = { shown: 0, total: 0 };
  private readonly transfers: ShownCount = { shown: 0, total: 0 };
  private readonly connections: ShownCount = { shown: 0, total: 0 };
  private readonly hidden: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  /** Frames of login replies (to USER, PASS, ACCT, and 530s to no command) → whether their
   *  session is shown: a finding about a client's logins across sessions (login-failed,
   *  password-guessing) has no session of its own and cites these frames. Bounded. */
  private readonly loginFrames = new Map<number, boolean>();

  private constructor(
    readonly expression: string,
    private readonly expr: Expr,
  ) {}

  /** Parses `text`; a CliError (usage, exit 2) says what is wrong with it. */
  static parse(text: string): DisplayFilter {
    try {
      return new DisplayFilter(text.trim(), new Parser(tokenize(text)).parse());
    } catch (e) {
      if (e instanceof FilterSyntaxError) throw new CliError(`display filter '${escapeWire(text.trim())}': ${escapeWire(e.message)}`);
      throw e;
    }
  }

  /** The id, when the whole filter is one `connection N` (or `tcp.stream == N`) primitive. */
  single(kind: 'connection' | 'session' | 'transfer'): number | null {
    return this.expr.kind === kind ? this.expr.id : null;
  }

  /** The part of a unit the filter shows (sessions, transfers, connections, findings), counted.
   *  A streamed unit's connections other than its control and data connections are its
   *  session's (attempts toward a data port); in a whole capture (`whole`) they are tested alone. */
  narrow(u: ReleasedUnit, whole = false): ReleasedUnit {
    const byId = new Map(u.connections.map((c) => [c.id, c] as const));
    const views = new Map<number, ConnView>();
    const conn = (id: number | null): ConnView[] => {
      if (id === null) return [];
      let v = views.get(id);
      if (!v) {
        const c = byId.get(id);
        if (!c) return [];
        v = view(c);
        views.set(id, v);
      }
      return [v];
    };
    const sessionOf = new Map(u.sessions.map((s) => [s.id, s] as const));
    const shownTransfers = new Set<number>();
    for (const t of u.transfers) {
      const control = t.session === null ? null : (sessionOf.get(t.session)?.control ?? null);
      if (matches(this.expr, { conns: [...conn(control), ...conn(t.dataConnection)], session: t.session, transfer: t.id })) shownTransfers.add(t.id);
    }
    const shownSessions = new Set<number>();
    for (const s of u.sessions) {
      if (matches(this.expr, { conns: conn(s.control), session: s.id, transfer: null }) || s.transfers.some((id) => shownTransfers.has(id))) shownSessions.add(s.id);
      this.noteLogins(s, shownSessions.has(s.id));
    }
    // each connection's owner: a session (control, or one it tried for data), a transfer, or none
    const controlOf = new Map(u.sessions.map((s) => [s.control, s.id] as const));
    const dataOf = new Map<number, Transfer>();
    for (const t of u.transfers) if (t.dataConnection !== null) dataOf.set(t.dataConnection, t);
    const unitSession = !whole && u.sessions.length > 0 ? u.sessions[0]!.id : null;
    const connectionShown = (id: number): boolean => {
      const t = dataOf.get(id);
      if (t) return shownTransfers.has(t.id);
      const s = controlOf.get(id) ?? unitSession;
      if (s !== null) return shownSessions.has(s);
      return matches(this.expr, { conns: conn(id), session: null, transfer: null });
    };
    const connections = u.connections.filter((c) => connectionShown(c.id));
    const findingShown = (f: Finding): boolean => {
      if (f.transfer !== null) return shownTransfers.has(f.transfer);
      if (f.session !== null) return shownSessions.has(f.session);
      if (f.connection !== null) return connectionShown(f.connection);
      // about a client's logins: shown with the sessions whose replies it cites
      const sessions = f.frames.map((n) => this.loginFrames.get(n)).filter((x) => x !== undefined);
      if (sessions.length > 0) return sessions.includes(true);
      return true; // about the capture as a whole
    };
    const findings: ReleasedFinding[] = [];
    for (const r of u.findings) {
      if (findingShown(r.finding)) findings.push(r);
      else this.hidden[r.finding.severity]++;
    }
    const sessions = u.sessions.filter((s) => shownSessions.has(s.id));
    const transfers = u.transfers.filter((t) => shownTransfers.has(t.id));
    count(this.sessions, sessions.length, u.sessions.length);
    count(this.transfers, transfers.length, u.transfers.length);
    count(this.connections, connections.length, u.connections.length);
    return { connections, sessions, transfers, findings, roles: u.roles };
  }

  private noteLogins(s: Session, shown: boolean): void {
    const note = (frame: number): void => {
      if (this.loginFrames.size < MAX_LOGIN_FRAMES) this.loginFrames.set(frame, shown || this.loginFrames.get(frame) === true);
    };
    for (const c of s.commands) if (c.reply !== null && LOGIN_VERBS.has(c.verb)) note(c.reply.frame);
    for (const r of s.unsolicited) if (r.valid && r.code === 530) note(r.frame);
  }

  /** narrow() of a whole-capture result: its lists narrowed, their counts its own. */
  narrowResult(r: AnalysisResult): AnalysisResult {
    const u = this.narrow(resultUnit(r), true);
    return { ...r, connections: u.connections, sessions: u.sessions, transfers: u.transfers, findings: u.findings.map((x) => x.finding) };
  }

  /** What was shown, for a streaming analysis' summary (its totals are the whole capture's). */
  get shownTotals(): { connections: number; sessions: number; transfers: number } {
    return { connections: this.connections.shown, sessions: this.sessions.shown, transfers: this.transfers.shown };
  }

  get tally(): FilterTally {
    return {
      expression: this.expression,
      sessions: { ...this.sessions },
      transfers: { ...this.transfers },
      connections: { ...this.connections },
      hiddenFindings: { ...this.hidden },
    };
  }

  /** The note under the report's summary: what the filter kept of what. */
  note(): string {
    const of = (c: ShownCount, noun: string) => `${c.shown} of ${plural(c.total, noun)}`;
    const h = this.hidden;
    const hiddenCount = h.error + h.warning + h.info;
    const hidden = hiddenCount === 0 ? 'no finding hidden' : `${plural(hiddenCount, 'finding')} hidden (${[h.error ? plural(h.error, 'error') : '', h.warning ? plural(h.warning, 'warning') : '', h.info ? `${h.info} info` : ''].filter((x) => x).join(', ')})`;
    return `display filter '${escapeWire(this.expression)}': shown ${of(this.sessions, 'FTP session')}, ${of(this.transfers, 'transfer')}, ${of(this.connections, 'TCP connection')}; ${hidden}`;
  }
}

/** Login replies remembered for findings about a client's logins (~40 bytes each); beyond it such
 *  a finding citing only later frames is shown whatever the filter. */
const MAX_LOGIN_FRAMES = 1_000_000;
const LOGIN_VERBS: ReadonlySet<string> = new Set(['USER', 'PASS', 'ACCT']);

function count(c: ShownCount, shown: number, total: number): void {
  c.shown += shown;
  c.total += total;
}

