// Renders rules/FACTS.md from fact-schema.ts, so the documented fact model cannot drift from the
// one the rule loader lints against (test/diagnose/facts-doc.test.ts compares the two).
// Regenerate: node --import tsx src/diagnose/facts-doc.ts > rules/FACTS.md

import { factFunctions, factObjects, scopeVariables, Scopes, type FieldSpec, type TypeSpec } from './fact-schema.ts';

function typeText(t: TypeSpec): string {
  if (typeof t === 'string') return t;
  if ('object' in t) return `[${t.object}](#${t.object.toLowerCase()})`;
  if ('list' in t) return `list of ${typeText(t.list)}`;
  return `map: one ${typeText(t.map)} per key`;
}

const cell = (s: string) => s.replace(/\|/g, '\\|');

function fieldRow(name: string, f: FieldSpec): string {
  return `| \`${name}\` | ${typeText(f.type)}${f.prose ? ' (prose)' : ''}${f.nullable ? ' or null' : ''} | ${cell(f.doc)} |`;
}

export function renderFactsMarkdown(): string {
  const out: string[] = [];
  out.push('# Fact model of the rules');
  out.push('');
  out.push('<!-- Generated from src/diagnose/fact-schema.ts by src/diagnose/facts-doc.ts: edit those, then');
  out.push('     run `node --import tsx src/diagnose/facts-doc.ts > rules/FACTS.md`. -->');
  out.push('');
  out.push('Rules (see [README.md](README.md)) are CEL expressions evaluated over plain objects built from');
  out.push('what the TCP and FTP stages found. This page lists every variable and field. The rule loader');
  out.push('rejects a rule naming a field that is not here, with the file and line.');
  out.push('');
  out.push('Conventions, so that rules stay short and need no `has()`:');
  out.push('');
  out.push('- whole numbers (bytes, frame numbers, counts, reply codes) are CEL `int`; times (seconds since');
  out.push('  1970), durations (seconds) and rates (bytes per second) are `double`. CEL compares `int` with');
  out.push('  `double` (`t.bytes < 1000000.0` is fine) but does not mix them in arithmetic: write');
  out.push('  `double(t.bytes) / t.duration`;');
  out.push('- a frame number `0` means "none" (Wireshark numbers frames from 1); an absent reply code is `0`;');
  out.push("  an absent string is `''`;");
  out.push('- only fields marked "or null" can be null: check them first (`t.rate != null && t.rate < 1e6`);');
  out.push('- `c.events` always holds every TCP event kind, with `count` 0 when it never happened; kinds');
  out.push('  contain dashes, so index them: `c.events["zero-window"].count`;');
  out.push('- PASS arguments read `REDACTED` unless ftpdiag runs with `--show-passwords`;');
  out.push('- a string placeholder `{t.argument}` shows at most 100 characters of a value from the wire,');
  out.push('  clipped in the middle; fields marked "(prose)" are text ftpdiag composed (labels, evidence),');
  out.push('  whose wire parts were clipped already: they are shown whole.');
  out.push('');
  out.push('## Variables per scope');
  out.push('');
  out.push('A rule\'s `scope` says what it is evaluated for, and which variables it sees:');
  out.push('');
  out.push('| scope | variable | type | meaning |');
  out.push('|---|---|---|---|');
  for (const scope of Scopes) {
    for (const v of scopeVariables[scope]) {
      out.push(`| ${scope} | \`${v.name}\` | ${typeText(v.type)}${v.nullable ? ' or null' : ''} | ${cell(v.doc)} |`);
    }
  }
  out.push('');
  out.push('## Objects');
  for (const [name, spec] of Object.entries(factObjects)) {
    out.push('');
    out.push(`### ${name}`);
    out.push('');
    out.push('| field | type | meaning |');
    out.push('|---|---|---|');
    for (const [field, f] of Object.entries(spec)) out.push(fieldRow(field, f));
  }
  out.push('');
  out.push('## Functions');
  out.push('');
  out.push('Besides CEL\'s standard functions and macros (`size`, `in`, `exists`, `all`, `filter`, `map`,');
  out.push('`contains`, `startsWith`, `matches`, `string()`, `double()`, …), rules may call:');
  out.push('');
  out.push('| function | result |');
  out.push('|---|---|');
  for (const fn of factFunctions) out.push(`| \`${fn.signature}\` | ${cell(fn.doc)} |`);
  out.push('');
  return out.join('\n');
}

if (import.meta.url === `file://${process.argv[1]}`) process.stdout.write(renderFactsMarkdown());
