import { expect } from 'chai';
import { formatValue, PROSE_MAX, SENTENCE_MAX, splitTemplate, TemplateSyntaxError } from '../../src/diagnose/template.ts';
import { ruleFunctions } from '../../src/diagnose/cel-env.ts';
import { bytesText as formatBytes, percentText as formatPercent, rateText as formatRate, secondsText as formatSeconds } from '../../src/format/numbers.ts';
import { listText } from '../../src/format/frames.ts';
import { pluralOf } from '../../src/format/words.ts';
import { builtinRuleSet, placeholderMax } from '../../src/diagnose/rule-loader.ts';
import { transferLabel } from '../../src/format/labels.ts';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { Analysis } from '../../src/pipeline/analyze.ts';
import type { Transfer } from '../../src/ftp/types.ts';

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
    expect(listText([1, 2, 3, 4, 5, 6, 7, 8, 9, 10])).to.equal('1, 2, 3, 4, 5, 6, 7, 8 … (first 8 of 10 frames)');
    expect(listText([])).to.equal('none');
    // below half a millisecond "0.000 s" would say nothing (time stepping back by 37 µs)
    expect([formatSeconds(0.000037), formatSeconds(-0.000046), formatSeconds(4e-7), formatSeconds(0.0006), formatSeconds(0)]).to.deep.equal(['37 µs', '-46 µs', '400 ns', '0.001 s', '0.000 s']);
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
    // names, paths); labels are prose, their wire parts clipped where they were made
    const wire = /(?<![\w(])(?:\w+\.)+(line|arg|argument|text|finalText|replyText|path|user|users|what|greeting)\b(?!\s*\()/g;
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

describe('diagnose/template: text ftpdiag composes is never clipped, only the wire parts in it', () => {
  const v6 = { client: '[2001:470:1f05:17a6:d69a:20ff:fefd:6b88]:58895', server: '[2400:3000:20:100:aaaa:bbbb:cccc:46]:21' };

  it('a placeholder showing a prose field (labels, evidence) gets the sentence bound, a wire field the clip', () => {
    expect(placeholderMax('c.label', 'connection')).to.equal(SENTENCE_MAX);
    expect(placeholderMax('s.label', 'session')).to.equal(SENTENCE_MAX);
    expect(placeholderMax('c.forgedResets[0].evidence', 'connection')).to.equal(SENTENCE_MAX);
    expect(placeholderMax('c.forgedResets.filter(r, r.endedConnection)[0].evidence', 'connection')).to.equal(SENTENCE_MAX);
    expect(placeholderMax('d.forgedResets[0].location', 'transfer')).to.equal(SENTENCE_MAX);
    expect(placeholderMax('t.argument', 'transfer')).to.equal(PROSE_MAX);
    expect(placeholderMax('cmd.replyText', 'command')).to.equal(PROSE_MAX);
    expect(placeholderMax('c.client.addr', 'connection')).to.equal(PROSE_MAX);
  });

  it('IPv6 endpoints stay whole in every finding about a control connection (early-half-close, control-reset)', () => {
    const t = new TraceBuilder();
    const c = t.tcp(v6);
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'USER anonymous\r\n');
    c.server('PA', '230 in\r\n');
    c.client('PA', 'RETR libssh-0.5.2.tar.gz\r\n');
    c.server('PA', '550 no such file\r\n');
    c.client('FA');
    c.server('PA', '221 You could at least say goodbye.\r\n');
    c.client('R', undefined, { seq: c.nextSeq('client') });
    const a = new Analysis({ rules: builtinRuleSet() });
    for (const f of t.captureFrames()) a.frame(f);
    const fs = a.finish().findings.filter((f) => f.connection !== null);
    expect(fs.length).to.be.above(0);
    const label = 'control connection of session 0 ([2001:470:1f05:17a6:d69a:20ff:fefd:6b88]:58895 → [2400:3000:20:100:aaaa:bbbb:cccc:46]:21)';
    for (const f of fs.filter((x) => x.summary.includes('control connection of session 0'))) expect(f.summary, f.id).to.contain(label);
    expect(fs.every((f) => !f.summary.includes('…')), fs.map((f) => f.summary).join('\n')).to.equal(true);
  });

  it('no built-in text holds a line break (a more-indented line in a folded YAML block keeps its own)', () => {
    const broken: string[] = [];
    for (const r of builtinRuleSet().rules) {
      for (const t of [r.summary, r.explanation, r.action, ...r.variants.flatMap((v) => [v.summary, v.explanation, v.action])]) {
        for (const p of t === null ? [] : splitTemplate(t.source)) if (p.kind === 'text' && p.text.includes('\n')) broken.push(`${r.id}: ${JSON.stringify(p.text)}`);
      }
    }
    expect(broken).to.deep.equal([]);
  });

  it('a label clips the file name it holds, not its own words', () => {
    const arg = `${'d'.repeat(300)}/report.csv`;
    const label = transferLabel({ id: 7, session: 0, command: 'RETR', argument: arg } as Transfer);
    expect(label.length).to.be.below(PROSE_MAX + 20);
    expect(label.startsWith('RETR ddd') && label.endsWith('report.csv (transfer 7)') && label.includes('…')).to.equal(true);
  });
});
