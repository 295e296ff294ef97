// Which finding an operation-log line names: the worst one about that operation.

import { severityRank, type Finding, type Severity } from '../../diagnose/finding.ts';

export interface AttachedFinding {
  id: string; //         the rule id
  severity: Severity;
}

export interface FindingTarget {
  session: number | null; //  null: a data connection without its control connection
  transfer: number | null;
  frames: readonly number[]; // the operation's command and reply frames
}

// Attaching findings to operations
// A finding is about a transfer when it carries that transfer's id; that link wins. Otherwise it
// is about an operation when it cites one of the operation's command or reply frames, belongs to
// the same session (or to none), and is not about some other transfer. Among those, the most
// severe wins; on a tie, the first in the analysis' order (by severity, then first frame).

/** Findings indexed by transfer id and by cited frame, so that a log of many operations does
 *  not scan every finding for each of them. */
export class FindingIndex {
  private readonly byTransfer = new Map<number, number[]>(); // Transfer.id → positions in `findings`
  private readonly byFrame = new Map<number, number[]>(); //    frame number → positions in `findings`

  constructor(private readonly findings: readonly Finding[]) {
    findings.forEach((f, i) => {
      if (f.transfer !== null) push(this.byTransfer, f.transfer, i);
      for (const n of f.frames) push(this.byFrame, n, i);
    });
  }

  worst(op: FindingTarget): AttachedFinding | null {
    let best = -1;
    const consider = (i: number) => {
      const f = this.findings[i]!;
      // lower position wins ties: the analysis' order
      if (best < 0 || severityRank[f.severity] > severityRank[this.findings[best]!.severity] || (severityRank[f.severity] === severityRank[this.findings[best]!.severity] && i < best)) best = i;
    };
    if (op.transfer !== null) for (const i of this.byTransfer.get(op.transfer) ?? []) consider(i);
    if (best < 0) {
      for (const n of op.frames) {
        for (const i of this.byFrame.get(n) ?? []) {
          const f = this.findings[i]!;
          if (f.transfer !== null && f.transfer !== op.transfer) continue;
          if (f.session !== null && f.session !== op.session) continue;
          consider(i);
        }
      }
    }
    if (best < 0) return null;
    const f = this.findings[best]!;
    return { id: f.id, severity: f.severity };
  }
}

function push(m: Map<number, number[]>, k: number, v: number): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}

/** The worst finding about one operation (builds a one-off index: use FindingIndex for many). */
export function worstFinding(findings: readonly Finding[], op: FindingTarget): AttachedFinding | null {
  return new FindingIndex(findings).worst(op);
}
