import { expect } from 'chai';
import fc from 'fast-check';
import { LineSplitter, decodeText, type ControlLine } from '../../src/ftp/control/lines.ts';

/** Feeds `chunks` (one frame each, numbered from 1) and collects the lines. */
function split(chunks: Buffer[], max?: number): { lines: ControlLine[]; sp: LineSplitter } {
  const sp = new LineSplitter(max);
  const lines: ControlLine[] = [];
  chunks.forEach((c, i) => sp.feed(c, 0, i + 1, i + 1, (l) => (lines.push(l), true)));
  return { lines, sp };
}

const summary = (ls: ControlLine[]) => ls.map((l) => [l.text, l.interrupt, l.overlong, l.bareLf]);

describe('ftp/lines LineSplitter', () => {
  const wire = Buffer.concat([
    Buffer.from('USER anonymous\r\nPASS x\r\n'),
    Buffer.from([0xff, 0xf4, 0xff, 0xf2]), // IAC IP, IAC DM
    Buffer.from('ABOR\r\n'),
    Buffer.from('RETR a'),
    Buffer.from([0xff, 0xff]), //             IAC IAC: literal 0xFF
    Buffer.from('b\r\nNOOP\n'), //             bare LF tolerated
    Buffer.from([0xff, 0xfb, 0x01]), //       IAC WILL ECHO: stripped
    Buffer.from('STAT\r\n'),
    Buffer.from([0xff, 0xfa, 0x18, 0x01, 0xff, 0xf0]), // IAC SB … IAC SE: stripped
    Buffer.from('QUIT\r\n'),
  ]);

  it('splits lines and handles Telnet commands', () => {
    const { lines, sp } = split([wire]);
    expect(summary(lines)).to.deep.equal([
      ['USER anonymous', false, false, false],
      ['PASS x', false, false, false],
      ['ABOR', true, false, false],
      ['RETR a\u00ffb', false, false, false],
      ['NOOP', false, false, true],
      ['STAT', false, false, false],
      ['QUIT', false, false, false],
    ]);
    expect(sp.telnetCommands).to.equal(4);
  });

  it('gives the same lines wherever the input is split (every offset)', () => {
    const whole = summary(split([wire]).lines);
    for (let i = 0; i <= wire.length; i++) {
      expect(summary(split([wire.subarray(0, i), wire.subarray(i)]).lines), `split at ${i}`).to.deep.equal(whole);
    }
  });

  it('gives the same lines for any segmentation (property)', () => {
    const whole = summary(split([wire]).lines);
    fc.assert(
      fc.property(fc.uniqueArray(fc.integer({ min: 1, max: wire.length - 1 }), { maxLength: 12 }), (cuts) => {
        const pts = [0, ...cuts.sort((a, b) => a - b), wire.length];
        const chunks = pts.slice(1).map((end, k) => wire.subarray(pts[k], end));
        expect(summary(split(chunks).lines)).to.deep.equal(whole);
      }),
      { numRuns: 200 },
    );
  });

  it('gives the same lines, wire counts and counters whole and byte by byte, on any bytes (property)', () => {
    // runs of text are copied at once (LineSplitter's fast path), single bytes one by one: both
    // must agree on text, CR/LF, Telnet commands, control bytes and lines cut at a small cap
    const alphabet = [0x41, 0x61, 0x20, 0x09, 0x0d, 0x0a, 0xff, 0xfb, 0xfa, 0xf0, 0xf4, 0x01, 0x7f, 0xc3, 0xa9];
    const full = (sp: LineSplitter, ls: ControlLine[]) => [
      ls.map((l) => [l.text, l.wireBytes, l.overlong, l.interrupt, l.bareLf, l.offset]),
      sp.lines,
      sp.overlongLines,
      sp.telnetCommands,
      sp.partialBytes,
    ];
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...alphabet), { maxLength: 120 }), fc.integer({ min: 4, max: 24 }), (bytes, max) => {
        const data = Buffer.from(bytes);
        const a = new LineSplitter(max);
        const la: ControlLine[] = [];
        a.feed(data, 0, 1, 1, (l) => (la.push(l), true), 0);
        const b = new LineSplitter(max);
        const lb: ControlLine[] = [];
        for (let i = 0; i < data.length; i++) b.feed(data.subarray(i, i + 1), 0, 1, 1, (l) => (lb.push(l), true), i);
        expect(full(b, lb)).to.deep.equal(full(a, la));
      }),
      { numRuns: 500 },
    );
  });

  it('records the frames of a line split across segments', () => {
    const { lines } = split([Buffer.from('RETR lo'), Buffer.from('ng-name'), Buffer.from('\r\nNOOP\r\n')]);
    expect(lines.map((l) => [l.text, l.firstFrame, l.frame])).to.deep.equal([
      ['RETR long-name', 1, 3],
      ['NOOP', 3, 3],
    ]);
  });

  it('cuts, counts and flags overlong lines (bounded buffer)', () => {
    const long = Buffer.from(`RETR ${'A'.repeat(100)}\r\nNOOP\r\n`);
    const { lines, sp } = split([long.subarray(0, 50), long.subarray(50)], 32);
    expect(lines.map((l) => [l.text.length, l.overlong, l.wireBytes])).to.deep.equal([
      [32, true, 33], // delivered when it passed the cap: its bytes up to there
      [4, false, 6],
    ]);
    expect(lines[0]!.bareLf).to.equal(false);
    expect(sp.overlongLines).to.equal(1);
  });

  it('drops the partial line at a gap and resumes at the next line', () => {
    const sp = new LineSplitter();
    const out: string[] = [];
    const sink = (l: ControlLine) => (out.push(l.text), true);
    sp.feed(Buffer.from('USER a\r\nRETR fi'), 0, 1, 1, sink);
    sp.gap();
    sp.feed(Buffer.from('le-tail\r\nNOOP\r\n'), 0, 3, 3, sink);
    expect(out).to.deep.equal(['USER a', 'NOOP']);
    expect(sp.fragmentsDropped).to.equal(1);
  });

  it('stops where the sink says and returns the offset after that line', () => {
    const sp = new LineSplitter();
    const data = Buffer.from('234 go\r\n\x16\x03\x01');
    const at = sp.feed(data, 0, 1, 1, () => false);
    expect(at).to.equal(8);
    expect(sp.atLineStart).to.equal(true);
  });

  it('does not let a subnegotiation without IAC SE swallow the channel', () => {
    const data = Buffer.concat([Buffer.from([0xff, 0xfa]), Buffer.alloc(300, 0x41), Buffer.from('\r\nNOOP\r\n')]);
    const { lines } = split([data]);
    expect(lines.map((l) => l.text).at(-1)).to.equal('NOOP');
  });

  it("keeps each splitter's unfinished line apart while others are fed (shared line buffer)", () => {
    // two directions fed alternately, each segment ending mid-line, one line past the first
    // buffer size; and a third splitter fed from inside a sink call
    const long = 'STOR ' + 'x'.repeat(600);
    const a = new LineSplitter();
    const b = new LineSplitter();
    const c = new LineSplitter();
    const got: string[] = [];
    const sinkA = (l: ControlLine) => {
      got.push('a:' + l.text);
      c.feed(Buffer.from('c-line\r\nc-par'), 0, 1, 1, (m) => (got.push('c:' + m.text), true));
      return true;
    };
    const sinkB = (l: ControlLine) => (got.push('b:' + l.text), true);
    a.feed(Buffer.from('USER an'), 0, 1, 1, sinkA);
    b.feed(Buffer.from('220 he'), 0, 2, 2, sinkB);
    a.feed(Buffer.from('on\r\n' + long.slice(0, 300)), 0, 3, 3, sinkA);
    b.feed(Buffer.from('llo\r\n331 pl'), 0, 4, 4, sinkB);
    a.feed(Buffer.from(long.slice(300) + '\r\n'), 0, 5, 5, sinkA);
    b.feed(Buffer.from('ease\r\n'), 0, 6, 6, sinkB);
    c.feed(Buffer.from('tial\r\n'), 0, 7, 7, (m) => (got.push('c:' + m.text), true));
    expect(got).to.deep.equal([
      'a:USER anon',
      'c:c-line',
      'b:220 hello',
      'a:' + long,
      'c:c-parc-line',
      'b:331 please',
      'c:c-partial',
    ]);
  });

  it('decodes UTF-8 when valid and Latin-1 otherwise', () => {
    expect(decodeText(Buffer.from('RETR caf\u00e9', 'utf8'), 10)).to.equal('RETR caf\u00e9');
    const latin = Buffer.from([0x52, 0xe9, 0x41]);
    expect(decodeText(latin, 3)).to.equal('R\u00e9A');
  });
});
