// Regression of one trace: analyse it, then compare with (or, with --update, write) its
// expectation. Runs in the main thread or in a worker; the outcome is plain data either way.

import { writeFileSync } from 'node:fs';
import { basename, dirname, resolve } from 'node:path';
import type { RuleSet } from '../diagnose/rule-types.ts';
import { analyzeFile, type AnalysisLimits } from '../pipeline/analyze.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import { KeyLogError, readKeyLog } from '../tls/keylog.ts';
import { checkAgainst } from './check.ts';
import { ExpectationError, loadExpectation, type Expectation } from './expectation.ts';
import { expectationText } from './update.ts';
import type { TraceCase } from './discover.ts';

export interface TraceOutcome {
  trace: string;
  expectFile: string;
  status: 'pass' | 'fail' | 'error' | 'updated';
  mismatches: string[]; //  why it failed
  error: string | null; //  why it could not be checked (unreadable trace, missing/bad expectation)
  seconds: number;
  frames: number;
  findings: number;
  transfers: number;
}

export async function regressOne(c: TraceCase, rules: RuleSet, update: boolean, limits: AnalysisLimits = {}): Promise<TraceOutcome> {
  const started = performance.now();
  const base = { trace: c.trace, expectFile: c.expectFile, mismatches: [] as string[], error: null as string | null, frames: 0, findings: 0, transfers: 0 };
  const done = (o: Partial<TraceOutcome> & Pick<TraceOutcome, 'status'>): TraceOutcome => ({
    ...base,
    ...o,
    seconds: (performance.now() - started) / 1000,
  });
  const { result, error } = await analyzeFile(c.trace, { rules, file: c.trace, ...limits });
  const counts = { frames: result.capture.frames, findings: result.findings.length, transfers: result.transfers.length };
  if (error) return done({ status: 'error', error: `${c.trace}: offset ${error.offset}: ${error.reason}`, ...counts });
  let exp: Expectation | null = null;
  try {
    exp = loadExpectation(c.expectFile);
  } catch (e) {
    if (!(e instanceof ExpectationError)) throw e;
    if (!update) {
      const reason = e.line === 0
        ? `${c.expectFile}: missing (write it with: ftpdiag regress --update ${c.trace})`
        : e.message;
      return done({ status: 'error', error: reason, ...counts });
    }
  }
  // FTPS: an expectation that names a key log is checked a second time, decrypted
  let decrypted: AnalysisResult | null = null;
  if (exp?.keylog) {
    const keyFile = resolve(dirname(c.expectFile), exp.keylog);
    try {
      const keyLog = readKeyLog(keyFile);
      const second = await analyzeFile(c.trace, { rules, file: c.trace, keyLog, ...limits });
      decrypted = second.result;
    } catch (e) {
      if (!(e instanceof KeyLogError)) throw e;
      return done({ status: 'error', error: `${c.expectFile}: keylog: ${e.message}`, ...counts });
    }
  }
  if (update) {
    writeFileSync(c.expectFile, expectationText(result, basename(c.trace), c.expectFile, decrypted));
    return done({ status: 'updated', ...counts });
  }
  const mismatches = checkAgainst(result, exp!).map((m) => m.message);
  if (decrypted && exp!.decrypted) mismatches.push(...checkAgainst(decrypted, exp!.decrypted).map((m) => `with the key log: ${m.message}`));
  return done({ status: mismatches.length === 0 ? 'pass' : 'fail', mismatches, ...counts });
}
