// The man page (scripts/build-man.mjs) is rendered from the same help text as --help: it must
// name every command and every option --help shows, be valid roff, and fit 80 columns.
import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { collectHelp, commandNames, parseHelp, renderManPage } from '../../scripts/build-man.mjs';
import { cli } from '../support/cli.ts';

/** `ftpdiag ARGS --help` as a user sees it in a pipe (100 columns): what the page must cover.
 *  The page itself is made from the same help laid out without a width limit (collectHelp). */
async function help(args: string[]): Promise<string> {
  const r = await cli([...args, '--help']);
  expect(r.code, r.err).to.equal(0);
  return r.out;
}

/** Every option spelling in a help text: `-h`, `--help`, `--max-flows`, also in examples. */
const optionTokens = (text: string): string[] => [...new Set(text.match(/(?<![\w-])--?[A-Za-z][\w-]*/g) ?? [])];

/** The roff source read as text: font changes dropped, escapes turned back into characters. */
function roffPlain(roff: string): string {
  return roff
    .split('\n')
    .filter((l) => !/^\.(\\"|nh|ad|fi|nf)/.test(l))
    .map((l) => l.replace(/^\.\w+ ?/, ''))
    .join(' ')
    .replace(/\\f[BIR]/g, '')
    .replace(/\\\[u([0-9A-F]{4,})\]/g, (_m, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/\\-/g, '-')
    .replace(/\\&/g, '')
    .replace(/\\e/g, '\\')
    .replace(/\s+/g, ' ');
}

const hasGroff = spawnSync('groff', ['--version'], { encoding: 'utf8' }).status === 0;

describe('man page: rendered from --help', () => {
  let top = '';
  let names: string[] = [];
  const plainHelp = new Map<string, string>(); // command -> its --help as a pipe gets it
  let page = '';

  before(async () => {
    top = await help([]);
    names = commandNames(top);
    for (const n of names) plainHelp.set(n, await help([n]));
    page = renderManPage({ ...(await collectHelp()), version: '1.2.3', date: '2030-01-02' });
  });

  it('finds every command the top-level help lists', () => {
    expect(names).to.include.members(['analyze', 'regress', 'live', 'interfaces', 'ladder', 'log', 'codes', 'compare']);
    expect(names.length).to.equal(top.match(/^ {2}ftpdiag \w+/gm)?.length);
  });

  it('builds on help without wrapped rows: every row of every group is one line', async () => {
    const { top: t, commands } = await collectHelp();
    expect(commands.map((c) => c.name)).to.deep.equal(names);
    for (const text of [t, ...commands.map((c) => c.help)]) {
      const blocks = text.split(/\n\s*\n/).filter((b) => /^[A-Z][\w ]*:\n/.test(b));
      for (const b of blocks) for (const line of b.split('\n').slice(1).filter((l) => l !== '')) expect(line, b).to.match(/^ {2,6}\S/);
    }
  });

  it('names every command, with its usage line, and every option and positional --help shows', () => {
    const text = roffPlain(page);
    for (const n of names) {
      const usage = parseHelp(plainHelp.get(n)!)[0];
      expect(usage?.kind).to.equal('paragraph');
      expect(text).to.include((usage as { text: string }).text);
      for (const opt of optionTokens(plainHelp.get(n)!)) expect(text, `${n}: ${opt}`).to.include(opt);
      for (const b of parseHelp(plainHelp.get(n)!)) {
        if (b.kind === 'group' && b.heading === 'Positionals') for (const r of b.rows) expect(text).to.include(r.term);
      }
    }
    for (const opt of optionTokens(top)) expect(text).to.include(opt);
    expect(text).to.include('ftpdiag 1.2.3').and.to.include('2030-01-02');
  });

  it('keeps each option and example whole: its description follows it', () => {
    const text = roffPlain(page);
    expect(text).to.include('--fail-on exit 1 when a finding of this severity or worse is found [choices: "error", "warning", "info", "none"] [default: "error"]');
    expect(text).to.include('ftpdiag compare client.pcap server.pcap --ladder --connection 0 connection 0 of the first capture');    // option dashes are roff's \- (a minus that copies as typed), prose hyphens are left alone
    expect(page).to.include('\\fB\\-\\-max\\-total\\-buffer\\fR');
    expect(page).to.include('longest-idle');
  });

  it('names in ENVIRONMENT every environment variable the sources read', () => {
    const src = spawnSync('grep', ['-rhoE', "env(\\['|\\.)[A-Z_]+", 'src'], { cwd: new URL('../../', import.meta.url), encoding: 'utf8' }).stdout;
    const vars = [...new Set(src.split('\n').filter((l) => l).map((l) => l.replace(/^env(\['|\.)/, '')))];
    expect(vars).to.include.members(['NO_COLOR', 'FORCE_COLOR', 'SHELL']);
    const environment = page.split('.SH ENVIRONMENT')[1]!.split('.SH ')[0]!;
    for (const v of vars) expect(environment, v).to.include(`.B ${v}`);
  });

  it('is valid roff (no groff warnings) and fits 80 columns', function () {
    if (!hasGroff) {
      console.log('      (skipped: no groff; apt-get install groff-base)');
      this.skip();
    }
    const r = spawnSync('groff', ['-man', '-Tutf8', '-ww', '-rLL=80n'], { input: page, encoding: 'utf8' });
    expect(r.stderr).to.equal('');
    expect(r.status).to.equal(0);
    const lines = r.stdout.replace(/.\x08/g, '').split('\n');
    const long = lines.filter((l) => [...l].length > 80);
    expect(long).to.deep.equal([]);
  });
});
