// `npm test` runs the regression over captures/: every saved trace must still produce the
// diagnosis its NAME.expect.yaml records. Also the regress command's contract: exit codes,
// missing and malformed expectations, --update, JUnit.

import { expect } from 'chai';
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { discoverTraces } from '../../src/regress/discover.ts';
import { runRegression } from '../../src/regress/run.ts';

const root = fileURLToPath(new URL('../../', import.meta.url));
const captures = join(root, 'captures');

function ftpdiag(...args: string[]) {
  const r = spawnSync(process.execPath, [join(root, 'bin/ftpdiag.js'), ...args], { encoding: 'utf8', env: { ...process.env, NO_COLOR: '1' } });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('captures/: regression on saved traces', function () {
  this.timeout(120_000);

  it('every trace in captures/ has an expectation and passes it (worker threads)', async () => {
    const cases = discoverTraces([captures]);
    expect(cases.length).to.be.at.least(25);
    const outcomes = await runRegression(cases, { rulePaths: [], update: false, jobs: 2 });
    const bad = outcomes.filter((o) => o.status !== 'pass').map((o) => `${o.trace}: ${o.error ?? o.mismatches.join('; ')}`);
    expect(bad).to.deep.equal([]);
    expect(outcomes.map((o) => o.trace)).to.deep.equal(cases.map((c) => c.trace)); // reported in trace order
  });

  describe('the regress command', () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'ftpdiag-regress-'));
      copyFileSync(join(captures, 'vsftpd-upload-rst.pcap'), join(dir, 'incident.pcap'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('treats a trace without an expectation as an error, not a pass', () => {
      const r = ftpdiag('regress', '--width', '1000', dir);
      expect(r.code).to.equal(1);
      expect(r.out).to.contain('ERROR');
      expect(r.out).to.match(/incident\.expect\.yaml: missing \(write it with: ftpdiag regress --update /);
    });

    it('--update blesses a trace; the next run passes; a changed expectation fails with JUnit', () => {
      expect(ftpdiag('regress', '--update', dir).code).to.equal(0);
      const file = join(dir, 'incident.expect.yaml');
      const text = readFileSync(file, 'utf8');
      expect(text).to.contain('id: upload-reset');
      expect(text).to.contain('replyCodes: [150, 426]');
      expect(ftpdiag('regress', dir).code).to.equal(0);

      // A team's rule: this incident must never show a retransmission, and the upload must be complete.
      writeFileSync(file, text.replace('absent: []', 'absent: [upload-reset]').replace('outcome: aborted', 'outcome: complete'));
      const junit = join(dir, 'out.xml');
      const r = ftpdiag('regress', '--width', '1000', '--junit', junit, dir);
      expect(r.code).to.equal(1);
      expect(r.out).to.contain('finding upload-reset must not appear');
      expect(r.out).to.contain('outcome aborted, expected complete');
      const xml = readFileSync(junit, 'utf8');
      expect(xml).to.match(/tests="1" failures="1" errors="0"/);
      expect(xml).to.contain('<failure message="2 mismatches">');
    });

    it('names file and line of a malformed expectation', () => {
      writeFileSync(join(dir, 'incident.expect.yaml'), 'trace: incident.pcap\nfindings:\n  present:\n    - id: upload-reset\n      framez: [1]\n');
      const r = ftpdiag('regress', '--width', '1000', dir);
      expect(r.code).to.equal(1);
      expect(r.out).to.match(/incident\.expect\.yaml:4: findings\.present: unknown key 'framez'/);
    });

    it('exits 2 on usage errors: no traces found', () => {
      const empty = mkdtempSync(join(tmpdir(), 'ftpdiag-empty-'));
      try {
        const r = ftpdiag('regress', empty);
        expect(r.code).to.equal(2);
        expect(r.err).to.match(/^ftpdiag: no traces/);
      } finally {
        rmSync(empty, { recursive: true, force: true });
      }
    });
  });
});
