// Where a long session's settled commands go once they are more than a few blocks (command-
// columns.ts, text-arena.ts): one temporary file for the process, written a block at a time and
// read back a block at a time. A session of 10^5 transfers kept ~35 MB of columns and texts in
// memory until it ended (the JSON element, the session facts and the reply-code counts read them
// then); on disk they cost the page cache, not the process. The file is unlinked as soon as it is
// open (the descriptor keeps it: nothing is left behind however the process ends, on systems that
// allow it; else it is removed at exit), and a block's place is used again once its owner is
// collected (FinalizationRegistry), so the file holds the blocks of sessions still referenced.

import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll, writeAll } from '../disk/positional.ts';

/** The places an owner's blocks hold in the spool: offsets and sizes, freed together. */
export type Extents = number[]; // offset, size, offset, size, …

export class BlockSpool {
  private fd = -1;
  private dir: string | null = null;
  private end = 0; //                                  bytes of file in use or free
  private readonly free = new Map<number, number[]>(); // size → offsets of freed blocks
  private file = 0; //                                 files closed so far
  // An owner collected after close() had its places in a file that is gone: freed in the next
  // file, they would be handed out again while that file's own blocks live there. (An owner made
  // before a close() that writes after it leaves its places unfreed: close() is at exit.)
  private readonly owners = new FinalizationRegistry<{ file: number; extents: Extents }>((o) => {
    if (o.file === this.file) this.release(o.extents);
  });
  /** Blocks written so far and bytes the file now holds (for tests and measurements). */
  blocksWritten = 0;
  bytesHeld = 0;

  constructor(private readonly prefix = 'ftpdiag-columns-') {}

  /** The temporary directory while it exists (null before the first block, or once unlinked). */
  get path(): string | null {
    return this.dir;
  }

  /** Takes note that `extents` are freed when `owner` is collected. */
  own(owner: object, extents: Extents): void {
    this.owners.register(owner, { file: this.file, extents });
  }

  /** Writes `bytes` to a place of their size; its offset (added to `extents`). */
  write(bytes: Uint8Array, extents: Extents): number {
    const fd = this.open();
    const size = bytes.byteLength;
    const at = this.free.get(size)?.pop() ?? this.grow(size);
    writeAll(fd, bytes, at);
    extents.push(at, size);
    this.blocksWritten++;
    this.bytesHeld += size;
    return at;
  }

  read(at: number, into: Uint8Array): void {
    readAll(this.fd, into, at, 'column spool shorter than its blocks');
  }

  /** Frees the places of `extents` (their owner is gone). */
  release(extents: Extents): void {
    for (let k = 0; k < extents.length; k += 2) {
      const size = extents[k + 1]!;
      let list = this.free.get(size);
      if (list === undefined) this.free.set(size, (list = []));
      list.push(extents[k]!);
      this.bytesHeld -= size;
    }
    extents.length = 0;
  }

  /** Closes and removes the file (at exit; a spool used after it opens a new one). */
  close(): void {
    if (this.fd >= 0) closeSync(this.fd);
    if (this.fd >= 0 || this.end > 0) this.file++;
    this.fd = -1;
    this.bytesHeld = 0;
    this.end = 0;
    this.free.clear();
    this.removeDir();
  }

  private grow(size: number): number {
    const at = this.end;
    this.end += size;
    return at;
  }

  private open(): number {
    if (this.fd >= 0) return this.fd;
    const dir = mkdtempSync(join(tmpdir(), this.prefix));
    this.dir = dir;
    this.fd = openSync(join(dir, 'blocks'), 'w+', 0o600);
    this.removeDir();
    return this.fd;
  }

  private removeDir(): void {
    if (this.dir === null) return;
    try {
      rmSync(this.dir, { recursive: true, force: true });
      this.dir = null;
    } catch {
      // still open on a system that keeps open files: removed at close()
    }
  }
}

let shared: BlockSpool | null = null;

/** The process's spool, made at the first use and closed at exit. */
export function columnSpool(): BlockSpool {
  if (shared === null) {
    const s = (shared = new BlockSpool());
    process.once('exit', () => s.close());
  }
  return shared;
}
