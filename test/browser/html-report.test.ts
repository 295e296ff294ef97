// The HTML report as a person sees it: headless Chromium (Debian's package) opens the file,
// the DOM is queried for the sections and the finding ladders, nothing is fetched, no script
// runs, and a screenshot is kept in test-artifacts/ (gitignored) for a human to look at.

import { expect } from 'chai';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { buildHtmlReport } from '../../src/report/html-report.ts';
import { hostileTrace } from '../report/ladder-traces.ts';
import { analysis } from '../report/support.ts';
import { craftScenario } from '../../src/craft/ftp-scenarios.ts';
import { STACK_PROFILES } from '../../src/craft/stack-profiles.ts';
import { writeManySessions } from '../support/many-sessions.ts';

const CHROMIUM = process.env['FTPDIAG_CHROMIUM'] ?? '/usr/bin/chromium';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const artifacts = join(repo, 'test-artifacts');
const UPLOAD_RST = join(repo, 'captures/vsftpd-upload-rst.pcap');
/** Sessions of the big crafted capture. Analysing 10^5 of them takes ~90 s of CPU, too long for
 *  every run of the suite; the page is bounded whatever the count (its tables and finding lists
 *  are cut), so the suite uses 10^4 and FTPDIAG_BROWSER_SESSIONS=100000 checks the full size. */
const BIG_SESSIONS = Number(process.env['FTPDIAG_BROWSER_SESSIONS'] ?? 10_000);
/** What "loads in a few seconds" and "bounded size" mean for the big page. */
const MAX_LOAD_MS = 5_000;
const MAX_PAGE_BYTES = 4_000_000;

describe('browser: the HTML report in headless Chromium', function () {
  this.timeout(90_000);
  let tmp: string;
  let context: BrowserContext;
  const requests: string[] = [];
  const dialogs: string[] = [];
  const consoleErrors: string[] = [];

  before(async function () {
    if (!existsSync(CHROMIUM)) {
      console.log(`      (skipped: no Chromium at ${CHROMIUM}; apt-get install chromium)`);
      this.skip();
    }
    tmp = mkdtempSync(join(tmpdir(), 'ftpdiag-browser-'));
    mkdirSync(artifacts, { recursive: true });
    // a fresh profile every run: nothing cached, no first-run or sync traffic
    context = await chromium.launchPersistentContext(join(tmp, 'profile'), {
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-background-networking', '--disable-component-update', '--no-first-run', '--disable-gpu', '--disable-quic', '--disable-sync'],
      viewport: { width: 1280, height: 900 },
    });
    context.on('request', (r) => void requests.push(r.url()));
    context.on('page', (p) => {
      p.on('dialog', (d) => {
        dialogs.push(d.message());
        void d.dismiss();
      });
      p.on('console', (m) => {
        if (m.type() === 'error') consoleErrors.push(m.text());
      });
    });
  });

  after(async () => {
    await context?.close();
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  async function open(name: string, html: string): Promise<Page> {
    const file = join(tmp, `${name}.html`);
    writeFileSync(file, html);
    const page = await context.newPage();
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    return page;
  }

  it('shows the sections, a ladder per finding with its frames marked, and the time-sequence graph', async () => {
    const r = await analysis(UPLOAD_RST);
    const page = await open('upload-rst', await buildHtmlReport(UPLOAD_RST, r, { showPasswords: false }));
    const headings = await page.locator('section > h2').allTextContents();
    expect(headings).to.include.members(['Overview', 'Findings', 'Sessions', 'Transfers', 'Data connections', 'Reply codes seen']);
    expect(await page.locator('article.finding').count()).to.equal(r.findings.length);
    for (const [i, f] of r.findings.entries()) {
      const article = page.locator(`#finding-${i}`);
      expect(await article.locator('.fid').textContent()).to.equal(f.id);
      expect(await article.locator('dt', { hasText: 'What to do' }).count()).to.equal(1);
      const ladder = article.locator('svg.ladder');
      expect(await ladder.count(), `${f.id} has a ladder`).to.equal(1);
      // each frame the finding cites is an arrow of the ladder, tagged with the finding's id
      for (const frame of f.frames) {
        const row = ladder.locator(`g.pkt[data-frame="${frame}"]`);
        expect(await row.count(), `frame ${frame}`).to.equal(1);
        expect(await row.locator('text.mk').allTextContents()).to.include(f.id);
      }
      // drawn at a readable size
      const box = await ladder.boundingBox();
      expect(box!.width).to.be.greaterThan(600);
    }
    const tsg = page.locator('svg.tsg');
    expect(await tsg.count()).to.equal(r.transfers.filter((t) => t.dataConnection !== null).length);
    expect(await tsg.first().locator('line.rst').count()).to.be.greaterThan(0);
    expect(await page.locator('#transfers td.outcome').first().textContent()).to.equal(r.transfers[0]!.outcome);
    await page.screenshot({ path: join(artifacts, 'html-report.png'), fullPage: true });
    await page.locator('#finding-0').screenshot({ path: join(artifacts, 'html-report-finding.png') });
    await page.close();
  });

  it('keeps a hostile file name inert: no script runs, no dialog, nothing fetched', async () => {
    const file = join(tmp, 'hostile.pcap');
    writeFileSync(file, hostileTrace());
    const r = await analysis(file);
    const page = await open('hostile', await buildHtmlReport(file, r, { showPasswords: false }));
    expect(await page.locator('script').count()).to.equal(0);
    const argument = await page.locator('#transfers tbody td.mono').nth(1).textContent();
    expect(argument).to.equal('evil\\x1b[2J<script>alert(1)</script>&.txt');
    const commands = await page.locator('table.commands').first().textContent();
    expect(commands).to.include('PASS REDACTED');
    expect(dialogs).to.deep.equal([]);
    await page.screenshot({ path: join(artifacts, 'html-report-hostile.png'), fullPage: true });
    await page.close();
  });

  it('an idle control connection reset by a NAT: the NOOP, the forged RST with its TTL and IP ID, and the silence are drawn', async () => {
    const file = join(tmp, 'nat-idle.pcap');
    craftScenario({ scenario: 'nat-idle', client: STACK_PROFILES.linux, server: STACK_PROFILES.linux, tcpOptions: true, direction: 'download', mode: 'passive' }).writePcap(file);
    const r = await analysis(file);
    const f = r.findings.find((x) => x.id === 'control-idle-timeout')!;
    const page = await open('nat-idle', await buildHtmlReport(file, r, { showPasswords: false }));
    const article = page.locator(`#finding-${r.findings.indexOf(f)}`);
    for (const frame of f.frames) expect(await article.locator(`g.pkt[data-frame="${frame}"] text.mk`).allTextContents(), `frame ${frame}`).to.include(f.id);
    expect((await article.locator('text.pause').allTextContents()).join(' ')).to.match(/silent for \d+\.\d s/);
    expect(await article.locator(`g.pkt[data-frame="${f.frames[f.frames.length - 1]}"] text.ip`).textContent()).to.match(/^ttl \d+ id \d+$/);
    await article.screenshot({ path: join(artifacts, 'html-report-idle-timeout.png') });
    await page.close();
  });

  it(`a big capture (${BIG_SESSIONS.toLocaleString('en-US')} sessions): bounded, loads in seconds, summary by id at the top, unique ids`, async function () {
    this.timeout(Math.max(600_000, BIG_SESSIONS * 10));
    const file = join(tmp, 'big.pcap');
    writeManySessions(file, BIG_SESSIONS);
    const r = await analysis(file);
    expect(r.sessions.length).to.equal(BIG_SESSIONS);
    const html = await buildHtmlReport(file, r, { showPasswords: false });
    expect(Buffer.byteLength(html), 'page size').to.be.below(MAX_PAGE_BYTES);
    const started = Date.now();
    const page = await open('big', html);
    const loadMs = Date.now() - started;
    console.log(`      (${BIG_SESSIONS.toLocaleString('en-US')} sessions, ${r.findings.length.toLocaleString('en-US')} findings: ${(Buffer.byteLength(html) / 1e6).toFixed(2)} MB, loaded in ${loadMs} ms)`);
    expect(loadMs, 'load time').to.be.below(MAX_LOAD_MS);
    // the summary by id is on the first screen, a row per id with its count and a link that lands
    const summary = page.locator('#finding-summary');
    expect((await summary.boundingBox())!.y).to.be.below(900);
    const counts = new Map<string, number>();
    for (const f of r.findings) counts.set(f.id, (counts.get(f.id) ?? 0) + 1);
    const rows = await summary.locator('tbody tr').evaluateAll((trs) => trs.map((tr) => [tr.querySelector('a')!.textContent, tr.querySelector('td.count')!.textContent, tr.querySelector('a')!.getAttribute('href')]));
    expect(rows.map((x) => x[0])).to.have.members([...counts.keys()]);
    for (const [id, n, href] of rows) {
      expect(Number(n!.replace(/,/g, '')), id!).to.equal(counts.get(id!));
      expect(await page.locator(href!).count(), href!).to.equal(1);
    }
    // every element id once; every in-page link lands somewhere
    const ids = await page.evaluate(() => [...document.querySelectorAll('[id]')].map((x) => x.id));
    expect(ids.length - new Set(ids).size, 'duplicate ids').to.equal(0);
    const broken = await page.evaluate(() => [...document.querySelectorAll('a[href^="#"]')].map((a) => a.getAttribute('href')!.slice(1)).filter((id) => !document.getElementById(id)));
    expect(broken).to.deep.equal([]);
    // grouped: a few findings of each id in full, the rest in a table
    expect(await page.locator('article.finding').count()).to.be.at.most(counts.size * 3);
    await page.screenshot({ path: join(artifacts, 'html-report-big.png') });
    // a group: its first findings in full, the others behind one line
    await page.locator('.fgroup').first().screenshot({ path: join(artifacts, 'html-report-big-group.png') });
    await page.close();
  });

  it('loaded nothing but the report files themselves', () => {
    expect(requests.length).to.be.greaterThan(0);
    for (const url of requests) expect(url, url).to.match(/^file:\/\//);
    expect(consoleErrors, consoleErrors.join('\n')).to.deep.equal([]);
  });
});
