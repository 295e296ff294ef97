// The one place the FTP stage's records are made: a session, a command, a transfer, each complete
// with neutral defaults that the caller overrides. The control parser, the data linker, lone data
// connections and the test fixtures all build them here, so a field added to types.ts is added
// once.

import type { FtpCommand, Session, Transfer } from './types.ts';

/** A list most sessions never fill (features, replies outside any command, frames of overlong
 *  lines or of pushed-out commands): one frozen empty list shared by every session until its
 *  first entry, which gives the session a list of its own (addTo). Four empty lists were ~0.13 KB
 *  per open session. */
const NO_ENTRIES: readonly never[] = Object.freeze([]);

/** The shared empty list, typed for a record's field (frozen: a writer goes through addTo). */
export function noEntries<T>(): T[] {
  return NO_ENTRIES as never[] as T[];
}

/** Entries up to which a list grown by addTo is copied at its exact size. */
const SMALL_LIST = 8;

/** Appends `x` to `list` and returns the list to keep: a list of its own at the first entry (when
 *  `list` is the shared empty one), and while the list is short a copy of its exact size (push()
 *  grows a list of one to 17 slots at once: a session's logins, a login's commands, its transfers
 *  and those running are nearly always short, ~0.15 KB of empty slots each). */
export function addTo<T>(list: T[], x: T): T[] {
  if (list.length === 0) return [x];
  if (list.length < SMALL_LIST) return list.concat([x]);
  list.push(x);
  return list;
}

/** A session's TLS record while it has seen no TLS (nor AUTH, PBSZ, PROT): one frozen record for
 *  every such session (12 fields, ~0.1 KB each); a writer makes the session's own first (ownTls). */
const NO_TLS: Session['tls'] = Object.freeze({ authFrame: null, encryptedFromFrame: null, pbsz: null, prot: null, clearAgainFrame: null, implicit: false, decrypted: false, connection: null, ending: null, failureReply: null, protInferred: null, protEvidence: '' });

/** The session's own TLS record, to write to (made from the shared one at the first write). */
export function ownTls(s: Session): Session['tls'] {
  if (s.tls === NO_TLS) s.tls = { ...NO_TLS };
  return s.tls;
}

/** A session record; `over` sets what is known (id, control connection, endpoints, …). */
export function newSession(over: Partial<Session> & Pick<Session, 'id' | 'control' | 'client' | 'server'>): Session {
  return {
    startedMidSession: true,
    greeting: null,
    user: null,
    password: null,
    loggedIn: false,
    loginState: 'unknown',
    type: '',
    mode: '',
    stru: '',
    cwd: null,
    features: noEntries(),
    tls: NO_TLS,
    commands: [],
    logins: noEntries(),
    unparsedLines: 0,
    transfers: noEntries(),
    unsolicited: noEntries(),
    overlongLines: 0,
    overlongServerLines: 0,
    overlongFrames: noEntries(),
    gaps: 0,
    pendingOverflow: 0,
    pendingOverflowFrames: noEntries(),
    commandsDropped: 0,
    serverSide: 'server',
    ended: false,
    // the fields a caller must give get their slots in the literal (then `over` overwrites them in
    // place): added by the spread, they went to an out-of-object array of their own (~40-64 B
    // per record; ~0.3 KB per open connection with its session's commands, bench/README.md)
    id: over.id,
    control: over.control,
    client: over.client,
    server: over.server,
    ...(over as Partial<Session>),
  };
}

/** A command record as its line was read: not answered, not yet placed (cwd, path, login). One is
 *  made per client line, so each field is read from `over` or defaulted in the literal, without an
 *  object spread (which defines `over`'s fields again one by one: twice the time of the literal). */
export function newCommand(over: Partial<FtpCommand> & Pick<FtpCommand, 'index' | 'verb' | 'arg' | 'frame' | 'time'>): FtpCommand {
  return {
    known: over.known ?? false,
    preliminary: over.preliminary ?? noEntries(), // most commands get none (shared until the first: session.ts)
    reply: over.reply ?? null,
    telnetInterrupt: over.telnetInterrupt ?? false,
    lastFrame: over.lastFrame ?? over.frame,
    overlong: over.overlong ?? false,
    unanswered: over.unanswered ?? false,
    unsupported: over.unsupported ?? false,
    replyMissing: over.replyMissing ?? null,
    cwd: over.cwd ?? null,
    path: over.path ?? null,
    login: over.login ?? null,
    announcement: over.announcement ?? null,
    index: over.index,
    verb: over.verb,
    arg: over.arg,
    frame: over.frame,
    time: over.time,
  };
}

/** A transfer record before its data connection is measured: no bytes, outcome unknown. */
export function newTransfer(over: Partial<Transfer> & Pick<Transfer, 'id' | 'session' | 'command' | 'commandFrame' | 'commandTime'>): Transfer {
  return {
    argument: '',
    path: null,
    direction: 'unknown',
    mode: null,
    announcement: null,
    dataConnection: null,
    dataSetupFrames: [],
    sender: null,
    bytes: 0,
    bytesAcked: 0,
    bytesMissing: 0,
    announcedBytes: null,
    restOffset: 0,
    type: '',
    transmissionMode: '',
    startTime: over.commandTime,
    endTime: over.commandTime,
    duration: 0,
    rate: null,
    replyCodes: [],
    preliminaryReply: null,
    finalReply: null,
    aborted: false,
    tlsProtected: false,
    outcome: 'unknown',
    commandIndex: null,
    linkedBy: null,
    dataCandidates: [],
    dataSides: null,
    dataClose: { by: null, byRole: null, kind: null, frame: null },
    receiverAckedAll: false,
    expectedBytes: null,
    announcedFrom: null,
    dataLooksTls: null,
    bytesStatus: 'not-captured',
    dataEvidence: null,
    inProgressAtEnd: false,
    tlsData: null,
    id: over.id, // (slots in the literal: see newSession)
    session: over.session,
    command: over.command,
    commandFrame: over.commandFrame,
    commandTime: over.commandTime,
    ...(over as Partial<Transfer>),
  };
}
