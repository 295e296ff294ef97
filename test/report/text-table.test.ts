// StreamedTable draws a table row by row into column widths measured beforehand; the result must
// be what cli-table3 draws from all the rows at once.

import { expect } from 'chai';
import Table from 'cli-table3';
import { cellWidth, StreamedTable, type StreamedTableOptions } from '../../src/report/text-table.ts';
import { Styler, tableStyle } from '../../src/report/style.ts';

function rows(n: number, st: Styler): string[][] {
  const out: string[][] = [];
  for (let i = 0; i < n; i++) {
    out.push([
      i % 11 === 4 ? `${i}\nsecond line` : String(i * 37),
      i % 3 ? 'RETR' : 'STOR',
      // wide (CJK), combining and astral characters: cli-table3 measures display width
      ['a.txt', '日本語ファイル.bin', 'cafe\u0301.txt', '📁/x', 'long-name-'.repeat(3)][i % 5]!,
      st.paint(i % 2 ? 'green' : 'red', i % 2 ? 'complete' : 'failed'),
    ]);
  }
  return out;
}

function oneShot(opts: StreamedTableOptions, all: string[][]): string {
  const t = new Table({ head: [...opts.head], colAligns: [...opts.colAligns], style: opts.style, ...(opts.chars ? { chars: opts.chars } : {}) });
  for (const r of all) t.push(r);
  return t.toString();
}

function streamed(opts: StreamedTableOptions, all: string[][]): string {
  const table = new StreamedTable(opts);
  for (const r of all) table.measure(r);
  return [...table.render(all)].join('');
}

describe('report/text-table', () => {
  for (const color of [false, true]) {
    for (const chars of [{ mid: '', 'left-mid': '', 'mid-mid': '', 'right-mid': '' }, undefined]) {
      const opts: StreamedTableOptions = { head: ['#', 'Command', 'Argument', 'Outcome'], colAligns: ['right', 'left', 'left', 'left'], style: tableStyle(color), ...(chars ? { chars } : {}) };
      const label = `${color ? 'colour' : 'plain'}, ${chars ? 'no rules between rows' : 'rules between rows'}`;
      it(`equals cli-table3's one-shot table (${label})`, () => {
        const st = new Styler(color);
        for (const n of [1, 2, 7, 50, 2500]) expect(streamed(opts, rows(n, st)), `${n} rows`).to.equal(oneShot(opts, rows(n, st)));
      });
    }
  }

  it('measures cells as cli-table3 does: display width, without colour codes', () => {
    expect(cellWidth('abc')).to.equal(3);
    expect(cellWidth('日本')).to.equal(4);
    expect(cellWidth('\x1b[32mok\x1b[0m')).to.equal(2);
    expect(cellWidth('ab\nabcd')).to.equal(4);
  });

  it('aligns right, left and centre as cli-table3 does', () => {
    const opts: StreamedTableOptions = { head: ['r', 'l', 'c'], colAligns: ['right', 'left', 'center'], style: tableStyle(false) };
    const all = [['1', 'a', 'x'], ['12345', 'abcdef', 'xyz12'], ['', '', 'ab']];
    expect(streamed(opts, all)).to.equal(oneShot(opts, all));
  });

  it('draws nothing without rows', () => {
    const opts: StreamedTableOptions = { head: ['a'], colAligns: ['left'], style: tableStyle(false) };
    expect([...new StreamedTable(opts).render([])]).to.deep.equal([]);
  });
});
