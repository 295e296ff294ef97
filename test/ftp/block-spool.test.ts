// A long session's settled commands and its released transfers' late records past a few blocks
// go to one temporary file (src/ftp/block-spool.ts, block-column.ts): what they keep in memory
// must stay bounded however many are stored, each must read back as it was in any order, and the
// file must leave nothing behind.

import { expect } from 'chai';
import { readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { BlockSpool, type Extents } from '../../src/ftp/block-spool.ts';
import { BlockColumn } from '../../src/ftp/block-column.ts';
import { CommandColumns } from '../../src/ftp/command-columns.ts';
import { TextArena } from '../../src/ftp/text-arena.ts';
import { LateColumns } from '../../src/diagnose/released.ts';
import type { LateRecord } from '../../src/diagnose/evaluate.ts';
import type { KeptFacts } from '../../src/diagnose/late-rules.ts';
import { newCommand } from '../../src/ftp/records.ts';
import type { FtpCommand } from '../../src/ftp/types.ts';

const leftIn = (prefix: string) => readdirSync(tmpdir()).filter((n) => n.startsWith(prefix));

/** Every field of a command as plain data. */
const fields = (c: FtpCommand) => ({
  ...Object.fromEntries(['index', 'verb', 'arg', 'frame', 'time', 'known', 'telnetInterrupt', 'lastFrame', 'overlong', 'unanswered', 'unsupported', 'cwd', 'path', 'login'].map((k) => [k, c[k as keyof FtpCommand]])),
  preliminary: c.preliminary.map((r) => ({ ...r })),
  reply: c.reply && { ...c.reply },
  replyMissing: c.replyMissing && { ...c.replyMissing },
  announcement: c.announcement && { ...c.announcement },
});

/** A shuffled copy of 0 … n-1 (fixed seed). */
function shuffled(n: number): number[] {
  const order = Array.from({ length: n }, (_, i) => i);
  let seed = 12345;
  for (let i = n - 1; i > 0; i--) {
    seed = (seed * 1103515245 + 12345) & 0x7fffffff;
    const j = seed % (i + 1);
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

describe('ftp/block-spool', () => {
  it('writes blocks to a file that is unlinked at once, reads them back, uses a freed place again', () => {
    const prefix = `ftpdiag-test-spool-${process.pid}-`;
    const spool = new BlockSpool(prefix);
    expect(leftIn(prefix)).to.deep.equal([]);
    const extents: Extents = [];
    const a = Uint8Array.from({ length: 1000 }, (_, i) => (i * 7) & 255);
    const b = Uint8Array.from({ length: 1000 }, (_, i) => (i * 3) & 255);
    const atA = spool.write(a, extents);
    const atB = spool.write(b, extents);
    expect(spool.blocksWritten).to.equal(2);
    expect(spool.bytesHeld).to.equal(2000);
    // nothing is left on disk while it is open (the descriptor keeps the file), however the process ends
    if (process.platform !== 'win32') {
      expect(spool.path).to.equal(null);
      expect(leftIn(prefix)).to.deep.equal([]);
    }
    const back = new Uint8Array(1000);
    spool.read(atA, back);
    expect(back).to.deep.equal(a);
    spool.read(atB, back);
    expect(back).to.deep.equal(b);
    // an owner's places are free once it is gone, and taken again by blocks of their size
    spool.release(extents);
    expect(spool.bytesHeld).to.equal(0);
    expect(extents).to.deep.equal([]);
    const again: Extents = [];
    expect([spool.write(b, again), spool.write(a, again)].sort()).to.deep.equal([atA, atB].sort());
    spool.close();
    expect(leftIn(prefix)).to.deep.equal([]);
  });

  it('keeps the newest blocks of a column in memory, reads older ones back in any order', () => {
    const spool = new BlockSpool(`ftpdiag-test-spool-${process.pid}-`);
    const col = new BlockColumn((n) => new Float64Array(n), 3, { spool, resident: 2, extents: [] }, 32);
    const n = 5000;
    for (let i = 0; i < n; i++) {
      const slot = col.add();
      const b = col.block(slot);
      const at = col.at(slot);
      b[at] = i;
      b[at + 1] = i + 0.5;
      b[at + 2] = -i * 1e12;
    }
    // two blocks of 32 records (and the two read back) in memory, whatever the count
    expect(col.spooledBlocks).to.equal(Math.ceil(n / 32) - 2);
    expect(col.residentBytes).to.be.at.most(4 * 32 * 3 * 8);
    for (const i of [...shuffled(n), ...Array.from({ length: n }, (_, k) => k)]) {
      const b = col.block(i);
      const at = col.at(i);
      expect([b[at], b[at + 1], b[at + 2]]).to.deep.equal([i, i + 0.5, -i * 1e12]);
    }
    spool.close();
  });

  it('keeps a text arena\'s newest chunks in memory and gives every string back', () => {
    const spool = new BlockSpool(`ftpdiag-test-spool-${process.pid}-`);
    const a = new TextArena({ spool, resident: 2, extents: [] }, 64);
    const texts: string[] = [];
    for (let i = 0; i < 6000; i++) texts.push(i % 7 === 0 ? `отчёт ${i} ` + 'ж'.repeat(i % 300) : `150 Opening BINARY mode data connection for file${i} (${i * 1000} bytes)`);
    texts.push('x'.repeat(300 * 1024)); // a chunk of its own
    const handles = texts.map((s) => a.put(s));
    expect(a.bytes).to.be.above(700_000);
    // two chunks of at most 256 KiB, the cache and two blocks of spans; not the ~0.7 MB of texts
    expect(a.residentBytes).to.be.below(3 * 256 * 1024 + 300 * 1024 + 4 * 64 * 12);
    for (const i of shuffled(texts.length)) expect(a.get(handles[i]!)).to.equal(texts[i]);
    spool.close();
  });
});

describe('ftp/command-columns in the spool', () => {
  it('holds a bounded number of bytes however many commands it stores, each read back as it was', () => {
    const spool = new BlockSpool(`ftpdiag-test-spool-${process.pid}-`);
    const cols = new CommandColumns({ spool, resident: 2, block: 64 });
    const reply = { code: 227, text: 'Entering Passive Mode (192,0,2,20,195,80).', lines: 1, valid: true, firstFrame: 9, frame: 9, time: 2.5, overlong: false, incomplete: false };
    const commands: FtpCommand[] = [];
    for (let i = 0; i < 6000; i++) {
      const arg = `dir${i % 13}/file-${i}-${'p'.repeat(i % 200)}`;
      commands.push(
        newCommand({
          index: i,
          verb: i % 2 === 0 ? 'PASV' : 'RETR',
          arg: i % 2 === 0 ? '' : arg,
          frame: 1e9 + 3 * i,
          time: 1.5 + i,
          known: true,
          lastFrame: 1e9 + 3 * i + (i % 3),
          cwd: `/home/${i % 5}`,
          path: i % 2 === 0 ? null : `/home/${i % 5}/${arg}`,
          login: i % 11 === 0 ? null : 0,
          preliminary: i % 2 === 1 ? [{ ...reply, code: 150, text: `Opening BINARY mode data connection for ${arg} (${i} bytes)`, frame: 1e9 + 3 * i + 1 }] : [],
          reply: { ...reply, code: i % 2 === 0 ? 227 : 226, frame: 1e9 + 3 * i + 2, text: i % 2 === 0 ? `Entering Passive Mode (192,0,2,20,${i >> 8},${i & 255}).` : 'Transfer complete.' },
          announcement: i % 2 === 0 ? { mode: 'passive', command: 'PASV', addr: '192.0.2.20', port: i, frame: 1e9 + 3 * i + 2, controlPeerAddr: '192.0.2.20', mismatch: false, family: 4 } : null,
          replyMissing: i % 997 === 0 ? { bytes: i, frame: i + 1 } : null,
        }),
      );
    }
    const stored = commands.map((c) => cols.store(c));
    expect(cols.texts.bytes).to.be.above(1_000_000);
    expect(spool.blocksWritten).to.be.above(100);
    // two blocks of 64 records per column and two chunks of texts (with the caches): a session of
    // 10^5 transfers holds this much, not ~35 MB
    expect(cols.residentBytes).to.be.below(4 * 256 * 1024 + 6 * 4 * 64 * 10 * 8);
    for (const i of shuffled(stored.length)) expect(fields(stored[i]!), `command ${i}`).to.deep.equal(fields(commands[i]!));
    stored.forEach((c, i) => expect(fields(c)).to.deep.equal(fields(commands[i]!)));
    spool.close();
  });

  it('gives back late records from the spool in order', () => {
    const spool = new BlockSpool(`ftpdiag-test-spool-${process.pid}-`);
    const shape = { rules: [], fields: [['t', 'label'], ['t', 'final'], ['d', 'closeKind'], ['d', 'endTime'], ['cmd', '']] } as unknown as KeptFacts['shape'];
    const records: LateRecord[] = [];
    for (let i = 0; i < 3000; i++) {
      records.push({ transfer: i, connection: 2 * i + 1, kept: { shape, values: [`RETR f${i} (transfer ${i})`, i, i % 3 === 0 ? null : 'fin', -0.5 - i, i % 2 === 0 ? undefined : true], bigints: 2, nulls: i % 5 === 0 ? 4 : 0 } });
    }
    const cols = new LateColumns({ spool, resident: 2, block: 32 });
    for (const r of records) cols.add(r);
    expect(spool.blocksWritten).to.be.above(100);
    expect(cols.residentBytes).to.be.below(3 * 256 * 1024 + 3 * 4 * 32 * 6 * 8);
    const back = [...cols];
    back.forEach((r, i) => expect(r).to.deep.equal(records[i]));
    expect(back).to.have.length(records.length);
    spool.close();
  });
});

describe('ftp/block-spool after close()', () => {
  it('does not free, in the next file, the places of an owner of the closed one', async () => {
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const spool = new BlockSpool(`ftpdiag-test-spool-${process.pid}-`);
    const a = Uint8Array.from({ length: 512 }, () => 1);
    const b = Uint8Array.from({ length: 512 }, () => 2);
    // an owner of the first file, collected only after it is closed
    let gone: object | null = {};
    const old: Extents = [];
    spool.own(gone, old);
    let collected = false;
    const seen = new FinalizationRegistry(() => (collected = true));
    seen.register(gone, null);
    spool.write(a, old);
    spool.close();
    // the next file gives its first place (offset 0) to a live block
    const liveOwner = {};
    const live: Extents = [];
    spool.own(liveOwner, live);
    const atLive = spool.write(b, live);
    gone = null;
    for (let i = 0; i < 20 && !collected; i++) {
      gc();
      await new Promise((r) => setTimeout(r, 10));
    }
    expect(collected, 'the old owner collected').to.equal(true);
    await new Promise((r) => setTimeout(r, 10)); // the spool's own callback, if it comes after
    // the old owner's places are not handed out again: a new block does not overwrite the live one
    const other: Extents = [];
    expect(spool.write(a, other)).to.not.equal(atLive);
    const back = new Uint8Array(512);
    spool.read(atLive, back);
    expect(back).to.deep.equal(b);
    expect(liveOwner).to.be.an('object'); // held to here
    spool.close();
  });
});
