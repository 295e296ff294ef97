// Which files of a regression directory are traces, and where each one's expectation lives.

import { readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, sep } from 'node:path';

/** Trace files by name; content is sniffed later by the reader (gzip by magic, not by name). */
const TRACE_NAME = /\.(pcap|pcapng|cap|dmp)(\.gz)?$/i;

export interface TraceCase {
  trace: string; //      path of the trace (as found from the path given)
  expectFile: string; // NAME.expect.yaml beside it (NAME = file name without its capture suffix)
  /** The trace's name relative to the directory it was found under (its file name when it was
   *  given itself): the same on every machine, whatever the checkout's path (JUnit names). */
  name: string;
  /** The directory given (for a file given: its directory), as typed: JUnit's classname. */
  suite: string;
}

export function expectFileFor(trace: string): string {
  return trace.replace(TRACE_NAME, '') + '.expect.yaml';
}

/** Every trace in the given files/directories (directories searched recursively), sorted;
 *  a path that cannot be read throws the file system's error (ENOENT …). */
export function discoverTraces(paths: readonly string[]): TraceCase[] {
  const found = new Map<string, TraceCase>();
  for (const given of paths) {
    const root = given.replace(/[/\\]+$/, '') || given;
    const walk = (p: string, explicit: boolean): void => {
      const st = statSync(p);
      if (st.isDirectory()) {
        for (const name of readdirSync(p).sort()) {
          if (name.startsWith('.') || name === 'node_modules') continue;
          walk(join(p, name), false);
        }
      } else if ((explicit || TRACE_NAME.test(basename(p))) && !found.has(p)) {
        const name = explicit ? basename(p) : relative(root, p).split(sep).join('/');
        found.set(p, { trace: p, expectFile: expectFileFor(p), name, suite: explicit ? dirname(given) : root });
      }
    };
    walk(given, true);
  }
  return [...found.values()];
}
