// `regress --update`: writes NAME.expect.yaml from the current analysis, for a user blessing a
// trace. An existing file is edited in place through yaml's Document API, so what a person wrote
// by hand stays: comments (the story of the incident), key order, notes, absent:, unexpected:,
// and the comments on findings and transfers that are still there.

import { existsSync, readFileSync } from 'node:fs';
import { Document, isMap, isScalar, isSeq, parseDocument, visit, type Node, type YAMLMap, type YAMLSeq } from 'yaml';
import type { Analysed } from './check.ts';
import { parseExpectation, type Expectation } from './expectation.ts';

/** How many of a finding's frames the expectation pins: enough to locate it, few enough that a
 *  finding citing one more retransmission does not read as a regression. */
const PINNED_FRAMES = 6;

interface Wanted {
  present: Array<{ id: string; severity: string; frames: number[] }>;
  transfers: Array<Record<string, unknown>>;
}

function wanted(result: Analysed): Wanted {
  const seen = new Set<string>();
  const present: Wanted['present'] = [];
  for (const f of result.findings) {
    if (seen.has(f.id)) continue;
    seen.add(f.id);
    present.push({ id: f.id, severity: f.severity, frames: f.frames.slice(0, PINNED_FRAMES) });
  }
  const transfers = result.transfers.map((t) => ({
    command: t.command,
    argument: t.argument,
    ...(t.mode ? { mode: t.mode } : {}),
    replyCodes: t.replyCodes,
    outcome: t.outcome,
    // only bytes that count a file (not TLS records, not a data connection missing from the capture)
    ...(t.bytesStatus === 'counted' ? { bytes: t.bytes } : {}),
  }));
  return { present, transfers };
}

/** The existing file, parsed with its comments, when it is a valid expectation. */
function existing(expectFile: string): { doc: Document; exp: Expectation } | null {
  if (!existsSync(expectFile)) return null;
  try {
    const text = readFileSync(expectFile, 'utf8');
    const exp = parseExpectation(text, expectFile);
    const doc = parseDocument(text);
    return isMap(doc.contents) ? { doc, exp } : null;
  } catch {
    return null; // a broken file is replaced whole
  }
}

/** What a new expectation says of one analysis (the top level, or the `decrypted:` block). */
function freshBlock(result: Analysed): Record<string, unknown> {
  const w = wanted(result);
  return { unexpected: 'warning', sessions: result.sessions.length, findings: { present: w.present, absent: [] }, transfers: w.transfers };
}

/** The expectation file's new text; `expectFile` is read first when it exists (its edits kept).
 *  `decrypted`: the analysis with the key log the existing file names (FTPS), written under
 *  `decrypted:`. */
export function expectationText(result: Analysed, traceName: string, expectFile: string, decrypted: Analysed | null = null): string {
  const old = existing(expectFile);
  if (old) return updated(old.doc, old.exp, result, traceName, decrypted);
  const doc = { trace: traceName, ...freshBlock(result) };
  const header = [
    `# Expected diagnosis of ${traceName}, written by \`ftpdiag regress --update\`.`,
    '# Review it before committing: CI holds the analyzer to every line. Add ids that must never',
    '# appear under findings.absent; `unexpected: warning` fails on any unlisted warning or error.',
    '',
  ].join('\n');
  return header + render(new Document(doc));
}

/** Lists of numbers (frames, reply codes) read best on one line: [150, 226]. */
function render(doc: Document): string {
  visit(doc, {
    Seq(_key, node) {
      if (isSeq(node) && node.items.length > 0 && node.items.every((i) => isScalar(i) && typeof i.value === 'number')) node.flow = true;
    },
  });
  return doc.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** Sets `key` of a mapping to `value`, keeping the pair where it is (a scalar keeps its node and
 *  comments; a list or mapping is replaced); a new key goes at the end. */
function put(doc: Document, map: YAMLMap, key: string, value: unknown): void {
  const pair = map.items.find((p) => (isScalar(p.key) ? p.key.value : p.key) === key);
  if (pair && isScalar(pair.value) && (value === null || typeof value !== 'object')) {
    pair.value.value = value;
    return;
  }
  const node = doc.createNode(value);
  if (pair) pair.value = node;
  else map.add(doc.createPair(key, node));
}

function mapAt(doc: Document, parent: YAMLMap, key: string, init: () => unknown): YAMLMap {
  const v = parent.get(key, true);
  if (isMap(v)) return v;
  put(doc, parent, key, init());
  return parent.get(key, true) as unknown as YAMLMap;
}

function seqAt(doc: Document, parent: YAMLMap, key: string): YAMLSeq {
  const v = parent.get(key, true);
  if (isSeq(v)) return v;
  put(doc, parent, key, []);
  return parent.get(key, true) as unknown as YAMLSeq;
}

const idOf = (item: unknown): string | null => {
  if (isScalar(item)) return typeof item.value === 'string' ? item.value : null;
  if (isMap(item)) {
    const id = item.get('id');
    return typeof id === 'string' ? id : null;
  }
  return null;
};

function updated(doc: Document, exp: Expectation, result: Analysed, traceName: string, decrypted: Analysed | null): string {
  const root = doc.contents as YAMLMap;
  put(doc, root, 'trace', traceName);
  updateBlock(doc, root, exp, result);
  // FTPS: the block of the analysis with the key log the file names, edited the same way
  if (exp.keylog && decrypted) {
    const block = root.get('decrypted', true);
    if (isMap(block) && exp.decrypted) updateBlock(doc, block, exp.decrypted, decrypted);
    else put(doc, root, 'decrypted', freshBlock(decrypted));
  }
  return render(doc);
}

/** One block of an expectation (the top level, or `decrypted:`) refreshed from `result`. */
function updateBlock(doc: Document, root: YAMLMap, exp: Expectation, result: Analysed): void {
  const w = wanted(result);
  if (!root.has('unexpected')) put(doc, root, 'unexpected', 'warning');
  put(doc, root, 'sessions', result.sessions.length);

  const findings = mapAt(doc, root, 'findings', () => ({ present: [], absent: [] }));
  // present: findings still reported keep their item (and its comments, in its place), with
  // frames (and a severity the user pinned) refreshed; gone ones are removed; new ones appended
  const present = seqAt(doc, findings, 'present');
  const now = new Map(w.present.map((p) => [p.id, p] as const));
  const kept = new Set<string>();
  present.items = present.items.filter((item) => {
    const id = idOf(item);
    if (id === null || !now.has(id) || kept.has(id)) return false;
    kept.add(id);
    const p = now.get(id)!;
    if (isMap(item)) {
      put(doc, item, 'severity', p.severity);
      put(doc, item, 'frames', p.frames);
    }
    return true;
  });
  for (const p of w.present) if (!kept.has(p.id)) present.items.push(doc.createNode(p) as Node);
  // absent: the user's, less what is now reported
  const absent = findings.get('absent', true);
  if (isSeq(absent)) absent.items = absent.items.filter((item) => !now.has(idOf(item) ?? ''));
  else if (!findings.has('absent')) put(doc, findings, 'absent', exp.absent.filter((id) => !now.has(id)));

  // transfers: the n-th item is refreshed in place (its note and comments kept), extra ones go,
  // new ones are appended
  const transfers = seqAt(doc, root, 'transfers');
  transfers.items = transfers.items.slice(0, w.transfers.length);
  w.transfers.forEach((t, i) => {
    const item = transfers.items[i];
    if (!isMap(item)) {
      transfers.items[i] = doc.createNode(t) as Node;
      return;
    }
    for (const [k, v] of Object.entries(t)) put(doc, item, k, v);
    for (const k of ['mode', 'bytes']) if (!(k in t) && item.has(k)) item.delete(k);
  });
}

