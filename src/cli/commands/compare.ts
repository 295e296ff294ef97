// `ftpdiag compare A B`: two captures of the same traffic, taken at two points of the path.

import type { Argv } from 'yargs';
import { isStdinPath } from '../../capture/read.ts';
import { compareFiles } from '../../compare/compare.ts';
import { renderCompareJson, renderCompareText } from '../../compare/render.ts';
import { DEFAULT_MAX_SEGMENTS } from '../../compare/signatures.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';

export interface CompareArgs {
  a: string;
  b: string;
  json: boolean;
  maxSegments: number;
}

export const command = 'compare <a> <b>';
export const describe = 'Compare two captures of the same traffic taken at two points (client side, server side)';

export function builder(y: Argv): Argv<CompareArgs> {
  return y
    .positional('a', { type: 'string', describe: 'capture taken at one point (e.g. the client side)', demandOption: true })
    .positional('b', { type: 'string', describe: 'capture of the same traffic at another point (e.g. the server side)', demandOption: true })
    .option('json', { type: 'boolean', default: false, describe: 'print one JSON document instead of text' })
    .option('max-segments', { type: 'number', default: DEFAULT_MAX_SEGMENTS, describe: 'TCP segments read per capture (memory bound: ~50 bytes each)' })
    .example('$0 compare client.pcap server.pcap', 'what changed, got lost or was injected between the two points') as unknown as Argv<CompareArgs>;
}

export async function run(args: CompareArgs, io: CliIO): Promise<ExitCode> {
  // yargs turns a lone '-' into ''
  if (isStdinPath(args.a ?? '') && isStdinPath(args.b ?? '')) throw new CliError('only one of the captures can be standard input');
  if (!(args.maxSegments > 0)) throw new CliError('--max-segments must be a positive number');
  const r = await compareFiles(args.a || '-', args.b || '-', { maxSegments: Math.floor(args.maxSegments), read: io.stdin ? { stdin: io.stdin } : {} });
  if (r.a.frames === 0 && r.a.error) throw new CliError(r.a.error);
  if (r.b.frames === 0 && r.b.error) throw new CliError(r.b.error);
  io.out(args.json ? renderCompareJson(r) : renderCompareText(r));
  return r.a.error || r.b.error ? ExitCode.BAD_INPUT : ExitCode.OK;
}
