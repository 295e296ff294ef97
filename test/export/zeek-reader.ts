// A reader of Zeek's ASCII logs written here from the format's documented rules (Zeek's manual,
// "Logging Framework", ASCII writer; zeek-cut(1)), not from ftpdiag's writer, so that the tests
// check the writer against the rules a Zeek tool applies:
//
// - header lines start with '#'; the first, '#separator <sep>', gives the field separator with
//   \xNN escapes (then every other header line is split on it): '#set_separator', '#empty_field',
//   '#unset_field', '#path', '#open', '#fields' (the column names), '#types', and '#close';
// - a data line holds one value per column, split on the separator;
// - a value equal to the unset mark is unset, one equal to the empty mark is an empty string or
//   set; a set's elements are split on the set separator; \xNN stands for the byte NN.
//
// zeekCut() does what zeek-cut does with a list of column names: prints those columns of every
// data line in the order asked, joined by the separator (-n: every column but those; -c: with the
// header lines, #fields and #types cut the same way).

export interface ZeekHeader {
  separator: string;
  setSeparator: string;
  emptyField: string;
  unsetField: string;
  path: string;
  open: string;
  close: string | null;
  fields: string[];
  types: string[];
}

export type ZeekParsed = string | number | boolean | string[] | null;

const unhex = (s: string): string => s.replace(/\\x([0-9a-fA-F]{2})/g, (_, h: string) => String.fromCharCode(parseInt(h, 16)));

/** \xNN escapes decoded to bytes, the bytes read as UTF-8. */
export function unescapeZeek(s: string): string {
  return Buffer.from(unhex(s), 'latin1').toString('utf8');
}

export function zeekHeader(text: string): ZeekHeader {
  const lines = text.split('\n');
  const first = lines[0] ?? '';
  if (!first.startsWith('#separator ')) throw new Error(`not a Zeek ASCII log: first line ${JSON.stringify(first)}`);
  const separator = unhex(first.slice('#separator '.length));
  const h: Partial<ZeekHeader> & { close: string | null } = { separator, close: null };
  for (const line of lines.slice(1)) {
    if (!line.startsWith('#')) continue;
    const [key, ...rest] = line.slice(1).split(separator);
    switch (key) {
      case 'set_separator':
        h.setSeparator = unhex(rest[0]!);
        break;
      case 'empty_field':
        h.emptyField = rest[0]!;
        break;
      case 'unset_field':
        h.unsetField = rest[0]!;
        break;
      case 'path':
        h.path = rest[0]!;
        break;
      case 'open':
        h.open = rest[0]!;
        break;
      case 'close':
        h.close = rest[0]!;
        break;
      case 'fields':
        h.fields = rest;
        break;
      case 'types':
        h.types = rest;
        break;
      default:
        throw new Error(`unknown header line #${key}`);
    }
  }
  for (const k of ['setSeparator', 'emptyField', 'unsetField', 'path', 'open', 'fields', 'types'] as const) if (h[k] === undefined) throw new Error(`header without ${k}`);
  if (h.fields!.length !== h.types!.length) throw new Error('#fields and #types differ in length');
  return h as ZeekHeader;
}

/** The data lines, each split into its raw (still escaped) values; throws on a line with the
 *  wrong number of values. */
export function zeekRawRows(text: string): string[][] {
  const h = zeekHeader(text);
  const rows: string[][] = [];
  for (const line of text.split('\n')) {
    if (line === '' || line.startsWith('#')) continue;
    const values = line.split(h.separator);
    if (values.length !== h.fields.length) throw new Error(`a line with ${values.length} values for ${h.fields.length} fields: ${JSON.stringify(line)}`);
    rows.push(values);
  }
  return rows;
}

function parse(raw: string, type: string, h: ZeekHeader): ZeekParsed {
  if (raw === h.unsetField) return null;
  if (type.startsWith('set[') || type.startsWith('vector[')) {
    if (raw === h.emptyField) return [];
    return raw.split(h.setSeparator).map(unescapeZeek);
  }
  switch (type) {
    case 'count':
    case 'int':
    case 'port':
    case 'time':
    case 'interval':
    case 'double': {
      if (!/^-?\d+(\.\d+)?$/.test(raw)) throw new Error(`not a ${type}: ${raw}`);
      return Number(raw);
    }
    case 'bool':
      if (raw !== 'T' && raw !== 'F') throw new Error(`not a bool: ${raw}`);
      return raw === 'T';
    default:
      return raw === h.emptyField ? '' : unescapeZeek(raw);
  }
}

/** Every record as column name → value (typed and unescaped). */
export function readZeekLog(text: string): { header: ZeekHeader; rows: Array<Record<string, ZeekParsed>> } {
  const header = zeekHeader(text);
  const rows = zeekRawRows(text).map((values) => Object.fromEntries(values.map((v, i) => [header.fields[i]!, parse(v, header.types[i]!, header)])));
  return { header, rows };
}

/** zeek-cut [-n] [-c] COLUMNS…: the columns named (or, with negate, all others) of each line. */
export function zeekCut(text: string, columns: string[], o: { negate?: boolean; headers?: boolean } = {}): string {
  const h = zeekHeader(text);
  const idx = o.negate ? h.fields.map((_, i) => i).filter((i) => !columns.includes(h.fields[i]!)) : columns.map((c) => h.fields.indexOf(c));
  const pick = (values: string[]) => idx.map((i) => (i < 0 ? '' : (values[i] ?? ''))).join(h.separator);
  const out: string[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!o.headers) continue;
      const [key, ...rest] = line.slice(1).split(h.separator);
      out.push(key === 'fields' || key === 'types' ? `#${key}${h.separator}${pick(rest)}` : line);
      continue;
    }
    out.push(pick(line.split(h.separator)));
  }
  return out.join('\n') + (out.length ? '\n' : '');
}
