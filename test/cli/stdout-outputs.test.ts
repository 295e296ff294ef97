// '-' means standard output for what analyze writes besides its report, as for tcpdump -w -:
// --html - prints the page, --annotate - the annotated capture (pcapng: `| wireshark -k -i -`);
// the text report is then left out and its summary line goes to standard error. Asking for two
// things on standard output (or one and --json) is a usage error.

import { expect } from 'chai';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readCapture } from '../../src/capture/read.ts';
import { runCli } from '../../src/cli/program.ts';
import type { CliIO } from '../../src/cli/io.ts';
import { cli } from '../support/cli.ts';
import { scratchDir } from '../support/crafted-sessions.ts';
import { projectRoot } from '../support/trace-files.ts';

const TRACE = join(projectRoot, 'captures', 'vsftpd-upload-rst.pcap');

describe('cli: standard output as a file (--html -, --annotate -)', function () {
  this.timeout(60_000);
  const scratch = scratchDir('ftpdiag-i25-stdout-');
  after(() => scratch.remove());

  it('--html - prints the page alone; the summary line on standard error; the exit status unchanged', async () => {
    const r = await cli(['analyze', TRACE, '--html', '-']);
    expect(r.code).to.equal(1);
    expect(r.out.startsWith('<!DOCTYPE html>')).to.equal(true);
    expect(r.out.trimEnd().endsWith('</html>')).to.equal(true);
    expect(r.err.replace(/\s+/g, ' ')).to.match(/^\S*vsftpd-upload-rst\.pcap: pcap, EN10MB, 39 frames — 2 TCP connections, 1 FTP session, 1 transfer — 1 error, 0 warnings, 0 info $/);
  });

  it('--annotate - writes the pcapng to standard output, byte for byte what --annotate FILE writes', async () => {
    const chunks: Buffer[] = [];
    let err = '';
    const io: CliIO = { out: () => {}, outBytes: (b) => void chunks.push(Buffer.from(b)), err: (t) => void (err += t), stdoutIsTTY: false, columns: undefined, env: {} };
    expect(await runCli(['analyze', TRACE, '--annotate', '-'], io)).to.equal(1);
    const piped = Buffer.concat(chunks);
    expect(err).to.include('ftpdiag: annotated capture written to standard output: 39 frames, 3 with ftpdiag comments');
    const file = scratch.file('annotated.pcapng');
    expect((await cli(['analyze', TRACE, '--annotate', file])).code).to.equal(1);
    const { readFileSync } = await import('node:fs');
    expect(piped.equals(readFileSync(file))).to.equal(true);
    const copy = scratch.file('piped.pcapng');
    writeFileSync(copy, piped);
    let frames = 0;
    const summary = await readCapture(copy, () => void frames++);
    expect([summary.format, frames]).to.deep.equal(['pcapng', 39]);
  });

  it('two outputs on standard output, or one with --json: one line, exit 2', async () => {
    for (const args of [['--html', '-', '--annotate', '-'], ['--html', '-', '--json'], ['--annotate', '-', '--json']]) {
      const r = await cli(['analyze', TRACE, ...args]);
      expect(r.code, args.join(' ')).to.equal(2);
      expect(r.err, args.join(' ')).to.match(/^ftpdiag: .* both write to standard output: give .* a file name\n$/);
    }
  });
});
