// Which files of a regression directory are traces, and where each one's expectation lives.

import { readdirSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';

/** Trace files by name; content is sniffed later by the reader (gzip by magic, not by name). */
const TRACE_NAME = /\.(pcap|pcapng|cap|dmp)(\.gz)?$/i;

export interface TraceCase {
  trace: string; //      path of the trace
  expectFile: string; // NAME.expect.yaml beside it (NAME = file name without its capture suffix)
}

export function expectFileFor(trace: string): string {
  return trace.replace(TRACE_NAME, '') + '.expect.yaml';
}

/** Every trace in the given files/directories (directories searched recursively), sorted. */
export function discoverTraces(paths: readonly string[]): TraceCase[] {
  const found: string[] = [];
  const walk = (p: string, explicit: boolean): void => {
    const st = statSync(p);
    if (st.isDirectory()) {
      for (const name of readdirSync(p).sort()) {
        if (name.startsWith('.') || name === 'node_modules') continue;
        walk(join(p, name), false);
      }
    } else if (explicit || TRACE_NAME.test(basename(p))) {
      found.push(p);
    }
  };
  for (const p of paths) walk(p, true);
  return [...new Set(found)].map((trace) => ({ trace, expectFile: expectFileFor(trace) }));
}
