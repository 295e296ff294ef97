// Where the secrets of one direction of a connection lie, in stream offsets, found on the
// reassembled lines, so that text shown from single segments (the comparison's payload snippets)
// hides them as the whole line would: a password sent in two segments ("PASS sec" | "ret\r\n")
// is hidden in both, whichever of them differs between the two captures.
//
//   "USER bob\r\nPASS s3cret\r\n"   →  secret bytes [15, 21): "s3cret"
//
// Fail-safe: bytes the stream never delivered (a gap) and the rest of a line whose start went
// missing are hidden too, since nothing says whose argument they are.

import { REDACTED, redactArgument, splitCommandLine } from '../format/redact.ts';

/** Text bytes of a line looked at to decide whether it carries a secret (verb, SITE subcommand). */
const HEAD = 64;
/** Ranges kept per direction; past this everything from the last one on is hidden. */
const MAX_RANGES = 4096;

const IAC = 0xff;

export class SecretRanges {
  private readonly ranges: number[] = []; // flat [start, end) pairs, ascending; end Infinity while open
  private head = ''; //                    the current line's first text bytes (Telnet removed)
  private readonly wire: number[] = []; // the stream offset of each of them
  private decided = false; //             the current line has been judged
  private open = false; //                a range runs to the current line's end
  private lineStart = 0; //               stream offset of the current line's first byte
  private telnet = 0; //                  0 text; 1 after IAC; 2 after IAC WILL/WONT/DO/DONT
  private prevCr = false; //              the last byte was CR
  private saturated = false; //           MAX_RANGES reached: all hidden from the last range on

  /** In-order bytes of the direction, `offset` the stream offset of data[0]. */
  data(data: Buffer, offset: number): void {
    if (this.saturated) return;
    let i = 0;
    while (i < data.length) {
      if (this.decided) {
        // a line already judged: nothing more to look at until its end
        const lf = data.indexOf(0x0a, i);
        if (lf < 0) {
          this.prevCr = data[data.length - 1] === 0x0d;
          return;
        }
        if (lf > i) this.prevCr = data[lf - 1] === 0x0d;
        this.endLine(offset + lf);
        i = lf + 1;
        continue;
      }
      const b = data[i]!;
      const at = offset + i;
      i++;
      if (b === 0x0a) {
        this.endLine(at);
        continue;
      }
      this.prevCr = b === 0x0d;
      // Telnet (RFC 854) as the FTP stage strips it: IAC IAC is a data byte, IAC WILL/WONT/DO/DONT
      // take an option byte, any other IAC x is a command
      if (this.telnet === 2) {
        this.telnet = 0;
        continue;
      }
      if (this.telnet === 1) {
        this.telnet = b >= 251 && b <= 254 ? 2 : 0;
        if (b !== IAC) continue;
      } else if (b === IAC) {
        this.telnet = 1;
        continue;
      }
      this.head += String.fromCharCode(b);
      this.wire.push(at);
      if (this.head.length >= HEAD) this.decide(Infinity);
    }
  }

  /** Bytes of the direction from `offset` on are missing (up to where delivery resumes). */
  gap(offset: number): void {
    if (this.saturated) return;
    // what came of the line before it is judged as it stands
    if (!this.decided) this.decide(Infinity);
    // the missing bytes, and the rest of the line they cut, up to its end
    this.add(offset, Infinity);
    this.open = true;
    this.decided = true;
  }

  /** The direction has ended: an unfinished line is judged on what there is. */
  finish(): void {
    if (!this.decided) this.decide(Infinity);
  }

  /** `text`, the bytes at stream offset `offset` read as Latin-1, with each run of secret bytes
   *  replaced by REDACTED. */
  redact(text: string, offset: number): string {
    const r = this.ranges;
    const end = offset + text.length;
    let out = '';
    let i = 0;
    for (let k = 0; k < r.length; k += 2) {
      const s = r[k]!;
      const e = r[k + 1]!;
      if (e <= offset) continue;
      if (s >= end) break;
      const a = Math.max(s, offset) - offset;
      const b = Math.min(e, end) - offset;
      if (a < i) continue;
      out += text.slice(i, a) + REDACTED;
      i = b;
    }
    return i === 0 ? text : out + text.slice(i);
  }

  private endLine(lf: number): void {
    const end = this.prevCr ? lf - 1 : lf; // a secret ends before the CRLF
    if (!this.decided) this.decide(end);
    if (this.open) {
      const r = this.ranges;
      if (r.length > 0 && r[r.length - 1] === Infinity) r[r.length - 1] = Math.max(end, r[r.length - 2]!);
      this.open = false;
    }
    this.head = '';
    this.wire.length = 0;
    this.decided = false;
    this.telnet = 0;
    this.prevCr = false;
    this.lineStart = lf + 1;
  }

  /** Judges the line head: a secret argument opens a range from its first byte to `end`. */
  private decide(end: number): void {
    this.decided = true;
    const parts = splitCommandLine(this.head);
    const shown = redactArgument(parts.verb, parts.arg);
    if (shown === null || !shown.endsWith(REDACTED)) return;
    const k = parts.argStart + shown.length - REDACTED.length; // first secret character of the head
    const from = k < this.wire.length ? this.wire[k]! : this.lineStart;
    if (from >= end) return;
    this.add(from, end);
    this.open = end === Infinity;
  }

  private add(start: number, end: number): void {
    const r = this.ranges;
    if (r.length >= 2 * MAX_RANGES) {
      r[r.length - 1] = Infinity;
      this.saturated = true;
      return;
    }
    // merge with the previous range when they touch (a gap inside a secret line)
    if (r.length > 0 && r[r.length - 1]! >= start) r[r.length - 1] = Math.max(r[r.length - 1]!, end);
    else r.push(start, end);
  }
}
