// Counts that add up and read right: a reply code seen more often than its frames were kept says
// "(first K of N frames)", one frame is "frame 20" (never "frames 20"), a long report repeats its
// summary line at the end, live says what stopped it, and no built-in rule's text carries a line
// break into a terminal (injected-reset's folded YAML had a more-indented line: a literal \x0a).

import { expect } from 'chai';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { renderText } from '../../src/report/text.ts';
import { plural } from '../../src/format/words.ts';
import { framesText, listText } from '../../src/format/frames.ts';
import { closingLine } from '../../src/cli/commands/live.ts';
import { ruleFunctions } from '../../src/diagnose/cel-env.ts';
import type { LiveSummary } from '../../src/capture/live/index.ts';
import { analyse } from '../support/analyse.ts';
import { failedLogins, loggedIn, passiveRetr, scratchDir } from '../support/crafted-sessions.ts';
import { cli } from '../support/cli.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A logged-in session sending `n` NOOPs (200 each), then QUIT. */
function noops(n: number): TraceBuilder {
  const t = new TraceBuilder();
  const c = loggedIn(t);
  for (let i = 0; i < n; i++) {
    c.client('PA', 'NOOP\r\n');
    c.server('PA', '200 NOOP ok.\r\n');
  }
  c.client('PA', 'QUIT\r\n');
  c.server('PA', '221 bye\r\n');
  c.close();
  return t;
}

describe('report: counts that add up, singular and plural', () => {
  it('lists of numbers: all of them, or the first K of N', () => {
    expect(framesText([20])).to.equal('frame 20');
    expect(framesText([3, 5])).to.equal('frames 3, 5');
    expect(framesText([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 686)).to.equal('frames 1, 2, 3, 4, 5, 6, 7, 8 … (first 8 of 686 frames)');
    expect(listText([4, 9], 2, 'transfer')).to.equal('4, 9');
    expect(plural(1, 'byte')).to.equal('1 byte');
    expect(plural(0, 'finding')).to.equal('0 findings');
  });

  it('rule texts: framesOf and eventFrames say "frame 20" for one and count every event, not the frames kept', () => {
    const framesOf = ruleFunctions['framesOf']!.impl as (v: unknown) => string;
    const eventFrames = ruleFunctions['eventFrames']!.impl as (v: unknown) => string;
    expect(framesOf([20n])).to.equal('frame 20');
    expect(framesOf([])).to.equal('no frames');
    const kept = Array.from({ length: 200 }, (_, i) => BigInt(i + 1));
    expect(eventFrames({ count: 686n, frames: kept })).to.equal('frames 1, 2, 3, 4, 5, 6, 7, 8 … (first 8 of 686 frames)');
    expect(eventFrames({ count: 1n, frames: [7n] })).to.equal('frame 7');
  });

  it('a reply code seen 60 times, 50 of its frames kept: "(first 8 of 60 frames)"', () => {
    const r = analyse(noops(60));
    const out = renderText(r, { color: false, width: 100 });
    const line = out.split('Reply codes seen')[1]!.split('\n').find((l) => /^ {2}200 /.test(l))!;
    expect(line).to.match(/^ {2}200 {2}×60 /);
    const entry = out.slice(out.indexOf(line)).split(/\n(?= {2}\d{3} )/)[0]!.replace(/\s+/g, ' ');
    expect(entry).to.match(/frames \d+(, \d+){7} … \(first 8 of 60 frames\)/);
    expect(out).to.not.match(/\(\+\d+ more\)/);
    // a code seen once: its frame, singular
    expect(out).to.match(/ {2}221 {2}×1 .* frame \d+\n/);
    expect(out).to.not.match(/frames \d+\]|frames \d+\n/);
  });

  it('a report longer than a screen repeats its summary line at the end; a short one does not', () => {
    const long = renderText(analyse(failedLogins(8)), { color: false, width: 200 }).trimEnd().split('\n');
    expect(long.length).to.be.greaterThan(30);
    expect(long.at(-1)).to.equal(long[0]);
    expect(long.at(-2)).to.equal('');
    const short = renderText(analyse(noops(1)), { color: false, width: 200 }).trimEnd().split('\n');
    expect(short.length).to.be.at.most(30);
    expect(short.at(-1)).to.not.equal(short[0]);
  });

  it('live says what stopped it after how long: "stopped after 20.0 s (--duration)", singular frames', () => {
    const s = {
      backend: 'tcpdump', iface: 'lo', filter: 'tcp', linkType: 1, timestamps: 'kernel', frames: 1, bytes: 60, cutBySnaplen: 1, startedAt: 100, endedAt: 120,
      endedBy: 'stop', error: null, kernel: { received: 1, dropped: 0 }, writeFile: null, framesWritten: 0, capture: null, warnings: [],
    } as unknown as LiveSummary;
    const text = closingLine(s, 'duration');
    expect(text.split('\n')[0]).to.equal('ftpdiag: stopped after 20.0 s (--duration): 1 frame (0 dropped by the kernel)');
    expect(text).to.include('ftpdiag: warning: 1 frame cut by the snaplen: its payload is incomplete');
    expect(closingLine({ ...s, frames: 2 }, 'count').split('\n')[0]).to.equal('ftpdiag: stopped after 20.0 s (--count): 2 frames (0 dropped by the kernel)');
  });

  it('one byte is "1 byte" in the ladder heading, the --extract manifest and a regress mismatch', async () => {
    const t = new TraceBuilder();
    const c = loggedIn(t);
    passiveRetr(t, c, 'one.txt', 'x');
    c.close();
    const scratch = scratchDir('ftpdiag-i25-one-byte-');
    try {
      const file = scratch.file('one.pcap');
      t.writePcap(file);
      const ladder = await cli(['ladder', file, '--transfer', '0']);
      expect(ladder.out.split('\n')[1]).to.match(/^passive, 1 byte, replies 150 226, complete/);
      const out = scratch.file('files');
      expect((await cli(['analyze', file, '--extract', out])).code).to.equal(0);
      expect(readFileSync(join(out, 'manifest.txt'), 'utf8')).to.match(/^ {2}1 byte, sha256 /m);
      writeFileSync(scratch.file('one.expect.yaml'), 'trace: one.pcap\ntransfers:\n  - command: RETR\n    bytes: 2\n');
      expect((await cli(['regress', file, '--width', '200'])).out).to.include(': 1 byte, expected 2');
    } finally {
      scratch.remove();
    }
  });

  it('no built-in rule text holds a line break (folded YAML with a more-indented line keeps one)', () => {
    for (const r of loadRules().rules) {
      const templates = [r.summary, r.explanation, r.action, ...r.variants.flatMap((v) => [v.summary, v.explanation, v.action])];
      for (const t of templates) {
        for (const p of t?.parts ?? []) if ('text' in p) expect(p.text, `${r.id}: ${t!.source.slice(0, 60)}`).to.not.include('\n');
      }
      for (const x of [r.title, ...r.causes, ...r.references]) expect(x, r.id).to.not.include('\n');
    }
  });
});
