// The CEL environments rules are compiled in: one per scope, binding only that scope's variables
// (fact-schema.ts) plus a few pure formatting helpers, those of src/format/ that every output
// formats with too. CEL has no I/O, no loops beyond bounded comprehensions and no access to host
// objects, so a rule cannot run code or touch files.

import { clipProse, pluralOf } from '../format/words.ts';
import { bytesText, percentText, rateText, secondsText } from '../format/numbers.ts';
import { formatFrames } from '../format/frames.ts';
import { Environment } from '@marcbachmann/cel-js';
import { scopeVariables, Scopes, type Scope } from './fact-schema.ts';
import { explainReplyCode } from './reply-codes.ts';

export const num = (v: unknown): number => (typeof v === 'bigint' ? Number(v) : typeof v === 'number' ? v : NaN);

/** A helper rules may call: its CEL signature, its implementation, and when a compiled rule may
 *  call it directly (`accepts`: the arguments are of the types the signature names; otherwise the
 *  rule falls back to cel-js, which reports the type error). One table serves both. */
export interface RuleFunction {
  signature: string;
  impl: (...args: never[]) => unknown;
  accepts: (args: readonly unknown[]) => boolean;
}

const anyArgs = () => true;

export const ruleFunctions: Record<string, RuleFunction> = {
  fmtBytes: { signature: 'fmtBytes(dyn): string', impl: (v: unknown) => bytesText(num(v)), accepts: anyArgs },
  fmtRate: { signature: 'fmtRate(dyn): string', impl: (v: unknown) => rateText(v === null ? null : num(v)), accepts: anyArgs },
  fmtSeconds: { signature: 'fmtSeconds(dyn): string', impl: (v: unknown) => secondsText(v === null ? null : num(v)), accepts: anyArgs },
  fmtFrames: {
    signature: 'fmtFrames(list): string',
    impl: (v: unknown) => formatFrames(Array.isArray(v) ? v.map(num) : []),
    accepts: (a) => Array.isArray(a[0]),
  },
  // a wire string inside a phrase a rule composes (placeholderMax): clipped in the middle as a
  // placeholder of one value is
  clip: { signature: 'clip(string): string', impl: (v: string) => clipProse(v), accepts: (a) => typeof a[0] === 'string' },
  plural: {
    signature: 'plural(int, string): string',
    impl: (n: bigint, word: string) => `${n} ${n === 1n ? word : pluralOf(word)}`,
    accepts: (a) => typeof a[0] === 'bigint' && typeof a[1] === 'string',
  },
  fmtPct: { signature: 'fmtPct(dyn, dyn): string', impl: (a: unknown, b: unknown) => percentText(num(a), num(b)), accepts: anyArgs },
  pct: {
    signature: 'pct(dyn, dyn): double',
    impl: (a: unknown, b: unknown) => {
      const d = num(b);
      return d === 0 || !Number.isFinite(d) ? 0 : (num(a) / d) * 100;
    },
    accepts: anyArgs,
  },
  replyMeaning: {
    signature: 'replyMeaning(int): string',
    impl: (code: bigint) => explainReplyCode(Number(code)).meaning,
    accepts: (a) => typeof a[0] === 'bigint',
  },
};

function createBaseEnvironment(): Environment {
  let env = new Environment({
    homogeneousAggregateLiterals: false,
    // Rules are short; these bounds keep a hostile rule file from building huge ASTs.
    limits: { maxAstNodes: 5000, maxDepth: 60, maxListElements: 500, maxMapEntries: 200, maxCallArguments: 16 },
  });
  for (const f of Object.values(ruleFunctions)) env = env.registerFunction(f.signature, f.impl as (...args: unknown[]) => unknown);
  return env;
}

let envs: Record<Scope, Environment> | null = null;

/** The environment of one scope (built once; Environment construction is costly). */
export function scopeEnvironment(scope: Scope): Environment {
  if (!envs) {
    const base = createBaseEnvironment();
    const built = {} as Record<Scope, Environment>;
    for (const s of Scopes) {
      const env = base.clone();
      // 'dyn': fact objects are plain maps, and some may be null (d, s, t); fields are linted
      // against fact-schema.ts by field-lint.ts instead of by CEL's type checker.
      for (const v of scopeVariables[s]) env.registerVariable(v.name, 'dyn');
      built[s] = env;
    }
    envs = built;
  }
  return envs[scope];
}
