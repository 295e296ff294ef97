// Escaping for the HTML report and its inline SVG. A string from the wire (a file name, a reply
// text, a user name) first loses its control characters (escapeWire: ESC[2J shows as \x1b[2J),
// then its markup characters, so `<script>` in a RETR argument prints as text and can close no
// element or attribute. Quotes are escaped too: the same function serves attribute values.

import { escapeWire } from './escape.ts';

const HTML_SPECIAL = /[&<>"']/g;
const ENTITY: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Markup-safe text for element content and quoted attribute values. */
export function escapeHtml(s: string): string {
  return s.replace(HTML_SPECIAL, (ch) => ENTITY[ch]!);
}

/** A wire-derived string, terminal- and markup-safe. */
export function wireHtml(s: string): string {
  return escapeHtml(escapeWire(s));
}
