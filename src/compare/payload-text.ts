// Short text payloads (FTP command and reply lines) as the comparison shows them: PASS arguments
// redacted unless the user asked to see them, as everywhere else in ftpdiag.
//
//   "PASS s3cret\r\n"  →  "PASS REDACTED\r\n"

import { isSecretVerb, REDACTED } from '../diagnose/facts.ts';

function redactLine(l: string): string {
  const sp = l.indexOf(' ');
  if (sp < 0 || !isSecretVerb(l.slice(0, sp).toUpperCase())) return l;
  return `${l.slice(0, sp)} ${REDACTED}${l.endsWith('\r') ? '\r' : ''}`;
}

/** The payload text with secret arguments redacted (line structure and CRLFs kept). */
export function redactPayload(text: string, showPasswords: boolean): string {
  return showPasswords ? text : text.split('\n').map(redactLine).join('\n');
}

/** The payload's non-empty lines without their CR/LF. */
export function payloadLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l !== '');
}
