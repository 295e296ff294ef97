// The one pipeline every command uses: frames in (from a file, or later from a live capture or a
// regression run), decode → TCP → FTP → diagnosis, an AnalysisResult out.
//
// Findings can be had early: with `onFinding`, each subject is diagnosed as soon as it is final
// (a connection that belongs to no FTP session when it closes, a transfer when the FTP stage
// settles it, a session when it ends). finish() diagnoses the rest and returns the complete,
// de-duplicated list, which is authoritative: an early finding may still be superseded there
// (e.g. a tcp-reset on a data connection by an upload-reset found later).

import { CaptureError, linkTypeName, type CaptureSummary, type Frame } from '../capture/frame.ts';
import type { ReadOptions } from '../capture/read.ts';
import { readCaptures } from '../capture/merge.ts';
import { RepeatFilter, type RepeatPolicy } from '../capture/repeats.ts';
import { PacketDecoder, supportsLinkType, type DecoderOptions } from '../decode/decoder.ts';
import type { DecodedPacket } from '../decode/packet.ts';
import { TcpEngine } from '../tcp/engine.ts';
import type { Connection, TcpEngineOptions } from '../tcp/types.ts';
import { FtpAnalyzer, type ConnectionRole } from '../ftp/analyzer.ts';
import { ftpTlsContext } from '../ftp/tls-channel.ts';
import type { KeyLog } from '../tls/keylog.ts';
import type { ControlLimits } from '../ftp/session.ts';
import type { Session, Transfer } from '../ftp/types.ts';
import { Diagnosis, finalizeFindings, RuleEvaluator, type DiagnoseInput } from '../diagnose/evaluate.ts';
import type { Finding } from '../diagnose/finding.ts';
import type { RuleSet } from '../diagnose/rule-types.ts';
import type { AnalysisResult, DecodeSummary } from './result.ts';
import { SubjectGroup, tagFindings, UnitReleaser, type ReleasedUnit } from './release.ts';

export type { AnalysisResult } from './result.ts';

export interface AnalysisOptions {
  rules: RuleSet;
  showPasswords?: boolean;
  onFinding?(f: Finding): void;
  /** Called once per transfer when the FTP stage settles it (its facts and outcome are final),
   *  after its early findings; live capture streams it. */
  onTransfer?(t: Transfer): void;
  /** Capture name for errors raised here (unsupported link type); default '-'. */
  file?: string;
  tcp?: Partial<TcpEngineOptions>;
  /** FTP control-channel bounds: line length, commands awaiting replies. */
  ftp?: Partial<ControlLimits>;
  /** Decoder settings: UDP ports of tunnels beyond the default ones (--decode-as). */
  decode?: DecoderOptions;
  /**
   * Streaming: each session (with its transfers and connections) and each connection outside
   * any session is diagnosed as soon as it is final, handed here, and forgotten; finish() hands
   * the rest and the capture's own findings, and returns a result with empty lists and the
   * totals in `released`. Memory then follows what is open at a time, not the file length.
   * Not combined with onFinding/onTransfer.
   */
  release?(u: ReleasedUnit): void;
  /** How copies of frames are recognised (capture/repeats.ts); default: by their bytes. */
  repeats?: Partial<RepeatPolicy>;
  /** FTPS: an NSS key log (--keylog) to decrypt TLS control and data connections with. */
  keyLog?: KeyLog | null;
}

/** The resource bounds of an analysis (untrusted input: every table and buffer is capped; hitting
 *  a cap is reported as a finding). Plain data, so it crosses to worker threads. */
export type AnalysisLimits = Pick<AnalysisOptions, 'tcp' | 'ftp'>;

const DIRECTION_SLOTS = 1 << 16;

/** Slot of a TCP packet's direction in Analysis.lastFrom; `reverse`: of the opposite direction. */
function directionSlot(p: DecodedPacket, reverse: boolean): number {
  const d = p.data;
  const n = p.addrLength;
  let h = reverse ? Math.imul(p.dstPort + 1, 0x9e3779b1) ^ p.srcPort : Math.imul(p.srcPort + 1, 0x9e3779b1) ^ p.dstPort;
  const [a, b] = reverse ? [p.addrOffsetDst, p.addrOffsetSrc] : [p.addrOffsetSrc, p.addrOffsetDst];
  for (let i = 0; i < n; i++) h = Math.imul(h ^ d[a + i]!, 0x01000193);
  for (let i = 0; i < n; i++) h = Math.imul(h + d[b + i]!, 0x5bd1e995) ^ (h >>> 15);
  return (h ^ (h >>> 16)) & (DIRECTION_SLOTS - 1);
}

/** Key of a finding, to emit each one once across early and final passes. */
const findingKey = (f: Finding) => `${f.id}|${f.connection}|${f.session}|${f.transfer}|${f.frames[0] ?? 0}`;

export class Analysis {
  private readonly decoder: PacketDecoder;
  private readonly repeats: RepeatFilter;
  private peekDecoder: PacketDecoder | null = null; // answerLike()'s
  /** Last frame sent in each direction of a TCP flow, by a hash of (source, destination): a
   *  shared slot only makes answerLike() see traffic where there was none, keeping a frame. */
  private readonly lastFrom = new Int32Array(DIRECTION_SLOTS);
  private readonly ftp: FtpAnalyzer;
  private readonly engine: TcpEngine;
  private readonly evaluator: RuleEvaluator;
  private readonly showPasswords: boolean;
  private readonly checkedLinkTypes = new Set<number>();
  private readonly linkTypes: number[] = []; //         in order of first appearance
  private frames = 0; //                                frames passed to frame()
  private lastOffset = 0; //                            byte offset of the last frame
  // early diagnosis (only with onFinding)
  private readonly early: Finding[] = []; //          findings emitted early, in order
  private supersededBy: Map<string, string[]> | null = null; // rule id → ids of rules superseding it
  private readonly emitted = new Set<string>();
  private readonly doneConnections = new Set<number>(); // connections diagnosed
  private readonly doneTransfers = new Set<number>();
  private readonly doneSessions = new Set<number>();
  private readonly endedConnections = new Set<number>();
  private finished: AnalysisResult | null = null;
  private readonly releaser: UnitReleaser | null = null;
  private lastTcpTime = 0; //                          capture time of the latest TCP segment

  constructor(private readonly opts: AnalysisOptions) {
    this.showPasswords = opts.showPasswords ?? false;
    this.decoder = new PacketDecoder(opts.decode);
    this.evaluator = new RuleEvaluator(opts.rules);
    this.repeats = new RepeatFilter({ answerLike: (f, original) => this.answerLike(f, original), ...opts.repeats });
    const early = opts.onFinding !== undefined || opts.onTransfer !== undefined;
    if (opts.release && early) throw new Error('Analysis: release cannot be combined with onFinding/onTransfer');
    this.ftp = new FtpAnalyzer(
      opts.release
        ? {
            sessionEnded: (s) => this.releaser!.sessionEnded(s),
            connectionForgotten: (c) => this.releaser!.connectionForgotten(c),
            attemptDecided: (c) => this.releaser!.attemptDecided(c),
          }
        : early
          ? {
              connectionEnded: (c, role) => this.connectionEnded(c, role),
              transferDone: (t) => this.transferDone(t),
              sessionEnded: (s) => this.sessionEnded(s),
            }
          : {},
      opts.ftp,
      ftpTlsContext(opts.keyLog ?? null),
    );
    this.engine = new TcpEngine(this.ftp, opts.release ? { ...opts.tcp, keepConnections: false } : opts.tcp);
    if (opts.release) {
      this.releaser = new UnitReleaser({
        evaluator: this.evaluator,
        ftp: this.ftp,
        showPasswords: this.showPasswords,
        decode: this.decoder.counters,
        now: () => this.lastTcpTime,
        sink: opts.release,
      });
    }
  }

  /** A frame its sender may send again identical at once: a TCP segment without payload (the RST
   *  or ACK a stack sends for each incoming segment) when its peer sent something since frame
   *  `original`, or its sender did (a stack that writes one IP ID into every packet reopens a
   *  zero window with the very ACK it sent before closing it). Looked at with a decoder of its
   *  own, whose state is not the analysis'; called only for a frame identical to a recent one. */
  private answerLike(f: Frame, original: number): boolean {
    const peek = (this.peekDecoder ??= new PacketDecoder(this.opts.decode));
    if (peek.decode(f) !== 'tcp' || peek.packet.segmentLength !== 0) return false;
    return this.lastFrom[directionSlot(peek.packet, true)]! > original || this.lastFrom[directionSlot(peek.packet, false)]! > original;
  }

  /** The streaming analysis' bookkeeping (release mode), for tests. */
  get releaseStats(): { released: number; maxHeld: number; liveSessions: number; liveConnections: number } | null {
    if (!this.releaser) return null;
    return { released: this.releaser.released, maxHeld: this.releaser.maxHeld, liveSessions: this.ftp.liveSessionCount, liveConnections: this.engine.connections.length };
  }

  /** One captured frame: decode → TCP → FTP. Throws CaptureError for a link type without a
   *  decoder (the capture cannot be analysed further). */
  frame(f: Frame): void {
    if (!this.checkedLinkTypes.has(f.linkType)) {
      this.checkedLinkTypes.add(f.linkType);
      if (!supportsLinkType(f.linkType)) {
        const name = linkTypeName[f.linkType] ?? 'unknown';
        throw new CaptureError(this.opts.file ?? '-', f.offset, `unsupported link type ${f.linkType} (${name})`, 'unsupported-link-type');
      }
      this.linkTypes.push(f.linkType);
    }
    this.frames++;
    this.lastOffset = f.offset;
    // a copy of a frame already analysed keeps its number but is not analysed twice
    if (this.repeats.check(f)) return;
    if (this.decoder.decode(f) === 'tcp') {
      const p = this.decoder.packet;
      if (p.time > this.lastTcpTime) this.lastTcpTime = p.time;
      this.lastFrom[directionSlot(p, false)] = p.frame;
      this.engine.packet(p);
    }
  }

  /** A live source's clock: capture time has reached `now` (s since 1970) without a frame, so
   *  connections closed long enough ago end and their findings come out (onFinding) without
   *  waiting for the next frame. No frame older than `now` may follow. */
  advance(now: number): void {
    if (this.finished === null) this.engine.advance(now);
  }

  get framesSeen(): number {
    return this.frames;
  }

  // ---- early diagnosis ---------------------------------------------------------------------

  private input(capture: CaptureSummary | null): DiagnoseInput {
    return {
      connections: this.engine.connections,
      sessions: this.ftp.sessions,
      transfers: this.ftp.transfers,
      showPasswords: this.showPasswords,
      capture,
      decode: this.decoder.counters,
      attempts: this.ftp.attemptFacts,
    };
  }

  /** Whether an early finding already emitted supersedes `f` (an upload-reset emitted with its
   *  transfer hides the file-unavailable its session yields later), as the final pass would. */
  private hiddenByEarlier(f: Finding): boolean {
    if (this.supersededBy === null) {
      this.supersededBy = new Map();
      for (const r of this.opts.rules.rules) {
        for (const id of r.supersedes) this.supersededBy.set(id, [...(this.supersededBy.get(id) ?? []), r.id]);
      }
    }
    const by = this.supersededBy.get(f.id);
    if (by === undefined) return false;
    const candidates = this.early.filter((e) => by.includes(e.id));
    return candidates.length > 0 && !finalizeFindings([...candidates, f], this.opts.rules).includes(f);
  }

  private emit(findings: Finding[]): void {
    const kept = finalizeFindings(findings, this.opts.rules);
    for (const f of kept) {
      if (this.hiddenByEarlier(f)) continue;
      this.early.push(f);
      const key = findingKey(f);
      if (this.emitted.has(key)) continue;
      this.emitted.add(key);
      this.opts.onFinding?.(f);
    }
  }

  private connectionEnded(c: Connection, role: ConnectionRole): void {
    this.endedConnections.add(c.id);
    if (role !== 'other' || this.doneConnections.has(c.id)) {
      // a data connection whose transfer is already settled is diagnosed with it now
      const t = role === 'data' ? this.ftp.transferOf(c.id) : null;
      if (t && this.doneTransfers.has(t.id) && !this.doneConnections.has(c.id)) {
        this.doneConnections.add(c.id);
        this.emit(new Diagnosis(this.evaluator, this.input(null)).connection(c));
      }
      return;
    }
    this.doneConnections.add(c.id);
    this.emit(new Diagnosis(this.evaluator, this.input(null)).connection(c));
  }

  private transferDone(t: Transfer): void {
    if (this.doneTransfers.has(t.id)) return;
    this.doneTransfers.add(t.id);
    const d = new Diagnosis(this.evaluator, this.input(null));
    const out = d.transfer(t);
    const dataId = t.dataConnection;
    // the FTP stage settles a transfer from the data connection's end before it reports that end
    // (connectionEnded): the engine's flag already says it, so both are diagnosed in one batch
    // and the batch's supersedes apply (tcp-reset under upload-reset)
    const dataEnded = dataId !== null && (this.endedConnections.has(dataId) || this.engine.connections[dataId]?.ended === true);
    if (dataId !== null && dataEnded && !this.doneConnections.has(dataId)) {
      const conn = d.facts.connection(dataId);
      if (conn) {
        this.doneConnections.add(dataId);
        out.push(...d.connection(conn));
      }
    }
    this.emit(out);
    this.opts.onTransfer?.(t);
  }

  private sessionEnded(s: Session): void {
    if (this.doneSessions.has(s.id)) return;
    this.doneSessions.add(s.id);
    const d = new Diagnosis(this.evaluator, this.input(null));
    const out = d.session(s);
    const conn = d.facts.connection(s.control);
    if (conn && !this.doneConnections.has(conn.id)) {
      this.doneConnections.add(conn.id);
      out.push(...d.connection(conn));
    }
    this.emit(out);
  }

  // ---- end ----------------------------------------------------------------------------------

  /** Ends the analysis: flushes TCP and FTP state and diagnoses everything. `capture` is the
   *  reader's summary; without one (a live source) a minimal one is made up. */
  finish(capture?: CaptureSummary | null): AnalysisResult {
    if (this.finished) return this.finished;
    this.engine.finish();
    this.ftp.finish(this.engine.connections);
    const summary: CaptureSummary = {
      ...(capture ?? {
        file: this.opts.file ?? '-',
        format: 'pcap',
        nanosecond: false,
        compressed: null,
        linkTypes: [...this.linkTypes],
        frames: this.frames,
        bytes: this.lastOffset,
        truncated: false,
        warnings: [],
      }),
      repeats: this.repeats.summary,
    };
    const c = this.decoder.counters;
    const decode: DecodeSummary = {
      tcp: c.tcp,
      notIp: c.notIp,
      notTcp: c.notTcp,
      fragments: c.fragments,
      malformed: c.malformed,
      truncated: c.truncated,
      unsupportedLinkType: c.unsupportedLinkType,
      firstMalformed: c.firstMalformed,
      encapsulations: c.encapsulations(),
      fragmentConflicts: c.fragmentConflicts,
      fragmentConflictCount: c.fragmentConflictCount,
    };
    if (this.releaser) return this.finishReleased(summary, decode);
    // One full pass over final facts: early findings were made from facts as they stood then,
    // so the final list is recomputed rather than merged.
    const logins = this.ftp.logins;
    const d = new Diagnosis(this.evaluator, { ...this.input(summary), logins });
    const all: Finding[] = [...d.capture(summary, this.engine.connections.length), ...d.clients()];
    for (const conn of this.engine.connections) all.push(...d.connection(conn));
    for (const s of this.ftp.sessions) all.push(...d.session(s));
    for (const t of this.ftp.transfers) all.push(...d.transfer(t));
    const findings = finalizeFindings(all, this.opts.rules);
    if (this.opts.onFinding) {
      for (const f of findings) {
        const key = findingKey(f);
        if (this.emitted.has(key)) continue;
        this.emitted.add(key);
        this.opts.onFinding(f);
      }
    }
    this.finished = {
      capture: { ...summary, decode },
      connections: [...this.engine.connections],
      sessions: this.ftp.sessions,
      transfers: this.ftp.transfers,
      findings,
      ruleErrors: this.evaluator.runErrors,
      showPasswords: this.showPasswords,
      logins: logins.clients,
      attempts: [...this.ftp.attemptFacts.keys()].sort((a, b) => a - b),
    };
    return this.finished;
  }

  /** finish() of the streaming analysis: hands on what is left, then the capture's findings. */
  private finishReleased(summary: CaptureSummary, decode: DecodeSummary): AnalysisResult {
    this.releaser!.finish(this.engine.connections);
    const totals = { connections: this.engine.connectionCount, ...this.ftp.counts };
    const logins = this.ftp.logins;
    const d = new Diagnosis(this.evaluator, { connections: [], sessions: [], transfers: [], showPasswords: this.showPasswords, capture: summary, decode: this.decoder.counters, totals, logins });
    const found = finalizeFindings([...d.capture(summary, totals.connections), ...d.clients()], this.opts.rules);
    this.opts.release!({ connections: [], sessions: [], transfers: [], findings: tagFindings(found, SubjectGroup.capture, 0) });
    this.finished = {
      capture: { ...summary, decode },
      connections: [],
      sessions: [],
      transfers: [],
      findings: [],
      ruleErrors: this.evaluator.runErrors,
      showPasswords: this.showPasswords,
      logins: logins.clients,
      attempts: [],
      released: totals,
    };
    return this.finished;
  }
}

export interface AnalyzeFileOptions extends AnalysisOptions {
  read?: ReadOptions;
}

/** Reads and analyses a capture file ('-' or '' = standard input), or several files merged by
 *  time (capture/merge.ts). A CaptureError does not lose the work: the analysis is finished over
 *  the frames read before it and returned with it. */
export async function analyzeFile(path: string | readonly string[], opts: AnalyzeFileOptions): Promise<{ result: AnalysisResult; error: CaptureError | null }> {
  const file = typeof path !== 'string' ? path.join(' + ') : path === '' ? '-' : path;
  const analysis = new Analysis({ ...opts, file });
  try {
    const summary = await readCaptures(path, (f) => analysis.frame(f), opts.read);
    return { result: analysis.finish(summary), error: null };
  } catch (e) {
    if (!(e instanceof CaptureError)) throw e;
    const partial = e.summary ?? null;
    // a fault raised here (link type) carries no reader summary: fill in what we saw
    const summary: CaptureSummary | null = partial
      ? { ...partial, frames: Math.min(partial.frames, analysis.framesSeen) }
      : null;
    return { result: analysis.finish(summary), error: e };
  }
}
