// Short text payloads (FTP command and reply lines) as the comparison shows them (their secrets
// are hidden when they are read: signatures.ts, secret-ranges.ts).

/** The payload's non-empty lines without their CR/LF. */
export function payloadLines(text: string): string[] {
  return text
    .split('\n')
    .map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    .filter((l) => l !== '');
}
