import { expect } from 'chai';
import { formatValue, splitTemplate, TemplateSyntaxError } from '../../src/diagnose/template.ts';
import { formatBytes, formatFrames, formatPercent, formatRate, formatSeconds, pluralOf } from '../../src/diagnose/cel-env.ts';

describe('diagnose/template', () => {
  it('splits text and placeholders, with offsets of each expression', () => {
    expect(splitTemplate('sent {fmtBytes(t.bytes)}, got {t.final}')).to.deep.equal([
      { kind: 'text', text: 'sent ' },
      { kind: 'expr', source: 'fmtBytes(t.bytes)', offset: 6 },
      { kind: 'text', text: ', got ' },
      { kind: 'expr', source: 't.final', offset: 31 },
    ]);
  });

  it('keeps braces and quotes inside a placeholder (map literals, string literals)', () => {
    const parts = splitTemplate('{ {"a": 1}["a"] } and {"}" + "{"}');
    expect(parts.filter((p) => p.kind === 'expr').map((p) => (p as { source: string }).source)).to.deep.equal([' {"a": 1}["a"] ', '"}" + "{"']);
  });

  it('reads {{ and }} as literal braces', () => {
    expect(splitTemplate('a {{b}} c')).to.deep.equal([{ kind: 'text', text: 'a {b} c' }]);
  });

  it('rejects unbalanced and empty placeholders with the offset', () => {
    expect(() => splitTemplate('x {t.bytes')).to.throw(TemplateSyntaxError).with.property('offset', 2);
    expect(() => splitTemplate('x } y')).to.throw(TemplateSyntaxError);
    expect(() => splitTemplate('x { } y')).to.throw(TemplateSyntaxError, /empty/);
  });

  it('formats CEL values for people', () => {
    expect(formatValue(42n)).to.equal('42');
    expect(formatValue(1.23456)).to.equal('1.235');
    expect(formatValue(null)).to.equal('none');
    expect(formatValue(true)).to.equal('yes');
    expect(formatValue([1n, 2n])).to.equal('1, 2');
  });

  it('formats sizes, rates, durations, frame lists, percentages and plurals', () => {
    expect(formatBytes(1)).to.equal('1 byte');
    expect(formatBytes(999)).to.equal('999 bytes');
    expect(formatBytes(1_461_302)).to.equal('1.46 MB (1461302 bytes)');
    expect(formatRate(250_000)).to.equal('250.0 kB/s');
    expect(formatRate(null)).to.equal('unknown');
    expect(formatSeconds(0.25)).to.equal('0.250 s');
    expect(formatSeconds(12.34)).to.equal('12.3 s');
    expect(formatFrames([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).to.equal('1, 2, 3, 4, 5, 6, 7, 8 … (first 8 of 10 frames)');
    expect(formatFrames([])).to.equal('none');
    expect(formatPercent(3, 200)).to.equal('1.5%');
    expect(formatPercent(1, 0)).to.equal('0%');
    expect(pluralOf('reply')).to.equal('replies');
    expect(pluralOf('day')).to.equal('days');
    expect(pluralOf('ACK')).to.equal('ACKs');
    expect(pluralOf('mismatch')).to.equal('mismatches');
  });
});
