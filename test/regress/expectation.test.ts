import { expect } from 'chai';
import { parseExpectation, ExpectationError } from '../../src/regress/expectation.ts';
import { checkAgainst, type Analysed } from '../../src/regress/check.ts';
import { expectationText } from '../../src/regress/update.ts';
import { junitXml } from '../../src/regress/junit.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import type { Transfer } from '../../src/ftp/types.ts';

function finding(id: string, severity: Finding['severity'], frames: number[]): Finding {
  return { id, severity, frames, title: id, summary: `${id} summary`, explanation: '', action: '', references: [], connection: null, session: 0, transfer: null };
}

function transfer(command: Transfer['command'], argument: string, replyCodes: number[], outcome: Transfer['outcome'], bytes: number): Transfer {
  return { command, argument, replyCodes, outcome, bytes, bytesStatus: 'counted', mode: 'passive' } as Transfer;
}

const result: Analysed = {
  sessions: [{}],
  findings: [finding('upload-reset', 'error', [63, 64]), finding('duplicate-ack', 'info', [10, 11])],
  transfers: [transfer('LIST', '', [150, 226], 'complete', 300), transfer('STOR', 'big.bin', [150, 426], 'aborted', 1461302)],
};

function errorOf(text: string): ExpectationError {
  try {
    parseExpectation(text, 'x.expect.yaml');
  } catch (e) {
    if (e instanceof ExpectationError) return e;
    throw e;
  }
  throw new Error('expected an ExpectationError');
}

describe('regress: expectation files', () => {
  it('passes when the analysis matches', () => {
    const exp = parseExpectation(
      ['trace: x.pcap', 'unexpected: warning', 'sessions: 1', 'findings:', '  present:', '    - id: upload-reset', '      frames: [63, 64]', '  absent: [lost-segment]',
        'transfers:', '  - command: STOR', '    replyCodes: [150, 426]', '    outcome: aborted', '    bytes: 1461302'].join('\n'),
      'x.expect.yaml',
    );
    expect(checkAgainst(result, exp)).to.deep.equal([]);
  });

  it('reports each kind of difference', () => {
    const exp = parseExpectation(
      ['unexpected: info', 'sessions: 2', 'findings:', '  present:', '    - id: upload-reset', '      frames: [70]', '    - transfer-truncated', '  absent: [upload-reset]',
        'transfers:', '  - command: STOR', '    outcome: complete', '  - command: RETR'].join('\n'),
      'x.expect.yaml',
    );
    const kinds = checkAgainst(result, exp).map((m) => m.kind).sort();
    expect(kinds).to.deep.equal(['finding-frames', 'forbidden-finding', 'missing-finding', 'missing-transfer', 'sessions', 'transfer-field', 'unexpected-finding']);
  });

  it('matches transfers in order by command, so an extra one does not shift the rest', () => {
    const exp = parseExpectation('transfers:\n  - command: stor\n    argument: big.bin\n    bytes: 1461302\n', 'x');
    expect(checkAgainst(result, exp)).to.deep.equal([]);
  });

  it('names file and line for every kind of mistake', () => {
    expect(errorOf('findings:\n  present:\n    - id: a\n      framez: [1]\n').line).to.equal(3);
    expect(errorOf('trace: a\ntransfers:\n  - command: RETR\n  - bytes: 3\n').line).to.equal(4);
    expect(errorOf('trace: a\nbogus: 1\n').line).to.equal(2);
    expect(errorOf('a: [1, 2\n').message).to.match(/^x\.expect\.yaml:\d+: /);
    expect(errorOf('- just\n- a list\n').message).to.contain('mapping');
    expect(errorOf('unexpected: sometimes\n').line).to.equal(1);
  });

  it('--update writes a file that reads back and passes', () => {
    const text = expectationText(result, 'x.pcap', '/nonexistent/x.expect.yaml');
    expect(text).to.contain('replyCodes: [150, 426]');
    const exp = parseExpectation(text, 'x.expect.yaml');
    expect(exp.present.map((p) => p.id)).to.deep.equal(['upload-reset', 'duplicate-ack']);
    expect(checkAgainst(result, exp)).to.deep.equal([]);
    // and a later change that drops the finding is caught
    expect(checkAgainst({ ...result, findings: [] }, exp).map((m) => m.kind)).to.include('missing-finding');
  });
});

describe('regress: FTPS expectations naming a key log', () => {
  it('reads keylog: and a decrypted: block with the keys of the top level', () => {
    const exp = parseExpectation(
      ['trace: x.pcap', 'unexpected: warning', 'keylog: x.keylog', 'decrypted:', '  unexpected: error', '  sessions: 1', '  findings:', '    present: [upload-reset]', '    absent: [tls-keys-missing]',
        '  transfers:', '    - command: STOR', '      bytes: 1461302'].join('\n'),
      'x.expect.yaml',
    );
    expect([exp.keylog, exp.decrypted?.unexpected, exp.decrypted?.sessions, exp.decrypted?.absent]).to.deep.equal(['x.keylog', 'error', 1, ['tls-keys-missing']]);
    expect(checkAgainst(result, exp.decrypted!)).to.deep.equal([]);
  });

  it('names file and line for a decrypted: block without keylog:, a bad key, a keylog that is not a name', () => {
    expect(errorOf('trace: a\ndecrypted:\n  sessions: 1\n').message).to.contain('decrypted: needs keylog:');
    expect(errorOf('keylog: k\ndecrypted:\n  trace: b\n').line).to.equal(3);
    expect(errorOf('keylog: k\ndecrypted:\n  keylog: k2\n').line).to.equal(3);
    expect(errorOf('keylog: [1]\n').line).to.equal(1);
    expect(errorOf('keylog: k\ndecrypted: 3\n').line).to.equal(2);
  });

  it('--update writes the decrypted analysis under decrypted: when the expectation names a key log', () => {
    const text = expectationText(result, 'x.pcap', '/nonexistent/x.expect.yaml', { ...result, findings: [finding('tls-close-without-notify', 'error', [9])] });
    expect(text, 'no key log named: no decrypted block').to.not.contain('decrypted:');
  });
});

describe('regress: JUnit XML', () => {
  it('escapes names and lists failures', () => {
    const xml = junitXml('ftpdiag', [
      { name: 'a&b<.pcap', seconds: 0.5, failures: [], error: null },
      { name: 'c.pcap', seconds: 1, failures: ['expected finding x, not reported'], error: null },
      { name: 'd.pcap', seconds: 0, failures: [], error: 'd.expect.yaml:3: bad' },
    ]);
    expect(xml).to.contain('name="a&amp;b&lt;.pcap"');
    expect(xml).to.match(/tests="3" failures="1" errors="1"/);
    expect(xml).to.contain('<failure message="1 mismatch(es)">expected finding x, not reported</failure>');
    expect(xml).to.contain('<error message="d.expect.yaml:3: bad"/>');
  });
});
