// How analyze, log and ladder are told what to read and what to show, with tcpdump's and
// tshark's habits: the capture as the first argument or with -r FILE, -c N to read only the
// first N frames, and a display filter either after the capture (tcpdump: `ftpdiag analyze
// x.pcap host 192.0.2.1 and port 21`) or with -Y (tshark: `-Y 'session 3'`).

import type { Argv } from 'yargs';
import { CliError } from './io.ts';
import { DisplayFilter, startsFilter } from './display-filter.ts';

export interface CaptureArgs {
  trace: string | undefined; //         first positional: the capture (or, with -r, a filter word)
  filter: string[] | undefined; //      the positionals after it
  read: string | undefined; //          -r FILE
  count: number | undefined; //         -c N
  displayFilter: string | undefined; // -Y EXPR
}

/** The usage line's positionals: `analyze [trace] [filter..]`. */
export const CAPTURE_POSITIONALS = '[trace] [filter..]';

export function withCaptureArgs<T>(y: Argv<T>, opts: { stdin: boolean }): Argv<T & CaptureArgs> {
  const file = opts.stdin ? "pcap or pcapng file (gzip allowed); '-' reads standard input" : 'pcap or pcapng file (gzip allowed)';
  return y
    .positional('trace', { type: 'string', describe: `${file}; or give it with -r` })
    .positional('filter', { type: 'string', array: true, describe: "display filter, as tcpdump takes it after the options: 'host 192.0.2.1 and port 21', 'session 3' (see -Y)" })
    .option('read', { alias: 'r', type: 'string', requiresArg: true, describe: 'the capture to read, as tcpdump -r (instead of the first argument)' })
    .option('count', { alias: 'c', type: 'number', requiresArg: true, describe: 'read only the first N frames, as tcpdump -c' })
    .option('display-filter', {
      alias: 'Y',
      type: 'string',
      requiresArg: true,
      describe:
        "show only what matches, as tshark -Y: host ADDR, net ADDR/LEN, port N, portrange A-B (each with src or dst: src opened the connection), ip, ip6, tcp, ftp, ftp-data, session N, transfer N, connection N, joined with and, or, not, ( ); tshark's ip.addr==, tcp.port==, tcp.stream== too. The analysis still reads every frame",
    }) as unknown as Argv<T & CaptureArgs>;
}

/** The capture to read: -r FILE, or the first argument. */
export function captureFile(args: CaptureArgs, command: string): string {
  if (args.read !== undefined) return args.read;
  if (args.trace === undefined) throw new CliError(`name the capture to read: ftpdiag ${command} FILE, or -r FILE`);
  if (startsFilter(args.trace)) {
    throw new CliError(`'${args.trace}' starts a display filter: name the capture first (ftpdiag ${command} FILE ${args.trace} …, or -r FILE; a file of that name: ./${args.trace})`);
  }
  return args.trace;
}

/** The display filter given (after the capture, or with -Y), or null. */
export function displayFilterOf(args: CaptureArgs, command: string): DisplayFilter | null {
  const words = [...(args.read !== undefined && args.trace !== undefined ? [args.trace] : []), ...(args.filter ?? [])].map(String);
  if (words.length > 0 && !startsFilter(words[0]!)) {
    throw new CliError(`'${words[0]}': ${command} reads one capture; a display filter after it starts with host, net, port, src, dst, session, transfer, connection, not or '(' (or give it with -Y)`);
  }
  if (words.length > 0 && args.displayFilter !== undefined) throw new CliError('give the display filter once: after the capture, or with -Y');
  const text = args.displayFilter ?? (words.length ? words.join(' ') : null);
  return text === null ? null : DisplayFilter.parse(text);
}

/** -c N, checked: a positive whole number of frames (undefined: read everything). */
export function frameCount(args: Pick<CaptureArgs, 'count'>): number | undefined {
  const n = args.count;
  if (n === undefined) return undefined;
  if (!(Number.isInteger(n) && n > 0)) throw new CliError(`-c/--count wants a positive whole number of frames, not ${n}`);
  return n;
}
