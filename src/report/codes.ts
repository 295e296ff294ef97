// `ftpdiag codes`: what FTP reply codes mean. The entries (meaning, explanation, causes, what to
// do, references) come from the one catalog, rules/reply-codes.yaml, through its view
// (src/view/reply-codes.ts: with what the digits say, RFC 959 §4.2.1); this module lays entries out: one in detail,
// several side by side with their differences marked, or the whole catalog as a table.

import Table from 'cli-table3';
import { CLASS_DIGITS, GROUP_DIGITS, catalogSheets, codeSheet, type CodeSheet, type DigitMeaning } from '../view/reply-codes.ts';
import { Styler, tableStyle } from './style.ts';
import { wrap } from '../format/words.ts';

/** Thrown for an argument that is not a three-digit reply code. */
export class CodeArgumentError extends Error {}

// 425   550   "226"   (three decimal digits; anything else is not a reply code)
/** Parses a command-line reply code: exactly three digits (RFC 959 §4.2). */
export function parseCodeArgument(text: string): number {
  const t = text.trim();
  if (!/^\d{3}$/.test(t)) throw new CodeArgumentError(`"${text}" is not a reply code: a reply code is three digits, e.g. 425`);
  return Number(t);
}

export const codeText = (code: number) => String(code).padStart(3, '0');
const classText = (d: DigitMeaning) => `${d.digit}yz ${d.name}`;
const groupText = (d: DigitMeaning) => `x${d.digit}z ${d.name}`;

// ---- one code ----------------------------------------------------------------------------

export function renderCodeDetail(s: CodeSheet, color: boolean, width = 100): string {
  const st = new Styler(color);
  const w = Math.max(40, width);
  const lines = [`${st.paint('bold', codeText(s.code))}  ${s.meaning}`];
  const field = (label: string, text: string) => lines.push(wrap(`${st.paint('bold', label)}: ${text}`, w, '      ', '  '));
  field('Class', `${classText(s.class)}: ${s.class.description}`);
  field('Group', `${groupText(s.group)}: ${s.group.description}`);
  if (s.explanation) field('What it means', s.explanation);
  if (s.causes.length) {
    lines.push(`  ${st.paint('bold', 'Usual causes')}:`);
    for (const c of s.causes) lines.push(wrap(`- ${c}`, w, '      ', '    '));
  }
  if (s.action) field('What to do', s.action);
  if (s.references.length) field('See', s.references.join(', '));
  return lines.join('\n') + '\n';
}

// ---- several codes, side by side -------------------------------------------------------------

export interface ComparisonRow {
  field: string; //      label
  key: keyof CodeSheet; // the CodeSheet field it shows
  values: string[]; //   one per code
  differ: boolean; //    not every value is the same
}

const COMPARED: ReadonlyArray<[string, keyof CodeSheet, (s: CodeSheet) => string]> = [
  ['Meaning', 'meaning', (s) => s.meaning],
  ['Class', 'class', (s) => `${classText(s.class)}: ${s.class.description}`],
  ['Group', 'group', (s) => `${groupText(s.group)}: ${s.group.description}`],
  ['What it means', 'explanation', (s) => s.explanation],
  ['Usual causes', 'causes', (s) => s.causes.map((c) => `- ${c}`).join('\n')],
  ['What to do', 'action', (s) => s.action],
  ['See', 'references', (s) => s.references.join(', ')],
];

/** The fields of several codes, row by row, each row marked when the codes differ in it. */
export function comparisonRows(sheets: readonly CodeSheet[]): ComparisonRow[] {
  return COMPARED.map(([field, key, get]) => {
    const values = sheets.map(get);
    return { field, key, values, differ: values.some((v) => v !== values[0]) };
  });
}

/** Marks a row whose values differ; a row where all codes agree gets a blank. */
export const DIFFER_MARK = '≠';

export function renderCodeComparison(sheets: readonly CodeSheet[], color: boolean, width = 100): string {
  const st = new Styler(color);
  const total = Math.max(60, width);
  const markW = 3;
  const fieldW = 15;
  // each column adds one border character; cli-table3's widths include the cell padding
  const colW = Math.max(16, Math.floor((total - markW - fieldW - (sheets.length + 3)) / sheets.length));
  const table = new Table({
    head: ['', 'Field', ...sheets.map((s) => codeText(s.code))],
    colWidths: [markW, fieldW, ...sheets.map(() => colW)],
    wordWrap: true,
    style: tableStyle(color),
  });
  const rows = comparisonRows(sheets);
  for (const row of rows) {
    if (row.values.every((v) => v === '')) continue;
    const mark = row.differ ? st.paint('boldYellow', DIFFER_MARK) : '';
    const label = row.differ ? st.paint('bold', row.field) : row.field;
    table.push([mark, label, ...row.values.map((v) => v || '–')]);
  }
  const differing = rows.filter((r) => r.differ).map((r) => r.field.toLowerCase());
  const summary = differing.length === 0 ? 'The codes agree in every field.' : `${DIFFER_MARK} marks the rows that differ: ${differing.join(', ')}.`;
  return `${table.toString()}\n${summary}\n`;
}

// ---- the whole catalog ------------------------------------------------------------------------

export function renderCodeCatalog(color: boolean, width = 100): string {
  const st = new Styler(color);
  const w = Math.max(60, width);
  const lines = [st.paint('bold', 'First digit (class)')];
  for (const [d, c] of Object.entries(CLASS_DIGITS)) lines.push(wrap(`${d}yz ${c.name}: ${c.description}`, w, '        ', '  '));
  lines.push('', st.paint('bold', 'Second digit (group)'));
  for (const [d, g] of Object.entries(GROUP_DIGITS)) lines.push(wrap(`x${d}z ${g.name}: ${g.description}`, w, '        ', '  '));
  // one table per class (first digit), the group (second digit) in its own column
  const groupW = Math.max(...Object.values(GROUP_DIGITS).map((g) => g.name.length)) + 2;
  const meaningW = Math.max(20, w - 6 - groupW - 4);
  const byClass = new Map<string, CodeSheet[]>();
  for (const s of catalogSheets()) byClass.set(s.class.digit, [...(byClass.get(s.class.digit) ?? []), s]);
  for (const sheets of byClass.values()) {
    const table = new Table({
      head: ['Code', 'Group', 'Meaning'],
      colWidths: [6, groupW, meaningW],
      wordWrap: true,
      style: tableStyle(color),
      chars: { mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }, // one line per code
    });
    for (const s of sheets) table.push([codeText(s.code), s.group.name, s.meaning]);
    lines.push('', st.paint('bold', `${classText(sheets[0]!.class)}: ${sheets[0]!.class.description}`), table.toString());
  }
  lines.push('', `ftpdiag codes CODE… explains codes in detail (causes, what to do); two or more are compared side by side.`);
  return lines.join('\n') + '\n';
}

// ---- JSON -------------------------------------------------------------------------------------

export function codesJson(sheets: readonly CodeSheet[]): Record<string, unknown> {
  const out: Record<string, unknown> = { codes: sheets };
  if (sheets.length >= 2) out['differences'] = comparisonRows(sheets).filter((r) => r.differ).map((r) => r.key);
  return out;
}

export function catalogJson(): Record<string, unknown> {
  return {
    classes: Object.entries(CLASS_DIGITS).map(([digit, c]) => ({ digit, ...c })),
    groups: Object.entries(GROUP_DIGITS).map(([digit, g]) => ({ digit, ...g })),
    codes: catalogSheets(),
  };
}
