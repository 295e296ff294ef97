import { expect } from 'chai';
import { explainReplyCode, parseReplyCodes, replyCatalog } from '../../src/diagnose/reply-codes.ts';
import { RuleFileError } from '../../src/diagnose/rule-error.ts';

describe('diagnose/reply-codes', () => {
  it('covers every reply code of RFC 959 §4.2.2, RFC 2228, RFC 2428 and LPSV', () => {
    const rfc959 = [110, 120, 125, 150, 200, 202, 211, 212, 213, 214, 215, 220, 221, 225, 226, 227, 230, 250, 257, 331, 332, 350, 421, 425, 426, 450, 451, 452, 500, 501, 502, 503, 504, 530, 532, 550, 551, 552, 553];
    const rfc2228 = [232, 234, 235, 334, 335, 336, 431, 533, 534, 535, 536, 537, 631, 632, 633];
    const rfc2428 = [229, 522];
    const cat = replyCatalog();
    for (const code of [...rfc959, ...rfc2228, ...rfc2428, 228]) expect(cat.has(code), String(code)).to.equal(true);
    for (const code of rfc959) expect(cat.get(code)!.references.some((r) => r.startsWith('RFC 959')), String(code)).to.equal(true);
  });

  it('derives class and group from the digits', () => {
    const e = explainReplyCode(425);
    expect(e.meaning).to.equal("Can't open data connection");
    expect(e.className).to.equal('transient negative completion');
    expect(e.group).to.equal('connections');
    expect(e.causes.length).to.be.greaterThan(0);
  });

  it('explains codes outside the catalog by their digits', () => {
    expect(explainReplyCode(299)).to.include({ known: false, className: 'positive completion' });
    expect(explainReplyCode(0).meaning).to.equal('not a valid reply code');
    expect(explainReplyCode(799).meaning).to.equal('not a valid reply code');
  });

  it('rejects a malformed catalog with file and line', () => {
    expect(() => parseReplyCodes('codes:\n  - code: 200\n    meaning: ok\n  - code: 200\n    meaning: again\n', 'c.yaml')).to.throw(RuleFileError, /c\.yaml:4: code 200 listed twice/);
    expect(() => parseReplyCodes('codes:\n  - code: 200\n    meening: ok\n', 'c.yaml')).to.throw(RuleFileError, /c\.yaml:2: unknown field "meening"/);
  });
});
