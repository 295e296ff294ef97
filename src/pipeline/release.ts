// The one driver of diagnosis: each FTP session is diagnosed and handed on as soon as nothing in
// the capture can change it any more, then forgotten, so that memory follows the sessions and
// connections open at a time and not the length of the file. Every command consumes what this
// releases: `analyze` streams it into its reports, a whole-capture result (regress, --html, log,
// ladder) is these units put together (result.ts), and `live` also asks for a provisional
// diagnosis of a subject as soon as the FTP stage has settled it, to print findings early.
//
// The unit of release is a session with its transfers and every connection they used (control
// connection, data connections and the retries toward a data endpoint); a connection outside any
// session is a unit of its own. A unit is final when the FTP stage has ended the session and the
// TCP engine has forgotten each of its connections (ended, and quiet for endedFlowSeconds, or
// pushed out of the table): only then could a late packet no longer change a fact. Supersedes
// (tcp-reset under upload-reset) only ever relate findings about one transfer or connection, so
// finalizing within the unit keeps exactly the findings a whole-capture pass keeps. Within a
// session's unit each transfer is diagnosed with the connections tried for it and their facts are
// dropped at once (diagnoseSession). A long session (more than PARTS_AFTER transfers) also hands
// its unit out in parts: a settled transfer whose connections the engine has forgotten is
// diagnosed and handed on with them, and forgotten (tryPart says when the result is the same);
// the rules that read the session's or its control connection's final state run over what it
// kept of its facts when the session ends (diagnose/late-rules.ts), and the session's facts read
// what it kept of the transfer itself (TransferSummary). The reports order what they take by id
// and finding order, so a part is one more unit to them.

import type { CaptureSummary } from '../capture/frame.ts';
import type { Connection } from '../tcp/types.ts';
import type { FtpAnalyzer } from '../ftp/analyzer.ts';
import type { ConnectionRole, Session, Transfer } from '../ftp/types.ts';
import { Diagnosis, finalizeFindings, hasAll, supersedeRelated, type DiagnoseInput, type LateRecord, type RuleEvaluator } from '../diagnose/evaluate.ts';
import { severityRank, type Finding } from '../diagnose/finding.ts';
import type { DecodeCounts } from '../diagnose/facts.ts';
import { LateColumns, SummaryColumns } from '../diagnose/released.ts';
import { lateRules, type LateRules } from '../diagnose/late-rules.ts';
import type { Rule } from '../diagnose/rule-types.ts';

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

/** One released unit: its objects in id order, what the FTP stage made of each connection, and
 *  the findings about them. */
export interface ReleasedUnit {
  connections: Connection[];
  sessions: Session[];
  transfers: Transfer[];
  findings: ReleasedFinding[];
  roles: ReadonlyMap<number, ConnectionRole>; // by Connection.id, for each of `connections`
}

/** The order of a released finding in the report: severity (worst first), first frame (none
 *  last), then subject group, subject id and position (sortFindings' order). */
export function findingSortKey(r: ReleasedFinding): number[] {
  return [severityRank[r.finding.severity], r.finding.frames[0] ?? Infinity, r.group, r.subject, r.seq];
}

/** What a provisional finding or transfer is about: the subjects diagnosed with it (its
 *  connections with their roles, its session, its transfers), so that an output can say where and
 *  when it happened without asking the pipeline again. */
export type ProvisionalContext = Omit<ReleasedUnit, 'findings'>;

/** Findings of a live source as soon as their subject is settled, before its unit is released
 *  (`live`). Each finding is told once; the unit's final diagnosis tells the ones it adds. */
export interface ProvisionalSink {
  finding(f: Finding, about: ProvisionalContext): void;
  /** A transfer the FTP stage settled (its facts and outcome are final). */
  transfer?(t: Transfer, about: ProvisionalContext): void;
}

export interface ReleaseContext {
  evaluator: RuleEvaluator;
  ftp: FtpAnalyzer;
  showPasswords: boolean;
  decode: DecodeCounts;
  /** Capture time of the latest TCP segment so far. */
  now(): number;
  sink(u: ReleasedUnit): void;
  provisional?: ProvisionalSink;
  /** Never release a session's unit in parts (AnalysisOptions.wholeSessions). */
  wholeSessions?: boolean;
}

/** Transfers released as parts together: one diagnosis and one unit for them. */
const PART_BATCH = 32;

/** Transfers a session has had before it releases them in parts: a short session goes whole (one
 *  diagnosis, one unit), a longer one hands out each later transfer as it can (tryPart). */
export const PARTS_AFTER = 64;

/** What a session whose transfers went out in parts keeps of them until it ends. */
interface SessionParts {
  summaries: SummaryColumns; // by Transfer.id: what its facts read (TransferSummary)
  late: LateColumns; //       what its late rules read, in transfer order
}

/** Key of a finding, to tell each one once across provisional and final diagnoses. */
const findingKey = (f: Finding) => `${f.id}|${f.connection}|${f.session}|${f.transfer}|${f.frames[0] ?? 0}`;

export class UnitReleaser {
  private readonly held = new Map<number, Connection>(); // forgotten connections awaiting their unit
  private readonly ended = new Set<number>(); //          sessions the FTP stage ended, not released
  private readonly told = new Set<string>(); //           findings given to the provisional sink
  /** Units released (sessions and lone connections), for tests and the progress of live. */
  released = 0;
  /** Most connections held at once: the memory bound the tests check. */
  maxHeld = 0;
  /** Most connection and transfer facts held at once while a session was diagnosed (the same
   *  bound for its diagnosis). */
  maxFacts = 0;
  /** Parts of sessions' units released before their session ended (each a batch of transfers). */
  parts = 0;
  private readonly partsOf = new Map<number, SessionParts>(); // by Session.id
  private readonly releasedTransfers = new Map<number, SummaryColumns>();
  private readonly waiting = new Map<number, Transfer[]>(); // by Session.id: settled, its command the last so far
  private readonly batches = new Map<number, Map<number, { t: Transfer; conns: readonly Connection[]; control: Connection }>>(); // by Session.id: ready, by Transfer.id

  constructor(private readonly ctx: ReleaseContext) {}

  sessionEnded(s: Session): void {
    this.ended.add(s.id);
    if (this.ctx.provisional) this.provisionalSession(s);
    this.tryRelease(s);
  }

  connectionForgotten(c: Connection): void {
    this.held.set(c.id, c);
    if (this.held.size > this.maxHeld) this.maxHeld = this.held.size;
    // an attempt to reach an FTP server waits for the session that may follow it (attemptDecided)
    if (this.ctx.ftp.holds(c.id)) return;
    const s = this.ctx.ftp.sessionOf(c.id);
    if (s !== null && this.ctx.ftp.session(s.id) === s) {
      if (!this.ended.has(s.id)) {
        const t = this.ctx.ftp.transferOf(c.id);
        if (t !== null && t.session === s.id) this.tryPart(s, t);
      }
      this.tryRelease(s);
    } else this.releaseLone(c);
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

  /** The capture's own findings and the clients' (logins across sessions), last. */
  finishCapture(summary: CaptureSummary, totals: { connections: number; sessions: number; transfers: number }): void {
    const logins = this.ctx.ftp.logins;
    const input: DiagnoseInput = { connections: [], sessions: [], transfers: [], roles: new Map(), showPasswords: this.ctx.showPasswords, capture: summary, decode: this.ctx.decode, totals, logins };
    const d = new Diagnosis(this.ctx.evaluator, input);
    const found = finalizeFindings([...d.capture(summary, totals.connections), ...d.clients()], this.ctx.evaluator.ruleSet);
    this.hand({ connections: [], sessions: [], transfers: [], findings: tagFindings(found, SubjectGroup.capture, 0), roles: new Map() });
  }

  private hand(u: ReleasedUnit, part = false): void {
    if (part) this.parts++;
    else this.released++;
    if (this.ctx.provisional) this.tell(u.findings.map((r) => r.finding), u);
    this.ctx.sink(u);
  }

  private releaseLone(c: Connection): void {
    if (!this.held.has(c.id)) return;
    this.held.delete(c.id);
    // a data connection whose control connection is not in the capture has a transfer of its own
    const lone = this.ctx.ftp.transferOf(c.id);
    const transfers = lone !== null && lone.session === null ? [lone] : [];
    const roles = this.roles([c]);
    const d = this.diagnosis([c], [], transfers, roles);
    const tagged = tagFindings(d.connection(c), SubjectGroup.connection, c.id);
    for (const t of transfers) tagged.push(...tagFindings(d.transfer(t), SubjectGroup.transfer, t.id));
    const findings = this.finalize(tagged);
    this.ctx.ftp.releaseConnection(c.id); // after the diagnosis, which reads what the FTP stage kept
    this.hand({ connections: [c], sessions: [], transfers, findings, roles });
  }

  private tryRelease(s: Session): void {
    if (!this.ended.has(s.id)) return;
    const ids = this.ctx.ftp.connectionsOf(s);
    if (!ids.every((id) => this.held.has(id))) return;
    const connections = ids.map((id) => this.held.get(id)!).sort((a, b) => a.id - b.id);
    const transfers = this.transfersOf(s);
    const roles = this.roles(connections);
    const findings = this.finalize(this.diagnoseSession(s, connections, transfers, roles));
    for (const c of connections) this.held.delete(c.id);
    this.ended.delete(s.id);
    this.partsOf.delete(s.id);
    this.releasedTransfers.delete(s.id);
    this.waiting.delete(s.id);
    this.batches.delete(s.id);
    this.ctx.ftp.release(s);
    this.hand({ connections, sessions: [s], transfers, findings, roles });
  }

  /** The findings of a session's unit, per subject, in the order a whole-capture pass lists them
   *  (connections, the session, transfers, each by id). Each transfer is diagnosed with the
   *  connections tried for it and their facts are dropped at once, so that a session of 10^5
   *  transfers holds the facts of one transfer at a time besides its session's. */
  private diagnoseSession(s: Session, connections: Connection[], transfers: Transfer[], roles: ReadonlyMap<number, ConnectionRole>): ReleasedFinding[] {
    const d = this.diagnosis(connections, [s], transfers, roles);
    const byId = new Map(connections.map((c) => [c.id, c] as const));
    const ofConnection = new Map<number, ReleasedFinding[]>();
    const judge = (c: Connection) => ofConnection.set(c.id, tagFindings(d.connection(c), SubjectGroup.connection, c.id));
    const ofSession = tagFindings(d.session(s), SubjectGroup.session, s.id);
    const ofTransfers: ReleasedFinding[] = [];
    for (const t of transfers) {
      const tried = t.dataConnection === null ? t.dataCandidates : [...t.dataCandidates, t.dataConnection];
      const mine: number[] = [];
      for (const id of tried) {
        const c = byId.get(id);
        if (!c || id === s.control || ofConnection.has(id)) continue;
        judge(c);
        mine.push(id);
      }
      ofTransfers.push(...tagFindings(d.transfer(t), SubjectGroup.transfer, t.id));
      if (d.facts.heldFacts > this.maxFacts) this.maxFacts = d.facts.heldFacts;
      d.facts.forget(mine, t.id);
    }
    for (const c of connections) if (!ofConnection.has(c.id)) judge(c);
    // the late rules of the transfers released before the session ended, over what they kept
    const parts = this.partsOf.get(s.id);
    if (parts) {
      const late = lateRules(this.ctx.evaluator.ruleSet);
      for (const r of parts.late) {
        const rules: Rule[] = [];
        const found = d.lateTransfer(r, s, rules);
        found.forEach((finding, i) => ofTransfers.push({ finding, group: SubjectGroup.transfer, subject: r.transfer, seq: late.index.get(rules[i]!)! }));
      }
    }
    const tagged: ReleasedFinding[] = [];
    for (const c of connections) tagged.push(...ofConnection.get(c.id)!);
    tagged.push(...ofSession, ...ofTransfers);
    return tagged;
  }

  /**
   * Releases a settled transfer of a session not ended, with the connections tried for it, as a
   * part of the session's unit, and forgets them: a session of 10^5 transfers then holds the
   * transfers not yet settled, not all of them. Only when the result is the one the session's
   * own pass gives: each connection forgotten and tried for this transfer alone (its facts final),
   * none of them one a connection rule reading `s` may hold for, the transfer's command followed
   * by another and its frame no later transfer's (its `cmd` fact), no announcement to another
   * address (the session's mismatches read its connections), no TLS (the session's TLS lines
   * list it), and no finding of a rule that supersedes or is superseded (those are judged with the
   * whole unit). Its transfer rules that read `s` or `c` run when the session ends, over the
   * fields of its facts they read (late-rules.ts).
   */
  private tryPart(s: Session, t: Transfer): void {
    if (this.ctx.provisional || this.ctx.wholeSessions || s.transfers.length <= PARTS_AFTER) return;
    // transfers whose command was the session's last when they were tried: tried again
    const waiting = this.waiting.get(s.id);
    if (waiting) {
      this.waiting.delete(s.id);
      for (const w of waiting) if (w !== t) this.tryPart(s, w);
    }
    if (t.finalReply === null || t.tlsData !== null || t.announcement?.mismatch === true || t.commandIndex === null) return;
    // a command past the session's bound on kept commands has no fact (`cmd` is null either way)
    if (t.commandIndex < s.commands.length) {
      const cmd = s.commands[t.commandIndex]!;
      if (cmd.frame !== t.commandFrame) return;
      if (t.commandIndex === s.commands.length - 1) {
        const list = this.waiting.get(s.id);
        if (!list) this.waiting.set(s.id, [t]);
        else if (list.length < PARTS_AFTER && !list.includes(t)) list.push(t);
        return;
      }
      // pipelined transfer commands in one frame: the session's pass names the last transfer of
      // that frame in the command's fact, which the next transfer may not have yet
      if (s.commands[t.commandIndex + 1]?.frame === t.commandFrame) return;
      const at = s.transfers.indexOf(t.id, Math.max(0, s.transfers.length - 256));
      if (at < 0) return;
      const next = at + 1 < s.transfers.length ? this.ctx.ftp.transfer(s.transfers[at + 1]!) : undefined;
      if (next !== undefined && next.commandFrame === t.commandFrame) return;
    }
    const part = this.ctx.ftp.partOf(t);
    if (!part) return;
    for (const c of part.conns) {
      if (!this.held.has(c.id)) return;
      // a connection's idleAtEnd reads the capture's end when it neither closed nor idled out
      if (c.closeKind === null && c.idleEndedAt === null) return;
    }
    let batch = this.batches.get(s.id);
    if (!batch) this.batches.set(s.id, (batch = new Map()));
    batch.set(t.id, { t, conns: part.conns, control: part.control });
    if (batch.size >= PART_BATCH) this.releaseParts(s, batch);
  }

  /** Releases a batch of transfers tryPart found ready (one diagnosis and one unit for the batch:
   *  a diagnosis and a unit per transfer cost more than the transfer's own diagnosis). */
  private releaseParts(s: Session, batch: Map<number, { t: Transfer; conns: readonly Connection[]; control: Connection }>): void {
    this.batches.delete(s.id);
    const items = [...batch.values()];
    const all = [items[0]!.control, ...items.flatMap((x) => x.conns)].sort((a, b) => a.id - b.id);
    const d = this.diagnosis(all, [s], items.map((x) => x.t), this.roles(all));
    const late = lateRules(this.ctx.evaluator.ruleSet);
    // a finding of a rule in a supersedes relation may hide or be hidden by one of another subject
    // of the unit (finalizeFindings judges the unit at once): its transfer waits for the session
    const superseding = supersedeRelated(this.ctx.evaluator.ruleSet);
    const connections: Connection[] = [];
    const transfers: Transfer[] = [];
    const findings: ReleasedFinding[] = [];
    let parts = this.partsOf.get(s.id);
    for (const { t, conns } of items) {
      const ids = conns.map((c) => c.id);
      const mark = this.ctx.evaluator.errorMark();
      const mine = this.partFindings(d, t, conns, late);
      d.facts.forget(ids, t.id);
      if (!mine || mine.findings.some((r) => superseding.has(r.finding.id))) {
        // kept for the session's pass, which evaluates its rules again: a rule that failed on it
        // is counted there, once
        this.ctx.evaluator.rollBackErrors(mark);
        continue;
      }
      if (!parts) {
        this.partsOf.set(s.id, (parts = { summaries: new SummaryColumns(), late: new LateColumns() }));
        this.releasedTransfers.set(s.id, parts.summaries);
      }
      parts.summaries.add(t);
      if (mine.record) parts.late.add(mine.record);
      for (const c of conns) this.held.delete(c.id);
      this.ctx.ftp.releasePart(t);
      connections.push(...conns);
      transfers.push(t);
      findings.push(...mine.findings);
    }
    if (transfers.length === 0) return;
    connections.sort((a, b) => a.id - b.id);
    this.hand({ connections, sessions: [], transfers, findings: this.finalize(findings), roles: this.roles(connections) }, true);
  }

  /** A transfer's findings and those of its connections when it goes out before its session ends,
   *  with what its late rules keep; null when a connection rule reading `s` may hold for one. */
  private partFindings(d: Diagnosis, t: Transfer, conns: readonly Connection[], late: LateRules): { findings: ReleasedFinding[]; record: LateRecord | null } | null {
    for (const c of conns) {
      const have = d.facts.connectionPresence(c);
      if (late.connection.some((r) => hasAll(have, r.requires))) return null;
    }
    const findings: ReleasedFinding[] = [];
    for (const c of [...conns].sort((a, b) => a.id - b.id)) findings.push(...tagFindings(d.connection(c, true), SubjectGroup.connection, c.id));
    const mine = d.transferPart(t, late);
    if (!mine) return null;
    mine.findings.forEach((finding, i) => findings.push({ finding, group: SubjectGroup.transfer, subject: t.id, seq: late.index.get(mine.rules[i]!)! }));
    return { findings, record: mine.record };
  }

  private transfersOf(s: Session): Transfer[] {
    const out: Transfer[] = [];
    for (const id of s.transfers) {
      const t = this.ctx.ftp.transfer(id);
      if (t) out.push(t);
    }
    return out;
  }

  /** The unit's findings after supersedes, each with where it came from. */
  private finalize(tagged: ReleasedFinding[]): ReleasedFinding[] {
    const origin = new Map(tagged.map((r) => [r.finding, r] as const));
    return finalizeFindings(tagged.map((r) => r.finding), this.ctx.evaluator.ruleSet).map((f) => origin.get(f)!);
  }

  private roles(connections: readonly Connection[]): Map<number, ConnectionRole> {
    return new Map(connections.map((c) => [c.id, this.ctx.ftp.roleOf(c)] as const));
  }

  private diagnosis(connections: Connection[], sessions: Session[], transfers: Transfer[], roles: ReadonlyMap<number, ConnectionRole>): Diagnosis {
    const input: DiagnoseInput = {
      connections,
      sessions,
      transfers,
      roles,
      showPasswords: this.ctx.showPasswords,
      capture: null,
      decode: this.ctx.decode,
      captureEnd: this.ctx.now(),
      attempts: this.ctx.ftp.attemptFacts,
      reuseCommandFacts: this.ctx.provisional !== undefined,
      releasedTransfers: this.releasedTransfers,
    };
    return new Diagnosis(this.ctx.evaluator, input);
  }

  // ---- provisional diagnosis (live) ---------------------------------------------------------

  private tell(findings: readonly Finding[], about: ProvisionalContext): void {
    for (const f of findings) {
      const key = findingKey(f);
      if (this.told.has(key)) continue;
      this.told.add(key);
      this.ctx.provisional!.finding(f, about);
    }
  }

  /** A batch of subjects diagnosed together (supersedes among them apply) and told. */
  private provisionalBatch(connections: Connection[], sessions: Session[], transfers: Transfer[]): ProvisionalContext {
    const roles = this.roles(connections);
    const d = this.diagnosis(connections, sessions, transfers, roles);
    const out: Finding[] = [];
    for (const c of connections) out.push(...d.connection(c));
    for (const s of sessions) out.push(...d.session(s));
    for (const t of transfers) out.push(...d.transfer(t));
    const about = { connections, sessions, transfers, roles };
    this.tell(finalizeFindings(out, this.ctx.evaluator.ruleSet), about);
    return about;
  }

  /** A transfer of a session was settled: it is diagnosed with its data connection if that has
   *  ended (a lone data connection's transfer is diagnosed and told with it: connectionEnded). */
  transferDone(t: Transfer): void {
    const p = this.ctx.provisional;
    if (!p) {
      const s = t.session === null ? undefined : this.ctx.ftp.session(t.session);
      if (s && !this.ended.has(s.id)) this.tryPart(s, t);
      return;
    }
    const s = t.session === null ? undefined : this.ctx.ftp.session(t.session);
    if (!s) return;
    const control = this.ctx.ftp.connectionOf(s, s.control);
    const data = t.dataConnection === null ? null : this.ctx.ftp.connectionOf(s, t.dataConnection);
    const conns = [control, data].filter((c): c is Connection => c !== null);
    const roles = this.roles(conns);
    const judged = conns.filter((c) => c !== data || c.ended);
    const d = this.diagnosis(judged, [s], [t], roles);
    const out = d.transfer(t);
    if (data?.ended) out.push(...d.connection(data));
    const about = { connections: conns, sessions: [s], transfers: [t], roles };
    this.tell(finalizeFindings(out, this.ctx.evaluator.ruleSet), about);
    p.transfer?.(t, about);
  }

  /** A connection outside any session ended (an attempt once decided; a lone data connection
   *  with its transfer): diagnosed now. */
  connectionEnded(c: Connection): void {
    if (!this.ctx.provisional || this.ctx.ftp.holds(c.id)) return;
    const role = this.ctx.ftp.roleOf(c);
    const lone = this.ctx.ftp.transferOf(c.id);
    if (lone !== null && lone.session === null) {
      const about = this.provisionalBatch([c], [], [lone]);
      this.ctx.provisional.transfer?.(lone, about);
    } else if (role === 'other' || role === 'attempt') this.provisionalBatch([c], [], []);
  }

  /** A session ended, its transfers all settled: diagnosed with its connections that ended. */
  private provisionalSession(s: Session): void {
    const conns = this.ctx.ftp
      .connectionsOf(s)
      .map((id) => this.ctx.ftp.connectionOf(s, id))
      .filter((c): c is Connection => c !== null && c.ended);
    this.provisionalBatch(conns.sort((a, b) => a.id - b.id), [s], this.transfersOf(s));
  }
}

/** Findings of one subject, with where they came from. */
export function tagFindings(findings: Finding[], group: SubjectGroup, subject: number): ReleasedFinding[] {
  return findings.map((finding, seq) => ({ finding, group, subject, seq }));
}
