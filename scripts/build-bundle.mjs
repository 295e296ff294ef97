// Bundles the CLI with esbuild: `npm run build`, and `npm ci` through the `prepare` script.
// Plain JS so that it runs before anything is transpiled. The bundle must sit as deep below the
// package root as src/<stage>/ does: modules find rules/, package.json and the regress worker by
// paths relative to themselves (bin/ftpdiag.js decides when the bundle is run).
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Where `npm run build` writes the bundle; bin/ftpdiag.js names it too (importing this module
 *  there would load esbuild at every start). */
const BUNDLE = `${root}dist/cli/ftpdiag.mjs`;

/** Writes the bundle of src/cli/main.ts to `outfile`. */
export async function buildBundle(outfile = BUNDLE) {
  await build({
    entryPoints: [`${root}src/cli/main.ts`],
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external', // dependencies stay in node_modules, resolved at run time
    outfile,
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildBundle();
