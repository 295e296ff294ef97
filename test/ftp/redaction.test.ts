// Secrets on the control channel never reach an output unless asked: the verb is split on any
// byte a server takes for the space (PASS<TAB>secret), redaction is decided on the parsed verb,
// ACCT, ADAT and the SITE subcommands that carry passwords are secrets too, and a password sent
// in two segments is hidden in both (compare shows single segments).

import { expect } from 'chai';
import { readFileSync, rmSync } from 'node:fs';
import { redactArgument, REDACTED, splitCommandLine } from '../../src/ftp/commands.ts';
import { SecretRanges } from '../../src/compare/secret-ranges.ts';
import { TraceBuilder } from '../../src/craft/trace-builder.ts';
import { cli } from '../support/cli.ts';
import { scratchDir } from '../support/crafted-sessions.ts';
import { writePair } from '../compare/support.ts';
import { TwoPoint } from '../compare/two-point.ts';

/** A login and credential-carrying commands, each with its own secret. */
const LINES: Array<[line: string, secrets: string[]]> = [
  ['USER alice\r\n', []],
  ['PASS\tSekr1tTab\r\n', ['Sekr1tTab']],
  ['pass  Sekr1tSpaces\r\n', ['Sekr1tSpaces']],
  ['ACCT Sekr1tAcct\r\n', ['Sekr1tAcct']],
  ['ADAT U2VrcjF0QWRhdA==\r\n', ['U2VrcjF0QWRhdA==']],
  ['SITE PSWD Sekr1tOld Sekr1tNew\r\n', ['Sekr1tOld', 'Sekr1tNew']],
  ['site\tchpwd dGVzdA== Sekr1tB64\r\n', ['Sekr1tB64']],
  ['SITE ADDUSER bob Sekr1tAdd *@10.0.0.1\r\n', ['Sekr1tAdd']],
  ['SITE CHMOD 644 notes.txt\r\n', []],
];
const SECRETS = LINES.flatMap(([, s]) => s);

function session(): TraceBuilder {
  const t = new TraceBuilder();
  const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:21' });
  c.handshake();
  c.server('PA', '220 ready\r\n');
  for (const [line] of LINES) {
    c.client('PA', line);
    c.server('PA', line.startsWith('USER') ? '331 password please\r\n' : '230 ok\r\n');
  }
  c.client('PA', 'QUIT\r\n');
  c.server('PA', '221 bye\r\n');
  c.close();
  return t;
}

describe('ftp: secrets on the control channel', () => {
  it('splits the verb on any byte a server takes for the space, after leading spaces', () => {
    expect(splitCommandLine('PASS\tx y')).to.deep.equal({ verb: 'PASS', arg: 'x y', argStart: 5 });
    expect(splitCommandLine('  retr  a.txt')).to.deep.equal({ verb: 'RETR', arg: ' a.txt', argStart: 7 });
    expect(splitCommandLine('NOOP')).to.deep.equal({ verb: 'NOOP', arg: '', argStart: 4 });
    expect(splitCommandLine('')).to.deep.equal({ verb: '', arg: '', argStart: 0 });
    expect(splitCommandLine('USER\x0bbob').verb).to.equal('USER');
    // any a-z in the verb is upper-cased (the last letter too), only ASCII letters are
    expect(splitCommandLine('RETr a.txt').verb).to.equal('RETR');
    expect(splitCommandLine('sTOR x').verb).to.equal('STOR');
    expect(splitCommandLine('retrß x').verb).to.equal('RETRß');
    expect(splitCommandLine('XÄBC x').verb).to.equal('XÄBC');
  });

  it('decides redaction on the parsed verb: PASS, ACCT, ADAT, and SITE PSWD/CHPWD/PASSWD/CHPASS/ADDUSER/GADDUSER', () => {
    expect(redactArgument('PASS', 'x')).to.equal(REDACTED);
    expect(redactArgument('PASS', '')).to.equal(null); // an empty password shows as none
    expect(redactArgument('ACCT', 'x')).to.equal(REDACTED);
    expect(redactArgument('ADAT', 'x')).to.equal(REDACTED);
    expect(redactArgument('SITE', 'pswd old new')).to.equal(`pswd ${REDACTED}`);
    expect(redactArgument('SITE', 'GADDUSER grp bob pw')).to.equal(`GADDUSER ${REDACTED}`);
    expect(redactArgument('SITE', 'CHMOD 644 x')).to.equal(null);
    expect(redactArgument('USER', 'bob')).to.equal(null);
  });

  it('finds the secret bytes of a stream however it is cut into segments, and hides what a gap cut', () => {
    const stream = Buffer.from(LINES.map(([l]) => l).join(''), 'latin1');
    const text = stream.toString('latin1');
    const whole = new SecretRanges();
    whole.data(stream, 0);
    whole.finish();
    const shown = whole.redact(text, 0);
    for (const s of SECRETS) expect(shown).to.not.include(s);
    expect(shown).to.include('USER alice').and.include('SITE CHMOD 644 notes.txt').and.include(`PASS\t${REDACTED}\r\n`);
    for (let cut = 1; cut < stream.length; cut++) {
      const r = new SecretRanges();
      r.data(stream.subarray(0, cut), 0);
      r.data(stream.subarray(cut), cut);
      r.finish();
      // each piece shown on its own, as compare shows a segment
      const pieces = r.redact(text.slice(0, cut), 0) + '|' + r.redact(text.slice(cut), cut);
      for (const s of SECRETS) for (let k = 4; k <= s.length; k++) expect(pieces, `cut at ${cut}`).to.not.include(s.slice(0, k));
    }
    // a gap inside the password: the rest of that line is hidden, the next line is not
    const g = new SecretRanges();
    g.data(Buffer.from('PASS Sekr'), 0);
    g.gap(9);
    g.data(Buffer.from('1t\r\nNOOP\r\n'), 12);
    g.finish();
    expect(g.redact('1t\r\nNOOP\r\n', 12)).to.equal(`${REDACTED}\r\nNOOP\r\n`);
    expect(g.redact('PASS Sekr', 0)).to.equal(`PASS ${REDACTED}`);
  });

  it('no output of analyze, log or ladder shows a secret unless --show-passwords', async () => {
    const tmp = scratchDir('ftpdiag-i21-secrets-');
    try {
      const trace = tmp.file('secrets.pcap');
      session().writePcap(trace);
      const html = tmp.file('r.html');
      const runs = [
        ['analyze', '--fail-on', 'none', trace, '--html', html], ['analyze', '--json', trace],
        ...['table', 'tsv', 'csv', 'ndjson', 'xferlog'].map((f) => ['log', '--all', '--format', f, trace]),
        ['ladder', trace, '--connection', '0'],
      ];
      for (const args of runs) {
        const r = await cli(args);
        const out = r.out + r.err + (args.includes('--html') ? readFileSync(html, 'utf8') : '');
        for (const s of SECRETS) expect(out, `${args.join(' ')}: ${s}`).to.not.include(s);
        if (args[0] !== 'log' || args.includes('ndjson') || args.includes('csv')) expect(out, args.join(' ')).to.include(REDACTED);
      }
      const shown = await cli(['analyze', '--json', '--show-passwords', trace]);
      for (const s of SECRETS) expect(shown.out).to.include(s.replace(/\t/g, '\\t'));
      const cmds = JSON.parse(shown.out).sessions[0].commands.map((c: { verb: string }) => c.verb);
      expect(cmds).to.deep.equal(['USER', 'PASS', 'PASS', 'ACCT', 'ADAT', 'SITE', 'SITE', 'SITE', 'SITE', 'QUIT']);
    } finally {
      tmp.remove();
    }
  });

  it('compare: a password split across two segments is hidden in both, also where the tail differs between the captures', async () => {
    const tp = new TwoPoint({ offset: 0, delay: 0.001 }, { clientA: '192.0.2.1:40000', clientB: '192.0.2.1:40000', server: '198.51.100.2:21' });
    tp.send('client', 'S');
    tp.send('server', 'SA');
    tp.send('client', 'A');
    tp.send('server', 'PA', '331 password\r\n');
    tp.send('client', 'PA', 'PASS Sekr1tH');
    // the tail differs between the points (a middlebox rewrote it): compare shows both versions
    tp.send('client', 'PA', 'eadTailA\r\n', { bPayload: 'eadTailB\r\n' });
    tp.send('server', 'PA', '230 ok\r\n');
    tp.send('client', 'PA', 'SITE PSWD Sekr1tOld', {});
    tp.send('client', 'PA', ' Sekr1tNew\r\n', { bPayload: ' Sekr1tNwe\r\n' });
    tp.send('server', 'PA', '200 ok\r\n');
    const f = writePair(tp);
    try {
      for (const extra of [[], ['--json'], ['--ladder'], ['--ladder', '--json']]) {
        const r = await cli(['compare', f.a, f.b, ...extra]);
        expect(r.code, r.err).to.equal(0);
        for (const s of ['Sekr1tH', 'eadTailA', 'eadTailB', 'Sekr1tOld', 'Sekr1tNew', 'Sekr1tNwe']) expect(r.out, `${extra.join(' ')}: ${s}`).to.not.include(s);
        // the changed segments are listed, their text withheld (compare names no secret's bytes)
        if (extra.length === 0) expect(r.out).to.match(/changed A#6 → B#6: payload bytes differ \(10 bytes, same length, its text redacted\)/);
      }
      const shown = await cli(['compare', f.a, f.b, '--show-passwords']);
      expect(shown.out).to.include('eadTailA').and.include('eadTailB');
    } finally {
      rmSync(f.dir, { recursive: true, force: true });
    }
  });
});
