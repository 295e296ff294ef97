#!/usr/bin/env -S node --max-semi-space-size=4
// The young generation is capped at 4 MB semi-spaces (V8's default grows to 16 MB): on a 10M-frame
// trace that is ~50 MB less peak RSS for the same time (bench/README.md). V8 reads the cap only
// at start-up, so it is a flag here, taken when the command runs as installed; `node
// bin/ftpdiag.js` runs without it.
// The CLI is written in TypeScript and runs from an esbuild bundle, dist/cli/ftpdiag.mjs
// (scripts/build-bundle.mjs; `npm ci` in a clone and `npm pack` build it). An installed package
// holds the bundle and no sources: it always runs the bundle, and needs neither tsx nor esbuild.
// In a clone the bundle is run when it is at least as new as every file under src/, and otherwise
// the sources are run through tsx's loader (a development dependency), so an edit never runs
// stale code, and the command starts without the loader when it can: tsx's module hooks run in a
// thread of their own (~35 MB of RSS) and transpile ~170 modules at each start (~0.3 s).
// FTPDIAG_NO_BUNDLE=1 forces the sources.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/cli/ftpdiag.mjs', import.meta.url);
const sources = fileURLToPath(new URL('../src', import.meta.url));

/** Newest modification time of the files under `dir`, ms. */
function newestUnder(dir) {
  let newest = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = `${dir}/${e.name}`;
    const t = e.isDirectory() ? newestUnder(p) : statSync(p).mtimeMs;
    if (t > newest) newest = t;
  }
  return newest;
}

function bundleIsFresh() {
  if (process.env.FTPDIAG_NO_BUNDLE) return false;
  try {
    return statSync(bundle).mtimeMs >= newestUnder(sources);
  } catch {
    return false; // no bundle (not built yet)
  }
}

if (!existsSync(sources)) {
  // an installed package
  if (!existsSync(bundle)) {
    process.stderr.write(`ftpdiag: ${fileURLToPath(bundle)} is missing: this package was published without its bundle (npm run build)\n`);
    process.exit(2);
  }
  await import(bundle.href);
} else if (bundleIsFresh()) {
  await import(bundle.href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import('../src/cli/main.ts');
}
