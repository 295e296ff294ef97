// Field lint: checks at load time that every field a rule expression names exists in the fact
// model, so a typo (`t.byts`) is reported as file:line when the rules load, not silently as a
// rule that never fires. Works on cel-js's parsed AST; it does not evaluate anything.
//
// Heuristic: follows member chains rooted at a scope variable (c.client.bytesSent,
// c.events["zero-window"].count) and at comprehension variables over known lists
// (s.replies.exists(r, r.code == 421)). Anything it cannot type (results of functions, ternaries)
// it leaves to CEL at run time.

import type { ASTNode } from '@marcbachmann/cel-js';
import { factObjects, scopeVariables, type FieldSpec, type Scope, type TypeSpec } from './fact-schema.ts';
import { editDistance } from '../format/words.ts';

export interface LintProblem {
  message: string;
  start: number; //  character offset in the expression
}

type Known = TypeSpec | null; // null: not known statically

const MACROS_BINDING_ELEMENT = new Set(['all', 'exists', 'exists_one', 'map', 'filter']);

export function lintFields(ast: ASTNode, scope: Scope): LintProblem[] {
  const problems: LintProblem[] = [];
  const vars = new Map<string, Known>();
  for (const v of scopeVariables[scope]) vars.set(v.name, v.type);
  walk(ast, vars, problems);
  return problems;
}

function member(base: Known, name: string, node: ASTNode, problems: LintProblem[]): Known {
  if (base === null || typeof base === 'string') return null;
  if ('object' in base) {
    const spec = factObjects[base.object];
    // own properties only: `t.__proto__` or `t.constructor` must not find Object.prototype's
    const field = spec && Object.hasOwn(spec, name) ? spec[name] : undefined;
    if (!field) {
      problems.push({ message: `${base.object} has no field "${name}"${suggest(name, Object.keys(spec ?? {}))}`, start: node.range.start });
      return null;
    }
    return field.type;
  }
  if ('map' in base) {
    if (!base.keys.includes(name)) {
      problems.push({ message: `no key "${name}" here${suggest(name, base.keys)}`, start: node.range.start });
      return null;
    }
    return base.map;
  }
  return null;
}

function walk(node: ASTNode, vars: Map<string, Known>, problems: LintProblem[]): Known {
  switch (node.op) {
    case 'id':
      return vars.get(node.args) ?? null;
    case 'value':
      return null;
    case '.':
    case '.?': {
      const [base, name] = node.args;
      return member(walk(base, vars, problems), name, node, problems);
    }
    case '[]':
    case '[?]': {
      const [base, index] = node.args;
      const b = walk(base, vars, problems);
      walk(index, vars, problems);
      if (index.op === 'value' && typeof index.args === 'string') return member(b, index.args, node, problems);
      if (b !== null && typeof b !== 'string' && 'list' in b) return b.list;
      return null;
    }
    case 'rcall': {
      const [name, receiver, args] = node.args;
      const r = walk(receiver, vars, problems);
      if (MACROS_BINDING_ELEMENT.has(name) && args.length >= 2 && args[0]!.op === 'id') {
        const element: Known = r !== null && typeof r !== 'string' && 'list' in r ? r.list : null;
        const inner = new Map(vars);
        inner.set(args[0]!.args as string, element);
        for (const a of args.slice(1)) walk(a, inner, problems);
        if (name === 'filter') return r;
        return null;
      }
      for (const a of args) walk(a, vars, problems);
      return null;
    }
    case 'call': {
      const [, args] = node.args;
      for (const a of args) walk(a, vars, problems);
      return null;
    }
    case 'list':
      for (const a of node.args) walk(a, vars, problems);
      return null;
    case 'map':
      for (const [k, v] of node.args) {
        walk(k, vars, problems);
        walk(v, vars, problems);
      }
      return null;
    case '!_':
    case '-_':
      walk(node.args, vars, problems);
      return null;
    default: {
      // binary operators, &&, ||, ?: — all carry an array of operand nodes
      const args = node.args as unknown;
      if (Array.isArray(args)) for (const a of args) if (a && typeof a === 'object' && 'op' in a) walk(a as ASTNode, vars, problems);
      return null;
    }
  }
}

/** ' (did you mean "bytes"?)' when one known name is close enough. */
function suggest(name: string, known: readonly string[]): string {
  let best = '';
  let bestD = Infinity;
  for (const k of known) {
    const d = editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) {
      bestD = d;
      best = k;
    }
  }
  return best && bestD <= Math.max(1, Math.floor(name.length / 3)) ? ` (did you mean "${best}"?)` : '';
}

/** The field a plain member chain names (`c.label`, `c.forgedResets[0].evidence`), or null for any
 *  other expression. */
export function fieldOf(ast: ASTNode, scope: Scope): FieldSpec | null {
  const chain: Array<string | null> = []; // member names from the root outwards (null: a list index)
  let node = ast;
  for (;;) {
    if (node.op === '.') {
      chain.unshift(node.args[1]);
      node = node.args[0];
    } else if (node.op === '[]') {
      const index = node.args[1];
      if (index.op !== 'value') return null;
      chain.unshift(typeof index.args === 'string' ? index.args : null);
      node = node.args[0];
    } else if (node.op === 'rcall' && node.args[0] === 'filter') {
      node = node.args[1]; // a filtered list has the list's type: c.forgedResets.filter(r, …)[0].evidence
    } else break;
  }
  if (node.op !== 'id' || chain.length === 0) return null;
  let type: TypeSpec | null = scopeVariables[scope].find((v) => v.name === node.args)?.type ?? null;
  let spec: FieldSpec | null = null;
  for (const name of chain) {
    if (type === null || typeof type === 'string') return null;
    if (name === null) {
      if (!('list' in type)) return null;
      type = type.list;
      spec = null;
    } else if ('object' in type) {
      const obj = factObjects[type.object];
      spec = obj && Object.hasOwn(obj, name) ? obj[name]! : null;
      if (spec === null) return null;
      type = spec.type;
    } else return null;
  }
  return spec;
}
