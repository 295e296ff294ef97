// The traces tests run over: the project's captures/ and the shared public corpus beside it.

import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { TraceRequest } from '../../bench/big-trace.ts';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const corpusDir = join(projectRoot, '..', 'shared', 'corpus', 'public');

/** The shared corpus (../shared, beside the clone) is not part of the project: a newcomer's
 *  clone has none. Tests that need it are pending, saying why, and every other test runs. */
export const corpusPresent = existsSync(corpusDir);
export const NO_CORPUS_REASON = `needs the shared corpus, ${join('..', 'shared', 'corpus')} beside the clone (absent)`;

/** `it` for a test that needs the shared corpus: pending, with the reason, when it is absent. */
export function corpusIt(title: string, fn: Mocha.Func | Mocha.AsyncFunc): void {
  if (corpusPresent) it(title, fn);
  else it.skip(`${title} — ${NO_CORPUS_REASON}`);
}

/** The pcap and pcapng files under `dir`, at any depth, sorted by path ([] when it is absent). */
export function traceFiles(dir: string): string[] {
  const out: string[] = [];
  if (!existsSync(dir)) return out;
  for (const x of readdirSync(dir)) {
    const p = join(dir, x);
    if (statSync(p).isDirectory()) out.push(...traceFiles(p));
    else if (/\.(pcap|pcapng)$/.test(x)) out.push(p);
  }
  return out.sort();
}

/** Every trace of captures/, then every trace of the corpus (when it is there). */
export function everyTrace(): string[] {
  return [...traceFiles(join(projectRoot, 'captures')), ...traceFiles(corpusDir)];
}

/** ~1,000 replicated sessions in sequence (bench/big-trace.ts, cached between runs), never more
 *  than ~30 open at once: for the tests of streamed release and report output. */
export const RELEASE_TEST_TRACE: TraceRequest = { name: 'test-release-sequential', layout: 'sequential', frames: 80_000, prefixFrames: 0 };
