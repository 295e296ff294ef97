// The resource-bound options every analysing command shares (analyze, live, regress, ladder,
// log): a capture is untrusted input, so the TCP and FTP stages cap what they hold; these let a
// user raise a cap for a legitimately huge capture or lower one on a small machine. Each cap hit
// is reported as a finding (flow-evicted, reassembly-overflow, control-line-too-long,
// too-many-pending-commands), so a lowered cap never silently changes a diagnosis.

import type { Argv } from 'yargs';
import type { AnalysisLimits } from '../pipeline/analyze.ts';
import { CliError } from './io.ts';

export interface LimitArgs {
  maxFlows: string | undefined;
  maxFlowBuffer: string | undefined;
  maxTotalBuffer: string | undefined;
  maxLine: string | undefined;
  maxPending: string | undefined;
  idleTimeout: string | undefined;
}

/** Adds the six options (strings, parsed by cliLimits so errors name the option). */
export function withLimitOptions<T>(y: Argv<T>): Argv<T & LimitArgs> {
  const opt = (describe: string) => ({ type: 'string' as const, requiresArg: true, group: 'Resource limits:', describe });
  return y
    .option('max-flows', opt('TCP flows tracked at once; beyond it the longest-idle one is closed out (finding flow-evicted) [default 200000]'))
    .option('max-flow-buffer', opt('out-of-order bytes held per flow direction for reassembly, e.g. 4M (finding reassembly-overflow) [default 4M]'))
    .option('max-total-buffer', opt('out-of-order bytes held across all flows, e.g. 256M (finding reassembly-overflow) [default 256M]'))
    .option('max-line', opt('bytes per FTP control line before it is cut, e.g. 8K (finding control-line-too-long) [default 8K]'))
    .option('max-pending', opt('FTP commands awaiting a reply per session before the oldest is given up (finding too-many-pending-commands) [default 1024]'))
    .option('idle-timeout', opt('seconds of silence after which an open TCP connection is taken as ended (an FTP control connection waiting for its transfer is kept); 0: never [default 600]')) as unknown as Argv<T & LimitArgs>;
}

const UNITS: Record<string, number> = { '': 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 };

/** A positive whole number, bytes optionally with a binary suffix: 65536, 64K, 4M, 1G, 4MiB. */
export function parseLimit(name: string, v: string, bytes: boolean): number {
  const m = /^\s*(\d+)\s*([kmg]?)(?:i?b)?\s*$/i.exec(v);
  const unit = m ? (m[2] ?? '').toLowerCase() : '';
  if (!m || (!bytes && (unit !== '' || /b/i.test(v)))) {
    throw new CliError(`--${name} wants a positive whole number${bytes ? ' of bytes (suffix K, M or G allowed)' : ''}, got '${v}'`);
  }
  const n = Number(m[1]) * UNITS[unit]!;
  if (!Number.isSafeInteger(n) || n < 1) throw new CliError(`--${name} must be at least 1, got '${v}'`);
  return n;
}

/** The limits given on the command line (absent ones keep the stages' defaults). */
export function cliLimits(args: Partial<LimitArgs>): AnalysisLimits {
  const tcp: NonNullable<AnalysisLimits['tcp']> = {};
  const ftp: NonNullable<AnalysisLimits['ftp']> = {};
  if (args.maxFlows !== undefined) tcp.maxFlows = parseLimit('max-flows', String(args.maxFlows), false);
  if (args.maxFlowBuffer !== undefined) tcp.maxBufferedBytesPerFlow = parseLimit('max-flow-buffer', String(args.maxFlowBuffer), true);
  if (args.maxTotalBuffer !== undefined) tcp.maxBufferedBytesTotal = parseLimit('max-total-buffer', String(args.maxTotalBuffer), true);
  if (args.maxLine !== undefined) ftp.maxLine = parseLimit('max-line', String(args.maxLine), true);
  if (args.maxPending !== undefined) ftp.maxPending = parseLimit('max-pending', String(args.maxPending), false);
  if (args.idleTimeout !== undefined) tcp.idleTimeoutSeconds = String(args.idleTimeout).trim() === '0' ? 0 : parseLimit('idle-timeout', String(args.idleTimeout), false);
  return { tcp, ftp };
}
