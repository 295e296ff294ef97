// The public JSON report (`analyze --json`, `live --json`'s report event): every field declared
// once, here, with what it means. The mappers (report/json/mappers.ts) must produce exactly these
// types; scripts/build-schema.ts writes the JSON Schema shipped in schema/ from them; a test
// validates every report of captures/ and the corpus against it. Detector state (IP header
// histories, open stall periods, the FTP stage's working state) is not part of it.
//
// REPORT_VERSION goes up with every change to a field's name, type or meaning (CHANGELOG.md says
// what changed); adding an optional value to an enum counts too.

import { bool, exactly, int, jsonSchema, list, nullable, num, obj, oneOf, record, ref, str, type JsonOf } from './schema.ts';

/** Version of the report's shape (ftpdiag.reportVersion). */
export const REPORT_VERSION = 2;

const side = oneOf(['client', 'server']);
const frameList = (description: string) => list(int(), description);

// ---- capture -----------------------------------------------------------------------------------

const capture = ref(
  'Capture',
  obj({
    file: str('the capture as given (files merged by time: joined by " + "; standard input: "-")'),
    format: oneOf(['pcap', 'pcapng']),
    nanosecond: bool('classic pcap with nanosecond timestamps'),
    compressed: nullable(oneOf(['gzip'])),
    linkTypes: list(int(), 'LINKTYPE_* numbers, in order of first appearance'),
    linkTypeNames: list(str(), "their names ('EN10MB', 'LINUX_SLL2', or 'LINKTYPE_N')"),
    frames: int('frames read'),
    bytes: int('bytes of the (decompressed) capture read'),
    truncated: bool('the capture ended inside a record'),
    warnings: list(obj({ offset: int('byte offset'), message: str() })),
    merged: nullable(
      obj({
        files: list(obj({ file: str(), frames: int(), format: oneOf(['pcap', 'pcapng']) })),
        command: str('the mergecap command whose output has the same frame numbers'),
      }),
    ),
    repeats: obj(
      {
        duplicates: int('frames left out as copies of earlier frames'),
        duplicateFrames: frameList('the first 50 of them'),
        originalFrames: frameList('the frame each of those copies'),
        stepsBack: int('frames whose time is earlier than the frame before them'),
        largestStepBack: num('seconds'),
        stepBackFrames: frameList('the first 50 of those frames'),
        windowFrames: int('frames compared for copies'),
        beyondWindow: int('steps back to a time older than any frame still compared'),
      },
      'copies of frames and time going backwards',
    ),
    decode: obj({
      tcp: int('frames carrying TCP'),
      notIp: int(),
      notTcp: int(),
      fragments: int('IP fragments'),
      malformed: int(),
      truncated: int('frames cut by the snap length inside a header'),
      unsupportedLinkType: int(),
      firstMalformed: nullable(obj({ frame: int(), reason: str() })),
      encapsulations: list(obj({ id: str(), name: str(), frames: int(), malformed: int(), truncated: int() })),
      fragmentConflicts: list(
        obj({ offset: int(), firstFrame: int(), frame: int(), first: str('bytes of the copy kept (credentials hidden unless --show-passwords)'), second: str() }),
        'IP fragments whose overlapping bytes disagree, the first 20',
      ),
      fragmentConflictCount: int(),
    }),
  }),
);

// ---- TCP ---------------------------------------------------------------------------------------

const tcpState = oneOf(['LISTEN', 'SYN-SENT', 'SYN-RECEIVED', 'ESTABLISHED', 'FIN-WAIT-1', 'FIN-WAIT-2', 'CLOSE-WAIT', 'CLOSING', 'LAST-ACK', 'TIME-WAIT', 'CLOSED', 'UNKNOWN']);

const endpoint = ref(
  'Endpoint',
  obj({
    addr: str(),
    port: int(),
    state: tcpState,
    transitions: list(obj({ state: tcpState, frame: int(), time: num() }), 'state changes with their frames'),
    transitionsNotKept: int('state changes beyond the list kept'),
    isn: nullable(int('initial sequence number; null when the SYN was not seen')),
    synFrame: nullable(int()),
    finFrame: nullable(int('first FIN it sent')),
    rstFrame: nullable(int('first RST it sent')),
    bytesSent: int('payload bytes it sent (stream length)'),
    bytesAcked: int('of those, acknowledged by the peer'),
    bytesCaptured: int('of those, present in the capture'),
    segments: int(),
    windowScale: int('-1 unknown or not agreed'),
    mss: int('-1 absent'),
    lastTtl: int(),
    stall: nullable(
      obj(
        {
          count: int('segments advertising a zero window'),
          periods: int(),
          total: num('seconds closed'),
          longest: num('seconds'),
          longestFrom: int(),
          longestTo: int(),
          closedAtEnd: bool(),
        },
        'how long it kept its receive window closed',
      ),
    ),
    retransmissionsAfterFin: int(),
    gapBytesFilled: int(),
    missingUnacked: int('bytes of its stream neither captured nor acknowledged'),
  }),
);

const eventKinds = [
  'handshake-unanswered', 'handshake-refused', 'tcp-reset', 'early-half-close', 'stray-ack-after-fin', 'data-after-fin', 'data-after-reset',
  'retransmission', 'fast-retransmission', 'spurious-retransmission', 'out-of-order', 'lost-segment', 'ack-unseen', 'duplicate-ack',
  'zero-window', 'window-full', 'keep-alive', 'reassembly-overflow', 'inconsistent-retransmission', 'flow-evicted',
] as const;

const connection = ref(
  'Connection',
  obj({
    id: int("0-based in order of first frame: Wireshark's tcp.stream"),
    role: oneOf(['control', 'data', 'attempt', 'other'], 'what the FTP stage made of it'),
    label: str("what the report calls it: 'control connection of session 0 (…)'"),
    ipVersion: int(),
    client: endpoint,
    server: endpoint,
    roleGuessed: bool('no SYN seen: client and server come from a port heuristic'),
    firstFrame: int(),
    lastFrame: int(),
    startTime: num('seconds since 1970'),
    endTime: num(),
    connState: str("Zeek's conn_state"),
    history: str("Zeek's history letters"),
    closedBy: nullable(side),
    closeKind: nullable(oneOf(['fin', 'rst'])),
    closeFrame: nullable(int()),
    ended: bool(),
    evicted: bool(),
    idleEndedAt: nullable(num('capture time the engine stopped waiting for it (idle timeout)')),
    events: record(obj({ count: int(), frames: frameList('the first 200'), client: int(), server: int() }), eventKinds, 'what the TCP engine detected, by kind'),
    reset: nullable(
      obj({
        by: side,
        frame: int(),
        time: num(),
        senderState: tcpState,
        peerState: tcpState,
        unackedBySender: int(),
        unackedByPeer: int(),
        afterStrayAck: bool(),
        senderFinFrame: int('0: none'),
        peerFinFrame: int('0: none'),
        peerFinished: bool(),
      }),
    ),
    nat: nullable(
      obj({
        translated: side,
        addr: str(),
        port: int(),
        frame: int(),
        alg: list(obj({ side, frame: int(), delta: int() })),
      }),
    ),
    halfClose: nullable(obj({ by: side, finFrame: int(), peerBytesAfter: int(), peerFramesAfter: frameList('the first 20') })),
    strayAck: nullable(obj({ by: side, finAckFrame: int(), frame: int(), rstFrame: nullable(int()), ackBelow: int() })),
    conflicts: list(
      obj({
        by: side,
        offset: int(),
        firstFrame: int(),
        frame: int(),
        first: str('bytes of the copy analysed (credentials hidden unless --show-passwords)'),
        second: str(),
        firstLine: nullable(str('the command line as the first copy has it')),
        secondLine: nullable(str()),
        taken: nullable(oneOf(['first', 'second'])),
        replyFrame: int(),
      }),
      'copies of its bytes that disagree (inconsistent retransmissions), the first 20',
    ),
    longestSilence: nullable(obj({ seconds: num(), fromFrame: int(), toFrame: int(), fromTime: num(), toTime: num() })),
  }),
);

// ---- TLS (FTPS) --------------------------------------------------------------------------------

const frameOrNull = (description?: string) => nullable(int(description));

const tlsSideEnd = ref(
  'TlsSideEnd',
  obj({
    closeNotifyFrame: frameOrNull('its close_notify alert'),
    closeNotify: nullable(oneOf(['clear', 'decrypted', 'probable'])),
    closeNotifyKnowable: bool('false where an alert could hide in undecrypted TLS 1.3 records'),
    fatalAlertFrame: frameOrNull(),
    finFrame: frameOrNull(),
    rstFrame: frameOrNull(),
    lastRecordFrame: frameOrNull(),
    lastRecordLength: int(),
    ending: oneOf(['close-notify', 'probable-close-notify', 'fin-without-close-notify', 'rst-without-close-notify', 'fin-unknown', 'rst-unknown', 'open']),
  }),
);

const tlsConnection = ref(
  'TlsConnection',
  obj(
    {
      clientHello: nullable(
        obj({
          frame: int(),
          time: num(),
          recordVersion: int('version in the record header that carried it'),
          legacyVersion: int('client_version (0x0303 for TLS 1.2 and 1.3 clients)'),
          versions: list(int(), 'supported_versions when present, else [legacyVersion]'),
          cipherSuites: list(int(), 'offered, the first 128'),
          cipherSuitesDropped: int('offered beyond those'),
          sni: nullable(str('server_name, raw')),
          alpn: list(str(), 'protocols offered, raw'),
          sessionId: str('legacy_session_id, hex ("" none)'),
          ticket: oneOf(['absent', 'empty', 'present'], 'session_ticket extension (present: a ticket offered for resumption)'),
          ticketLength: int(),
          ticketDigest: str('sha256 of the offered ticket, first 16 hex digits ("" none)'),
          pskIdentities: int('TLS 1.3 pre_shared_key identities offered'),
          pskModes: list(int()),
          earlyData: bool('0-RTT offered'),
          extendedMasterSecret: bool(),
          encryptThenMac: bool(),
          renegotiationInfo: bool(),
          extensions: list(int(), 'extension types in order, the first 128'),
          sslv2: bool('framed as an SSLv2-compatible hello'),
          random: str('client random, hex'),
        }),
      ),
      serverHello: nullable(
        obj({
          frame: int(),
          time: num(),
          legacyVersion: int(),
          version: int('chosen'),
          cipherSuite: int(),
          sessionId: str('hex'),
          helloRetryRequest: bool(),
          alpn: nullable(str()),
          extendedMasterSecret: bool(),
          encryptThenMac: bool(),
          ticketExtension: bool('the server will send a NewSessionTicket'),
          pskSelected: nullable(int('TLS 1.3: index of the identity the server accepted')),
          extensions: list(int()),
          random: str('hex'),
        }),
      ),
      helloRetry: bool(),
      version: nullable(int('negotiated (0x0304: TLS 1.3)')),
      cipherSuite: nullable(int()),
      resumption: obj({
        offered: list(oneOf(['session-id', 'ticket', 'psk'])),
        accepted: nullable(bool('null: the handshake did not get far enough to say')),
        how: nullable(oneOf(['session-id', 'ticket', 'psk'])),
        evidence: str('what the decision rests on'),
      }),
      certificates: list(
        obj({
          from: side,
          frame: int(),
          index: int('position in the chain (0: the sender\'s own)'),
          visible: oneOf(['clear', 'decrypted']),
          subject: str('raw'),
          issuer: str('raw'),
          serialNumber: str(),
          validFrom: str('ISO 8601'),
          validTo: str('ISO 8601'),
          keyType: str(),
          keyBits: int('0 unknown'),
          curve: nullable(str()),
          selfSigned: bool(),
          fingerprint256: str(),
          altNames: nullable(str('subjectAltName, raw')),
          error: nullable(str('the DER could not be read (the other fields are then empty)')),
        }),
        'the first 10',
      ),
      certificatesDropped: int(),
      alerts: list(
        obj({
          from: side,
          frame: int(),
          time: num(),
          visible: oneOf(['clear', 'decrypted', 'encrypted']),
          level: int('1 warning, 2 fatal, -1 unknown (encrypted)'),
          levelName: oneOf(['warning', 'fatal', 'unknown']),
          description: int('-1 unknown (encrypted)'),
          name: str("'close_notify', 'unknown_ca', … ('encrypted' when unknown)"),
          meaning: str(),
        }),
        'the first 16',
      ),
      alertsDropped: int(),
      changeCipherSpec: obj({ client: frameOrNull(), server: frameOrNull() }, "frame of each side's first"),
      newSessionTickets: obj({ count: int(), firstFrame: frameOrNull(), visible: nullable(oneOf(['clear', 'decrypted'])), digests: list(str(), 'TLS ≤ 1.2 tickets issued, the first 4') }),
      finished: obj({ client: frameOrNull(), server: frameOrNull() }, "frame of each side's Finished"),
      keyUpdates: obj({ client: int(), server: int() }, 'TLS 1.3 KeyUpdate messages (decrypted)'),
      records: obj({ client: int(), server: int() }),
      applicationData: obj(
        {
          client: obj({ records: int(), bytes: int('ciphertext bytes'), plaintextEstimate: int('-1 unknown'), sizes: list(int(), 'body lengths of the first 4 records') }),
          server: obj({ records: int(), bytes: int('ciphertext bytes'), plaintextEstimate: int('-1 unknown'), sizes: list(int(), 'body lengths of the first 4 records') }),
        },
        'application_data records after the handshake',
      ),
      plaintext: obj({ client: int('plaintext application bytes decrypted'), server: int('plaintext application bytes decrypted') }),
      end: obj({ client: tlsSideEnd, server: tlsSideEnd }),
      decryption: obj({
        state: oneOf(['no-key-log', 'no-keys-for-connection', 'unsupported-version', 'unsupported-cipher-suite', 'no-handshake', 'decrypting', 'failing']),
        reason: nullable(str('why, in one line (never a key)')),
        missingLabels: list(str(), 'key log labels needed and absent'),
        records: obj({ client: int('records decrypted'), server: int('records decrypted') }),
        failures: list(obj({ from: side, frame: int(), reason: oneOf(['bad-record-mac', 'bad-padding', 'bad-length', 'incomplete-record', 'early-data', 'lost-sync']) }), 'the first 16'),
        failureCount: int(),
      }),
      anomalies: list(
        obj({ kind: oneOf(['lost-sync', 'resynced', 'malformed-handshake', 'handshake-too-large', 'unexpected-record', 'bytes-missing', 'not-tls']), from: side, frame: int(), detail: str() }),
        'the first 16',
      ),
    },
    'one TLS connection as src/tls read it (FTPS control or data connection); no key material',
  ),
);

/** How a TLS stream ended, in FTP roles (the session's control connection, a transfer's data connection). */
const tlsEndingProps = {
  clientCloseNotify: oneOf(['sent', 'not-sent', 'unknown']),
  serverCloseNotify: oneOf(['sent', 'not-sent', 'unknown']),
  closedBy: nullable(side),
  closeKind: nullable(oneOf(['fin', 'rst'])),
  closeFrame: nullable(int()),
  verdict: oneOf(['clean', 'no-close-notify', 'reset-after-close-notify', 'reset', 'open', 'unknown']),
  resetHarmless: bool('its RST came after both TLS streams were over'),
} as const;

// ---- FTP ---------------------------------------------------------------------------------------

const reply = ref(
  'Reply',
  obj({
    code: int('0 when the line had no valid code'),
    text: str('lines of a multi-line reply joined with \\n'),
    lines: int(),
    valid: bool(),
    firstFrame: int(),
    frame: int('where the reply is complete'),
    time: num(),
    overlong: bool(),
    incomplete: bool(),
  }),
);

const announcement = ref(
  'Announcement',
  obj({
    mode: oneOf(['active', 'passive']),
    command: str('PORT, EPRT, LPRT, PASV, EPSV or LPSV'),
    addr: nullable(str('null for EPSV')),
    port: int(),
    frame: int('of the command (active) or the reply (passive)'),
    controlPeerAddr: str(),
    mismatch: bool('the address is not the control connection peer'),
    family: int(),
  }),
);

const command = ref(
  'Command',
  obj({
    index: int(),
    verb: str(),
    arg: str('secrets (PASS, ACCT, SITE PSWD …) REDACTED unless --show-passwords'),
    frame: int(),
    lastFrame: int(),
    time: num(),
    known: bool(),
    preliminary: list(reply),
    reply: nullable(reply),
    telnetInterrupt: bool(),
    overlong: bool(),
    unanswered: bool(),
    unsupported: bool(),
    cwd: nullable(str('working directory it was acted on in (once the commands before it were answered)')),
    path: nullable(str('the path it names, resolved against cwd')),
    login: nullable(int('index into the session\'s logins of the login in force')),
    announcement: nullable(announcement),
  }),
);

/** A session's TLS (FTPS control channel): AUTH, PBSZ/PROT and what src/tls read. */
export const sessionTls = obj({
  authFrame: nullable(int()),
  encryptedFromFrame: nullable(int()),
  pbsz: nullable(str()),
  prot: nullable(str()),
  clearAgainFrame: nullable(int()),
  implicit: bool('TLS from the first byte (implicit FTPS, port 990)'),
  decrypted: bool('the control channel was read through the key log (--keylog)'),
  connection: nullable(tlsConnection),
  ending: nullable(obj(tlsEndingProps)),
  failureReply: nullable(reply),
  protInferred: nullable(oneOf(['P', 'C'], "data protection in force, from PROT's reply or, unreadable, from the data connections")),
  protEvidence: str('what protInferred rests on ("" when null)'),
});

/** A transfer's data connection carrying TLS. */
export const transferTls = obj({
  ...tlsEndingProps,
  clientBytes: int('TLS bytes the FTP client sent'),
  serverBytes: int('TLS bytes the FTP server sent'),
  connection: tlsConnection,
  dataFrom: obj(
    {
      from: nullable(side),
      confidence: nullable(oneOf(['high', 'medium', 'low'])),
      dataBytes: obj({ client: int(), server: int() }, 'application bytes each way the judgement used (plaintext with keys)'),
      evidence: str(),
    },
    'which FTP role sent the data, from the TLS records (certain when decrypted)',
  ),
  endedAfterHandshake: bool('the server ended it right after the handshake, no data either way'),
  plaintext: nullable(obj({ client: int(), server: int() }, 'decrypted bytes each way (null: not decrypted)')),
  plaintextMissing: int('bytes of records that did not decrypt, both ways'),
});

const session = ref(
  'Session',
  obj({
    id: int(),
    control: int('Connection.id of the control connection'),
    client: obj({ addr: str(), port: int() }),
    server: obj({ addr: str(), port: int() }),
    startedMidSession: bool('no 220 greeting seen'),
    greeting: nullable(reply),
    user: nullable(str()),
    password: nullable(str('REDACTED unless --show-passwords')),
    loggedIn: bool(),
    loginState: oneOf(['logged-in', 'failed', 'not-logged-in', 'unknown']),
    logins: list(obj({ user: nullable(str()), password: nullable(str('REDACTED unless --show-passwords')), commands: list(int()) }), 'login attempts in order'),
    type: str(),
    mode: str(),
    stru: str(),
    cwd: nullable(str('working directory at the end')),
    features: list(str()),
    tls: sessionTls,
    commands: list(command),
    commandsDropped: int('commands past the per-session cap, counted not kept'),
    unsolicited: list(reply, 'replies with no command pending'),
    unparsedLines: int(),
    overlongLines: int(),
    overlongFrames: frameList('the first 20'),
    gaps: int('holes in the control stream'),
    pendingOverflow: int(),
    pendingOverflowFrames: frameList('the first 20'),
    transfers: list(int()),
    ended: bool(),
  }),
);

const byteCount = (description: string) => nullable(int(description));

const transfer = ref(
  'Transfer',
  obj({
    id: int(),
    session: nullable(int('null: a data connection whose control connection is not in the capture')),
    label: str("what the report calls it: 'RETR a.bin (transfer 3)'"),
    command: oneOf(['RETR', 'STOR', 'STOU', 'APPE', 'LIST', 'NLST', 'MLSD', 'unknown']),
    argument: str(),
    path: nullable(str()),
    direction: oneOf(['download', 'upload', 'listing', 'unknown']),
    commandFrame: int(),
    commandTime: num(),
    mode: nullable(oneOf(['active', 'passive'])),
    transmissionMode: str(),
    type: str(),
    announcement: nullable(announcement),
    dataConnection: nullable(int()),
    dataCandidates: list(int(), 'every connection tried toward the announced endpoint'),
    dataSetupFrames: frameList('SYNs toward the data endpoint'),
    linkedBy: nullable(oneOf(['announcement', 'timing'])),
    dataEvidence: nullable(oneOf(['port-20', 'one-way'])),
    sender: nullable(side),
    dataSides: nullable(
      obj(
        { ftpClient: side, ftpServer: side, sender: nullable(side), receiver: nullable(side), counted: side },
        'which endpoint (client/server) of the data connection is the FTP client, the FTP server, the sender and the receiver',
      ),
    ),
    bytesStatus: oneOf(['counted', 'not-captured', 'not-opened', 'encrypted'], "how to read bytes: null unless 'counted'"),
    bytes: byteCount('file bytes the sender put on the data connection'),
    bytesAcked: byteCount('of those, acknowledged by the receiver'),
    bytesMissing: byteCount('of those, absent from the capture'),
    announcedBytes: nullable(int()),
    announcedFrom: nullable(oneOf(['150', '213'])),
    expectedBytes: nullable(int()),
    restOffset: int(),
    startTime: num(),
    endTime: num(),
    duration: num('seconds'),
    rate: nullable(num('bytes per second')),
    replyCodes: list(int()),
    preliminaryReply: nullable(reply),
    finalReply: nullable(reply),
    aborted: bool(),
    tlsProtected: bool(),
    dataLooksTls: nullable(bool()),
    tlsData: nullable(transferTls),
    dataClose: obj({ by: nullable(side), byRole: nullable(oneOf(['sender', 'receiver'])), kind: nullable(oneOf(['fin', 'rst'])), frame: nullable(int()) }),
    receiverAckedAll: bool(),
    inProgressAtEnd: bool(),
    outcome: oneOf(['complete', 'aborted', 'failed', 'truncated', 'unknown']),
  }),
);

// ---- diagnosis ---------------------------------------------------------------------------------

const finding = ref(
  'Finding',
  obj({
    id: str('the rule id'),
    severity: oneOf(['error', 'warning', 'info']),
    title: str(),
    summary: str(),
    explanation: str(),
    causes: list(str()),
    action: str(),
    references: list(str()),
    frames: frameList('Wireshark frame numbers that prove it, ascending'),
    connection: nullable(int()),
    session: nullable(int()),
    transfer: nullable(int()),
  }),
);

const clientLogins = ref(
  'ClientLogins',
  obj({
    client: str(),
    server: str(),
    serverPort: int(),
    sessions: int(),
    failures: int(),
    failedSessions: int(),
    failureFrames: frameList('the first 200'),
    users: list(str()),
    usersTried: int(),
    unknownUser: int(),
    firstFailureFrame: int(),
    firstFailureTime: num(),
    lastFailureFrame: int(),
    lastFailureTime: num(),
    firstSession: int(),
    success: nullable(obj({ user: str(), frame: int(), time: num(), session: int() })),
  }),
);

// ---- the report --------------------------------------------------------------------------------

export const reportShape = obj({
  ftpdiag: obj({ reportVersion: exactly(REPORT_VERSION, 'the version of this shape'), version: str('the version of ftpdiag that wrote it') }),
  capture,
  error: nullable(obj({ message: str(), offset: int(), code: str() }, 'the capture could not be read to the end: the report covers what came before')),
  summary: obj({ connections: int(), sessions: int(), transfers: int(), findings: int(), errors: int(), warnings: int(), info: int() }),
  connections: list(connection),
  sessions: list(session),
  transfers: list(transfer),
  findings: list(finding, 'by severity, then first frame'),
  logins: list(clientLogins, 'refused logins per client and server, across sessions'),
  replyCodes: list(obj({ code: int(), count: int(), frames: frameList('the first 50'), meaning: str(), className: str(), references: list(str()) })),
  ruleErrors: list(obj({ rule: str(), file: str(), line: int(), message: str(), count: int() })),
});

export type ReportJson = JsonOf<typeof reportShape>;
export type CaptureJson = JsonOf<typeof capture>;
export type EndpointJson = JsonOf<typeof endpoint>;
export type ConnectionJson = JsonOf<typeof connection>;
export type ReplyJson = JsonOf<typeof reply>;
export type CommandJson = JsonOf<typeof command>;
export type SessionJson = JsonOf<typeof session>;
export type TransferJson = JsonOf<typeof transfer>;
export type FindingJson = JsonOf<typeof finding>;
export type ClientLoginsJson = JsonOf<typeof clientLogins>;

/** The report's JSON Schema (schema/report.schema.json is this, written by scripts/build-schema.ts). */
export function reportSchema(): Record<string, unknown> {
  return jsonSchema(reportShape, {
    id: `https://ftpdiag.invalid/schema/report-${REPORT_VERSION}.schema.json`,
    title: `ftpdiag report, version ${REPORT_VERSION}`,
    description: 'The document `ftpdiag analyze --json` writes (and the report event of `ftpdiag live --json`).',
  });
}
