// The reply-code catalog (rules/reply-codes.yaml): what each FTP reply code means, per the RFCs.
// Read once, on first use.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { isMap, isSeq, LineCounter, parseDocument } from 'yaml';
import { RuleFileError } from './rule-error.ts';

export interface ReplyCodeInfo {
  code: number;
  known: boolean; //        listed in the catalog
  meaning: string;
  className: string; //     from the first digit (RFC 959 §4.2.1; 6yz from RFC 2228)
  group: string; //         from the second digit
  explanation: string;
  causes: string[];
  action: string;
  references: string[];
}

export const replyCodesPath = fileURLToPath(new URL('../../rules/reply-codes.yaml', import.meta.url));

const classNames: Record<string, string> = {
  '1': 'positive preliminary',
  '2': 'positive completion',
  '3': 'positive intermediate',
  '4': 'transient negative completion',
  '5': 'permanent negative completion',
  '6': 'protected reply',
};
const groupNames: Record<string, string> = {
  '0': 'syntax',
  '1': 'information',
  '2': 'connections',
  '3': 'authentication and accounting',
  '4': 'unspecified',
  '5': 'file system',
};

const ENTRY_FIELDS = new Set(['code', 'meaning', 'explanation', 'causes', 'action', 'references']);

/** Parses a catalog file; throws RuleFileError naming file and line on any fault. */
export function parseReplyCodes(text: string, file: string): Map<number, ReplyCodeInfo> {
  const lc = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lc, prettyErrors: false });
  const at = (offset: number | undefined): number => (offset === undefined ? 1 : lc.linePos(offset).line);
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new RuleFileError(file, lc.linePos(e.pos[0]).line, e.message.split("\n")[0]!);
  }
  const root = doc.contents;
  if (!isMap(root) || !isSeq(root.get('codes', true))) throw new RuleFileError(file, 1, 'expected a top-level "codes:" list');
  const out = new Map<number, ReplyCodeInfo>();
  for (const item of (root.get('codes', true) as unknown as { items: unknown[] }).items) {
    if (!isMap(item)) throw new RuleFileError(file, 1, 'each code must be a mapping');
    const line = at(item.range?.[0]);
    const raw = item.toJSON() as Record<string, unknown>;
    for (const k of Object.keys(raw)) if (!ENTRY_FIELDS.has(k)) throw new RuleFileError(file, line, `unknown field "${k}"`);
    const code = raw['code'];
    if (typeof code !== 'number' || !Number.isInteger(code) || code < 100 || code > 699) throw new RuleFileError(file, line, 'code must be a three-digit number');
    if (typeof raw['meaning'] !== 'string') throw new RuleFileError(file, line, `code ${code}: meaning must be a string`);
    if (out.has(code)) throw new RuleFileError(file, line, `code ${code} listed twice`);
    const strings = (v: unknown): string[] => (Array.isArray(v) ? v.map(String) : []);
    out.set(code, {
      code,
      known: true,
      meaning: raw['meaning'],
      className: classNames[String(code)[0]!] ?? 'unknown class',
      group: groupNames[String(code)[1]!] ?? 'unknown group',
      explanation: typeof raw['explanation'] === 'string' ? raw['explanation'] : '',
      causes: strings(raw['causes']),
      action: typeof raw['action'] === 'string' ? raw['action'] : '',
      references: strings(raw['references']),
    });
  }
  return out;
}

let catalog: Map<number, ReplyCodeInfo> | null = null;

export function replyCatalog(): ReadonlyMap<number, ReplyCodeInfo> {
  catalog ??= parseReplyCodes(readFileSync(replyCodesPath, 'utf8'), replyCodesPath);
  return catalog;
}

/** Explains any code: the catalog's entry, or what its digits say (RFC 959 §4.2.1). */
export function explainReplyCode(code: number): ReplyCodeInfo {
  const hit = replyCatalog().get(code);
  if (hit) return hit;
  const digits = String(code);
  const valid = Number.isInteger(code) && code >= 100 && code <= 699;
  return {
    code,
    known: false,
    meaning: valid ? `not defined by the FTP RFCs (${classNames[digits[0]!] ?? 'unknown class'}, ${groupNames[digits[1]!] ?? 'unknown group'})` : 'not a valid reply code',
    className: (valid && classNames[digits[0]!]) || 'invalid',
    group: (valid && groupNames[digits[1]!]) || 'invalid',
    explanation: '',
    causes: [],
    action: '',
    references: ['RFC 959 §4.2.1'],
  };
}
