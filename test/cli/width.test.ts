// Every command's output fits its width: 80 and 100 columns, for every capture of captures/ and
// of the shared corpus (../shared/corpus: public and realworld; skipped with the reason when it
// is absent). Each capture is analysed once; its report, operation log, ladders (a transfer and a
// connection), live lines (each finding and transfer as `live` prints it) are rendered at both
// widths with the renderers the commands use; the commands themselves run at both widths on a
// few captures (the width resolution, --width, the streamed report), and compare, regress,
// codes, rules and the progress line are checked at both too. A line one column too long fails.

import { expect } from 'chai';
import { join } from 'node:path';
import { PassThrough } from 'node:stream';
import stringWidth from 'string-width';
import { existsSync } from 'node:fs';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { readKeyLog, type KeyLog } from '../../src/tls/keylog.ts';
import { resultView } from '../../src/view/result.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import type { RuleSet } from '../../src/diagnose/rule-types.ts';
import type { AnalysisResult } from '../../src/pipeline/result.ts';
import { renderText } from '../../src/report/text.ts';
import { buildOperations } from '../../src/report/log/operations.ts';
import { renderOperationLog } from '../../src/report/log/render.ts';
import { buildLadder, planTarget, type LadderTarget } from '../../src/report/ladder-model.ts';
import { renderLadderText } from '../../src/report/ladder-text.ts';
import { liveFindingText, liveTransferText } from '../../src/cli/commands/live.ts';
import { ReadProgress, PROGRESS_MIN_BYTES } from '../../src/cli/progress.ts';
import { Styler } from '../../src/report/style.ts';
import { cli } from '../support/cli.ts';
import { scratchDir } from '../support/crafted-sessions.ts';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { corpusIt, projectRoot, traceFiles } from '../support/trace-files.ts';

const WIDTHS = [80, 100] as const;
const captures = traceFiles(join(projectRoot, 'captures'));
const corpus = traceFiles(join(projectRoot, '..', 'shared', 'corpus'));

/** The widest line of `text` in terminal columns (colour codes take none) and the line. */
function widest(text: string): { width: number; line: string } {
  let best = { width: 0, line: '' };
  for (const line of text.split('\n')) {
    const n = stringWidth(line.replace(/\x1b\[[0-9;]*m/g, ''));
    if (n > best.width) best = { width: n, line };
  }
  return best;
}

function expectFits(text: string, width: number, what: string): void {
  const w = widest(text);
  expect(w.width, `${what} at ${width} columns: ${JSON.stringify(w.line)}`).to.be.at.most(width);
}

let rules: RuleSet;
before(() => {
  rules = loadRules();
});

/** Everything the commands print about one capture, at each width. */
async function checkCapture(file: string): Promise<void> {
  await checkAnalysis(file, null);
  // an FTPS trace with its key log beside it: the decrypted analysis too (--keylog)
  const keys = file.replace(/\.pcap(ng)?$/, '.keylog');
  if (keys !== file && existsSync(keys)) await checkAnalysis(file, readKeyLog(keys));
}

async function checkAnalysis(file: string, keyLog: KeyLog | null): Promise<void> {
  const { result } = await analyzeFile(file, { rules, showPasswords: false, keyLog });
  const ops = buildOperations(result, { all: true });
  const targets: LadderTarget[] = [];
  if (result.transfers.length) targets.push({ transfer: result.transfers[result.transfers.length - 1]!.id });
  if (result.connections.length) targets.push({ connection: busiest(result) });
  const ladders = [];
  const view = resultView(result);
  for (const t of targets) ladders.push(await buildLadder(file, view, await planTarget(file, view, t), { max: 60 }));
  for (const width of WIDTHS) {
    for (const color of [false, true]) {
      expectFits(renderText(result, { color, width }), width, `${file}: analyze${color ? ' (colour)' : ''}`);
      expectFits(renderOperationLog(ops, { format: 'table', tz: 'utc', color, width }).text, width, `${file}: log`);
    }
    for (const m of ladders) expectFits(renderLadderText(m, { color: false, width }), width, `${file}: ladder ${m.title}`);
    const st = new Styler(true);
    for (const f of result.findings) expectFits(liveFindingText(f, st, width, '12:00:00'), width, `${file}: live finding ${f.id}`);
    for (const t of view.unit.transfers) expectFits(liveTransferText(t, st, '12:00:00', width), width, `${file}: live transfer ${t.t.id}`);
  }
}

/** The connection with the most frames: the longest ladder. */
function busiest(r: AnalysisResult): number {
  let best = r.connections[0]!;
  for (const c of r.connections) if (c.lastFrame - c.firstFrame > best.lastFrame - best.firstFrame) best = c;
  return best.id;
}

describe('cli: every output fits 80 and 100 columns', function () {
  this.timeout(120_000);
  const scratch = scratchDir('ftpdiag-i25-width-');
  after(() => scratch.remove());

  it(`analyze, log, ladder and live's lines for each of the ${captures.length} captures of captures/`, async () => {
    expect(captures.length).to.be.greaterThan(20);
    for (const file of captures) await checkCapture(file);
  });

  corpusIt(`the same for each capture of ../shared/corpus (public and realworld)`, async () => {
    expect(corpus.length).to.be.greaterThan(40);
    for (const file of corpus) await checkCapture(file);
  });

  it('the commands themselves: --width, a terminal of either width, the 100 columns of a pipe', async () => {
    const some = ['vsftpd-ipv6-epsv-eprt.pcap', 'pureftpd-mixed-modes-clean.pcap', 'middlebox-ips-reset-client.pcap'].map((n) => join(projectRoot, 'captures', n));
    for (const width of WIDTHS) {
      for (const file of some) {
        for (const args of [['analyze', file], ['log', file], ['ladder', file, '--transfer', '0'], ['analyze', file, 'port', '21']]) {
          const given = await cli([...args, '--width', String(width)]);
          expect(given.err.split('\n').filter((l) => /internal error/.test(l))).to.deep.equal([]);
          expectFits(given.out, width, `${args.join(' ')} --width ${width}`);
          const tty = await cli(args, { stdoutIsTTY: true, columns: width });
          expectFits(tty.out, width, `${args.join(' ')} on a terminal of ${width}`);
        }
      }
    }
    // --keylog: the decrypted FTPS session, its TLS lines and findings
    const ftps = join(projectRoot, 'captures', 'vsftpd-ftps-lftp.pcap');
    const keys = join(projectRoot, 'captures', 'vsftpd-ftps-lftp.keylog');
    for (const width of WIDTHS) {
      for (const args of [['analyze', ftps], ['log', ftps, '--all'], ['ladder', ftps, '--transfer', '0']]) {
        const r = await cli([...args, '--keylog', keys, '--width', String(width)]);
        expect(r.err.split('\n').filter((l) => /internal error|ftpdiag: --keylog/.test(l))).to.deep.equal([]);
        expectFits(r.out, width, `${args.join(' ')} --keylog at ${width}`);
      }
    }
    // a pipe: 100 columns; a terminal narrower than 80: laid out for 80
    const piped = await cli(['analyze', join(projectRoot, 'captures', 'vsftpd-ipv6-epsv-eprt.pcap')]);
    expectFits(piped.out, 100, 'analyze into a pipe');
    expect(widest(piped.out).width).to.be.greaterThan(80);
    const narrow = await cli(['analyze', join(projectRoot, 'captures', 'vsftpd-ipv6-epsv-eprt.pcap')], { stdoutIsTTY: true, columns: 50 });
    expectFits(narrow.out, 80, 'analyze on a 50-column terminal');
  });

  it('a ladder between long IPv6 addresses names both hosts whole (the labels were clipped: the server was hidden)', async () => {
    const client = '2001:db8:1234:5678:9abc:def0:1234:5678';
    const server = '2001:db8:ffff:eeee:dddd:cccc:bbbb:aaaa';
    const t = new TraceBuilder();
    const c = t.tcp({ client: `[${client}]:40000`, server: `[${server}]:21` });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'USER anna\r\n');
    c.server('PA', '331 password\r\n');
    c.close();
    const file = join(scratch.dir, 'ipv6.pcap');
    t.writePcap(file);
    for (const width of WIDTHS) {
      const r = await cli(['ladder', file, '--connection', '0', '--width', String(width)]);
      expect(r.code, r.err).to.equal(0);
      expectFits(r.out, width, 'IPv6 ladder');
      const text = r.out.replace(/\s+/g, ' ');
      expect(text).to.include(`FTP client [${client}]:40000`).and.include(`FTP server [${server}]:21`);
    }
  });

  it('compare and compare --ladder, for the two-point pairs of captures/ and unrelated pairs', async () => {
    const pairs = captures
      .filter((f) => /middlebox-.*-client\.pcap$/.test(f))
      .map((a) => [a, a.replace(/-client\.pcap$/, '-server.pcap')] as const);
    pairs.push([captures[0]!, captures[1]!], [captures[2]!, captures[3]!]);
    expect(pairs.length).to.be.at.least(4);
    for (const [a, b] of pairs) {
      for (const width of WIDTHS) {
        for (const extra of [[], ['--ladder']]) {
          const r = await cli(['compare', a, b, '--width', String(width), ...extra]);
          expectFits(r.out, width, `compare ${extra.join(' ')} ${a} ${b}`);
        }
      }
    }
  });

  it('regress (table or list, mismatches), codes (catalog, one code, side by side) and rules', async () => {
    for (const width of WIDTHS) {
      const regress = await cli(['regress', join(projectRoot, 'captures'), '--width', String(width), '--jobs', '1']);
      expectFits(regress.out, width, 'regress captures/');
      for (const codes of [[], ['425'], ['125', '426'], ['125', '426', '226', '550'], ['150', '125', '226', '426', '451', '550', '421', '999']]) {
        const r = await cli(['codes', ...codes, '--width', String(width)]);
        expect(r.code).to.equal(0);
        expectFits(r.out, width, `codes ${codes.join(' ')}`);
      }
      expectFits((await cli(['rules', '--width', String(width)])).out, width, 'rules');
      expectFits((await cli(['--help'], { stdoutIsTTY: true, columns: width })).out, width, '--help');
    }
  });

  it("every command's --help with --width 80; on a terminal, and on one that reports no size", async () => {
    for (const name of ['', 'analyze', 'log', 'ladder', 'live', 'regress', 'compare', 'codes', 'rules', 'completion', 'interfaces']) {
      const cmd = name ? [name] : [];
      expectFits((await cli([...cmd, '--help', '--width', '80'])).out, 80, `${name} --help --width 80`);
    }
    for (const name of ['analyze', 'live']) {
      expectFits((await cli([name, '--help'], { stdoutIsTTY: true, columns: 80 })).out, 80, `${name} --help on a terminal`);
      // a pseudo-terminal without a size (script(1) in CI) said 0 columns: yargs then wrapped nothing
      expectFits((await cli([name, '--help'], { stdoutIsTTY: true, columns: 0 })).out, 100, `${name} --help on a terminal of no size`);
    }
  });

  it('the progress line stays within the width of standard error', () => {
    for (const width of [...WIDTHS, 60]) {
      const drawn = new PassThrough();
      let text = '';
      drawn.on('data', (d: Buffer) => (text += d.toString()));
      const p = new ReadProgress({ stderrIsTTY: true, columns: width }, drawn);
      const total = 99_999 * 1e6; // the longest numbers it prints
      p.onProgress(PROGRESS_MIN_BYTES, total);
      p.onProgress(total / 2, total);
      p.stop();
      // each redraw: cursor to column 0, the line, erase to its end
      const lines = text.split(/\r|\n|\x1b\[\d*G|\x1b\[\d*K|\x1b\[\?25[hl]/).filter((l) => l.trim() !== '');
      expect(lines.length).to.be.greaterThan(0);
      for (const l of lines) expect(stringWidth(l), JSON.stringify(l)).to.be.below(width);
      expect(lines.some((l) => l.includes('reading ['))).to.equal(true);
    }
  });
});
