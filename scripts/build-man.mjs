// Writes the man page, dist/man/ftpdiag.1 (package.json `man`, so npm installs it), from the help
// text yargs prints: `ftpdiag --help` and `ftpdiag COMMAND --help` for every command that help
// lists, taken from the CLI in-process (run with tsx: `npm run build` does) with yargs' wrap
// lifted (unwrapYargsHelp; the parser still joins wrapped lines). The commands, options,
// positionals and examples are the help's own, so the page cannot drift from --help
// (test/cli/man-page.test.ts checks that it names everything --help shows); only EXIT STATUS,
// ENVIRONMENT, FILES and SEE ALSO are written here. JavaScript with types in build-man.d.mts,
// like build-bundle.mjs, but run through tsx: it imports the CLI's TypeScript sources.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import yargs from 'yargs';
import { processIO } from '../src/cli/io.ts';
import { runCli } from '../src/cli/program.ts';

const root = fileURLToPath(new URL('../', import.meta.url));

/** Where `npm run build` writes the page; package.json's `man` names it too. */
export const MAN_PAGE = `${root}dist/man/ftpdiag.1`;

// ---- reading yargs' help text ----

/** yargs' type and default annotations, which it right-aligns and sometimes glues to the text
 *  before them when a line is full ("report[boolean]"). */
const ANNOTATION = /(\S)(\[(?:boolean|string|number|array|count|required|deprecated|choices:|default:|aliases:))/g;

/**
 * The help text as blocks: a paragraph (lines joined), or a group — a heading line ending in ':'
 * and its rows. A row starts at an indent of at most 6 columns (`  -h, --help`, `      --json`,
 * `  ftpdiag analyze <trace>`); deeper lines continue the row before (yargs wraps the text and
 * the annotations to the terminal width). A row's term ends at its first run of two spaces.
 */
export function parseHelp(text) {
  const blocks = [];
  let cur = null;
  for (const line of text.replace(/\r/g, '').split('\n')) {
    if (line.trim() === '') {
      cur = null;
      continue;
    }
    const indent = line.length - line.trimStart().length;
    if (indent === 0 && line.endsWith(':') && !line.includes('  ')) {
      cur = { kind: 'group', heading: line.slice(0, -1), rows: [] };
      blocks.push(cur);
    } else if (cur?.kind === 'group' && indent <= 6) {
      const body = line.trim();
      const gap = body.search(/ {2,}/);
      cur.rows.push(gap < 0 ? { term: body, text: '' } : { term: body.slice(0, gap), text: body.slice(gap).trim() });
    } else if (cur?.kind === 'group' && cur.rows.length > 0) {
      const row = cur.rows[cur.rows.length - 1];
      row.text = `${row.text} ${line.trim()}`.trim();
    } else if (cur?.kind === 'paragraph') {
      cur.text += ` ${line.trim()}`;
    } else {
      cur = { kind: 'paragraph', text: line.trim() };
      blocks.push(cur);
    }
  }
  for (const b of blocks) {
    if (b.kind !== 'group') continue;
    for (const r of b.rows) r.text = r.text.replace(/ {2,}/g, ' ').replace(ANNOTATION, '$1 $2');
  }
  return blocks;
}

/** The command names the top-level help lists (`ftpdiag analyze <trace>` -> analyze). */
export function commandNames(topHelp) {
  const group = parseHelp(topHelp).find((b) => b.kind === 'group' && b.heading === 'Commands');
  if (!group) throw new Error('the top-level help lists no commands');
  return group.rows.map((r) => r.term.split(/\s+/)[1]).filter((n) => n !== undefined && !n.startsWith('['));
}

// ---- roff ----

/** Text for a roff text line: backslashes, control characters at a line start, option dashes
 *  (\- so that `--json` copies as typed) and characters outside ASCII (\[uXXXX], whatever the
 *  reader's groff thinks the input encoding is). */
function esc(s) {
  return s
    .replace(/\\/g, '\\e')
    .replace(/(^|[^\w-])(--?[A-Za-z][\w-]*)/g, (_m, pre, opt) => pre + opt.replace(/-/g, '\\-'))
    .replace(/[^\x20-\x7e]/gu, (c) => `\\[u${c.codePointAt(0).toString(16).toUpperCase().padStart(4, '0')}]`)
    .replace(/^([.'])/, '\\&$1');
}

const bold = (s) => `\\fB${esc(s)}\\fR`;

/** A group's rows as tagged paragraphs: the term in bold (options, commands, examples) or
 *  italics (positionals), the text below it. */
function rowsRoff(group) {
  const italic = group.heading === 'Positionals';
  const out = [];
  for (const r of group.rows) {
    out.push('.TP', italic ? `\\fI${esc(r.term)}\\fR` : bold(r.term));
    if (r.text) out.push(esc(r.text));
  }
  return out;
}

/** One command's help: its description and every group, under the usage line as heading. The
 *  usage line is dropped from the body (it is the heading). */
function commandRoff(help) {
  const blocks = parseHelp(help);
  const [usage, ...rest] = blocks;
  const out = ['.SS', bold(usage.text)];
  for (const b of rest) {
    if (b.kind === 'paragraph') out.push('.PP', esc(b.text));
    else out.push('.PP', `\\fI${esc(b.heading)}:\\fR`, ...rowsRoff(b));
  }
  return out;
}

/**
 * The man page for the help texts given: `top` is `ftpdiag --help`, `commands` each command's
 * name and `--help`. `version` and `date` (YYYY-MM-DD) go in the title line.
 */
export function renderManPage({ top, commands, version, date }) {
  const blocks = parseHelp(top);
  const usage = blocks[0];
  const description = blocks.filter((b, i) => i > 0 && b.kind === 'paragraph').map((b) => b.text);
  const groups = blocks.filter((b) => b.kind === 'group' && b.heading !== 'Commands');
  const out = [
    ".\\\" Generated by scripts/build-man.mjs from ftpdiag's --help texts: do not edit.",
    `.TH FTPDIAG 1 "${date}" "ftpdiag ${esc(version)}" "User Commands"`,
    // no hyphenation and a ragged right edge: finding ids and options stay whole and searchable
    '.nh',
    '.ad l',
    '.SH NAME',
    `ftpdiag \\- ${esc((description[0] ?? '').replace(/\.$/, ''))}`,
    '.SH SYNOPSIS',
    '.nf',
    bold(usage.text),
    ...commands.map((c) => bold(parseHelp(c.help)[0].text)),
    '.fi',
    '.SH DESCRIPTION',
    ...description.flatMap((d) => ['.PP', esc(d)]),
    '.PP',
    `Each command is described below with its options, as ${bold('ftpdiag')} ${bold('COMMAND --help')} prints them.`,
    'Frame numbers in every report are those Wireshark shows for the same file.',
    '.SH COMMANDS',
    ...commands.flatMap((c) => commandRoff(c.help)),
    '.SH OPTIONS',
    'Every command takes these:',
    ...groups.flatMap((g) => [...(g.heading === 'Options' ? [] : ['.PP', `\\fI${esc(g.heading)}:\\fR`]), ...rowsRoff(g)]),
    ...STATIC_SECTIONS,
  ];
  return `${out.join('\n')}\n`;
}

/** What --help does not say (keep ENVIRONMENT in step with the variables src/ reads). */
const STATIC_SECTIONS = [
  '.SH EXIT STATUS',
  '.TP',
  '.B 0',
  `No finding reached ${bold('--fail-on')} (default: error); for ${bold('regress')}, every trace met its expectation.`,
  '.TP',
  '.B 1',
  'A finding reached the severity asked for; for regress, a trace did not meet its expectation.',
  '.TP',
  '.B 2',
  'Bad input or usage: one line on standard error says what (a capture fault names the file and the',
  'byte offset, after the report of what was read before it).',
  '.SH ENVIRONMENT',
  '.TP',
  '.B NO_COLOR',
  `When set to anything but the empty string, no output is coloured, even with ${bold('--color')}.`,
  '.TP',
  '.B FORCE_COLOR',
  `Colour without ${bold('--color')}: set (also empty), 1, 2, 3 or true colours output that is not a terminal;`,
  `0 or false colours none, even a terminal. ${bold('--color')}, ${bold('--no-color')} and NO_COLOR win.`,
  '.TP',
  '.B SHELL',
  `Which script ${bold('ftpdiag completion')} prints when no shell is named (bash or zsh).`,
  '.TP',
  '.B PATH',
  `Where ${bold('live')} looks for tcpdump (or dumpcap), besides the sbin directories.`,
  '.TP',
  '.B FTPDIAG_DEBUG',
  'When set, an internal error also prints its stack trace.',
  '.TP',
  '.B FTPDIAG_HEAP_GROWING_PERCENT',
  "How far V8's old generation may grow past what survived its last full collection, percent",
  "(default 50; 0: V8's own default). Lower trades time for memory on long captures.",
  '.SH OUTPUT WIDTH',
  `Text is laid out for the terminal's width, at least 80 columns, or for 100 columns when standard`,
  `output is not a terminal; ${bold('--width')} sets it. Tables that do not fit become lists, long lines`,
  'wrap with a hanging indent, and strings from the wire are clipped (the JSON keeps them whole).',
  '.SH FILES',
  '.TP',
  `.I ${esc('<package>/rules/*.yaml')}`,
  `The built-in rules (YAML and CEL), evaluated with any given by ${bold('--rules')};`,
  `${esc('rules/README.md')} and ${esc('rules/FACTS.md')} beside them describe how to write one.`,
  '.TP',
  `.I ${esc('<package>/schema/eve.schema.json')}`,
  `The JSON Schema of one event of ${bold('--format eve')}; ${esc('report.schema.json')} beside it is that of ${bold('--json')}.`,
  '.TP',
  `.I ${esc('conn.log, ftp.log')}`,
  `Written by ${bold('--format zeek')} into ${bold('--log-dir')} (default: the current directory), in Zeek's ASCII log format.`,
  '.SH SEE ALSO',
  '.BR tcpdump (1),',
  '.BR tshark (1),',
  '.BR pcap-filter (7),',
  '.BR xferlog (5),',
  '.BR zeek-cut (1),',
  '.BR suricata (1),',
  '.BR jq (1)',
];

// ---- the build step ----

/**
 * Makes yargs lay its help out without a width limit (wrap(null)), so that every row of a group
 * is one line: at a terminal's width yargs wraps long cells, the left one too (a long example
 * continues on the next line at a row's indent), and no reader of the text can tell such a line
 * from a new row. Overrides wrap() on every yargs instance; returns what undoes it.
 */
export function unwrapYargsHelp() {
  const proto = Object.getPrototypeOf(yargs());
  const wrap = proto.wrap;
  if (typeof wrap !== 'function') throw new Error('yargs instances have no wrap() to override: update scripts/build-man.mjs');
  proto.wrap = function unwrapped() {
    return wrap.call(this, null);
  };
  return () => {
    proto.wrap = wrap;
  };
}

/** `ftpdiag ARGS --help` from the CLI in-process, as written to a pipe. */
async function helpOf(args) {
  let out = '';
  let err = '';
  const io = { ...processIO(), out: (t) => void (out += t), err: (t) => void (err += t), drained: undefined, stdoutIsTTY: false, columns: undefined };
  const code = await runCli([...args, '--help'], io);
  if (code !== 0) throw new Error(`ftpdiag ${[...args, '--help'].join(' ')} exited ${code}: ${err}`);
  return out;
}

/** The top-level help and each command's, unwrapped: what the page is made of. */
export async function collectHelp() {
  const restore = unwrapYargsHelp();
  try {
    const top = await helpOf([]);
    const commands = [];
    for (const name of commandNames(top)) commands.push({ name, help: await helpOf([name]) });
    return { top, commands };
  } finally {
    restore();
  }
}

/** The page's date: SOURCE_DATE_EPOCH's when set (reproducible builds), else today, UTC. */
function buildDate() {
  const epoch = Number(process.env.SOURCE_DATE_EPOCH);
  return new Date(Number.isFinite(epoch) && epoch > 0 ? epoch * 1000 : Date.now()).toISOString().slice(0, 10);
}

/** Writes the man page of the CLI to `outfile`. */
export async function buildManPage(outfile = MAN_PAGE) {
  const { version } = JSON.parse(readFileSync(`${root}package.json`, 'utf8'));
  const page = renderManPage({ ...(await collectHelp()), version, date: buildDate() });
  mkdirSync(dirname(outfile), { recursive: true });
  writeFileSync(outfile, page);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) await buildManPage();
