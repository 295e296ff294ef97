// The one escaper every wire-derived string passes through before it reaches a terminal: a file
// name holding ESC[2J must print as text, not clear the screen.
//
// Escaped: C0 controls (tab, CR and LF included: wire strings are single-line fields here), DEL,
// C1 controls (U+0080–U+009F, which some terminals treat like ESC sequences) as \xNN; Unicode
// bidirectional and line/paragraph separators (which can reorder or break what the user reads)
// as \u{XXXX}. A backslash is left alone: paths like C:\dir stay readable.

/** The characters escapeWire escapes, as the inside of a regular expression's character class. */
export const UNSAFE_CHARS = '\\u0000-\\u001f\\u007f-\\u009f\\u061c\\u200e\\u200f\\u2028\\u2029\\u202a-\\u202e\\u2066-\\u2069\\ufeff';
const UNSAFE = new RegExp(`[${UNSAFE_CHARS}]`, 'g');

export function escapeWire(s: string): string {
  return s.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u{${code.toString(16).toUpperCase()}}`;
  });
}

/** Whether a string would be changed by escapeWire (tests, and to skip work). */
export function needsEscape(s: string): boolean {
  UNSAFE.lastIndex = 0;
  const hit = UNSAFE.test(s);
  UNSAFE.lastIndex = 0;
  return hit;
}

// JSON.stringify already writes C0 as \u00XX; these it leaves raw.
// eslint-disable-next-line no-control-regex
const JSON_UNSAFE = /[\u007f-\u009f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069\ufeff]/g;

/** Makes serialized JSON terminal-safe: the characters above can only sit inside JSON strings, so
 *  rewriting them as \uXXXX escapes keeps the document equal when parsed. */
export function escapeJsonText(json: string): string {
  return json.replace(JSON_UNSAFE, (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
