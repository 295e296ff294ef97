// The file spool sorts its index outside memory: runs of elements are sorted and written out,
// then merged, possibly in several passes. Whatever the run sizes, it must read back the texts
// in the order the in-memory spool gives, over any range, and hold no more than one run.

import { expect } from 'chai';
import { byFirstField, findingOrder, MemorySpool, SpoolDir, type RecordOrder, type RunSizes, type Spool } from '../../src/report/spool.ts';

/** A deterministic pseudo-random sequence (a linear congruential generator). */
function numbers(seed: number): () => number {
  let x = seed;
  return () => {
    x = (x * 1103515245 + 12345) % 2147483648;
    return x / 2147483648;
  };
}

interface Element {
  text: string;
  key: number[];
}

/** Finding-like keys: few severities, many equal first frames, some without frames (Infinity). */
function findingElements(n: number, seed: number): Element[] {
  const r = numbers(seed);
  const out: Element[] = [];
  for (let i = 0; i < n; i++) {
    const frame = r() < 0.1 ? Infinity : Math.floor(r() * 50);
    const key = [Math.floor(r() * 3), frame, Math.floor(r() * 4), Math.floor(r() * 5), i];
    // texts of varied length, non-ASCII and a few longer than the read buffer
    const text = i % 97 === 0 ? `${i}:` + 'é'.repeat(70_000) : `${i}:${'ж日x'.repeat(i % 7)}`;
    out.push({ text, key });
  }
  return out;
}

function all(spool: Spool, from?: number, to?: number): string[] {
  return [...spool.sorted().texts(from, to)].flat();
}

describe('report spools', () => {
  const dirs: SpoolDir[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) d.remove();
  });

  function filled(elements: Element[], fields: number, order: RecordOrder, sizes?: RunSizes) {
    const dir = new SpoolDir('ftpdiag-spool-test-');
    dirs.push(dir);
    const file = dir.file('x', fields, order, sizes);
    const memory = new MemorySpool(fields, order);
    for (const e of elements) {
      file.add(e.text, e.key);
      memory.add(e.text, e.key);
    }
    return { file, memory };
  }

  const shapes: [string, RunSizes][] = [
    ['a single run', { run: 10_000, fanIn: 4, block: 3 }],
    ['runs merged in one pass', { run: 50, fanIn: 64, block: 7 }],
    ['runs merged in several passes', { run: 9, fanIn: 3, block: 2 }],
    ['a run of one element', { run: 1, fanIn: 2, block: 1 }],
    // runs cut by the bytes of their texts, some texts longer than a run holds
    ['runs of a few kB of text', { run: 10_000, fanIn: 4, block: 3, textBytes: 4096 }],
    ['runs of one text', { run: 10_000, fanIn: 64, block: 3, textBytes: 1 }],
  ];
  for (const [name, sizes] of shapes) {
    it(`reads findings back in the in-memory order: ${name}`, () => {
      const elements = findingElements(700, 7);
      const { file, memory } = filled(elements, 5, findingOrder, sizes);
      const expected = all(memory);
      expect(expected.length).to.equal(700);
      expect(all(file)).to.deep.equal(expected);
      // ranges, read more than once (the text report reads each severity twice)
      expect(all(file, 100, 333)).to.deep.equal(expected.slice(100, 333));
      expect(all(file, 100, 333)).to.deep.equal(expected.slice(100, 333));
      expect(all(file, 699, 700)).to.deep.equal(expected.slice(699));
      expect(all(file, 5, 5)).to.deep.equal([]);
      file.close();
    });
  }

  it('sorts by severity, then first frame with frameless last, then group, subject and order', () => {
    const elements = findingElements(300, 3);
    const { file } = filled(elements, 5, findingOrder, { run: 16, fanIn: 3, block: 4 });
    const keyOf = new Map(elements.map((e) => [e.text, e.key]));
    const keys = all(file).map((t) => keyOf.get(t)!);
    for (let i = 1; i < keys.length; i++) {
      const [a, b] = [keys[i - 1]!, keys[i]!];
      const cmp = b[0]! - a[0]! || (a[1] === b[1] ? 0 : a[1]! < b[1]! ? -1 : 1) || a[2]! - b[2]! || a[3]! - b[3]! || a[4]! - b[4]!;
      expect(cmp, `${a} before ${b}`).to.be.lessThan(0);
    }
    file.close();
  });

  it('keeps ids in order and spools nothing as well as one element', () => {
    const ids = [5, 3, 9, 1, 7, 2, 8, 0, 6, 4];
    const { file } = filled(
      ids.map((id) => ({ text: `id ${id}`, key: [id] })),
      1,
      byFirstField,
      { run: 3, fanIn: 2, block: 2 },
    );
    expect(all(file)).to.deep.equal(ids.slice().sort((a, b) => a - b).map((id) => `id ${id}`));
    expect(file.count).to.equal(10);
    file.close();
    const empty = filled([], 1, byFirstField, { run: 3, fanIn: 2, block: 2 }).file;
    expect(all(empty)).to.deep.equal([]);
    empty.close();
  });

  it('holds one run of the index in memory however many elements are added', () => {
    const dir = new SpoolDir('ftpdiag-spool-test-');
    dirs.push(dir);
    const sizes = { run: 1000, fanIn: 8, block: 16 };
    const file = dir.file('x', 5, findingOrder, sizes);
    const before = process.memoryUsage().arrayBuffers;
    const key = [0, 0, 0, 0, 0];
    for (let i = 0; i < 200_000; i++) {
      key[1] = (i * 7919) % 100_003;
      key[4] = i;
      file.add('x', key);
    }
    // 200k records of 7 float64s would be 11 MB in memory; one run is 56 kB
    expect(process.memoryUsage().arrayBuffers - before).to.be.lessThan(2_000_000);
    let n = 0;
    for (const batch of file.sorted().texts()) n += batch.length;
    expect(n).to.equal(200_000);
    file.close();
  });
  it('reads back texts in nearly the order they came with few reads, and any order right', () => {
    // ids that arrive nearly in order (units released a little out of order), ~100 bytes each
    const ids = Array.from({ length: 20_000 }, (_, i) => i + (i % 10 === 3 ? 5 : 0) - (i % 10 === 8 ? 5 : 0));
    const elements = ids.map((id) => ({ text: `session ${id}: ${'x→'.repeat(40)}`, key: [id] }));
    const { file, memory } = filled(elements, 1, byFirstField, { run: 4096, fanIn: 8, block: 64 });
    expect(all(file)).to.deep.equal(all(memory));
    // ~2.2 MB of text in a few reads of many texts each, not one per text
    expect(file.reads).to.be.lessThan(elements.length / 100);
    file.close();
    // a reversed order misses the window at every text, and still reads right
    const reversed = filled(elements, 1, (a, ia, b, ib) => b[ib]! - a[ia]!, { run: 4096, fanIn: 8, block: 64 });
    expect(all(reversed.file)).to.deep.equal(all(reversed.memory));
    reversed.file.close();
  });

  it('gives back the sort keys with the fields the order does not read, in sorted order', () => {
    const elements = findingElements(500, 11).map((e, i) => ({ text: '', key: [...e.key, i * 3, -1] }));
    const { file, memory } = filled(elements, 7, findingOrder, { run: 37, fanIn: 3, block: 5 });
    const keys = (spool: Spool, from?: number, to?: number) => {
      const out: number[][] = [];
      for (const k of spool.sorted().keys(from, to)) out.push([...k]); // one array, overwritten
      return out;
    };
    const expected = keys(memory);
    expect(expected.map((k) => k[5])).to.have.members(elements.map((e) => e.key[5]));
    expect(keys(file)).to.deep.equal(expected);
    expect(keys(file, 120, 300)).to.deep.equal(expected.slice(120, 300));
    file.close();
  });

  it('writes an element given in pieces straight to its file and reads it back a window at a time', () => {
    const dir = new SpoolDir('ftpdiag-spool-test-');
    dirs.push(dir);
    const file = dir.file('x', 1, byFirstField, { run: 4, fanIn: 2, block: 3 });
    // multi-byte characters across every piece and read-window boundary: 'é' is 2 bytes, '€' 3
    const big = Array.from({ length: 3000 }, (_, i) => `${i % 7 === 0 ? 'é€' : 'ab'}${'x'.repeat(i % 97)}`);
    const elements: Array<{ key: number; text: string }> = [];
    for (let i = 0; i < 9; i++) {
      const key = (i * 5) % 9;
      if (i === 3 || i === 7) {
        file.addPieces(big.map((p) => `${key}:${p}`), [key]);
        elements.push({ key, text: big.map((p) => `${key}:${p}`).join('') });
      } else {
        file.add(`small ${key} é`, [key]);
        elements.push({ key, text: `small ${key} é` });
      }
    }
    expect(file.count).to.equal(9);
    const expected = elements.sort((a, b) => a.key - b.key).map((e) => e.text);
    const pieces = [...file.joined(',\n')];
    expect(pieces.join('')).to.equal(expected.join(',\n'));
    // the long elements (~150k characters each) came in pieces of at most a read window
    expect(expected.filter((t) => t.length > 100_000)).to.have.length(2);
    expect(Math.max(...pieces.map((p) => p.length))).to.be.at.most(64 * 1024);
    // and read back whole by texts(), as before
    expect(all(file)).to.deep.equal(expected);
    file.close();
  });
});
