// `regress --update`: writes NAME.expect.yaml from the current analysis, for a user blessing a
// trace. What a person wrote by hand (absent:, unexpected:, notes) is kept on refresh.

import { existsSync } from 'node:fs';
import { Document, isScalar, isSeq, visit } from 'yaml';
import type { Analysed } from './check.ts';
import { loadExpectation, type Expectation } from './expectation.ts';

/** How many of a finding's frames the expectation pins: enough to locate it, few enough that a
 *  finding citing one more retransmission does not read as a regression. */
const PINNED_FRAMES = 6;

/** `decrypted`: the analysis with the key log the previous expectation named (FTPS), written
 *  under `decrypted:`. */
export function expectationText(result: Analysed, traceName: string, expectFile: string, decrypted: Analysed | null = null): string {
  let previous: Expectation | null = null;
  if (existsSync(expectFile)) {
    try {
      previous = loadExpectation(expectFile);
    } catch {
      previous = null; // a broken file is replaced whole
    }
  }
  const doc: Record<string, unknown> = { trace: traceName, ...expectationBody(result, previous) };
  if (previous?.keylog) {
    doc['keylog'] = previous.keylog;
    if (decrypted) doc['decrypted'] = expectationBody(decrypted, previous.decrypted);
  }
  const header = [
    `# Expected diagnosis of ${traceName}, written by \`ftpdiag regress --update\`.`,
    '# Review it before committing: CI holds the analyzer to every line. Add ids that must never',
    '# appear under findings.absent; `unexpected: warning` fails on any unlisted warning or error.',
    '',
  ].join('\n');
  // Lists of numbers (frames, reply codes) read best on one line: [150, 226].
  const yaml = new Document(doc);
  visit(yaml, {
    Seq(_key, node) {
      if (isSeq(node) && node.items.every((i) => isScalar(i) && typeof i.value === 'number')) node.flow = true;
    },
  });
  return header + yaml.toString({ lineWidth: 0, flowCollectionPadding: false });
}

/** What an expectation says of one analysis (the top level, or the `decrypted:` block). */
function expectationBody(result: Analysed, previous: Expectation | null): Record<string, unknown> {
  const seen = new Set<string>();
  const present: Array<{ id: string; severity: string; frames: number[] }> = [];
  for (const f of result.findings) {
    if (seen.has(f.id)) continue;
    seen.add(f.id);
    present.push({ id: f.id, severity: f.severity, frames: f.frames.slice(0, PINNED_FRAMES) });
  }
  return {
    unexpected: previous?.unexpected ?? 'warning',
    sessions: result.sessions.length,
    findings: {
      present,
      absent: (previous?.absent ?? []).filter((id) => !seen.has(id)),
    },
    transfers: result.transfers.map((t) => ({
      command: t.command,
      argument: t.argument,
      ...(t.mode ? { mode: t.mode } : {}),
      replyCodes: t.replyCodes,
      outcome: t.outcome,
      // only bytes that count a file (not TLS records, not a data connection missing from the capture)
      ...(t.bytesStatus === 'counted' ? { bytes: t.bytes } : {}),
    })),
  };
}
