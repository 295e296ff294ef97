// Hand-made TCP/FTP records for diagnosis and report tests: complete objects with sensible
// defaults, overridden per test.

import type { Connection, Endpoint } from '../../src/tcp/types.ts';
import { TransitionLog } from '../../src/tcp/transition-log.ts';
import type { ConnectionRole, FtpCommand, FtpReply, Session, Transfer } from '../../src/ftp/types.ts';
import type { CaptureSummary } from '../../src/capture/frame.ts';
import type { AnalysisResult } from '../../src/pipeline/result.ts';
import { newCommand, newSession, newTransfer } from '../../src/ftp/records.ts';
import { dataSides } from '../../src/ftp/data/measure.ts';

export function endpoint(over: Partial<Endpoint> = {}): Endpoint {
  return {
    addr: '10.0.0.1',
    port: 40000,
    state: 'CLOSED',
    transitions: new TransitionLog(),
    isn: 1000,
    synFrame: 1,
    finFrame: null,
    rstFrame: null,
    bytesSent: 0,
    bytesAcked: 0,
    bytesCaptured: 0,
    segments: 1,
    windowScale: 7,
    mss: 1460,
    lastTtl: 64,
    retransmissionsAfterFin: 0,
    gapBytesFilled: 0,
    missingUnacked: 0,
    ...over,
  };
}

export function connection(id: number, over: Partial<Connection> = {}): Connection {
  return {
    id,
    client: endpoint({ addr: '10.0.0.1', port: 40000 + id, synFrame: 1 }),
    server: endpoint({ addr: '10.0.0.2', port: 21, synFrame: 2 }),
    roleGuessed: false,
    ipVersion: 4,
    firstFrame: 1,
    lastFrame: 10,
    startTime: 1000,
    endTime: 1010,
    connState: 'SF',
    history: 'ShADadFf',
    closedBy: 'client',
    closeKind: 'fin',
    closeFrame: 9,
    ended: true,
    evicted: false,
    idleEndedAt: null,
    conflicts: [],
    events: {},
    reset: null,
    nat: null,
    halfClose: null,
    strayAck: null,
    deliver: true,
    app: null,
    ...over,
  };
}

export function reply(code: number, frame: number, text = 'ok', over: Partial<FtpReply> = {}): FtpReply {
  return { code, text, lines: 1, valid: true, firstFrame: frame, frame, time: 1000 + frame / 100, overlong: false, incomplete: false, ...over };
}

export function command(index: number, verb: string, arg: string, frame: number, final: FtpReply | null, over: Partial<FtpCommand> = {}): FtpCommand {
  return newCommand({ index, verb, arg, frame, time: 1000 + frame / 100, known: true, reply: final, unanswered: final === null, ...over });
}

export function session(id: number, control: number, over: Partial<Session> = {}): Session {
  return newSession({
    id,
    control,
    client: { addr: '10.0.0.1', port: 40000 + control },
    server: { addr: '10.0.0.2', port: 21 },
    startedMidSession: false,
    greeting: reply(220, 4, 'ready'),
    user: 'alice',
    password: 'hunter2',
    loggedIn: true,
    loginState: 'logged-in',
    type: 'I',
    mode: 'S',
    stru: 'F',
    cwd: '/',
    ended: true,
    ...over,
  });
}

export function transfer(id: number, over: Partial<Transfer> = {}): Transfer {
  return newTransfer({
    id,
    session: 0,
    command: 'RETR',
    argument: 'file.bin',
    path: '/file.bin',
    direction: 'download',
    commandFrame: 20,
    commandTime: 1000,
    mode: 'passive',
    sender: 'server',
    type: 'I',
    startTime: 1000,
    endTime: 1001,
    duration: 1,
    outcome: 'complete',
    bytesStatus: 'counted',
    ...over,
  });
}

export function captureSummary(over: Partial<CaptureSummary> = {}): CaptureSummary {
  return { file: 'trace.pcap', format: 'pcap', nanosecond: false, compressed: null, linkTypes: [1], frames: 100, bytes: 10000, truncated: false, warnings: [], ...over };
}

/** The roles the FTP stage would record for hand-made sessions and transfers: each session's
 *  control connection, each transfer's data connection. */
export function fixtureRoles(sessions: readonly Session[], transfers: readonly Transfer[]): Map<number, ConnectionRole> {
  const roles = new Map<number, ConnectionRole>();
  for (const s of sessions) roles.set(s.control, 'control');
  for (const t of transfers) if (t.dataConnection !== null) roles.set(t.dataConnection, 'data');
  return roles;
}

export function analysisResult(over: Partial<AnalysisResult> = {}): AnalysisResult {
  return {
    capture: {
      ...captureSummary(),
      decode: { tcp: 100, notIp: 0, notTcp: 0, fragments: 0, malformed: 0, truncated: 0, unsupportedLinkType: 0, firstMalformed: null, encapsulations: [], fragmentConflicts: [], fragmentConflictCount: 0 },
    },
    connections: [],
    sessions: [],
    transfers: [],
    findings: [],
    ruleErrors: [],
    showPasswords: false,
    logins: [],
    roles: fixtureRoles(over.sessions ?? [], over.transfers ?? []),
    ...over,
  };
}

/** A passive STOR whose data connection (id 1) the client (FTP client = TCP client in passive
 *  mode) ended with RST: `sent` bytes on the wire, `acked` acknowledged, `final` the reply. */
export function uploadResetScenario(sent: number, acked: number, final: number) {
  const control = connection(0, { lastFrame: 80 });
  const data = connection(1, {
    client: endpoint({ addr: '10.0.0.1', port: 50000, synFrame: 30, bytesSent: sent, bytesAcked: acked, rstFrame: 60, segments: 50 }),
    server: endpoint({ addr: '10.0.0.2', port: 30000, synFrame: 31, segments: 40 }),
    firstFrame: 30,
    lastFrame: 61,
    connState: 'RSTO',
    closedBy: 'client',
    closeKind: 'rst',
    closeFrame: 60,
    reset: { by: 'client', frame: 60, time: 1005, senderState: 'ESTABLISHED', peerState: 'ESTABLISHED', unackedBySender: sent - acked, unackedByPeer: 0, afterStrayAck: false, senderFinFrame: 0, peerFinFrame: 0, peerFinished: false },
    events: { 'tcp-reset': { count: 1, frames: [60], client: 1, server: 0 } },
  });
  const t = transfer(0, {
    command: 'STOR',
    argument: 'big.bin',
    direction: 'upload',
    commandFrame: 25,
    dataConnection: 1,
    sender: 'client',
    dataSides: dataSides('server', 'client'),
    bytes: sent,
    bytesAcked: acked,
    replyCodes: [150, final],
    preliminaryReply: reply(150, 28),
    finalReply: reply(final, 62, final === 226 ? 'Transfer complete' : 'Connection closed; transfer aborted'),
    outcome: final === 226 ? 'complete' : 'aborted',
    dataClose: { by: 'client', byRole: 'sender', kind: 'rst', frame: 60 },
  });
  const stor = command(0, 'STOR', 'big.bin', 25, t.finalReply, { preliminary: [reply(150, 28)] });
  const s = session(0, 0, { commands: [stor], transfers: [0] });
  return { connections: [control, data], sessions: [s], transfers: [t], roles: fixtureRoles([s], [t]) };
}
