// Reply assembler: turns the server's lines into FTP replies, joining multi-line replies.
//
// RFC 959 §4.2: a reply is "DDD SP text CRLF", or several lines: the first "DDD-text", the last
// "DDD SP text" with the same code, and lines in between that "may start with anything" — even
// another code — except the closing "DDD SP". RFC 2228 adds the 6yz codes of protected replies.

import type { FtpReply } from '../types.ts';
import type { ControlLine } from './lines.ts';

/** Text kept per reply, in characters; longer replies keep counting lines. */
export const MAX_REPLY_TEXT = 64 * 1024;

// 220 Service ready      220-Welcome      230_no_space (invalid)      99 short (invalid)
/** Reads the code of a reply line. `code` is the three-digit value (0 if the line does not start
 *  with three digits); `sep` the character after it: ' ', '-', '' (end of line) or another one
 *  (then the grammar is broken). */
export function parseReplyLine(text: string): { code: number; sep: string } {
  if (text.length < 3) return { code: 0, sep: '' };
  const a = text.charCodeAt(0) - 48;
  const b = text.charCodeAt(1) - 48;
  const c = text.charCodeAt(2) - 48;
  if (a < 0 || a > 9 || b < 0 || b > 9 || c < 0 || c > 9) return { code: 0, sep: '' };
  return { code: a * 100 + b * 10 + c, sep: text.length > 3 ? text[3]! : '' };
}

/** A code RFC 959 (1yz–5yz) or RFC 2228 (6yz) defines. */
export function isValidCode(code: number): boolean {
  return code >= 100 && code <= 699;
}

/** A line that holds no printable character (none of '!'..'~', nor any code unit from U+0080 on):
 *  nothing to pair. Read per server line and per command: a loop that stops at the first
 *  printable character, not a regex call. */
export function isBlank(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if ((c >= 0x21 && c <= 0x7e) || c >= 0x80) return false;
  }
  return true;
}

/** The text lines while no multi-line reply is open: one frozen list for every assembler. */
const NO_PARTS: readonly string[] = Object.freeze([]);

export class ReplyAssembler {
  private code = 0; //            code of the open multi-line reply, 0 when none is open
  private parts: string[] = NO_PARTS as string[]; // its text lines so far (a list made when one opens)
  private textChars = 0; //       characters in parts
  private lineCount = 0; //       lines so far (counted past the text cap)
  private firstFrame = 0;
  private overlong = false; //    one of its lines was cut
  blankLines = 0; //              blank lines outside any reply (not replies)

  /** A multi-line reply is open (its closing line has not come yet). */
  get open(): boolean {
    return this.code !== 0;
  }

  /** Feeds one server line. Returns the reply it completes, or null (a line inside a multi-line
   *  reply, or a blank line). A non-blank line that is not a reply becomes an invalid reply:
   *  servers answer each command once, so pairing it keeps the rest in step. */
  push(line: ControlLine): FtpReply | null {
    const t = line.text;
    const { code, sep } = parseReplyLine(t);
    if (this.code !== 0) {
      // inside a multi-line reply: only "DDD " (or a bare "DDD") with the opening code closes it
      if (code === this.code && (sep === ' ' || sep === '')) {
        this.add(t.slice(4), line);
        return this.close(line, true, false);
      }
      const strip = code === this.code && sep === '-' ? t.slice(4) : t;
      this.add(strip, line);
      return null;
    }
    if (isBlank(t)) {
      this.blankLines++;
      return null;
    }
    if (code !== 0 && sep === '-' && isValidCode(code)) {
      this.code = code;
      this.parts = [];
      this.textChars = 0;
      this.lineCount = 0;
      this.firstFrame = line.firstFrame;
      this.overlong = false;
      this.add(t.slice(4), line);
      return null;
    }
    const valid = isValidCode(code) && (sep === ' ' || sep === '');
    return {
      code,
      // a line that is not a valid reply is kept whole ("230_no_space", "700 x"), as it came
      text: valid ? t.slice(4) : t,
      lines: 1,
      valid,
      firstFrame: line.firstFrame,
      frame: line.frame,
      time: line.time,
      overlong: line.overlong,
      incomplete: false,
    };
  }

  /** The stream was interrupted (gap, end of capture, TLS): closes an open multi-line reply as
   *  incomplete, or returns null. */
  interrupt(frame: number, time: number): FtpReply | null {
    if (this.code === 0) return null;
    return this.close({ frame, time }, true, true);
  }

  private add(text: string, line: ControlLine): void {
    this.lineCount++;
    if (line.overlong) this.overlong = true;
    if (this.textChars >= MAX_REPLY_TEXT) return;
    const room = MAX_REPLY_TEXT - this.textChars;
    const piece = text.length > room ? text.slice(0, room) : text;
    this.parts.push(piece);
    this.textChars += piece.length + 1;
  }

  private close(at: { frame: number; time: number }, valid: boolean, incomplete: boolean): FtpReply {
    const reply: FtpReply = {
      code: this.code,
      text: this.parts.join('\n'),
      lines: this.lineCount,
      valid,
      firstFrame: this.firstFrame,
      frame: at.frame,
      time: at.time,
      overlong: this.overlong,
      incomplete,
    };
    this.code = 0;
    this.parts = NO_PARTS as string[];
    this.textChars = 0;
    this.lineCount = 0;
    return reply;
  }
}
