// What every command does when its output or its run is cut short: standard output on a full
// disk (one line, exit 2, no stack trace, even for --help), a reader that goes away (`| head`:
// the exit status still tells what was found, --html still written), Ctrl-C or SIGTERM during
// `analyze` (the report of what was read, a line saying so, exit 130/143), and a capture that
// faults part-way in `compare` (the fault on standard error).

import { expect } from 'chai';
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter } from 'node:events';
import { existsSync, openSync, closeSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { fileURLToPath } from 'node:url';
import { streamOutput, type CliIO } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/program.ts';
import { cli } from '../support/cli.ts';
import { failedLogins, scratchDir } from '../support/crafted-sessions.ts';

const repo = fileURLToPath(new URL('../../', import.meta.url));
const bin = join(repo, 'bin/ftpdiag.js');
// the sources, as the other tests run them (a bundle older than an edit is never run anyway)
const env = { ...process.env, NO_COLOR: '1', FTPDIAG_NO_BUNDLE: '1' };

/** Spawns the CLI; resolves with its exit status (or 128 + signal), stdout and stderr. */
function run(child: ChildProcess): Promise<{ status: number; out: string; err: string }> {
  let out = '';
  let err = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (err += d.toString()));
  return new Promise((resolve) => child.on('close', (code, sig) => resolve({ status: code ?? (sig ? 128 : -1), out, err })));
}

describe('cli: output faults, early readers and interrupts', function () {
  this.timeout(60_000);
  const tmp = scratchDir('ftpdiag-i21-out-');
  const logins = tmp.file('logins.pcap'); // 600 failed logins: an error finding, a long report
  const small = tmp.file('small.pcap');
  const many = tmp.file('many.pcap'); // 3,000: a report several pipe buffers long
  before(() => {
    failedLogins(600).writePcap(logins);
    failedLogins(2).writePcap(small);
    failedLogins(3000).writePcap(many);
  });
  after(() => tmp.remove());

  describe('standard output on a full disk (/dev/full)', () => {
    before(function () {
      if (!existsSync('/dev/full')) this.skip(); // Linux has it; elsewhere there is no full device to write to
    });
    for (const args of [['--help'], ['codes', '226'], ['analyze', '@small']]) {
      it(`ftpdiag ${args.join(' ')}: one line on standard error, exit 2, no stack trace`, async () => {
        const full = openSync('/dev/full', 'w');
        try {
          const argv = args.map((a) => (a === '@small' ? small : a));
          const r = await run(spawn(process.execPath, [bin, ...argv], { env, cwd: repo, stdio: ['ignore', full, 'pipe'] }));
          expect(r.status, r.err).to.equal(2);
          expect(r.err).to.equal('ftpdiag: cannot write to standard output: no space left on device (ENOSPC)\n');
        } finally {
          closeSync(full);
        }
      });
    }

    it('every command reports a write error once and finishes without throwing (in process)', async () => {
      const commands = [
        ['--help'], ['codes', '226'], ['analyze', small], ['analyze', '--json', small], ['log', small], ['log', '--format', 'csv', small],
        ['ladder', small, '--connection', '0'], ['compare', small, small], ['regress', small],
      ];
      for (const args of commands) {
        const faults: unknown[] = [];
        const disk = new Writable({ write: (_c, _e, cb) => cb(Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' })) });
        const io: CliIO = { ...streamOutput(disk, (e) => faults.push(e)), err: () => {}, stdoutIsTTY: false, columns: undefined, env: {} };
        await runCli(args, io);
        await new Promise((r) => setImmediate(r));
        expect(faults, args.join(' ')).to.have.length(1);
      }
    });
  });

  describe('a reader that goes away (| head -1)', () => {
    /** Runs the CLI and closes its standard output after the first piece of it. */
    const headed = (args: string[]) => {
      const child = spawn(process.execPath, [bin, ...args], { env, cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
      let first = '';
      child.stdout!.once('data', (d: Buffer) => {
        first = d.toString();
        child.stdout!.destroy();
      });
      return run(child).then((r) => ({ ...r, out: first }));
    };

    it('analyze still exits 1 for the error findings, without a word on standard error', async () => {
      const r = await headed(['analyze', logins]);
      expect(r.out).to.match(/logins\.pcap: pcap/);
      expect(r.err).to.equal('');
      expect(r.status).to.equal(1);
    });

    it('analyze --html FILE still writes the HTML report', async () => {
      const html = tmp.file('report.html');
      const r = await headed(['analyze', many, '--html', html]);
      expect(r.status, r.err).to.equal(1);
      expect(readFileSync(html, 'utf8')).to.match(/^<!DOCTYPE html>/i).and.include('login-failed');
    });

    it('the streamed report waits no longer once the reader is gone (in process)', async () => {
      // a reader that takes nothing and then fails with EPIPE: drained() must not wait forever
      const pipe = new Writable({ highWaterMark: 16, write: (_c, _e, cb) => setTimeout(() => cb(Object.assign(new Error('write EPIPE'), { code: 'EPIPE' })), 5) });
      const io: CliIO = { ...streamOutput(pipe, () => expect.fail('EPIPE is not a fault')), err: () => {}, stdoutIsTTY: false, columns: undefined, env: {} };
      expect(await runCli(['analyze', logins], io)).to.equal(1);
      expect(io.outputGone!.aborted).to.equal(true);
    });
  });

  describe('Ctrl-C and SIGTERM during analyze', () => {
    for (const [sig, code] of [['SIGINT', 130], ['SIGTERM', 143]] as const) {
      it(`${sig} on \`… | ftpdiag analyze -\` whose writer never closes: the report of what was read, then exit ${code}`, async () => {
        const child = spawn(process.execPath, [bin, 'analyze', '-'], { env, cwd: repo, stdio: ['pipe', 'pipe', 'pipe'] });
        const done = run(child);
        const bytes = readFileSync(logins);
        // more than a pipe holds: once it drained, the reader is reading (and listening)
        await new Promise<void>((resolve) => {
          if (child.stdin!.write(bytes)) resolve();
          else child.stdin!.once('drain', resolve);
        });
        child.kill(sig);
        const r = await done;
        child.stdin!.destroy();
        expect(r.status, r.err).to.equal(code);
        expect(r.err).to.match(new RegExp(`^ftpdiag: interrupted by ${sig}: the report covers the \\d+ frames read before it\\n$`));
        const frames = Number(/covers the (\d+) frames/.exec(r.err)![1]);
        expect(frames).to.be.greaterThan(1000);
        expect(r.out).to.match(new RegExp(`^-: pcap, EN10MB, ${frames} frames`));
        expect(r.out).to.include('login-failed').and.include(`reading stopped by ${sig}`);
      });
    }

    it('Ctrl-C during `analyze FILE`: the report covers the frames read before it (in process)', async () => {
      const t = failedLogins(20);
      const bulk = t.tcp({ client: '192.0.2.250:50000', server: '198.51.100.9:8080' });
      bulk.handshake();
      bulk.stream('client', 4_000_000);
      bulk.close();
      const file = tmp.file('bulk.pcap');
      t.writePcap(file);
      // the signal arrives as soon as the command listens for it
      const signals = new (class extends EventEmitter {
        override on(name: string | symbol, fn: (...a: unknown[]) => void): this {
          super.on(name, fn);
          if (name === 'SIGINT') setImmediate(() => this.emit('SIGINT', 'SIGINT'));
          return this;
        }
      })();
      const r = await cli(['analyze', '--json', file], { signals });
      expect(r.code).to.equal(130);
      const report = JSON.parse(r.out);
      expect(report.capture.frames).to.be.greaterThan(0).and.lessThan(t.count);
      expect(report.capture.warnings[0].message).to.match(/^reading stopped by SIGINT: the frames after offset \d+ were not analysed$/);
      expect(report.findings.filter((f: { id: string }) => f.id === 'login-failed')).to.have.length(20);
      expect(r.err).to.equal(`ftpdiag: interrupted by SIGINT: the report covers the ${report.capture.frames} frames read before it\n`);
      expect(signals.listenerCount('SIGINT')).to.equal(0);
    });
  });

  it('compare: a capture that faults part-way is compared up to the fault, the fault on standard error', async () => {
    const bytes = readFileSync(small);
    // the 10th record claims 2 GiB
    let off = 24;
    for (let i = 0; i < 9; i++) off += 16 + bytes.readUInt32LE(off + 8);
    const bad = Buffer.from(bytes);
    bad.writeUInt32LE(0x7fffffff, off + 8);
    const file = tmp.file('bad.pcap');
    writeFileSync(file, bad);
    const r = await cli(['compare', small, file]);
    expect(r.code).to.equal(2);
    expect(r.out).to.include('read error');
    expect(r.err).to.equal(`ftpdiag: ${file}: offset ${off}: impossible record length 2147483647 bytes (snaplen 262144, limit 262144)\n`);
  });
});
