// Bundles the CLI with esbuild: `npm run build` (which also writes the man page), run by
// `npm ci`/`npm install` in a clone (the `postprepare` script) and by `npm pack`/`npm publish`
// (`prepack`), so the published package carries the bundle and its users never build anything.
// Plain JS so that it runs before anything is transpiled.
//
// Two entry points, split so that they share their modules' code: the CLI (ftpdiag.mjs) and the
// regress worker thread (regress-worker.mjs, started by src/regress/run.ts), so that an installed
// package runs without its TypeScript sources and without tsx. Every file lands in one folder,
// dist/cli/, as deep below the package root as src/<stage>/ is: modules find rules/ and
// package.json by paths relative to themselves (bin/ftpdiag.js decides when the bundle is run).
//
// The built-in catalog (rules/*.yaml) is read here, through the sources' own YAML path, and
// embedded in the bundle as data (src/diagnose/catalog-data.ts): a run then parses no YAML and
// checks no CEL at start-up, and falls back to the YAML when rules/ has changed since.
import { build } from 'esbuild';
import { tsImport } from 'tsx/esm/api';
import { rmSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Where `npm run build` writes the bundle; bin/ftpdiag.js names dist/cli/ftpdiag.mjs too
 *  (importing this module there would load esbuild at every start). */
const BUNDLE_DIR = `${root}dist/cli`;

/** The regress worker's entry, beside ftpdiag.mjs; src/regress/run.ts gets the name defined. */
const REGRESS_WORKER = 'regress-worker';

/** Writes the bundle of src/cli/main.ts (ftpdiag.mjs) and its regress worker to `outdir`,
 *  which is emptied first (chunk names change with their content: old ones would be packed). */
export async function buildBundle(outdir = BUNDLE_DIR) {
  rmSync(outdir, { recursive: true, force: true });
  const { builtinCatalogData } = await tsImport('../src/diagnose/rule-loader.ts', import.meta.url);
  await build({
    entryPoints: { ftpdiag: `${root}src/cli/main.ts`, [REGRESS_WORKER]: `${root}src/regress/worker.ts` },
    bundle: true,
    splitting: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    packages: 'external', // dependencies stay in node_modules, resolved at run time
    outdir,
    outExtension: { '.js': '.mjs' },
    chunkNames: 'chunk-[hash]', // in outdir itself, not a subfolder: the depth matters (above)
    define: {
      FTPDIAG_BUNDLED_REGRESS_WORKER: JSON.stringify(`${REGRESS_WORKER}.mjs`),
      FTPDIAG_BUILTIN_CATALOG: JSON.stringify(JSON.stringify(builtinCatalogData())),
    },
    logLevel: 'warning',
  });
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildBundle();
