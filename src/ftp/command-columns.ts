// A long session's settled commands as typed columns over a text arena (text-arena.ts), not as
// objects: a session of 10^5 transfers kept two commands and three replies per transfer as
// objects with their texts until it ended (~1.3 KB a transfer; the JSON session element, the
// reply-code counts and the session and command rules read them then). A command whose record can
// no longer change is written here and its place in Session.commands taken by a StoredCommand,
// which reads the same fields back (its replies made when read). Only a command that can no
// longer change is stored: one that got its final reply or was given up, and lies behind the
// session's latest KEEP_RECENT commands (a reply repaired, a cut line's end, the login it opened
// are all about the latest few).

import type { DataEndpointAnnouncement, FtpCommand, FtpReply } from './types.ts';
import { TextArena } from './text-arena.ts';
import { BlockColumn, spillFor, type SpillOptions } from './block-column.ts';

/** Commands a session keeps as objects behind its newest one (a session this short stores none). */
export const KEEP_RECENT = 128;
/** Blocks of each column (4,096 records) and chunks of texts kept in memory; older ones go to the
 *  process's block spool (block-spool.ts). A session of up to ~16,000 commands spools none; one
 *  of 10^5 transfers holds ~3 MB in memory instead of ~35 MB. */
export const RESIDENT_BLOCKS = 4;

// command flags
const KNOWN = 1;
const INTERRUPT = 2;
const OVERLONG = 4;
const UNANSWERED = 8;
const UNSUPPORTED = 16;
const ANSWERED = 32;
// reply flags
const VALID = 1;
const REPLY_OVERLONG = 2;
const INCOMPLETE = 4;
// announcement flags
const PASSIVE = 1;
const MISMATCH = 2;
const FAMILY_6 = 4;

// command columns: doubles (frame, lastFrame, time) and int32s
const CD = 3;
const CI = 10; // index, verb, arg, cwd, path, login + 1, flags, first reply, preliminaries, announcement + 1
// reply columns: doubles (firstFrame, frame, time) and int32s (code, lines, flags, text)
const RD = 3;
const RI = 4;
// announcement columns: double (frame) and int32s (port, flags, command, addr, controlPeerAddr)
const AI = 5;

const doubles = (n: number) => new Float64Array(n);
const ints = (n: number) => new Int32Array(n);

export class CommandColumns {
  readonly texts: TextArena;
  private readonly cmdD: BlockColumn<Float64Array>;
  private readonly cmdI: BlockColumn<Int32Array>;
  private readonly repD: BlockColumn<Float64Array>;
  private readonly repI: BlockColumn<Int32Array>;
  private readonly annD: BlockColumn<Float64Array>;
  private readonly annI: BlockColumn<Int32Array>;
  private readonly missing = new Map<number, { bytes: number; frame: number }>(); // by slot: FtpCommand.replyMissing (rare)

  constructor(opts: SpillOptions = {}) {
    const spill = spillFor(this, opts, RESIDENT_BLOCKS);
    this.texts = new TextArena(spill, opts.block);
    this.cmdD = new BlockColumn(doubles, CD, spill, opts.block);
    this.cmdI = new BlockColumn(ints, CI, spill, opts.block);
    this.repD = new BlockColumn(doubles, RD, spill, opts.block);
    this.repI = new BlockColumn(ints, RI, spill, opts.block);
    this.annD = new BlockColumn(doubles, 1, spill, opts.block);
    this.annI = new BlockColumn(ints, AI, spill, opts.block);
  }

  /** Bytes of columns and texts in memory (the spooled blocks not counted), for tests and
   *  measurements. */
  get residentBytes(): number {
    let n = this.texts.residentBytes;
    for (const c of [this.cmdD, this.cmdI, this.repD, this.repI, this.annD, this.annI]) n += c.residentBytes;
    return n;
  }

  /** Stores a command whose record can no longer change; what to keep in its place. */
  store(c: FtpCommand): StoredCommand {
    const slot = this.cmdI.add();
    this.cmdD.add();
    const cd = this.cmdD.block(slot);
    const d = this.cmdD.at(slot);
    cd[d] = c.frame;
    cd[d + 1] = c.lastFrame;
    cd[d + 2] = c.time;
    const first = this.repI.count;
    for (const r of c.preliminary) this.storeReply(r);
    if (c.reply !== null) this.storeReply(c.reply);
    const ann = c.announcement === null ? 0 : this.storeAnnouncement(c.announcement) + 1;
    const ci = this.cmdI.block(slot);
    const i = this.cmdI.at(slot);
    const t = this.texts;
    ci[i] = c.index;
    ci[i + 1] = t.put(c.verb);
    ci[i + 2] = t.put(c.arg);
    ci[i + 3] = t.put(c.cwd);
    ci[i + 4] = t.put(c.path);
    ci[i + 5] = c.login === null ? 0 : c.login + 1;
    ci[i + 6] =
      (c.known ? KNOWN : 0) | (c.telnetInterrupt ? INTERRUPT : 0) | (c.overlong ? OVERLONG : 0) | (c.unanswered ? UNANSWERED : 0) | (c.unsupported ? UNSUPPORTED : 0) | (c.reply !== null ? ANSWERED : 0);
    ci[i + 7] = first;
    ci[i + 8] = c.preliminary.length;
    ci[i + 9] = ann;
    if (c.replyMissing !== null) this.missing.set(slot, { bytes: c.replyMissing.bytes, frame: c.replyMissing.frame });
    return new StoredCommand(this, slot);
  }

  // ---- reading a stored command's fields (StoredCommand) ----

  num(slot: number, k: number): number {
    return this.cmdD.block(slot)[this.cmdD.at(slot) + k]!;
  }

  int(slot: number, k: number): number {
    return this.cmdI.block(slot)[this.cmdI.at(slot) + k]!;
  }

  text(slot: number, k: number): string | null {
    return this.texts.getOrNull(this.int(slot, k));
  }

  flag(slot: number, f: number): boolean {
    return (this.int(slot, 6) & f) !== 0;
  }

  replyMissing(slot: number): { bytes: number; frame: number } | null {
    const m = this.missing.get(slot);
    return m === undefined ? null : { bytes: m.bytes, frame: m.frame };
  }

  reply(r: number): FtpReply {
    const d = this.repD.at(r);
    const i = this.repI.at(r);
    const rd = this.repD.block(r);
    const ri = this.repI.block(r);
    const flags = ri[i + 2]!;
    return {
      code: ri[i]!,
      text: this.texts.get(ri[i + 3]!),
      lines: ri[i + 1]!,
      valid: (flags & VALID) !== 0,
      firstFrame: rd[d]!,
      frame: rd[d + 1]!,
      time: rd[d + 2]!,
      overlong: (flags & REPLY_OVERLONG) !== 0,
      incomplete: (flags & INCOMPLETE) !== 0,
    };
  }

  announcement(a: number): DataEndpointAnnouncement {
    const i = this.annI.at(a);
    const ai = this.annI.block(a);
    const flags = ai[i + 1]!;
    return {
      mode: (flags & PASSIVE) !== 0 ? 'passive' : 'active',
      command: this.texts.get(ai[i + 2]!),
      addr: this.texts.getOrNull(ai[i + 3]!),
      port: ai[i]!,
      frame: this.annD.block(a)[this.annD.at(a)]!,
      controlPeerAddr: this.texts.get(ai[i + 4]!),
      mismatch: (flags & MISMATCH) !== 0,
      family: (flags & FAMILY_6) !== 0 ? 6 : 4,
    };
  }

  private storeReply(r: FtpReply): void {
    const slot = this.repI.add();
    this.repD.add();
    const d = this.repD.at(slot);
    const i = this.repI.at(slot);
    const rd = this.repD.block(slot);
    const ri = this.repI.block(slot);
    rd[d] = r.firstFrame;
    rd[d + 1] = r.frame;
    rd[d + 2] = r.time;
    ri[i] = r.code;
    ri[i + 1] = r.lines;
    ri[i + 2] = (r.valid ? VALID : 0) | (r.overlong ? REPLY_OVERLONG : 0) | (r.incomplete ? INCOMPLETE : 0);
    ri[i + 3] = this.texts.put(r.text);
  }

  private storeAnnouncement(a: DataEndpointAnnouncement): number {
    const slot = this.annI.add();
    this.annD.add();
    this.annD.block(slot)[this.annD.at(slot)] = a.frame;
    const i = this.annI.at(slot);
    const ai = this.annI.block(slot);
    ai[i] = a.port;
    ai[i + 1] = (a.mode === 'passive' ? PASSIVE : 0) | (a.mismatch ? MISMATCH : 0) | (a.family === 6 ? FAMILY_6 : 0);
    ai[i + 2] = this.texts.put(a.command);
    ai[i + 3] = this.texts.put(a.addr);
    ai[i + 4] = this.texts.put(a.controlPeerAddr);
    return slot;
  }
}

/**
 * A stored command in Session.commands: the FtpCommand fields, read from its session's columns.
 * Its replies and announcement are new objects at each read (equal, not the same). The fields are
 * enumerable getters on the prototype and the columns private, so that code that walks a
 * command's fields (a deep comparison) sees those of an FtpCommand; read-only: a stored command
 * can no longer change.
 */
export class StoredCommand implements FtpCommand {
  readonly #cols: CommandColumns;
  readonly #slot: number;

  constructor(cols: CommandColumns, slot: number) {
    this.#cols = cols;
    this.#slot = slot;
  }

  get index(): number {
    return this.#cols.int(this.#slot, 0);
  }
  get verb(): string {
    return this.#cols.text(this.#slot, 1)!;
  }
  get arg(): string {
    return this.#cols.text(this.#slot, 2)!;
  }
  get frame(): number {
    return this.#cols.num(this.#slot, 0);
  }
  get time(): number {
    return this.#cols.num(this.#slot, 2);
  }
  get known(): boolean {
    return this.#cols.flag(this.#slot, KNOWN);
  }
  get preliminary(): FtpReply[] {
    const n = this.#cols.int(this.#slot, 8);
    const first = this.#cols.int(this.#slot, 7);
    const out: FtpReply[] = [];
    for (let k = 0; k < n; k++) out.push(this.#cols.reply(first + k));
    return out;
  }
  get reply(): FtpReply | null {
    if (!this.#cols.flag(this.#slot, ANSWERED)) return null;
    return this.#cols.reply(this.#cols.int(this.#slot, 7) + this.#cols.int(this.#slot, 8));
  }
  get telnetInterrupt(): boolean {
    return this.#cols.flag(this.#slot, INTERRUPT);
  }
  get lastFrame(): number {
    return this.#cols.num(this.#slot, 1);
  }
  get overlong(): boolean {
    return this.#cols.flag(this.#slot, OVERLONG);
  }
  get unanswered(): boolean {
    return this.#cols.flag(this.#slot, UNANSWERED);
  }
  get unsupported(): boolean {
    return this.#cols.flag(this.#slot, UNSUPPORTED);
  }
  get replyMissing(): { bytes: number; frame: number } | null {
    return this.#cols.replyMissing(this.#slot);
  }
  get cwd(): string | null {
    return this.#cols.text(this.#slot, 3);
  }
  get path(): string | null {
    return this.#cols.text(this.#slot, 4);
  }
  get login(): number | null {
    const l = this.#cols.int(this.#slot, 5);
    return l === 0 ? null : l - 1;
  }
  get announcement(): DataEndpointAnnouncement | null {
    const a = this.#cols.int(this.#slot, 9);
    return a === 0 ? null : this.#cols.announcement(a - 1);
  }
}

// the fields as enumerable properties (see StoredCommand)
for (const key of Object.getOwnPropertyNames(StoredCommand.prototype)) {
  if (key === 'constructor') continue;
  const d = Object.getOwnPropertyDescriptor(StoredCommand.prototype, key)!;
  Object.defineProperty(StoredCommand.prototype, key, { ...d, enumerable: true });
}
