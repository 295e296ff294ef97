// The one pipeline every command uses: frames in (from a file, a live capture or a regression
// run), decode → TCP → FTP → diagnosis, released units out (release.ts, the only path that
// diagnoses). A caller either streams the units (AnalysisOptions.release) or gets them put
// together into a whole-capture AnalysisResult at finish(); a live source may also ask for
// findings as soon as their subject is settled (AnalysisOptions.provisional).

import { CaptureError, linkTypeName, type CaptureSummary, type Frame } from '../capture/frame.ts';
import type { ReadOptions } from '../capture/read.ts';
import { readCaptures } from '../capture/merge.ts';
import { RepeatFilter, type RepeatPolicy } from '../capture/repeats.ts';
import { InnerPacketKeys } from './inner-packet.ts';
import { PacketDecoder, supportsLinkType, type DecoderOptions } from '../decode/decoder.ts';
import type { DecodedPacket } from '../decode/packet.ts';
import { TcpEngine } from '../tcp/engine.ts';
import type { TcpEngineOptions } from '../tcp/types.ts';
import { FtpAnalyzer } from '../ftp/analyzer.ts';
import type { ControlLimits } from '../ftp/control/session.ts';
import { ftpTlsContext } from '../ftp/tls-channel.ts';
import type { KeyLog, TlsSessionCache } from '../tls/keylog.ts';
import { RuleEvaluator } from '../diagnose/evaluate.ts';
import type { RuleSet } from '../diagnose/rule-types.ts';
import { ResultCollector, type AnalysisResult, type DecodeSummary } from './result.ts';
import { UnitReleaser, type ProvisionalSink, type ReleasedUnit } from './release.ts';

export type { AnalysisResult } from './result.ts';

export interface AnalysisOptions {
  rules: RuleSet;
  showPasswords?: boolean;
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
   * the capture's own findings last, and returns a result with empty lists and the totals in
   * `released`. Memory then follows what is open at a time, not the file length. Without it,
   * finish() returns the units put together.
   */
  release?(u: ReleasedUnit): void;
  /** Findings (and settled transfers) as soon as their subject is settled, before the unit is
   *  released: `live` prints them at once. */
  provisional?: ProvisionalSink;
  /** How copies of frames are recognised (capture/repeats.ts); default: by their inner IP packet
   *  (inner-packet.ts), and how each was seen. */
  repeats?: Partial<RepeatPolicy>;
  /** FTPS: an NSS key log (--keylog) to decrypt TLS control and data connections with. */
  keyLog?: KeyLog | null;
  /** Release each session's unit whole, never in parts before the session ends (release.ts
   *  tryPart): a display filter judges a transfer with its session's control connection. */
  wholeSessions?: boolean;
  /** FTPS: the TLS ≤ 1.2 session cache the analysis fills (a caller that decrypts again after
   *  it, as --extract does, passes one and keeps it: resumed sessions need their master secret). */
  tlsSessions?: TlsSessionCache;
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
  const a = reverse ? p.addrOffsetDst : p.addrOffsetSrc; // runs on every TCP frame: no array pair
  const b = reverse ? p.addrOffsetSrc : p.addrOffsetDst;
  for (let i = 0; i < n; i++) h = Math.imul(h ^ d[a + i]!, 0x01000193);
  for (let i = 0; i < n; i++) h = Math.imul(h + d[b + i]!, 0x5bd1e995) ^ (h >>> 15);
  return (h ^ (h >>> 16)) & (DIRECTION_SLOTS - 1);
}

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
  private lastLinkType = -1; //                         link type of the previous frame (checked)
  private readonly linkTypes: number[] = []; //         in order of first appearance
  private frames = 0; //                                frames passed to frame()
  private lastOffset = 0; //                            byte offset of the last frame
  private finished: AnalysisResult | null = null;
  private readonly releaser: UnitReleaser;
  private readonly collector: ResultCollector | null; // the units, when the caller does not stream them
  private lastTcpTime = 0; //                          capture time of the latest TCP segment

  constructor(private readonly opts: AnalysisOptions) {
    this.showPasswords = opts.showPasswords ?? false;
    this.decoder = new PacketDecoder(opts.decode);
    this.evaluator = new RuleEvaluator(opts.rules);
    // copies are recognised by the inner IP packet, so that one packet seen at two points of its
    // path (another TTL, other link or tunnel layers) is one packet (inner-packet.ts)
    const inner = new InnerPacketKeys(opts.decode);
    this.repeats = new RepeatFilter({ key: (f) => inner.key(f), view: (f) => inner.view(f), answerLike: (f, original) => this.answerLike(f, original), ...opts.repeats });
    this.collector = opts.release ? null : new ResultCollector();
    const provisional = opts.provisional !== undefined;
    this.ftp = new FtpAnalyzer(
      {
        sessionEnded: (s) => this.releaser.sessionEnded(s),
        connectionForgotten: (c) => this.releaser.connectionForgotten(c),
        attemptDecided: (c) => this.releaser.attemptDecided(c),
        transferDone: (t) => this.releaser.transferDone(t),
        ...(provisional ? { connectionEnded: (c) => this.releaser.connectionEnded(c) } : {}),
      },
      opts.ftp,
      ftpTlsContext(opts.keyLog ?? null, opts.tlsSessions),
    );
    this.engine = new TcpEngine(this.ftp, { ...opts.tcp, keepConnections: false });
    const collector = this.collector;
    this.releaser = new UnitReleaser({
      evaluator: this.evaluator,
      ftp: this.ftp,
      showPasswords: this.showPasswords,
      decode: this.decoder.counters,
      now: () => this.lastTcpTime,
      sink: opts.release ?? ((u) => collector!.add(u)),
      ...(opts.provisional ? { provisional: opts.provisional } : {}),
      wholeSessions: opts.wholeSessions === true,
    });
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

  /** The release bookkeeping, for tests. */
  get releaseStats(): { released: number; parts: number; maxHeld: number; maxFacts: number; liveSessions: number; liveTransfers: number; liveConnections: number } {
    const r = this.releaser;
    return { released: r.released, parts: r.parts, maxHeld: r.maxHeld, maxFacts: r.maxFacts, liveSessions: this.ftp.liveSessionCount, liveTransfers: this.ftp.liveTransferCount, liveConnections: this.engine.connections.length };
  }

  /** One captured frame: decode → TCP → FTP. Throws CaptureError for a link type without a
   *  decoder (the capture cannot be analysed further). */
  frame(f: Frame): void {
    if (f.linkType !== this.lastLinkType) this.checkLinkType(f);
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

  /** A frame of another link type than the frame before it: throws for one without a decoder,
   *  notes its first appearance. Not a Set lookup per frame: a capture's frames nearly all have
   *  one link type. */
  private checkLinkType(f: Frame): void {
    if (!this.checkedLinkTypes.has(f.linkType)) {
      this.checkedLinkTypes.add(f.linkType);
      if (!supportsLinkType(f.linkType)) {
        const name = linkTypeName[f.linkType] ?? 'unknown';
        throw new CaptureError(this.opts.file ?? '-', f.offset, `unsupported link type ${f.linkType} (${name})`, 'unsupported-link-type');
      }
      this.linkTypes.push(f.linkType);
    }
    this.lastLinkType = f.linkType;
  }

  /** A live source's clock: capture time has reached `now` (s since 1970) without a frame, so
   *  connections closed long enough ago end and their findings come out without waiting for the
   *  next frame. No frame older than `now` may follow. */
  advance(now: number): void {
    if (this.finished === null) this.engine.advance(now);
  }

  get framesSeen(): number {
    return this.frames;
  }

  /** Ends the analysis: flushes TCP and FTP state, releases what is left, then the capture's own
   *  findings. `capture` is the reader's summary; without one (a live source) a minimal one is
   *  made up. */
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
    this.releaser.finish(this.engine.connections);
    const totals = { connections: this.engine.connectionCount, ...this.ftp.counts };
    this.releaser.finishCapture(summary, totals);
    const lists = this.collector ? this.collector.lists() : { connections: [], sessions: [], transfers: [], findings: [], roles: new Map() };
    this.finished = {
      capture: { ...summary, decode },
      ...lists,
      ruleErrors: this.evaluator.runErrors,
      showPasswords: this.showPasswords,
      logins: this.ftp.logins.clients,
      ...(this.collector ? {} : { released: totals }),
    };
    return this.finished;
  }
}

export interface AnalyzeFileOptions extends AnalysisOptions {
  read?: ReadOptions;
  /** Read only the first this many frames (tcpdump -c): the reading stops there and the summary
   *  counts these frames, with a warning saying where the rest was left. */
  maxFrames?: number;
}

/** The reason a frame count stopped the reading, as the capture's warning names it. */
export const FRAME_COUNT_STOP = 'the frame count (-c)';

/** Reads and analyses a capture file ('-' or '' = standard input), or several files merged by
 *  time (capture/merge.ts). A CaptureError does not lose the work: the analysis is finished over
 *  the frames read before it and returned with it. */
export async function analyzeFile(path: string | readonly string[], opts: AnalyzeFileOptions): Promise<{ result: AnalysisResult; error: CaptureError | null }> {
  const file = typeof path !== 'string' ? path.join(' + ') : path === '' ? '-' : path;
  const analysis = new Analysis({ ...opts, file });
  let sink = (f: Frame) => analysis.frame(f);
  let read = opts.read;
  const max = opts.maxFrames;
  if (max !== undefined) {
    // frames parsed after the stop from the buffer already read are left out too
    const enough = new AbortController();
    sink = (f) => {
      if (analysis.framesSeen >= max) return;
      analysis.frame(f);
      if (analysis.framesSeen === max) enough.abort(FRAME_COUNT_STOP);
    };
    read = { ...read, stop: read?.stop ? AbortSignal.any([enough.signal, read.stop]) : enough.signal };
  }
  try {
    const read1 = await readCaptures(path, sink, read);
    const summary = max !== undefined && read1.frames > analysis.framesSeen ? { ...read1, frames: analysis.framesSeen } : read1;
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
