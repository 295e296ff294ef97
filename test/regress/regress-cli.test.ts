// regress as a CI job uses it: --update edits a reviewed expectation in place (comments and key
// order kept), an expectation naming a finding id no rule has is an error at its line with the
// id meant, and JUnit names are the same on every machine (relative to the directory given),
// with a `file` attribute, the report in system-out and the tool's version.

import { expect } from 'chai';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { cli } from '../support/cli.ts';
import { projectRoot } from '../support/trace-files.ts';
import { TOOL_VERSION } from '../../src/report/tool-version.ts';

const captures = join(projectRoot, 'captures');

describe('regress: --update, finding ids, JUnit', function () {
  this.timeout(60_000);
  let dir = '';
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'ftpdiag-i25-regress-'));
    mkdirSync(join(dir, 'incidents', '2026'), { recursive: true });
    copyFileSync(join(captures, 'vsftpd-upload-rst.pcap'), join(dir, 'incidents', '2026', 'upload.pcap'));
    copyFileSync(join(captures, 'pyftpdlib-missing-file-550.pcap'), join(dir, 'incidents', 'missing.pcap'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('--update keeps the comments, notes and key order a person wrote, refreshing the facts', async () => {
    const file = join(dir, 'incidents', '2026', 'upload.expect.yaml');
    const written = [
      '# Incident 4711: the backup client resets its uploads (ticket OPS-4711).',
      '# The vendor fixed it in 2.3; keep this trace as the proof.',
      'note: reproduced with the vendor on 2026-11-03',
      'unexpected: error # only errors fail here',
      'trace: old-name.pcap',
      'findings:',
      '  present:',
      '    # the heart of the incident',
      '    - id: upload-reset',
      '      frames: [1]',
      '    - id: login-failed # wrong: this session logged in',
      '  absent: [control-reset] # the control connection must stay up',
      'transfers:',
      '  - command: STOR',
      '    note: the 48 KiB backup chunk # kept through updates',
      '    outcome: complete',
      'sessions: 7',
      '',
    ].join('\n');
    writeFileSync(file, written);
    const r = await cli(['regress', '--update', join(dir, 'incidents', '2026', 'upload.pcap')]);
    expect(r.code, r.out + r.err).to.equal(0);
    const text = readFileSync(file, 'utf8');
    for (const kept of [
      '# Incident 4711: the backup client resets its uploads (ticket OPS-4711).',
      '# The vendor fixed it in 2.3; keep this trace as the proof.',
      'note: reproduced with the vendor on 2026-11-03',
      'unexpected: error # only errors fail here',
      '# the heart of the incident',
      'absent: [control-reset] # the control connection must stay up',
      'note: the 48 KiB backup chunk # kept through updates',
    ]) {
      expect(text, kept).to.include(kept);
    }
    // the facts are the analysis': the finding's frames, the transfer's outcome, the sessions
    expect(text).to.include('trace: upload.pcap');
    expect(text).to.match(/- id: upload-reset\n\s+frames: \[22, 31, 32\]/);
    expect(text).to.not.include('login-failed');
    expect(text).to.include('outcome: aborted');
    expect(text).to.include('sessions: 1');
    // the keys stay in the order the person wrote them
    const order = ['note:', 'unexpected:', 'trace:', 'findings:', 'transfers:', 'sessions:'].map((k) => text.indexOf(`\n${k}`) >= 0 ? text.indexOf(`\n${k}`) : text.indexOf(k));
    expect(order).to.deep.equal([...order].sort((a, b) => a - b));
    // and the result passes
    expect((await cli(['regress', join(dir, 'incidents', '2026')])).code).to.equal(0);
  });

  it('an unknown finding id is an error naming the file, the line and the id meant', async () => {
    const file = join(dir, 'incidents', '2026', 'upload.expect.yaml');
    writeFileSync(file, 'trace: upload.pcap\nfindings:\n  present:\n    - upload-rest\n  absent:\n    - contrl-reset\n');
    const r = await cli(['regress', '--width', '1000', join(dir, 'incidents', '2026')]);
    expect(r.code).to.equal(1);
    expect(r.out).to.match(/ERROR/);
    // one line each, then once where the ids are listed
    const lines = r.out.split('\n');
    expect(lines).to.include(`${join(dir, 'incidents', '2026', 'upload.pcap')}: ${file}:4: unknown finding id 'upload-rest' (did you mean upload-reset?)`);
    expect(lines).to.include(`${join(dir, 'incidents', '2026', 'upload.pcap')}: ${file}:6: unknown finding id 'contrl-reset' (did you mean control-reset?)`);
    expect(lines.filter((l) => l.endsWith('ftpdiag rules lists the finding ids'))).to.have.length(1);
    // JUnit: the first as the message, all of them in the element
    const junit = await cli(['regress', '--junit', '-', join(dir, 'incidents', '2026')]);
    expect(junit.out).to.include(`<error message="${file}:4: unknown finding id &apos;upload-rest&apos; (did you mean upload-reset?)">`);
    expect(junit.out).to.match(/contrl-reset&apos; \(did you mean control-reset\?\)\nftpdiag rules lists the finding ids<\/error>/);
    // --update refuses to carry a typo over too
    const u = await cli(['regress', '--update', '--width', '1000', join(dir, 'incidents', '2026')]);
    expect(u.code).to.equal(1);
    expect(u.out).to.include("unknown finding id 'contrl-reset'");
  });

  it('JUnit: names relative to the directory given, file attributes, the report in system-out, the version', async () => {
    expect((await cli(['regress', '--update', join(dir, 'incidents')])).code).to.equal(0);
    const xmlFile = join(dir, 'out.xml');
    const r = await cli(['regress', '--junit', xmlFile, join(dir, 'incidents')]);
    expect(r.code, r.out).to.equal(0);
    const xml = readFileSync(xmlFile, 'utf8');
    const cases = [...xml.matchAll(/<testcase classname="([^"]*)" name="([^"]*)" file="([^"]*)"/g)].map((m) => [m[1], m[2], m[3]]);
    const file = (p: string) => relative(process.cwd(), p).startsWith('..') ? p : relative(process.cwd(), p);
    expect(cases).to.deep.equal([
      [join(dir, 'incidents'), '2026/upload.pcap', file(join(dir, 'incidents', '2026', 'upload.pcap'))],
      [join(dir, 'incidents'), 'missing.pcap', file(join(dir, 'incidents', 'missing.pcap'))],
    ]);
    expect(xml).to.include(`<property name="ftpdiag.version" value="${TOOL_VERSION}"/>`);
    const out = /<system-out>([^<]*)<\/system-out>/.exec(xml)?.[1] ?? '';
    expect(out).to.include('ERROR upload-reset — Upload ended with RST instead of FIN');
    // --junit -: the XML alone on standard output, the table on standard error
    const piped = await cli(['regress', '--junit', '-', join(dir, 'incidents')]);
    expect(piped.out.startsWith('<?xml')).to.equal(true);
    expect(piped.err).to.include('2 passed, 0 failed, 0 errors');
  });
});
