// Scenario: FTPS from a second server (issue 29): proftpd 1.3.8 with mod_tls (Debian's
// proftpd-core and proftpd-mod-crypto, unpacked, not installed), in namespaces i29c-tls-{cli,rtr,
// srv}, with curl and lftp writing key logs through $SSLKEYLOGFILE (the recipe of ftps-tls.ts):
//
//   proftpd-ftps-curl-tls13          curl, TLS 1.3: upload and download, data sessions resumed (clean)
//   proftpd-ftps-lftp-tls12          lftp (GnuTLS), TLS 1.2 only: download and upload (clean)
//   proftpd-ftps-reuse-required      curl --no-sessionid: proftpd requires the data connection's TLS
//                                    session to resume the control connection's (its default, unlike
//                                    vsftpd's require_ssl_reuse it is on unless TLSOptions
//                                    NoSessionReuseRequired) and refuses the transfer its own way

import type { Scenario } from '../lib/context.ts';
import { patternBytes } from '../lib/raw-ftp.ts';
import { startProftpd } from '../lib/servers/proftpd.ts';
import { DOWNLOAD, DOWN_SIZE, curlTrace, ftpsSetup, lftpTrace, type FtpsServerStarter } from './ftps-tls.ts';

const TRACES = ['proftpd-ftps-curl-tls13', 'proftpd-ftps-lftp-tls12', 'proftpd-ftps-reuse-required'];

/** proftpd with mod_tls in the server namespace; `extra`: mod_tls directives (TLSOptions, ...). */
const startTlsProftpd: FtpsServerStarter = (c, extra, port) =>
  startProftpd(c.ctx, {
    host: c.ns.serverAddr,
    port,
    netns: c.ns.server,
    files: { [DOWNLOAD]: patternBytes(DOWN_SIZE) },
    tls: { cert: c.cert, key: c.key, directives: extra },
  });

export const ftpsProftpd: Scenario = {
  name: 'ftps-proftpd',
  title: 'FTPS from proftpd (mod_tls) with key logs: curl TLS 1.3, lftp TLS 1.2, a data connection that does not resume the control session',
  traces: TRACES,
  async run(ctx) {
    const c = ftpsSetup(ctx, 'ftps-proftpd', 'i29c-tls', startTlsProftpd);
    await curlTrace(c, 'proftpd-ftps-curl-tls13', {}, [{ label: 'TLS 1.3, upload and download', args: ['--tlsv1.3'], upload: true }], 'curl resumes the control connection\'s TLS session on each data connection (a TLS 1.3 PSK), as proftpd requires by default');
    await lftpTrace(c, 'proftpd-ftps-lftp-tls12', {}, [{ label: 'lftp, TLS 1.2 only (GnuTLS NORMAL:-VERS-ALL:+VERS-TLS1.2)', priority: 'NORMAL:-VERS-ALL:+VERS-TLS1.2' }]);
    await curlTrace(c, 'proftpd-ftps-reuse-required', {}, [
      { label: 'TLS 1.3, --no-sessionid', args: ['--no-sessionid'], upload: false },
      { label: 'TLS 1.2, --no-sessionid', args: ['--no-sessionid', '--tls-max', '1.2'], upload: false },
    ], 'curl --no-sessionid starts every data connection with a fresh TLS session, which proftpd (session reuse required by default) refuses');
  },
};
