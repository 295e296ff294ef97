import { expect } from 'chai';
import { escapeJsonText, escapeWire, needsEscape } from '../../src/report/escape.ts';

describe('report/escape', () => {
  it('shows ESC[2J (clear screen) as text', () => {
    expect(escapeWire('evil\x1b[2J.txt')).to.equal('evil\\x1b[2J.txt');
  });

  it('escapes every C0 control, DEL and C1 control, and nothing printable', () => {
    for (let c = 0; c < 0x20; c++) expect(escapeWire(String.fromCharCode(c))).to.equal(`\\x${c.toString(16).padStart(2, '0')}`);
    expect(escapeWire('\x7f')).to.equal('\\x7f');
    expect(escapeWire('\x9b31m')).to.equal('\\x9b31m'); // C1 CSI
    expect(escapeWire('café/日本語 C:\\dir ~!')).to.equal('café/日本語 C:\\dir ~!');
  });

  it('escapes bidirectional overrides and line separators that could spoof the output', () => {
    expect(escapeWire('invoice\u202Efdp.exe')).to.equal('invoice\\u{202E}fdp.exe');
    expect(escapeWire('a\u2028b')).to.equal('a\\u{2028}b');
  });

  it('tells whether a string needs escaping, repeatably', () => {
    expect(needsEscape('ok')).to.equal(false);
    expect(needsEscape('\x1b')).to.equal(true);
    expect(needsEscape('\x1b')).to.equal(true);
  });

  it('makes JSON terminal-safe without changing its value', () => {
    const value = { name: 'a\x1b[2J\x7f\x9b\u202Eb' };
    const text = escapeJsonText(JSON.stringify(value));
    expect(text).to.not.match(/[\x00-\x1f\x7f-\x9f\u202E]/);
    expect(JSON.parse(text)).to.deep.equal(value);
  });
});
