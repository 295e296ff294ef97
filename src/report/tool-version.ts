// The tool's version, as package.json states it. Read relative to this module, not guessed by
// yargs from the node_modules folder it sits in (installed as a project's dependency, yargs may be
// hoisted into the project's node_modules and would report the project's version). The bundle
// (dist/cli/*.mjs) sits as deep below the package root as src/report/, so one path serves both.

import { readFileSync } from 'node:fs';

function readVersion(): string {
  try {
    const pkg = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version?: unknown };
    return typeof pkg.version === 'string' ? pkg.version : 'unknown';
  } catch {
    return 'unknown'; // package.json unreadable: never so in a package npm installed
  }
}

/** ftpdiag's version, e.g. '0.1.0'. */
export const TOOL_VERSION = readVersion();
