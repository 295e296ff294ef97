import { expect } from 'chai';
import { formatValue, PROSE_MAX, SENTENCE_MAX, splitTemplate, TemplateSyntaxError } from '../../src/diagnose/template.ts';
import { ruleFunctions } from '../../src/diagnose/cel-env.ts';
import { bytesText as formatBytes, percentText as formatPercent, rateText as formatRate, secondsText as formatSeconds } from '../../src/format/numbers.ts';
import { formatFrames } from '../../src/format/frames.ts';
import { pluralOf } from '../../src/format/words.ts';
import { builtinRuleSet, placeholderMax } from '../../src/diagnose/rule-loader.ts';

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
    expect(formatRate(250_000)).to.equal('250 kB/s');
    expect(formatRate(null)).to.equal('unknown');
    expect(formatSeconds(0.25)).to.equal('0.250 s');
    expect(formatSeconds(12.34)).to.equal('12.3 s');
    // below half a millisecond "0.000 s" would say nothing (time stepping back by 37 µs)
    expect([formatSeconds(0.000037), formatSeconds(-0.000046), formatSeconds(4e-7), formatSeconds(0.0006), formatSeconds(0)]).to.deep.equal(['37 µs', '-46 µs', '400 ns', '0.001 s', '0.000 s']);
    expect(formatFrames([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).to.equal('1, 2, 3, 4, 5, 6, 7, 8 … (+2 more)');
    expect(formatFrames([])).to.equal('none');
    expect(formatPercent(3, 200)).to.equal('1.5%');
    expect(formatPercent(1, 0)).to.equal('0%');
    expect(pluralOf('reply')).to.equal('replies');
    expect(pluralOf('day')).to.equal('days');
    expect(pluralOf('ACK')).to.equal('ACKs');
    expect(pluralOf('mismatch')).to.equal('mismatches');
  });
});

describe('diagnose/template: wire strings in placeholders are clipped', () => {
  const long = `${'a'.repeat(4000)}/evil${'b'.repeat(3000)}.csv`;

  it('one value is clipped to PROSE_MAX in the middle; a phrase composed in CEL only to SENTENCE_MAX', () => {
    expect(placeholderMax('t.path')).to.equal(PROSE_MAX);
    expect(placeholderMax('fmtBytes(t.bytes)')).to.equal(PROSE_MAX);
    expect(placeholderMax('t.final == 0 ? "none" : "some"')).to.equal(SENTENCE_MAX);
    expect(placeholderMax('s.unsupported.map(g, g.what).join(", ")')).to.equal(SENTENCE_MAX);
    expect(placeholderMax('x.line + "?"')).to.equal(SENTENCE_MAX); // an operator outside a literal
    expect(placeholderMax('"a + b ?"')).to.equal(PROSE_MAX); //          inside one it does not count
    const one = formatValue(long, PROSE_MAX);
    expect(one).to.have.length(PROSE_MAX);
    expect(one.startsWith('aaa') && one.endsWith('.csv') && one.includes('…')).to.equal(true);
    expect(formatValue(long, SENTENCE_MAX)).to.have.length(SENTENCE_MAX);
    expect(ruleFunctions['clip']!.impl(long as never)).to.equal(one);
  });

  it('every built-in phrase composed in CEL passes its wire strings through clip()', () => {
    // the fields that hold text from the wire (command lines and arguments, reply texts, user
    // names, paths and labels made from them)
    const wire = /(?<![\w(])(?:\w+\.)+(line|arg|argument|text|finalText|replyText|path|user|users|what|greeting|label)\b(?!\s*\()/g;
    const unclipped: string[] = [];
    for (const r of builtinRuleSet().rules) {
      for (const t of [r.summary, r.explanation, r.action, ...r.variants.flatMap((v) => [v.summary, v.explanation, v.action])]) {
        if (t === null) continue;
        for (const p of splitTemplate(t.source)) {
          if (p.kind !== 'expr' || placeholderMax(p.source) !== SENTENCE_MAX) continue;
          // strip string literals, clip(…), size(…) and lists mapped through clip(); == comparisons do not count
          const src = p.source.replace(/"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*'/g, '""').replace(/clip\([^()]*(?:\([^()]*\)[^()]*)*\)/g, 'X').replace(/size\([^()]*\)/g, 'N').replace(/(?:\w+\.)+\w+\.map\(\s*(\w+)\s*,\s*X\s*\)/g, 'L');
          const hits = [...src.matchAll(wire)].filter((m) => !/^\s*(==|!=|in\b)/.test(src.slice(m.index! + m[0].length)) && !/(==|!=)\s*$/.test(src.slice(0, m.index!)));
          if (hits.length) unclipped.push(`${r.id}: {${p.source.replace(/\s+/g, ' ').slice(0, 120)}} names ${hits.map((m) => m[0]).join(', ')}`);
        }
      }
    }
    expect(unclipped).to.deep.equal([]);
  });
});
