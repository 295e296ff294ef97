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
  exact: boolean; //  text[i] is the byte at offset + i (no Telnet command, not cut, Latin-1)
}

interface Waiting {
  c: DataConflict;
  cmd: FtpCommand | null; // null: its line has not ended yet
}

/** Whether reply text names the verb (a word) or the file name (its last path part, 3+ characters). */
function names(text: string, cmd: { verb: string; arg: string }): boolean {
  const t = text.toUpperCase();
  if (/^[A-Z]{3,4}$/.test(cmd.verb) && new RegExp(`\\b${cmd.verb}\\b`).test(t)) return true;
  const base = cmd.arg.trim().split('/').pop() ?? '';
  return base.length >= 3 && t.includes(base.toUpperCase());
}

export class ConflictJudge {
  private readonly recentLines: LineAt[] = []; // the latest client command lines, where they lie in the stream
  private readonly waiting: Waiting[] = []; //    copies that disagree, not judged yet

  get pending(): boolean {
    return this.waiting.length > 0;
  }

  /** Where a client line lies in the stream; the last RECENT_LINES kept. */
  noteLine(cmd: FtpCommand, line: ControlLine): void {
    if (Number.isNaN(line.offset)) return;
    const lines = this.recentLines;
    // its text maps byte for byte onto the wire: no Telnet command, not cut (then a later copy's
    // bytes can be put in its place)
    const exact = !line.overlong && line.text.length + (line.bareLf ? 1 : 2) === line.wireBytes && !/[^\x00-\xff]/.test(line.text);
    lines.push({ cmd, offset: line.offset, wire: line.wireBytes, text: line.text, exact });
    if (lines.length > RECENT_LINES) lines.shift();
    for (const w of this.waiting) if (w.cmd === null && w.c.offset >= line.offset && w.c.offset < line.offset + line.wireBytes) this.place(w, lines[lines.length - 1]!);
  }

  /**
   * A later copy of bytes the client's side delivered disagrees with the first: both versions of
   * its command line are recorded, and once the server has answered, which one it acted on.
   */
  conflict(c: DataConflict): void {
    if (this.waiting.length >= MAX_JUDGED_CONFLICTS) return;
    const at = this.recentLines.find((l) => c.offset >= l.offset && c.offset < l.offset + l.wire);
    const w: Waiting = { c, cmd: null };
    this.waiting.push(w);
    if (at) this.place(w, at); // else: its line has not ended yet (noteLine places it)
  }

  private place(w: Waiting, at: LineAt): void {
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
