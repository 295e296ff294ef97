// Copies of control bytes that disagree (the TCP stage's DataConflict on a control connection):
// where the line they belong to lies, both versions of it, and, once the server has answered the
// command, which version it acted on.

import type { DataConflict } from '../../tcp/types.ts';
import type { FtpCommand } from '../types.ts';
import { plausibleReply, redactArgument, splitCommandLine } from '../commands.ts';
import type { ControlLine } from './lines.ts';

/** Client lines remembered with their stream offsets, to place a later copy that disagrees. */
const RECENT_LINES = 32;
/** Copies that disagree waiting for their command's reply, per session. */
const MAX_JUDGED_CONFLICTS = 20;

/** A client line and where it lies in the stream. */
interface LineAt {
  cmd: FtpCommand;
  offset: number; //  stream offset of its first byte
  wire: number; //    bytes it took on the wire
  text: string;
  plain: boolean; //  no Telnet command, not cut: its text maps byte for byte onto the wire (if Latin-1: exact())
  ackedAt: number; // the server's acknowledgment of the client's stream when the line was noted (bytes)
}

interface Waiting {
  c: DataConflict;
  cmd: FtpCommand | null; // null: its line has not ended yet
}

/** Copies waiting to be judged while there are none: one frozen list for every session. */
const NO_WAITING: readonly Waiting[] = Object.freeze([]);

/** text[i] is the byte at the line's offset + i: mapped byte for byte, and every character Latin-1. */
function exact(at: LineAt): boolean {
  return at.plain && !/[^\x00-\xff]/.test(at.text);
}

/** Whether reply text names the verb (a word) or the file name (its last path part, 3+ characters). */
function names(text: string, cmd: { verb: string; arg: string }): boolean {
  const t = text.toUpperCase();
  if (/^[A-Z]{3,4}$/.test(cmd.verb) && new RegExp(`\\b${cmd.verb}\\b`).test(t)) return true;
  const base = cmd.arg.trim().split('/').pop() ?? '';
  return base.length >= 3 && t.includes(base.toUpperCase());
}

export class ConflictJudge {
  // The latest client command lines whose bytes a later copy can still disagree with (null: none).
  // The TCP stage compares a later copy only with bytes not yet acknowledged (or held out of
  // order): once the server's acknowledgment has moved on after a line was delivered and covers
  // it, that line can never be placed again and is let go (forgetAcked). A session between
  // commands keeps none: 32 lines were ~0.6-1.1 KB per open control connection.
  private recentLines: LineAt[] | null = null;
  private waiting: Waiting[] = NO_WAITING as Waiting[]; // copies that disagree, not judged yet (NO_WAITING until the first)

  get pending(): boolean {
    return this.waiting.length > 0;
  }

  /** Where a client line lies in the stream; the last RECENT_LINES not yet let go are kept.
   *  `acked`: how much of the client's stream the server has acknowledged now (bytes). */
  noteLine(cmd: FtpCommand, line: ControlLine, acked: number): void {
    if (Number.isNaN(line.offset)) return;
    this.forgetAcked(acked);
    // its text maps byte for byte onto the wire: no Telnet command, not cut (then a later copy's
    // bytes can be put in its place)
    const plain = !line.overlong && line.text.length + (line.bareLf ? 1 : 2) === line.wireBytes;
    const at: LineAt = { cmd, offset: line.offset, wire: line.wireBytes, text: line.text, plain, ackedAt: acked };
    const lines = this.recentLines;
    if (lines === null) this.recentLines = [at];
    else {
      lines.push(at);
      if (lines.length > RECENT_LINES) lines.shift();
    }
    for (const w of this.waiting) if (w.cmd === null && w.c.offset >= line.offset && w.c.offset < line.offset + line.wireBytes) this.place(w, at);
  }

  /**
   * Lets go of the oldest lines that no later copy can disagree with any more: the server's
   * acknowledgment (`acked`, bytes of the client's stream) covers the line and has moved on since
   * the line was delivered (an acknowledgment captured before the bytes it covers, then those
   * bytes: the TCP stage keeps them until the next one). The TCP stage releases the bytes it keeps
   * for comparing at each acknowledgment that moves on (tcp/reassembler.ts release()). Copies
   * that disagreed while the connection was still being recognised are placed right after its
   * lines are replayed, with no acknowledgment between: those lines are all still here.
   */
  forgetAcked(acked: number): void {
    const lines = this.recentLines;
    if (lines === null) return;
    let k = 0;
    while (k < lines.length && lines[k]!.offset + lines[k]!.wire <= acked && acked > lines[k]!.ackedAt) k++;
    if (k === lines.length) this.recentLines = null;
    else if (k > 0) lines.splice(0, k);
  }

  /**
   * A later copy of bytes the client's side delivered disagrees with the first: both versions of
   * its command line are recorded, and once the server has answered, which one it acted on.
   */
  conflict(c: DataConflict): void {
    if (this.waiting.length >= MAX_JUDGED_CONFLICTS) return;
    const at = this.recentLines?.find((l) => c.offset >= l.offset && c.offset < l.offset + l.wire);
    const w: Waiting = { c, cmd: null };
    if (this.waiting === NO_WAITING) this.waiting = [w];
    else this.waiting.push(w);
    if (at) this.place(w, at); // else: its line has not ended yet (noteLine places it)
  }

  private place(w: Waiting, at: LineAt): void {
    const c = w.c;
    w.cmd = at.cmd;
    c.firstLine = at.text;
    if (exact(at)) {
      // the later copy's bytes put where they lie in the line (its CRLF left out)
      const from = c.offset - at.offset;
      const to = Math.min(at.text.length, from + c.second.length);
      c.secondLine = from < to ? at.text.slice(0, from) + c.second.slice(0, to - from) + at.text.slice(to) : at.text;
    }
    const secret = (t: string | null) => t !== null && redactArgument(splitCommandLine(t).verb, splitCommandLine(t).arg) !== null;
    c.secret = secret(c.firstLine) || secret(c.secondLine);
    if (at.cmd.reply) this.judge(at.cmd);
  }

  /**
   * Heuristic: "the copy the server acted on"
   * Plain definition: of the two versions of a command line, the one whose verb can get the
   * replies the command got (RFC 959 §5.4: 150 answers RETR, never DELE) when only one can; else
   * the one whose verb or file name the replies' text names ("250 DELE command successful",
   * "550 evil.txt: No such file") when only one is named; else the replies do not tell.
   */
  judge(cmd: FtpCommand): void {
    const reply = cmd.reply;
    if (!reply) return;
    const replies = [...cmd.preliminary, reply];
    for (let k = 0; k < this.waiting.length; ) {
      const { c, cmd: of } = this.waiting[k]!;
      if (of !== cmd) {
        k++;
        continue;
      }
      this.waiting.splice(k, 1);
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
}
