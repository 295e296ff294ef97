// Zeek's ASCII log format, as zeek-cut and every Zeek log reader expect it:
//
//   #separator \x09
//   #set_separator	,
//   #empty_field	(empty)
//   #unset_field	-
//   #path	conn
//   #open	2026-12-06-13-25-01
//   #fields	ts	uid	id.orig_h	…
//   #types	time	string	addr	…
//   1700000000.010000	C…	192.0.2.10	…
//   #close	2026-12-06-13-25-02
//
// Values: a field without a value is the unset mark '-', an empty string or set '(empty)'; a
// string that is exactly one of those marks has its first byte written as \xNN, as Zeek does, so
// a reader never mistakes it. Strings are wire bytes: every byte that is not printable ASCII (tabs,
// newlines, ESC, non-ASCII), and the backslash that starts an escape, is written as \xNN, so
// a line always holds exactly one record and a value can be read back unchanged; in a set the
// set separator is escaped too. Times and intervals have six decimals.

import { zeekStamp, zeekTime } from './times.ts';

export type ZeekType = 'time' | 'interval' | 'string' | 'enum' | 'addr' | 'port' | 'count' | 'bool' | 'set[string]';
export type ZeekValue = string | number | boolean | readonly string[] | null; // null: unset

export interface ZeekColumn {
  name: string;
  type: ZeekType;
}

const SEPARATOR = '\t';
const SET_SEPARATOR = ',';
const EMPTY = '(empty)';
const UNSET = '-';

const hex = (b: number) => `\\x${b.toString(16).padStart(2, '0')}`;

/** A string's bytes (UTF-8) with everything outside printable ASCII, and '\', as \xNN; `extra`
 *  is one more character to escape (the set separator inside a set). */
export function zeekEscape(s: string, extra = ''): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    out += b < 0x20 || b > 0x7e || b === 0x5c || (extra !== '' && b === extra.charCodeAt(0)) ? hex(b) : String.fromCharCode(b);
  }
  return out;
}

function stringValue(s: string, extra = ''): string {
  if (s === '') return EMPTY;
  const e = zeekEscape(s, extra);
  // the marks themselves, as data: the first byte escaped
  if (e === UNSET || e === EMPTY) return hex(e.charCodeAt(0)) + e.slice(1);
  return e;
}

function value(v: ZeekValue, type: ZeekType): string {
  if (v === null) return UNSET;
  switch (type) {
    case 'time':
    case 'interval':
      return zeekTime(v as number);
    case 'count':
    case 'port':
      return String(Math.trunc(v as number));
    case 'bool':
      return v ? 'T' : 'F';
    case 'set[string]': {
      const xs = v as readonly string[];
      return xs.length === 0 ? EMPTY : xs.map((x) => stringValue(x, SET_SEPARATOR)).join(SET_SEPARATOR);
    }
    default:
      return stringValue(String(v));
  }
}

/** One log file's text, written header, rows, close. */
export class ZeekLogWriter {
  private readonly lines: string[] = [];
  rows = 0;

  constructor(
    readonly path: string, //  'conn', 'ftp'
    private readonly columns: readonly ZeekColumn[],
    opened: Date,
  ) {
    this.lines.push(
      `#separator ${hex(SEPARATOR.charCodeAt(0))}`,
      `#set_separator${SEPARATOR}${SET_SEPARATOR}`,
      `#empty_field${SEPARATOR}${EMPTY}`,
      `#unset_field${SEPARATOR}${UNSET}`,
      `#path${SEPARATOR}${path}`,
      `#open${SEPARATOR}${zeekStamp(opened)}`,
      `#fields${SEPARATOR}${columns.map((c) => c.name).join(SEPARATOR)}`,
      `#types${SEPARATOR}${columns.map((c) => c.type).join(SEPARATOR)}`,
    );
  }

  /** One record: a value per column, in column order. */
  row(values: readonly ZeekValue[]): void {
    if (values.length !== this.columns.length) throw new Error(`${this.path}.log: ${values.length} values for ${this.columns.length} columns`);
    this.lines.push(values.map((v, i) => value(v, this.columns[i]!.type)).join(SEPARATOR));
    this.rows++;
  }

  /** The whole file, with its #close line. */
  text(closed: Date): string {
    return [...this.lines, `#close${SEPARATOR}${zeekStamp(closed)}`].join('\n') + '\n';
  }
}
