// The CEL environments rules are compiled in: one per scope, binding only that scope's variables
// (fact-schema.ts) plus a few pure formatting helpers. CEL has no I/O, no loops beyond bounded
// comprehensions and no access to host objects, so a rule cannot run code or touch files.

import { clipProse } from './template.ts';
import { Environment } from '@marcbachmann/cel-js';
import { scopeVariables, Scopes, type Scope } from './fact-schema.ts';
import { explainReplyCode } from './reply-codes.ts';

/** Human form of a size: '999 bytes', '1.5 MB (1500000 bytes)' (SI units, as link speeds are). */
export function formatBytes(n: number): string {
  if (!Number.isFinite(n)) return 'unknown';
  const abs = Math.abs(n);
  if (abs < 1000) return `${n} byte${n === 1 ? '' : 's'}`;
  return `${siUnits(n, 'B')} (${n} bytes)`;
}

export function formatRate(bytesPerSecond: number | null): string {
  if (bytesPerSecond === null || !Number.isFinite(bytesPerSecond)) return 'unknown';
  return `${siUnits(bytesPerSecond, 'B')}/s`;
}

export function formatSeconds(s: number | null): string {
  if (s === null || !Number.isFinite(s)) return 'unknown';
  // below a millisecond "0.000 s" says nothing: microseconds (or nanoseconds below one)
  const a = Math.abs(s);
  if (a > 0 && a < 0.0005) return a < 1e-6 ? `${Math.round(s * 1e9)} ns` : `${Math.round(s * 1e6)} µs`;
  return a < 10 ? `${s.toFixed(3)} s` : `${s.toFixed(1)} s`;
}

export const MAX_LISTED_FRAMES = 8;

export function formatFrames(frames: readonly number[]): string {
  return formatFrameList(frames, frames.length);
}

/** formatFrames of a list known by its first entries (at least MAX_LISTED_FRAMES of them, or
 *  all) and its length: what a streamed report keeps instead of the whole list. */
export function formatFrameList(first: readonly number[], total: number): string {
  if (total === 0) return 'none';
  const shown = first.slice(0, MAX_LISTED_FRAMES).join(', ');
  return total > MAX_LISTED_FRAMES ? `${shown} … (+${total - MAX_LISTED_FRAMES} more)` : shown;
}

/** A list of frame numbers or ids as formatFrames shows it, gathered one at a time in bounded
 *  memory: the first entries and the count, with `distinct` only new values count (a bit set). */
export class FrameList {
  readonly first: number[] = [];
  count = 0;
  private seen: Uint8Array | null;

  constructor(distinct = false) {
    this.seen = distinct ? new Uint8Array(64) : null;
  }

  add(n: number): void {
    if (this.seen !== null) {
      if (n >= this.seen.length * 8) {
        const bigger = new Uint8Array(Math.max(this.seen.length * 2, (n >> 3) + 1));
        bigger.set(this.seen);
        this.seen = bigger;
      }
      const bit = 1 << (n & 7);
      if (this.seen[n >> 3]! & bit) return;
      this.seen[n >> 3]! |= bit;
    }
    if (this.first.length < MAX_LISTED_FRAMES) this.first.push(n);
    this.count++;
  }

  toString(): string {
    return formatFrameList(this.first, this.count);
  }
}

function siUnits(n: number, unit: string): string {
  const prefixes = ['', 'k', 'M', 'G', 'T'];
  let v = n;
  let i = 0;
  while (Math.abs(v) >= 1000 && i < prefixes.length - 1) {
    v /= 1000;
    i++;
  }
  const digits = i === 0 ? 0 : Math.abs(v) < 10 ? 2 : 1;
  return `${v.toFixed(digits)} ${prefixes[i]}${unit}`;
}

/** English plural of a unit noun: segment → segments, reply → replies, ACK stays upper-case. */
export function pluralOf(word: string): string {
  if (/[^aeiou]y$/i.test(word)) return word.slice(0, -1) + 'ies';
  if (/(s|x|z|ch|sh)$/i.test(word)) return word + 'es';
  return word + 's';
}

export function formatPercent(part: number, whole: number): string {
  if (!Number.isFinite(part) || !Number.isFinite(whole) || whole === 0) return '0%';
  const p = (part / whole) * 100;
  return `${p < 10 ? p.toFixed(1) : p.toFixed(0)}%`;
}

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
  fmtBytes: { signature: 'fmtBytes(dyn): string', impl: (v: unknown) => formatBytes(num(v)), accepts: anyArgs },
  fmtRate: { signature: 'fmtRate(dyn): string', impl: (v: unknown) => formatRate(v === null ? null : num(v)), accepts: anyArgs },
  fmtSeconds: { signature: 'fmtSeconds(dyn): string', impl: (v: unknown) => formatSeconds(v === null ? null : num(v)), accepts: anyArgs },
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
  fmtPct: { signature: 'fmtPct(dyn, dyn): string', impl: (a: unknown, b: unknown) => formatPercent(num(a), num(b)), accepts: anyArgs },
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
