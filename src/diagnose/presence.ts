// What a connection had: one flag per TCP event kind (RST, retransmission, zero window, …) and per
// record a rule tests for (a reset, a half-close, TLS, …), read from the TCP and FTP stages'
// records without building the connection's facts. Each flag stands for one fact a `when` can
// test, and is set whenever that fact may hold (it may also be set when the fact does not: a flag
// is a necessary condition, never a verdict).
//
// Each rule's requirements are derived from its compiled `when` (requiredPresence): a top-level
// conjunct that tests one of those facts (`c.reset != null`, `c.events["keep-alive"].count > 0`,
// `size(c.forgedResets) > 0`, `c.evicted`) makes the rule require its flag. A conjunct that is
// false makes the whole `when` false in CEL, whatever the other conjuncts give (errors
// included), so a rule whose flag is clear is skipped with the same outcome as evaluating it, and
// a connection for which no rule remains is diagnosed without building its facts at all.

import type { ASTNode } from '@marcbachmann/cel-js';
import type { Connection } from '../tcp/types.ts';
import { TcpEventKinds } from '../tcp/types.ts';
import type { Session, Transfer } from '../ftp/types.ts';
import type { TlsFacts } from '../tls/types.ts';
import type { Scope } from './fact-schema.ts';

/** How a conjunct tests a fact: `!= null`; `size(…) > 0`; a count `> 0`; a bool on its own. */
type Test = 'not-null' | 'non-empty' | 'non-zero' | 'true';

/** What the connection flags are computed from. */
export interface ConnectionContext {
  conn: Connection;
  role: 'control' | 'data' | 'other'; // as rules see it (`role`)
  tls: TlsFacts | null; //           the TLS over it (connectionTls)
  attempt: boolean; //               it is an attempt to reach an FTP server (c.ftpAttempt)
}

interface Flag {
  path: readonly string[]; //   the fact, from the scope's variable: ['c', 'reset']
  test: Test;
  may?(x: ConnectionContext): boolean; // for the records; the event kinds are read in one pass
}

// the event kinds first, at the index of their kind
const connectionFlags: readonly Flag[] = [
  ...TcpEventKinds.map((kind) => ({ path: ['c', 'events', kind, 'count'], test: 'non-zero' as const })),
  { path: ['c', 'reset'], test: 'not-null', may: (x) => x.conn.reset !== null },
  { path: ['c', 'halfClose'], test: 'not-null', may: (x) => x.conn.halfClose !== null },
  { path: ['c', 'strayAck'], test: 'not-null', may: (x) => x.conn.strayAck !== null },
  { path: ['c', 'lost'], test: 'not-null', may: (x) => x.conn.lost !== null },
  { path: ['c', 'stall'], test: 'not-null', may: (x) => hasStall(x.conn) },
  { path: ['c', 'nat'], test: 'not-null', may: (x) => x.conn.nat !== null },
  { path: ['c', 'silence'], test: 'not-null', may: (x) => x.conn.longestSilence !== null },
  { path: ['c', 'tls'], test: 'not-null', may: (x) => x.tls !== null },
  { path: ['c', 'ftpAttempt'], test: 'not-null', may: (x) => x.attempt },
  { path: ['c', 'evicted'], test: 'true', may: (x) => x.conn.evicted },
  { path: ['c', 'conflicts'], test: 'non-empty', may: (x) => x.conn.conflicts.length > 0 },
  // judged forged among the RSTs each side's IP history kept (tcp/reset-origin.ts): none kept, none forged
  { path: ['c', 'forgedResets'], test: 'non-empty', may: (x) => (x.conn.client.ipHistory?.resets.length ?? 0) + (x.conn.server.ipHistory?.resets.length ?? 0) > 0 },
];

const eventIndex: Readonly<Record<string, number>> = Object.fromEntries(TcpEventKinds.map((k, i) => [k, i]));
const recordFlags = connectionFlags.map((f, i) => ({ i, may: f.may })).filter((f): f is { i: number; may: (x: ConnectionContext) => boolean } => f.may !== undefined);

/** The flags of each scope (only connections have them). */
const flagsOf: Readonly<Record<Scope, readonly Flag[]>> = { capture: [], connection: connectionFlags, session: [], transfer: [], command: [], client: [] };

/** A side's window stalled (the connection fact's `stall` is not null). */
export function hasStall(c: Connection): boolean {
  return c.client.stall !== undefined || c.server.stall !== undefined;
}

/** The TLS over a connection, as its fact's `tls` shows it: the session's on its control
 *  connection, the transfer's on its data connection. */
export function connectionTls(role: ConnectionContext['role'], session: Session | null, transfer: Transfer | null): TlsFacts | null {
  if (role === 'control') return session?.tls.connection ?? null;
  if (role === 'data') return transfer?.tlsData?.connection ?? null;
  return null;
}

/** The flags a connection has: 1 at the index of each flag that may hold. One array, reused:
 *  valid until the next call. */
export function connectionPresence(x: ConnectionContext): Uint8Array {
  const out = scratch.fill(0);
  const events = x.conn.events;
  for (const kind in events) if ((events[kind as keyof typeof events]?.count ?? 0) !== 0) out[eventIndex[kind]!] = 1;
  for (const f of recordFlags) if (f.may(x)) out[f.i] = 1;
  return out;
}

const scratch = new Uint8Array(connectionFlags.length);

/** The fact path an AST names (`c.events["x"].count` → c, events, x, count), or null. */
export function pathOf(n: ASTNode): string[] | null {
  if (n.op === 'id') return [n.args as string];
  if (n.op === '.') {
    const [base, name] = n.args as [ASTNode, string];
    const p = pathOf(base);
    return p && [...p, name];
  }
  if (n.op === '[]') {
    const [base, index] = n.args as [ASTNode, ASTNode];
    const p = pathOf(base);
    return p && index.op === 'value' && typeof index.args === 'string' ? [...p, index.args] : null;
  }
  return null;
}

const literal = (n: ASTNode): unknown => (n.op === 'value' ? n.args : undefined);

/** What `n` tests, when it is one of the forms a flag stands for: `P != null`, `P > k` (k ≥ 0),
 *  `P >= k` (k > 0), `P != 0`, each either way round, and `size(P)` in place of P; `P` or
 *  `P == true` alone. k is an int literal: an int compared with a double is not plainly false. */
function testOf(n: ASTNode): { path: string[]; test: Test } | null {
  const op = n.op as string;
  if (op === '.' || op === '[]') {
    const p = pathOf(n);
    return p && { path: p, test: 'true' };
  }
  if (!['!=', '==', '>', '>=', '<', '<='].includes(op)) return null;
  let [l, r] = n.args as [ASTNode, ASTNode];
  let o = op;
  // k < P is P > k
  if (pathOrSize(l) === null) {
    [l, r] = [r, l];
    o = ({ '<': '>', '<=': '>=', '>': '<', '>=': '<=' } as Record<string, string>)[o] ?? o;
  }
  const subject = pathOrSize(l);
  if (subject === null) return null;
  const k = literal(r);
  if (o === '!=' && k === null && !subject.size) return { path: subject.path, test: 'not-null' };
  if (o === '==' && k === true && !subject.size) return { path: subject.path, test: 'true' };
  const nonZero = typeof k === 'bigint' && ((o === '>' && k >= 0n) || (o === '>=' && k > 0n) || (o === '!=' && k === 0n));
  if (!nonZero) return null;
  return { path: subject.path, test: subject.size ? 'non-empty' : 'non-zero' };
}

function pathOrSize(n: ASTNode): { path: string[]; size: boolean } | null {
  if (n.op === 'call') {
    const [name, args] = n.args as [string, ASTNode[]];
    const p = name === 'size' && args.length === 1 ? pathOf(args[0]!) : null;
    return p && { path: p, size: true };
  }
  const p = pathOf(n);
  return p && { path: p, size: false };
}

/** The top-level conjuncts of `a && b && …`. */
function conjuncts(n: ASTNode): ASTNode[] {
  return n.op === '&&' ? (n.args as ASTNode[]).flatMap(conjuncts) : [n];
}

/** The flags a `when` of `scope` requires: indexes into the scope's flags, ascending. */
export function requiredPresence(scope: Scope, when: ASTNode): number[] {
  const flags = flagsOf[scope];
  const out = new Set<number>();
  for (const c of conjuncts(when)) {
    const t = testOf(c);
    if (!t) continue;
    const i = flags.findIndex((f) => f.test === t.test && f.path.length === t.path.length && f.path.every((x, j) => x === t.path[j]));
    if (i >= 0) out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** The flags' facts, for the test that checks each flag against the fact it stands for. */
export function presenceFlags(scope: Scope): ReadonlyArray<{ path: readonly string[]; test: Test }> {
  return flagsOf[scope];
}
