// How analyze, log and ladder are told what to read and what to show, with tcpdump's and
// tshark's habits: the capture as the first arguments (analyze and log merge several by time)
// or with -r FILE, -c N to read only the first N frames, and a display filter either after the
// captures (tcpdump: `ftpdiag analyze x.pcap host 192.0.2.1 and port 21`; the first word that
// starts a filter ends the files) or with -Y (tshark: `-Y 'session 3'`).

import type { Argv } from 'yargs';
import { CliError } from './io.ts';
import { DisplayFilter, startsFilter } from './display-filter.ts';
import { isStdinPath } from '../capture/read.ts';

export interface CaptureArgs {
  /** The positionals: the capture files, then the words of a display filter (the first word that
   *  starts one ends the files: startsFilter). With -r, all of them are the filter. */
  trace: string | string[] | undefined;
  read: string | string[] | undefined; // -r FILE, repeatable
  count: number | undefined; //          -c N
  displayFilter: string | undefined; //  -Y EXPR
}

/** The usage line's positionals: `analyze [trace..]` (files, then a filter). */
export const CAPTURE_POSITIONALS = '[trace..]';

export function withCaptureArgs<T>(y: Argv<T>, opts: { stdin: boolean; several: boolean }): Argv<T & CaptureArgs> {
  const file = `pcap or pcapng file (gzip allowed)${opts.stdin ? "; '-' reads standard input" : ''}${opts.several ? '; several are merged by time as mergecap merges them' : ''}`;
  return y
    .positional('trace', {
      type: 'string',
      array: true,
      describe: `${file} (or give ${opts.several ? 'each' : 'it'} with -r); then, optionally, a display filter as tcpdump takes it after the options: 'host 192.0.2.1 and port 21', 'tcp port 21', 'session 3' (see -Y)`,
    })
    .option('read', { alias: 'r', type: 'string', requiresArg: true, describe: `the capture to read, as tcpdump -r (instead of the first argument)${opts.several ? '; repeatable, to merge several' : ''}` })
    .option('count', { alias: 'c', type: 'number', requiresArg: true, describe: 'read only the first N frames, as tcpdump -c' })
    .option('display-filter', {
      alias: 'Y',
      type: 'string',
      requiresArg: true,
      describe:
        "show only what matches, as tshark -Y: host ADDR, net ADDR/LEN, port N, portrange A-B (each with src or dst: src opened the connection), ip, ip6, tcp, ftp, ftp-data, session N, transfer N, connection N, joined with and, or, not, ( ); tshark's ip.addr==, tcp.port==, tcp.stream== too. The analysis still reads every frame",
    }) as unknown as Argv<T & CaptureArgs>;
}

const listOf = (v: string | string[] | undefined): string[] => (v === undefined ? [] : (Array.isArray(v) ? v : [v]).map((x) => String(x ?? '')));

/** The capture files named on the command line and the words of the display filter after them. */
function filesAndFilter(args: CaptureArgs): { files: string[]; words: string[] } {
  const words = listOf(args.trace);
  if (args.read !== undefined) return { files: listOf(args.read), words };
  const at = words.findIndex(startsFilter);
  return at < 0 ? { files: words, words: [] } : { files: words.slice(0, at), words: words.slice(at) };
}

const FILTER_START = "a display filter after it starts with host, net, port, src, dst, tcp, ip, session, transfer, connection, not or '(' (or give it with -Y)";

/** The captures to read: one path ('' or '-' for standard input), or several files to merge. */
export function captureFiles(args: CaptureArgs, command: string): string | string[] {
  const files = namedFiles(args, command);
  if (files.length === 1) return files[0]!;
  if (files.some(isStdinPath)) throw new CliError('standard input (-) cannot be merged with other capture files: give file names only');
  return files;
}

/** The one capture a command reads (ladder). */
export function captureFile(args: CaptureArgs, command: string): string {
  const files = namedFiles(args, command);
  if (files.length > 1) throw new CliError(`'${files[1]}': ${command} reads one capture; ${FILTER_START}`);
  return files[0]!;
}

function namedFiles(args: CaptureArgs, command: string): string[] {
  const { files, words } = filesAndFilter(args);
  if (files.length > 0) return files;
  if (words.length > 0) {
    throw new CliError(`'${words[0]}' starts a display filter: name the capture first (ftpdiag ${command} FILE ${words[0]} …, or -r FILE; a file of that name: ./${words[0]})`);
  }
  throw new CliError(`name the capture to read: ftpdiag ${command} FILE, or -r FILE`);
}

/** The display filter given (after the capture, or with -Y), or null. */
export function displayFilterOf(args: CaptureArgs): DisplayFilter | null {
  const { words } = filesAndFilter(args);
  if (words.length > 0 && !startsFilter(words[0]!)) {
    // only with -r: every argument is then the filter
    throw new CliError(`'${words[0]}': with -r every argument is the display filter, which starts with host, net, port, src, dst, tcp, ip, session, transfer, connection, not or '('; to merge several captures: -r A -r B`);
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
