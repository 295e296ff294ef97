// What a client saw on one FTP control connection, in order, as plain data for the truth files.
// The recorder fills it from its own sockets (raw client), from basic-ftp's verbose log, or from
// lftp's debug output: never from the capture, so the truth stays independent of any analyzer.

export interface Reply {
  code: number; //   three-digit reply code
  text: string; //   the whole reply, lines joined with '\n', CRLFs removed
}

export interface DialogStep {
  t: number; //          ms since the session's start when the command was sent (-1: greeting)
  command: string | null; // command line as sent, without CRLF (null for the greeting / unsolicited)
  replies: Reply[]; //   every reply that arrived before the next command, in order
}

/** Incremental parser of the server-to-client byte stream into RFC 959 replies.
 *
 *   220-Welcome
 *    more text
 *   220 ready
 *
 * A multi-line reply starts with "ddd-" and ends with a line "ddd " of the same code. */
export class ReplyParser {
  private pending = ''; //            bytes of an unfinished line (latin1 text)
  private open: { code: number; lines: string[] } | null = null; // multi-line reply in progress

  push(chunk: string, out: Reply[]): void {
    this.pending += chunk;
    let nl: number;
    while ((nl = this.pending.indexOf('\n')) >= 0) {
      const line = this.pending.slice(0, nl).replace(/\r$/, '');
      this.pending = this.pending.slice(nl + 1);
      this.line(line, out);
    }
  }

  private line(line: string, out: Reply[]): void {
    const m = /^(\d{3})([ -])?/.exec(line);
    if (this.open) {
      this.open.lines.push(line);
      if (m && Number(m[1]) === this.open.code && m[2] !== '-') {
        out.push({ code: this.open.code, text: this.open.lines.join('\n') });
        this.open = null;
      }
      return;
    }
    if (!m) return; // stray text outside a reply: ignore (a telnet IAC, a bare line)
    if (m[2] === '-') this.open = { code: Number(m[1]), lines: [line] };
    else out.push({ code: Number(m[1]), text: line });
  }
}

/** Collects a control-connection dialog as the client sees it. */
export class Transcript {
  readonly steps: DialogStep[] = [{ t: -1, command: null, replies: [] }];
  private readonly parser = new ReplyParser();
  private readonly t0 = Date.now();
  /** Called for every reply, after it is recorded (the raw client resolves its waiters here). */
  onReply: ((r: Reply) => void) | null = null;

  sent(command: string): void {
    this.steps.push({ t: Date.now() - this.t0, command, replies: [] });
  }

  received(chunk: string): void {
    const got: Reply[] = [];
    this.parser.push(chunk, got);
    for (const r of got) {
      this.steps[this.steps.length - 1]!.replies.push(r);
      this.onReply?.(r);
    }
  }

  /** Every reply code in arrival order. */
  codes(): number[] {
    return this.steps.flatMap((s) => s.replies.map((r) => r.code));
  }

  /** Commands in order (without the greeting pseudo-step). */
  commands(): string[] {
    return this.steps.filter((s) => s.command !== null).map((s) => s.command!);
  }

  /** Compact form for the truth file: "CMD → 150 226" per step. */
  toJSON(): Array<{ t: number; command: string | null; replies: Reply[] }> {
    return this.steps;
  }
}

/** Builds a transcript from basic-ftp's verbose log lines ("> CMD", "< raw chunk"). basic-ftp
 *  masks the password as "PASS ###": `password` restores it so the truth shows what was sent. */
export function basicFtpLogger(tr: Transcript, password?: string, other?: string[]): (message: string) => void {
  return (message: string) => {
    if (!message.startsWith('> ') && !message.startsWith('< ')) other?.push(message);
    if (message.startsWith('> ')) {
      const cmd = message.slice(2);
      tr.sent(cmd === 'PASS ###' && password !== undefined ? `PASS ${password}` : cmd);
    } else if (message.startsWith('< ')) {
      tr.received(message.slice(2));
    }
  };
}
