// Pairing replies with commands. RFC 959 §4.2: replies come in the order of the commands, so a
// final reply answers the oldest command waiting; the exceptions are a skipped blank line, STAT
// answered during a transfer, and re-alignment once bytes went missing or a line was cut.
//
// A command is *placed* (its working directory, path and login recorded: session.ts placeCommand()) when
// every command before it is answered or given up: when it becomes the oldest waiting, or as it
// is answered or given up itself. That is when the server acts on it, so a pipelined RETR after
// a CWD is placed in the directory the CWD's reply made.

import type { FtpCommand, FtpReply, Session } from '../types.ts';
import { plausibleReply } from '../commands.ts';
import { addTo } from '../records.ts';
import type { Pending } from './verbs.ts';

/** Frames kept in Session.pendingOverflowFrames. */
const MAX_OVERFLOW_FRAMES = 20;

/** What the pairing tells the control session (session.ts). */
export interface PairingOwner {
  /** The command is acted on: everything before it is answered or given up. */
  placeCommand(p: Pending): void;
  /** A command left without its reply (it may say why). */
  commandGivenUp(cmd: FtpCommand): void;
}

/** The queue while no command waits: one frozen list for every session (an emptied list keeps
 *  its grown backing store, ~0.15 KB per open connection between commands). */
const NO_PENDING: readonly Pending[] = Object.freeze([]);

export class ReplyPairing {
  private pending: Pending[] = NO_PENDING as Pending[]; // commands awaiting their final reply, oldest first

  constructor(
    private readonly session: Session,
    private readonly maxPending: number,
    private readonly owner: PairingOwner,
  ) {}

  get waiting(): boolean {
    return this.pending.length > 0;
  }

  /** A command was sent. Past maxPending the oldest is given up (left unanswered). */
  push(p: Pending, frame: number): void {
    if (this.pending.length >= this.maxPending) {
      this.placeThrough(0);
      this.shift().cmd.unanswered = true;
      this.session.pendingOverflow++;
      const of = this.session.pendingOverflowFrames;
      if (of.length < MAX_OVERFLOW_FRAMES) this.session.pendingOverflowFrames = addTo(of, frame);
    }
    if (this.pending.length === 0) this.pending = [p];
    else this.pending.push(p);
  }

  /** The oldest waiting command, taken off the queue (which must not be empty). */
  private shift(): Pending {
    const p = this.pending.shift()!;
    if (this.pending.length === 0) this.pending = NO_PENDING as Pending[];
    return p;
  }

  /** Takes pending[0..k) off the queue. */
  private takeFirst(k: number): Pending[] {
    const taken = this.pending.splice(0, k);
    if (this.pending.length === 0) this.pending = NO_PENDING as Pending[];
    return taken;
  }

  /** The oldest waiting command is placed (everything before it is answered). */
  placeHead(): void {
    const head = this.pending[0];
    if (head && !head.placed) this.owner.placeCommand(head);
  }

  /** Places pending[0..k] in order. */
  private placeThrough(k: number): void {
    for (let i = 0; i <= k && i < this.pending.length; i++) {
      const p = this.pending[i]!;
      if (!p.placed) this.owner.placeCommand(p);
    }
  }

  /** The command a preliminary (1yz) reply belongs to: the oldest; after a capture gap, the first
   *  that can get one. */
  preliminaryFor(code: number, loose: boolean): Pending | undefined {
    const head = this.pending[0];
    if (head && loose && !plausibleReply(head.cmd.verb, code)) return this.pending.find((q) => plausibleReply(q.cmd.verb, code));
    return head;
  }

  /** The pending command a final reply answers, taken off the queue (placed): the oldest (FIFO,
   *  RFC 959 §4.2), except for a skipped blank line, STAT during a transfer, and re-alignment after
   *  a capture gap or a cut line (`loose`). null: it answers no command the capture holds. */
  takeFor(reply: FtpReply, loose: boolean): Pending | null {
    const code = reply.code;
    // A blank command line gets a 5xx from some servers and nothing from others: skip it
    // unless this reply is an error.
    while (this.pending.length > 0 && this.pending[0]!.cmd.verb === '' && !(code >= 500 && code < 600)) {
      this.placeThrough(0);
      this.shift().cmd.unanswered = true;
    }
    const head = this.pending[0];
    if (!head) return null;
    if (loose && reply.valid && !plausibleReply(head.cmd.verb, code)) {
      // Heuristic: "re-align after a capture gap or a cut line"
      // Once bytes went missing, a reply or a command may be gone; once a command line was too
      // long, the server may have answered it once, once per piece (vsftpd) or not at all
      // (ProFTPD ignores it). A reply that cannot answer the oldest pending command (RFC 959
      // §5.4) answers the first later one it can (the commands skipped lost their replies), or,
      // if none can, a command lost from the capture.
      const k = this.pending.findIndex((q, n) => n > 0 && plausibleReply(q.cmd.verb, code));
      if (k < 0) return null;
      this.placeThrough(k);
      for (const q of this.takeFirst(k)) this.owner.commandGivenUp(q.cmd);
      return this.shift();
    }
    // RFC 959 §4.1.3: STAT during a transfer is answered at once (211/212/213) while the
    // transfer command still waits for its 226.
    if (head.track && head.cmd.preliminary.length > 0 && (code === 211 || code === 212 || code === 213)) {
      const k = this.pending.findIndex((q) => q.cmd.verb === 'STAT');
      if (k > 0) {
        this.placeThrough(k);
        return this.pending.splice(k, 1)[0]!; // k > 0: the queue keeps its head
      }
    }
    this.placeThrough(0);
    return this.shift();
  }

  /** The control connection ended: every command still waiting is placed and left unanswered. */
  end(): void {
    this.placeThrough(this.pending.length - 1);
    for (const p of this.pending) this.owner.commandGivenUp(p.cmd);
    this.pending = NO_PENDING as Pending[];
  }
}
