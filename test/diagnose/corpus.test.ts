// The built-in rules over every real trace of the shared corpus: no rule may fail at run time
// (a CEL null comparison, a missing field), and incremental findings must agree with the final list.

import { expect } from 'chai';
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { analyzeFile, Analysis } from '../../src/pipeline/analyze.ts';
import { readCapture } from '../../src/capture/read.ts';
import { builtinRuleSet } from '../../src/diagnose/rule-loader.ts';
import type { Finding } from '../../src/diagnose/finding.ts';

const corpus = fileURLToPath(new URL('../../../shared/corpus/public/', import.meta.url));
const traces = existsSync(corpus) ? readdirSync(corpus).flatMap((d) => readdirSync(join(corpus, d)).map((f) => join(d, f))) : [];

describe('diagnose over the corpus', function () {
  this.timeout(60000);
  before(function () {
    if (traces.length === 0) this.skip();
  });

  it('runs every built-in rule on every trace without a run-time rule error', async () => {
    const failures: string[] = [];
    for (const t of traces) {
      const { result } = await analyzeFile(join(corpus, t), { rules: builtinRuleSet() });
      for (const e of result.ruleErrors) failures.push(`${t}: ${e.rule} (${e.file}:${e.line}): ${e.message}`);
      for (const f of result.findings) {
        expect(f.summary, `${t} ${f.id}`).to.not.match(/\{|\}|undefined|NaN/);
        expect(f.frames.every((n) => Number.isInteger(n) && n >= 1 && n <= result.capture.frames), `${t} ${f.id} frames`).to.equal(true);
      }
    }
    expect(failures).to.deep.equal([]);
  });

  it('tells each final finding provisionally, some before the end of the capture', async () => {
    const t = join(corpus, 'zeek/bruteforce.pcap');
    const seen: Finding[] = [];
    let framesAtFirst = -1;
    let frames = 0;
    const analysis = new Analysis({
      rules: builtinRuleSet(),
      provisional: {
        finding: (f) => {
          if (seen.length === 0) framesAtFirst = frames;
          seen.push(f);
        },
      },
    });
    const summary = await readCapture(t, (f) => {
      frames++;
      analysis.frame(f);
    });
    const result = analysis.finish(summary);
    const key = (f: Finding) => `${f.id}|${f.connection}|${f.session}|${f.transfer}|${f.frames[0]}`;
    const emitted = new Set(seen.map(key));
    for (const f of result.findings) expect(emitted.has(key(f)), key(f)).to.equal(true);
    expect(result.findings.length).to.be.greaterThan(0);
    expect(framesAtFirst).to.be.within(1, summary.frames - 1);
  });
});
