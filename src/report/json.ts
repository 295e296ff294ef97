// The machine report: one JSON document whose every field is declared in the public contract
// (src/contract/report.ts, shipped as schema/report.schema.json). The mappers below turn the views
// of released units (src/view/) into the contract's types, and nothing else: secrets are already
// hidden in the views unless --show-passwords. The text is made terminal-safe (escapeJsonText)
// without changing its value.

import type { Endpoint } from '../tcp/types.ts';
import type { DataEndpointAnnouncement, FtpReply } from '../ftp/types.ts';
import type { Finding } from '../diagnose/finding.ts';
import type { AnalysisResult } from '../pipeline/result.ts';
import { resultUnit } from '../pipeline/result.ts';
import { REPORT_VERSION, sessionTls, transferTls, type CommandJson, type ConnectionJson, type EndpointJson, type FindingJson, type ReplyJson, type ReportJson, type SessionJson, type TransferJson } from '../contract/report.ts';
import { project } from '../contract/schema.ts';
import { hideCredentials } from '../format/redact.ts';
import { linkTypeText } from '../format/link-types.ts';
import { unitView, type ByteCell, type CommandView, type ConnectionView, type SessionView, type TransferView, type UnitView } from '../view/unit.ts';
import { replyCodesSeen } from '../view/reply-codes.ts';
import { escapeJsonText } from './escape.ts';
import { TOOL_VERSION } from './tool-version.ts';

/** The report's version (the contract's). */
export const JSON_REPORT_VERSION = REPORT_VERSION;

// ---- mappers: views → the contract's types -------------------------------------------------

export function endpointJson(e: Endpoint): EndpointJson {
  const st = e.stall;
  return {
    addr: e.addr,
    port: e.port,
    state: e.state,
    transitions: e.transitions.toJSON(),
    transitionsNotKept: e.transitions.notKept,
    isn: e.isn,
    synFrame: e.synFrame,
    finFrame: e.finFrame,
    rstFrame: e.rstFrame,
    bytesSent: e.bytesSent,
    bytesAcked: e.bytesAcked,
    bytesCaptured: e.bytesCaptured,
    segments: e.segments,
    windowScale: e.windowScale,
    mss: e.mss,
    lastTtl: e.lastTtl,
    stall: st ? { count: st.count, periods: st.periods, total: st.total, longest: st.longest, longestFrom: st.longestFrom, longestTo: st.longestTo, closedAtEnd: st.closedAtEnd } : null,
    retransmissionsAfterFin: e.retransmissionsAfterFin,
    gapBytesFilled: e.gapBytesFilled,
    gapBytesReordered: e.gapBytesReordered,
    gapsReordered: e.gapsReordered,
    missingUnacked: e.missingUnacked,
  };
}

export function connectionJson(v: ConnectionView): ConnectionJson {
  const c = v.c;
  const events: ConnectionJson['events'] = {};
  for (const [kind, rec] of Object.entries(c.events)) if (rec) events[kind] = { count: rec.count, frames: rec.frames, client: rec.client, server: rec.server };
  const r = c.reset;
  return {
    id: c.id,
    role: v.role,
    label: v.label,
    ipVersion: c.ipVersion,
    client: endpointJson(c.client),
    server: endpointJson(c.server),
    roleGuessed: c.roleGuessed,
    firstFrame: c.firstFrame,
    lastFrame: c.lastFrame,
    startTime: c.startTime,
    endTime: c.endTime,
    connState: c.connState,
    history: c.history,
    closedBy: c.closedBy,
    closeKind: c.closeKind,
    closeFrame: c.closeFrame,
    ended: c.ended,
    evicted: c.evicted,
    idleEndedAt: c.idleEndedAt,
    events,
    reset: r
      ? {
          by: r.by,
          frame: r.frame,
          time: r.time,
          senderState: r.senderState,
          peerState: r.peerState,
          unackedBySender: r.unackedBySender,
          unackedByPeer: r.unackedByPeer,
          afterStrayAck: r.afterStrayAck,
          senderFinFrame: r.senderFinFrame,
          peerFinFrame: r.peerFinFrame,
          peerFinished: r.peerFinished,
        }
      : null,
    nat: c.nat ? { translated: c.nat.translated, addr: c.nat.addr, port: c.nat.port, frame: c.nat.frame, alg: c.nat.alg.map((x) => ({ side: x.side, frame: x.frame, delta: x.delta })) } : null,
    halfClose: c.halfClose ? { by: c.halfClose.by, finFrame: c.halfClose.finFrame, peerBytesAfter: c.halfClose.peerBytesAfter, peerFramesAfter: c.halfClose.peerFramesAfter } : null,
    strayAck: c.strayAck ? { by: c.strayAck.by, finAckFrame: c.strayAck.finAckFrame, frame: c.strayAck.frame, rstFrame: c.strayAck.rstFrame, ackBelow: c.strayAck.ackBelow } : null,
    conflicts: v.conflicts.map((x) => ({
      by: x.conflict.by,
      offset: x.conflict.offset,
      firstFrame: x.conflict.firstFrame,
      frame: x.conflict.frame,
      first: x.firstBytes,
      second: x.secondBytes,
      firstLine: x.conflict.firstLine === null ? null : x.first,
      secondLine: x.conflict.secondLine === null ? null : x.second,
      taken: x.conflict.taken,
      replyFrame: x.conflict.replyFrame,
    })),
    longestSilence: c.longestSilence
      ? { seconds: c.longestSilence.seconds, fromFrame: c.longestSilence.fromFrame, toFrame: c.longestSilence.toFrame, fromTime: c.longestSilence.fromTime, toTime: c.longestSilence.toTime }
      : null,
    lost: c.lost
      ? {
          by: c.lost.by,
          frame: c.lost.frame,
          frames: c.lost.frames,
          retransmissions: c.lost.retransmissions,
          intervals: c.lost.intervals,
          length: c.lost.length,
          firstTime: c.lost.firstTime,
          lastTime: c.lost.lastTime,
          peerSegments: c.lost.peerSegments,
        }
      : null,
  };
}

export function replyJson(r: FtpReply): ReplyJson {
  return { code: r.code, text: r.text, lines: r.lines, valid: r.valid, firstFrame: r.firstFrame, frame: r.frame, time: r.time, overlong: r.overlong, incomplete: r.incomplete };
}

const replyOrNull = (r: FtpReply | null): ReplyJson | null => (r === null ? null : replyJson(r));

function announcementJson(a: DataEndpointAnnouncement | null): TransferJson['announcement'] {
  return a === null ? null : { mode: a.mode, command: a.command, addr: a.addr, port: a.port, frame: a.frame, controlPeerAddr: a.controlPeerAddr, mismatch: a.mismatch, family: a.family };
}

export function commandJson(v: CommandView): CommandJson {
  const c = v.cmd;
  return {
    index: c.index,
    verb: c.verb,
    arg: v.arg,
    frame: c.frame,
    lastFrame: c.lastFrame,
    time: c.time,
    known: c.known,
    preliminary: c.preliminary.map(replyJson),
    reply: replyOrNull(c.reply),
    telnetInterrupt: c.telnetInterrupt,
    overlong: c.overlong,
    unanswered: c.unanswered,
    unsupported: c.unsupported,
    replyMissing: c.replyMissing === null ? null : { bytes: c.replyMissing.bytes, frame: c.replyMissing.frame },
    cwd: c.cwd,
    path: c.path,
    login: c.login,
    announcement: announcementJson(c.announcement),
  };
}

/** `commands`: the session's command views (another list for sessionTextPieces, which writes
 *  them apart). */
export function sessionJson(v: SessionView, commands: readonly CommandView[] = v.commands): SessionJson {
  const s = v.s;
  return {
    id: s.id,
    control: s.control,
    client: { addr: s.client.addr, port: s.client.port },
    server: { addr: s.server.addr, port: s.server.port },
    startedMidSession: s.startedMidSession,
    greeting: replyOrNull(s.greeting),
    user: s.user,
    password: v.password,
    loggedIn: s.loggedIn,
    loginState: s.loginState,
    logins: v.logins,
    type: s.type,
    mode: s.mode,
    stru: s.stru,
    cwd: s.cwd,
    features: s.features,
    tls: project(sessionTls, s.tls),
    commands: commands.map(commandJson),
    commandsDropped: s.commandsDropped,
    unsolicited: s.unsolicited.map(replyJson),
    unparsedLines: s.unparsedLines,
    overlongLines: s.overlongLines,
    overlongServerLines: s.overlongServerLines,
    overlongFrames: s.overlongFrames,
    gaps: s.gaps,
    pendingOverflow: s.pendingOverflow,
    pendingOverflowFrames: s.pendingOverflowFrames,
    transfers: s.transfers,
    ended: s.ended,
  };
}

/** A byte cell as JSON: the count, or null (bytesStatus says why). */
const count = (b: ByteCell): number | null => (typeof b === 'number' ? b : null);

export function transferJson(v: TransferView): TransferJson {
  const t = v.t;
  return {
    id: t.id,
    session: t.session,
    label: v.label,
    command: t.command,
    argument: t.argument,
    path: t.path,
    direction: t.direction,
    commandFrame: t.commandFrame,
    commandTime: t.commandTime,
    mode: t.mode,
    transmissionMode: t.transmissionMode,
    type: t.type,
    announcement: announcementJson(t.announcement),
    dataConnection: t.dataConnection,
    dataCandidates: t.dataCandidates,
    dataSetupFrames: t.dataSetupFrames,
    linkedBy: t.linkedBy,
    dataEvidence: t.dataEvidence,
    sender: t.sender,
    dataSides: t.dataSides ? { ...t.dataSides } : null,
    bytesStatus: t.bytesStatus,
    bytes: count(v.bytes),
    bytesAcked: count(v.bytesAcked),
    bytesMissing: count(v.bytesMissing),
    announcedBytes: t.announcedBytes,
    announcedFrom: t.announcedFrom,
    expectedBytes: t.expectedBytes,
    restOffset: t.restOffset,
    startTime: t.startTime,
    endTime: t.endTime,
    duration: t.duration,
    rate: t.rate,
    replyCodes: t.replyCodes,
    preliminaryReply: replyOrNull(t.preliminaryReply),
    finalReply: replyOrNull(t.finalReply),
    aborted: t.aborted,
    tlsProtected: t.tlsProtected,
    dataLooksTls: t.dataLooksTls,
    tlsData: t.tlsData ? project(transferTls, t.tlsData) : null,
    dataClose: { ...t.dataClose },
    receiverAckedAll: t.receiverAckedAll,
    inProgressAtEnd: t.inProgressAtEnd,
    outcome: t.outcome,
  };
}

export function findingJson(f: Finding): FindingJson {
  return {
    id: f.id,
    severity: f.severity,
    title: f.title,
    summary: f.summary,
    explanation: f.explanation,
    causes: f.causes ?? [],
    action: f.action,
    references: f.references,
    frames: f.frames,
    connection: f.connection,
    session: f.session,
    transfer: f.transfer,
  };
}

export interface JsonReportOptions {
  error?: { message: string; offset: number; code: string } | null;
  /** A display filter's expression and what it kept (the lists and counts are of what is shown). */
  displayFilter?: ReportJson['displayFilter'];
}

/** A big list, written a run of elements at a time: each run is element texts joined by ',\n',
 *  every element indented two levels (as it sits in the report) and escaped (escapeJsonText). */
export interface ListText {
  readonly lazy: true;
  count: number;
  runs(): Iterable<string>;
  /** The same list's text as pieces cut anywhere, separators included (runs() joined by ',\n'):
   *  a spool that holds one element too long for a run hands it out a window at a time. */
  pieces?(): Iterable<string>;
}

/** A list of report objects, produced one element at a time (also for buildJsonReport). */
interface ObjectList extends ListText {
  item(i: number): unknown;
}

/** Elements stringified per JSON.stringify call. */
const BATCH = 256;

/**
 * JSON.stringify does the indenting: elements are stringified BATCH at a time nested two arrays
 * deep (`[[a, b, …]]`), which indents them exactly as they sit in the report, and the wrapper's
 * brackets ('[\n  [\n' and '\n  ]\n]') are cut off again.
 */
const nestedText = (elements: unknown[]): string => escapeJsonText(JSON.stringify([elements], null, 2).slice(6, -6));

/** One element's text as a run holds it. */
export const elementText = (v: unknown): string => nestedText([v]);

/** Where the commands of a session's element text go (elementText indents a session's fields by
 *  six spaces), and their list as JSON.stringify writes it when it is empty. */
const SESSION_COMMANDS = '\n      "commands": []';

/** Whether a session's element is worth writing in pieces: more commands than one batch (a
 *  session in pieces is a run of its own in the spool, so every short session in pieces made
 *  the final merge one run per session). Counted on the records, not the lazy command views. */
export const sessionInPieces = (v: SessionView): boolean => v.s.commands.length > BATCH;

/**
 * A session's element text, equal to elementText(sessionJson(v)), in pieces: the commands are
 * stringified BATCH at a time nested four arrays deep (`[[[[a, b, …]]]]`, which indents them as
 * they sit in the session, eight spaces) and the wrapper's brackets cut off again, so that a
 * session of 10^5 transfers never has the JSON objects of all its commands, nor their text, at
 * once (the JSON report's spool writes the pieces straight to its file).
 */
export function* sessionTextPieces(v: SessionView): Generator<string> {
  if (!sessionInPieces(v)) {
    yield elementText(sessionJson(v));
    return;
  }
  const text = elementText(sessionJson(v, []));
  const at = text.indexOf(SESSION_COMMANDS);
  if (at < 0 || text.indexOf(SESSION_COMMANDS, at + 1) >= 0) throw new Error('session JSON: no single commands field');
  const open = at + SESSION_COMMANDS.length - 2; // the '[' of the empty list
  yield `${text.slice(0, open + 1)}\n`;
  for (let i = 0; i < v.s.commands.length; i += BATCH) {
    const batch = v.commandRange(i, i + BATCH).map(commandJson);
    yield `${i === 0 ? '' : ',\n'}${escapeJsonText(JSON.stringify([[[batch]]], null, 2).slice(20, -20))}`;
  }
  yield `\n      ${text.slice(open + 1)}`;
}

function objectList<T>(xs: readonly T[], f: (x: T) => unknown): ObjectList {
  const item = (i: number) => f(xs[i]!);
  return {
    lazy: true,
    count: xs.length,
    item,
    *runs() {
      for (let i = 0; i < xs.length; i += BATCH) {
        const batch: unknown[] = [];
        for (let j = i; j < xs.length && j < i + BATCH; j++) batch.push(item(j) ?? null);
        yield nestedText(batch);
      }
    },
  };
}

const isLazy = (v: unknown): v is ListText => typeof v === 'object' && v !== null && (v as ListText).lazy === true;

export interface ReportCounts {
  connections: number;
  sessions: number;
  transfers: number;
  findings: number;
  error: number;
  warning: number;
  info: number;
}

/** The capture section: the reader's summary, the decoder's counts (the bytes of disagreeing
 *  fragments with their secrets hidden unless shown). */
function captureJson(r: AnalysisResult): ReportJson['capture'] {
  const c = r.capture;
  const d = c.decode;
  const bytes = (b: string) => (r.showPasswords ? b : hideCredentials(b));
  const rp = c.repeats;
  return {
    file: c.file,
    format: c.format,
    nanosecond: c.nanosecond,
    compressed: c.compressed,
    linkTypes: c.linkTypes,
    linkTypeNames: c.linkTypes.map(linkTypeText),
    frames: c.frames,
    bytes: c.bytes,
    truncated: c.truncated,
    warnings: c.warnings.map((w) => ({ offset: w.offset, message: w.message })),
    merged: c.merged ? { files: c.merged.files.map((f) => ({ file: f.file, frames: f.frames, format: f.format })), command: c.merged.command } : null,
    repeats: {
      duplicates: rp?.duplicates ?? 0,
      duplicateFrames: rp?.duplicateFrames ?? [],
      originalFrames: rp?.originalFrames ?? [],
      stepsBack: rp?.stepsBack ?? 0,
      largestStepBack: rp?.largestStepBack ?? 0,
      stepBackFrames: rp?.stepBackFrames ?? [],
      windowFrames: rp?.windowFrames ?? 0,
      beyondWindow: rp?.beyondWindow ?? 0,
      kinds: {
        'same-point': rp?.kinds['same-point'] ?? 0,
        'two-points': rp?.kinds['two-points'] ?? 0,
        'two-mirrors': rp?.kinds['two-mirrors'] ?? 0,
        'repeated-stretch': rp?.kinds['repeated-stretch'] ?? 0,
      },
      ttls: rp?.ttls ?? [],
      largestGap: rp?.largestGap ?? 0,
    },
    decode: {
      tcp: d.tcp,
      notIp: d.notIp,
      notTcp: d.notTcp,
      fragments: d.fragments,
      malformed: d.malformed,
      truncated: d.truncated,
      unsupportedLinkType: d.unsupportedLinkType,
      firstMalformed: d.firstMalformed ? { frame: d.firstMalformed.frame, reason: d.firstMalformed.reason } : null,
      encapsulations: d.encapsulations.map((e) => ({ id: e.id, name: e.name, frames: e.frames, malformed: e.malformed, truncated: e.truncated })),
      fragmentConflicts: d.fragmentConflicts.map((x) => ({ offset: x.offset, firstFrame: x.firstFrame, frame: x.frame, first: bytes(x.first), second: bytes(x.second) })),
      fragmentConflictCount: d.fragmentConflictCount,
    },
  };
}

/** The fields before the lists: version, capture, error, summary. */
export function reportHead(r: AnalysisResult, opts: JsonReportOptions, n: ReportCounts): Array<[string, unknown]> {
  return [
    ['ftpdiag', { reportVersion: REPORT_VERSION, version: TOOL_VERSION } satisfies ReportJson['ftpdiag']],
    ['capture', captureJson(r)],
    ['error', (opts.error ?? null) satisfies ReportJson['error']],
    ['displayFilter', (opts.displayFilter ?? null) satisfies ReportJson['displayFilter']],
    [
      'summary',
      {
        connections: n.connections,
        sessions: n.sessions,
        transfers: n.transfers,
        findings: n.findings,
        errors: n.error,
        warnings: n.warning,
        info: n.info,
      } satisfies ReportJson['summary'],
    ],
  ];
}

/** The report's top-level fields in order; connections, sessions and transfers left lazy. */
function reportParts(r: AnalysisResult, v: UnitView, opts: JsonReportOptions): Array<[string, unknown]> {
  const counts = { connections: r.connections.length, sessions: r.sessions.length, transfers: r.transfers.length, findings: r.findings.length, ...v.severities };
  return [
    ...reportHead(r, opts, counts),
    ['connections', objectList(v.connections, connectionJson)],
    ['sessions', objectList(v.sessions, sessionJson)],
    ['transfers', objectList(v.transfers, transferJson)],
    ['findings', r.findings.map(findingJson)],
    ['logins', r.logins satisfies ReportJson['logins']],
    ['replyCodes', replyCodesSeen(r.sessions) satisfies ReportJson['replyCodes']],
    ['ruleErrors', r.ruleErrors satisfies ReportJson['ruleErrors']],
  ];
}

const wholeView = (r: AnalysisResult): UnitView => unitView(resultUnit(r), { showPasswords: r.showPasswords });

/** The report of a whole-capture result as an object of the contract's type. */
export function buildJsonReport(r: AnalysisResult, opts: JsonReportOptions = {}): ReportJson {
  const doc: Record<string, unknown> = {};
  for (const [k, v] of reportParts(r, wholeView(r), opts)) doc[k] = isLazy(v) ? Array.from({ length: v.count }, (_, i) => (v as ObjectList).item(i)) : v;
  return doc as ReportJson;
}

export function renderJson(r: AnalysisResult, opts: JsonReportOptions = {}): string {
  return escapeJsonText(JSON.stringify(buildJsonReport(r, opts), null, 2)) + '\n';
}

/**
 * The same text as renderJson, in pieces: a capture of millions of frames has a report larger
 * than the longest string V8 can hold (~512 MiB), and each connection is turned into text only
 * when its turn comes. Joined, the pieces equal renderJson's output.
 */
export function* renderJsonChunks(r: AnalysisResult, opts: JsonReportOptions = {}): Generator<string> {
  yield* reportChunks(reportParts(r, wholeView(r), opts));
}

/** Writes a report's top-level fields in order, lists run by run (renderJsonChunks, and the
 *  spooled report of a streaming analysis). */
export function* reportChunks(fields: Array<[string, unknown]>): Generator<string> {
  const parts = fields.filter(([, v]) => v !== undefined);
  yield '{\n';
  for (let p = 0; p < parts.length; p++) {
    const [k, v] = parts[p]!;
    const comma = p < parts.length - 1 ? ',' : '';
    if (!isLazy(v)) {
      // '[\n  ' + value indented one level + '\n]'
      yield escapeJsonText(`  ${JSON.stringify(k)}: ${JSON.stringify([v], null, 2).slice(4, -2)}${comma}\n`);
    } else if (v.count === 0) {
      yield `  ${JSON.stringify(k)}: []${comma}\n`;
    } else {
      yield `  ${JSON.stringify(k)}: [\n`;
      if (v.pieces) yield* v.pieces();
      else {
        let first = true;
        for (const run of v.runs()) {
          yield first ? run : `,\n${run}`;
          first = false;
        }
      }
      yield `\n  ]${comma}\n`;
    }
  }
  yield '}\n';
}
