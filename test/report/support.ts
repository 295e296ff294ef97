// Test support for report tests: a capture analysed with the built-in rules.

import { expect } from 'chai';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { analyzeFile, type AnalysisResult } from '../../src/pipeline/analyze.ts';

/** The analysis of `path` with the built-in rules; the capture must read without a fault. */
export async function analysis(path: string, showPasswords = false): Promise<AnalysisResult> {
  const { result, error } = await analyzeFile(path, { rules: loadRules([]), showPasswords });
  expect(error).to.equal(null);
  return result;
}
