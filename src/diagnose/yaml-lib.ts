// The YAML parser, loaded when first needed: evaluating its modules costs ~0.1 s of CPU, and a run
// of the bundle whose built-in catalog is current (catalog-data.ts) parses no YAML unless it is
// given rule files of its own. `yaml` resolves to the same CommonJS build for import and require.

import { createRequire } from 'node:module';
import type * as Yaml from 'yaml';

let lib: typeof Yaml | null = null;

export function yaml(): typeof Yaml {
  lib ??= createRequire(import.meta.url)('yaml') as typeof Yaml;
  return lib;
}
