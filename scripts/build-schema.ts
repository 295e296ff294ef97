// Writes schema/report.schema.json, the JSON Schema of `ftpdiag analyze --json`, from the report's
// declarations (src/contract/report.ts), and schema/eve.schema.json, the schema of one event of
// `--format eve` (src/contract/eve.ts). Run after changing the contract:
//   node --import tsx scripts/build-schema.ts
// test/report/schema.test.ts fails while the file differs from what this writes.

import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { reportSchema } from '../src/contract/report.ts';
import { eveSchema } from '../src/contract/eve.ts';

export const schemaPath = fileURLToPath(new URL('../schema/report.schema.json', import.meta.url));
export const eveSchemaPath = fileURLToPath(new URL('../schema/eve.schema.json', import.meta.url));

/** The file's text: the schema, two-space indented, newline-terminated. */
export function schemaText(): string {
  return JSON.stringify(reportSchema(), null, 2) + '\n';
}

/** The eve schema file's text. */
export function eveSchemaText(): string {
  return JSON.stringify(eveSchema(), null, 2) + '\n';
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  writeFileSync(schemaPath, schemaText());
  writeFileSync(eveSchemaPath, eveSchemaText());
  console.log(`wrote ${schemaPath} and ${eveSchemaPath}`);
}
