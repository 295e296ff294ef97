import { expect } from 'chai';
import { GLUE, sliceColumns, visibleWidth, wrap } from '../../src/format/words.ts';
import { seededRandom } from '../../src/craft/stack-profiles.ts';

// eslint-disable-next-line no-control-regex
const SGR = /\u001b\[[\d;]*m/g;
const PLAIN = /^[\x20-\x7e]*$/;

/** wrap() as it was written first (a regular expression per word, lines gathered in an array):
 *  the definition the scanning version must reproduce character for character. */
function wrapByDefinition(text: string, width: number, indent: string, firstIndent = indent): string {
  const whole = firstIndent + text;
  if (!text.includes('\n') && visibleWidth(whole) <= width) return whole.replace(/\ue000/g, ' ');
  const lines: string[] = [];
  let line = firstIndent;
  let lineW = visibleWidth(firstIndent);
  const indentW = visibleWidth(indent);
  let empty = true;
  for (const m of text.replace(/\n/g, ' ').matchAll(/( *)([^ ]+)/g)) {
    const gap = m[1]!.length === 0 ? 1 : m[1]!.length;
    let word = m[2]!;
    let wordW = visibleWidth(word);
    for (;;) {
      const lead = empty ? 0 : gap;
      if (lineW + lead + wordW <= width) {
        line += ' '.repeat(lead) + word;
        lineW += lead + wordW;
        empty = false;
        break;
      }
      const room = width - lineW - lead;
      const cutHere = empty ? room >= 1 : indentW + wordW > width && room >= 8;
      if (!cutHere) {
        if (empty) {
          line += word;
          lineW += wordW;
          empty = false;
          break;
        }
        lines.push(line);
        line = indent;
        lineW = indentW;
        empty = true;
        continue;
      }
      const plainWord = word.replace(SGR, '');
      const slash = plainWord.lastIndexOf('/', room - 1);
      const cut = slash >= room / 2 && PLAIN.test(plainWord) ? slash + 1 : room;
      const head = sliceColumns(word, cut);
      lines.push(line + ' '.repeat(lead) + head);
      word = word.slice(head.length);
      wordW = visibleWidth(word);
      line = indent;
      lineW = indentW;
      empty = true;
      if (wordW === 0) {
        lines[lines.length - 1] += word;
        word = '';
        break;
      }
    }
  }
  if (!empty || lines.length === 0) lines.push(line);
  return lines.join('\n').replace(/\ue000/g, ' ');
}

// words of every kind a report wraps: plain, paths with slashes, coloured, wide characters, glued
const PIECES = ['a', 'frame', '14', 'reports/2024/q4/final-version.csv', '/very/long/path/without/any/spaces/at/all/in/it/file.bin', '\u001b[1mSession 3\u001b[22m', '\u001b[31mreset\u001b[39m', '名前', 'ﬁle', '→', '–', `frame${GLUE}14`, 'x'.repeat(45), '\u001b[2m' + 'y'.repeat(30) + '\u001b[22m', '…'];
const SEPARATORS = [' ', ' ', ' ', '  ', '   ', '\n', ' \n ', ''];

describe('format/wrap: the scanning wrap is the definition', () => {
  it('wraps like the definition for every width, indent and mix of words', () => {
    const next = seededRandom(27);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)]!;
    for (let n = 0; n < 4000; n++) {
      let text = next() < 0.2 ? pick(SEPARATORS) : '';
      const words = 1 + Math.floor(next() * 12);
      for (let i = 0; i < words; i++) text += pick(PIECES) + (i < words - 1 || next() < 0.2 ? pick(SEPARATORS) : '');
      // from 12 columns: with fewer than two after the indent a wide character fits no line, and
      // both versions loop for ever (the reports wrap to 40 columns and more)
      const width = 12 + Math.floor(next() * 60);
      const indent = pick(['', ' ', '    ', '      ', '        ']);
      const first = pick(['', '  ', '    ', indent]);
      const got = wrap(text, width, indent, first);
      const want = wrapByDefinition(text, width, indent, first);
      if (got !== want) expect({ text, width, indent, first, got }).to.deep.equal({ text, width, indent, first, got: want });
    }
  });

  it('keeps the spaces between words that stay on a line and cuts a path after a slash', () => {
    expect(wrap('title  [frames 3]', 40, '  ')).to.equal('  title  [frames 3]');
    expect(wrap('see /srv/ftp/incoming/archive/2024/report.csv now', 30, '    ', '  ')).to.equal(wrapByDefinition('see /srv/ftp/incoming/archive/2024/report.csv now', 30, '    ', '  '));
    expect(wrap(`a${GLUE}b c`, 3, '')).to.equal('a b\nc');
  });
});
