// The built-in catalog's data (catalog-data.ts) from the rules the YAML path loaded (at build
// time) and back to rules (at run time), each expression compiled when it is first run: most
// rules never run in a capture (their scope is absent, or presence.ts skips them).

import { basename, join } from 'node:path';
import type { ASTNode } from '@marcbachmann/cel-js';
import { compileCel } from './cel-compile.ts';
import { scopeEnvironment } from './cel-env.ts';
import { builtinRulesDir, sourcesHash, type CatalogData, type ExprData, type TemplateData } from './catalog-data.ts';
import type { Scope } from './fact-schema.ts';
import type { ReplyCodeInfo } from './reply-codes.ts';
import { splitTemplate } from './template.ts';
import type { CompiledExpr, CompiledTemplate, CompiledTemplatePart, Rule, RuleVariant } from './rule-types.ts';

/** Runs the compiled closure of `parsed`, answering any throw of it (an expression the compiler
 *  does not take on, or a bug) by cel-js' own evaluation. */
export function celRunner(parsed: { (vars: Record<string, unknown>): unknown; ast: ASTNode }): (vars: Record<string, unknown>) => unknown {
  const compiled = compileCel(parsed.ast);
  if (!compiled) return (vars) => parsed(vars);
  return (vars) => {
    try {
      return compiled(vars);
    } catch {
      return parsed(vars);
    }
  };
}

// ---- from loaded rules to data (at build time) ----

const exprData = (e: CompiledExpr): ExprData => ({ source: e.source, line: e.line });
const templateData = (t: CompiledTemplate): TemplateData => ({
  source: t.source,
  placeholders: t.parts.flatMap((p) => ('text' in p ? [] : [[p.expr.line, p.max] as [number, number]])),
});
const maybe = <T, U>(v: T | null, f: (v: T) => U): U | null => (v === null ? null : f(v));

/** The data of rules the YAML path loaded from `dir` (their templates compiled on the way). */
export function catalogData(rules: readonly Rule[], replyCodes: Iterable<ReplyCodeInfo>, dir = builtinRulesDir): CatalogData {
  return {
    hash: sourcesHash(dir),
    rules: rules.map((r) => ({
      id: r.id,
      severity: r.severity,
      title: r.title,
      scope: r.scope,
      when: exprData(r.when),
      requires: [...r.requires],
      frames: maybe(r.frames, exprData),
      summary: templateData(r.summary),
      explanation: templateData(r.explanation),
      causes: r.causes,
      action: templateData(r.action),
      references: r.references,
      variants: r.variants.map((v) => ({
        when: exprData(v.when),
        severity: v.severity,
        title: v.title,
        summary: maybe(v.summary, templateData),
        explanation: maybe(v.explanation, templateData),
        causes: v.causes,
        action: maybe(v.action, templateData),
        frames: maybe(v.frames, exprData),
      })),
      supersedes: r.supersedes,
      ladder: r.ladder,
      file: basename(r.source.file), // a bundle built on Windows names its files with backslashes
      line: r.source.line,
    })),
    replyCodes: [...replyCodes],
  };
}

// ---- from data to rules (at run time) ----

/** An expression compiled when first run. */
function lazyExpr(scope: Scope, d: ExprData): CompiledExpr {
  let fn: ((vars: Record<string, unknown>) => unknown) | null = null;
  const expr: CompiledExpr = {
    source: d.source,
    line: d.line,
    run(vars) {
      fn ??= celRunner(scopeEnvironment(scope).parse(d.source));
      expr.run = fn; // later calls go straight to the closure
      return fn(vars);
    },
  };
  return expr;
}

/** A template whose parts are made by `make` when first read (most rules never fire, so most
 *  texts are never rendered); the YAML path's built-in templates use it too. */
export function templateOnFirstRead(source: string, make: () => CompiledTemplatePart[]): CompiledTemplate {
  let parts: CompiledTemplatePart[] | null = null;
  return {
    source,
    get parts() {
      parts ??= make();
      return parts;
    },
  };
}

function lazyTemplate(scope: Scope, d: TemplateData): CompiledTemplate {
  return templateOnFirstRead(d.source, () => {
    let i = 0;
    return splitTemplate(d.source).map((p) => {
      if (p.kind === 'text') return { text: p.text };
      const [line, max] = d.placeholders[i++]!;
      return { expr: lazyExpr(scope, { source: p.source, line }), max };
    });
  });
}

/** The rule set of catalog data, rules' files named as if read from `dir`. */
export function rulesOfData(data: CatalogData, dir = builtinRulesDir): Rule[] {
  return data.rules.map((d) => {
    const s = d.scope;
    const tpl = (t: TemplateData | null) => maybe(t, (x) => lazyTemplate(s, x));
    const variants: RuleVariant[] = d.variants.map((v) => ({
      when: lazyExpr(s, v.when),
      severity: v.severity,
      title: v.title,
      summary: tpl(v.summary),
      explanation: tpl(v.explanation),
      causes: v.causes,
      action: tpl(v.action),
      frames: maybe(v.frames, (f) => lazyExpr(s, f)),
    }));
    return {
      id: d.id,
      severity: d.severity,
      title: d.title,
      scope: s,
      when: lazyExpr(s, d.when),
      requires: d.requires,
      frames: maybe(d.frames, (f) => lazyExpr(s, f)),
      summary: lazyTemplate(s, d.summary),
      explanation: lazyTemplate(s, d.explanation),
      causes: d.causes,
      action: lazyTemplate(s, d.action),
      references: d.references,
      variants,
      supersedes: d.supersedes,
      ladder: d.ladder,
      source: { file: join(dir, d.file), line: d.line },
    };
  });
}

