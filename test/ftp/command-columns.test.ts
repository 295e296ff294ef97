// A long session's settled commands as typed columns (src/ftp/command-columns.ts) over a text
// arena (src/ftp/text-arena.ts): each stored command must read back as the command it was, field
// for field, and a long session must keep only its newest commands as objects.

import { expect } from 'chai';
import { join } from 'node:path';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { CommandColumns, KEEP_RECENT, StoredCommand } from '../../src/ftp/command-columns.ts';
import { MAX_COMMANDS } from '../../src/ftp/control/session.ts';
import { NULL_TEXT, TextArena } from '../../src/ftp/text-arena.ts';
import type { FtpCommand } from '../../src/ftp/types.ts';
import { newCommand } from '../../src/ftp/records.ts';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { loggedIn, manyTransfers } from '../support/crafted-sessions.ts';
import { runCrafted } from './pipeline.ts';
import { projectRoot, traceFiles } from '../support/trace-files.ts';
import type { ConnApp } from '../../src/ftp/conn-app.ts';

/** Every field of a command as plain data (what a report or a rule can read of it). */
const fields = (c: FtpCommand) => ({
  index: c.index,
  verb: c.verb,
  arg: c.arg,
  frame: c.frame,
  time: c.time,
  known: c.known,
  preliminary: c.preliminary.map((r) => ({ ...r })),
  reply: c.reply && { ...c.reply },
  telnetInterrupt: c.telnetInterrupt,
  lastFrame: c.lastFrame,
  overlong: c.overlong,
  unanswered: c.unanswered,
  unsupported: c.unsupported,
  replyMissing: c.replyMissing && { ...c.replyMissing },
  cwd: c.cwd,
  path: c.path,
  login: c.login,
  announcement: c.announcement && { ...c.announcement },
});

describe('ftp/text-arena', () => {
  it('gives back every string exactly, in chunks and kept once', () => {
    const a = new TextArena();
    const big = 'x'.repeat(300 * 1024) + 'é';
    const samples = ['', 'RETR f1', 'café', 'файл', '😀 emoji', 'lone \ud800 surrogate', '\u0000\u00ff', big, 'Ж'.repeat(200_000)];
    // enough distinct strings to pass the bound on those kept once and to fill several chunks
    for (let i = 0; i < 10_000; i++) samples.push(`227 Entering Passive Mode (10,1,0,2,${i >> 8},${i & 255}).`, `f${i}`);
    const handles = samples.map((s) => a.put(s));
    samples.forEach((s, i) => expect(a.get(handles[i]!)).to.equal(s));
    expect(a.put(null)).to.equal(NULL_TEXT);
    expect(a.getOrNull(NULL_TEXT)).to.equal(null);
    // a repeated short string is kept once
    expect(a.put('RETR f1')).to.equal(handles[1]);
    // about a byte per Latin-1 character, two past it: not a string object each
    expect(a.bytes).to.be.below(2 * (300 * 1024 + 400_000 + 10_000 * 60) + 3 * 256 * 1024);
  });
});

describe('ftp/command-columns', () => {
  it('reads every command of every capture back as it was', async () => {
    const rules = loadRules();
    let n = 0;
    let prelim = 0;
    let announced = 0;
    for (const file of traceFiles(join(projectRoot, 'captures'))) {
      const { result } = await analyzeFile(file, { rules });
      for (const s of result.sessions) {
        const cols = new CommandColumns();
        for (const c of s.commands) {
          const stored = cols.store(c);
          expect(fields(stored), `${file} command ${c.index}`).to.deep.equal(fields(c));
          // a deep comparison sees an FtpCommand's fields
          expect(stored).to.deep.equal(c);
          n++;
          if (c.preliminary.length > 0) prelim++;
          if (c.announcement) announced++;
        }
      }
    }
    expect(n).to.be.above(300);
    expect(prelim).to.be.above(50);
    expect(announced).to.be.above(50);
  });

  it('reads back what the captures lack: a dropped reply, a wide argument, EPSV, an interrupt', () => {
    const reply = { code: 229, text: 'Entering Extended Passive Mode (|||50001|)', lines: 1, valid: true, firstFrame: 9, frame: 9, time: 2.5, overlong: false, incomplete: true };
    const commands = [
      newCommand({ index: 0, verb: 'RETR', arg: 'отчёт 😀.txt', frame: 4, time: 1.25, known: true, lastFrame: 5, overlong: true, unanswered: true, replyMissing: { bytes: 19, frame: 7 }, cwd: '/données', path: '/données/отчёт 😀.txt', login: 3 }),
      newCommand({ index: 1, verb: 'EPSV', arg: '', frame: 8, time: 2, known: true, reply, announcement: { mode: 'passive', command: 'EPSV', addr: null, port: 50001, frame: 9, controlPeerAddr: '2001:db8::20', mismatch: false, family: 6 } }),
      newCommand({ index: 2, verb: 'ABOR', arg: '', frame: 10, time: 3, known: true, telnetInterrupt: true, preliminary: [{ ...reply, code: 426, valid: false, lines: 2, overlong: true, incomplete: false }], reply: { ...reply, code: 226 }, unsupported: true, login: 0 }),
      newCommand({ index: 3, verb: 'XYZZY', arg: 'a\tb', frame: 11, time: 4 }),
    ];
    const cols = new CommandColumns();
    for (const c of commands) expect(fields(cols.store(c))).to.deep.equal(fields(c));
    // past a block of every column: each read back after all are stored
    const more = Array.from({ length: 10_000 }, (_, i) => {
      const base = commands[i % commands.length]!;
      return { ...base, index: 4 + i, frame: 12 + i, lastFrame: 12 + i, arg: `${base.arg}${i}`, preliminary: i % 3 === 0 ? [...base.preliminary, reply] : base.preliminary };
    });
    const stored = more.map((c) => cols.store(c));
    stored.forEach((x, i) => expect(fields(x)).to.deep.equal(fields(more[i]!)));
  });

  it('keeps a long session\'s settled commands in columns, each the command its transfer records', () => {
    const t = new TraceBuilder();
    manyTransfers(150, t);
    const r = runCrafted(t.frames());
    const app = r.connections.map((c) => c.app as ConnApp | undefined).find((a) => a?.role === 'control')!;
    const s = app.session!.session;
    expect(s.commands.length).to.be.above(KEEP_RECENT + 100);
    const objects = s.commands.filter((c) => !(c instanceof StoredCommand));
    // the newest KEEP_RECENT (and the QUIT the session ended with) stay objects
    expect(objects.length).to.be.at.most(KEEP_RECENT + 1);
    expect(s.commands.slice(0, s.commands.length - KEEP_RECENT - 1).every((c) => c instanceof StoredCommand)).to.equal(true);
    s.commands.forEach((c, i) => expect(c.index).to.equal(i));
    // each transfer keeps its own reply objects: the stored command reads back the same
    let checked = 0;
    for (const tr of r.ftp.transfers) {
      const c = s.commands[tr.commandIndex!]!;
      expect(c.frame).to.equal(tr.commandFrame);
      expect(c.path).to.equal(tr.path);
      expect(c.reply).to.deep.equal(tr.finalReply);
      expect(c.preliminary[0] ?? null).to.deep.equal(tr.preliminaryReply);
      if (tr.mode === 'passive') expect(s.commands[tr.commandIndex! - 1]!.announcement).to.deep.equal(tr.announcement);
      if (c instanceof StoredCommand) checked++;
    }
    expect(checked).to.be.above(50);
  });

  it('leaves a command waiting for its reply an object until it is answered', () => {
    // a long session whose server stops answering: nothing settled behind the first unanswered
    const t = new TraceBuilder();
    const ctl = loggedIn(t);
    for (let i = 0; i < KEEP_RECENT + 20; i++) {
      ctl.client('PA', `NOOP\r\n`);
      ctl.server('PA', '200 ok\r\n');
    }
    for (let i = 0; i < KEEP_RECENT + 20; i++) ctl.client('PA', `SIZE f${i}\r\n`);
    const r = runCrafted(t.frames());
    const app = r.connections.map((c) => c.app as ConnApp | undefined).find((a) => a?.role === 'control')!;
    const s = app.session!.session;
    const stored = s.commands.filter((c) => c instanceof StoredCommand);
    expect(stored.length).to.be.above(0);
    for (const c of stored) expect(c.reply !== null || c.unanswered).to.equal(true);
    expect(s.commands.filter((c) => c.verb === 'SIZE').every((c) => !(c instanceof StoredCommand))).to.equal(true);
  });

  it('stores the STATs answered during a transfer while the transfer command waits for its 226', () => {
    // RFC 959 §4.1.3: STAT during a transfer is answered at once; the RETR before it settles only
    // at its 226. Held back by the RETR, every STAT stayed an object: a client sending 500,000 of
    // them kept 500,000 objects (~0.6 KB each with their replies), not columns.
    const t = new TraceBuilder();
    const ctl = loggedIn(t);
    ctl.client('PA', 'PASV\r\n');
    ctl.server('PA', '227 Entering Passive Mode (192,0,2,20,195,80).\r\n');
    ctl.client('PA', 'RETR big\r\n');
    ctl.server('PA', '150 Opening BINARY mode data connection\r\n');
    const n = KEEP_RECENT + 500;
    for (let i = 0; i < n; i++) {
      ctl.client('PA', `STAT\r\n`);
      ctl.server('PA', `211 transferred ${i}\r\n`);
    }
    const r = runCrafted(t.frames());
    const app = r.connections.map((c) => c.app as ConnApp | undefined).find((a) => a?.role === 'control')!;
    const s = app.session!.session;
    const retr = s.commands.find((c) => c.verb === 'RETR')!;
    expect(retr.reply, 'the RETR still waits').to.equal(null);
    expect(retr).to.not.be.instanceOf(StoredCommand);
    const stats = s.commands.filter((c) => c.verb === 'STAT');
    expect(stats).to.have.length(n);
    // all but the newest KEEP_RECENT commands are in columns, each with its own reply
    expect(stats.filter((c) => c instanceof StoredCommand)).to.have.length(n - KEEP_RECENT);
    stats.forEach((c, i) => expect(c.reply?.text).to.equal(`transferred ${i}`));
  });

  it('keeps every command of a session past 100,000 by default (commandsDropped 0: no commands-not-kept)', function () {
    this.timeout(120_000);
    // a mirror job of 10^5 files sends ~2·10^5 commands; with settled commands in columns the
    // default cap (MAX_COMMANDS) is above that, so such a healthy session draws no warning
    const n = 120_000;
    expect(MAX_COMMANDS).to.be.above(2 * 100_000);
    const t = new TraceBuilder();
    const ctl = loggedIn(t);
    for (let i = 0; i < n; i++) {
      ctl.client('PA', 'NOOP\r\n');
      ctl.server('PA', '200 ok\r\n');
    }
    ctl.client('PA', 'QUIT\r\n');
    ctl.server('PA', '221 bye\r\n');
    const r = runCrafted(t.frames());
    const app = r.connections.map((c) => c.app as ConnApp | undefined).find((a) => a?.role === 'control')!;
    const s = app.session!.session;
    expect(s.commandsDropped).to.equal(0);
    expect(s.commands.length).to.equal(n + 3);
    expect(s.commands[n + 1]!.verb).to.equal('NOOP');
    expect(s.commands[n + 1]!.reply!.code).to.equal(200);
  });
});
