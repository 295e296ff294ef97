// The reply-code catalog (rules/reply-codes.yaml): what each FTP reply code means, per the RFCs.
// Read once, on first use: from the bundle's built-in catalog data when it is current
// (catalog-data.ts), from the YAML otherwise.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { embeddedCatalog } from './catalog-data.ts';
import { RuleFileError } from './rule-error.ts';
import { yaml } from './yaml-lib.ts';

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

/** What the first digit says (RFC 959 §4.2.1; 6yz from RFC 2228 §4). */
export const CLASS_DIGITS: Readonly<Record<string, { name: string; description: string }>> = {
  '1': { name: 'positive preliminary', description: 'the action is being started; expect another reply before sending a new command' },
  '2': { name: 'positive completion', description: 'the action completed successfully; a new command may follow' },
  '3': { name: 'positive intermediate', description: 'the command was accepted but the action waits for more information: send the command that supplies it' },
  '4': { name: 'transient negative completion', description: 'the command failed, but the condition is temporary: the same request may succeed later' },
  '5': { name: 'permanent negative completion', description: 'the command failed and repeating it unchanged will fail again' },
  '6': { name: 'protected reply', description: 'the real reply is inside, protected by the RFC 2228 security mechanism (MIC/CONF/ENC)' },
};

/** What the second digit says (RFC 959 §4.2.1). */
export const GROUP_DIGITS: Readonly<Record<string, { name: string; description: string }>> = {
  '0': { name: 'syntax', description: 'syntax errors, and commands that fit no other group (unimplemented or superfluous)' },
  '1': { name: 'information', description: 'answers to requests for information (status, help)' },
  '2': { name: 'connections', description: 'about the control and data connections' },
  '3': { name: 'authentication and accounting', description: 'about the login and accounting' },
  '4': { name: 'unspecified', description: 'not assigned by RFC 959' },
  '5': { name: 'file system', description: 'the state of the server\'s file system for the requested transfer or file action' },
};

const ENTRY_FIELDS = new Set(['code', 'meaning', 'explanation', 'causes', 'action', 'references']);

/** Parses a catalog file; throws RuleFileError naming file and line on any fault. */
export function parseReplyCodes(text: string, file: string): Map<number, ReplyCodeInfo> {
  const { isMap, isSeq, LineCounter, parseDocument } = yaml();
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
      className: CLASS_DIGITS[String(code)[0]!]?.name ?? 'unknown class',
      group: GROUP_DIGITS[String(code)[1]!]?.name ?? 'unknown group',
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
  if (catalog === null) {
    const data = embeddedCatalog();
    catalog = data === null ? parseReplyCodes(readFileSync(replyCodesPath, 'utf8'), replyCodesPath) : new Map(data.replyCodes.map((c) => [c.code, c]));
  }
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
    meaning: valid ? `not defined by the FTP RFCs (${CLASS_DIGITS[digits[0]!]?.name ?? 'unknown class'}, ${GROUP_DIGITS[digits[1]!]?.name ?? 'unknown group'})` : 'not a valid reply code',
    className: (valid && CLASS_DIGITS[digits[0]!]?.name) || 'invalid',
    group: (valid && GROUP_DIGITS[digits[1]!]?.name) || 'invalid',
    explanation: '',
    causes: [],
    action: '',
    references: ['RFC 959 §4.2.1'],
  };
}
