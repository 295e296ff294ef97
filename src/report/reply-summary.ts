// "Reply codes seen": every reply code the servers sent, counted, with its RFC meaning.

import type { FtpReply, Session } from '../ftp/types.ts';
import { explainReplyCode } from '../diagnose/reply-codes.ts';

export interface ReplyCodeSeen {
  code: number; //       0 for replies without a valid code
  count: number;
  frames: number[]; //   frames of those replies (at most MAX_FRAMES)
  meaning: string;
  className: string;
  references: string[];
}

const MAX_FRAMES = 50;

export function replyCodesSeen(sessions: readonly Session[]): ReplyCodeSeen[] {
  const byCode = new Map<number, ReplyCodeSeen>();
  const add = (r: FtpReply) => {
    const code = r.valid ? r.code : 0;
    let e = byCode.get(code);
    if (!e) {
      const info = explainReplyCode(code);
      e = {
        code,
        count: 0,
        frames: [],
        meaning: code === 0 ? 'not a valid reply (no three-digit code)' : info.meaning,
        className: code === 0 ? 'invalid' : info.className,
        references: info.references,
      };
      byCode.set(code, e);
    }
    e.count++;
    if (e.frames.length < MAX_FRAMES) e.frames.push(r.frame);
  };
  for (const s of sessions) {
    if (s.greeting) add(s.greeting);
    for (const c of s.commands) {
      for (const p of c.preliminary) add(p);
      if (c.reply) add(c.reply);
    }
  }
  return [...byCode.values()].sort((a, b) => a.code - b.code);
}
