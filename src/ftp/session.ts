// One FTP control connection: splits both directions into lines, pairs commands with replies,
// keeps the session state (user, TYPE, working directory, TLS, REST, SIZE answers) and turns
// data-channel commands into DataSetups and transfer commands into TransferTracks. Linking data
// connections and judging transfers is the analyzer's job (analyzer.ts), told through hooks.

import type { Connection, DataConflict, Side } from '../tcp/types.ts';
import type { DataEndpointAnnouncement, FtpCommand, FtpReply, Session, Transfer } from './types.ts';
import { isKnownVerb, isTransferVerb, plausibleReply, redactArgument, saysNotSupported, splitCommandLine, transferDirections } from './commands.ts';
import { DEFAULT_MAX_LINE, LineSplitter, type ControlLine } from './lines.ts';
import { ReplyAssembler, isBlank } from './replies.ts';
import { TlsRecordWalker, isTlsHandshakeStart, isTlsRecordHeader } from './tls-records.ts';
import { FtpTlsChannel, tlsEnding, type FtpTlsContext } from './tls-channel.ts';
import { parse227, parse228, parse229, parseEprt, parseLprt, parsePort, type AnnouncedEndpoint } from './address-parsers.ts';
import { parse150Size, parse213Size } from './reply-parsers.ts';
import { cwdAfterReply, listingOperand, resolvePath } from './paths.ts';

/** Commands waiting for their final reply; beyond this the oldest is given up (unanswered). */
export const MAX_PENDING = 1024;
/** Commands kept per session; later ones are parsed, paired and counted, not stored. */
export const MAX_COMMANDS = 100_000;

/** Per-session bounds a caller may tighten (untrusted input: every buffer is capped). */
export interface ControlLimits {
  maxLine: number; //     bytes per control line before it is cut (and reported overlong)
  maxPending: number; //  commands awaiting their final reply before the oldest is given up
  maxCommands: number; // commands kept per session (Session.commands); later ones are counted
}

export const defaultControlLimits: ControlLimits = { maxLine: DEFAULT_MAX_LINE, maxPending: MAX_PENDING, maxCommands: MAX_COMMANDS };
/** Session-level replies kept. */
const MAX_UNSOLICITED = 100;
/** Preliminary replies kept per command, reply codes per transfer. */
const MAX_PRELIMINARY = 20;
const MAX_REPLY_CODES = 50;
/** SIZE answers remembered per session (path → bytes). */
const MAX_SIZES = 256;
/** FEAT lines kept. */
const MAX_FEATURES = 200;
/** Bytes of an unfinished client line that make a reply arriving with no command pending its
 *  answer (no real command is this long; a server answers such a line before its end). */
const ANSWERED_PARTIAL = 512;
/** Client lines remembered with their stream offsets, to place a later copy that disagrees. */
const RECENT_LINES = 32;
/** Copies that disagree waiting for their command's reply, per session. */
const MAX_JUDGED_CONFLICTS = 20;
/** Acknowledged gaps in the server's stream remembered, to tell a reply the capture dropped. */
const MAX_DROPPED = 32;

/** A client line and where it lies in the stream. */
interface LineAt {
  cmd: FtpCommand;
  offset: number; //  stream offset of its first byte
  wire: number; //    bytes it took on the wire
  text: string;
  exact: boolean; //  text[i] is the byte at offset + i (no Telnet command, not cut, Latin-1)
}

/** Whether reply text names the verb (a word) or the file name (its last path part, 3+ characters). */
function names(text: string, cmd: { verb: string; arg: string }): boolean {
  const t = text.toUpperCase();
  if (/^[A-Z]{3,4}$/.test(cmd.verb) && new RegExp(`\\b${cmd.verb}\\b`).test(t)) return true;
  const base = cmd.arg.trim().split('/').pop() ?? '';
  return base.length >= 3 && t.includes(base.toUpperCase());
}

/** Frames kept in Session.overlongFrames and Session.pendingOverflowFrames. */
const MAX_OVERLONG_FRAMES = 20;

/** One PORT/EPRT/LPRT or PASV/EPSV/LPSV exchange and what came of it. */
export interface DataSetup {
  session: ControlSession;
  command: FtpCommand; //                          the command that set the data channel up
  mode: 'active' | 'passive';
  announcement: DataEndpointAnnouncement | null; // null until a passive reply gives it, or if malformed
  refused: boolean; //                             the server's reply rejected it (or it was unparseable)
  transfer: TransferTrack | null; //               the transfer command that used it
  conns: Connection[]; //                          connections seen toward the endpoint before a transfer took it
  listeners: Map<number, Side>; //                 per such connection: which of its endpoints was the announced one
  keys: string[]; //                               expectation-table keys registered for it (analyzer's)
}

/** A transfer and the analyzer's working state for it. */
export interface TransferTrack {
  t: Transfer;
  session: ControlSession;
  setup: DataSetup | null;
  conns: Connection[]; //            candidate data connections, in order seen (≤ 50)
  listeners: Map<number, Side>; //   per candidate: its endpoint that was the announced listener
  ended: Set<number>; //             candidates whose onEnd has come
  settled: boolean; //               facts and outcome are final; transferDone fired
}

export interface SessionHooks {
  /** A data endpoint is known (PORT sent, or 227/228/229 received): expect a connection to it. */
  announced(session: ControlSession, setup: DataSetup): void;
  /** A setup will carry no (more) connections: refused, superseded. */
  retired(setup: DataSetup): void;
  /** A transfer command was sent (or an unknown transfer was inferred). */
  transferStarted(track: TransferTrack): void;
  /** A transfer's final reply came, or its session ended: it may be settled. */
  transferUpdated(track: TransferTrack): void;
}

type StreamMode = 'lines' | 'tls';

interface Pending {
  cmd: FtpCommand;
  prev?: string; //            TYPE/MODE/STRU in force before this command (undone on refusal)
  setup?: DataSetup;
  track?: TransferTrack;
}

const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');

// USER x   PASV   NOOP
/** A client line starts here: a known verb (3–5 letters, any case) then SP (or HT), CR or LF. */
export function clientLineStart(data: Buffer, i: number): boolean {
  let verb = '';
  for (let k = i; k < data.length && k < i + 6; k++) {
    const c = data[k]!;
    if (c === 0x20 || c === 0x09 || c === 0x0d || c === 0x0a) return verb.length >= 3 && isKnownVerb(verb);
    const up = c & 0xdf;
    if (up < 0x41 || up > 0x5a) return false;
    verb += String.fromCharCode(up);
  }
  return false;
}

// 226 Transfer complete   211-Features
/** A server line starts here: three digits, the first 1–6, then SP, '-' or CR. */
export function serverLineStart(data: Buffer, i: number): boolean {
  if (i + 4 > data.length) return false;
  const a = data[i]!;
  if (a < 0x31 || a > 0x36) return false;
  for (let k = 1; k < 3; k++) {
    const c = data[i + k]!;
    if (c < 0x30 || c > 0x39) return false;
  }
  const s = data[i + 3]!;
  return s === 0x20 || s === 0x2d || s === 0x0d;
}

export class ControlSession {
  readonly session: Session;
  readonly conn: Connection;
  private readonly splitters: Record<Side, LineSplitter>; //  by FTP role
  private readonly walkers: Record<Side, TlsRecordWalker>; //  by FTP role
  private readonly modes: Record<Side, StreamMode> = { client: 'lines', server: 'lines' };
  private readonly assembler = new ReplyAssembler();
  private pending: Pending[] = []; //       commands awaiting their final reply, oldest first
  private commandCount = 0; //              commands parsed (FtpCommand.index)
  private greetingDone = false; //          the first reply has been placed
  private readonly sawSyn: boolean; //      the control connection was seen from its handshake
  private setup: DataSetup | null = null; // latest data-channel set-up no transfer has used yet
  private readonly running: TransferTrack[] = []; // transfers without a final reply
  readonly tracks: TransferTrack[] = []; // every transfer of this session
  private rest: { offset: number; by: Pending } | null = null; // REST waiting for its transfer
  private readonly sizes = new Map<string, number>(); // SIZE answers: path (or raw argument) → bytes
  private authSent = false; //              AUTH was sent: a TLS handshake may follow
  private lastInvalid: Pending | null = null; // the latest command answered by an invalid line
  private readonly recentLines: LineAt[] = []; // the latest client command lines, where they lie in the stream
  private readonly conflicts: Array<{ c: DataConflict; cmd: FtpCommand | null }> = []; // copies that disagree, not judged yet (cmd null: its line has not ended)
  private cutCommand: FtpCommand | null = null; // the command of the client line last delivered cut (its end is still to come)
  private cutLines = 0; //                  client lines delivered cut: how a server treated them is unknown
  private readonly droppedReplies: Array<{ frame: number; bytes: number }> = []; // server bytes the capture dropped (acknowledged gaps), the latest MAX_DROPPED
  private tls: FtpTlsChannel | null = null; // the control connection's TLS (FTPS), from AUTH's 234 or the first byte
  private awaitFailureReply = false; //      cleartext came back after a failed handshake: its reply answers AUTH

  constructor(
    id: number,
    conn: Connection,
    ftpServer: Side, //                     which Connection side is the FTP server
    private readonly hooks: SessionHooks,
    encryptedAtStart: { frame: number } | null, // implicit FTPS / capture began inside TLS
    private readonly limits: ControlLimits,
    private readonly tlsContext: FtpTlsContext | null = null, // FTPS: key log and session cache (null: TLS not read)
  ) {
    this.conn = conn;
    this.sawSyn = !conn.roleGuessed;
    const srv = conn[ftpServer];
    const cli = conn[other(ftpServer)];
    this.session = {
      id,
      control: conn.id,
      client: { addr: cli.addr, port: cli.port },
      server: { addr: srv.addr, port: srv.port },
      // seen from its SYN, the session began in the capture, greeting or not (a server may close
      // at once, or greet with 421)
      startedMidSession: !this.sawSyn,
      greeting: null,
      user: null,
      password: null,
      loggedIn: false,
      loginState: this.sawSyn ? 'not-logged-in' : 'unknown',
      // RFC 959 defaults (§3.1.1.1 ASCII, §3.4 stream, §3.1.2 file) hold from the greeting on;
      // a capture that began mid-session does not know them: ''
      type: this.sawSyn ? 'A' : '',
      mode: this.sawSyn ? 'S' : '',
      stru: this.sawSyn ? 'F' : '',
      cwd: null,
      features: [],
      tls: { authFrame: null, encryptedFromFrame: null, pbsz: null, prot: null, clearAgainFrame: null, implicit: false, decrypted: false, connection: null, ending: null, failureReply: null, protInferred: null, protEvidence: '' },
      commands: [],
      unparsedLines: 0,
      transfers: [],
      unsolicited: [],
      overlongLines: 0,
      overlongServerLines: 0,
      overlongFrames: [],
      gaps: 0,
      pendingOverflow: 0,
      pendingOverflowFrames: [],
      commandsDropped: 0,
      serverSide: ftpServer,
      ended: false,
    };
    this.splitters = {
      client: new LineSplitter(limits.maxLine, clientLineStart, (frame) => {
        // the line feed of a command delivered cut: the command's line ends here
        if (this.cutCommand !== null) this.cutCommand.lastFrame = frame;
        this.cutCommand = null;
      }),
      server: new LineSplitter(limits.maxLine, serverLineStart),
    };
    this.walkers = { client: new TlsRecordWalker(false), server: new TlsRecordWalker(true) };
    if (encryptedAtStart) {
      this.authSent = true;
      this.modes.client = 'tls';
      this.modes.server = 'tls';
      this.session.tls.encryptedFromFrame = encryptedAtStart.frame;
      // seen from its SYN, TLS from the first byte is implicit FTPS; else the capture began inside TLS
      this.session.tls.implicit = this.sawSyn;
      this.openTls();
    }
  }

  /** The control channel is (at least one way) inside TLS now, and not read through a key log. */
  get encrypted(): boolean {
    return (this.modes.client === 'tls' || this.modes.server === 'tls') && !this.tls?.readable;
  }

  /** FTP role of a side of the control Connection. */
  roleOf(connSide: Side): Side {
    return connSide === this.session.serverSide ? 'server' : 'client';
  }

  // ---- input ----------------------------------------------------------------------------------

  /** In-order bytes from `connSide` of the control connection; `offset`: the stream offset of
   *  data[0] (for placing a later copy that disagrees: conflict()). */
  feed(connSide: Side, data: Buffer, frame: number, time: number, offset = NaN): void {
    const role = this.roleOf(connSide);
    let i = 0;
    while (i < data.length) {
      if (this.modes[role] === 'lines') {
        const sp = this.splitters[role];
        // TLS where a line should start: after AUTH (the handshake), or again after CCC
        if (sp.atLineStart && this.authSent && (isTlsHandshakeStart(data, i) || isTlsRecordHeader(data, i))) {
          this.enterTls(role, frame, time);
          continue;
        }
        i = sp.feed(data, i, frame, time, role === 'client' ? this.clientLine : this.serverLine, offset + i);
      } else {
        const w = this.walkers[role];
        const before = w.bytes;
        const j = w.feed(data, i);
        if (w.bytes > before && this.session.tls.encryptedFromFrame === null) this.session.tls.encryptedFromFrame = frame;
        if (j > i) this.tls?.feed(role, data.subarray(i, j), offset + i, frame, time);
        if (j < data.length) this.leaveTls(role, frame);
        i = j;
      }
    }
  }

  /** Bytes of `connSide` are missing from the capture: `length` at stream offset `offset`
   *  (-1: not said); `acked`: the receiver acknowledged them (they arrived: the capture dropped them). */
  gap(connSide: Side, frame: number, time: number, offset = NaN, length = -1, acked = false): void {
    const role = this.roleOf(connSide);
    if (role === 'server' && acked && length > 0) {
      this.droppedReplies.push({ frame, bytes: length });
      if (this.droppedReplies.length > MAX_DROPPED) this.droppedReplies.shift();
    }
    if (this.modes[role] === 'tls') {
      this.session.gaps++;
      this.walkers[role].gap();
      this.tls?.gap(role, offset, length, frame);
      return;
    }
    this.linesGap(role, frame, time);
  }

  /** Lines of `role` went missing: from the capture, or a TLS record that did not decrypt. */
  private linesGap(role: Side, frame: number, time: number): void {
    this.session.gaps++;
    this.splitters[role].gap();
    if (role === 'server') {
      const r = this.assembler.interrupt(frame, time);
      if (r) this.onReply(r);
    }
  }

  /** `connSide` of the control connection sent a FIN or an RST (the TLS stage notes how each side ended). */
  tlsClose(connSide: Side, kind: 'fin' | 'rst', frame: number): void {
    this.tls?.close(this.roleOf(connSide), kind, frame);
  }

  /** FTPS: the TLS stage for this control connection, once TLS starts; decrypted lines go on to
   *  the same parsers as cleartext ones. */
  private openTls(): void {
    if (this.tls || !this.tlsContext) return;
    this.tls = new FtpTlsChannel(
      this.tlsContext,
      (role, data, frame, time) => this.plainLines(role, data, frame, time),
      (role, _length, frame) => this.linesGap(role, frame, this.conn.endTime),
    );
  }

  /** Decrypted control-channel bytes of `role`: the same line parsing as cleartext. */
  private plainLines(role: Side, data: Buffer, frame: number, time: number): void {
    const sp = this.splitters[role];
    const sink = role === 'client' ? this.clientLine : this.serverLine;
    for (let i = 0; i < data.length; ) i = sp.feed(data, i, frame, time, sink);
  }

  /** The control connection was closed out (or the capture ended). */
  end(frame: number, time: number): void {
    if (this.session.ended) return;
    const r = this.assembler.interrupt(frame, time);
    if (r) this.onReply(r);
    if (this.tls) {
      const t = this.session.tls;
      t.connection = this.tls.finish();
      t.ending = tlsEnding(this.conn, t.connection, this.session.serverSide);
      t.decrypted = this.tls.readable;
      // a login inside a TLS session that went through cannot be seen without its keys
      const handshook = t.connection.finished.client !== null && t.connection.finished.server !== null;
      if (handshook && !t.decrypted && this.session.loginState === 'not-logged-in') this.session.loginState = 'unknown';
    }
    for (const p of this.pending) this.giveUp(p.cmd);
    this.pending = [];
    this.session.ended = true;
    if (this.setup && !this.setup.transfer) this.hooks.retired(this.setup);
    for (const t of this.tracks) if (!t.settled) this.hooks.transferUpdated(t);
  }

  private enterTls(role: Side, frame: number, time: number): void {
    if (this.modes[role] === 'tls') return;
    this.openTls();
    this.modes[role] = 'tls';
    this.splitters[role].clear();
    if (role === 'server') {
      const r = this.assembler.interrupt(frame, time);
      if (r) this.onReply(r);
    }
  }

  private leaveTls(role: Side, frame: number): void {
    // the server writes in the clear after a handshake that failed (vsftpd: "500 OOPS: … unknown ca")
    if (role === 'server' && this.tls?.handshakeFailed) this.awaitFailureReply = true;
    this.modes[role] = 'lines';
    this.splitters[role].clear();
    if (this.session.tls.clearAgainFrame === null) this.session.tls.clearAgainFrame = frame;
  }

  private noteOverlong(line: ControlLine, role: Side): void {
    if (!line.overlong) return;
    this.session.overlongLines++;
    if (role === 'server') this.session.overlongServerLines++;
    if (this.session.overlongFrames.length < MAX_OVERLONG_FRAMES) this.session.overlongFrames.push(line.frame);
  }

  // ---- client side: commands ------------------------------------------------------------------

  private readonly clientLine = (line: ControlLine): boolean => {
    this.noteOverlong(line, 'client');
    const text = line.text;
    if (text.length > 0 && isBlank(text)) {
      // control characters only (no verb): not a command
      this.session.unparsedLines++;
      return true;
    }
    // RFC 959 §5.3: <verb> [SP <argument>] CRLF; verbs are case-insensitive (and some servers
    // take a TAB for the SP: splitCommandLine)
    const { verb, arg } = splitCommandLine(text);
    const cmd: FtpCommand = {
      index: this.commandCount++,
      verb,
      arg,
      frame: line.firstFrame,
      time: line.firstTime,
      known: isKnownVerb(verb),
      preliminary: [],
      reply: null,
      telnetInterrupt: line.interrupt,
      lastFrame: line.frame,
      overlong: line.overlong,
      unanswered: false,
      unsupported: false,
      replyMissing: null,
    };
    if (this.session.commands.length < this.limits.maxCommands) this.session.commands.push(cmd);
    else this.session.commandsDropped++;
    if (line.overlong) {
      this.cutCommand = cmd;
      this.cutLines++;
    }
    this.noteLine(cmd, line);
    const p: Pending = { cmd };
    if (this.pending.length >= this.limits.maxPending) {
      const dropped = this.pending.shift()!;
      dropped.cmd.unanswered = true;
      this.session.pendingOverflow++;
      const of = this.session.pendingOverflowFrames;
      if (of.length < MAX_OVERLONG_FRAMES) of.push(line.frame);
    }
    this.pending.push(p);
    this.commandSent(p);
    return true;
  };

  private commandSent(p: Pending): void {
    const s = this.session;
    const { verb, arg } = p.cmd;
    switch (verb) {
      case 'USER':
        s.user = arg;
        s.loggedIn = false;
        s.loginState = 'not-logged-in';
        break;
      case 'PASS':
        s.password = arg;
        break;
      // optimistic: pipelined transfers must see the TYPE sent before them; undone on refusal
      case 'TYPE':
        p.prev = s.type;
        s.type = arg.trim().toUpperCase().replace(/\s+/g, ' ');
        break;
      case 'MODE':
        p.prev = s.mode;
        s.mode = arg.trim().toUpperCase();
        break;
      case 'STRU':
        p.prev = s.stru;
        s.stru = arg.trim().toUpperCase();
        break;
      case 'REST': {
        // RFC 3659 §5.3: REST <decimal marker>, then the transfer command right away
        const t = arg.trim();
        this.rest = /^\d{1,15}$/.test(t) ? { offset: Number(t), by: p } : null;
        break;
      }
      case 'PORT':
        this.newSetup(p, 'active', parsePort(arg));
        break;
      case 'EPRT':
        this.newSetup(p, 'active', parseEprt(arg));
        break;
      case 'LPRT':
        this.newSetup(p, 'active', parseLprt(arg));
        break;
      case 'PASV':
      case 'LPSV':
        this.newSetup(p, 'passive', null);
        break;
      case 'EPSV':
        // 'EPSV ALL' only promises that no PORT/PASV will follow (RFC 2428 §4)
        if (arg.trim().toUpperCase() !== 'ALL') this.newSetup(p, 'passive', null);
        break;
      case 'ABOR':
        // RFC 959 §4.1.3: aborts the previous service command and any data transfer
        for (const t of this.running) t.t.aborted = true;
        break;
      case 'AUTH':
        this.authSent = true;
        break;
      default:
        if (isTransferVerb(verb)) this.startTransfer(p);
    }
  }

  private newSetup(p: Pending, mode: 'active' | 'passive', ep: AnnouncedEndpoint | null): void {
    if (this.setup && !this.setup.transfer) this.hooks.retired(this.setup); // superseded
    const setup: DataSetup = {
      session: this,
      command: p.cmd,
      mode,
      announcement: null,
      refused: false,
      transfer: null,
      conns: [],
      listeners: new Map(),
      keys: [],
    };
    p.setup = setup;
    this.setup = setup;
    if (mode === 'active') {
      if (ep) {
        setup.announcement = this.announcement('active', p.cmd.verb, ep, p.cmd.frame);
        this.hooks.announced(this, setup);
      } else {
        setup.refused = true; // malformed: the server will refuse it (501)
      }
    }
  }

  private announcement(mode: 'active' | 'passive', command: string, ep: AnnouncedEndpoint, frame: number): DataEndpointAnnouncement {
    // passive: the FTP server listens; active: the FTP client does
    const controlPeerAddr = mode === 'passive' ? this.session.server.addr : this.session.client.addr;
    return {
      mode,
      command,
      addr: ep.addr,
      port: ep.port,
      frame,
      controlPeerAddr,
      mismatch: ep.addr !== null && ep.addr !== controlPeerAddr,
      family: ep.addr === null ? this.conn.ipVersion : ep.family, // EPSV: the control connection's family
    };
  }

  private startTransfer(p: Pending): void {
    const s = this.session;
    const verb = p.cmd.verb as keyof typeof transferDirections;
    const direction = transferDirections[verb];
    const setup = this.setup && !this.setup.transfer ? this.setup : null;
    if (setup) this.setup = null;
    const rest = this.rest;
    this.rest = null;
    const arg = p.cmd.arg;
    let path: string | null;
    if (direction === 'listing') path = resolvePath(s.cwd, listingOperand(arg));
    else if (verb === 'STOU' && arg.trim() === '') path = null; // the server picks the name
    else path = resolvePath(s.cwd, arg);
    let announcedBytes: number | null = null;
    if (verb === 'RETR') announcedBytes = this.sizes.get(path ?? `\0${arg}`) ?? this.sizes.get(`\0${arg}`) ?? null;
    const t: Transfer = {
      id: -1,
      session: s.id,
      command: verb,
      argument: arg,
      path,
      direction,
      commandFrame: p.cmd.frame,
      mode: setup ? setup.mode : null,
      announcement: setup ? setup.announcement : null,
      dataConnection: null,
      dataSetupFrames: [],
      sender: direction === 'upload' ? 'client' : 'server',
      bytes: 0,
      bytesAcked: 0,
      bytesMissing: 0,
      announcedBytes,
      restOffset: rest && (verb === 'RETR' || verb === 'STOR' || verb === 'APPE') ? rest.offset : 0,
      type: s.type,
      transmissionMode: s.mode,
      startTime: p.cmd.time,
      endTime: p.cmd.time,
      duration: 0,
      rate: null,
      replyCodes: [],
      preliminaryReply: null,
      finalReply: null,
      aborted: false,
      tlsProtected: s.tls.prot === 'P',
      outcome: 'unknown',
      commandIndex: p.cmd.index,
      linkedBy: null,
      dataCandidates: [],
      senderEndpoint: null,
      dataClose: { by: null, byRole: null, kind: null, frame: null },
      receiverAckedAll: false,
      expectedBytes: null,
      announcedFrom: announcedBytes !== null ? '213' : null,
      dataLooksTls: null,
      bytesStatus: 'not-captured',
      dataEvidence: null,
      inProgressAtEnd: false,
      tlsData: null,
      commandTime: p.cmd.time,
    };
    const track: TransferTrack = { t, session: this, setup, conns: [], listeners: new Map(), ended: new Set(), settled: false };
    if (setup) setup.transfer = track;
    p.track = track;
    this.running.push(track);
    this.tracks.push(track);
    this.hooks.transferStarted(track);
  }

  /** A data connection showed up while the control channel was encrypted: its command is
   *  unreadable, so record a transfer of command 'unknown' for it. */
  startUnknownTransfer(conn: Connection): TransferTrack {
    const s = this.session;
    // the FTP server's end of the data connection decides the mode: it listens in passive mode
    const passive = conn.server.addr === s.server.addr && conn.server.port !== s.server.port - 1;
    const t: Transfer = {
      id: -1,
      session: s.id,
      command: 'unknown',
      argument: '',
      path: null,
      direction: 'unknown',
      commandFrame: conn.firstFrame,
      mode: passive ? 'passive' : 'active',
      announcement: null,
      dataConnection: null,
      dataSetupFrames: [],
      sender: null,
      bytes: 0,
      bytesAcked: 0,
      bytesMissing: 0,
      announcedBytes: null,
      restOffset: 0,
      type: s.type,
      transmissionMode: s.mode,
      startTime: conn.startTime,
      endTime: conn.startTime,
      duration: 0,
      rate: null,
      replyCodes: [],
      preliminaryReply: null,
      finalReply: null,
      aborted: false,
      tlsProtected: s.tls.prot === 'P',
      outcome: 'unknown',
      commandIndex: null,
      linkedBy: null,
      dataCandidates: [],
      senderEndpoint: null,
      dataClose: { by: null, byRole: null, kind: null, frame: null },
      receiverAckedAll: false,
      expectedBytes: null,
      announcedFrom: null,
      dataLooksTls: null,
      bytesStatus: 'not-captured',
      dataEvidence: null,
      inProgressAtEnd: false,
      tlsData: null,
      commandTime: conn.startTime,
    };
    const track: TransferTrack = { t, session: this, setup: null, conns: [], listeners: new Map(), ended: new Set(), settled: false };
    this.tracks.push(track);
    this.hooks.transferStarted(track);
    return track;
  }

  /** A transfer of this session that is still waiting for its data connection and has no
   *  usable announcement to find it by (or the channel is encrypted): for linking by timing. */
  transferAwaitingData(): TransferTrack | null {
    for (const t of this.running) {
      if (t.conns.length > 0 || t.t.finalReply) continue;
      // an announcement still to come (PASV sent, 227 not yet read) counts as usable: wait for it
      const usable = t.setup !== null && !t.setup.refused;
      if (!usable || this.encrypted) return t;
    }
    return null;
  }

  // ---- copies that disagree ------------------------------------------------------------------

  /** Where a client line lies in the stream, for conflict(); the last RECENT_LINES kept. */
  private noteLine(cmd: FtpCommand, line: ControlLine): void {
    if (Number.isNaN(line.offset)) return;
    const lines = this.recentLines;
    // its text maps byte for byte onto the wire: no Telnet command, not cut (then a later copy's
    // bytes can be put in its place)
    const exact = !line.overlong && line.text.length + (line.bareLf ? 1 : 2) === line.wireBytes && !/[^\x00-\xff]/.test(line.text);
    lines.push({ cmd, offset: line.offset, wire: line.wireBytes, text: line.text, exact });
    if (lines.length > RECENT_LINES) lines.shift();
    for (const w of this.conflicts) if (w.cmd === null && w.c.offset >= line.offset && w.c.offset < line.offset + line.wireBytes) this.place(w, lines[lines.length - 1]!);
  }

  /**
   * A later copy of bytes this connection delivered disagrees with the first (the TCP stage's
   * DataConflict). On the client's side it is a command line: both versions are recorded, and
   * once the server has answered, which one it acted on (judgeConflicts).
   */
  conflict(connSide: Side, c: DataConflict): void {
    if (this.roleOf(connSide) !== 'client' || this.conflicts.length >= MAX_JUDGED_CONFLICTS) return;
    const at = this.recentLines.find((l) => c.offset >= l.offset && c.offset < l.offset + l.wire);
    const w = { c, cmd: null as FtpCommand | null };
    this.conflicts.push(w);
    if (at) this.place(w, at); // else: its line has not ended yet (noteLine places it)
  }

  private place(w: { c: DataConflict; cmd: FtpCommand | null }, at: LineAt): void {
    const c = w.c;
    w.cmd = at.cmd;
    c.firstLine = at.text;
    if (at.exact) {
      // the later copy's bytes put where they lie in the line (its CRLF left out)
      const from = c.offset - at.offset;
      const to = Math.min(at.text.length, from + c.second.length);
      c.secondLine = from < to ? at.text.slice(0, from) + c.second.slice(0, to - from) + at.text.slice(to) : at.text;
    }
    const secret = (t: string | null) => t !== null && redactArgument(splitCommandLine(t).verb, splitCommandLine(t).arg) !== null;
    c.secret = secret(c.firstLine) || secret(c.secondLine);
    if (at.cmd.reply) this.judgeConflicts(at.cmd);
  }

  /**
   * Heuristic: "the copy the server acted on"
   * Plain definition: of the two versions of a command line, the one whose verb can get the
   * replies the command got (RFC 959 §5.4: 150 answers RETR, never DELE) when only one can; else
   * the one whose verb or file name the replies' text names ("250 DELE command successful",
   * "550 evil.txt: No such file") when only one is named; else the replies do not tell.
   */
  private judgeConflicts(cmd: FtpCommand): void {
    const reply = cmd.reply;
    if (!reply) return;
    const replies = [...cmd.preliminary, reply];
    for (let k = 0; k < this.conflicts.length; ) {
      const { c, cmd: of } = this.conflicts[k]!;
      if (of !== cmd) {
        k++;
        continue;
      }
      this.conflicts.splice(k, 1);
      c.replyFrame = reply.frame;
      if (c.firstLine === null || c.secondLine === null) continue;
      const a = splitCommandLine(c.firstLine);
      const b = splitCommandLine(c.secondLine);
      const fits = (verb: string) => replies.every((r) => plausibleReply(verb, r.code));
      const [fa, fb] = [fits(a.verb), fits(b.verb)];
      if (fa !== fb) {
        c.taken = fa ? 'first' : 'second';
        continue;
      }
      const text = replies.map((r) => r.text).join('\n');
      const [na, nb] = [names(text, a), names(text, b)];
      if (na !== nb) c.taken = na ? 'first' : 'second';
    }
  }

  // ---- server side: replies -------------------------------------------------------------------

  private readonly serverLine = (line: ControlLine): boolean => {
    this.noteOverlong(line, 'server');
    const before = this.assembler.blankLines;
    const reply = this.assembler.push(line);
    if (this.assembler.blankLines !== before) this.session.unparsedLines++;
    if (reply) this.onReply(reply);
    // stop here if the reply switched the channel to TLS (decrypted lines go on: plainLines)
    return this.modes.server === 'lines' || this.tls?.readable === true;
  };

  private addUnsolicited(r: FtpReply): void {
    if (this.session.unsolicited.length < MAX_UNSOLICITED) this.session.unsolicited.push(r);
  }

  private onReply(reply: FtpReply): void {
    const s = this.session;
    if (this.greetingDone && this.pending.length === 0) this.answeredPartialLine();
    if (!this.greetingDone) {
      // Heuristic: "the greeting"
      // The first reply of a connection seen from its SYN is the greeting (RFC 959 §5.4: 120, 220,
      // 421), even when the client pipelined commands before it (Zeek's fake-server-delays-all).
      // Seen mid-session, a 220 before any command can still only be a greeting.
      if (this.sawSyn || (reply.code === 220 && this.commandCount === 0)) {
        if (reply.code === 120 && reply.valid) {
          this.addUnsolicited(reply); // "120 ready in nnn minutes": the 220 follows
          return;
        }
        this.greetingDone = true;
        s.greeting = reply;
        if (reply.code === 220) {
          s.startedMidSession = false;
          if (s.loginState === 'unknown') s.loginState = 'not-logged-in';
        }
        return;
      }
      this.greetingDone = true;
    }
    const code = reply.code;
    if (reply.valid && code >= 100 && code < 200) {
      let head: Pending | undefined = this.pending[0];
      // after a capture gap, a preliminary reply goes to the first command that can get one
      if (head && this.alignLoosely && !plausibleReply(head.cmd.verb, code)) head = this.pending.find((q) => plausibleReply(q.cmd.verb, code));
      if (!head) {
        this.addUnsolicited(reply);
        return;
      }
      if (head.cmd.preliminary.length < MAX_PRELIMINARY) head.cmd.preliminary.push(reply);
      if (head.track) this.transferPreliminary(head.track, reply);
      return;
    }
    const p = this.takePendingFor(reply);
    if (!p) {
      if (this.awaitFailureReply && reply.valid) {
        // Heuristic: "the server's word on a failed TLS handshake"
        // The first cleartext reply after a handshake that failed (a fatal alert, or a close
        // before both Finished messages), with no command pending, is the server's answer to the
        // AUTH whose negotiation failed, not a reply to a command missing from the capture.
        this.awaitFailureReply = false;
        s.tls.failureReply = reply;
        this.addUnsolicited(reply);
        return;
      }
      if (reply.valid && this.repairInvalid(reply)) return;
      this.addUnsolicited(reply);
      // a 530 to a command the capture does not hold: a login refused (logins.ts)
      if (reply.valid && code === 530 && !s.loggedIn) s.loginState = 'failed';
      return;
    }
    p.cmd.reply = reply;
    p.cmd.unsupported = reply.valid && saysNotSupported(p.cmd.verb, p.cmd.arg, reply.code);
    this.lastInvalid = reply.valid ? null : p;
    this.commandAnswered(p, reply);
  }

  /**
   * Heuristic: "the server answered a line before its end"
   * A reply comes while no command awaits one and the client has sent ANSWERED_PARTIAL bytes or
   * more of a line that has not ended: the server gave up on that line (too long for it:
   * vsftpd answers its first 4 KiB, pyftpdlib "500 Command too long") and this reply is its
   * answer. The line is taken as a command now, cut; the rest of it is dropped. A line that
   * never ends (5 MB without CRLF, answered 500, connection closed) is seen so.
   */
  private answeredPartialLine(): void {
    const sp = this.splitters.client;
    if ((this.modes.client !== 'lines' && !this.tls?.readable) || sp.partialBytes < ANSWERED_PARTIAL) return;
    const line = sp.cut();
    if (line) this.clientLine(line);
  }

  /**
   * Heuristic: "the invalid line was not the answer"
   * A valid final reply arrives with no command pending, and the latest answered command got an
   * invalid line (not reply grammar) instead: that line was junk (zeek ipv6-violation.pcap: an
   * SSH banner before the real 530), the valid reply is the answer. The junk becomes a
   * session-level reply. Not done for transfers (their outcome may already be out).
   */
  private repairInvalid(reply: FtpReply): boolean {
    const p = this.lastInvalid;
    this.lastInvalid = null;
    if (!p || p.track || !p.cmd.reply || p.cmd.reply.valid) return false;
    this.addUnsolicited(p.cmd.reply);
    p.cmd.reply = reply;
    p.cmd.unsupported = saysNotSupported(p.cmd.verb, p.cmd.arg, reply.code);
    this.commandAnswered(p, reply);
    return true;
  }

  /** Replies are paired by plausibility, not only in order: bytes went missing, or a client
   *  line was cut. */
  private get alignLoosely(): boolean {
    return this.session.gaps > 0 || this.cutLines > 0;
  }

  /** The pending command a final reply answers: the oldest (FIFO, RFC 959 §4.2), except for a
   *  skipped blank line, STAT during a transfer, and re-alignment after a capture gap. */
  private takePendingFor(reply: FtpReply): Pending | null {
    const code = reply.code;
    // A blank command line gets a 5xx from some servers and nothing from others: skip it
    // unless this reply is an error.
    while (this.pending.length > 0 && this.pending[0]!.cmd.verb === '' && !(code >= 500 && code < 600)) {
      this.pending.shift()!.cmd.unanswered = true;
    }
    const head = this.pending[0];
    if (!head) return null;
    if (this.alignLoosely && reply.valid && !plausibleReply(head.cmd.verb, code)) {
      // Heuristic: "re-align after a capture gap or a cut line"
      // Once bytes went missing, a reply or a command may be gone; once a command line was too
      // long, the server may have answered it once, once per piece (vsftpd) or not at all
      // (ProFTPD ignores it). A reply that cannot answer the oldest pending command (RFC 959
      // §5.4) answers the first later one it can (the commands skipped lost their replies), or,
      // if none can, a command lost from the capture.
      const k = this.pending.findIndex((q, n) => n > 0 && plausibleReply(q.cmd.verb, code));
      if (k < 0) return null;
      for (const q of this.pending.splice(0, k)) this.giveUp(q.cmd);
      return this.pending.shift()!;
    }
    // RFC 959 §4.1.3: STAT during a transfer is answered at once (211/212/213) while the
    // transfer command still waits for its 226.
    if (head.track && head.cmd.preliminary.length > 0 && (code === 211 || code === 212 || code === 213)) {
      const k = this.pending.findIndex((q) => q.cmd.verb === 'STAT');
      if (k > 0) return this.pending.splice(k, 1)[0]!;
    }
    return this.pending.shift()!;
  }

  /**
   * Heuristic: "the capture dropped the reply"
   * A command given up without a final reply (a later reply answers a later command, or the
   * session ended) lost its reply to the capture when, after the command was sent, bytes of the
   * server's stream are missing from the capture that the client acknowledged: they reached the
   * client, so the server did answer (zeek cwd-navigation: "200 Type set to I", 19 bytes, acked
   * by the client's next segment). The first such gap after the command is named.
   */
  private giveUp(cmd: FtpCommand): void {
    cmd.unanswered = true;
    if (cmd.reply !== null) return;
    const gap = this.droppedReplies.find((g) => g.frame >= cmd.lastFrame);
    if (gap) cmd.replyMissing = { bytes: gap.bytes, frame: gap.frame };
  }

  private transferPreliminary(track: TransferTrack, reply: FtpReply): void {
    const t = track.t;
    if (t.replyCodes.length < MAX_REPLY_CODES) t.replyCodes.push(reply.code); // a 1yz is valid (onReply)
    if (!t.preliminaryReply) t.preliminaryReply = reply;
    const n = parse150Size(reply.text);
    if (n !== null) {
      t.announcedBytes = n;
      t.announcedFrom = '150';
    }
  }

  private commandAnswered(p: Pending, reply: FtpReply): void {
    const s = this.session;
    const { verb, arg } = p.cmd;
    if (this.conflicts.length > 0) this.judgeConflicts(p.cmd);
    const code = reply.code;
    const ok = reply.valid && code >= 200 && code < 300;
    if (p.track) {
      const t = p.track.t;
      // a line that was not a valid reply counts as no code (0), not as the digits it began with
      if (t.replyCodes.length < MAX_REPLY_CODES) t.replyCodes.push(reply.valid ? code : 0);
      t.finalReply = reply;
      const k = this.running.indexOf(p.track);
      if (k >= 0) this.running.splice(k, 1);
      this.hooks.transferUpdated(p.track);
      return;
    }
    switch (verb) {
      case 'USER':
      case 'PASS':
      case 'ACCT':
        if (code === 230 || (verb === 'PASS' && code === 202)) {
          s.loggedIn = true;
          s.loginState = 'logged-in';
        } else if (code === 530) {
          s.loggedIn = false;
          s.loginState = 'failed';
        }
        break;
      case 'TYPE':
        if (!ok && p.prev !== undefined) s.type = p.prev;
        break;
      case 'MODE':
        if (!ok && p.prev !== undefined) s.mode = p.prev;
        break;
      case 'STRU':
        if (!ok && p.prev !== undefined) s.stru = p.prev;
        break;
      case 'CWD':
      case 'XCWD':
      case 'CDUP':
      case 'XCUP':
      case 'PWD':
      case 'XPWD':
        s.cwd = cwdAfterReply(s.cwd, verb, arg, reply);
        break;
      case 'REST':
        if (code !== 350 && this.rest?.by === p) this.rest = null;
        break;
      case 'SIZE':
        if (code === 213) {
          const n = parse213Size(reply.text);
          if (n !== null) this.rememberSize(arg, n);
        }
        break;
      case 'FEAT':
        if (code === 211 && reply.lines >= 2) {
          const lines = reply.text.split('\n').slice(1, -1);
          s.features = lines.map((l) => l.trim()).filter((l) => l.length > 0).slice(0, MAX_FEATURES);
        }
        break;
      case 'AUTH':
        if (code === 234) {
          // RFC 4217 §4: the TLS handshake starts right after the 234
          s.tls.authFrame = reply.frame;
          this.enterTls('server', reply.frame, reply.time);
          if (this.splitters.client.atLineStart) this.enterTls('client', reply.frame, reply.time);
        }
        break;
      case 'PBSZ':
        if (ok) s.tls.pbsz = arg.trim();
        break;
      case 'PROT':
        if (ok) {
          s.tls.prot = arg.trim().toUpperCase();
          if (s.tls.prot === 'P' || s.tls.prot === 'C') {
            s.tls.protInferred = s.tls.prot;
            s.tls.protEvidence = `PROT ${s.tls.prot} answered ${code} (frame ${reply.frame})`;
          }
        }
        break;
      case 'REIN':
        if (code === 220) {
          s.user = null;
          s.loggedIn = false;
          s.loginState = 'not-logged-in';
        }
        break;
      case 'PASV':
      case 'EPSV':
      case 'LPSV':
        if (p.setup) this.passiveAnswered(p.setup, reply);
        break;
      case 'PORT':
      case 'EPRT':
      case 'LPRT':
        if (p.setup && !ok) {
          p.setup.refused = true;
          this.hooks.retired(p.setup);
        }
        break;
      default:
        break;
    }
  }

  private passiveAnswered(setup: DataSetup, reply: FtpReply): void {
    const verb = setup.command.verb;
    let ep: AnnouncedEndpoint | null = null;
    if (reply.valid) {
      if (verb === 'PASV' && reply.code === 227) ep = parse227(reply.text);
      else if (verb === 'EPSV' && reply.code === 229) ep = parse229(reply.text);
      else if (verb === 'LPSV' && reply.code === 228) ep = parse228(reply.text);
    }
    if (!ep) {
      setup.refused = true;
      this.hooks.retired(setup);
      return;
    }
    setup.announcement = this.announcement('passive', verb, ep, reply.frame);
    if (setup.transfer) setup.transfer.t.announcement = setup.announcement; // pipelined PASV + RETR
    this.hooks.announced(this, setup);
  }

  private rememberSize(arg: string, n: number): void {
    if (this.sizes.size >= MAX_SIZES) this.sizes.delete(this.sizes.keys().next().value!);
    const path = resolvePath(this.session.cwd, arg);
    this.sizes.set(`\0${arg}`, n);
    if (path !== null) this.sizes.set(path, n);
  }
}
