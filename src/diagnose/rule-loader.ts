// Loads rule files (YAML, schema in rules/README.md), validates every field, compiles every CEL
// expression and template placeholder, and lints the fields they name. Any fault is a
// RuleFileError naming the file and line. The built-in catalog comes from the data the bundle was
// built with when that is current (catalog-data.ts), from its YAML otherwise.

import { readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import type { Node, Pair, Scalar, YAMLMap, YAMLSeq } from 'yaml';
import { yaml } from './yaml-lib.ts';
import { builtinRulesDir, embeddedCatalog, yamlFilesOf, type CatalogData } from './catalog-data.ts';
import { catalogData, celRunner, rulesOfData, templateOnFirstRead } from './rule-catalog.ts';
import { parseReplyCodes, replyCodesPath } from './reply-codes.ts';
import { Scopes, type Scope } from './fact-schema.ts';
import { scopeEnvironment } from './cel-env.ts';
import { fieldOf, lintFields } from './field-lint.ts';
import { requiredPresence } from './presence.ts';
import type { ASTNode } from '@marcbachmann/cel-js';
import { RuleFileError } from './rule-error.ts';
import type { CompiledExpr, CompiledTemplate, Rule, RuleSet, RuleVariant } from './rule-types.ts';
import { PROSE_MAX, SENTENCE_MAX, splitTemplate, TemplateSyntaxError } from './template.ts';
import { LADDER_EXTRAS, type LadderExtra, type Severity } from './finding.ts';

export { builtinRulesDir };

const isMap = (n: unknown): n is YAMLMap => yaml().isMap(n);
const isScalar = (n: unknown): n is Scalar => yaml().isScalar(n);
const isSeq = (n: unknown): n is YAMLSeq => yaml().isSeq(n);

const RULE_FIELDS = [
  'id', 'severity', 'title', 'scope', 'when', 'frames', 'summary', 'explanation', 'causes', 'action', 'references', 'variants', 'supersedes', 'ladder',
] as const;
const REQUIRED_FIELDS = ['id', 'severity', 'title', 'scope', 'when', 'summary', 'explanation', 'action'] as const;
const VARIANT_FIELDS = ['when', 'severity', 'title', 'summary', 'explanation', 'causes', 'action', 'frames'] as const;
const SEVERITIES: readonly Severity[] = ['error', 'warning', 'info'];
const ID_PATTERN = /^[a-z0-9]+(-[a-z0-9]+)*$/;

/** What /\s/ matches (ECMAScript WhiteSpace and LineTerminator), without a regex per character. */
export function isBlank(c: number): boolean {
  if (c <= 0x20) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  if (c < 0xa0) return false;
  return c === 0xa0 || c === 0x1680 || (c >= 0x2000 && c <= 0x200a) || c === 0x2028 || c === 0x2029 || c === 0x202f || c === 0x205f || c === 0x3000 || c === 0xfeff;
}

/** Where one scalar sits in the file, to turn an offset inside its value into a line. */
class FileContext {
  readonly lc = new (yaml().LineCounter)();
  constructor(
    readonly file: string,
    readonly text: string,
    /** Compile templates when first rendered (the built-in catalog: tests compile every one of
     *  them; a user's file is compiled whole at load, so its mistakes are reported at once). */
    readonly lazyTemplates = false,
  ) {}

  lineAt(offset: number | undefined): number {
    return offset === undefined ? 1 : this.lc.linePos(offset).line;
  }

  nodeLine(node: Node | Pair | null | undefined): number {
    if (!node) return 1;
    const n = (isScalar(node) || isMap(node) || isSeq(node) ? node : (node as Pair).key) as Node | null;
    return this.lineAt(n?.range?.[0]);
  }

  /** Line of character `offset` of a scalar's value. Folding (plain/folded scalars) changes only
   *  whitespace, so count non-blank characters up to the offset and find the same count in the
   *  source text. */
  valueLine(node: Scalar, offset: number): number {
    const value = String(node.value);
    const start = node.range?.[0] ?? 0;
    let want = 0;
    for (let i = 0; i < Math.min(offset, value.length); i++) if (!isBlank(value.charCodeAt(i))) want++;
    let pos = start;
    if (node.type === 'BLOCK_LITERAL' || node.type === 'BLOCK_FOLDED') {
      const nl = this.text.indexOf('\n', start); // skip the "|" / ">" header line
      pos = nl < 0 ? start : nl + 1;
    } else if (node.type === 'QUOTE_DOUBLE' || node.type === 'QUOTE_SINGLE') {
      pos = start + 1;
    }
    const end = node.range?.[1] ?? this.text.length;
    let seen = 0;
    while (pos < end && seen < want) {
      if (!isBlank(this.text.charCodeAt(pos))) seen++;
      pos++;
    }
    while (pos < end && isBlank(this.text.charCodeAt(pos))) pos++;
    return this.lineAt(Math.min(pos, Math.max(start, end - 1)));
  }

  error(line: number, reason: string): RuleFileError {
    return new RuleFileError(this.file, line, reason);
  }
}

function compileExpr(ctx: FileContext, scope: Scope, node: Scalar, source: string, baseOffset: number, what: string, want: 'bool' | 'list' | 'any'): CompiledExpr & { ast: ASTNode } {
  const env = scopeEnvironment(scope);
  const where = (offset: number) => ctx.valueLine(node, baseOffset + offset);
  let parsed: ReturnType<typeof env.parse>;
  try {
    parsed = env.parse(source);
  } catch (e) {
    const err = e as { summary?: string; message: string; range?: { start: number } };
    throw ctx.error(where(err.range?.start ?? 0), `${what}: CEL syntax error: ${err.summary ?? err.message.split('\n')[0]}`);
  }
  const checked = env.check(source);
  if (!checked.valid) {
    const err = checked.error as { summary?: string; message: string; range?: { start: number } } | undefined;
    throw ctx.error(where(err?.range?.start ?? 0), `${what}: ${err?.summary ?? err?.message.split('\n')[0] ?? 'invalid expression'}`);
  }
  const type = checked.type ?? 'dyn';
  if (want === 'bool' && type !== 'bool' && type !== 'dyn') throw ctx.error(where(0), `${what} must be a condition (bool), but is ${type}`);
  if (want === 'list' && !type.startsWith('list') && type !== 'dyn') throw ctx.error(where(0), `${what} must be a list of frame numbers, but is ${type}`);
  const problems = lintFields(parsed.ast, scope);
  if (problems.length > 0) throw ctx.error(where(problems[0]!.start), `${what}: ${problems[0]!.message} (see rules/FACTS.md)`);
  return { source, line: where(0), ast: parsed.ast, run: celRunner(parsed) };
}

/** How long a placeholder's text may be: one value (a field, a function of fields such as
 *  fmtBytes(t.bytes)) shows at most PROSE_MAX characters, clipped in the middle; a phrase composed in CEL
 *  (a list mapped to text, a concatenation, a choice) at most SENTENCE_MAX, its wire parts clipped
 *  by the rule with clip(); so does a field of text ftpdiag composed itself (a label, an evidence
 *  line: fact-schema's prose fields), whose wire parts were clipped where it was made. */
export function placeholderMax(source: string, scope?: Scope): number {
  if (scope !== undefined) {
    let ast: ASTNode | null = null;
    try {
      ast = scopeEnvironment(scope).parse(source).ast;
    } catch {
      // not an expression: compileExpr reports it
    }
    if (ast !== null && fieldOf(ast, scope)?.prose === true) return SENTENCE_MAX;
  }
  return /\.map\(|\+|\?/.test(stripCelStrings(source)) ? SENTENCE_MAX : PROSE_MAX;
}

/** The expression with its string literals emptied, so that a '+' or '?' inside one does not count. */
function stripCelStrings(source: string): string {
  return source.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""');
}

function compileTemplate(ctx: FileContext, scope: Scope, node: Scalar, what: string): CompiledTemplate {
  if (ctx.lazyTemplates) {
    // a rule's texts are needed only when it fires: most rules never do in a capture, and
    // compiling every template of the catalog was a third of the start-up's CPU
    return templateOnFirstRead(String(node.value), () => compileTemplateNow(ctx, scope, node, what).parts);
  }
  return compileTemplateNow(ctx, scope, node, what);
}

function compileTemplateNow(ctx: FileContext, scope: Scope, node: Scalar, what: string): CompiledTemplate {
  const source = String(node.value);
  let parts;
  try {
    parts = splitTemplate(source);
  } catch (e) {
    if (e instanceof TemplateSyntaxError) throw ctx.error(ctx.valueLine(node, e.offset), `${what}: ${e.message}`);
    throw e;
  }
  return {
    source,
    parts: parts.map((p) =>
      p.kind === 'text' ? { text: p.text } : { expr: compileExpr(ctx, scope, node, p.source, p.offset, `${what} placeholder {${p.source}}`, 'any'), max: placeholderMax(p.source, scope) },
    ),
  };
}

function scalarString(ctx: FileContext, node: unknown, field: string, line: number): Scalar {
  if (!isScalar(node) || typeof node.value !== 'string' || node.value.trim() === '') throw ctx.error(line, `${field} must be a non-empty string`);
  return node;
}

/** An expression field: a string, or a YAML boolean (`when: false` disables a rule). */
function exprScalar(ctx: FileContext, node: unknown, field: string, line: number): Scalar {
  if (isScalar(node) && typeof node.value === 'boolean') {
    node.value = String(node.value);
    return node;
  }
  return scalarString(ctx, node, field, line);
}

function stringList(ctx: FileContext, node: unknown, field: string, line: number): string[] {
  if (node === null || node === undefined) return [];
  if (!isSeq(node)) throw ctx.error(line, `${field} must be a list of strings`);
  return node.items.map((item) => {
    if (!isScalar(item) || typeof item.value !== 'string') throw ctx.error(ctx.nodeLine(item as Node), `${field} entries must be strings`);
    return item.value;
  });
}

function severityOf(ctx: FileContext, node: unknown, line: number): Severity {
  const v = isScalar(node) ? node.value : undefined;
  if (typeof v !== 'string' || !(SEVERITIES as readonly string[]).includes(v)) throw ctx.error(line, `severity must be one of ${SEVERITIES.join(', ')}`);
  return v as Severity;
}

/** Fields of a YAML mapping by key, rejecting unknown or non-string keys. */
function fieldsOf(ctx: FileContext, map: YAMLMap, allowed: readonly string[], what: string): Map<string, { pair: Pair; line: number }> {
  const out = new Map<string, { pair: Pair; line: number }>();
  for (const pair of map.items) {
    const key = isScalar(pair.key) ? pair.key.value : undefined;
    const line = ctx.nodeLine(pair.key as Node);
    if (typeof key !== 'string') throw ctx.error(line, `${what}: keys must be plain names`);
    if (!allowed.includes(key)) throw ctx.error(line, `${what}: unknown field "${key}" (allowed: ${allowed.join(', ')})`);
    out.set(key, { pair, line });
  }
  return out;
}

function parseRule(ctx: FileContext, map: YAMLMap): Rule {
  const ruleLine = ctx.nodeLine(map);
  const fields = fieldsOf(ctx, map, RULE_FIELDS, 'rule');
  const idNode = fields.get('id')?.pair.value;
  const id = isScalar(idNode) && typeof idNode.value === 'string' ? idNode.value : null;
  const label = id ? `rule ${id}` : 'rule';
  for (const req of REQUIRED_FIELDS) if (!fields.has(req)) throw ctx.error(ruleLine, `${label}: missing required field "${req}"`);
  const line = (k: string) => fields.get(k)!.line;
  const value = (k: string) => fields.get(k)?.pair.value;
  if (!id || !ID_PATTERN.test(id)) throw ctx.error(line('id'), 'id must be kebab-case (lower-case letters, digits and dashes)');
  const scopeV = isScalar(value('scope')) ? (value('scope') as Scalar).value : undefined;
  if (typeof scopeV !== 'string' || !(Scopes as readonly string[]).includes(scopeV)) throw ctx.error(line('scope'), `${label}: unknown scope "${String(scopeV)}" (one of ${Scopes.join(', ')})`);
  const scope = scopeV as Scope;
  const severity = severityOf(ctx, value('severity'), line('severity'));
  const title = scalarString(ctx, value('title'), `${label}: title`, line('title')).value as string;
  const whenNode = exprScalar(ctx, value('when'), `${label}: when`, line('when'));
  const when = compileExpr(ctx, scope, whenNode, whenNode.value as string, 0, `${label}: when`, 'bool');
  let frames: CompiledExpr | null = null;
  if (fields.has('frames')) {
    const n = scalarString(ctx, value('frames'), `${label}: frames`, line('frames'));
    frames = compileExpr(ctx, scope, n, n.value as string, 0, `${label}: frames`, 'list');
  }
  const tpl = (k: string) => compileTemplate(ctx, scope, scalarString(ctx, value(k), `${label}: ${k}`, line(k)), `${label}: ${k}`);
  const variants: RuleVariant[] = [];
  if (fields.has('variants')) {
    const seq = value('variants');
    if (!isSeq(seq)) throw ctx.error(line('variants'), `${label}: variants must be a list`);
    for (const item of seq.items) {
      if (!isMap(item)) throw ctx.error(ctx.nodeLine(item as Node), `${label}: each variant must be a mapping`);
      const vf = fieldsOf(ctx, item, VARIANT_FIELDS, `${label} variant`);
      const vLine = ctx.nodeLine(item);
      if (!vf.has('when')) throw ctx.error(vLine, `${label} variant: missing required field "when"`);
      const vv = (k: string) => vf.get(k)?.pair.value;
      const vl = (k: string) => vf.get(k)!.line;
      const vTpl = (k: string) => (vf.has(k) ? compileTemplate(ctx, scope, scalarString(ctx, vv(k), `${label} variant ${k}`, vl(k)), `${label} variant ${k}`) : null);
      const vWhen = exprScalar(ctx, vv('when'), `${label} variant when`, vl('when'));
      let vFrames: CompiledExpr | null = null;
      if (vf.has('frames')) {
        const n = scalarString(ctx, vv('frames'), `${label} variant frames`, vl('frames'));
        vFrames = compileExpr(ctx, scope, n, n.value as string, 0, `${label} variant frames`, 'list');
      }
      variants.push({
        when: compileExpr(ctx, scope, vWhen, vWhen.value as string, 0, `${label} variant when`, 'bool'),
        severity: vf.has('severity') ? severityOf(ctx, vv('severity'), vl('severity')) : null,
        title: vf.has('title') ? (scalarString(ctx, vv('title'), `${label} variant title`, vl('title')).value as string) : null,
        summary: vTpl('summary'),
        explanation: vTpl('explanation'),
        causes: vf.has('causes') ? stringList(ctx, vv('causes'), `${label} variant causes`, vl('causes')) : null,
        action: vTpl('action'),
        frames: vFrames,
      });
    }
  }
  const supersedes = stringList(ctx, value('supersedes'), `${label}: supersedes`, fields.get('supersedes')?.line ?? ruleLine);
  for (const s of supersedes) if (!ID_PATTERN.test(s)) throw ctx.error(line('supersedes'), `${label}: supersedes entry "${s}" is not a rule id`);
  const ladder = stringList(ctx, value('ladder'), `${label}: ladder`, fields.get('ladder')?.line ?? ruleLine);
  for (const x of ladder) if (!(LADDER_EXTRAS as readonly string[]).includes(x)) throw ctx.error(line('ladder'), `${label}: ladder entry "${x}" is not one of ${LADDER_EXTRAS.join(', ')}`);
  return {
    id,
    severity,
    title,
    scope,
    when,
    requires: requiredPresence(scope, when.ast),
    frames,
    summary: tpl('summary'),
    explanation: tpl('explanation'),
    causes: stringList(ctx, value('causes'), `${label}: causes`, fields.get('causes')?.line ?? ruleLine),
    action: tpl('action'),
    references: stringList(ctx, value('references'), `${label}: references`, fields.get('references')?.line ?? ruleLine),
    variants,
    supersedes,
    ladder: ladder as LadderExtra[],
    source: { file: ctx.file, line: line('id') },
  };
}

/** Parses one rule file's text. Returns null for a file that is not a rule file but a reply-code
 *  catalog (top-level `codes:`), which lives beside the rules. */
export function parseRuleFile(text: string, file: string, lazyTemplates = false): Rule[] | null {
  const ctx = new FileContext(file, text, lazyTemplates);
  const doc = yaml().parseDocument(text, { lineCounter: ctx.lc, prettyErrors: false, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw ctx.error(ctx.lineAt(e.pos[0]), `YAML: ${e.message.split("\n")[0]}`);
  }
  const root = doc.contents;
  if (root === null) return [];
  if (!isMap(root)) throw ctx.error(ctx.nodeLine(root as Node), 'a rule file must be a mapping with a "rules:" list');
  const top = fieldsOf(ctx, root, ['rules', 'codes'], 'file');
  if (top.has('codes')) return null;
  const rules = top.get('rules');
  if (!rules) throw ctx.error(1, 'a rule file must have a top-level "rules:" list');
  if (rules.pair.value === null) return [];
  if (!isSeq(rules.pair.value)) throw ctx.error(rules.line, '"rules" must be a list');
  const out: Rule[] = [];
  for (const item of rules.pair.value.items) {
    if (!isMap(item)) throw ctx.error(ctx.nodeLine(item as Node), 'each rule must be a mapping');
    out.push(parseRule(ctx, item));
  }
  return out;
}

/** Rule files of a directory (*.yaml, *.yml, sorted), or the file itself. */
export function ruleFiles(path: string): string[] {
  let st;
  try {
    st = statSync(path);
  } catch (e) {
    throw new RuleFileError(path, 0, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (!st.isDirectory()) return [path];
  return yamlFilesOf(path).map((n) => join(path, n));
}

export function emptyRuleSet(): RuleSet {
  return { rules: [], byScope: { capture: [], connection: [], session: [], transfer: [], command: [], client: [] } };
}

/** Loads rules from each path in order (directories or files). A rule whose id an earlier path
 *  already defined replaces it (user rules can retune a built-in one); the same id twice within
 *  one path is an error. The built-in rules come from the bundle's data when it is current,
 *  unless `fromYaml`. */
export function loadRuleSet(paths: readonly string[], fromYaml = false): RuleSet {
  const byId = new Map<string, { rule: Rule; path: string }>();
  for (const path of paths) {
    if (path === builtinRulesDir && !fromYaml && embeddedCatalog() !== null) {
      for (const rule of builtinRuleSet().rules) byId.set(rule.id, { rule, path });
      continue;
    }
    for (const file of ruleFiles(path)) {
      let text: string;
      try {
        text = readFileSync(file, 'utf8');
      } catch (e) {
        throw new RuleFileError(file, 0, `cannot read: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
      }
      const rules = parseRuleFile(text, file, path === builtinRulesDir);
      if (rules === null) {
        if (paths.length > 0 && statSync(path).isFile()) throw new RuleFileError(file, 1, 'this is a reply-code catalog, not a rule file');
        continue;
      }
      for (const rule of rules) {
        const prev = byId.get(rule.id);
        if (prev && prev.path === path) {
          throw new RuleFileError(file, rule.source.line, `duplicate rule id "${rule.id}" (first defined at ${basename(prev.rule.source.file)}:${prev.rule.source.line})`);
        }
        byId.set(rule.id, { rule, path });
      }
    }
  }
  return ruleSetOf([...byId.values()].map((v) => v.rule));
}

let builtin: RuleSet | null = null;

/** The built-in catalog (rules/), loaded once. */
export function builtinRuleSet(): RuleSet {
  if (builtin === null) {
    const data = embeddedCatalog();
    builtin = data === null ? loadRuleSet([builtinRulesDir]) : ruleSetOf(rulesOfData(data));
  }
  return builtin;
}

export function ruleSetOf(rules: readonly Rule[]): RuleSet {
  const set = emptyRuleSet();
  for (const rule of rules) {
    set.rules.push(rule);
    set.byScope[rule.scope].push(rule);
  }
  return set;
}

/** The built-in catalog as data, read from its YAML (scripts/build-bundle.mjs embeds it). */
export function builtinCatalogData(): CatalogData {
  return catalogData(loadRuleSet([builtinRulesDir], true).rules, parseReplyCodes(readFileSync(replyCodesPath, 'utf8'), replyCodesPath).values());
}

/** Built-in rules plus the user's (--rules DIR, repeatable). */
export function loadRules(userPaths: readonly string[] = []): RuleSet {
  return userPaths.length === 0 ? builtinRuleSet() : loadRuleSet([builtinRulesDir, ...userPaths]);
}
