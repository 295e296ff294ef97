// A crafted trace through the whole analysis (built-in rules), in process.

import type { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import type { RuleSet } from '../../src/diagnose/rule-types.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import { Analysis, type AnalysisLimits } from '../../src/pipeline/analyze.ts';
import type { AnalysisResult } from '../../src/pipeline/result.ts';
import { renderText } from '../../src/report/text.ts';

let rules: RuleSet | null = null;

/** The analysis of `t`'s frames with `limits`; the text report is rendered too (it must not throw). */
export function analyse(t: TraceBuilder, limits: AnalysisLimits = {}): AnalysisResult {
  const a = new Analysis({ rules: (rules ??= loadRules()), ...limits });
  for (const frame of t.captureFrames()) a.frame(frame);
  const r = a.finish();
  renderText(r, { color: false });
  return r;
}

export const withId = (r: AnalysisResult, id: string): Finding[] => r.findings.filter((f) => f.id === id);
