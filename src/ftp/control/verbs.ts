// What each command does to the session, in one table: `sent` when its line is read (optimistic
// state a pipelined command after it must see: TYPE, the announced endpoint of PORT), `answered`
// when its final reply comes (what the reply decides: a login, the working directory, TLS). A
// transfer command (RETR, STOR, LIST …) is handled by the session itself (startTransfer), not here.

import type { FtpCommand, FtpReply, Session } from '../types.ts';
import { parseEprt, parseLprt, parsePort, type AnnouncedEndpoint } from '../address-parsers.ts';
import { parse213Size } from '../reply-parsers.ts';
import { cwdAfterReply, createdPath } from '../paths.ts';
import { ownTls } from '../records.ts';

/** A command waiting for its final reply, and what it set up. */
export interface Pending {
  cmd: FtpCommand;
  kept: boolean; //             cmd is in Session.commands (the per-session cap drops later ones)
  placed: boolean; //           its working directory, path and login are recorded (session.ts placeCommand())
  prev?: string; //             TYPE/MODE/STRU in force before this command (undone on refusal)
  setup?: unknown; //           the DataSetup it made (PORT/PASV …), owned by the session
  track?: unknown; //           the TransferTrack it started (RETR …), owned by the session
}

/** What the verb table may do to a session. */
export interface VerbContext {
  readonly session: Session;
  /** PORT/EPRT/LPRT (endpoint parsed, null when malformed) or PASV/EPSV/LPSV (null: the reply will say). */
  newSetup(p: Pending, mode: 'active' | 'passive', ep: AnnouncedEndpoint | null): void;
  /** The reply to PASV/EPSV/LPSV: its announced endpoint, or a refusal. */
  passiveAnswered(p: Pending, reply: FtpReply): void;
  /** The reply refused PORT/EPRT/LPRT. */
  activeRefused(p: Pending): void;
  /** REST: the offset the next transfer starts at (null: a marker that is not a number). */
  restSent(p: Pending, offset: number | null): void;
  /** REST answered with something else than 350: no offset. */
  restRefused(p: Pending): void;
  /** ABOR: the running transfers are aborted (RFC 959 §4.1.3). */
  abortRunning(): void;
  /** AUTH was sent: a TLS handshake may follow. */
  authSent(): void;
  /** 234 to AUTH: TLS starts right after it (RFC 4217 §4). */
  authAccepted(reply: FtpReply): void;
  /** 213 to SIZE: bytes of the path it named. */
  sizeAnswered(cmd: FtpCommand, bytes: number): void;
}

export interface VerbRule {
  sent?(ctx: VerbContext, p: Pending): void;
  answered?(ctx: VerbContext, p: Pending, reply: FtpReply, ok: boolean): void;
}

/** FEAT lines kept. */
const MAX_FEATURES = 200;

const login: VerbRule = {
  answered(ctx, p, reply) {
    const s = ctx.session;
    if (reply.code === 230 || (p.cmd.verb === 'PASS' && reply.code === 202)) {
      s.loggedIn = true;
      s.loginState = 'logged-in';
    } else if (reply.code === 530) {
      s.loggedIn = false;
      s.loginState = 'failed';
    }
  },
};

/** TYPE, MODE, STRU: set when sent (pipelined transfers must see the TYPE sent before them),
 *  undone when refused. */
function representation(field: 'type' | 'mode' | 'stru', normalize: (arg: string) => string): VerbRule {
  return {
    sent(ctx, p) {
      p.prev = ctx.session[field];
      ctx.session[field] = normalize(p.cmd.arg);
    },
    answered(ctx, p, _reply, ok) {
      if (!ok && p.prev !== undefined) ctx.session[field] = p.prev;
    },
  };
}

const workingDirectory: VerbRule = {
  answered(ctx, p, reply) {
    ctx.session.cwd = cwdAfterReply(ctx.session.cwd, p.cmd.verb, p.cmd.arg, reply);
  },
};

const makeDirectory: VerbRule = {
  answered(_ctx, p, reply) {
    // 257 "/pub/new" created: the server's own name for it
    const created = createdPath(reply);
    if (created !== null) p.cmd.path = created;
  },
};

const active = (parse: (arg: string) => AnnouncedEndpoint | null): VerbRule => ({
  sent: (ctx, p) => ctx.newSetup(p, 'active', parse(p.cmd.arg)),
  answered(ctx, p, _reply, ok) {
    if (!ok) ctx.activeRefused(p);
  },
});

const passive: VerbRule = {
  sent: (ctx, p) => ctx.newSetup(p, 'passive', null),
  answered: (ctx, p, reply) => ctx.passiveAnswered(p, reply),
};

export const verbRules: Readonly<Record<string, VerbRule>> = {
  USER: {
    sent(ctx, p) {
      const s = ctx.session;
      s.user = p.cmd.arg;
      s.loggedIn = false;
      s.loginState = 'not-logged-in';
    },
    answered: login.answered!,
  },
  PASS: {
    sent(ctx, p) {
      ctx.session.password = p.cmd.arg;
    },
    answered: login.answered!,
  },
  ACCT: login,
  TYPE: representation('type', (a) => a.trim().toUpperCase().replace(/\s+/g, ' ')),
  MODE: representation('mode', (a) => a.trim().toUpperCase()),
  STRU: representation('stru', (a) => a.trim().toUpperCase()),
  CWD: workingDirectory,
  XCWD: workingDirectory,
  CDUP: workingDirectory,
  XCUP: workingDirectory,
  PWD: workingDirectory,
  XPWD: workingDirectory,
  MKD: makeDirectory,
  XMKD: makeDirectory,
  REST: {
    // RFC 3659 §5.3: REST <decimal marker>, then the transfer command right away
    sent(ctx, p) {
      const t = p.cmd.arg.trim();
      ctx.restSent(p, /^\d{1,15}$/.test(t) ? Number(t) : null);
    },
    answered(ctx, p, reply) {
      if (reply.code !== 350) ctx.restRefused(p);
    },
  },
  SIZE: {
    answered(ctx, p, reply) {
      if (reply.code !== 213) return;
      const n = parse213Size(reply.text);
      if (n !== null) ctx.sizeAnswered(p.cmd, n);
    },
  },
  FEAT: {
    answered(ctx, _p, reply) {
      if (reply.code !== 211 || reply.lines < 2) return;
      const lines = reply.text.split('\n').slice(1, -1);
      ctx.session.features = lines.map((l) => l.trim()).filter((l) => l.length > 0).slice(0, MAX_FEATURES);
    },
  },
  AUTH: {
    sent: (ctx) => ctx.authSent(),
    answered(ctx, _p, reply) {
      if (reply.code === 234) ctx.authAccepted(reply);
    },
  },
  PBSZ: {
    answered(ctx, p, _reply, ok) {
      if (ok) ownTls(ctx.session).pbsz = p.cmd.arg.trim();
    },
  },
  PROT: {
    answered(ctx, p, reply, ok) {
      if (!ok) return;
      const tls = ownTls(ctx.session);
      tls.prot = p.cmd.arg.trim().toUpperCase();
      if (tls.prot === 'P' || tls.prot === 'C') {
        tls.protInferred = tls.prot;
        tls.protEvidence = `PROT ${tls.prot} answered ${reply.code} (frame ${reply.frame})`;
      }
    },
  },
  REIN: {
    answered(ctx, _p, reply) {
      if (reply.code !== 220) return;
      const s = ctx.session;
      s.user = null;
      s.loggedIn = false;
      s.loginState = 'not-logged-in';
    },
  },
  ABOR: {
    sent: (ctx) => ctx.abortRunning(),
  },
  PORT: active(parsePort),
  EPRT: active(parseEprt),
  LPRT: active(parseLprt),
  PASV: passive,
  LPSV: passive,
  EPSV: {
    // 'EPSV ALL' only promises that no PORT/PASV will follow (RFC 2428 §4)
    sent(ctx, p) {
      if (p.cmd.arg.trim().toUpperCase() !== 'ALL') ctx.newSetup(p, 'passive', null);
    },
    answered: passive.answered!,
  },
};
