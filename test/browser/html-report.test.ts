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

const CHROMIUM = process.env['FTPDIAG_CHROMIUM'] ?? '/usr/bin/chromium';
const repo = fileURLToPath(new URL('../../', import.meta.url));
const artifacts = join(repo, 'test-artifacts');
const UPLOAD_RST = join(repo, 'captures/vsftpd-upload-rst.pcap');

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

  it('loaded nothing but the report files themselves', () => {
    expect(requests.length).to.be.greaterThan(0);
    for (const url of requests) expect(url, url).to.match(/^file:\/\//);
    expect(consoleErrors, consoleErrors.join('\n')).to.deep.equal([]);
  });
});
