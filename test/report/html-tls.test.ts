// The HTML report's FTPS section (issue 29): every TLS fact the text report's TLS lines give, per
// session and per data connection — version and suite, SNI, resumption, certificate, alerts,
// decryption, how it ended — is on the page, taken from the same session view (no second
// working-out), wire strings escaped; a capture without TLS has no such section.

import { expect } from 'chai';
import { join } from 'node:path';
import { buildHtmlReport } from '../../src/report/html-report.ts';
import { escapeHtml, wireHtml } from '../../src/report/html-escape.ts';
import { renderText } from '../../src/report/text.ts';
import { resultView } from '../../src/view/result.ts';
import { Ftps } from '../field/ftps-support.ts';
import { analyzeTrace } from '../field/support.ts';
import { projectRoot } from '../support/trace-files.ts';
import { analysis } from './support.ts';

describe('report/html: FTPS section', function () {
  this.timeout(30000);

  for (const version of ['TLSv1.2', 'TLSv1.3'] as const) {
    it(`${version}: each TLS connection's facts as the text report says them, with keys and without; the SNI escaped`, async () => {
      const f = await new Ftps({ version, sni: 'ftp.<b>evil</b>.example' }).login();
      await f.transfer('RETR a.bin', { bytes: 9000 });
      await f.transfer('STOR b.bin', { bytes: 2000, end: 'lftp' });
      await f.transfer('RETR c.bin', { resume: false, reuseRequired: true });
      await f.quit('vsftpd');
      for (const r of [analyzeTrace(f.t), analyzeTrace(f.t, { keyLog: f.keyLog() })]) {
        const html = await buildHtmlReport(null, r, { showPasswords: false });
        const text = renderText(r, { color: false, width: 400 });
        const rows = resultView(r, { showPasswords: false }).unit.sessions.flatMap((sv) => sv.tlsRows);
        expect(rows.map((x) => x.label)).to.deep.equal(['TLS control', 'TLS data, transfer 0', 'TLS data, transfer 1', 'TLS data, transfer 2']);
        expect(html).to.include('<section id="ftps"><h2>FTPS (TLS)</h2>').and.to.include('<a href="#ftps">FTPS</a>');
        const section = html.slice(html.indexOf('<section id="ftps">'), html.indexOf('</section>', html.indexOf('<section id="ftps">')));
        for (const x of rows) {
          // the text report's line is made of the same fields
          expect(text).to.include(x.line);
          for (const v of [x.protocol, x.resumption, x.decryption ?? 'no key log', x.ending, x.dataFrom || '–', ...x.alerts]) expect(section, `${x.label}: ${v}`).to.include(escapeHtml(v!));
          expect(section).to.include(wireHtml(x.sni!));
        }
        expect(rows[0]!.protocol).to.match(version === 'TLSv1.3' ? /^TLS 1\.3 TLS_AES_/ : /^TLS 1\.2 TLS_ECDHE_RSA_WITH_/);
        expect(rows.map((x) => x.resumption?.split(' (')[0])).to.deep.equal(['full handshake', 'resumed', 'resumed', 'full handshake']);
        expect(section).to.not.include('<b>evil</b>');
        expect(section).to.include('ftp.&lt;b&gt;evil&lt;/b&gt;.example');
      }
      f.destroy();
    });
  }

  it('a capture without TLS has no FTPS section', async () => {
    const r = await analysis(join(projectRoot, 'captures', 'vsftpd-passive-clean.pcap'));
    const html = await buildHtmlReport(null, r, { showPasswords: false });
    expect(html).to.not.include('id="ftps"');
    expect(html).to.not.include('href="#ftps"');
  });
});
