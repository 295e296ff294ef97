import { expect } from 'chai';
import { LineSplitter } from '../../src/ftp/control/lines.ts';
import { ReplyAssembler, isBlank, isValidCode, parseReplyLine } from '../../src/ftp/control/replies.ts';
import type { FtpReply } from '../../src/ftp/types.ts';

/** Runs server bytes (one chunk per frame) through a splitter and an assembler. */
function assemble(chunks: Buffer[]): { replies: FtpReply[]; asm: ReplyAssembler } {
  const sp = new LineSplitter();
  const asm = new ReplyAssembler();
  const replies: FtpReply[] = [];
  chunks.forEach((c, i) =>
    sp.feed(c, 0, i + 1, 100 + i, (l) => {
      const r = asm.push(l);
      if (r) replies.push(r);
      return true;
    }),
  );
  return { replies, asm };
}
const brief = (rs: FtpReply[]) => rs.map((r) => [r.code, r.valid, r.lines, r.text]);

describe('ftp/replies', () => {
  it('reads reply codes and separators', () => {
    expect(parseReplyLine('220 ready')).to.deep.equal({ code: 220, sep: ' ' });
    expect(parseReplyLine('211-Features')).to.deep.equal({ code: 211, sep: '-' });
    expect(parseReplyLine('226')).to.deep.equal({ code: 226, sep: '' });
    expect(parseReplyLine('230_no_space')).to.deep.equal({ code: 230, sep: '_' });
    expect(parseReplyLine('99 PASV invalid')).to.deep.equal({ code: 0, sep: '' });
    expect(isValidCode(631)).to.equal(true); // RFC 2228 protected reply
    expect(isValidCode(99)).to.equal(false);
    expect(isValidCode(700)).to.equal(false);
  });

  it('assembles single and multi-line replies (RFC 959 §4.2)', () => {
    const wire = Buffer.from(
      '220-Welcome\r\n220-second line\r\n  indented\r\n123 not the end\r\n220 end\r\n' +
        '211-Features:\n MDTM\n REST STREAM\n SIZE\r\n211 End\r\n' +
        '257 "/" is current directory.\r\n',
    );
    const { replies } = assemble([wire]);
    expect(brief(replies)).to.deep.equal([
      [220, true, 5, 'Welcome\nsecond line\n  indented\n123 not the end\nend'],
      [211, true, 5, 'Features:\n MDTM\n REST STREAM\n SIZE\nEnd'],
      [257, true, 1, '"/" is current directory.'],
    ]);
  });

  it('assembles the same replies wherever the input is split', () => {
    const wire = Buffer.from('230-a\r\n230-b\r\n230 c\r\n150 x\r\n226 y\r\n');
    const whole = brief(assemble([wire]).replies);
    for (let i = 0; i <= wire.length; i++) {
      expect(brief(assemble([wire.subarray(0, i), wire.subarray(i)]).replies), `split at ${i}`).to.deep.equal(whole);
    }
  });

  it('records the frames a multi-line reply spans', () => {
    const { replies } = assemble([Buffer.from('220-a\r\n'), Buffer.from('220-b\r\n'), Buffer.from('220 c\r\n')]);
    expect(replies.map((r) => [r.firstFrame, r.frame, r.time])).to.deep.equal([[1, 3, 102]]);
  });

  it('turns lines without reply grammar into invalid replies (zeek ftp-*-reply-code traces)', () => {
    const { replies, asm } = assemble([Buffer.from('99 PASV invalid\r\nSYST not supported\r\n230_no_space\r\n\r\n700 x\r\n')]);
    expect(brief(replies)).to.deep.equal([
      [0, false, 1, '99 PASV invalid'],
      [0, false, 1, 'SYST not supported'],
      [230, false, 1, '230_no_space'],
      [700, false, 1, '700 x'],
    ]);
    expect(asm.blankLines).to.equal(1);
  });

  it('closes an open multi-line reply as incomplete when interrupted', () => {
    const sp = new LineSplitter();
    const asm = new ReplyAssembler();
    sp.feed(Buffer.from('211-Features\r\n EPSV\r\n'), 0, 5, 1, (l) => (asm.push(l), true));
    expect(asm.open).to.equal(true);
    const r = asm.interrupt(9, 2)!;
    expect([r.code, r.lines, r.incomplete, r.firstFrame, r.frame]).to.deep.equal([211, 2, true, 5, 9]);
    expect(asm.open).to.equal(false);
    expect(asm.interrupt(10, 3)).to.equal(null);
  });

  it('bounds the text kept for a huge reply', () => {
    const body = Array.from({ length: 5000 }, (_, i) => `line ${i} ${'x'.repeat(40)}\r\n`).join('');
    const { replies } = assemble([Buffer.from(`213-status\r\n${body}213 End\r\n`)]);
    expect(replies).to.have.length(1);
    expect(replies[0]!.lines).to.equal(5002);
    expect(replies[0]!.text.length).to.be.at.most(64 * 1024 + 10);
  });

  it('a blank line has no printable character: none of ! to ~, nor any code unit from U+0080 on', () => {
    const printable = (c: number) => (c >= 0x21 && c <= 0x7e) || c >= 0x80;
    for (let c = 0; c <= 0xffff; c++) {
      const ch = String.fromCharCode(c);
      expect(isBlank(ch), `U+${c.toString(16)}`).to.equal(!printable(c));
      expect(isBlank(` \t${ch}\r`), `U+${c.toString(16)} between blanks`).to.equal(!printable(c));
    }
    expect(isBlank('')).to.equal(true);
    expect(isBlank('\x00\x1b[0m')).to.equal(false); // an escape's letters are printable
    expect(isBlank('\x00\x01 \x7f')).to.equal(true);
  });
});
