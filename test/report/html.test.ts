import { expect } from 'chai';
import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { escapeHtml, wireHtml } from '../../src/report/html-escape.ts';
import { buildHtmlReport } from '../../src/report/html-report.ts';
import { niceTicks } from '../../src/report/time-sequence-svg.ts';
import { cli } from '../support/cli.ts';
import { HOSTILE_NAME, SECRET, hostileTrace } from './ladder-traces.ts';
import { analysis } from './support.ts';

const captures = fileURLToPath(new URL('../../captures/', import.meta.url));
const UPLOAD_RST = join(captures, 'vsftpd-upload-rst.pcap');
const LOSS = join(captures, 'vsftpd-netns-packet-loss.pcap');

const count = (s: string, re: RegExp) => [...s.matchAll(re)].length;

describe('report/html', function () {
  let tmp: string;
  let hostile: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'ftpdiag-html-'));
    hostile = join(tmp, 'hostile.pcap');
    writeFileSync(hostile, hostileTrace());
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  it('escapes markup and control characters', () => {
    expect(escapeHtml(`<a href="x">'&'</a>`)).to.equal('&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;');
    expect(wireHtml('a\x1b[2J<script>')).to.equal('a\\x1b[2J&lt;script&gt;');
  });

  it('has every section, and a ladder for each finding that cites packets', async () => {
    const r = await analysis(UPLOAD_RST);
    const html = await buildHtmlReport(UPLOAD_RST, r, { showPasswords: false });
    for (const id of ['overview', 'findings', 'sessions', 'transfers', 'time-sequence', 'replies']) expect(html).to.include(`<section id="${id}">`);
    expect(count(html, /<article class="finding /g)).to.equal(r.findings.length);
    const drawable = r.findings.filter((f) => f.frames.length > 0 && (f.transfer ?? f.connection ?? f.session) !== null);
    expect(count(html, /<svg class="ladder"/g)).to.equal(drawable.length);
    // the upload-reset ladder marks its frames
    const f = r.findings.find((x) => x.id === 'upload-reset')!;
    const article = html.slice(html.indexOf('data-id="upload-reset"'));
    for (const frame of f.frames) expect(article).to.match(new RegExp(`<g class="pkt" data-frame="${frame}">(?:(?!</g>).)*>upload-reset</text>`));
    // one time-sequence graph per data connection, the RST marked in it
    const dataConns = new Set(r.transfers.map((t) => t.dataConnection).filter((x) => x !== null));
    expect(count(html, /<svg class="tsg"/g)).to.equal(dataConns.size);
    const reset = r.connections.find((c) => c.reset)!;
    expect(html).to.include(`RST from ${reset.reset!.by === r.transfers[0]!.dataSides?.counted ? 'sender' : 'receiver'} (frame ${reset.reset!.frame})`);
  });

  it('is self-contained: no script, no external reference, a CSP that forbids loading', async () => {
    const r = await analysis(UPLOAD_RST);
    const html = await buildHtmlReport(UPLOAD_RST, r, { showPasswords: false });
    expect(html).to.match(/<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">/);
    expect(html).to.not.match(/<script|<link|<img|<iframe|@import|url\(|src=/i);
    // the only href values are in-page anchors
    for (const m of html.matchAll(/href="([^"]*)"/g)) expect(m[1]).to.match(/^#/);
  });

  it('shows a hostile file name as inert text and redacts PASS', async () => {
    const r = await analysis(hostile);
    const html = await buildHtmlReport(hostile, r, { showPasswords: false });
    expect(html).to.not.include('\x1b');
    expect(html).to.not.match(/<script/i);
    expect(html).to.include('evil\\x1b[2J&lt;script&gt;alert(1)&lt;/script&gt;&amp;.txt');
    expect(html).to.include('220 hello &lt;b&gt;server&lt;/b&gt;');
    expect(html).to.not.include(SECRET);
    expect(html).to.include('PASS REDACTED');
    expect(r.transfers[0]!.argument).to.equal(HOSTILE_NAME);
    const shown = await buildHtmlReport(hostile, await analysis(hostile, true), { showPasswords: true });
    expect(shown).to.include(`PASS ${SECRET}`);
  });

  it('marks retransmissions in the time-sequence graph when the connection has them', async () => {
    const r = await analysis(LOSS);
    const html = await buildHtmlReport(LOSS, r, { showPasswords: false });
    const resent = r.transfers.filter((t) => {
      const c = r.connections.find((x) => x.id === t.dataConnection);
      const ev = c?.events ?? {};
      return (ev['retransmission']?.count ?? 0) + (ev['out-of-order']?.count ?? 0) + (ev['fast-retransmission']?.count ?? 0) > 0;
    });
    expect(resent.length, 'the lossy trace has retransmissions').to.be.greaterThan(0);
    for (const t of resent) {
      const fig = html.slice(html.indexOf(`id="tsg-${t.dataConnection}"`));
      expect(fig.slice(0, fig.indexOf('</figure>'))).to.include('<path class="retrans"');
    }
  });

  it('analyze --html writes the file; standard input gets a page without drawings', async () => {
    const out = join(tmp, 'report.html');
    const plain = await cli(['analyze', UPLOAD_RST]);
    const run = await cli(['analyze', UPLOAD_RST, '--html', out]);
    expect(run.code).to.equal(plain.code);
    expect(run.out).to.equal(plain.out);
    expect(existsSync(out)).to.equal(true);
    expect(readFileSync(out, 'utf8')).to.include('<svg class="ladder"');
    const fromStdin = join(tmp, 'stdin.html');
    const piped = await cli(['analyze', '-', '--html', fromStdin], { stdin: Readable.from([readFileSync(UPLOAD_RST)]) });
    expect(piped.code).to.equal(plain.code);
    const page = readFileSync(fromStdin, 'utf8');
    expect(page).to.include('standard input').and.not.include('<svg class="ladder"');
    expect(page).to.include('<section id="findings">');
    const bad = await cli(['analyze', UPLOAD_RST, '--html', join(tmp, 'no/such/dir/x.html')]);
    expect(bad.code).to.equal(2);
    expect(bad.err).to.include('cannot write the HTML report');
  });

  it('picks round axis ticks', () => {
    expect(niceTicks(0, 1)).to.deep.equal([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(0, 49153, 6)).to.deep.equal([0, 10000, 20000, 30000, 40000]);
    expect(niceTicks(0.0313, 0.0382, 7).every((v) => Math.abs(v * 1e3 - Math.round(v * 1e3)) < 1e-9)).to.equal(true);
  });
});
