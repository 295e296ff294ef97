// Rule expressions compiled to JavaScript closures. cel-js interprets its AST at every call
// (~1 µs per node with its type dispatch), and every rule runs on every connection, session,
// command and transfer: on a busy trace that was a tenth of the analysis. Here each AST node
// becomes one closure, once, at load time.
//
// The closures handle only the cases whose CEL meaning is plain: the operand types a rule
// normally meets (int with int, string with string, a field that exists, a bool condition).
// Anything else (an error, a mixed-type comparison, an overflow, a missing key, a type the
// fast path does not know) throws NOT_COMPILED, and the caller evaluates the same expression
// with cel-js, which gives CEL's answer or CEL's error. So a compiled rule can never answer
// differently from cel-js; it can only be slower on a rare input. No code is generated from
// rule text (no eval): closures only call the operations below, so a rule still cannot run
// code of its own.

import type { ASTNode } from '@marcbachmann/cel-js';
import { ruleFunctions } from './cel-env.ts';

/** Thrown by a compiled expression for a case it leaves to cel-js. */
export const NOT_COMPILED: unique symbol = Symbol('not compiled');

type Vars = Record<string, unknown>;
type Fn = (vars: Vars) => unknown;

const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;

function giveUp(): never {
  throw NOT_COMPILED;
}

// facts are plain objects (facts.ts); anything else (a Map, a typed array) is cel-js's to judge
const isFact = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && (v as object).constructor === Object;

/** A name every plain object answers through its prototype (toString, constructor, …): read as
 *  a fact's field only when it is the object's own. */
const inherited = (name: string): boolean => name in Object.prototype;

const bool = (v: unknown): boolean => (v === true ? true : v === false ? false : giveUp());

const int64 = (v: bigint): bigint => (v < INT64_MIN || v > INT64_MAX ? giveUp() : v);

function literal(v: unknown): boolean {
  return v === null || typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' || typeof v === 'boolean';
}

/** CEL `==` where its answer is plain: same primitive type, or null against anything (null
 *  equals only null). */
function equal(a: unknown, b: unknown): boolean {
  const ta = typeof a;
  if (ta === typeof b && (ta === 'bigint' || ta === 'string' || ta === 'boolean' || ta === 'number')) return a === b;
  if (a === null || b === null) return a === b;
  return giveUp();
}

function order(a: unknown, b: unknown): number {
  const ta = typeof a;
  // strings are left to cel-js: CEL orders them by code point, JS by UTF-16 unit
  if (ta !== typeof b || (ta !== 'bigint' && ta !== 'number')) giveUp();
  if (ta === 'number' && (Number.isNaN(a) || Number.isNaN(b))) giveUp();
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

/** Number of code points, as CEL's size(string) counts. */
function codePoints(s: string): number {
  let n = 0;
  for (const _ of s) n++;
  return n;
}

interface Scope {
  locals: unknown[];
  bound: Map<string, number>; // comprehension variable → slot in locals
}

/** The closure of `ast`, or null when it uses something this compiler does not take on (the
 *  expression is then interpreted by cel-js every time). */
export function compileCel(ast: ASTNode): Fn | null {
  const scope: Scope = { locals: [], bound: new Map() };
  try {
    return node(ast, scope);
  } catch (e) {
    if (e === NOT_COMPILED) return null;
    throw e;
  }
}

function node(n: ASTNode, sc: Scope): Fn {
  const a = n.args as unknown;
  switch (n.op) {
    case 'value': {
      if (!literal(a)) giveUp();
      return () => a;
    }
    case 'id': {
      const name = a as string;
      const slot = sc.bound.get(name);
      if (slot !== undefined) {
        const locals = sc.locals;
        return () => locals[slot];
      }
      if (inherited(name)) return (vars) => (Object.hasOwn(vars, name) ? vars[name] : giveUp());
      return (vars) => {
        const v = vars[name];
        return v === undefined ? giveUp() : v;
      };
    }
    case '.': {
      const fused = fieldPath(n, sc);
      if (fused) return fused;
      const [baseNode, name] = a as [ASTNode, string];
      const base = node(baseNode, sc);
      if (inherited(name)) {
        return (vars) => {
          const o = base(vars);
          if (!isFact(o) || !Object.hasOwn(o, name)) giveUp();
          const v = o[name];
          return v === undefined ? giveUp() : v;
        };
      }
      // a name no plain object inherits: absent from the fact's own fields reads undefined
      return (vars) => {
        const o = base(vars);
        const v = isFact(o) ? o[name] : undefined;
        return v === undefined ? giveUp() : v;
      };
    }
    case '[]': {
      const fused = fieldPath(n, sc);
      if (fused) return fused;
      const [baseNode, indexNode] = a as [ASTNode, ASTNode];
      const base = node(baseNode, sc);
      const index = node(indexNode, sc);
      return (vars) => {
        const o = base(vars);
        const i = index(vars);
        let v: unknown;
        if (Array.isArray(o) && typeof i === 'bigint' && i >= 0n && i < BigInt(o.length)) v = o[Number(i)];
        else if (isFact(o) && typeof i === 'string' && Object.hasOwn(o, i)) v = o[i];
        return v === undefined ? giveUp() : v;
      };
    }
    case '&&':
    case '||': {
      // CEL's && and || absorb an error on one side when the other decides; that case throws
      // NOT_COMPILED from the failing side, and cel-js sorts it out. A chain of one operator
      // (`a && b && c && …`, a rule's usual `when`) is one closure over its terms in order: the
      // same terms run as the nested form runs them, without a closure call per level.
      const terms = chain(n, n.op).map((x) => node(x, sc));
      if (terms.length === 2) {
        const [l, r] = terms as [Fn, Fn];
        return n.op === '&&' ? (vars) => bool(l(vars)) && bool(r(vars)) : (vars) => bool(l(vars)) || bool(r(vars));
      }
      const decides = n.op === '||';
      return (vars) => {
        for (let i = 0; i < terms.length; i++) if (bool(terms[i]!(vars)) === decides) return decides;
        return !decides;
      };
    }
    case '!_': {
      const x = node(a as ASTNode, sc);
      return (vars) => !bool(x(vars));
    }
    case '-_': {
      const x = node(a as ASTNode, sc);
      return (vars) => {
        const v = x(vars);
        return typeof v === 'bigint' ? int64(-v) : typeof v === 'number' ? -v : giveUp();
      };
    }
    case '?:': {
      const [c, t, f] = (a as ASTNode[]).map((x) => node(x, sc)) as [Fn, Fn, Fn];
      return (vars) => (bool(c(vars)) ? t(vars) : f(vars));
    }
    case '==':
    case '!=': {
      const [ln, rn] = a as [ASTNode, ASTNode];
      const k = constant(rn) ?? constant(ln);
      if (k !== undefined) {
        // against a literal: the same type compares with ===; null equals only null
        const x = node(k.side === rn ? ln : rn, sc);
        const kv = k.value;
        const kt = typeof kv;
        const eq: Fn = kv === null ? (vars) => x(vars) === null : (vars) => {
          const v = x(vars);
          return typeof v === kt ? v === kv : equal(v, kv);
        };
        return n.op === '==' ? eq : (vars) => !eq(vars);
      }
      const [l, r] = [ln, rn].map((y) => node(y, sc)) as [Fn, Fn];
      return n.op === '==' ? (vars) => equal(l(vars), r(vars)) : (vars) => !equal(l(vars), r(vars));
    }
    case '<':
      return compare(a, sc, (c) => c < 0);
    case '<=':
      return compare(a, sc, (c) => c <= 0);
    case '>':
      return compare(a, sc, (c) => c > 0);
    case '>=':
      return compare(a, sc, (c) => c >= 0);
    case '+':
    case '-': {
      const [l, r] = (a as ASTNode[]).map((x) => node(x, sc)) as [Fn, Fn];
      const plus = n.op === '+';
      return (vars) => {
        const x = l(vars);
        const y = r(vars);
        if (typeof x === 'bigint' && typeof y === 'bigint') return int64(plus ? x + y : x - y);
        if (typeof x === 'number' && typeof y === 'number') return plus ? x + y : x - y;
        if (plus && typeof x === 'string' && typeof y === 'string') return x + y;
        if (plus && Array.isArray(x) && Array.isArray(y)) return x.concat(y);
        return giveUp();
      };
    }
    case 'in': {
      const [l, r] = (a as ASTNode[]).map((x) => node(x, sc)) as [Fn, Fn];
      return (vars) => {
        const x = l(vars);
        const list = r(vars);
        if (!Array.isArray(list)) giveUp();
        for (const e of list) if (equal(x, e)) return true;
        return false;
      };
    }
    case 'list': {
      const items = (a as ASTNode[]).map((x) => node(x, sc));
      return (vars) => items.map((f) => f(vars));
    }
    case 'call':
      return call(a as [string, ASTNode[]], sc);
    case 'rcall':
      return receiverCall(a as [string, ASTNode, ASTNode[]], sc);
    default:
      return giveUp();
  }
}

/** The terms of a chain of `op` (&& or ||), left to right, whichever way the parser nested it. */
function chain(n: ASTNode, op: string): ASTNode[] {
  if (n.op !== op) return [n];
  const out: ASTNode[] = [];
  for (const x of n.args as ASTNode[]) out.push(...chain(x, op));
  return out;
}

function compare(a: unknown, sc: Scope, holds: (c: number) => boolean): Fn {
  const [ln, rn] = a as [ASTNode, ASTNode];
  const k = constant(rn);
  if (k !== undefined && typeof k.value === 'bigint') {
    // an int against an int literal (the usual `x > 0`): ordered at once
    const x = node(ln, sc);
    const kv = k.value;
    return (vars) => {
      const v = x(vars);
      return holds(typeof v === 'bigint' ? (v < kv ? -1 : v > kv ? 1 : 0) : order(v, kv));
    };
  }
  const [l, r] = [ln, rn].map((x) => node(x, sc)) as [Fn, Fn];
  return (vars) => holds(order(l(vars), r(vars)));
}

/** A literal operand, with the node it is. */
function constant(n: ASTNode): { side: ASTNode; value: unknown } | undefined {
  return n.op === 'value' && literal(n.args) ? { side: n, value: n.args } : undefined;
}

/** A run of field reads from a variable (`c.events["x"].count`) as one closure: each step a
 *  fact's own field, as '.' reads it (a string index of a fact reads the same). Null when the
 *  run starts elsewhere than at a variable of the scope (a comprehension's, an expression) or
 *  names a field every object inherits. */
function fieldPath(n: ASTNode, sc: Scope): Fn | null {
  const names: string[] = [];
  let at = n;
  for (;;) {
    if (at.op === '.') {
      const [base, name] = at.args as [ASTNode, string];
      names.push(name);
      at = base;
    } else if (at.op === '[]') {
      const [base, index] = at.args as [ASTNode, ASTNode];
      if (index.op !== 'value' || typeof index.args !== 'string') return null;
      names.push(index.args);
      at = base;
    } else break;
  }
  if (at.op !== 'id' || sc.bound.has(at.args as string)) return null;
  const root = at.args as string;
  names.reverse();
  if (inherited(root) || names.some(inherited)) return null;
  // the usual runs of one to three fields unrolled: no loop over the names per read
  const field = (o: unknown, name: string): unknown => {
    const v = isFact(o) ? o[name] : undefined;
    return v === undefined ? giveUp() : v;
  };
  const [a, b, c] = names as [string, string, string];
  switch (names.length) {
    case 1:
      return (vars) => field(vars[root], a);
    case 2:
      return (vars) => field(field(vars[root], a), b);
    case 3:
      return (vars) => field(field(field(vars[root], a), b), c);
  }
  return (vars) => {
    let o: unknown = vars[root];
    for (const name of names) o = field(o, name);
    return o;
  };
}

function call([name, argNodes]: [string, ASTNode[]], sc: Scope): Fn {
  const args = argNodes.map((x) => node(x, sc));
  if (name === 'size' && args.length === 1) {
    const [x] = args as [Fn];
    return (vars) => {
      const v = x(vars);
      if (Array.isArray(v)) return BigInt(v.length);
      if (typeof v === 'string') return BigInt(codePoints(v));
      if (isFact(v)) return BigInt(Object.keys(v).length);
      return giveUp();
    };
  }
  if (name === 'string' && args.length === 1) {
    const [x] = args as [Fn];
    return (vars) => {
      const v = x(vars);
      return typeof v === 'string' ? v : typeof v === 'bigint' || typeof v === 'boolean' ? `${v}` : giveUp();
    };
  }
  const f = Object.hasOwn(ruleFunctions, name) ? ruleFunctions[name] : undefined;
  if (!f) giveUp();
  const impl = f.impl as (...args: unknown[]) => unknown;
  return (vars) => {
    const values = args.map((g) => g(vars));
    return f.accepts(values) ? impl(...values) : giveUp();
  };
}

function receiverCall([name, receiverNode, argNodes]: [string, ASTNode, ASTNode[]], sc: Scope): Fn {
  const receiver = node(receiverNode, sc);
  if (name === 'join' && argNodes.length <= 1) {
    const sep = argNodes.length === 1 ? node(argNodes[0]!, sc) : () => '';
    return (vars) => {
      const list = receiver(vars);
      const s = sep(vars);
      if (!Array.isArray(list) || typeof s !== 'string' || !list.every((e) => typeof e === 'string')) giveUp();
      return list.join(s);
    };
  }
  // string methods the FTPS rules read reply texts with: CEL's lowerAscii lowers A–Z only
  if (name === 'lowerAscii' && argNodes.length === 0) {
    return (vars) => {
      const v = receiver(vars);
      return typeof v === 'string' ? v.replace(/[A-Z]+/g, (m) => m.toLowerCase()) : giveUp();
    };
  }
  if (name === 'contains' && argNodes.length === 1) {
    const arg = node(argNodes[0]!, sc);
    return (vars) => {
      const v = receiver(vars);
      const x = arg(vars);
      return typeof v === 'string' && typeof x === 'string' ? v.includes(x) : giveUp();
    };
  }
  const macro = name === 'exists' || name === 'all' || name === 'filter' || name === 'map';
  if (!macro || argNodes.length < 2 || argNodes.length > (name === 'map' ? 3 : 2) || argNodes[0]!.op !== 'id') giveUp();
  const slot = sc.locals.length;
  sc.locals.push(undefined);
  const inner: Scope = { locals: sc.locals, bound: new Map(sc.bound).set(argNodes[0]!.args as string, slot) };
  const body = argNodes.slice(1).map((x) => node(x, inner));
  const locals = sc.locals;
  const list = (vars: Vars): unknown[] => {
    const v = receiver(vars);
    return Array.isArray(v) ? v : giveUp();
  };
  switch (name) {
    case 'exists':
      return (vars) => {
        for (const e of list(vars)) {
          locals[slot] = e;
          if (bool(body[0]!(vars))) return true;
        }
        return false;
      };
    case 'all':
      return (vars) => {
        for (const e of list(vars)) {
          locals[slot] = e;
          if (!bool(body[0]!(vars))) return false;
        }
        return true;
      };
    case 'filter':
      return (vars) => {
        const out: unknown[] = [];
        for (const e of list(vars)) {
          locals[slot] = e;
          if (bool(body[0]!(vars))) out.push(e);
        }
        return out;
      };
    default: {
      const [pred, value] = body.length === 2 ? (body as [Fn, Fn]) : [null, body[0]!];
      return (vars) => {
        const out: unknown[] = [];
        for (const e of list(vars)) {
          locals[slot] = e;
          if (pred === null || bool(pred(vars))) out.push(value(vars));
        }
        return out;
      };
    }
  }
}
