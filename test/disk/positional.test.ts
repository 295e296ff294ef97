import { expect } from 'chai';
import { closeSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readAll, writeAll } from '../../src/disk/positional.ts';

describe('disk/positional: reads and writes at offsets that move every byte', () => {
  let dir = '';
  let fd = -1;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftpdiag-positional-'));
    fd = openSync(join(dir, 'f'), 'w+');
  });
  afterEach(() => {
    closeSync(fd);
    rmSync(dir, { recursive: true, force: true });
  });

  it('reads back what was written at each offset, out of order', () => {
    const a = Uint8Array.from({ length: 300 }, (_, i) => i & 0xff);
    const b = Uint8Array.from({ length: 70 }, (_, i) => 255 - i);
    writeAll(fd, b, 300);
    writeAll(fd, a, 0);
    const gotA = new Uint8Array(300);
    const gotB = new Uint8Array(70);
    readAll(fd, gotB, 300, 'short');
    readAll(fd, gotA, 0, 'short');
    expect([...gotA]).to.deep.equal([...a]);
    expect([...gotB]).to.deep.equal([...b]);
  });

  it('throws the caller\'s message when the file ends before the bytes asked for', () => {
    writeAll(fd, new Uint8Array(10), 0);
    expect(() => readAll(fd, new Uint8Array(16), 0, 'spool file shorter than its index')).to.throw('spool file shorter than its index');
  });
});
