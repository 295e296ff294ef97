// Evaluates rules over facts: for each subject (the capture, a connection, a session, a transfer,
// a command) the rules of its scope run against the variables fact-schema.ts documents; each rule
// whose `when` holds yields a Finding (its first matching variant refining it).

import type { CaptureSummary } from '../capture/frame.ts';
import type { Connection } from '../tcp/types.ts';
import type { Session, Transfer } from '../ftp/types.ts';
import type { Scope } from './fact-schema.ts';
import { FactBuilder, type DecodeCounts, type Fact, type FactSources } from './facts.ts';
import { severityRank, type Finding, type Severity } from './finding.ts';
import type { CompiledExpr, CompiledTemplate, Rule, RuleSet } from './rule-types.ts';
import { formatValue } from './template.ts';
import { keepForLate, keptVars, type KeptFacts, type LateRules } from './late-rules.ts';

/** What a transfer released before its session ended keeps for its late rules (late-rules.ts):
 *  its ids, the rules that may still hold for it and the fields of its facts they read. */
export interface LateRecord {
  transfer: number;
  connection: number;
  kept: KeptFacts;
}

/** A rule that failed at run time (e.g. compared null with a number): reported, not fatal. */
export interface RuleRunError {
  rule: string;
  file: string;
  line: number;
  message: string;
  count: number; //  subjects it failed on
}

export interface Subject {
  connection: number | null;
  session: number | null;
  transfer: number | null;
}

const asNumber = (v: unknown): number | null => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' && Number.isFinite(v) ? v : null);

function defaultFrames(scope: Scope, vars: Record<string, unknown>): unknown[] {
  const get = (o: unknown, k: string) => (o as Fact | null)?.[k];
  switch (scope) {
    case 'capture':
      return [];
    case 'connection':
      return [get(vars['c'], 'firstFrame')];
    case 'session':
      return [get(vars['s'], 'firstFrame')];
    case 'transfer':
      return [get(vars['t'], 'commandFrame'), get(vars['t'], 'finalFrame')];
    case 'command':
      return [get(vars['cmd'], 'frame'), get(vars['cmd'], 'replyFrame')];
    case 'client':
      return get(vars['l'], 'failureFrames') as unknown[];
  }
}

/** Frame numbers from a CEL value: ints (or lists of them, flattened); 0 and junk dropped. */
export function normalizeFrames(v: unknown): number[] {
  const out = new Set<number>();
  const add = (x: unknown) => {
    if (Array.isArray(x)) for (const y of x) add(y);
    else {
      const n = asNumber(x);
      if (n !== null && n > 0 && Number.isInteger(n)) out.add(n);
    }
  };
  add(v);
  return [...out].sort((a, b) => a - b);
}

const NO_ERRORS: ReadonlyMap<string, number> = new Map();

export class RuleEvaluator {
  private readonly errors = new Map<string, RuleRunError>();

  constructor(readonly ruleSet: RuleSet) {}

  /** In the rule set's order, not the order the subjects were evaluated in: a unit diagnoses its
   *  subjects in the order that bounds its memory (release.ts diagnoseSession). */
  get runErrors(): RuleRunError[] {
    const order = new Map(this.ruleSet.rules.map((r, i) => [r.id, i] as const));
    return [...this.errors.values()].sort((a, b) => (order.get(a.rule) ?? 0) - (order.get(b.rule) ?? 0));
  }

  /** The run-time error counts so far, to undo what a diagnosis that is thrown away counted (a
   *  transfer of a long session tried as a part and kept for its session's pass: rollBackErrors). */
  errorMark(): ReadonlyMap<string, number> {
    if (this.errors.size === 0) return NO_ERRORS;
    const mark = new Map<string, number>();
    for (const [id, e] of this.errors) mark.set(id, e.count);
    return mark;
  }

  rollBackErrors(mark: ReadonlyMap<string, number>): void {
    for (const [id, e] of this.errors) {
      const n = mark.get(id);
      if (n === undefined) this.errors.delete(id);
      else e.count = n;
    }
  }

  private fail(rule: Rule, expr: CompiledExpr | null, e: unknown): void {
    const prev = this.errors.get(rule.id);
    if (prev) {
      prev.count++;
      return;
    }
    const msg = e instanceof Error ? ((e as { summary?: string }).summary ?? e.message.split('\n')[0]!) : String(e);
    this.errors.set(rule.id, { rule: rule.id, file: rule.source.file, line: expr?.line ?? rule.source.line, message: msg, count: 1 });
  }

  private render(t: CompiledTemplate, vars: Record<string, unknown>): string {
    let out = '';
    for (const p of t.parts) out += 'text' in p ? p.text : formatValue(p.expr.run(vars), p.max);
    return out;
  }

  /** Some rule of `scope` may hold for a subject that has the presence flags `have`. */
  anyRuleFor(scope: Scope, have: Uint8Array): boolean {
    for (const rule of this.ruleSet.byScope[scope]) if (hasAll(have, rule.requires)) return true;
    return false;
  }

  /** Runs every rule of `scope` on one subject; given its presence flags (presence.ts), only the
   *  rules whose required flags it has: the others' `when` is false. */
  evaluate(scope: Scope, vars: Record<string, unknown>, subject: Subject, have?: Uint8Array, only?: (rule: Rule) => boolean, rules?: Rule[]): Finding[] {
    const findings: Finding[] = [];
    for (const rule of this.ruleSet.byScope[scope]) {
      if (have !== undefined && !hasAll(have, rule.requires)) continue;
      if (only !== undefined && !only(rule)) continue;
      let stage: CompiledExpr | null = rule.when;
      try {
        const hit = rule.when.run(vars);
        if (hit !== true) {
          if (hit !== false) throw new Error(`"when" gave ${formatValue(hit)}, not true/false`);
          continue;
        }
        let severity: Severity = rule.severity;
        let title = rule.title;
        let causes = rule.causes;
        let summary = rule.summary;
        let explanation = rule.explanation;
        let action = rule.action;
        let frames = rule.frames;
        for (const v of rule.variants) {
          stage = v.when;
          if (v.when.run(vars) !== true) continue;
          severity = v.severity ?? severity;
          title = v.title ?? title;
          causes = v.causes ?? causes;
          summary = v.summary ?? summary;
          explanation = v.explanation ?? explanation;
          action = v.action ?? action;
          frames = v.frames ?? frames;
          break;
        }
        stage = frames;
        const frameList = normalizeFrames(frames ? frames.run(vars) : defaultFrames(scope, vars));
        stage = null;
        findings.push({
          id: rule.id,
          severity,
          title,
          summary: this.render(summary, vars),
          explanation: this.render(explanation, vars),
          causes,
          action: this.render(action, vars),
          references: rule.references,
          frames: frameList,
          connection: subject.connection,
          session: subject.session,
          transfer: subject.transfer,
          ...(rule.ladder.length ? { ladder: rule.ladder } : {}),
        });
        // after the finding is made: a template that fails leaves both lists as they were, so
        // rules[i] stays the rule of findings[i]
        rules?.push(rule);
      } catch (e) {
        this.fail(rule, stage, e);
      }
    }
    return findings;
  }
}

export function hasAll(have: Uint8Array, flags: readonly number[]): boolean {
  for (const i of flags) if (have[i] === 0) return false;
  return true;
}

/** Input of one diagnosis pass. */
export interface DiagnoseInput extends FactSources {
  capture: CaptureSummary | null; //  null: no capture-scope rules (incremental passes)
  decode: DecodeCounts;
}

const idOf = (f: Fact | null, k = 'id'): number | null => (f ? asNumber(f[k]) : null);

/** The diagnosis of a set of subjects, sharing one fact builder. */
export class Diagnosis {
  readonly facts: FactBuilder;

  constructor(
    private readonly evaluator: RuleEvaluator,
    private readonly input: DiagnoseInput,
  ) {
    this.facts = new FactBuilder(input);
  }

  capture(summary: CaptureSummary, connectionCount: number): Finding[] {
    return this.evaluator.evaluate('capture', { capture: this.facts.capture(summary, this.input.decode, connectionCount) }, { connection: null, session: null, transfer: null });
  }

  /** `withoutSession`: a data connection released before its session ends, none of whose rules
   *  that read `s` can hold (release.ts): `s` is not built. */
  connection(conn: Connection, withoutSession = false): Finding[] {
    // a connection none of whose rules can hold is not worth its facts (most are clean)
    const have = this.facts.connectionPresence(conn);
    if (!this.evaluator.anyRuleFor('connection', have)) return [];
    const c = this.facts.connectionFact(conn);
    const session = this.facts.sessionOfConnection(conn.id);
    const transfer = this.facts.transferOfConnection(conn.id);
    const s = session && !withoutSession ? this.facts.sessionFact(session) : null;
    const t = transfer ? this.facts.transferFact(transfer) : null;
    // an attempt that a session followed belongs with that session in the reports
    const later = (c['ftpAttempt'] as Fact | null)?.['session'];
    const sessionId = session?.id ?? (typeof later === 'bigint' && later >= 0n ? Number(later) : null);
    return this.evaluator.evaluate('connection', { c, role: c['role'], s, t }, { connection: conn.id, session: sessionId, transfer: transfer?.id ?? null }, have);
  }

  session(session: Session): Finding[] {
    const s = this.facts.sessionFact(session);
    const conn = this.facts.connection(session.control);
    if (!conn) return [];
    const c = this.facts.connectionFact(conn);
    const subject = { connection: session.control, session: session.id, transfer: null };
    const out = this.evaluator.evaluate('session', { s, c }, subject);
    if (this.evaluator.ruleSet.byScope.command.length > 0) {
      for (let i = 0; i < session.commands.length; i++) {
        const cmd = this.facts.commandFactOf(session, i);
        const tr = idOf(cmd, 'transfer');
        out.push(...this.evaluator.evaluate('command', { cmd, s, c }, { ...subject, transfer: tr !== null && tr >= 0 ? tr : null }));
      }
    }
    return out;
  }

  /** Each client/server pair with a refused login (the end of the capture only: the ledger is
   *  final then). Not about one session: a client's attempts span many. */
  clients(): Finding[] {
    const out: Finding[] = [];
    if (this.evaluator.ruleSet.byScope.client.length === 0) return out;
    for (const l of this.input.logins?.clients ?? []) {
      out.push(...this.evaluator.evaluate('client', { l: this.facts.loginsFact(l) }, { connection: null, session: null, transfer: null }));
    }
    return out;
  }

  transfer(transfer: Transfer): Finding[] {
    const x = this.transferVars(transfer, false);
    return x ? this.evaluator.evaluate('transfer', x.vars, x.subject) : [];
  }

  /** A transfer released before its session ends (release.ts): the rules that read neither `s`
   *  nor `c` (LateRules) now, each finding with its rule; and for the late ones, the fields of
   *  `t`, `d` and `cmd` they read, to run over when the session ends (lateTransfer). The command
   *  fact is the one the session's pass makes: `cmd`, not the session's last command, of this
   *  transfer (the caller checks both). */
  transferPart(transfer: Transfer, late: LateRules): { findings: Finding[]; rules: Rule[]; record: LateRecord | null } | null {
    const x = this.transferVars(transfer, true);
    if (!x) return null;
    const rules: Rule[] = [];
    const findings = this.evaluator.evaluate('transfer', x.vars, x.subject, undefined, (r) => !late.isLate.has(r), rules);
    const kept = late.transfer.length === 0 ? null : keepForLate(late, x.vars);
    return { findings, rules, record: kept && { transfer: transfer.id, connection: x.subject.connection!, kept } };
  }

  /** The late rules (LateRules) over a transfer released before its session ended. */
  lateTransfer(r: LateRecord, session: Session, rules: Rule[]): Finding[] {
    const conn = this.facts.connection(session.control);
    if (!conn) return [];
    const vars = { ...keptVars(r.kept), s: this.facts.sessionFact(session), c: this.facts.connectionFact(conn) };
    const mayHold = r.kept.shape.rules;
    return this.evaluator.evaluate('transfer', vars, { connection: r.connection, session: session.id, transfer: r.transfer }, undefined, (rule) => mayHold.includes(rule), rules);
  }

  private transferVars(transfer: Transfer, part: boolean): { vars: { t: Fact; s: Fact | null; c: Fact | null; d: Fact | null; cmd: Fact | null }; subject: Subject } | null {
    // a data connection without its control connection (lone-data.ts) has no session: s and c null
    const session = this.facts.sessionById(transfer.session);
    if (!session && transfer.session !== null) return null;
    const control = session ? this.facts.connection(session.control) : undefined;
    if (session && !control) return null;
    const data = transfer.dataConnection !== null ? this.facts.connection(transfer.dataConnection) : undefined;
    if (!control && !data) return null;
    const vars = {
      t: this.facts.transferFact(transfer),
      s: session && !part ? this.facts.sessionFact(session) : null,
      c: control && !part ? this.facts.connectionFact(control) : null,
      d: data ? this.facts.connectionFact(data) : null,
      cmd: part && session ? this.facts.partCommandFact(session, transfer) : this.facts.transferCommandFact(transfer),
    };
    return { vars, subject: { connection: data?.id ?? control!.id, session: session?.id ?? null, transfer: transfer.id } };
  }
}

/** Everything at once (the analyze command's path). */
export function diagnoseAll(evaluator: RuleEvaluator, input: DiagnoseInput): Finding[] {
  const d = new Diagnosis(evaluator, input);
  const out: Finding[] = [];
  const conns = input.connections;
  if (input.capture) out.push(...d.capture(input.capture, conns.length), ...d.clients());
  for (const c of conns) out.push(...d.connection(c));
  for (const s of input.sessions) out.push(...d.session(s));
  for (const t of input.transfers) out.push(...d.transfer(t));
  return finalizeFindings(out, evaluator.ruleSet);
}

/** Same subject: a finding that supersedes another must be about the same transfer or
 *  connection, or prove it with a superset of its frames. */
function sameSubject(a: Finding, b: Finding): boolean {
  if (a.transfer !== null && a.transfer === b.transfer) return true;
  if (a.connection !== null && a.connection === b.connection) return true;
  return b.frames.length > 0 && b.frames.every((f) => a.frames.includes(f));
}

const supersedesByRuleSet = new WeakMap<RuleSet, ReadonlyMap<string, readonly string[]>>();

/** Rule id → the ids it supersedes, built once per rule set (finalizeFindings runs per unit). */
function supersedesOf(ruleSet: RuleSet): ReadonlyMap<string, readonly string[]> {
  let m = supersedesByRuleSet.get(ruleSet);
  if (!m) {
    m = new Map(ruleSet.rules.map((r) => [r.id, r.supersedes] as const));
    supersedesByRuleSet.set(ruleSet, m);
  }
  return m;
}

const relatedByRuleSet = new WeakMap<RuleSet, ReadonlySet<string>>();

/** Rules that supersede some rule or are superseded by one (from supersedesOf, once per rule
 *  set): a finding of one of them is judged with every finding of its unit. */
export function supersedeRelated(ruleSet: RuleSet): ReadonlySet<string> {
  let ids = relatedByRuleSet.get(ruleSet);
  if (!ids) {
    const set = new Set<string>();
    for (const [id, hidden] of supersedesOf(ruleSet)) {
      if (hidden.length === 0) continue;
      set.add(id);
      for (const h of hidden) set.add(h);
    }
    relatedByRuleSet.set(ruleSet, (ids = set));
  }
  return ids;
}

/** Drops findings a more specific one supersedes (e.g. tcp-reset under upload-reset), then
 *  orders by severity, then first frame. */
export function finalizeFindings(findings: Finding[], ruleSet: RuleSet): Finding[] {
  // Indexed, not pairwise: a 10M-frame trace has ~10^5 findings, and comparing every pair took
  // hours. A superseding finding can only share a subject with `b` through b's transfer, b's
  // connection or b's first frame (sameSubject), so those are the only candidates looked at.
  const supersedes = supersedesOf(ruleSet);
  // most units hold no finding that supersedes another: nothing to index or drop
  if (!findings.some((a) => (supersedes.get(a.id) ?? []).length > 0)) return sortFindings(findings);
  const byTransfer = new Map<number, Finding[]>();
  const byConnection = new Map<number, Finding[]>();
  const byFrame = new Map<number, Finding[]>();
  const put = (m: Map<number, Finding[]>, k: number, f: Finding) => {
    const l = m.get(k);
    if (l) l.push(f);
    else m.set(k, [f]);
  };
  for (const a of findings) {
    if ((supersedes.get(a.id) ?? []).length === 0) continue;
    if (a.transfer !== null) put(byTransfer, a.transfer, a);
    if (a.connection !== null) put(byConnection, a.connection, a);
    for (const fr of new Set(a.frames)) put(byFrame, fr, a);
  }
  const hides = (a: Finding, b: Finding) => a !== b && (supersedes.get(a.id) ?? []).includes(b.id) && sameSubject(a, b);
  const kept = findings.filter((b) => {
    for (const a of (b.transfer !== null ? byTransfer.get(b.transfer) : undefined) ?? []) if (hides(a, b)) return false;
    for (const a of (b.connection !== null ? byConnection.get(b.connection) : undefined) ?? []) if (hides(a, b)) return false;
    for (const a of (b.frames.length > 0 ? byFrame.get(b.frames[0]!) : undefined) ?? []) if (hides(a, b)) return false;
    return true;
  });
  return sortFindings(kept);
}

export function sortFindings(findings: Finding[]): Finding[] {
  if (findings.length < 2) return findings.slice();
  return findings
    .map((f, i) => ({ f, i }))
    .sort((x, y) => severityRank[y.f.severity] - severityRank[x.f.severity] || (x.f.frames[0] ?? Infinity) - (y.f.frames[0] ?? Infinity) || x.i - y.i)
    .map((x) => x.f);
}
