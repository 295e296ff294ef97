// The built-in catalog (rules/*.yaml: the rules and the reply codes) as plain data, made when the
// bundle is built (scripts/build-bundle.mjs embeds it as JSON text), so that a run neither loads
// the YAML parser nor parses the catalog, nor type-checks and lints its CEL, at every start: that
// was half of a short run's CPU. The data holds what the YAML path (rule-loader.ts,
// reply-codes.ts) computed from the files: texts, expression sources and the lines they start
// on, placeholder bounds, each rule's presence requirements (presence.ts), the reply codes.
// rule-catalog.ts turns it into rules, compiling each expression when it is first run.
//
// The data is used only when it was made from the rules/ files that are there now (a hash of
// their names and contents, checked at load: ~1 ms); after an edit of a rules/*.yaml the YAML is
// read as the sources do, so a run always says what the files say. Everything else the data
// holds is derived from src/, and bin/ftpdiag.js runs the bundle only when it is newer than src/.
// test/diagnose/rule-catalog.test.ts loads the catalog both ways and compares them.

import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Scope } from './fact-schema.ts';
import type { LadderExtra, Severity } from './finding.ts';
import type { ReplyCodeInfo } from './reply-codes.ts';

export const builtinRulesDir = fileURLToPath(new URL('../../rules/', import.meta.url));

/** An expression as the YAML path checked it: its source and the line it starts on. */
export interface ExprData {
  source: string;
  line: number;
}

/** A template's text; its placeholders' lines and bounds (placeholderMax), in order. The parts
 *  are split again when first rendered (template.ts): keeping them too would double the data. */
export interface TemplateData {
  source: string;
  placeholders: Array<[line: number, max: number]>;
}

export interface VariantData {
  when: ExprData;
  severity: Severity | null;
  title: string | null;
  summary: TemplateData | null;
  explanation: TemplateData | null;
  causes: string[] | null;
  action: TemplateData | null;
  frames: ExprData | null;
}

export interface RuleData {
  id: string;
  severity: Severity;
  title: string;
  scope: Scope;
  when: ExprData;
  requires: number[];
  frames: ExprData | null;
  summary: TemplateData;
  explanation: TemplateData;
  causes: string[];
  action: TemplateData;
  references: string[];
  variants: VariantData[];
  supersedes: string[];
  ladder: LadderExtra[];
  file: string; //  the file's name in rules/
  line: number; //  of the rule's `id`
}

export interface CatalogData {
  /** sourcesHash() of the rules/ it was made from. */
  hash: string;
  rules: RuleData[];
  replyCodes: ReplyCodeInfo[];
}

/** The YAML files of a rules directory, as rule-loader.ts reads them (*.yaml, *.yml, sorted). */
export function yamlFilesOf(dir: string): string[] {
  return readdirSync(dir)
    .filter((n) => /\.ya?ml$/i.test(n))
    .sort();
}

/** A hash of the names and contents of the YAML files of `dir`. */
export function sourcesHash(dir = builtinRulesDir): string {
  const h = createHash('sha256');
  for (const name of yamlFilesOf(dir)) h.update(`${name}\0`).update(readFileSync(join(dir, name))).update('\0');
  return h.digest('hex');
}

// The bundle's copy (scripts/build-bundle.mjs defines it as the JSON text of the catalog's
// data); undefined when the sources run (tsx), which read the YAML.
declare const FTPDIAG_BUILTIN_CATALOG: string | undefined;

let embedded: CatalogData | null | undefined;

/** The catalog data the bundle was built with, when it was made from the rules/ there now;
 *  otherwise null (the sources run, or a rules/*.yaml changed since the build, or rules/ cannot
 *  be read: the YAML path then reports that as it always did). */
export function embeddedCatalog(): CatalogData | null {
  if (embedded === undefined) embedded = typeof FTPDIAG_BUILTIN_CATALOG === 'string' ? freshCatalog(FTPDIAG_BUILTIN_CATALOG) : null;
  return embedded;
}

/** `json`'s catalog data when it was made from the files of `dir` as they are now, else null. */
export function freshCatalog(json: string, dir = builtinRulesDir): CatalogData | null {
  const data = JSON.parse(json) as CatalogData;
  try {
    return data.hash === sourcesHash(dir) ? data : null;
  } catch {
    return null;
  }
}
