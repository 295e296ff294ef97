// The CLI layer under fuzzing: a capture (a session with hostile first lines and a known
// password, or a mutant of it) through one command line as a user would type it, in process,
// with standard output that works, goes away (EPIPE) or fails (ENOSPC), or with the capture on
// standard input.
//
// Heading: CLI oracle
// Definition: for any capture and any command (analyze text, JSON, the streamed report, --html;
// log in every format; ladder; compare; regress; '-' for standard input), runCli resolves (never
// throws) with exit status 0, 1 or 2; standard error holds only `ftpdiag: …` lines (no stack
// trace); text output holds no terminal control byte; JSON and NDJSON parse; no CSV or TSV cell
// starts a formula; a write error other than EPIPE is reported once; the exit status does not
// depend on whether the reader of standard output stayed; and, on a capture whose password line
// is intact, the password appears in no output, file or message.

import * as fs from 'node:fs';
import * as path from 'node:path';
import { Readable, Writable } from 'node:stream';
import { streamOutput, type CliIO } from '../../../src/cli/io.ts';
import { runCli } from '../../../src/cli/program.ts';
import type { Frame } from '../../../src/capture/frame.ts';
import { framesAsPcap } from './campaign.ts';
import { hostileSession } from './hostile.ts';
import { Finding } from './oracles.ts';
import { mutateFrames, type PipelineSeed } from './pipeline.ts';
import type { Rng } from './rng.ts';

/** What one command writes. */
type Format = 'text' | 'json' | 'ndjson' | 'csv' | 'tsv' | 'html';

interface CommandCase {
  args: string[]; //   with @F for the capture file, @G for a second one, @H for an HTML file
  format: Format;
  stdin?: boolean; //  the capture comes on standard input ('-')
}

const COMMANDS: readonly CommandCase[] = [
  { args: ['analyze', '@F'], format: 'text' },
  { args: ['analyze', '--json', '@F'], format: 'json' },
  { args: ['analyze', '--fail-on', 'warning', '-'], format: 'text', stdin: true },
  { args: ['analyze', '--json', '-'], format: 'json', stdin: true },
  { args: ['analyze', '@F', '--html', '@H'], format: 'html' },
  { args: ['log', '--all', '@F'], format: 'text' },
  { args: ['log', '--all', '--format', 'tsv', '@F'], format: 'tsv' },
  { args: ['log', '--all', '--format', 'csv', '@F'], format: 'csv' },
  { args: ['log', '--all', '--format', 'ndjson', '@F'], format: 'ndjson' },
  { args: ['log', '--format', 'xferlog', '@F'], format: 'text' },
  { args: ['log', '-'], format: 'text', stdin: true },
  { args: ['ladder', '@F', '--connection', '0'], format: 'text' },
  { args: ['ladder', '@F', '--transfer', '0'], format: 'text' },
  { args: ['compare', '@F', '@G'], format: 'text' },
  { args: ['compare', '--json', '@F', '@G'], format: 'json' },
  { args: ['compare', '--ladder', '@F', '@G'], format: 'text' },
  { args: ['regress', '--jobs', '1', '@F'], format: 'text' },
];

type OutputMode = 'ok' | 'epipe' | 'enospc';

interface Run {
  code: number;
  out: string;
  err: string;
  faults: number; // write errors reported (ENOSPC)
}

/** Runs `args` in process; `mode` decides what standard output does. */
async function run(args: string[], mode: OutputMode, stdin: Buffer | null, rng: Rng): Promise<Run> {
  let out = '';
  let err = '';
  let faults = 0;
  const cut = rng.int(4096); // EPIPE after this many characters
  const sink = new Writable({
    highWaterMark: 1024,
    decodeStrings: false,
    write(chunk: string, _enc, done) {
      if (mode === 'enospc') return done(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' }));
      if (mode === 'epipe' && out.length + chunk.length > cut) return done(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' }));
      out += chunk;
      done();
    },
  });
  const io: CliIO = {
    ...streamOutput(sink, () => faults++),
    err: (t) => void (err += t),
    stdoutIsTTY: false,
    columns: undefined,
    env: {},
    ...(stdin ? { stdin: Readable.from([stdin]) } : {}),
  };
  let code: number;
  try {
    code = await runCli(args, io);
  } catch (e) {
    const x = e as Error;
    throw new Finding('crash', `ftpdiag ${args.join(' ')} threw ${x?.name}: ${x?.message}`, x?.stack ?? '');
  }
  await new Promise((r) => setImmediate(r));
  return { code, out, err, faults };
}

// eslint-disable-next-line no-control-regex
const RAW_CONTROL: Record<Format, RegExp> = {
  text: /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/, // a line feed only
  tsv: /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/, //  and tabs
  csv: /[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]/, // and CRLF
  json: /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/,
  ndjson: /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/,
  html: /[\x00-\x08\x0b-\x1f\x7f\x80-\x9f]/,
};
const FORMULA = /^[=+\-@\t\r\uff1d\uff0b\uff0d\uff20]/;

/** The oracles of one run. */
function check(what: string, c: CommandCase, r: Run, html: string | null, password: string | null, whole: boolean): void {
  const fail = (msg: string, detail = '') => {
    throw new Finding('invariant', `ftpdiag ${what}: ${msg}`, detail);
  };
  if (r.code !== 0 && r.code !== 1 && r.code !== 2) fail(`exit status ${r.code}`);
  for (const line of r.err.split('\n')) {
    if (line === '' || line.startsWith('ftpdiag: ') || line === "Run 'ftpdiag --help' for usage.") continue;
    fail('standard error holds a line that is not an ftpdiag message', JSON.stringify(line.slice(0, 200)));
  }
  if (/\n\s+at /.test(r.err) || /internal error/.test(r.err)) fail('a stack trace or internal error on standard error', r.err.slice(0, 2000));
  const m = RAW_CONTROL[c.format].exec(r.out);
  if (m) fail(`output holds the raw control character U+${m[0].charCodeAt(0).toString(16).padStart(4, '0')}`, JSON.stringify(r.out.slice(Math.max(0, m.index - 80), m.index + 40)));
  if (whole && (r.code !== 2 || r.out !== '')) {
    // (output cut by a reader that went away does not parse, of course)
    if (c.format === 'json' && r.out !== '') parse(r.out, fail);
    if (c.format === 'ndjson') for (const l of r.out.split('\n')) if (l !== '') parse(l, fail);
    if (c.format === 'tsv') for (const row of r.out.split('\n').slice(1)) for (const cell of row.split('\t')) if (FORMULA.test(cell)) fail('a TSV cell starts a formula', cell.slice(0, 80));
    if (c.format === 'csv') for (const cell of r.out.split(/,|\r\n/)) if (FORMULA.test(cell.replace(/^"/, ''))) fail('a CSV cell starts a formula', cell.slice(0, 80));
  }
  if (html !== null && RAW_CONTROL.html.test(html)) fail('the HTML report holds a raw control character');
  if (password !== null) {
    for (const [where, text] of [['standard output', r.out], ['standard error', r.err], ['the HTML report', html ?? '']] as const) {
      if (text.includes(password)) fail(`the password ${password} appears in ${where}`);
    }
  }
}

function parse(text: string, fail: (m: string, d?: string) => never): void {
  try {
    JSON.parse(text);
  } catch (e) {
    fail(`JSON does not parse: ${(e as Error).message}`, text.slice(0, 300));
  }
}

/** The capture of a case: a hostile session as crafted (its password line intact: the password
 *  oracle applies), or a mutant of it (the other oracles only). */
export function cliCapture(rng: Rng): { frames: Frame[]; linkType: number; password: string | null; clean: Frame[] } {
  const h = hostileSession(rng);
  const clean = h.trace.captureFrames();
  if (rng.chance(0.5)) return { frames: clean, linkType: 1, password: h.password, clean };
  const seed: PipelineSeed = { name: 'hostile', linkType: 1, frames: clean.map((f) => f.data), times: clean.map((f) => f.time) };
  return { frames: mutateFrames(seed, rng, seed), linkType: 1, password: null, clean };
}

/** One CLI case in `dir` (a scratch directory of the worker); returns the outcome for stats. */
export async function checkCliCase(rng: Rng, dir: string, input: { frames: Frame[]; linkType: number; password: string | null; clean: Frame[] }): Promise<string> {
  const c = rng.pick(COMMANDS);
  const bytes = Buffer.from(framesAsPcap(input.frames, input.linkType));
  const file = path.join(dir, 'capture.pcap');
  const other = path.join(dir, 'other.pcap');
  const html = path.join(dir, 'report.html');
  fs.writeFileSync(file, bytes);
  // the second capture point of compare: the same traffic with some frames lost in between
  fs.writeFileSync(other, Buffer.from(framesAsPcap(input.clean.filter(() => !rng.chance(0.1)), 1)));
  fs.rmSync(html, { force: true });
  for (const old of fs.readdirSync(dir)) if (old.endsWith('.expect.yaml')) fs.rmSync(path.join(dir, old));
  if (c.args[0] === 'regress' && rng.chance(0.5)) await run(['regress', '--update', '--jobs', '1', file], 'ok', null, rng);
  const args = c.args.map((a) => (a === '@F' ? file : a === '@G' ? other : a === '@H' ? html : a));
  const mode: OutputMode = rng.chance(0.7) ? 'ok' : rng.chance(0.5) ? 'epipe' : 'enospc';
  const what = `${args.join(' ').replaceAll(dir + path.sep, '')}${c.stdin ? ' < capture' : ''} (stdout ${mode})`;
  const r = await run(args, mode, c.stdin ? bytes : null, rng);
  const htmlText = c.format === 'html' && fs.existsSync(html) ? fs.readFileSync(html, 'utf8') : null;
  check(what, c, r, htmlText, input.password, mode === 'ok');
  if (mode === 'enospc' && r.faults > 1) throw new Finding('invariant', `ftpdiag ${what}: ${r.faults} write errors reported, not one`);
  if (mode !== 'ok') {
    // the exit status tells what was found, whoever reads the output
    const whole = await run(args, 'ok', c.stdin ? bytes : null, rng);
    if (whole.code !== r.code && !(mode === 'enospc' && r.faults > 0)) throw new Finding('invariant', `ftpdiag ${what}: exit status ${r.code}, ${whole.code} when the output is read`);
  }
  return `${c.args[0]}:${r.code}`;
}
