// The width of a string measured in one pass (narrowWidth, visibleWidth's and cellWidth's fast
// path) must be what string-width says after the colour codes are stripped, for every string:
// crafted mixes of ASCII, SGR codes, the narrow characters the reports print, wide, combining,
// astral and joined characters, lone escapes and line breaks.

import { expect } from 'chai';
import stringWidth from 'string-width';
import { GLUE, narrowWidth, visibleWidth, clipMiddle } from '../../src/format/words.ts';
import { cellWidth } from '../../src/report/text-table.ts';

// what visibleWidth and cellWidth measured before the fast path (their definitions)
const SGR = /\u001b\[[\d;]*m/g;
const TABLE_SGR = /\u001b\[(?:\d*;){0,5}\d*m/g;
const referenceWidth = (s: string) => stringWidth(s.replace(SGR, '').replace(new RegExp(GLUE, 'g'), ' '));
const referenceCell = (s: string) => Math.max(0, ...s.replace(TABLE_SGR, '').split('\n').map((l) => stringWidth(l)));

const PIECES = [
  'a', 'Z', ' ', '~', '0', '/', 'frame 14', '\u001b[1m', '\u001b[0m', '\u001b[31;1m', '\u001b[38;5;196m', '\u001b[1;2;3;4;5;6m', '\u001b[1;2;3;4;5;6;7m', '\u001b[',
  '\u001b', '\u001b[9', '│', '─', '–', '—', '…', '→', '×', '§', 'µ', '≤', '’', GLUE, '日本', 'ｆ', 'e\u0301', '\u0301', '📁', '👩\u200d💻',
  '\u200b', '\ufe0f', '\u00a0', '\t', '\n', '\u007f', '\u009b', 'ß', '▶', '\ud800',
];

function* crafted(): Generator<string> {
  let seed = 27;
  const next = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31);
  for (const p of PIECES) yield p;
  for (let i = 0; i < 4000; i++) {
    let s = '';
    for (let k = next() % 8; k >= 0; k--) s += PIECES[next() % PIECES.length];
    yield s;
  }
}

describe('format/width: one-pass measurement', () => {
  it('agrees with string-width on crafted strings (ANSI, wide, combining, joined, lone escapes)', () => {
    let fast = 0;
    for (const s of crafted()) {
      expect(visibleWidth(s), JSON.stringify(s)).to.equal(referenceWidth(s));
      expect(cellWidth(s), JSON.stringify(s)).to.equal(referenceCell(s));
      if (narrowWidth(s) >= 0) {
        fast++;
        expect(narrowWidth(s), JSON.stringify(s)).to.equal(referenceWidth(s));
      }
    }
    expect(fast).to.be.greaterThan(200); // the fast path was taken, not only the fallback
  });

  it('takes the fast path only on what it knows, and falls back otherwise', () => {
    expect(narrowWidth('Session 3: client 10.0.0.1:21 → server – … │')).to.equal(44);
    expect(narrowWidth('\u001b[1mbold\u001b[0m')).to.equal(4);
    for (const s of ['日本', 'e\u0301', '\u001b[1;2;3;4;5;6;7m', '\u001b', 'a\nb', '📁']) expect(narrowWidth(s), JSON.stringify(s)).to.equal(-1);
  });

  it('clips in the middle by columns with narrow and wide characters alike', () => {
    const s = '→'.repeat(30) + '日本語'.repeat(5) + '–'.repeat(30);
    for (let n = 1; n < 80; n += 7) expect(stringWidth(clipMiddle(s, n))).to.be.at.most(n);
  });
});
