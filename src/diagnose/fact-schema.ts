// The fact model rules are evaluated over, described once: the rule loader lints every field a
// CEL expression names against it, and rules/FACTS.md is generated from it (a test keeps the two
// in step). The objects themselves are built in facts.ts.
//
// Conventions (so rules stay readable without has() everywhere):
//   - whole numbers (bytes, frames, counts, codes) are CEL `int`; times, durations, rates `double`;
//   - a frame number 0 means "none" (Wireshark numbers frames from 1);
//   - an absent string is '' ; an absent reply code is 0;
//   - only the fields marked nullable can be null (objects that may not exist, unknown measures).

import { TcpEventKinds } from '../tcp/types.ts';

export type Primitive = 'int' | 'double' | 'string' | 'bool';

export type TypeSpec =
  | Primitive
  | { readonly object: string } //                     a named object (see factObjects)
  | { readonly list: TypeSpec }
  | { readonly map: TypeSpec; readonly keys: readonly string[] }; // map with a fixed key set

export interface FieldSpec {
  readonly type: TypeSpec;
  readonly nullable: boolean;
  readonly doc: string;
}

export type ObjectSpec = Readonly<Record<string, FieldSpec>>;

const f = (type: TypeSpec, doc: string): FieldSpec => ({ type, nullable: false, doc });
const n = (type: TypeSpec, doc: string): FieldSpec => ({ type, nullable: true, doc });
const obj = (name: string): TypeSpec => ({ object: name });
const list = (of: TypeSpec): TypeSpec => ({ list: of });

/** Every named object of the fact model, in the order FACTS.md documents them. */
export const factObjects: Readonly<Record<string, ObjectSpec>> = {
  Capture: {
    file: f('string', "path as given ('-' for standard input)"),
    format: f('string', "'pcap' or 'pcapng'"),
    nanosecond: f('bool', 'classic pcap with nanosecond timestamps'),
    compressed: f('string', "'gzip' or ''"),
    linkTypes: f(list('int'), 'LINKTYPE_* numbers, in order of first appearance'),
    linkTypeNames: f(list('string'), "their names ('EN10MB', 'LINUX_SLL2', …)"),
    frames: f('int', 'frames read'),
    bytes: f('int', 'bytes of capture file read (after decompression)'),
    truncated: f('bool', 'the capture ends inside a record (capture stopped mid-write)'),
    warnings: f(list('string'), 'warnings of the capture reader, one line each'),
    tcpFrames: f('int', 'frames that decoded to a TCP segment'),
    notIp: f('int', 'frames without IP (ARP, LLDP, …)'),
    notTcp: f('int', 'IP frames carrying something other than TCP'),
    fragments: f('int', 'IP fragments that did not complete a TCP segment'),
    malformed: f('int', 'frames whose headers contradict themselves'),
    snapped: f('int', 'frames cut by the snapshot length before the headers ended'),
    connections: f('int', 'TCP connections seen'),
    sessions: f('int', 'FTP sessions (control connections) seen'),
    transfers: f('int', 'FTP transfers seen'),
    duplicates: f('int', 'frames left out of the analysis as copies of earlier frames (byte-identical, at the same time or while time ran backwards)'),
    duplicateFrames: f(list('int'), 'the first 50 of those copies'),
    originalFrames: f(list('int'), 'the frame each of them copies (same positions as duplicateFrames)'),
    stepsBack: f('int', 'frames whose time stamp is earlier than the frame before them'),
    largestStepBack: f('double', 'seconds: the largest such step back in time'),
    stepBackFrames: f(list('int'), 'the first 50 frames where time went back'),
    repeatWindow: f('int', 'frames a new frame is compared with to find copies (older copies are not recognised)'),
    beyondWindow: f('int', 'steps back in time to before the oldest frame still compared: copies there cannot be recognised'),
  },
  Endpoint: {
    addr: f('string', 'IP address'),
    port: f('int', 'TCP port'),
    state: f('string', "RFC 9293 state at the end ('ESTABLISHED', 'TIME-WAIT', 'UNKNOWN', …)"),
    synFrame: f('int', 'frame of its SYN, 0 if not seen'),
    finFrame: f('int', 'frame of its first FIN, 0 if none'),
    rstFrame: f('int', 'frame of its first RST, 0 if none'),
    bytesSent: f('int', 'length of the byte stream it sent (highest offset)'),
    bytesAcked: f('int', 'how much of that stream the peer acknowledged'),
    bytesCaptured: f('int', 'payload bytes of that stream present in the capture'),
    unacked: f('int', 'bytesSent - bytesAcked'),
    segments: f('int', 'segments it sent'),
    windowScale: f('int', 'window scale shift from its SYN, -1 if unknown'),
    mss: f('int', 'MSS option from its SYN, -1 if absent'),
    lastTtl: f('int', 'IP TTL / hop limit of its last segment'),
  },
  TcpEvent: {
    count: f('int', 'occurrences (0 when the event never happened)'),
    frames: f(list('int'), 'proving frames, ascending (at most 200)'),
    first: f('int', 'first proving frame, 0 if none'),
    client: f('int', 'occurrences in segments the client sent'),
    server: f('int', 'occurrences in segments the server sent'),
  },
  Reset: {
    by: f('string', "'client' or 'server': who sent the first RST"),
    frame: f('int', 'frame of that RST'),
    time: f('double', 'its capture time, seconds since 1970'),
    senderState: f('string', "the resetter's TCP state just before"),
    peerState: f('string', "the other side's TCP state then"),
    unackedBySender: f('int', 'bytes the resetter had sent that the peer had not acknowledged'),
    unackedByPeer: f('int', 'bytes the peer had sent that the resetter had not acknowledged'),
    afterStrayAck: f('bool', 'the RST answered a stray ACK after FIN'),
    afterCommand: f('string', "FTP context: the last command sent before it ('' if none)"),
  },
  HalfClose: {
    by: f('string', "'client' or 'server': who sent the early FIN"),
    finFrame: f('int', 'frame of that FIN'),
    peerBytesAfter: f('int', 'payload bytes the peer still sent after it'),
    peerFramesAfter: f(list('int'), 'first frames of that data (at most 20)'),
    afterCommand: f('string', "FTP context: the last command sent before the FIN ('' if none)"),
  },
  StrayAck: {
    by: f('string', "'client' or 'server': who sent the stray segment"),
    finAckFrame: f('int', "where it first acknowledged the peer's FIN"),
    frame: f('int', 'the stray segment'),
    rstFrame: f('int', "the peer's RST that answered it, 0 if none"),
  },
  Connection: {
    id: f('int', "0-based, in order of first frame (Wireshark's tcp.stream)"),
    label: f('string', "what it is in words: 'control connection of session 0', 'data connection of RETR a.txt (transfer 2)', 'connection 5'"),
    role: f('string', "'control', 'data' or 'other'"),
    ipVersion: f('int', '4 or 6'),
    client: f(obj('Endpoint'), 'the side that sent the SYN (or the port heuristic’s guess)'),
    server: f(obj('Endpoint'), 'the other side'),
    roleGuessed: f('bool', 'no SYN seen: client/server come from a port heuristic'),
    firstFrame: f('int', 'first frame'),
    lastFrame: f('int', 'last frame'),
    startTime: f('double', 'seconds since 1970'),
    endTime: f('double', 'seconds since 1970'),
    duration: f('double', 'endTime - startTime, seconds'),
    connState: f('string', "Zeek conn_state: 'S0', 'SF', 'REJ', 'RSTO', …"),
    history: f('string', 'Zeek-style history letters (ShADadFf…)'),
    handshake: f('string', "'complete', 'refused' (SYN answered by RST), 'unanswered' (SYN only), 'unseen' (capture began later)"),
    closedBy: f('string', "'client', 'server', or '' while open"),
    closeKind: f('string', "'fin', 'rst', or ''"),
    closeFrame: f('int', 'frame of the closing FIN/RST, 0 if none'),
    ended: f('bool', 'closed out (both FINs acknowledged, RST, eviction or end of capture)'),
    evicted: f('bool', 'closed out early because the flow table was full'),
    idleEnded: f('bool', 'ended because it stayed silent for the idle timeout (--idle-timeout), without a close'),
    segments: f('int', 'segments both sides sent'),
    events: f({ map: obj('TcpEvent'), keys: TcpEventKinds }, 'every TCP event kind (rule ids of the TCP family), always present: c.events["retransmission"].count'),
    eventKinds: f(list('string'), 'the kinds with a count above 0'),
    reset: n(obj('Reset'), 'how it ended by RST; null if it did not'),
    halfClose: n(obj('HalfClose'), 'early half-close; null if none'),
    strayAck: n(obj('StrayAck'), 'stray ACK after FIN; null if none'),
    forgedResets: f(list(obj('ForgedReset')), 'RSTs whose TTL, IP ID or window do not fit the side they claim to come from (src/tcp/reset-origin.ts)'),
    silence: n(obj('Silence'), 'the longest time without a segment either way; null with fewer than two segments'),
    idleAtEnd: f('double', "seconds from its last segment to the capture's last TCP segment (0 for the last one, and for one closed by a FIN or RST: it ended rather than fell idle)"),
  },
  ForgedReset: {
    by: f('string', "'client' or 'server': the side the RST claims to come from"),
    addr: f('string', 'that side’s address'),
    frame: f('int', 'frame of the RST'),
    time: f('double', 'its capture time, seconds since 1970'),
    ttl: f('int', 'its IP TTL / hop limit'),
    initialTtl: f('int', 'the TTL its sender most likely started from: the common default (64, 128, 255) at or above ttl'),
    ipId: f('int', 'its IPv4 identification, -1 for IPv6'),
    window: f('int', 'its raw window field'),
    signals: f(list('string'), "what does not fit: 'ttl', 'ip-id', 'ip-id-copied', 'ip-id-host', 'window-copied'"),
    evidence: f('string', "one line: 'TTL 64 vs 63 on every other segment from 198.51.100.2 (12); IP ID 0 vs a sequence around 41230'"),
    endedConnection: f('bool', 'it is the RST that ended the connection (c.reset.frame)'),
  },
  Silence: {
    seconds: f('double', 'length of the silence'),
    fromFrame: f('int', 'last segment before it'),
    toFrame: f('int', 'first segment after it'),
    fromTime: f('double', 'seconds since 1970'),
    toTime: f('double', 'seconds since 1970'),
  },
  AddrPort: {
    addr: f('string', 'IP address'),
    port: f('int', 'TCP port'),
  },
  Reply: {
    code: f('int', 'three-digit code, 0 when the line had no valid code'),
    text: f('string', 'text after the code; lines of a multi-line reply joined with a newline'),
    lines: f('int', 'lines of the reply'),
    valid: f('bool', 'the code is 100..599 and the reply grammar held (RFC 959 §4.2)'),
    firstFrame: f('int', 'frame of its first line'),
    frame: f('int', 'frame of its last line'),
    time: f('double', 'seconds since 1970'),
    command: f('string', "verb of the command it answers ('' for the greeting and unsolicited replies)"),
    kind: f('string', "'greeting', 'preliminary' (1yz), 'final', or 'unsolicited' (no command pending, e.g. a 421 on timeout)"),
    preliminary: f('bool', 'a 1yz reply'),
    incomplete: f('bool', 'a multi-line reply whose last line never came'),
  },
  Command: {
    index: f('int', '0-based position in the session'),
    session: f('int', 'Session id'),
    verb: f('string', "upper-cased verb ('' for a blank line)"),
    arg: f('string', 'argument (PASS arguments read "REDACTED" unless --show-passwords)'),
    line: f('string', "verb and argument as one string ('RETR a.txt')"),
    frame: f('int', 'frame of the command'),
    time: f('double', 'seconds since 1970'),
    known: f('bool', 'a verb of the FTP RFCs'),
    answered: f('bool', 'a final (2yz–5yz) reply came'),
    code: f('int', 'final reply code, 0 if unanswered'),
    replyText: f('string', "final reply text, '' if unanswered"),
    replyFrame: f('int', 'frame of the final reply, 0 if unanswered'),
    replyValid: f('bool', 'the final reply was well formed (true when unanswered)'),
    latency: n('double', 'seconds from command to final reply; null if unanswered'),
    preliminary: f(list('int'), '1yz codes before the final reply'),
    telnetInterrupt: f('bool', 'sent after Telnet IP/Synch (the urgent ABOR sequence)'),
    overlong: f('bool', 'the line was longer than the line cap: arg was cut'),
    isLast: f('bool', 'the last command of its session'),
    transfer: f('int', 'Transfer id this command started, -1 if none'),
  },
  Mismatch: {
    transfer: f('int', 'Transfer id that used it, -1 if none did'),
    command: f('string', 'PORT, EPRT, LPRT (active) or PASV, LPSV (passive)'),
    frame: f('int', 'frame that announced the address'),
    addr: f('string', 'announced address'),
    port: f('int', 'announced port'),
    controlAddr: f('string', 'the address that side uses on the control connection'),
    accepted: f('bool', 'the server accepted it (2yz to PORT/EPRT/LPRT; always true for passive replies)'),
    connected: f('bool', 'a transfer used it and its data connection was made all the same'),
  },
  Tls: {
    authFrame: f('int', 'frame of the 234 answer to AUTH TLS/SSL, 0 if none'),
    encryptedFromFrame: f('int', 'first frame after which the control channel is TLS, 0 if never'),
    pbsz: f('string', "PBSZ argument, '' if none"),
    prot: f('string', "PROT level (C, S, E, P), '' if none"),
    clearAgainFrame: f('int', 'first frame where clear-text FTP resumed after TLS (CCC), 0 if never'),
  },
  Session: {
    id: f('int', '0-based, in order of the control connection'),
    control: f('int', 'Connection id of the control connection'),
    label: f('string', "'session 0 (10.0.0.1:51234 → 10.0.0.2:21)'"),
    client: f(obj('AddrPort'), 'client end of the control connection'),
    server: f(obj('AddrPort'), 'server end of the control connection'),
    firstFrame: f('int', 'first frame of the control connection'),
    lastFrame: f('int', 'last frame of the control connection'),
    startedMidSession: f('bool', 'no 220 greeting seen: the capture began mid-session'),
    greeting: f('int', 'greeting reply code, 0 if none seen'),
    greetingText: f('string', "greeting text, '' if none"),
    greetingFrame: f('int', 'frame of the greeting, 0 if none'),
    user: f('string', "USER argument, '' if none"),
    loggedIn: f('bool', 'a 230 (or 232) reply was seen'),
    loginFailures: f('int', '530 replies to USER, PASS or ACCT: failed logins'),
    loginFailureFrames: f(list('int'), 'frames of those 530 replies'),
    notLoggedInFrames: f(list('int'), 'frames of 530 replies to other commands (sent before logging in)'),
    type: f('string', 'TYPE in force at the end'),
    mode: f('string', 'MODE (S, B, C)'),
    stru: f('string', 'STRU (F, R, P)'),
    cwd: f('string', "working directory as last reported, '' if unknown"),
    features: f(list('string'), 'FEAT lines'),
    tls: f(obj('Tls'), 'TLS on the control channel'),
    commands: f(list(obj('Command')), 'every command, in order'),
    commandCount: f('int', 'size(s.commands)'),
    replies: f(list(obj('Reply')), 'every reply, greeting and preliminary ones included, in order'),
    replyCodes: f(list('int'), 'their codes, in order'),
    invalidReplies: f('int', 'replies without a valid code'),
    unanswered: f('int', 'commands without a final reply'),
    unparsedLines: f('int', 'lines that were neither a command nor a reply'),
    overlongLines: f('int', "control lines longer than the FTP parser's line cap (cut), both directions"),
    overlongFrames: f(list('int'), 'frames where such lines ended (at most 20)'),
    gaps: f('int', 'holes in the control stream (bytes missing from the capture)'),
    commandsDropped: f('int', "commands parsed but not kept (the per-session cap was reached)"),
    pendingOverflow: f('int', 'commands given up as unanswered because too many were awaiting replies (the pending-command cap was reached)'),
    pendingOverflowFrames: f(list('int'), 'frames of the commands that pushed one out (at most 20)'),
    transfers: f(list('int'), 'Transfer ids'),
    quitFrame: f('int', 'frame of QUIT, 0 if none'),
    passiveMismatches: f(list(obj('Mismatch')), '227/228 replies announcing another address than the server’s on the control connection (EPSV carries none)'),
    activeMismatches: f(list(obj('Mismatch')), 'PORT/EPRT/LPRT commands announcing another address than the client’s on the control connection'),
  },
  Transfer: {
    id: f('int', '0-based across the capture'),
    session: f('int', 'Session id'),
    label: f('string', "'RETR a.txt (transfer 2)'"),
    command: f('string', "RETR, STOR, STOU, APPE, LIST, NLST, MLSD, or 'unknown' (data connection of an encrypted control channel)"),
    argument: f('string', 'its argument as sent'),
    path: f('string', "argument resolved against the working directory, '' if unknown"),
    direction: f('string', "'download', 'upload', 'listing', or 'unknown'"),
    commandFrame: f('int', 'frame of the command'),
    mode: f('string', "'active', 'passive', or '' if no PORT/PASV was seen"),
    announceCommand: f('string', "PORT, EPRT, LPRT, PASV, EPSV, LPSV, or ''"),
    announceFrame: f('int', 'frame that announced the data endpoint, 0 if none'),
    announcedAddr: f('string', "announced address ('' for EPSV: the control peer's)"),
    announcedPort: f('int', 'announced port, 0 if none'),
    announceMismatch: f('bool', "the announced address differs from the control connection's"),
    dataConnection: f('int', 'Connection id of the data connection, -1 if none seen'),
    dataSetupFrames: f(list('int'), 'SYN attempts toward the announced endpoint'),
    setup: f('string', "data connection setup: 'established', 'refused' (SYN answered by RST), 'unanswered' (SYN, no answer), 'none' (no attempt seen)"),
    dataEndpoint: f('string', "the announced data endpoint as 'addr:port' (EPSV: the server's control address), '' if none"),
    connector: f('string', "who opens the data connection: 'client' (passive), 'server' (active), '' if unknown"),
    sender: f('string', "FTP role that sends the data: 'server' for downloads and listings, 'client' for uploads"),
    receiver: f('string', 'the other FTP role'),
    senderSide: f('string', "which end of d the sender is ('client' = d.client, the end that sent the SYN), '' without d"),
    resetBy: f('string', "who ended the data connection with RST: 'sender', 'receiver', or ''"),
    resetFrame: f('int', 'frame of that RST, 0 if none'),
    closedBy: f('string', "who closed the data connection first: 'sender', 'receiver', or ''"),
    closeKind: f('string', "how: 'fin', 'rst', or ''"),
    closeFrame: f('int', 'frame of that FIN/RST, 0 if none'),
    receiverAckedAll: f('bool', 'the receiver acknowledged every byte the sender sent'),
    linkedBy: f('string', "how the data connection was tied to the command: 'announcement', 'timing', or ''"),
    announcedFrom: f('string', "where announcedBytes came from: '150', '213' (SIZE), or ''"),
    dataLooksTls: f('bool', 'the first data bytes were a TLS record'),
    bytes: f('int', 'payload bytes the sender put on the data connection'),
    bytesAcked: f('int', 'of those, acknowledged by the receiver'),
    bytesMissing: f('int', 'bytes absent from the capture (gaps), not necessarily lost'),
    unacked: f('int', 'bytes - bytesAcked'),
    delivered: f('int', 'bytes that reached the receiver: bytesAcked when the receiver’s ACKs are in the capture, else bytes'),
    announcedBytes: n('int', 'size from 150 "(N bytes)" or a preceding 213 SIZE; null if none'),
    expectedBytes: n('int', 'announcedBytes minus restOffset: what should cross the data connection; null if unknown'),
    restOffset: f('int', 'REST offset before the command, 0 if none'),
    type: f('string', "TYPE in force ('A', 'I', …)"),
    startTime: f('double', 'seconds since 1970'),
    endTime: f('double', 'seconds since 1970'),
    duration: f('double', 'seconds'),
    rate: n('double', 'bytes per second on the data connection; null if unknown'),
    replyCodes: f(list('int'), 'every reply code to the command, preliminary and final'),
    preliminary: f('int', '1yz reply code, 0 if none'),
    preliminaryFrame: f('int', 'its frame, 0 if none'),
    final: f('int', 'final reply code, 0 if none'),
    finalText: f('string', "final reply text, '' if none"),
    finalFrame: f('int', 'its frame, 0 if none'),
    aborted: f('bool', 'ABOR was sent while it ran'),
    tlsProtected: f('bool', 'PROT P in force: the data is TLS records'),
    outcome: f('string', "the FTP stage's verdict: 'complete', 'aborted', 'failed', 'truncated', 'unknown'"),
  },
};

export interface ScopeVariable {
  readonly name: string;
  readonly type: TypeSpec;
  readonly nullable: boolean;
  readonly doc: string;
}

export const Scopes = ['capture', 'connection', 'session', 'transfer', 'command'] as const;
export type Scope = (typeof Scopes)[number];

/** The variables each scope binds; a rule may use only these. */
export const scopeVariables: Readonly<Record<Scope, readonly ScopeVariable[]>> = {
  capture: [{ name: 'capture', type: obj('Capture'), nullable: false, doc: 'the capture as a whole (evaluated once)' }],
  connection: [
    { name: 'c', type: obj('Connection'), nullable: false, doc: 'the TCP connection (evaluated for each)' },
    { name: 'role', type: 'string', nullable: false, doc: "'control', 'data' or 'other' (same as c.role)" },
    { name: 's', type: obj('Session'), nullable: true, doc: 'its FTP session (control or data connection), else null' },
    { name: 't', type: obj('Transfer'), nullable: true, doc: 'the transfer it carries (data connection), else null' },
  ],
  session: [
    { name: 's', type: obj('Session'), nullable: false, doc: 'the FTP session (evaluated for each)' },
    { name: 'c', type: obj('Connection'), nullable: false, doc: 'its control connection' },
  ],
  transfer: [
    { name: 't', type: obj('Transfer'), nullable: false, doc: 'the transfer (evaluated for each)' },
    { name: 's', type: obj('Session'), nullable: false, doc: 'its session' },
    { name: 'c', type: obj('Connection'), nullable: false, doc: 'the control connection' },
    { name: 'd', type: obj('Connection'), nullable: true, doc: 'the data connection, null if none was seen' },
    { name: 'cmd', type: obj('Command'), nullable: true, doc: 'the command that started it (null if not found)' },
  ],
  command: [
    { name: 'cmd', type: obj('Command'), nullable: false, doc: 'the command (evaluated for each command of each session)' },
    { name: 's', type: obj('Session'), nullable: false, doc: 'its session' },
    { name: 'c', type: obj('Connection'), nullable: false, doc: 'the control connection' },
  ],
};

/** Helper functions rules may call (pure; registered in cel-env.ts). */
export const factFunctions: readonly { signature: string; doc: string }[] = [
  { signature: 'fmtBytes(number) → string', doc: "'1234 bytes', '1.5 MB (1500000 bytes)'" },
  { signature: 'fmtRate(number|null) → string', doc: "'1.2 MB/s'; 'unknown' for null" },
  { signature: 'fmtSeconds(number|null) → string', doc: "'0.250 s', '12.5 s'; 'unknown' for null" },
  { signature: 'fmtFrames(list) → string', doc: "'12, 13, 40' (first 8, then '… (+N more)'); 'none' for []" },
  { signature: 'plural(int, string) → string', doc: "plural(3, 'segment') → '3 segments', plural(1, 'reply') → '1 reply'" },
  { signature: 'fmtPct(number, number) → string', doc: "fmtPct(3, 200) → '1.5%'" },
  { signature: 'pct(number, number) → double', doc: 'a / b × 100, 0.0 when b is 0' },
  { signature: 'replyMeaning(int) → string', doc: 'the RFC meaning of a reply code (rules/reply-codes.yaml)' },
];
