// Small parsers for the reply texts whose content the session state needs: sizes (150, 213) and
// directory names (257). Each returns null for anything malformed or out of range.

/** Byte counts above this are not believed (2^53: beyond it a JS number loses integers). */
const MAX_SIZE_DIGITS = 15;

function sizeFromDigits(d: string): number | null {
  if (d.length === 0 || d.length > MAX_SIZE_DIGITS) return null;
  return Number(d);
}

// 150 Opening BINARY mode data connection for file.bin (1048576 bytes).
// 150 Opening data channel for file download from server of "/f.bin" (1048576 Bytes)   (FileZilla-like)
/** The size a 150 (or 125) reply announces as "(N bytes)"; null when it announces none. */
export function parse150Size(text: string): number | null {
  const m = /\(\s*(\d+)\s+bytes?\s*\)/i.exec(text);
  return m ? sizeFromDigits(m[1]!) : null;
}

// 213 1048576                                                         (RFC 3659 §4.2, reply to SIZE)
/** The size in a 213 reply to SIZE: the whole text must be the decimal number. */
export function parse213Size(text: string): number | null {
  const t = text.trim();
  return /^\d+$/.test(t) ? sizeFromDigits(t) : null;
}

// 257 "/usr/dm" created.            257 "/a ""quoted"" dir" is current directory.   (RFC 959 §7 appendix II)
/** The directory name in a 257 reply: between the first quote and its closing quote, with a
 *  doubled quote standing for one. Servers that leave the quotes out (a few old ones) get their
 *  first word if it is an absolute path. Null otherwise. */
export function parse257(text: string): string | null {
  const open = text.indexOf('"');
  if (open < 0) {
    const word = text.trim().split(/\s+/)[0] ?? '';
    return word.startsWith('/') ? word : null;
  }
  let out = '';
  for (let i = open + 1; i < text.length; i++) {
    const c = text[i]!;
    if (c !== '"') {
      out += c;
      continue;
    }
    if (text[i + 1] === '"') {
      out += '"';
      i++;
      continue;
    }
    return out;
  }
  return null; // no closing quote
}
