// `ftpdiag codes [CODE…]`: what FTP reply codes mean — the whole catalog, one code in detail, or
// several side by side with their differences marked.

import type { Argv } from 'yargs';
import { escapeJsonText, escapeWire } from '../../report/escape.ts';
import { useColor } from '../../report/style.ts';
import { CliError, ExitCode, type CliIO } from '../io.ts';
import { cliWidth, type WidthArgs } from '../width-option.ts';

export interface CodesArgs extends WidthArgs {
  codes: Array<string | number> | undefined;
  json: boolean;
  color: boolean | undefined;
}

export const command = 'codes [codes..]';
export const describe = 'What FTP reply codes mean (RFC 959, 2228, 2428, 3659): causes and what to do';

export function builder(y: Argv): Argv<CodesArgs> {
  return y
    // strings, so that "042" and "abc" reach our own check instead of yargs' number parsing
    .positional('codes', { type: 'string', array: true, describe: 'reply codes (three digits); none lists the whole catalog' })
    .option('json', { type: 'boolean', default: false, describe: 'print JSON instead of text' })
    .option('color', { type: 'boolean', describe: 'colour the text (default: only on a terminal; never with NO_COLOR set)' })
    .example('$0 codes', 'the whole table')
    .example('$0 codes 425', 'one code in detail')
    .example('$0 codes 125 426', 'side by side, differences marked') as unknown as Argv<CodesArgs>;
}

export async function run(args: CodesArgs, io: CliIO): Promise<ExitCode> {
  // loaded when this command runs (on-demand.ts)
  const { catalogJson, codesJson, CodeArgumentError, parseCodeArgument, renderCodeCatalog, renderCodeComparison, renderCodeDetail, codeSheet } = await import('./on-demand.ts');
  const raw = (args.codes ?? []).map(String);
  const numbers: number[] = [];
  for (const r of raw) {
    try {
      const n = parseCodeArgument(r);
      if (!numbers.includes(n)) numbers.push(n);
    } catch (e) {
      if (e instanceof CodeArgumentError) throw new CliError(escapeWire(e.message));
      throw e;
    }
  }
  const color = useColor(args.color, io.stdoutIsTTY, io.env);
  const width = cliWidth(args, io);
  if (numbers.length === 0) {
    io.out(args.json ? escapeJsonText(JSON.stringify(catalogJson(), null, 2)) + '\n' : renderCodeCatalog(color, width));
    return ExitCode.OK;
  }
  const sheets = numbers.map(codeSheet);
  if (args.json) io.out(escapeJsonText(JSON.stringify(codesJson(sheets), null, 2)) + '\n');
  else if (sheets.length === 1) io.out(renderCodeDetail(sheets[0]!, color, width));
  else io.out(renderCodeComparison(sheets, color, width));
  return ExitCode.OK;
}
