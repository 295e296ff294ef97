// The operation log's model: one record per FTP operation a server's own log would show (a
// login, each transfer, DELE, MKD, RMD, a rename, CWD, SITE, …), built from the views of a
// finished analysis (src/view/): secrets are already hidden there unless asked, paths and logins
// are the FTP stage's. Records keep wire strings raw; the renderers beside this file escape them.
// Whatever analyze reports as an operation has its line: a reply whose command is not in the
// capture (a 425 in a session begun before it) and a data connection whose control connection is
// not in the capture (a lone transfer) too.

import type { DataEndpointAnnouncement, FtpCommand, FtpReply, Session, Transfer, TransferOutcome } from '../../ftp/types.ts';
import { resultUnit } from '../../pipeline/result.ts';
import { unitView, type ByteCell, type SessionView, type TransferView } from '../../view/unit.ts';
import { isTransferVerb } from '../../ftp/commands.ts';
import type { AnalysisResult } from '../../pipeline/result.ts';
import type { Connection } from '../../tcp/types.ts';
import { FindingIndex, type AttachedFinding } from './worst-finding.ts';

/** How an operation ended. Transfers keep the FTP stage's verdict (TransferOutcome); other
 *  operations are 'complete' (1yz–3yz final reply, or the login/rename reached its end),
 *  'failed' (4yz/5yz), 'incomplete' (a login or rename stopped half-way), 'unanswered'. */
export type OperationOutcome = TransferOutcome | 'incomplete' | 'unanswered';

export interface DataChannel {
  passive: boolean;
  origH: string; //          who opens the data connection (the client in passive mode)
  respH: string; //          the announced address (the control peer's for EPSV)
  respP: number;
}

export interface Operation {
  seq: number; //                 position in the log (0-based, after sorting)
  time: number; //                capture time of the operation's first command (s since epoch)
  endTime: number | null; //      capture time of its final reply, or of the data connection's end
  session: number | null; //      Session.id; null for a lone data connection (its control connection is not in the capture)
  control: number | null; //      Connection.id of the control connection; null as session
  protocol: 'FTP' | 'FTPS'; //    FTPS: the control channel was TLS then, or the data was TLS
  client: { addr: string; port: number };
  server: { addr: string; port: number };
  user: string | null; //         the latest USER name sent in the session (as sent)
  password: string | null; //     the PASS argument of the login in force, as shown (REDACTED unless asked)
  passwordShown: boolean; //      … and it is the password itself (--show-passwords), not REDACTED
  operation: string; //           'login', 'rename', 'connect', 'transfer' (command unreadable or not in the capture),
  //                              'command' (a reply whose command is not in the capture) or the verb
  command: string; //             the (first) verb as sent; '' when unreadable or not in the capture
  arg: string; //                 its argument as sent, secrets hidden unless shown (for a login: the user name, never the password)
  path: string | null; //         the argument resolved against the working directory, when it names one
  pathTo: string | null; //       rename target, resolved
  direction: Transfer['direction'] | null; // for transfers
  type: string | null; //         TYPE in force, for transfers (A, I, …)
  reply: FtpReply | null; //      the final reply of the operation
  bytes: ByteCell | null; //      file bytes on the data connection, or why none are counted (transfers only)
  announcedBytes: number | null; // size from a 150 "(N bytes)" or a preceding 213 SIZE
  duration: number | null; //     seconds: data connection open to close for transfers, else first command to final reply
  rate: number | null; //         bytes per second on the data connection
  outcome: OperationOutcome;
  finding: AttachedFinding | null; // the worst finding about this operation
  transfer: number | null; //     Transfer.id
  frames: number[]; //            command and reply frames, ascending
  dataChannel: DataChannel | null;
}

export interface OperationLogOptions {
  all?: boolean; //               every command gets a record, not only operations
  showPasswords?: boolean; //     passwords and other secrets shown (default: as the analysis ran)
}

// ---- which commands are operations ----------------------------------------------------------

/** Verbs that change or select something on the server, logged like the file actions of
 *  vsftpd/ProFTPD's logs (DELETE, MKDIR, RMDIR, RENAME, CHMOD) plus navigation and the TLS
 *  upgrade, which explain the paths and protocol of what follows. Transfers, logins and renames
 *  are handled on their own. */
const OPERATION_VERBS: ReadonlySet<string> = new Set([
  'DELE', 'MKD', 'XMKD', 'RMD', 'XRMD', 'RMDA', 'CWD', 'XCWD', 'CDUP', 'XCUP', 'SMNT', 'SITE',
  'MFMT', 'MFCT', 'MFF', 'AUTH', 'CCC', 'REIN',
]);
/** Replies that end a login successfully (RFC 959 §5.4: 230; 202 to a superfluous PASS; RFC 2228: 232). */
const LOGIN_OK: ReadonlySet<number> = new Set([230, 232, 202]);

// ---- outcomes -------------------------------------------------------------------------------

function replyOutcome(r: FtpReply | null): OperationOutcome {
  if (r === null) return 'unanswered';
  if (!r.valid) return 'unknown';
  return r.code < 400 ? 'complete' : 'failed';
}

function loginOutcome(r: FtpReply | null): OperationOutcome {
  if (r === null) return 'unanswered';
  if (!r.valid) return 'unknown';
  if (LOGIN_OK.has(r.code)) return 'complete';
  return r.code < 400 ? 'incomplete' : 'failed';
}

// ---- replies whose command is not in the capture ------------------------------------------

/** Replies that end a transfer or say it could not run (RFC 959 §4.1.3, §5.4). */
const TRANSFER_REPLIES: ReadonlySet<number> = new Set([226, 425, 426]);
/** Replies that end a login (LOGIN_OK, and 530 refusing it). */
const LOGIN_REPLIES: ReadonlySet<number> = new Set([...LOGIN_OK, 530]);
/** Replies that are no operation: 120 (the 220 follows), 221 (the goodbye to a QUIT), 421 (the
 *  server closing the connection: a finding of its own, not something the client asked for). */
const NO_OPERATION: ReadonlySet<number> = new Set([120, 221, 421]);

/** What a reply whose command is not in the capture (a session begun before it, a command the
 *  capture dropped) tells of the operation it ended: a transfer, a login, another command (a
 *  refusal, or any with --all), or null when the log has no line for it. */
function orphanOperation(r: FtpReply, all: boolean): 'transfer' | 'login' | 'command' | null {
  if (!r.valid || r.code < 200 || NO_OPERATION.has(r.code)) return null; // 1yz: its final reply follows
  if (TRANSFER_REPLIES.has(r.code)) return 'transfer';
  if (LOGIN_REPLIES.has(r.code)) return 'login';
  return all || r.code >= 400 ? 'command' : null;
}

function commandFrames(cmds: readonly FtpCommand[]): number[] {
  const out = new Set<number>();
  for (const c of cmds) {
    out.add(c.frame);
    out.add(c.lastFrame);
    for (const p of c.preliminary) {
      out.add(p.firstFrame);
      out.add(p.frame);
    }
    if (c.reply) {
      out.add(c.reply.firstFrame);
      out.add(c.reply.frame);
    }
  }
  return [...out].sort((a, b) => a - b);
}

// ---- building -------------------------------------------------------------------------------

type Draft = Omit<Operation, 'seq' | 'finding'> & { order: number; at: number };

/** One session's operations, in its command order. The working directory, the paths and the
 *  login each command falls under are the FTP stage's (FtpCommand.cwd, .path, .login): the log
 *  only groups commands into operations. */
class SessionLog {
  private readonly s: Session;
  private login: { cmds: FtpCommand[] } | null = null; // a login's commands, while it goes on (FtpCommand.login)
  private rename: FtpCommand | null = null; // an RNFR answered 350, waiting for RNTO
  private order = 0; //                      position of the next draft within the session
  private orphanAt = 0; //                   next entry of Session.unsolicited to place
  private lastCommand: FtpCommand | null = null; // the latest command placed (its login is in force)
  readonly drafts: Draft[] = [];

  constructor(
    private readonly v: SessionView,
    private readonly transfersByCommand: ReadonlyMap<number, TransferView>,
    private readonly all: boolean,
    private readonly showPasswords: boolean,
  ) {
    this.s = v.s;
  }

  run(): Draft[] {
    const s = this.s;
    if (s.greeting && s.greeting.valid && s.greeting.code >= 400) this.connectRefused(s.greeting);
    for (const cmd of s.commands) {
      this.orphansBefore(cmd.frame);
      this.command(cmd);
      this.lastCommand = cmd;
    }
    this.orphansBefore(Infinity);
    this.flushLogin();
    this.flushRename();
    return this.drafts;
  }

  private command(cmd: FtpCommand): void {
    const verb = cmd.verb;
    if (verb === 'USER' || verb === 'PASS' || verb === 'ACCT') {
      // the FTP stage put it in a login: the one of the commands before, or a new one
      if (this.login && cmd.login !== null && this.login.cmds[0]!.login === cmd.login) {
        this.login.cmds.push(cmd);
        return;
      }
      this.flushLogin();
      this.flushRename();
      this.login = { cmds: [cmd] };
      return;
    }
    this.flushLogin();
    if (verb === 'RNTO') {
      const from = this.rename;
      this.rename = null;
      this.emitRename(from, cmd);
      return;
    }
    this.flushRename();
    if (verb === 'RNFR') {
      if (cmd.reply && cmd.reply.valid && cmd.reply.code === 350) this.rename = cmd;
      else this.emitRename(cmd, null);
      return;
    }
    const t = this.transfersByCommand.get(cmd.index);
    if (t) this.emitTransfer(t, cmd);
    else if (this.all || OPERATION_VERBS.has(verb) || isTransferVerb(verb)) this.emitCommand(cmd);
  }

  /** The login a command falls under (the FTP stage's record; for a transfer whose command is
   *  unreadable, the latest), if any. */
  private loginOf(cmd: FtpCommand | null): SessionView['logins'][number] | null {
    const logins = this.v.logins;
    if (cmd === null) return logins[logins.length - 1] ?? null;
    return cmd.login === null ? null : (logins[cmd.login] ?? null);
  }

  private base(first: FtpCommand | null, time: number, last: FtpCommand | null = first): Omit<Draft, 'operation' | 'command' | 'arg' | 'path' | 'reply' | 'outcome' | 'frames'> {
    const s = this.s;
    const login = this.loginOf(last);
    const tls = s.tls;
    const frame = first?.frame ?? 0;
    const encrypted = tls.encryptedFromFrame !== null && frame > tls.encryptedFromFrame && (tls.clearAgainFrame === null || frame < tls.clearAgainFrame);
    return {
      time,
      endTime: null,
      session: s.id,
      control: s.control,
      protocol: encrypted ? 'FTPS' : 'FTP',
      client: s.client,
      server: s.server,
      user: login?.user ?? null,
      password: login?.password ?? null,
      passwordShown: this.showPasswords && login?.password !== null && login?.password !== undefined,
      pathTo: null,
      direction: null,
      type: null,
      bytes: null,
      announcedBytes: null,
      duration: null,
      rate: null,
      transfer: null,
      dataChannel: null,
      order: this.order++,
      at: time,
    };
  }

  private connectRefused(greeting: FtpReply): void {
    this.drafts.push({
      ...this.base(null, greeting.time),
      operation: 'connect',
      command: '',
      arg: '',
      path: null,
      reply: greeting,
      endTime: greeting.time,
      duration: null,
      outcome: 'failed',
      frames: [...new Set([greeting.firstFrame, greeting.frame])],
    });
  }

  /** Lines for the replies whose command is not in the capture, in their place among the commands. */
  private orphansBefore(frame: number): void {
    const list = this.s.unsolicited;
    while (this.orphanAt < list.length && list[this.orphanAt]!.frame < frame) this.emitOrphan(list[this.orphanAt++]!);
  }

  private emitOrphan(r: FtpReply): void {
    const operation = orphanOperation(r, this.all);
    if (operation === null) return;
    // a login that has its final reply is over: its line comes first
    const lastOfLogin = this.login?.cmds[this.login.cmds.length - 1];
    if (lastOfLogin?.reply && !(lastOfLogin.reply.code >= 300 && lastOfLogin.reply.code < 400)) this.flushLogin();
    // under the login of the command before it; before any command, none
    const noLogin = this.lastCommand === null ? { user: null, password: null, passwordShown: false } : {};
    this.drafts.push({
      ...this.base(null, r.time, this.lastCommand),
      ...noLogin,
      operation,
      command: '',
      arg: '',
      path: null,
      reply: r,
      endTime: r.time,
      outcome: operation === 'login' ? loginOutcome(r) : replyOutcome(r),
      frames: [...new Set([r.firstFrame, r.frame])],
    });
  }

  private emitLogin(cmds: FtpCommand[]): void {
    const first = cmds[0]!;
    const last = cmds[cmds.length - 1]!;
    const reply = last.reply;
    const userCmd = cmds.find((c) => c.verb === 'USER');
    this.drafts.push({
      ...this.base(first, first.time, last),
      operation: 'login',
      command: first.verb,
      arg: userCmd ? userCmd.arg : '',
      path: null,
      reply,
      endTime: reply?.time ?? null,
      duration: reply ? reply.time - first.time : null,
      outcome: loginOutcome(reply),
      frames: commandFrames(cmds),
    });
  }

  private flushLogin(): void {
    if (!this.login) return;
    const cmds = this.login.cmds;
    this.login = null;
    this.emitLogin(cmds);
  }

  /** RNFR + RNTO as one operation; either may be missing (RNFR refused, RNTO without RNFR). */
  private emitRename(from: FtpCommand | null, to: FtpCommand | null): void {
    const first = (from ?? to)!;
    const cmds = [from, to].filter((c): c is FtpCommand => c !== null);
    const reply = to ? to.reply : from!.reply;
    let outcome = replyOutcome(reply);
    if (to === null && outcome === 'complete') outcome = 'incomplete'; // RNFR accepted, no RNTO
    this.drafts.push({
      ...this.base(first, first.time),
      operation: 'rename',
      command: first.verb,
      arg: from ? from.arg : '',
      path: from ? from.path : null,
      pathTo: to ? to.path : null,
      reply,
      endTime: reply?.time ?? null,
      duration: reply ? reply.time - first.time : null,
      outcome,
      frames: commandFrames(cmds),
    });
  }

  private flushRename(): void {
    if (!this.rename) return;
    const from = this.rename;
    this.rename = null;
    this.emitRename(from, null);
  }

  private emitCommand(cmd: FtpCommand): void {
    const reply = cmd.reply;
    this.drafts.push({
      ...this.base(cmd, cmd.time),
      operation: cmd.verb,
      command: cmd.verb,
      arg: this.v.commands[cmd.index]!.arg, // SITE PSWD old new, ADAT, … (--all); commands are kept from index 0
      path: cmd.path,
      reply,
      endTime: reply?.time ?? null,
      duration: reply ? reply.time - cmd.time : null,
      outcome: replyOutcome(reply),
      frames: commandFrames([cmd]),
    });
  }

  emitTransfer(tv: TransferView, cmd: FtpCommand | null): void {
    const s = this.s;
    const t = tv.t;
    const d: Draft = {
      ...this.base(cmd, t.commandTime),
      operation: cmd ? cmd.verb : 'transfer',
      command: cmd ? cmd.verb : '',
      arg: cmd ? cmd.arg : t.argument,
      path: t.path,
      direction: t.direction,
      type: t.type,
      reply: t.finalReply,
      endTime: t.finalReply?.time ?? t.endTime,
      bytes: tv.bytes,
      announcedBytes: t.announcedBytes,
      duration: t.duration,
      rate: t.rate,
      outcome: t.outcome,
      transfer: t.id,
      frames: cmd ? commandFrames([cmd]) : [t.commandFrame],
      dataChannel: dataChannel(t, s),
    };
    if (cmd === null) d.user = s.user; // an encrypted session: the login was not readable either
    if (t.tlsProtected || t.dataLooksTls === true) d.protocol = 'FTPS';
    this.drafts.push(d);
  }
}

function dataChannel(t: Transfer, s: Session): DataChannel | null {
  return t.announcement ? announcedChannel(t.announcement, s) : null;
}

/** The data connection an announcement (PORT/EPRT, 227/229) sets up, as Zeek's data_channel
 *  names it: who will open it and the endpoint it goes to. */
export function announcedChannel(a: DataEndpointAnnouncement, s: Session): DataChannel {
  const passive = a.mode === 'passive';
  return {
    passive,
    origH: passive ? s.client.addr : s.server.addr,
    respH: a.addr ?? (passive ? s.server.addr : s.client.addr),
    respP: a.port,
  };
}

/** A data connection whose control connection is not in the capture (ftp/data/lone-data.ts) as
 *  an operation of its own, its client and server the FTP stage's sides of it. */
function loneOperation(tv: TransferView, c: Connection): Draft {
  const t = tv.t;
  // the FTP stage's sides of the data connection; without them, the mode's
  const ftpServer = t.dataSides?.ftpServer ?? (t.mode === 'active' ? 'client' : 'server');
  const [client, server] = ftpServer === 'client' ? [c.server, c.client] : [c.client, c.server];
  return {
    time: t.commandTime,
    endTime: t.endTime,
    session: null,
    control: null,
    protocol: t.tlsProtected || t.dataLooksTls === true ? 'FTPS' : 'FTP',
    client: { addr: client.addr, port: client.port },
    server: { addr: server.addr, port: server.port },
    user: null,
    password: null,
    passwordShown: false,
    operation: 'transfer',
    command: '',
    arg: '',
    path: null,
    pathTo: null,
    direction: t.direction,
    type: null,
    reply: null,
    bytes: tv.bytes,
    announcedBytes: null,
    duration: t.duration,
    rate: t.rate,
    outcome: t.outcome,
    transfer: t.id,
    frames: [...new Set([c.firstFrame, c.closeFrame ?? c.lastFrame])],
    dataChannel: null,
    order: 0,
    at: t.commandTime,
  };
}

/** Every operation of the analysis, in time order (ties: session, then order within it). */
export function buildOperations(r: AnalysisResult, opts: OperationLogOptions = {}): Operation[] {
  const showPasswords = opts.showPasswords ?? r.showPasswords;
  const view = unitView(resultUnit(r), { showPasswords });
  const drafts: Draft[] = [];
  const transfersOf = new Map<number, TransferView[]>();
  const connections = new Map(r.connections.map((c) => [c.id, c]));
  for (const tv of view.transfers) {
    const sid = tv.t.session;
    if (sid === null) {
      const c = tv.t.dataConnection === null ? undefined : connections.get(tv.t.dataConnection);
      if (c) drafts.push(loneOperation(tv, c));
      continue;
    }
    const list = transfersOf.get(sid);
    if (list) list.push(tv);
    else transfersOf.set(sid, [tv]);
  }
  for (const sv of view.sessions) {
    const ts = transfersOf.get(sv.s.id) ?? [];
    const byCommand = new Map<number, TransferView>();
    for (const tv of ts) if (tv.t.commandIndex !== null) byCommand.set(tv.t.commandIndex, tv);
    const log = new SessionLog(sv, byCommand, opts.all === true, showPasswords);
    const own = log.run();
    // A session's operations keep their stream order: a command whose segment was captured late
    // (lost, then retransmitted) has a later frame time than the ones after it in the stream,
    // and a server acted on them in stream order. Each is placed at the latest time so far.
    const inStream = own.length;
    // transfers whose command was unreadable (encrypted control channel) go in by time
    for (const tv of ts) if (tv.t.commandIndex === null) log.emitTransfer(tv, null);
    let at = -Infinity;
    own.forEach((d, k) => {
      if (k < inStream) d.at = at = Math.max(at, d.time);
      drafts.push(d); // not push(...own): a session can have more operations than a call has room for arguments
    });
  }
  drafts.sort((a, b) => a.at - b.at || (a.session ?? -1) - (b.session ?? -1) || a.order - b.order);
  const index = new FindingIndex(r.findings);
  return drafts.map(({ order: _order, at: _at, ...d }, seq) => {
    const op: Operation = { ...d, seq, finding: null };
    op.finding = index.worst(op);
    return op;
  });
}
