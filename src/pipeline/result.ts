// What one analysis produces: the input of every reporter (text, JSON) and of later commands. A
// whole-capture result is the released units put together (ResultCollector); a streaming
// analysis hands the units on instead and returns only the totals.

import type { CaptureSummary } from '../capture/frame.ts';
import type { Connection } from '../tcp/types.ts';
import type { ConnectionRole, Session, Transfer } from '../ftp/types.ts';
import type { Finding } from '../diagnose/finding.ts';
import type { RuleRunError } from '../diagnose/evaluate.ts';
import type { DecodeCounts } from '../diagnose/facts.ts';
import type { EncapsulationCount } from '../decode/counters.ts';
import type { ClientLogins } from '../ftp/logins.ts';
import { findingSortKey, type ReleasedFinding, type ReleasedUnit } from './release.ts';

export interface DecodeSummary extends DecodeCounts {
  unsupportedLinkType: number; //  frames of a link type without a decoder
  firstMalformed: { frame: number; reason: string } | null;
  encapsulations: EncapsulationCount[]; // tunnels, label stacks, PPPoE the frames came through ([] for none)
}

export interface AnalysisResult {
  capture: CaptureSummary & { decode: DecodeSummary };
  connections: Connection[]; //   in id order
  sessions: Session[]; //         in id order
  transfers: Transfer[]; //       in id order
  findings: Finding[]; //         by severity, then first frame
  roles: ReadonlyMap<number, ConnectionRole>; // what the FTP stage made of each connection
  ruleErrors: RuleRunError[]; //  rules that failed at run time (reported, not fatal)
  showPasswords: boolean; //      how the result was built (facts redact PASS otherwise)
  logins: ClientLogins[]; //      refused logins per client and server, across sessions (ftp/logins.ts)
  /** Streaming analysis (AnalysisOptions.release): the lists above are empty, everything was
   *  handed on as it became final; these are the totals. */
  released?: { connections: number; sessions: number; transfers: number };
}

/** The lists of a whole-capture result, gathered from released units. */
export type ResultLists = Pick<AnalysisResult, 'connections' | 'sessions' | 'transfers' | 'findings' | 'roles'>;

/** Puts released units together into a whole-capture result's lists, in the order a report of
 *  the whole capture gives them: objects by id, findings by findingSortKey. */
export class ResultCollector {
  private readonly connections: Connection[] = [];
  private readonly sessions: Session[] = [];
  private readonly transfers: Transfer[] = [];
  private readonly findings: ReleasedFinding[] = [];
  private readonly roles = new Map<number, ConnectionRole>();

  add(u: ReleasedUnit): void {
    for (const c of u.connections) this.connections.push(c);
    for (const s of u.sessions) this.sessions.push(s);
    for (const t of u.transfers) this.transfers.push(t);
    for (const f of u.findings) this.findings.push(f);
    for (const [id, role] of u.roles) this.roles.set(id, role);
  }

  lists(): ResultLists {
    const byId = (a: { id: number }, b: { id: number }) => a.id - b.id;
    const keys = new Map(this.findings.map((r) => [r, findingSortKey(r)] as const));
    const order = (a: ReleasedFinding, b: ReleasedFinding) => {
      const x = keys.get(a)!;
      const y = keys.get(b)!;
      for (let i = 0; i < x.length; i++) {
        if (x[i] === y[i]) continue;
        // severity rank: worst first; the rest ascending (a finding without frames last)
        return i === 0 ? y[i]! - x[i]! : x[i]! < y[i]! ? -1 : 1;
      }
      return 0;
    };
    return {
      connections: this.connections.sort(byId),
      sessions: this.sessions.sort(byId),
      transfers: this.transfers.sort(byId),
      findings: this.findings.sort(order).map((r) => r.finding),
      roles: this.roles,
    };
  }
}

/** A whole-capture result as one released unit (its findings in report order), for what takes
 *  units: the views (report/view/). */
export function resultUnit(r: AnalysisResult): ReleasedUnit {
  return {
    connections: r.connections,
    sessions: r.sessions,
    transfers: r.transfers,
    findings: r.findings.map((finding, i) => ({ finding, group: 0, subject: 0, seq: i })),
    roles: r.roles,
  };
}
