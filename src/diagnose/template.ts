// Summary/explanation templates: literal text with {CEL expression} placeholders.
// Sample: "client sent {fmtBytes(t.bytes)}, server acknowledged {fmtBytes(t.bytesAcked)}"
// '{{' and '}}' stand for literal braces. Splitting only finds the placeholders' ends (skipping
// CEL string literals and nested braces); the expressions themselves are compiled by cel-js.

import { PROSE_MAX, clipProse } from '../format/words.ts';

export type TemplatePart = { kind: 'text'; text: string } | { kind: 'expr'; source: string; offset: number };

export class TemplateSyntaxError extends Error {
  constructor(
    message: string,
    readonly offset: number,
  ) {
    super(message);
  }
}

export function splitTemplate(template: string): TemplatePart[] {
  const parts: TemplatePart[] = [];
  let text = '';
  let i = 0;
  while (i < template.length) {
    const ch = template[i]!;
    if (ch === '{' && template[i + 1] === '{') {
      text += '{';
      i += 2;
      continue;
    }
    if (ch === '}' && template[i + 1] === '}') {
      text += '}';
      i += 2;
      continue;
    }
    if (ch === '}') throw new TemplateSyntaxError("unmatched '}' (write '}}' for a literal brace)", i);
    if (ch !== '{') {
      text += ch;
      i++;
      continue;
    }
    const end = placeholderEnd(template, i + 1);
    if (end < 0) throw new TemplateSyntaxError("unterminated '{' placeholder (write '{{' for a literal brace)", i);
    const source = template.slice(i + 1, end);
    if (source.trim() === '') throw new TemplateSyntaxError('empty {} placeholder', i);
    if (text) parts.push({ kind: 'text', text });
    text = '';
    parts.push({ kind: 'expr', source, offset: i + 1 });
    i = end + 1;
  }
  if (text) parts.push({ kind: 'text', text });
  return parts;
}

/** Index of the '}' closing a placeholder whose expression starts at `from`, or -1. */
function placeholderEnd(s: string, from: number): number {
  let depth = 0;
  for (let i = from; i < s.length; i++) {
    const ch = s[i]!;
    if (ch === '"' || ch === "'") {
      // skip a CEL string literal (triple quotes and raw strings need no special case here:
      // any quote run is balanced by the same characters)
      i++;
      while (i < s.length && s[i] !== ch) {
        if (s[i] === '\\') i++;
        i++;
      }
      continue;
    }
    if (ch === '{') depth++;
    else if (ch === '}') {
      if (depth === 0) return i;
      depth--;
    }
  }
  return -1;
}

/** … and a phrase a rule composes in CEL from several values (each wire value in it clipped to
 *  PROSE_MAX by clip()): a bound, not a layout. */
export const SENTENCE_MAX = 1000;

export { PROSE_MAX } from '../format/words.ts';

/** Text form of a CEL value inside a summary; a string (or each string of a list) at most `max`
 *  characters. */
export function formatValue(v: unknown, max = PROSE_MAX): string {
  if (v === null || v === undefined) return 'none';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'number') return Number.isInteger(v) ? String(v) : String(Number(v.toFixed(3)));
  // no character takes more than two columns: a string of at most max/2 characters fits as it is
  if (typeof v === 'string') return v.length * 2 <= max ? v : clipProse(v, max);
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  const f = (x: unknown) => formatValue(x, max);
  if (Array.isArray(v)) return v.map(f).join(', ');
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Map) return [...v.entries()].map(([k, x]) => `${f(k)}: ${f(x)}`).join(', ');
  if (typeof v === 'object') return Object.entries(v as Record<string, unknown>).map(([k, x]) => `${k}: ${f(x)}`).join(', ');
  return String(v);
}
