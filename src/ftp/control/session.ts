// One FTP control connection: splits both directions into lines (lines.ts), switches to TLS and
// back (tls-switch.ts; with FTPS the TLS stage reads the handshake and, with keys, decrypts the
// lines: ../tls-channel.ts), assembles replies (replies.ts), pairs them with commands (pairing.ts) and
// applies what each command does (verbs.ts). Each fact is recorded when it happens: a command's
// working directory, path and login when the server acts on it (placed), its announcement when
// sent or answered; data-channel commands become DataSetups and transfer commands TransferTracks,
// which the data side links and settles (../data/), told through hooks.

import type { Connection, DataConflict, Side } from '../../tcp/types.ts';
import type { DataEndpointAnnouncement, FtpCommand, FtpReply, LoginRecord, Session } from '../types.ts';
import { isKnownVerb, isTransferVerb, saysNotSupported, splitCommandLine, transferDirections } from '../commands.ts';
import { parse150Size } from '../reply-parsers.ts';
import { parse227, parse228, parse229, type AnnouncedEndpoint } from '../address-parsers.ts';
import { operandPath } from '../paths.ts';
import { addTo, newCommand, newSession, newTransfer, noEntries, ownTls } from '../records.ts';
import { NO_ENDED, NO_LISTENERS, type ControlRef, type DataSetup, type TransferTrack } from '../tracks.ts';
import { DEFAULT_MAX_LINE, giveBackSplitter, takeSplitter, type ControlLine, type LineSplitter } from './lines.ts';
import { ReplyAssembler, isBlank } from './replies.ts';
import { clientLineStart, serverLineStart } from './line-starts.ts';
import { TlsSwitch } from './tls-switch.ts';
import { FtpTlsChannel, tlsEnding, type FtpTlsContext } from '../tls-channel.ts';
import { ConflictJudge } from './conflicts.ts';
import { CommandColumns, KEEP_RECENT } from '../command-columns.ts';
import { ReplyPairing, type PairingOwner } from './pairing.ts';
import { verbRules, type Pending, type VerbContext } from './verbs.ts';

export { clientLineStart, serverLineStart } from './line-starts.ts';

/** Commands waiting for their final reply; beyond this the oldest is given up (unanswered). */
export const MAX_PENDING = 1024;
/** Commands kept per session; later ones are parsed, paired and counted, not stored. A settled
 *  command is ~0.28 KB in columns (command-columns.ts), past the first ~16,000 in the process's
 *  block file rather than in memory, so this bounds a session's commands at ~140 MB of file, past
 *  what a mirror job of 10^5 files sends (2·10^5 commands): such a session keeps every command and
 *  draws no commands-not-kept warning (at 100,000 it drew one on healthy traffic). */
export const MAX_COMMANDS = 500_000;

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
/** Bytes of an unfinished client line that make a reply arriving with no command pending its
 *  answer (no real command is this long; a server answers such a line before its end). */
const ANSWERED_PARTIAL = 512;
/** Frames kept in Session.overlongFrames. */
const MAX_OVERLONG_FRAMES = 20;
/** Acknowledged gaps in the server's stream remembered, to tell a reply the capture dropped. */
const MAX_DROPPED = 32;

export interface SessionHooks {
  /** A data endpoint is known (PORT sent, or 227/228/229 received): expect a connection to it. */
  announced(setup: DataSetup): void;
  /** A setup will carry no (more) connections: refused, superseded. */
  retired(setup: DataSetup): void;
  /** A transfer command was sent (or an unknown transfer was inferred). */
  transferStarted(track: TransferTrack): void;
  /** A transfer's final reply came, or its session ended: it may be settled. */
  transferUpdated(track: TransferTrack): void;
}

/** `list` without its entry at `k` (none when -1); the shared empty list once it is empty (an
 *  emptied list keeps the store it grew). */
function without<T>(list: T[], k: number): T[] {
  if (k < 0) return list;
  if (list.length === 1) return noEntries();
  list.splice(k, 1);
  return list;
}

const other = (s: Side): Side => (s === 'client' ? 'server' : 'client');
const LOGIN_VERBS: ReadonlySet<string> = new Set(['USER', 'PASS', 'ACCT']);

export class ControlSession implements ControlRef, VerbContext, PairingOwner {
  readonly session: Session;
  readonly conn: Connection;
  // Each direction's line splitter, held only while a line of it is unfinished (or Telnet or
  // gap state is pending); between lines none is held (lines.ts takeSplitter)
  private clientSplitter: LineSplitter | null = null;
  private serverSplitter: LineSplitter | null = null;
  private feeding: LineSplitter | null = null; // the splitter whose feed() is running (not given back under it)
  private tls: TlsSwitch | null = null; //   lines or TLS, per direction: made at AUTH (or TLS from the start); most sessions never need it
  private readonly assembler = new ReplyAssembler();
  private readonly pairing: ReplyPairing;
  private readonly conflicts = new ConflictJudge();
  private commandCount = 0; //              commands parsed (FtpCommand.index)
  private greetingDone = false; //          the first reply has been placed
  private readonly sawSyn: boolean; //      the control connection was seen from its handshake
  private readonly serverSide: Side; //      session.serverSide, read per segment (roleOf)
  private setup: DataSetup | null = null; // latest data-channel set-up no transfer has used yet
  // (both the shared empty list while empty: most sessions between commands have none running)
  private running: TransferTrack[] = noEntries(); // transfers without a final reply
  tracks: TransferTrack[] = noEntries(); //         every transfer of this session not released
  private rest: { offset: number; by: Pending } | null = null; // REST waiting for its transfer
  private sizes: Map<string, number> | null = null; // SIZE answers: path (or raw argument) → bytes (made at the first; most sessions send none)
  private lastInvalid: Pending | null = null; // the latest command answered by an invalid line
  private openLogin: { index: number; last: FtpCommand } | null = null; // the latest login, while the server may ask to go on with it (331/332)
  private cutCommand: FtpCommand | null = null; // the command of the client line last delivered cut (its end is still to come)
  private columns: CommandColumns | null = null; // a long session's settled commands (made at the first stored)
  private storedUpTo = 0; //                Session.commands before this were looked at: stored in `columns`, or in `unsettled`
  private unsettled: number[] = []; //      indexes of those looked at before they settled, ascending
  private compactAt = 16; //                 `unsettled` is gone through whole when it is this long
  private cutLines = 0; //                  client lines delivered cut: how a server treated them is unknown
  private tlsChannel: FtpTlsChannel | null = null; // the control connection's TLS stage (FTPS), from AUTH's 234 or the first byte
  private awaitFailureReply = false; //      cleartext came back after a failed handshake: its reply answers AUTH
  private droppedReplies: Array<{ frame: number; bytes: number }> | null = null; // server bytes the capture dropped (acknowledged gaps), the latest MAX_DROPPED (made at the first)

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
    this.serverSide = ftpServer;
    const srv = conn[ftpServer];
    const cli = conn[other(ftpServer)];
    this.session = newSession({
      id,
      control: conn.id,
      client: { addr: cli.addr, port: cli.port },
      server: { addr: srv.addr, port: srv.port },
      // seen from its SYN, the session began in the capture, greeting or not (a server may close
      // at once, or greet with 421)
      startedMidSession: !this.sawSyn,
      loginState: this.sawSyn ? 'not-logged-in' : 'unknown',
      // RFC 959 defaults (§3.1.1.1 ASCII, §3.4 stream, §3.1.2 file) hold from the greeting on;
      // a capture that began mid-session does not know them: ''
      type: this.sawSyn ? 'A' : '',
      mode: this.sawSyn ? 'S' : '',
      stru: this.sawSyn ? 'F' : '',
      serverSide: ftpServer,
    });
    this.pairing = new ReplyPairing(this.session, limits.maxPending, this);
    if (encryptedAtStart) {
      this.tls = new TlsSwitch(true);
      ownTls(this.session).encryptedFromFrame = encryptedAtStart.frame;
      // seen from its SYN, TLS from the first byte is implicit FTPS; else the capture began inside TLS
      ownTls(this.session).implicit = this.sawSyn;
      this.openTls();
    }
  }

  /** The control channel is (at least one way) inside TLS now, and not read through a key log. */
  get encrypted(): boolean {
    return this.tls !== null && this.tls.encrypted && !this.tlsChannel?.readable;
  }

  /** Bytes of the FTP client's stream the server has acknowledged so far. */
  private get clientBytesAcked(): number {
    return this.conn[other(this.serverSide)].bytesAcked;
  }

  /** FTP role of a side of the control Connection. */
  roleOf(connSide: Side): Side {
    return connSide === this.serverSide ? 'server' : 'client';
  }

  // ---- input ----------------------------------------------------------------------------------

  /** In-order bytes from `connSide` of the control connection; `offset`: the stream offset of
   *  data[0] (for placing a later copy that disagrees: conflict()). */
  feed(connSide: Side, data: Buffer, frame: number, time: number, offset = NaN): void {
    const role = this.roleOf(connSide);
    let i = 0;
    while (i < data.length) {
      const tls = this.tls;
      if (tls === null || !tls.isTls(role)) {
        // TLS where a line should start: after AUTH (the handshake), or again after CCC
        if (tls !== null && this.atLineStart(role) && tls.beginsAt(data, i)) {
          this.enterTls(role, frame, time);
          continue;
        }
        // the splitter of an outer feed, if a line sink ever feeds again, stays protected
        const outer = this.feeding;
        const sp = (this.feeding = this.splitter(role));
        i = sp.feed(data, i, frame, time, role === 'client' ? this.clientLine : this.serverLine, offset + i, this);
        this.feeding = outer;
        this.letGoSplitter(role);
      } else {
        const { next, records } = tls.feed(role, data, i);
        if (records && this.session.tls.encryptedFromFrame === null) ownTls(this.session).encryptedFromFrame = frame;
        if (next > i) this.tlsChannel?.feed(role, data.subarray(i, next), offset + i, frame, time);
        if (next < data.length) this.leftTls(role, frame);
        i = next;
      }
    }
  }

  /** The line splitter of `role`, taken when its bytes come. */
  private splitter(role: Side): LineSplitter {
    if (role === 'client') return (this.clientSplitter ??= takeSplitter(this.limits.maxLine, clientLineStart, this.cutLineEnd, this));
    return (this.serverSplitter ??= takeSplitter(this.limits.maxLine, serverLineStart, null));
  }

  /** The splitter of `role` is given back if it holds nothing (after a feed, a clear) and is not
   *  being fed (a reply's sink switched the channel to TLS). */
  private letGoSplitter(role: Side): void {
    const sp = role === 'client' ? this.clientSplitter : this.serverSplitter;
    if (sp === null || !sp.idle || sp === this.feeding) return;
    if (role === 'client') this.clientSplitter = null;
    else this.serverSplitter = null;
    giveBackSplitter(sp);
  }

  /** No byte of a next line of `role` has arrived yet. */
  private atLineStart(role: Side): boolean {
    const sp = role === 'client' ? this.clientSplitter : this.serverSplitter;
    return sp === null || sp.atLineStart;
  }

  /** Drops a partial line of `role` (TLS starts or stops). */
  private clearLines(role: Side): void {
    (role === 'client' ? this.clientSplitter : this.serverSplitter)?.clear();
    this.letGoSplitter(role);
  }

  // The line sinks (cutLineEnd, clientLine, serverLine) are methods the splitters call with this
  // session as `this` (lines.ts LineSink): not closures made per session.

  /** The line feed of a command delivered cut: the command's line ends here. */
  private cutLineEnd(frame: number): void {
    if (this.cutCommand !== null) this.cutCommand.lastFrame = frame;
    this.cutCommand = null;
  }

  /** Bytes of `connSide` are missing from the capture: `length` at stream offset `offset`
   *  (-1: not said); `acked`: the receiver acknowledged them (they arrived: the capture dropped them). */
  gap(connSide: Side, frame: number, time: number, offset = NaN, length = -1, acked = false): void {
    const role = this.roleOf(connSide);
    if (role === 'server' && acked && length > 0) {
      const dropped = (this.droppedReplies ??= []);
      dropped.push({ frame, bytes: length });
      if (dropped.length > MAX_DROPPED) dropped.shift();
    }
    if (this.tls !== null && this.tls.isTls(role)) {
      this.session.gaps++;
      this.tls.gap(role);
      this.tlsChannel?.gap(role, offset, length, frame);
      return;
    }
    this.linesGap(role, frame, time);
  }

  /** Lines of `role` went missing: from the capture, or a TLS record that did not decrypt. */
  private linesGap(role: Side, frame: number, time: number): void {
    this.session.gaps++;
    this.splitter(role).gap();
    if (role === 'server') {
      const r = this.assembler.interrupt(frame, time);
      if (r) this.onReply(r);
    }
  }

  /** A later copy of control bytes from `connSide` disagrees with the first (the client's command
   *  lines only: conflicts.ts). */
  conflict(connSide: Side, c: DataConflict): void {
    if (this.roleOf(connSide) === 'client') this.conflicts.conflict(c);
  }

  /** `connSide` of the control connection sent a FIN or an RST (the TLS stage notes how each side ended). */
  tlsClose(connSide: Side, kind: 'fin' | 'rst', frame: number): void {
    this.tlsChannel?.close(this.roleOf(connSide), kind, frame);
  }

  /** FTPS: the TLS stage for this control connection, once TLS starts; decrypted lines go on to
   *  the same parsers as cleartext ones. */
  private openTls(): void {
    if (this.tlsChannel || !this.tlsContext) return;
    this.tlsChannel = new FtpTlsChannel(this.tlsContext, this);
  }

  /** Control-channel bytes of `role` that did not decrypt: its lines went missing (PlaintextOwner). */
  plainGap(role: Side, _length: number, frame: number): void {
    this.linesGap(role, frame, this.conn.endTime);
  }

  /** Decrypted control-channel bytes of `role`: the same line parsing as cleartext (PlaintextOwner). */
  plainLines(role: Side, data: Buffer, frame: number, time: number): void {
    const sink = role === 'client' ? this.clientLine : this.serverLine;
    for (let i = 0; i < data.length; ) {
      const outer = this.feeding;
      const sp = (this.feeding = this.splitter(role));
      i = sp.feed(data, i, frame, time, sink, NaN, this);
      this.feeding = outer;
    }
    this.letGoSplitter(role);
  }

  /** The control connection was closed out (or the capture ended). */
  end(frame: number, time: number): void {
    if (this.session.ended) return;
    const r = this.assembler.interrupt(frame, time);
    if (r) this.onReply(r);
    if (this.tlsChannel) {
      const t = ownTls(this.session);
      t.connection = this.tlsChannel.finish();
      t.ending = tlsEnding(this.conn, t.connection, this.session.serverSide);
      t.decrypted = this.tlsChannel.readable;
      // a login inside a TLS session that went through cannot be seen without its keys
      const handshook = t.connection.finished.client !== null && t.connection.finished.server !== null;
      if (handshook && !t.decrypted && this.session.loginState === 'not-logged-in') this.session.loginState = 'unknown';
    }
    this.pairing.end();
    this.session.ended = true;
    if (this.setup && !this.setup.transfer) this.hooks.retired(this.setup);
    for (const t of this.tracks) if (!t.settled) this.hooks.transferUpdated(t);
  }

  private enterTls(role: Side, frame: number, time: number): void {
    if (!(this.tls ??= new TlsSwitch(false)).enter(role)) return;
    this.openTls();
    this.clearLines(role);
    if (role === 'server') {
      const r = this.assembler.interrupt(frame, time);
      if (r) this.onReply(r);
    }
  }

  private leftTls(role: Side, frame: number): void {
    // the server writes in the clear after a handshake that failed (vsftpd: "500 OOPS: … unknown ca")
    if (role === 'server' && this.tlsChannel?.handshakeFailed) this.awaitFailureReply = true;
    this.clearLines(role);
    if (this.session.tls.clearAgainFrame === null) ownTls(this.session).clearAgainFrame = frame;
  }

  private noteOverlong(line: ControlLine, role: Side): void {
    if (!line.overlong) return;
    this.session.overlongLines++;
    if (role === 'server') this.session.overlongServerLines++;
    if (this.session.overlongFrames.length < MAX_OVERLONG_FRAMES) this.session.overlongFrames = addTo(this.session.overlongFrames, line.frame);
  }

  // ---- client side: commands ------------------------------------------------------------------

  private clientLine(line: ControlLine): boolean {
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
    const cmd = newCommand({
      index: this.commandCount++,
      verb,
      arg,
      frame: line.firstFrame,
      time: line.firstTime,
      known: isKnownVerb(verb),
      telnetInterrupt: line.interrupt,
      lastFrame: line.frame,
      overlong: line.overlong,
    });
    const kept = this.session.commands.length < this.limits.maxCommands;
    if (kept) {
      this.session.commands.push(cmd);
      if (this.session.commands.length > KEEP_RECENT) this.storeSettled();
    } else this.session.commandsDropped++;
    if (line.overlong) {
      this.cutCommand = cmd;
      this.cutLines++;
    }
    this.conflicts.noteLine(cmd, line, this.clientBytesAcked);
    const p: Pending = { cmd, kept, placed: false };
    this.pairing.push(p, line.frame);
    this.verbSent(p);
    this.pairing.placeHead();
    return true;
  }

  /** Stores the session's commands that can no longer change, behind its newest KEEP_RECENT
   *  (command-columns.ts). One still waiting for its reply does not hold back those behind it
   *  that settled: a STAT answered during a transfer (RFC 959 §4.1.3) settles while the RETR before
   *  it waits for its 226, and a client may send any number of them. Commands looked at unsettled
   *  are looked at again once the oldest of them settles (replies come in order), and all of them
   *  whenever their list doubled: amortised O(1) a command. */
  private storeSettled(): void {
    const list = this.session.commands;
    const waiting = this.unsettled;
    while (waiting.length > 0 && this.settled(list[waiting[0]!]!)) this.store(waiting.shift()!);
    if (waiting.length >= this.compactAt) {
      let k = 0;
      for (const i of waiting) {
        if (this.settled(list[i]!)) this.store(i);
        else waiting[k++] = i;
      }
      waiting.length = k;
      this.compactAt = Math.max(16, 2 * k);
    }
    const until = list.length - KEEP_RECENT;
    while (this.storedUpTo < until) {
      const i = this.storedUpTo++;
      if (this.settled(list[i]!)) this.store(i);
      else waiting.push(i);
    }
  }

  /** A command that can no longer change: answered or given up, and not the cut line still
   *  ending nor the answer an invalid line may still be repaired for. */
  private settled(c: FtpCommand): boolean {
    return (c.reply !== null || c.unanswered) && c !== this.cutCommand && c !== this.lastInvalid?.cmd;
  }

  private store(i: number): void {
    const list = this.session.commands;
    list[i] = (this.columns ??= new CommandColumns()).store(list[i]!);
  }

  private verbSent(p: Pending): void {
    const rule = verbRules[p.cmd.verb];
    if (rule?.sent) rule.sent(this, p);
    else if (!rule && isTransferVerb(p.cmd.verb)) this.startTransfer(p);
  }

  /**
   * A command is acted on: every command before it is answered (or given up), so the working
   * directory and the login it falls under are those the earlier replies left. Its path, and a
   * transfer's path and announced size (a SIZE answered before it), are fixed here.
   */
  placeCommand(p: Pending): void {
    p.placed = true;
    const s = this.session;
    const cmd = p.cmd;
    cmd.cwd = s.cwd;
    cmd.path = operandPath(cmd.verb, cmd.arg, s.cwd);
    if (p.kept) this.placeLogin(cmd);
    const track = p.track as TransferTrack | undefined;
    if (track) {
      const t = track.t;
      t.path = cmd.path;
      if (cmd.verb === 'RETR' && t.announcedBytes === null) {
        const sizes = this.sizes;
        const n = sizes === null ? null : (sizes.get(cmd.path ?? `\0${cmd.arg}`) ?? sizes.get(`\0${cmd.arg}`) ?? null);
        if (n !== null) {
          t.announcedBytes = n;
          t.announcedFrom = '213';
        }
      }
    }
  }

  /** Which login a command belongs to: USER starts one; PASS and ACCT go on with the open one
   *  when the server asked for them (331/332), else start one of their own; any other command
   *  closes it. A command outside a login points at the latest one. */
  private placeLogin(cmd: FtpCommand): void {
    const logins = this.session.logins;
    if (!LOGIN_VERBS.has(cmd.verb)) {
      this.openLogin = null;
      cmd.login = logins.length > 0 ? logins.length - 1 : null;
      return;
    }
    // RFC 959 §5.4: 331 to USER asks for PASS, 332 for ACCT; 331/332 to PASS ask for more
    const asked = (last: FtpCommand) => {
      const r = last.reply;
      return r !== null && r.valid && r.code >= 300 && r.code < 400 && (last.verb === 'USER' || r.code === 331 || r.code === 332);
    };
    const open = this.openLogin;
    let index: number;
    if (open !== null && cmd.verb !== 'USER' && asked(open.last)) {
      index = open.index;
      const login = logins[index]!;
      login.commands = addTo(login.commands, cmd.index);
    } else {
      const before = logins[logins.length - 1];
      const record: LoginRecord = { user: cmd.verb === 'USER' ? cmd.arg : (before?.user ?? null), password: before?.password ?? null, commands: [cmd.index] };
      index = logins.length;
      this.session.logins = addTo(logins, record);
    }
    if (cmd.verb === 'PASS') this.session.logins[index]!.password = cmd.arg;
    cmd.login = index;
    this.openLogin = { index, last: cmd };
  }

  newSetup(p: Pending, mode: 'active' | 'passive', ep: AnnouncedEndpoint | null): void {
    if (this.setup && !this.setup.transfer) this.hooks.retired(this.setup); // superseded
    const setup: DataSetup = {
      control: this,
      command: p.cmd,
      mode,
      announcement: null,
      refused: false,
      transfer: null,
      conns: [],
      listeners: NO_LISTENERS,
      keys: [],
    };
    p.setup = setup;
    this.setup = setup;
    if (mode === 'active') {
      if (ep) {
        setup.announcement = p.cmd.announcement = this.announcement('active', p.cmd.verb, ep, p.cmd.frame);
        this.hooks.announced(setup);
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
    const t = newTransfer({
      id: -1,
      session: s.id,
      command: verb,
      argument: p.cmd.arg,
      direction,
      commandFrame: p.cmd.frame,
      commandTime: p.cmd.time,
      mode: setup ? setup.mode : null,
      announcement: setup ? setup.announcement : null,
      sender: direction === 'upload' ? 'client' : 'server',
      restOffset: rest && (verb === 'RETR' || verb === 'STOR' || verb === 'APPE') ? rest.offset : 0,
      type: s.type,
      transmissionMode: s.mode,
      tlsProtected: s.tls.prot === 'P',
      commandIndex: p.cmd.index,
    });
    const track: TransferTrack = { t, control: this, setup, conns: [], listeners: NO_LISTENERS, ended: NO_ENDED, settled: false };
    if (setup) setup.transfer = track;
    p.track = track;
    this.running = addTo(this.running, track);
    this.tracks = addTo(this.tracks, track);
    this.hooks.transferStarted(track);
  }

  /** Forgets a settled transfer released as a part of the session's unit (analyzer releasePart). */
  dropTrack(track: TransferTrack): void {
    this.tracks = without(this.tracks, this.tracks.lastIndexOf(track)); // a recent one: from the end
  }

  /** A data connection showed up while the control channel was encrypted: its command is
   *  unreadable, so record a transfer of command 'unknown' for it. */
  startUnknownTransfer(conn: Connection): TransferTrack {
    const s = this.session;
    // the FTP server's end of the data connection decides the mode: it listens in passive mode
    const passive = conn.server.addr === s.server.addr && conn.server.port !== s.server.port - 1;
    const t = newTransfer({
      id: -1,
      session: s.id,
      command: 'unknown',
      commandFrame: conn.firstFrame,
      commandTime: conn.startTime,
      mode: passive ? 'passive' : 'active',
      type: s.type,
      transmissionMode: s.mode,
      tlsProtected: s.tls.prot === 'P',
    });
    const track: TransferTrack = { t, control: this, setup: null, conns: [], listeners: NO_LISTENERS, ended: NO_ENDED, settled: false };
    this.tracks = addTo(this.tracks, track);
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

  // ---- VerbContext ----------------------------------------------------------------------------

  passiveAnswered(p: Pending, reply: FtpReply): void {
    const setup = p.setup as DataSetup | undefined;
    if (!setup) return;
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
    setup.announcement = p.cmd.announcement = this.announcement('passive', verb, ep, reply.frame);
    if (setup.transfer) setup.transfer.t.announcement = setup.announcement; // pipelined PASV + RETR
    this.hooks.announced(setup);
  }

  activeRefused(p: Pending): void {
    const setup = p.setup as DataSetup | undefined;
    if (!setup) return;
    setup.refused = true;
    this.hooks.retired(setup);
  }

  restSent(p: Pending, offset: number | null): void {
    this.rest = offset === null ? null : { offset, by: p };
  }

  restRefused(p: Pending): void {
    if (this.rest?.by === p) this.rest = null;
  }

  abortRunning(): void {
    for (const t of this.running) t.t.aborted = true;
  }

  authSent(): void {
    (this.tls ??= new TlsSwitch(false)).authSent();
  }

  authAccepted(reply: FtpReply): void {
    // RFC 4217 §4: the TLS handshake starts right after the 234
    ownTls(this.session).authFrame = reply.frame;
    this.enterTls('server', reply.frame, reply.time);
    if (this.atLineStart('client')) this.enterTls('client', reply.frame, reply.time);
  }

  sizeAnswered(cmd: FtpCommand, n: number): void {
    const sizes = (this.sizes ??= new Map());
    if (sizes.size >= MAX_SIZES) sizes.delete(sizes.keys().next().value!);
    sizes.set(`\0${cmd.arg}`, n);
    if (cmd.path !== null) sizes.set(cmd.path, n);
  }

  // ---- server side: replies -------------------------------------------------------------------

  private serverLine(line: ControlLine): boolean {
    this.noteOverlong(line, 'server');
    // a reply usually carries the acknowledgment of the command it answers
    this.conflicts.forgetAcked(this.clientBytesAcked);
    const before = this.assembler.blankLines;
    const reply = this.assembler.push(line);
    if (this.assembler.blankLines !== before) this.session.unparsedLines++;
    if (reply) this.onReply(reply);
    // stop here if the reply switched the channel to TLS (decrypted lines go on: plainLines)
    return this.tls === null || !this.tls.isTls('server') || this.tlsChannel?.readable === true;
  }

  private addUnsolicited(r: FtpReply): void {
    if (this.session.unsolicited.length < MAX_UNSOLICITED) this.session.unsolicited = addTo(this.session.unsolicited, r);
  }

  private onReply(reply: FtpReply): void {
    const s = this.session;
    if (this.greetingDone && !this.pairing.waiting) this.answeredPartialLine();
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
      const head = this.pairing.preliminaryFor(code, this.alignLoosely);
      if (!head) {
        this.addUnsolicited(reply);
        return;
      }
      // most commands get one at most: a list of its exact size, not a grown one of 16 slots
      if (head.cmd.preliminary.length === 0) head.cmd.preliminary = [reply];
      else if (head.cmd.preliminary.length < MAX_PRELIMINARY) head.cmd.preliminary.push(reply);
      if (head.track) this.transferPreliminary(head.track as TransferTrack, reply);
      return;
    }
    const p = this.pairing.takeFor(reply, this.alignLoosely);
    if (!p) {
      if (this.awaitFailureReply && reply.valid) {
        // Heuristic: "the server's word on a failed TLS handshake"
        // The first cleartext reply after a handshake that failed (a fatal alert, or a close
        // before both Finished messages), with no command pending, is the server's answer to the
        // AUTH whose negotiation failed, not a reply to a command missing from the capture.
        this.awaitFailureReply = false;
        ownTls(s).failureReply = reply;
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
    this.pairing.placeHead();
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
    const sp = this.clientSplitter;
    if ((this.tls !== null && this.tls.isTls('client') && !this.tlsChannel?.readable) || sp === null || sp.partialBytes < ANSWERED_PARTIAL) return;
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

  /**
   * Heuristic: "the capture dropped the reply"
   * A command given up without a final reply (a later reply answers a later command, or the
   * session ended) lost its reply to the capture when, after the command was sent, bytes of the
   * server's stream are missing from the capture that the client acknowledged: they reached the
   * client, so the server did answer (zeek cwd-navigation: "200 Type set to I", 19 bytes, acked
   * by the client's next segment). The first such gap after the command is named.
   */
  commandGivenUp(cmd: FtpCommand): void {
    cmd.unanswered = true;
    if (cmd.reply !== null) return;
    const gap = this.droppedReplies?.find((g) => g.frame >= cmd.lastFrame);
    if (gap) cmd.replyMissing = { bytes: gap.bytes, frame: gap.frame };
  }

  /** Replies are paired by plausibility, not only in order: bytes went missing, or a client
   *  line was cut. */
  private get alignLoosely(): boolean {
    return this.session.gaps > 0 || this.cutLines > 0;
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
    if (this.conflicts.pending) this.conflicts.judge(p.cmd);
    const code = reply.code;
    const track = p.track as TransferTrack | undefined;
    if (track) {
      const t = track.t;
      // a line that was not a valid reply counts as no code (0), not as the digits it began with
      if (t.replyCodes.length < MAX_REPLY_CODES) t.replyCodes.push(reply.valid ? code : 0);
      t.finalReply = reply;
      this.running = without(this.running, this.running.indexOf(track));
      this.hooks.transferUpdated(track);
      return;
    }
    const ok = reply.valid && code >= 200 && code < 300;
    verbRules[p.cmd.verb]?.answered?.(this, p, reply, ok);
  }
}
