// Reply codes as outputs show them: "Reply codes seen" (every reply code the servers sent, counted,
// with its RFC meaning), and a code's sheet for `ftpdiag codes` (its catalog entry, or what its
// digits say). The meanings come from the one catalog, rules/reply-codes.yaml.

import type { FtpReply, Session } from '../ftp/types.ts';
import { CLASS_DIGITS, GROUP_DIGITS, explainReplyCode, replyCatalog } from '../diagnose/reply-codes.ts';

export interface ReplyCodeSeen {
  code: number; //       0 for replies without a valid code
  count: number;
  frames: number[]; //   frames of those replies (at most MAX_FRAMES)
  meaning: string;
  className: string;
  references: string[];
}

const MAX_FRAMES = 50;

/** Cuts a code's kept frames to the first MAX_FRAMES (ReplyCodeCounter). */
function cut(slot: { firsts: Array<[number, number, number]>; last: [number, number, number] | null }): void {
  slot.firsts.sort((x, y) => x[0] - y[0] || x[1] - y[1]);
  slot.firsts.length = MAX_FRAMES;
  slot.last = slot.firsts[MAX_FRAMES - 1]!;
}

/**
 * Counts reply codes session by session, in any order of sessions (a streaming analysis hands
 * them on as they end), and lists the same frames a pass over the sessions in id order lists:
 * the first MAX_FRAMES in (session id, order within the session).
 */
export class ReplyCodeCounter {
  /** `firsts`: [session, position, frame] of replies that may be among the first MAX_FRAMES;
   *  `last`: once cut to them, the MAX_FRAMES-th — a later reply is kept only when it comes before
   *  it (sessions arrive nearly in id order, so most are only counted, with nothing allocated). */
  private readonly byCode = new Map<number, { e: ReplyCodeSeen; firsts: Array<[number, number, number]>; last: [number, number, number] | null }>();

  add(s: Session): void {
    let pos = 0;
    const add = (r: FtpReply) => {
      const code = r.valid ? r.code : 0;
      let slot = this.byCode.get(code);
      if (!slot) {
        const info = explainReplyCode(code);
        const e: ReplyCodeSeen = {
          code,
          count: 0,
          frames: [],
          meaning: code === 0 ? 'not a valid reply (no three-digit code)' : info.meaning,
          className: code === 0 ? 'invalid' : info.className,
          references: info.references,
        };
        slot = { e, firsts: [], last: null };
        this.byCode.set(code, slot);
      }
      slot.e.count++;
      const last = slot.last;
      const at = pos++;
      if (last !== null && (s.id > last[0] || (s.id === last[0] && at > last[1]))) return;
      slot.firsts.push([s.id, at, r.frame]);
      // cut when four times over, as it goes: sorting 50 entries after every session was most of
      // the report's sorting, and a long session (10^5 transfers) held an array per reply until
      // its end; the first MAX_FRAMES survive either way
      if (slot.firsts.length > 4 * MAX_FRAMES) cut(slot);
    };
    if (s.greeting) add(s.greeting);
    for (const c of s.commands) {
      for (const p of c.preliminary) add(p);
      if (c.reply) add(c.reply);
    }
    // replies to no command in the capture (a session begun before it, a 421 on timeout) are
    // codes the server sent as well
    for (const r of s.unsolicited) add(r);
  }

  result(): ReplyCodeSeen[] {
    const out: ReplyCodeSeen[] = [];
    for (const { e, firsts } of this.byCode.values()) {
      const frames = [...firsts].sort((x, y) => x[0] - y[0] || x[1] - y[1]).slice(0, MAX_FRAMES).map((f) => f[2]);
      out.push({ ...e, frames });
    }
    return out.sort((a, b) => a.code - b.code);
  }
}

export function replyCodesSeen(sessions: readonly Session[]): ReplyCodeSeen[] {
  const counter = new ReplyCodeCounter();
  for (const s of sessions) counter.add(s);
  return counter.result();
}

export interface DigitMeaning {
  digit: string;
  name: string;
  description: string;
  valid: boolean; //    the RFCs define this digit in this position
}

export interface CodeSheet {
  code: number;
  known: boolean; //    listed in the catalog
  meaning: string;
  class: DigitMeaning;
  group: DigitMeaning;
  explanation: string;
  causes: string[];
  action: string;
  references: string[];
}

function digitMeaning(digit: string, table: typeof CLASS_DIGITS, what: string, defined: string): DigitMeaning {
  const hit = table[digit];
  if (hit) return { digit, ...hit, valid: true };
  return { digit, name: `no such ${what}`, description: `the RFCs define ${defined} only: a server sending this is broken or is not an FTP server`, valid: false };
}

/** Everything known about a code: the catalog's entry, or what its digits say. */
export function codeSheet(code: number): CodeSheet {
  const digits = String(code).padStart(3, '0');
  const cls = digitMeaning(digits[0]!, CLASS_DIGITS, 'class', '1yz–5yz (RFC 959) and 6yz (RFC 2228)');
  const grp = digitMeaning(digits[1]!, GROUP_DIGITS, 'group', 'x0z–x5z (RFC 959)');
  const e = explainReplyCode(code);
  if (e.known) {
    return { code, known: true, meaning: e.meaning, class: cls, group: grp, explanation: e.explanation, causes: e.causes, action: e.action, references: e.references };
  }
  const byDigits = cls.valid && grp.valid ? `${cls.name}, ${grp.name}` : [cls, grp].filter((d) => !d.valid).map((d) => d.name).join(', ');
  return {
    code,
    known: false,
    meaning: `not defined by any FTP RFC (by its digits: ${byDigits})`,
    class: cls,
    group: grp,
    explanation: cls.valid && grp.valid ? 'A server-specific code: read its text, and the server\'s documentation.' : '',
    causes: [],
    action: '',
    references: ['RFC 959 §4.2.1'],
  };
}

/** The codes of the catalog, ascending. */
export function catalogSheets(): CodeSheet[] {
  return [...replyCatalog().keys()].sort((a, b) => a - b).map(codeSheet);
}

/** A code as printed: always three digits (042, not 42). */

/** What each first and second digit of a reply code says (RFC 959 §4.2.1), for the catalog's heading. */
export { CLASS_DIGITS, GROUP_DIGITS };
