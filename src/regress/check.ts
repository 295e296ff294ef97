// Compares one trace's analysis with its expectation. Every difference is a Mismatch with a
// sentence an engineer can act on; no differences means the trace passes.

import { severityRank, type Finding } from '../diagnose/finding.ts';
import type { Transfer } from '../ftp/types.ts';
import type { Expectation, ExpectedTransfer } from './expectation.ts';
import { plural } from '../format/words.ts';

/** The part of an analysis a regression check reads. */
export interface Analysed {
  findings: readonly Finding[];
  transfers: readonly Transfer[];
  sessions: readonly unknown[];
}

export interface Mismatch {
  kind: 'missing-finding' | 'unexpected-finding' | 'forbidden-finding' | 'finding-frames' | 'finding-severity'
    | 'missing-transfer' | 'transfer-field' | 'sessions';
  message: string;
}

export function checkAgainst(result: Analysed, exp: Expectation): Mismatch[] {
  const out: Mismatch[] = [];
  const byId = new Map<string, Finding[]>();
  for (const f of result.findings) {
    const list = byId.get(f.id) ?? [];
    list.push(f);
    byId.set(f.id, list);
  }

  for (const want of exp.present) {
    const got = byId.get(want.id);
    if (!got) {
      out.push({ kind: 'missing-finding', message: `expected finding ${want.id}, not reported` });
      continue;
    }
    if (want.frames) {
      // The wanted frames must all be cited by one instance of the finding.
      const ok = got.some((f) => want.frames!.every((n) => f.frames.includes(n)));
      if (!ok) {
        const cited = got.map((f) => `[${f.frames.slice(0, 12).join(', ')}${f.frames.length > 12 ? ', …' : ''}]`).join(' ');
        out.push({ kind: 'finding-frames', message: `${want.id}: expected frames [${want.frames.join(', ')}], reported ${cited}` });
      }
    }
    if (want.severity && !got.some((f) => f.severity === want.severity))
      out.push({ kind: 'finding-severity', message: `${want.id}: expected severity ${want.severity}, reported ${got[0]!.severity}` });
  }

  for (const id of exp.absent)
    if (byId.has(id)) out.push({ kind: 'forbidden-finding', message: `finding ${id} must not appear, reported at frames [${byId.get(id)![0]!.frames.slice(0, 12).join(', ')}]` });

  if (exp.unexpected !== 'none') {
    const floor = severityRank[exp.unexpected];
    const listed = new Set([...exp.present.map((p) => p.id), ...exp.absent]);
    for (const [id, list] of byId) {
      if (listed.has(id)) continue;
      const worst = list.reduce((a, f) => Math.max(a, severityRank[f.severity]), 0);
      if (worst >= floor)
        out.push({ kind: 'unexpected-finding', message: `unexpected finding ${id} (${list[0]!.severity}): ${list[0]!.summary}` });
    }
  }

  if (exp.sessions !== null && exp.sessions !== result.sessions.length)
    out.push({ kind: 'sessions', message: `expected ${exp.sessions} FTP session(s), found ${result.sessions.length}` });

  if (exp.transfers) out.push(...checkTransfers(result.transfers, exp.transfers));
  return out;
}

/** Expected transfers are matched in order, each to the next actual transfer with the same
 *  command (and argument when given), so an extra transfer in between does not shift the rest. */
function checkTransfers(actual: readonly Transfer[], expected: readonly ExpectedTransfer[]): Mismatch[] {
  const out: Mismatch[] = [];
  let from = 0;
  for (const want of expected) {
    const label = `${want.command}${want.argument ? ` ${want.argument}` : ''}`;
    let i = from;
    while (i < actual.length && !(actual[i]!.command.toUpperCase() === want.command.toUpperCase() && (want.argument === undefined || actual[i]!.argument === want.argument))) i++;
    if (i >= actual.length) {
      out.push({ kind: 'missing-transfer', message: `expected transfer ${label}, not found` });
      continue;
    }
    const t = actual[i]!;
    from = i + 1;
    if (want.replyCodes && want.replyCodes.join(',') !== t.replyCodes.join(','))
      out.push({ kind: 'transfer-field', message: `${label}: reply codes [${t.replyCodes.join(', ')}], expected [${want.replyCodes.join(', ')}]` });
    if (want.outcome !== undefined && want.outcome !== t.outcome)
      out.push({ kind: 'transfer-field', message: `${label}: outcome ${t.outcome}, expected ${want.outcome}` });
    // a transfer refused before any data connection moved nothing: its 0 stands
    if (want.bytes !== undefined && t.bytesStatus !== 'counted' && t.bytesStatus !== 'not-opened')
      out.push({ kind: 'transfer-field', message: `${label}: bytes not counted (${t.bytesStatus}), expected ${want.bytes}` });
    else if (want.bytes !== undefined && want.bytes !== t.bytes)
      out.push({ kind: 'transfer-field', message: `${label}: ${plural(t.bytes, 'byte')}, expected ${want.bytes}` });
    if (want.mode !== undefined && want.mode !== t.mode)
      out.push({ kind: 'transfer-field', message: `${label}: mode ${t.mode ?? 'unknown'}, expected ${want.mode}` });
  }
  return out;
}
