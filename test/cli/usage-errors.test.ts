// Every option of every command, walked with bad values: each mistake is one plain line on
// standard error naming the option (with the nearest valid spelling where there is one), exit 2,
// nothing on standard output; never a literal \x0a, NaN, "internal error", an errno name or a
// stack. The options come from the commands' own definitions (commandInfos), so a new option is
// walked without anyone adding it here.

import { expect } from 'chai';
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { commandInfos } from '../../src/cli/program.ts';
import type { OptionInfo } from '../../src/cli/argv-check.ts';
import { cli, type CliRun } from '../support/cli.ts';
import { projectRoot } from '../support/trace-files.ts';

const TRACE = join(projectRoot, 'captures', 'vsftpd-upload-rst.pcap');
const OTHER = join(projectRoot, 'captures', 'vsftpd-download-rst.pcap');
let dir = '';

/** Arguments that make each command otherwise valid (and quick), beside `option`. */
function base(command: string, option = ''): string[] {
  switch (command) {
    case 'analyze':
    case 'log':
      return [TRACE];
    case 'ladder':
      return ['connection', 'transfer', 'frame'].includes(option) ? [TRACE] : [TRACE, '--transfer', '0'];
    case 'compare':
      return [TRACE, OTHER];
    case 'regress':
      return [dir];
    case 'live':
      return ['-i', 'nosuch0']; // fails at once if ever reached: no capture is started
    case 'completion':
      return ['bash'];
    default:
      return [];
  }
}

/** What every usage error must look like. */
function expectOneLine(r: CliRun, what: string): string {
  expect(r.code, `${what}: ${r.err}`).to.equal(2);
  expect(r.out, what).to.equal('');
  const lines = r.err.split('\n');
  expect(lines.length, `${what}: ${JSON.stringify(r.err)}`).to.equal(2);
  expect(lines[1]).to.equal('');
  const line = lines[0]!;
  expect(line, what).to.match(/^ftpdiag: \S/);
  expect(line, what).to.not.match(/\\x0a|NaN|internal error|\bE[A-Z]{3,}\b|undefined|\[object /);
  return line;
}

/** Options by their long name, once each (an alias maps to the same OptionInfo). */
function options(table: ReadonlyMap<string, OptionInfo>): OptionInfo[] {
  return [...new Set(table.values())].filter((o) => o.key !== 'help' && o.key !== 'version');
}

describe('cli: usage errors, walked over every option of every command', function () {
  this.timeout(120_000);
  before(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftpdiag-i25-usage-'));
    copyFileSync(TRACE, join(dir, 'a.pcap'));
    writeFileSync(join(dir, 'a.expect.yaml'), 'trace: a.pcap\nfindings:\n  present: [upload-reset]\n');
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an option without its value: one line naming the option', async () => {
    let walked = 0;
    for (const [name, info] of commandInfos().commands) {
      for (const o of options(info.options).filter((x) => x.takesValue)) {
        const r = await cli([name, ...base(name), `--${o.key}`]);
        const line = expectOneLine(r, `${name} --${o.key}`);
        expect(line).to.include(`--${o.key} needs`);
        walked++;
      }
    }
    expect(walked).to.be.greaterThan(40);
  });

  it('a number option given a word, a choice given something else: the option, what it wants, the nearest choice', async () => {
    let numbers = 0;
    let choices = 0;
    for (const [name, info] of commandInfos().commands) {
      for (const o of options(info.options)) {
        if (o.number) {
          const line = expectOneLine(await cli([name, ...base(name, o.key), `--${o.key}`, 'abc']), `${name} --${o.key} abc`);
          expect(line).to.equal(`ftpdiag: --${o.key} wants a number, not 'abc'`);
          numbers++;
        }
        if (o.choices) {
          const wrong = `${String(o.choices[0])}x`;
          const line = expectOneLine(await cli([name, ...base(name), `--${o.key}`, wrong]), `${name} --${o.key} ${wrong}`);
          expect(line).to.include(`--${o.key} wants `).and.include(`not '${wrong}' (did you mean ${String(o.choices[0])}?)`);
          choices++;
        }
      }
    }
    expect(numbers).to.be.greaterThan(8);
    expect(choices).to.be.greaterThan(4);
    // the two of the issue
    expect((await cli(['analyze', TRACE, '--fail-on', 'warn'])).err).to.equal("ftpdiag: --fail-on wants error, warning, info or none, not 'warn' (did you mean warning?)\n");
    expect((await cli(['log', TRACE, '--format', 'json'])).err).to.equal("ftpdiag: --format wants table, tsv, csv, ndjson or xferlog, not 'json' (did you mean ndjson?)\n");
  });

  it('numbers out of range (negative, zero, fractions, huge): one line naming the option, or the command runs', async () => {
    for (const [name, info] of commandInfos().commands) {
      for (const o of options(info.options).filter((x) => x.number)) {
        for (const v of ['-1', '0', '0.5', '1e99']) {
          const r = await cli([name, ...base(name, o.key), `--${o.key}`, v]);
          if (r.code === 2 && r.out === '') {
            const line = expectOneLine(r, `${name} --${o.key} ${v}`);
            // live reaches its (absent) interface with a valid value: that line names the interface;
            // ladder says which connection, transfer or frame the capture does not have
            if (!/no interface named|^ftpdiag: no (connection|transfer|frame) \d/.test(line)) expect(line, `${name} --${o.key} ${v}`).to.match(new RegExp(`--${o.key}\\b|-\\w/--${o.key}`));
          } else {
            expect(r.err, `${name} --${o.key} ${v}`).to.not.match(/NaN|internal error/);
          }
        }
      }
    }
  });

  it('a misspelt option: unknown, with the option meant, before any missing argument', async () => {
    let walked = 0;
    for (const [name, info] of commandInfos().commands) {
      for (const o of options(info.options).filter((x) => x.key.length >= 4)) {
        // drop one letter in the middle: a typo the nearest spelling must undo
        const typo = o.key.slice(0, 2) + o.key.slice(3);
        if (info.options.has(typo)) continue;
        const r = await cli([name, `--${typo}`]);
        const line = expectOneLine(r, `${name} --${typo}`);
        expect(line).to.match(new RegExp(`^ftpdiag: unknown option --${typo} for ${name} \\(did you mean --`));
        walked++;
      }
    }
    expect(walked).to.be.greaterThan(40);
    expect((await cli(['analyze', '--jsn'])).err).to.equal('ftpdiag: unknown option --jsn for analyze (did you mean --json?)\n');
    expect((await cli(['compare', '--jsn', TRACE])).err).to.equal('ftpdiag: unknown option --jsn for compare (did you mean --json?)\n');
    expect((await cli(['anlyze', TRACE])).err).to.equal("ftpdiag: unknown command 'anlyze' (did you mean analyze?)\n");
  });

  it("tcpdump's and tshark's letters where the command has none say what to do instead, not a letter that looks alike", async () => {
    const cases: Array<[string[], RegExp]> = [
      [['analyze', '-s', '96', TRACE], /^ftpdiag: unknown option -s for analyze: the snap length is set when capturing \(ftpdiag live -s N\)/],
      [['log', '-nn', TRACE], /^ftpdiag: unknown option -n for log: ftpdiag never looks up host or port names/],
      [['analyze', TRACE, '-w', 'out.pcap'], /^ftpdiag: unknown option -w for analyze: .*--annotate FILE$/],
      [['ladder', '-i', 'eth0', TRACE], /^ftpdiag: unknown option -i for ladder: .*ftpdiag live -i IFACE/],
      [['analyze', '-q', TRACE], /^ftpdiag: unknown option -q for analyze \(ftpdiag analyze --help lists the options\)$/],
    ];
    for (const [args, want] of cases) expect(expectOneLine(await cli(args), args.join(' ')), args.join(' ')).to.match(want);
    // where the command has the letter, it is taken (live -s is the snap length)
    expect((await cli(['live', '-i', 'nosuch0', '-s', 'abc'])).err).to.equal("ftpdiag: --snaplen wants a number, not 'abc'\n");
  });

  it('a positional with fixed values (the shell of completion): one line, the values, the nearest only when near', async () => {
    expect(expectOneLine(await cli(['completion', 'fish']), 'fish')).to.equal("ftpdiag: completion: shell is bash or zsh, not 'fish'");
    expect(expectOneLine(await cli(['completion', 'zhs']), 'zhs')).to.equal("ftpdiag: completion: shell is bash or zsh, not 'zhs' (did you mean zsh?)");
  });

  it('a boolean given a value, a missing argument, a missing capture: one line each', async () => {
    expect(expectOneLine(await cli(['analyze', TRACE, '--json=maybe']), 'json=maybe')).to.include("--json takes no value (got 'maybe')");
    expect(expectOneLine(await cli(['compare', TRACE]), 'compare one')).to.equal('ftpdiag: missing <b> (usage: ftpdiag compare <a> <b>)');
    expect(expectOneLine(await cli(['regress']), 'regress')).to.equal('ftpdiag: missing <paths..> (usage: ftpdiag regress <paths..>)');
    for (const c of ['analyze', 'log', 'ladder']) expect(expectOneLine(await cli([c]), c)).to.include(`name the capture to read: ftpdiag ${c} FILE, or -r FILE`);
    expect(expectOneLine(await cli(['analyze', 'host', '10.0.0.1']), 'filter first')).to.include("'host' starts a display filter");
    expect(expectOneLine(await cli(['ladder', TRACE, '--connection', '0', '--transfer', '0']), 'two targets')).to.match(/connection.*transfer/);
  });

  it('file errors in words, never an errno name', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['analyze', '/nonexistent/x.pcap'], /^ftpdiag: \/nonexistent\/x\.pcap: cannot open: no such file or directory$/],
      [['log', '/nonexistent/x.pcap'], /no such file or directory/],
      [['ladder', '/nonexistent/x.pcap', '--transfer', '0'], /no such file or directory/],
      [['compare', '/nonexistent/x.pcap', TRACE], /^ftpdiag: \/nonexistent\/x\.pcap: cannot open: no such file or directory$/],
      [['regress', '/nonexistent'], /^ftpdiag: \/nonexistent: no such file or directory$/],
      [['analyze', TRACE, '--rules', '/nonexistent'], /^ftpdiag: --rules \/nonexistent: cannot read: no such file or directory$/],
      [['analyze', TRACE, '--html', '/nonexistent/x.html'], /no such file or directory/],
      [['analyze', TRACE, '--annotate', '/nonexistent/x.pcapng'], /no directory \/nonexistent/],
      [['analyze', TRACE, '--extract', join(TRACE, 'files')], /not a directory/],
      [['analyze', projectRoot], /is a directory/],
      [['regress', dir, '--junit', '/nonexistent/x.xml'], /^ftpdiag: --junit \/nonexistent\/x\.xml: cannot write: no such file or directory$/],
      [['analyze', TRACE, '--keylog', '/nonexistent/x.keylog'], /^ftpdiag: --keylog \/nonexistent\/x\.keylog: cannot read the key log \(no such file or directory\)$/],
      [['log', TRACE, '--keylog', '/nonexistent/x.keylog'], /^ftpdiag: --keylog \/nonexistent\/x\.keylog: /],
      [['ladder', TRACE, '--transfer', '0', '--keylog', projectRoot], /^ftpdiag: --keylog .*: not a regular file$/],
    ];
    for (const [args, want] of cases) {
      const r = await cli(args);
      expect(r.code, args.join(' ')).to.equal(2);
      const last = r.err.trim().split('\n').at(-1)!;
      expect(last, args.join(' ')).to.match(want);
      expect(r.err, args.join(' ')).to.not.match(/\bE[A-Z]{3,}\b|internal error/);
    }
  });

  it('an --extract path under a directory where nothing can be made is refused at once (Node\'s recursive mkdir never returned)', async () => {
    const r = await cli(['analyze', TRACE, '--extract', '/proc/ftpdiag-x/y']);
    expect(r.code).to.equal(2);
    expect(r.err).to.match(/^ftpdiag: --extract \/proc\/ftpdiag-x\/y: /);
  });
});
