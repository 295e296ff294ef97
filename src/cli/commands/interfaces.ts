// `ftpdiag interfaces`: the devices `ftpdiag live -i` can capture on, with state and addresses.
// Listing needs no privilege (tcpdump -D and the kernel's view); capturing does.

import type { Argv } from 'yargs';
import type { LiveInterface } from '../../capture/live/index.ts';
import { escapeJsonText, escapeWire } from '../../report/escape.ts';
import { ExitCode, type CliIO } from '../io.ts';
import { PIPE_WIDTH } from '../../report/layout.ts';
import { wrap } from '../../format/words.ts';
import { cliWidth, type WidthArgs } from '../width-option.ts';

export interface InterfacesArgs extends WidthArgs {
  json: boolean;
}

export const command = 'interfaces';
export const describe = 'List the interfaces live capture can use';

export function builder(y: Argv): Argv<InterfacesArgs> {
  return y
    .option('json', { type: 'boolean', default: false, describe: 'print a JSON array instead of the table' })
    .example('$0 interfaces', 'aligned table')
    .example('$0 interfaces --json', 'JSON array: name, up, loopback, addresses, description') as unknown as Argv<InterfacesArgs>;
}

/** Aligned columns: NAME, STATE (up/down), TYPE (loopback or blank), ADDRESSES; libpcap's
 *  description stands in for the addresses of devices without any ("any", nflog...). Names and
 *  descriptions come from the system, not the wire, but are escaped all the same: an interface
 *  name may hold any byte but '/' and NUL. */
export function interfacesTable(list: readonly LiveInterface[], width = PIPE_WIDTH): string {
  const rows = list.map((i) => [
    escapeWire(i.name),
    i.up ? 'up' : 'down',
    i.loopback ? 'loopback' : '',
    i.addresses.length ? i.addresses.map(escapeWire).join(', ') : i.description ? `(${escapeWire(i.description)})` : '',
  ]);
  const head = ['NAME', 'STATE', 'TYPE', 'ADDRESSES'];
  const widths = head.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c]!.length)));
  // the addresses, last, wrap under their column (an interface with IPv6 addresses is wide)
  const lead = widths.slice(0, -1).reduce((a, b) => a + b + 2, 0);
  const line = (cells: string[]) => {
    const first = cells.slice(0, -1).map((x, c) => x.padEnd(widths[c]!)).join('  ') + '  ';
    return (first + wrap(cells[cells.length - 1]!, width, ' '.repeat(lead)).slice(lead)).trimEnd();
  };
  return [line(head), ...rows.map(line)].join('\n') + '\n';
}

export async function run(args: InterfacesArgs, io: CliIO): Promise<ExitCode> {
  // loaded when this command runs (on-demand.ts)
  const { listInterfaces } = await import('./on-demand.ts');
  const list = await listInterfaces();
  if (args.json) {
    io.out(escapeJsonText(JSON.stringify(list, null, 2)) + '\n');
    return ExitCode.OK;
  }
  if (list.length === 0) {
    io.err('ftpdiag: no network interfaces found\n');
    return ExitCode.BAD_INPUT;
  }
  io.out(interfacesTable(list, cliWidth(args, io)));
  return ExitCode.OK;
}
