// A loaded, compiled rule (its YAML schema is documented in rules/README.md).

import type { Scope } from './fact-schema.ts';
import type { LadderExtra, Severity } from './finding.ts';

export interface RuleSource {
  file: string;
  line: number; //  line of the rule's `id`
}

/** A compiled CEL expression, remembering where it came from for run-time error messages. */
export interface CompiledExpr {
  source: string;
  line: number;
  run(ctx: Record<string, unknown>): unknown;
}

/** A placeholder's value is clipped to `max` characters (template.ts clipProse): PROSE_MAX for one
 *  value (a file name from the wire), SENTENCE_MAX for a phrase composed in CEL, whose wire parts
 *  the rule clips itself with clip(). */
export type CompiledTemplatePart = { text: string } | { expr: CompiledExpr; max: number };

export interface CompiledTemplate {
  source: string;
  parts: CompiledTemplatePart[];
}

export interface RuleVariant {
  when: CompiledExpr;
  severity: Severity | null;
  title: string | null; //            the finding's heading for this case (null: the rule's)
  summary: CompiledTemplate | null;
  explanation: CompiledTemplate | null;
  causes: string[] | null; //         the likely causes of this case (null: the rule's)
  action: CompiledTemplate | null;
  frames: CompiledExpr | null;
}

export interface Rule {
  id: string;
  severity: Severity;
  title: string;
  scope: Scope;
  when: CompiledExpr;
  /** What a subject must have for `when` to hold (presence.ts, derived from `when`): indexes of
   *  the scope's presence flags. A subject without one of them is not evaluated. */
  requires: readonly number[];
  frames: CompiledExpr | null; //  null: the scope's default frames
  summary: CompiledTemplate;
  explanation: CompiledTemplate;
  causes: string[];
  action: CompiledTemplate;
  references: string[];
  variants: RuleVariant[];
  supersedes: string[];
  ladder: LadderExtra[]; //  what its findings' ladders show besides the packets (Finding.ladder)
  source: RuleSource;
}

export interface RuleSet {
  rules: Rule[];
  byScope: Record<Scope, Rule[]>;
}
