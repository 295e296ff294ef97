// NAME.expect.yaml: what the analysis of a saved trace must produce. Read, validated (errors name
// file and line), and written by `ftpdiag regress --update`.
//
// trace: upload-reset-vsftpd.pcap
// unexpected: warning          # any unlisted finding of this severity or above is a regression
// findings:
//   present:
//     - id: upload-reset
//       frames: [63, 64]         # optional: these frames must be among the finding's frames
//   absent: [lost-segment]
// transfers:
//   - command: STOR
//     argument: big.bin          # optional
//     replyCodes: [150, 426]
//     outcome: aborted
//     bytes: 1461302             # optional
// keylog: upload-reset-vsftpd.keylog   # optional: FTPS; the trace is analysed again with this
// decrypted:                           # NSS key log (path relative to this file), and the
//   unexpected: warning                # analysis must then match this block (same keys as above)
//   findings: …

import { readFileSync } from 'node:fs';
import { LineCounter, parseDocument, isMap, isSeq, type Node } from 'yaml';
import type { Severity } from '../diagnose/finding.ts';

export interface ExpectedFinding {
  id: string;
  frames?: number[];
  severity?: Severity;
}

export interface ExpectedTransfer {
  command: string;
  argument?: string;
  replyCodes?: number[];
  outcome?: string;
  bytes?: number;
  mode?: 'active' | 'passive';
}

export interface Expectation {
  file: string; //                  the .expect.yaml path
  trace: string | null; //          trace file name, when given
  unexpected: Severity | 'none'; // unlisted findings of this severity or above fail
  present: ExpectedFinding[];
  absent: string[];
  transfers: ExpectedTransfer[] | null; // null: transfers not checked
  sessions: number | null; //       number of FTP sessions, when given
  keylog: string | null; //         FTPS: an NSS key log, as written (relative to the expectation file)
  decrypted: Expectation | null; // what the analysis with that key log must give
}

export class ExpectationError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly reason: string,
  ) {
    super(`${file}:${line}: ${reason}`);
    this.name = 'ExpectationError';
  }
}

const severities = ['error', 'warning', 'info'] as const;
const topKeys = new Set(['trace', 'unexpected', 'findings', 'transfers', 'sessions', 'note', 'keylog', 'decrypted']);
/** Keys of the `decrypted:` block: what the analysis with the key log must give. */
const decryptedKeys = new Set(['unexpected', 'findings', 'transfers', 'sessions', 'note']);
const findingKeys = new Set(['id', 'frames', 'severity', 'note']);
const transferKeys = new Set(['command', 'argument', 'replyCodes', 'outcome', 'bytes', 'mode', 'note']);

/** Reads and validates an expectation file; throws ExpectationError (file:line) when it is wrong. */
export function loadExpectation(file: string): Expectation {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    throw new ExpectationError(file, 0, `cannot read: ${(e as NodeJS.ErrnoException).code ?? String(e)}`);
  }
  return parseExpectation(text, file);
}

export function parseExpectation(text: string, file: string): Expectation {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  const lineOf = (node: Node | null | undefined): number =>
    node?.range ? lines.linePos(node.range[0]).line : 1;
  const fail = (node: Node | null | undefined, reason: string): never => {
    throw new ExpectationError(file, lineOf(node), reason);
  };
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    throw new ExpectationError(file, e.linePos?.[0].line ?? 1, e.message.split('\n')[0]!);
  }
  const root = doc.contents;
  if (!isMap(root)) return fail(root, 'an expectation file is a YAML mapping (trace:, findings:, transfers:)');
  const exp = readBlock(root, topKeys);
  if (exp.decrypted && !exp.keylog) fail(root, 'decrypted: needs keylog: (the key log to decrypt with)');
  return exp;

  function readBlock(map: Node, keys: ReadonlySet<string>): Expectation {
    const block = {
      file,
      trace: null,
      unexpected: 'none',
      present: [],
      absent: [],
      transfers: null,
      sessions: null,
      keylog: null,
      decrypted: null,
    } as Expectation;
    for (const pair of (map as { items: Array<{ key: unknown; value: unknown }> }).items) {
      const key = String((pair.key as { value?: unknown } | null)?.value ?? pair.key);
      const value = pair.value as Node | null;
      if (!keys.has(key)) fail(pair.key as Node, `unknown key '${key}' (expected one of ${[...keys].join(', ')})`);
      readKey(block, key, value);
    }
    return block;
  }

  function readKey(exp: Expectation, key: string, value: Node | null): void {
    const plain = (value as { toJSON?: () => unknown } | null)?.toJSON?.() ?? null;
    switch (key) {
      case 'trace':
        if (typeof plain !== 'string') fail(value, 'trace: must be a file name');
        exp.trace = plain as string;
        break;
      case 'unexpected':
        if (plain !== 'none' && !severities.includes(plain as Severity))
          fail(value, `unexpected: must be error, warning, info or none`);
        exp.unexpected = plain as Severity | 'none';
        break;
      case 'sessions':
        if (!Number.isInteger(plain)) fail(value, 'sessions: must be a whole number');
        exp.sessions = plain as number;
        break;
      case 'findings':
        readFindings(exp, value);
        break;
      case 'transfers':
        exp.transfers = readTransfers(value);
        break;
      case 'keylog':
        if (typeof plain !== 'string' || plain === '') fail(value, 'keylog: must be the file name of an NSS key log');
        exp.keylog = plain as string;
        break;
      case 'decrypted':
        if (!isMap(value)) fail(value, 'decrypted: must be a mapping (unexpected:, sessions:, findings:, transfers:)');
        exp.decrypted = readBlock(value!, decryptedKeys);
        break;
      case 'note':
        break;
    }
  }

  function readFindings(exp: Expectation, node: Node | null): void {
    if (!isMap(node)) return fail(node, 'findings: must be a mapping with present: and/or absent:');
    for (const pair of node.items) {
      const key = String((pair.key as { value?: unknown }).value);
      const list = pair.value as Node | null;
      if (key !== 'present' && key !== 'absent') fail(pair.key as Node, `findings: unknown key '${key}' (present, absent)`);
      if (!isSeq(list)) return fail(list, `findings.${key}: must be a list`);
      for (const item of list.items as Node[]) {
        if (key === 'absent') {
          const id = (item as { value?: unknown }).value;
          if (typeof id !== 'string' || !/^[a-z0-9-]+$/.test(id)) fail(item, 'findings.absent: items are finding ids');
          exp.absent.push(id as string);
          continue;
        }
        const f = (item as { toJSON?: () => unknown }).toJSON?.();
        if (typeof f === 'string') {
          exp.present.push({ id: f });
          continue;
        }
        if (!isMap(item) || typeof f !== 'object' || f === null) return fail(item, 'findings.present: items are ids or {id, frames, severity}');
        for (const k of Object.keys(f)) if (!findingKeys.has(k)) fail(item, `findings.present: unknown key '${k}'`);
        const o = f as Record<string, unknown>;
        if (typeof o.id !== 'string') fail(item, 'findings.present: id is required');
        if (o.frames !== undefined && !(Array.isArray(o.frames) && o.frames.every((n) => Number.isInteger(n) && n > 0)))
          fail(item, 'findings.present: frames must be a list of frame numbers');
        if (o.severity !== undefined && !severities.includes(o.severity as Severity))
          fail(item, 'findings.present: severity must be error, warning or info');
        exp.present.push({
          id: o.id as string,
          ...(o.frames ? { frames: o.frames as number[] } : {}),
          ...(o.severity ? { severity: o.severity as Severity } : {}),
        });
      }
    }
  }

  function readTransfers(node: Node | null): ExpectedTransfer[] {
    if (!isSeq(node)) return fail(node, 'transfers: must be a list');
    return (node.items as Node[]).map((item) => {
      const t = (item as { toJSON?: () => unknown }).toJSON?.();
      if (!isMap(item) || typeof t !== 'object' || t === null) return fail(item, 'transfers: items are mappings');
      const o = t as Record<string, unknown>;
      for (const k of Object.keys(o)) if (!transferKeys.has(k)) fail(item, `transfers: unknown key '${k}'`);
      if (typeof o.command !== 'string') fail(item, 'transfers: command is required');
      if (o.replyCodes !== undefined && !(Array.isArray(o.replyCodes) && o.replyCodes.every((n) => Number.isInteger(n))))
        fail(item, 'transfers: replyCodes must be a list of numbers');
      if (o.bytes !== undefined && !Number.isInteger(o.bytes)) fail(item, 'transfers: bytes must be a whole number');
      if (o.mode !== undefined && o.mode !== 'active' && o.mode !== 'passive') fail(item, 'transfers: mode is active or passive');
      const out: ExpectedTransfer = { command: String(o.command) };
      if (o.argument !== undefined) out.argument = String(o.argument);
      if (o.replyCodes !== undefined) out.replyCodes = o.replyCodes as number[];
      if (o.outcome !== undefined) out.outcome = String(o.outcome);
      if (o.bytes !== undefined) out.bytes = o.bytes as number;
      if (o.mode !== undefined) out.mode = o.mode as 'active' | 'passive';
      return out;
    });
  }
}
