// Streaming analysis (AnalysisOptions.release, used by `analyze` and `analyze --json`): sessions are diagnosed
// and written to a spool as soon as they are final, then forgotten. It must give exactly the
// report a whole-capture analysis gives, and hold only what is open at a time.

import { expect } from 'chai';
import { createHash } from 'node:crypto';
import { Analysis, analyzeFile } from '../../src/pipeline/analyze.ts';
import { readCapture } from '../../src/capture/read.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { renderJsonChunks } from '../../src/report/json.ts';
import { JsonSpool } from '../../src/report/json-spool.ts';
import { renderText, TextReport } from '../../src/report/text.ts';
import { unitView } from '../../src/view/unit.ts';
import type { TcpEngineOptions } from '../../src/tcp/types.ts';
import { benchTrace } from '../../bench/big-trace.ts';
import { corpusPresent, everyTrace, projectRoot, RELEASE_TEST_TRACE } from '../support/trace-files.ts';

const root = projectRoot;
const rules = loadRules();

const hash = (chunks: Iterable<string>) => {
  const h = createHash('sha256');
  let n = 0;
  for (const c of chunks) {
    h.update(c);
    n += c.length;
  }
  return `${h.digest('hex')}:${n}`;
};

async function whole(path: string, tcp: Partial<TcpEngineOptions>): Promise<{ text: string; digest: string }> {
  const { result, error } = await analyzeFile(path, { rules, tcp });
  const opts = { error: error ? { message: error.reason, offset: error.offset, code: error.code } : null };
  const text = [...renderJsonChunks(result, opts)].join('');
  return { text, digest: hash([text]) };
}

async function streamed(path: string, tcp: Partial<TcpEngineOptions>): Promise<{ text: string; units: number }> {
  const spool = new JsonSpool();
  let units = 0;
  try {
    const { result, error } = await analyzeFile(path, {
      rules,
      tcp,
      release: (u) => {
        units++;
        spool.add(unitView(u, { showPasswords: false }));
      },
    });
    const opts = { error: error ? { message: error.reason, offset: error.offset, code: error.code } : null };
    return { text: [...spool.render(result, opts)].join(''), units };
  } finally {
    spool.close();
  }
}

describe('pipeline/release: the streamed JSON report equals the whole-capture one', function () {
  this.timeout(300_000);
  const all = everyTrace();

  it('finds the traces', () => {
    expect(all.length).to.be.at.least(corpusPresent ? 60 : 20); // captures/ alone has 20+
  });

  // endedFlowSeconds 0: a connection is forgotten as soon as another packet passes after its
  // end, so sessions are released in the middle of the capture rather than at its end
  for (const [name, tcp] of [
    ['default bounds', {}],
    ['connections forgotten at once', { endedFlowSeconds: 0 }],
  ] as const) {
    it(`byte for byte, on every trace of captures/ and the corpus (${name})`, async () => {
      const differ: string[] = [];
      for (const path of all) {
        const a = await whole(path, tcp);
        const b = await streamed(path, tcp);
        if (a.text !== b.text) differ.push(path.slice(root.length - 1));
        JSON.parse(b.text);
      }
      expect(differ).to.deep.equal([]);
    });
  }
});

async function wholeText(path: string, tcp: Partial<TcpEngineOptions>, color: boolean, width: number): Promise<string> {
  const { result, error } = await analyzeFile(path, { rules, tcp });
  return renderText(result, { color, width, error: error ? `offset ${error.offset}: ${error.reason}` : null });
}

async function streamedText(path: string, tcp: Partial<TcpEngineOptions>, color: boolean, width: number): Promise<string> {
  const report = new TextReport({ color, width }, true);
  try {
    const { result, error } = await analyzeFile(path, { rules, tcp, release: (u) => report.add(unitView(u, { showPasswords: false })) });
    return [...report.render(result, error ? `offset ${error.offset}: ${error.reason}` : null)].join('');
  } finally {
    report.close();
  }
}

describe('pipeline/release: the streamed text report equals the whole-capture one', function () {
  this.timeout(300_000);
  const all = everyTrace();

  for (const [name, tcp, color, width] of [
    ['default bounds, plain', {}, false, 100],
    ['connections forgotten at once, colour, 80 columns', { endedFlowSeconds: 0 }, true, 80],
  ] as const) {
    it(`byte for byte, on every trace of captures/ and the corpus (${name})`, async () => {
      const differ: string[] = [];
      for (const path of all) {
        if ((await wholeText(path, tcp, color, width)) !== (await streamedText(path, tcp, color, width))) differ.push(path.slice(root.length - 1));
      }
      expect(differ).to.deep.equal([]);
    });
  }
});

describe('pipeline/release: memory follows what is open, not the length of the capture', function () {
  this.timeout(600_000);

  it('releases sessions as they end and holds a bounded number, with the same report', async () => {
    const info = await benchTrace(RELEASE_TEST_TRACE, { log: () => {} });
    // the trace packs ~1,000 sessions into 2 s of capture time: the time bounds are scaled to it
    const tcp = { maxEndedFlows: 64, closeGraceSeconds: 0.05, idleTimeoutSeconds: 0.3 };
    const spool = new JsonSpool();
    const text = new TextReport({ color: false }, true);
    let maxLiveSessions = 0;
    let maxLiveConnections = 0;
    let frames = 0;
    const a = new Analysis({
      rules,
      tcp,
      release: (u) => {
        const v = unitView(u, { showPasswords: false });
        spool.add(v);
        text.add(v);
      },
    });
    let stats = a.releaseStats!;
    const summary = await readCapture(info.file, (f) => {
      a.frame(f);
      if (++frames % 500 === 0) {
        stats = a.releaseStats!;
        maxLiveSessions = Math.max(maxLiveSessions, stats.liveSessions);
        maxLiveConnections = Math.max(maxLiveConnections, stats.liveConnections);
      }
    });
    const releasedBeforeEnd = a.releaseStats!.released;
    const result = a.finish(summary);
    const streamedDigest = hash(spool.render(result, { error: null }));
    spool.close();
    const streamedText = [...text.render(result)].join('');
    text.close();
    expect(result.released!.sessions).to.be.at.least(900);
    // most sessions were released while reading, and at no time were more than a few hundred held
    expect(releasedBeforeEnd).to.be.at.least(result.released!.sessions * 0.8);
    expect(maxLiveSessions).to.be.below(300);
    expect(maxLiveConnections).to.be.below(64 + info.maxConcurrentConnections + 50);
    expect(a.releaseStats!.maxHeld).to.be.below(300);
    expect(streamedDigest).to.equal((await whole(info.file, tcp)).digest);
    // hundreds of table rows, folded repeats (the table's batches: test/report/text-table.test.ts)
    const wholeReport = await wholeText(info.file, tcp, false, 100);
    expect(streamedText).to.equal(wholeReport);
    // (how many depends on which traces captures/ holds: the trace replicates them)
    expect(wholeReport.match(/^│ \d+ +│ (RETR|STOR)/gm)?.length ?? 0).to.be.above(200);
    expect(wholeReport).to.match(/… and \d+ more /);
  });
});
