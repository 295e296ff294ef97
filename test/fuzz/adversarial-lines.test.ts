// No super-linear work on data from the wire: control lines built to make backtracking regular
// expressions (and any quadratic loop) blow up go through the whole pipeline — TCP reassembly,
// FTP line splitting and parsing, diagnosis, text and JSON reports — and the time must grow
// linearly with their length. Judged by the ratio of two sizes measured in the same run (10×
// the bytes may take at most 50× the time: linear is ~10×, a quadratic path ~100×, and garbage
// collection on a busy machine was seen to push a linear one to 33×), not by a wall-clock bound.

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { Analysis } from '../../src/pipeline/analyze.ts';
import { renderJson } from '../../src/report/json.ts';
import { renderText } from '../../src/report/text.ts';
import type { Frame } from '../../src/capture/frame.ts';
import { parse227, parse228, parse229, parseEprt, parseLprt, parsePort } from '../../src/ftp/address-parsers.ts';
import { parse150Size, parse213Size, parse257 } from '../../src/ftp/reply-parsers.ts';
import { escapeWire } from '../../src/report/escape.ts';

const rules = loadRules();

/** Line shapes aimed at the wire-data regular expressions and loops of the FTP stage. */
const shapes: Record<string, { from: 'client' | 'server'; line: (n: number) => string }> = {
  'PORT with endless digit groups': { from: 'client', line: (n) => `PORT ${'1,'.repeat(n / 2)}\r\n` },
  '227 with spaces between numbers and no closing group': { from: 'server', line: (n) => `227 Entering Passive Mode (1${' '.repeat(n)}\r\n` },
  '227 with "1, " repeated': { from: 'server', line: (n) => `227 (${'1, '.repeat(n / 3)}\r\n` },
  '150 with an open "(" and digits, no "bytes"': { from: 'server', line: (n) => `150 Opening (${'9'.repeat(n)}\r\n` },
  '150 with "( 1 " repeated': { from: 'server', line: (n) => `150 ${'( 1 '.repeat(n / 4)}\r\n` },
  '257 with doubled quotes': { from: 'server', line: (n) => `257 "${'""'.repeat(n / 2)}\r\n` },
  'EPRT with delimiters only': { from: 'client', line: (n) => `EPRT ${'|'.repeat(n)}\r\n` },
  '229 with "(|||" repeated': { from: 'server', line: (n) => `229 ${'(|||'.repeat(n / 4)}\r\n` },
  'SITE CHMOD with spaces': { from: 'client', line: (n) => `SITE CHMOD ${' '.repeat(n)}x\r\n` },
  'multi-line reply of many short lines': { from: 'server', line: (n) => `211-x\r\n${' x\r\n'.repeat(n / 4)}211 end\r\n` },
  'escape sequences for the terminal': { from: 'client', line: (n) => `RETR ${'\x1b[2J\x9b'.repeat(n / 5)}\r\n` },
  'Telnet IAC pairs': { from: 'client', line: (n) => `${'\xff\xf4'.repeat(n / 2)}ABOR\r\n` },
};

/** A logged-in session whose control connection carries `line`, then QUIT. */
function traceWith(from: 'client' | 'server', line: string): Frame[] {
  const t = new TraceBuilder();
  const c = t.tcp({ client: '192.0.2.1:40000', server: '192.0.2.2:21' });
  c.handshake();
  c.server('PA', '220 ready\r\n');
  c.client('PA', 'USER a\r\n');
  c.server('PA', '230 ok\r\n');
  const bytes = Buffer.from(line, 'latin1');
  for (let i = 0; i < bytes.length; i += 1400) {
    c.send(from, 'PA', bytes.subarray(i, i + 1400));
    c.send(from === 'client' ? 'server' : 'client', 'A');
  }
  c.client('PA', 'QUIT\r\n');
  c.server('PA', '221 bye\r\n');
  c.close();
  return t.captureFrames();
}

function analyseSeconds(frames: Frame[]): number {
  const start = performance.now();
  const a = new Analysis({ rules });
  for (const f of frames) a.frame(f);
  const r = a.finish();
  renderText(r, { color: false, width: 100 });
  renderJson(r);
  return (performance.now() - start) / 1000;
}

/** 10× the input may cost at most this many times the time (see the header). */
const MAX_RATIO = 50;
/** A large case done in less than this (seconds) cannot hide a quadratic path (at these sizes that
 *  would take many seconds), and below it the ratio of two small timings is mostly noise. */
const FAST_ENOUGH = 1;

const best = (f: () => number, runs = 5) => Math.min(...Array.from({ length: runs }, f));

describe('fuzz: adversarial control lines cost linear time through the whole pipeline', function () {
  this.timeout(120_000);
  for (const [name, shape] of Object.entries(shapes)) {
    it(name, () => {
      const small = traceWith(shape.from, shape.line(40_000));
      const large = traceWith(shape.from, shape.line(400_000));
      analyseSeconds(small); // warm up the JIT on this shape
      const ts = best(() => analyseSeconds(small));
      const tl = best(() => analyseSeconds(large));
      // Below a few milliseconds the ratio is noise: only judge when the large case is measurable.
      if (tl > FAST_ENOUGH) expect(tl / Math.max(ts, 1e-3), `${(ts * 1000).toFixed(1)} ms → ${(tl * 1000).toFixed(1)} ms`).to.be.below(MAX_RATIO);
      expect(tl, 'a 400 kB line must not take seconds').to.be.below(10);
    });
  }
});


/** The parsers themselves, without the line cap in front of them: 10× the input, ≤ MAX_RATIO× the time. */
describe('fuzz: wire-text parsers are linear on megabyte inputs', function () {
  this.timeout(60_000);
  const parsers: Record<string, [(s: string) => unknown, (n: number) => string]> = {
    parse227: [parse227, (n) => `(1${' '.repeat(n)}`],
    'parse227 (digits and commas)': [parse227, (n) => '1,'.repeat(n / 2)],
    parse228: [parse228, (n) => `(${'4,'.repeat(n / 2)}`],
    parse229: [parse229, (n) => '(|||'.repeat(n / 4)],
    parsePort: [parsePort, (n) => '1,'.repeat(n / 2)],
    parseEprt: [parseEprt, (n) => '|'.repeat(n)],
    parseLprt: [parseLprt, (n) => '4,'.repeat(n / 2)],
    parse150Size: [parse150Size, (n) => `(${'9'.repeat(n)}`],
    'parse150Size (open parens)': [parse150Size, (n) => '( 1 '.repeat(n / 4)],
    parse213Size: [parse213Size, (n) => '9'.repeat(n)],
    parse257: [parse257, (n) => `"${'""'.repeat(n / 2)}`],
    escapeWire: [escapeWire, (n) => '\x1b[2J\x9b\u202e'.repeat(n / 6)],
  };
  for (const [name, [parse, input]] of Object.entries(parsers)) {
    it(name, () => {
      const small = input(100_000);
      const large = input(1_000_000);
      const time = (s: string) => {
        const t0 = performance.now();
        parse(s);
        return (performance.now() - t0) / 1000;
      };
      time(small);
      const ts = best(() => time(small));
      const tl = best(() => time(large));
      if (tl > FAST_ENOUGH) expect(tl / Math.max(ts, 1e-3), `${(ts * 1000).toFixed(2)} ms → ${(tl * 1000).toFixed(2)} ms`).to.be.below(MAX_RATIO);
      expect(tl, 'a 1 MB argument must not take seconds').to.be.below(5);
    });
  }
});
