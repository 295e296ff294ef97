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

/** `label: TLS 1.3 TLS_AES_256_GCM_SHA384, SNI x, resumed (psk), cert CN=… (self-signed), alert …, decrypted; ended …`. */
export function tlsLine(label: string, f: TlsFacts, e: TlsEnding | null, extra = ''): string {
  const parts: string[] = [];
  parts.push(f.version === null ? 'TLS (no ServerHello seen)' : `${versionName(f.version)} ${f.cipherSuite === null ? '' : cipherSuiteName(f.cipherSuite)}`.trim());
  if (f.clientHello?.sni) parts.push(`SNI ${clip(f.clientHello.sni, MAX_NAME)}`);
  const r = f.resumption;
  if (r.accepted === true) parts.push(`resumed (${r.how ?? 'session'})`);
  else if (r.accepted === false) parts.push(r.offered.length ? `full handshake (offered ${r.offered.join(', ')})` : 'full handshake');
  const cert = f.certificates.find((c) => c.from === 'server' && c.index === 0);
  if (cert && cert.error === null) parts.push(`cert ${clip(cert.subject, MAX_NAME)}${cert.selfSigned ? ' (self-signed)' : ''}, ${cert.keyType.toUpperCase()} ${cert.keyBits}, until ${cert.validTo.slice(0, 10)}`);
  for (const a of f.alerts) if (a.name !== 'close_notify' && a.name !== 'encrypted') parts.push(`${a.levelName} alert ${a.name} from the ${a.from} (frame ${a.frame})`);
  if (extra) parts.push(extra);
  const dec = f.decryption;
  if (dec.state === 'decrypting') parts.push(dec.failureCount ? `decrypted, ${dec.failureCount} record(s) failed` : 'decrypted');
  else if (dec.state !== 'no-key-log') parts.push(`not decrypted (${dec.state})`);
  const end = endingText(e);
  return `${label}: ${parts.join(', ')}${end ? `; ${end}` : ''}`;
}

/** The TLS lines of a session: its control connection, then each data connection of `transfers`. */
export function sessionTlsLines(s: Session, transfers: readonly Transfer[]): string[] {
  const lines: string[] = [];
  if (s.tls.connection) lines.push(tlsLine(s.tls.implicit ? 'TLS control (implicit)' : 'TLS control', s.tls.connection, s.tls.ending));
  for (const t of transfers) {
    const d = t.tlsData;
    if (t.session !== s.id || !d) continue;
    const from = d.plaintext ? '' : d.dataFrom.from ? `data from the ${d.dataFrom.from} (${d.dataFrom.confidence} confidence)` : '';
    lines.push(tlsLine(`TLS data, transfer ${t.id}`, d.connection, d, from));
  }
  return lines;
}
