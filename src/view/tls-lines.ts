// FTPS in a session's view: one line per TLS connection of a session (its control connection and
// each data connection), from the facts the FTP stage recorded (Session.tls, Transfer.tlsData):
// version and suite, SNI, resumption, the server certificate when visible, alerts, decryption
// and how it ended. Only wording; wire strings (SNI, certificate names) are clipped here and
// escaped by each output (the text report escapes the whole line).

import type { Session, TlsEnding, Transfer } from '../ftp/types.ts';
import { cipherSuiteName } from '../tls/cipher-suites.ts';
import { versionName } from '../tls/names.ts';
import type { TlsFacts } from '../tls/types.ts';
import { clip } from '../format/words.ts';

/** Longest wire string (SNI, certificate subject) shown in a TLS line. */
const MAX_NAME = 40;

function endingText(e: TlsEnding | null): string {
  if (!e) return '';
  switch (e.verdict) {
    case 'clean':
      return `ended cleanly (close_notify, ${e.closeKind === 'fin' ? 'FIN' : 'RST'} from the ${e.closedBy})`;
    case 'no-close-notify':
      return `closed by a FIN from the ${e.closedBy} without close_notify`;
    case 'reset-after-close-notify':
      return `close_notify, then RST from the ${e.closedBy}`;
    case 'reset':
      return e.resetHarmless ? `RST from the ${e.closedBy} after its side had ended` : `reset by the ${e.closedBy} without close_notify`;
    case 'open':
      return 'still open at the end of the capture';
    case 'unknown':
      return 'ending not visible (bytes missing)';
  }
}

/** One TLS connection of a session in words, field by field (the HTML report's FTPS table) and
 *  as the text report's line. Wire strings (SNI, certificate names) clipped, not escaped. */
export interface TlsRowView {
  label: string; //             'TLS control', 'TLS control (implicit)', 'TLS data, transfer 3'
  transfer: number | null; //   the transfer of a data connection
  protocol: string; //          'TLS 1.3 TLS_AES_256_GCM_SHA384', 'TLS (no ServerHello seen)'
  sni: string | null;
  resumption: string | null; // 'resumed (psk)', 'full handshake (offered ticket)'; null: no ServerHello
  certificate: string | null; // the server's leaf certificate where visible (TLS ≤ 1.2)
  alerts: string[]; //          alerts other than close_notify
  dataFrom: string; //          without keys: which way the data went ('' when unknown or decrypted)
  decryption: string | null; // 'decrypted', 'not decrypted (no-keys-for-connection)'; null without a key log
  ending: string; //            how it ended ('' when unknown)
  line: string; //              all of it as one line (the text report)
}

/** `label: TLS 1.3 TLS_AES_256_GCM_SHA384, SNI x, resumed (psk), cert CN=… (self-signed), alert …, decrypted; ended …`. */
export function tlsRow(label: string, f: TlsFacts, e: TlsEnding | null, transfer: number | null = null, dataFrom = ''): TlsRowView {
  const protocol = f.version === null ? 'TLS (no ServerHello seen)' : `${versionName(f.version)} ${f.cipherSuite === null ? '' : cipherSuiteName(f.cipherSuite)}`.trim();
  const sni = f.clientHello?.sni ? clip(f.clientHello.sni, MAX_NAME) : null;
  const r = f.resumption;
  const resumption = r.accepted === true ? `resumed (${r.how ?? 'session'})` : r.accepted === false ? (r.offered.length ? `full handshake (offered ${r.offered.join(', ')})` : 'full handshake') : null;
  const cert = f.certificates.find((c) => c.from === 'server' && c.index === 0);
  const certificate = cert && cert.error === null ? `${clip(cert.subject, MAX_NAME)}${cert.selfSigned ? ' (self-signed)' : ''}, ${cert.keyType.toUpperCase()} ${cert.keyBits}, until ${cert.validTo.slice(0, 10)}` : null;
  const alerts = f.alerts.filter((a) => a.name !== 'close_notify' && a.name !== 'encrypted').map((a) => `${a.levelName} alert ${a.name} from the ${a.from} (frame ${a.frame})`);
  const dec = f.decryption;
  const decryption = dec.state === 'decrypting' ? (dec.failureCount ? `decrypted, ${dec.failureCount} record(s) failed` : 'decrypted') : dec.state !== 'no-key-log' ? `not decrypted (${dec.state})` : null;
  const ending = endingText(e);
  const parts = [protocol, ...(sni ? [`SNI ${sni}`] : []), ...(resumption ? [resumption] : []), ...(certificate ? [`cert ${certificate}`] : []), ...alerts, ...(dataFrom ? [dataFrom] : []), ...(decryption ? [decryption] : [])];
  return { label, transfer, protocol, sni, resumption, certificate, alerts, dataFrom, decryption, ending, line: `${label}: ${parts.join(', ')}${ending ? `; ${ending}` : ''}` };
}

/** The TLS connections of a session: its control connection, then each data connection of `transfers`. */
export function sessionTlsRows(s: Session, transfers: readonly Transfer[]): TlsRowView[] {
  const rows: TlsRowView[] = [];
  if (s.tls.connection) rows.push(tlsRow(s.tls.implicit ? 'TLS control (implicit)' : 'TLS control', s.tls.connection, s.tls.ending));
  for (const t of transfers) {
    const d = t.tlsData;
    if (t.session !== s.id || !d) continue;
    const from = d.plaintext ? '' : d.dataFrom.from ? `data from the ${d.dataFrom.from} (${d.dataFrom.confidence} confidence)` : '';
    rows.push(tlsRow(`TLS data, transfer ${t.id}`, d.connection, d, t.id, from));
  }
  return rows;
}
