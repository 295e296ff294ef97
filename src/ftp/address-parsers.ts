// Parsers for the data-connection endpoints FTP announces on the control channel: PORT, EPRT and
// LPRT arguments (active mode) and the 227, 228 and 229 replies (passive mode). Each returns null
// for anything malformed or out of range: the wire is untrusted. Addresses come back in the same
// text form the decoder gives Connection endpoints (dotted quad, RFC 5952 IPv6), so they can be
// compared as strings.

import { formatAddress } from '../decode/packet.ts';

export interface AnnouncedEndpoint {
  family: 4 | 6;
  addr: string | null; // null when the announcement leaves the address out (EPSV: use the control peer)
  port: number; //       1..65535
}

const MAX_DIGITS = 3; // h1..h4 / p1 / p2 are decimal bytes: more digits is malformed, not just large

/** Parses a list of decimal byte values separated by commas (spaces around them tolerated).
 *  Returns null if an element is not 1–3 digits or exceeds 255. */
function byteList(text: string): number[] | null {
  const parts = text.split(',');
  const out: number[] = [];
  for (const raw of parts) {
    const p = raw.trim();
    if (p.length === 0 || p.length > MAX_DIGITS) return null;
    let v = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i) - 48;
      if (c < 0 || c > 9) return null;
      v = v * 10 + c;
    }
    if (v > 255) return null;
    out.push(v);
  }
  return out;
}

/** Dotted-quad text from four byte values. */
function quad(b: readonly number[], at = 0): string {
  return `${b[at]}.${b[at + 1]}.${b[at + 2]}.${b[at + 3]}`;
}

/** Validates and normalizes IPv4 dotted-quad text ('010.0.0.1' → '10.0.0.1'); null if invalid. */
export function normalizeIpv4(text: string): string | null {
  const parts = text.split('.');
  if (parts.length !== 4) return null;
  const bytes = byteList(parts.join(','));
  return bytes ? quad(bytes) : null;
}

/** Validates IPv6 text (RFC 4291 §2.2, with an optional trailing dotted quad) and returns it in
 *  RFC 5952 form, the decoder's; null if invalid. A zone suffix ('%eth0') is dropped. */
export function normalizeIpv6(text: string): string | null {
  let t = text;
  const zone = t.indexOf('%');
  if (zone >= 0) t = t.slice(0, zone);
  if (t.length < 2 || t.length > 45) return null;
  const bytes = Buffer.alloc(16);
  const lastColon = t.lastIndexOf(':');
  if (lastColon < 0) return null;
  if (t.indexOf('.', lastColon) > 0) {
    // embedded IPv4 ('::ffff:192.0.2.1'): rewrite the quad as two hex groups
    const v4 = normalizeIpv4(t.slice(lastColon + 1));
    if (!v4) return null;
    const q = v4.split('.').map(Number);
    t = `${t.slice(0, lastColon + 1)}${((q[0]! << 8) | q[1]!).toString(16)}:${((q[2]! << 8) | q[3]!).toString(16)}`;
  }
  const halves = t.split('::');
  if (halves.length > 2) return null;
  const group = (s: string): number[] | null => {
    if (s === '') return [];
    const out: number[] = [];
    for (const g of s.split(':')) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  const head = group(halves[0]!);
  const rest = halves.length === 2 ? group(halves[1]!) : [];
  if (!head || !rest) return null;
  const right = rest;
  const total = head.length + right.length;
  if (halves.length === 1 ? total !== 8 : total > 7) return null;
  const groups = [...head, ...new Array<number>(8 - total).fill(0), ...right];
  for (let i = 0; i < 8; i++) bytes.writeUInt16BE(groups[i]!, i * 2);
  return formatAddress(bytes, 0, 16);
}

/** Port from its two decimal bytes; null for port 0 (never a listening endpoint). */
function portOf(hi: number, lo: number): number | null {
  const p = hi * 256 + lo;
  return p === 0 ? null : p;
}

// PORT 192,168,1,2,7,138                         (RFC 959 §4.1.2: h1,h2,h3,h4,p1,p2)
/** Parses the argument of PORT. */
export function parsePort(arg: string): AnnouncedEndpoint | null {
  const b = byteList(arg);
  if (!b || b.length !== 6) return null;
  const port = portOf(b[4]!, b[5]!);
  return port === null ? null : { family: 4, addr: quad(b), port };
}

// 227 Entering Passive Mode (192,168,1,2,19,137).
/** Parses a 227 reply's text. RFC 959 fixes no format for the numbers, so, like curl and
 *  Wireshark, take the first run of six comma-separated numbers anywhere in the text. */
export function parse227(text: string): AnnouncedEndpoint | null {
  const m = /(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})\s*,\s*(\d{1,3})/.exec(text);
  if (!m) return null;
  return parsePort(m.slice(1, 7).join(','));
}

// EPRT |1|132.235.1.2|6275|     EPRT |2|1080::8:800:200C:417A|5282|      (RFC 2428 §2)
/** Parses the argument of EPRT: <d><net-prt><d><net-addr><d><tcp-port><d>, any delimiter in
 *  ASCII 33–126; net-prt 1 = IPv4, 2 = IPv6. */
export function parseEprt(arg: string): AnnouncedEndpoint | null {
  const t = arg.trim();
  if (t.length < 7 || t.length > 80) return null;
  const d = t[0]!;
  const code = d.charCodeAt(0);
  if (code < 33 || code > 126) return null;
  const parts = t.split(d);
  if (parts.length !== 5 || parts[0] !== '' || parts[4] !== '') return null;
  const [, af, addrText, portText] = parts as [string, string, string, string, string];
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535) return null;
  if (af === '1') {
    const addr = normalizeIpv4(addrText);
    return addr ? { family: 4, addr, port } : null;
  }
  if (af === '2') {
    const addr = normalizeIpv6(addrText);
    return addr ? { family: 6, addr, port } : null;
  }
  return null;
}

// 229 Entering Extended Passive Mode (|||6446|)                             (RFC 2428 §3)
/** Parses a 229 reply's text: the port between the parentheses, address fields empty. Servers
 *  that fill the protocol/address fields anyway are accepted (the address is still ignored by
 *  clients: the data connection goes to the control connection's peer). */
export function parse229(text: string): AnnouncedEndpoint | null {
  const open = text.indexOf('(');
  if (open < 0) return null;
  const close = text.indexOf(')', open);
  if (close < 0 || close - open > 80) return null;
  const inner = text.slice(open + 1, close);
  if (inner.length < 5) return null;
  const d = inner[0]!;
  const code = d.charCodeAt(0);
  if (code < 33 || code > 126) return null;
  const parts = inner.split(d);
  if (parts.length !== 5 || parts[0] !== '' || parts[4] !== '') return null;
  const portText = parts[3]!;
  if (!/^\d{1,5}$/.test(portText)) return null;
  const port = Number(portText);
  if (port < 1 || port > 65535) return null;
  const family = parts[1] === '2' ? 6 : 4;
  return { family, addr: null, port };
}

// LPRT 4,4,132,235,1,2,2,24,131          LPRT 6,16,<16 address bytes>,2,<2 port bytes>  (RFC 1639 §2)
/** Parses the argument of LPRT (and the numbers of a 228 reply): af, hal, h1…hal, pal, p1…pal. */
export function parseLprt(arg: string): AnnouncedEndpoint | null {
  const b = byteList(arg);
  if (!b || b.length < 2) return null;
  const af = b[0]!;
  const hal = b[1]!;
  if (!((af === 4 && hal === 4) || (af === 6 && hal === 16))) return null;
  if (b.length < 2 + hal + 1) return null;
  const pal = b[2 + hal]!;
  if (pal < 1 || pal > 2 || b.length !== 3 + hal + pal) return null;
  const pb = b.slice(3 + hal);
  const port = pal === 2 ? portOf(pb[0]!, pb[1]!) : portOf(0, pb[0]!);
  if (port === null) return null;
  if (af === 4) return { family: 4, addr: quad(b, 2), port };
  return { family: 6, addr: formatAddress(Buffer.from(b.slice(2, 18)), 0, 16), port };
}

// 228 Entering Long Passive Mode (4,4,132,235,1,2,2,24,131)                  (RFC 1639 §3)
/** Parses a 228 reply's text: the LPRT-style number list inside the parentheses. */
export function parse228(text: string): AnnouncedEndpoint | null {
  const m = /\(([\d\s,]{1,200})\)/.exec(text);
  return m ? parseLprt(m[1]!) : null;
}
