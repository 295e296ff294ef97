// Which rules read state that is final only when a session ends. A transfer of a long session is
// diagnosed as soon as it is settled and its connections are forgotten (pipeline/release.ts), and
// then dropped; the rules of the transfer and connection scopes that read the session (`s`) or
// its control connection (`c` of a transfer rule) would see them as they stand at that moment,
// not as the session ends (control-idle-timeout reads the control connection's longest silence,
// the ftps rules read `s.tls`). Those rules are "late": a released transfer keeps, for each late
// rule that may still hold for it, the fact fields that rule reads (a projection of `t`, `d` and
// `cmd`), and the rule runs over them when the session ends.
//
// What a rule reads is found in the syntax trees of its CEL (`when`, variants, frames, the
// placeholders of its texts): every variable, with the field paths read of it. Whether a late rule
// may still hold is decided on its `when` as CEL decides `&&` and `||`: a conjunction is false when
// one of its terms is, a disjunction when all of its terms are, whatever the others give (errors
// included); a term that reads neither `s` nor `c` is evaluated on the transfer's facts at once.

import type { ASTNode } from '@marcbachmann/cel-js';
import type { Rule, RuleSet } from './rule-types.ts';
import type { Scope } from './fact-schema.ts';
import type { Fact } from './facts.ts';
import { scopeEnvironment } from './cel-env.ts';
import { celRunner } from './rule-catalog.ts';
import { splitTemplate } from './template.ts';
import { pathOf } from './presence.ts';

/** Field paths read of a value: `true` the whole value, else the fields read and their paths. */
type Paths = true | Map<string, Paths>;

/** The variables whose fields a released transfer keeps for its late rules. */
type Projected = 't' | 'd' | 'cmd';

export type Vars = Record<Projected, Fact | null>;

export interface LateRule {
  rule: Rule;
  /** The rule's `when` cannot hold for a transfer with these facts, whatever `s` and `c` are. */
  cannotHold(vars: Vars): boolean;
  /** What it reads of each projected variable (absent: nothing; an empty map: only whether it
   *  is null). */
  reads: Partial<Record<Projected, Paths>>;
}

export interface LateRules {
  /** Transfer rules that read `s` or `c`: run when the session ends, over a projection. */
  transfer: readonly LateRule[];
  isLate: ReadonlySet<Rule>;
  /** Connection rules that read `s`: a data connection for which one may hold is not released
   *  before its session ends. */
  connection: readonly Rule[];
  /** Index of each rule in its scope's list: the position of its finding among its subject's. */
  index: ReadonlyMap<Rule, number>;
}

const isNode = (x: unknown): x is ASTNode => typeof x === 'object' && x !== null && !Array.isArray(x) && 'op' in x;

/** Adds `path` (below a variable) to the paths read of it. */
function addPath(to: Map<string, Paths>, name: string, path: readonly string[]): void {
  let at: Map<string, Paths> = to;
  let key = name;
  for (const field of path) {
    const next = at.get(key);
    if (next === true) return; // read whole already
    const m = next ?? new Map<string, Paths>();
    at.set(key, m);
    at = m;
    key = field;
  }
  at.set(key, true);
}

/** Every variable a tree reads, with the paths read of it: a variable only compared with null
 *  has an empty map (its fields are not read). */
function collectReads(n: ASTNode, out: Map<string, Paths>): void {
  const p = pathOf(n);
  if (p) {
    addPath(out, p[0]!, p.slice(1));
    return;
  }
  if (n.op === '!=' || n.op === '==') {
    const [l, r] = n.args as [ASTNode, ASTNode];
    const bare = l.op === 'id' && r.op === 'value' && r.args === null ? l : r.op === 'id' && l.op === 'value' && l.args === null ? r : null;
    if (bare) {
      const name = bare.args as string;
      if (!out.has(name)) out.set(name, new Map());
      return;
    }
  }
  const visit = (x: unknown): void => {
    if (isNode(x)) collectReads(x, out);
    else if (Array.isArray(x)) for (const y of x) visit(y);
  };
  visit(n.args);
}

/** Every CEL source of a rule: its conditions, frames and the placeholders of its texts. */
function sourcesOf(rule: Rule): string[] {
  const out: string[] = [rule.when.source];
  const template = (t: { source: string } | null) => {
    if (t) for (const p of splitTemplate(t.source)) if (p.kind === 'expr') out.push(p.source);
  };
  template(rule.summary);
  template(rule.explanation);
  template(rule.action);
  if (rule.frames) out.push(rule.frames.source);
  for (const v of rule.variants) {
    out.push(v.when.source);
    if (v.frames) out.push(v.frames.source);
    template(v.summary);
    template(v.explanation);
    template(v.action);
  }
  return out;
}

/** The variables a rule reads, with the paths read of each. */
export function ruleReads(rule: Rule): Map<string, Paths> {
  const env = scopeEnvironment(rule.scope);
  const out = new Map<string, Paths>();
  for (const src of sourcesOf(rule)) collectReads(env.parse(src).ast, out);
  return out;
}

function readsOf(n: ASTNode): Map<string, Paths> {
  const out = new Map<string, Paths>();
  collectReads(n, out);
  return out;
}

/** A test that is true when `n` is certainly false for the given facts (CEL's `&&` and `||`),
 *  or null when that cannot be told without `s` or `c`. */
function falseWhen(n: ASTNode, source: string, scope: Scope): ((vars: Vars) => boolean) | null {
  if (n.op === '&&') {
    const terms = (n.args as ASTNode[]).map((x) => falseWhen(x, source, scope)).filter((g) => g !== null);
    return terms.length === 0 ? null : (vars) => terms.some((g) => g(vars));
  }
  if (n.op === '||') {
    const terms = (n.args as ASTNode[]).map((x) => falseWhen(x, source, scope));
    if (terms.some((g) => g === null)) return null;
    return (vars) => terms.every((g) => g!(vars));
  }
  const reads = readsOf(n);
  if (reads.has('s') || reads.has('c')) return null;
  const range = n as ASTNode & { start?: number; end?: number };
  if (range.start === undefined || range.end === undefined) return null;
  const run = celRunner(scopeEnvironment(scope).parse(source.slice(range.start, range.end)));
  return (vars) => {
    try {
      return run(vars) === false; // it reads neither s nor c
    } catch {
      return false;
    }
  };
}

const lateByRuleSet = new WeakMap<RuleSet, LateRules>();

/** The late rules of a rule set, worked out once per rule set. */
export function lateRules(ruleSet: RuleSet): LateRules {
  const known = lateByRuleSet.get(ruleSet);
  if (known) return known;
  const transfer: LateRule[] = [];
  for (const rule of ruleSet.byScope.transfer) {
    const reads = ruleReads(rule);
    if (!reads.has('s') && !reads.has('c')) continue;
    // a finding without frames of its own cites the transfer's (evaluate.ts defaultFrames)
    addPath(reads, 't', ['commandFrame']);
    addPath(reads, 't', ['finalFrame']);
    const guard = falseWhen(scopeEnvironment('transfer').parse(rule.when.source).ast, rule.when.source, 'transfer');
    const projected: LateRule['reads'] = {};
    for (const v of ['t', 'd', 'cmd'] as const) {
      const r = reads.get(v);
      if (r !== undefined) projected[v] = r;
    }
    transfer.push({ rule, cannotHold: guard ?? (() => false), reads: projected });
  }
  const connection = ruleSet.byScope.connection.filter((r) => ruleReads(r).has('s'));
  const index = new Map<Rule, number>();
  for (const scope of Object.keys(ruleSet.byScope) as Scope[]) ruleSet.byScope[scope].forEach((r, i) => index.set(r, i));
  const late: LateRules = { transfer, isLate: new Set(transfer.map((l) => l.rule)), connection, index };
  lateByRuleSet.set(ruleSet, late);
  return late;
}

/** The fields a set of late rules reads (their union), in one order: the layout of KeptFacts. */
interface Shape {
  rules: readonly Rule[];
  fields: ReadonlyArray<readonly [Projected, string]>; // top-level fields; a nested path keeps its top-level value whole
}

/** What a released transfer keeps for its late rules: the rules that may still hold for it and
 *  the values of the fact fields they read (a word each, in its shape's order; whole numbers as
 *  numbers, bit i of `bigints` saying values[i] was a BigInt; bit 0, 1, 2 of `nulls` saying `t`,
 *  `d`, `cmd` was null). A few dozen bytes where the facts are kilobytes. */
export interface KeptFacts {
  shape: Shape;
  values: unknown[];
  bigints: number;
  nulls: number;
}

const PROJECTED: readonly Projected[] = ['t', 'd', 'cmd'];
const shapesByLate = new WeakMap<LateRules, Map<string, Shape>>();

function shapeOf(late: LateRules, rules: LateRule[]): Shape {
  let shapes = shapesByLate.get(late);
  if (!shapes) shapesByLate.set(late, (shapes = new Map()));
  const key = rules.map((l) => late.index.get(l.rule)).join(',');
  let shape = shapes.get(key);
  if (!shape) {
    const fields: Array<readonly [Projected, string]> = [];
    const whole = new Set<Projected>();
    for (const v of PROJECTED) {
      const names = new Set<string>();
      for (const l of rules) {
        const read = l.reads[v];
        if (read === true) whole.add(v);
        else if (read) for (const f of read.keys()) names.add(f);
      }
      // a variable read whole keeps its whole fact, in the field named ''
      if (whole.has(v)) fields.push([v, '']);
      else for (const f of names) fields.push([v, f]);
    }
    shapes.set(key, (shape = { rules: rules.map((l) => l.rule), fields }));
  }
  return shape;
}

/** What a released transfer keeps for its late rules (KeptFacts), or null when none may hold. */
export function keepForLate(late: LateRules, vars: Vars): KeptFacts | null {
  const rules = late.transfer.filter((l) => !l.cannotHold(vars));
  if (rules.length === 0) return null;
  const shape = shapeOf(late, rules);
  const values: unknown[] = new Array(shape.fields.length);
  let bigints = 0;
  let nulls = 0;
  PROJECTED.forEach((v, i) => {
    if (vars[v] === null) nulls |= 1 << i;
  });
  shape.fields.forEach(([v, f], i) => {
    const fact = vars[v];
    let x: unknown = fact === null ? undefined : f === '' ? fact : f in fact ? fact[f] : undefined;
    if (typeof x === 'bigint' && i < 31 && x >= BigInt(Number.MIN_SAFE_INTEGER) && x <= BigInt(Number.MAX_SAFE_INTEGER)) {
      x = Number(x);
      bigints |= 1 << i;
    }
    values[i] = x;
  });
  return { shape, values, bigints, nulls };
}

/** The facts KeptFacts stands for, as the late rules read them. */
export function keptVars(k: KeptFacts): Vars {
  const out: Vars = { t: null, d: null, cmd: null };
  PROJECTED.forEach((v, i) => {
    if ((k.nulls & (1 << i)) === 0) out[v] = {};
  });
  k.shape.fields.forEach(([v, f], i) => {
    const fact = out[v];
    let x = k.values[i];
    if (fact === null || x === undefined) return;
    if ((k.bigints & (1 << i)) !== 0) x = BigInt(x as number);
    if (f === '') out[v] = x as Fact;
    else fact[f] = x;
  });
  return out;
}
