// Streaming analysis: each FTP session is diagnosed and handed on as soon as nothing in the
// capture can change it any more, then forgotten, so that memory follows the sessions and
// connections open at a time and not the length of the file.
//
// The unit of release is a session with its transfers and every connection they used (control
// connection, data connections and the retries toward a data endpoint); a connection outside any
// session is a unit of its own. A unit is final when the FTP stage has ended the session and the
// TCP engine has forgotten each of its connections (ended, and quiet for endedFlowSeconds, or
// pushed out of the table): only then could a late packet no longer change a fact. Supersedes
// (tcp-reset under upload-reset) only ever relate findings about one transfer or connection, so
// finalizing within the unit keeps exactly the findings a whole-capture pass keeps.

import type { Connection } from '../tcp/types.ts';
import type { FtpAnalyzer } from '../ftp/analyzer.ts';
import type { Session, Transfer } from '../ftp/types.ts';
import { Diagnosis, finalizeFindings, type DiagnoseInput, type RuleEvaluator } from '../diagnose/evaluate.ts';
import type { Finding } from '../diagnose/finding.ts';
import type { DecodeCounts } from '../diagnose/facts.ts';

/** Where a finding came from, so that released findings can be put back in the order a
 *  whole-capture pass gives (severity, first frame, then capture, connections, sessions,
 *  transfers by id, then the rules' order). */
export const SubjectGroup = { capture: 0, connection: 1, session: 2, transfer: 3 } as const;
export type SubjectGroup = (typeof SubjectGroup)[keyof typeof SubjectGroup];

export interface ReleasedFinding {
  finding: Finding;
  group: SubjectGroup;
  subject: number; // id of the connection, session or transfer diagnosed (0 for the capture)
  seq: number; //     position in that subject's list of findings
}

/** One released unit: its objects in id order and their findings. */
export interface ReleasedUnit {
  connections: Connection[];
  sessions: Session[];
  transfers: Transfer[];
  findings: ReleasedFinding[];
  /** Of its connections, those that were attempts to reach an FTP server (ftp/attempts.ts). */
  attempts?: number[];
}

export interface ReleaseContext {
  evaluator: RuleEvaluator;
  ftp: FtpAnalyzer;
  showPasswords: boolean;
  decode: DecodeCounts;
  /** Capture time of the latest TCP segment so far. */
  now(): number;
  sink(u: ReleasedUnit): void;
}

export class UnitReleaser {
  private readonly held = new Map<number, Connection>(); // forgotten connections awaiting their unit
  private readonly ended = new Set<number>(); //          sessions the FTP stage ended, not released
  /** Units released (sessions and lone connections), for tests and the progress of live. */
  released = 0;
  /** Most connections held at once: the memory bound the tests check. */
  maxHeld = 0;

  constructor(private readonly ctx: ReleaseContext) {}

  sessionEnded(s: Session): void {
    this.ended.add(s.id);
    this.tryRelease(s);
  }

  connectionForgotten(c: Connection): void {
    this.held.set(c.id, c);
    if (this.held.size > this.maxHeld) this.maxHeld = this.held.size;
    // an attempt to reach an FTP server waits for the session that may follow it (attemptDecided)
    if (this.ctx.ftp.holds(c.id)) return;
    const s = this.ctx.ftp.sessionOf(c.id);
    if (s !== null && this.ctx.ftp.session(s.id) === s) this.tryRelease(s);
    else this.releaseLone(c);
  }

  /** A held connection attempt is decided: released alone once the engine has forgotten it. */
  attemptDecided(c: Connection): void {
    if (this.held.has(c.id)) this.releaseLone(c);
  }

  /** End of the capture: every connection still live is final now; release everything. */
  finish(live: readonly Connection[]): void {
    for (const c of live) this.held.set(c.id, c);
    for (const s of this.ctx.ftp.sessions) {
      this.ended.add(s.id);
      this.tryRelease(s);
    }
    for (const c of [...this.held.values()].sort((a, b) => a.id - b.id)) this.releaseLone(c);
  }

  private releaseLone(c: Connection): void {
    if (!this.held.has(c.id)) return;
    this.held.delete(c.id);
    // a data connection whose control connection is not in the capture has a transfer of its own
    const lone = this.ctx.ftp.transferOf(c.id);
    const transfers = lone !== null && lone.session === null ? [lone] : [];
    const d = this.diagnosis([c], [], transfers);
    const tagged = tagFindings(d.connection(c), SubjectGroup.connection, c.id);
    for (const t of transfers) tagged.push(...tagFindings(d.transfer(t), SubjectGroup.transfer, t.id));
    const origin = new Map(tagged.map((r) => [r.finding, r] as const));
    const findings = finalizeFindings(tagged.map((r) => r.finding), this.ctx.evaluator.ruleSet).map((f) => origin.get(f)!);
    const attempts = this.ctx.ftp.attemptFacts.has(c.id) ? [c.id] : [];
    this.ctx.ftp.releaseConnection(c.id); // after the diagnosis, which reads what the FTP stage kept
    this.released++;
    this.ctx.sink({ connections: [c], sessions: [], transfers, findings, attempts });
  }

  private tryRelease(s: Session): void {
    if (!this.ended.has(s.id)) return;
    const ids = this.ctx.ftp.connectionsOf(s);
    if (!ids.every((id) => this.held.has(id))) return;
    const connections = ids.map((id) => this.held.get(id)!).sort((a, b) => a.id - b.id);
    const transfers: Transfer[] = [];
    for (const id of s.transfers) {
      const t = this.ctx.ftp.transfer(id);
      if (t) transfers.push(t);
    }
    const d = this.diagnosis(connections, [s], transfers);
    // per subject, in the order a whole-capture pass evaluates them; supersedes within the unit
    const tagged: ReleasedFinding[] = [];
    for (const c of connections) tagged.push(...tagFindings(d.connection(c), SubjectGroup.connection, c.id));
    tagged.push(...tagFindings(d.session(s), SubjectGroup.session, s.id));
    for (const t of transfers) tagged.push(...tagFindings(d.transfer(t), SubjectGroup.transfer, t.id));
    const origin = new Map(tagged.map((r) => [r.finding, r] as const));
    const kept = finalizeFindings(tagged.map((r) => r.finding), this.ctx.evaluator.ruleSet);
    for (const c of connections) this.held.delete(c.id);
    this.ended.delete(s.id);
    this.ctx.ftp.release(s);
    this.released++;
    this.ctx.sink({ connections, sessions: [s], transfers, findings: kept.map((f) => origin.get(f)!) });
  }

  private diagnosis(connections: Connection[], sessions: Session[], transfers: Transfer[]): Diagnosis {
    const input: DiagnoseInput = {
      connections,
      sessions,
      transfers,
      showPasswords: this.ctx.showPasswords,
      capture: null,
      decode: this.ctx.decode,
      captureEnd: this.ctx.now(),
      attempts: this.ctx.ftp.attemptFacts,
    };
    return new Diagnosis(this.ctx.evaluator, input);
  }
}

/** Findings of one subject, with where they came from. */
export function tagFindings(findings: Finding[], group: SubjectGroup, subject: number): ReleasedFinding[] {
  return findings.map((finding, seq) => ({ finding, group, subject, seq }));
}
