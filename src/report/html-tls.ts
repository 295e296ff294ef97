// The HTML report's FTPS section: per session, one row per TLS connection (its control connection,
// then each data connection) with what the text report's TLS lines say — version and suite, SNI,
// resumption, the server certificate where visible, alerts, which way the data went without keys,
// decryption, how it ended — field by field from the session view (view/tls-lines.ts). Nothing is
// worked out here; strings from the wire (SNI, certificate names) go through wireHtml.

import { wireHtml as h, escapeHtml as e } from './html-escape.ts';
import type { ResultView } from '../view/result.ts';
import type { TlsRowView } from '../view/tls-lines.ts';

const HEAD = ['Connection', 'Protocol', 'SNI', 'Resumption', 'Server certificate', 'Alerts', 'Data', 'Decryption', 'Ended'];

function row(r: TlsRowView): string {
  const cells = [
    e(r.label),
    `<span class="mono">${e(r.protocol)}</span>`,
    r.sni === null ? '–' : `<span class="mono">${h(r.sni)}</span>`,
    r.resumption === null ? '–' : e(r.resumption),
    r.certificate === null ? '–' : h(r.certificate),
    r.alerts.length ? r.alerts.map((a) => e(a)).join('<br>') : '–',
    r.dataFrom ? e(r.dataFrom) : '–',
    r.decryption === null ? 'no key log' : e(r.decryption),
    r.ending ? e(r.ending) : '–',
  ];
  return `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`;
}

/** '' when no session used TLS (the page then has no FTPS section and no link to it). */
export function ftpsSection(v: ResultView): string {
  const sessions = v.unit.sessions.filter((sv) => sv.tlsRows.length > 0);
  if (sessions.length === 0) return '';
  const tables = sessions.map(
    (sv) => `<h3>${e(sv.label)}</h3>
<table class="tls"><thead><tr>${HEAD.map((x) => `<th>${x}</th>`).join('')}</tr></thead><tbody>${sv.tlsRows.map(row).join('\n')}</tbody></table>`,
  );
  return `<section id="ftps"><h2>FTPS (TLS)</h2>
${tables.join('\n')}
</section>`;
}

/** The navigation link to the section, '' when there is none. */
export function ftpsNavLink(v: ResultView): string {
  return v.unit.sessions.some((sv) => sv.tlsRows.length > 0) ? '<a href="#ftps">FTPS</a>' : '';
}
