// Resource bounds: each cap, set small, is hit by a crafted trace; the analysis still completes
// and the cap is reported as a finding citing frames.

import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { analyse, withId } from '../support/analyse.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import { renderText } from '../../src/report/text.ts';
import { cliLimits, parseLimit } from '../../src/cli/limits-option.ts';
import { CliError, type CliIO } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/program.ts';


/** A control session: greeting and login, then `body`. */
function ftpSession(t: TraceBuilder, body: (ctl: TcpLadder) => void): TcpLadder {
  const ctl = t.tcp({ client: '192.0.2.10:40000', server: '192.0.2.20:21' });
  ctl.handshake();
  ctl.server('PA', '220 ready\r\n');
  ctl.client('PA', 'USER anna\r\n');
  ctl.server('PA', '331 password\r\n');
  ctl.client('PA', 'PASS x\r\n');
  ctl.server('PA', '230 ok\r\n');
  body(ctl);
  return ctl;
}

/** A connection on `port` that loses its first data segment then sends `after` bytes out of order. */
function holeyFlow(t: TraceBuilder, port: number, after: number): number[] {
  const c = t.tcp({ client: `198.51.100.1:${port}`, server: '198.51.100.2:5000' });
  c.handshake();
  c.lose('client', 100);
  return c.stream('client', after, 500);
}

describe('pipeline: resource limits are reported as findings', function () {
  it('maxFlows: the idle flow pushed out is flow-evicted', function () {
    const t = new TraceBuilder();
    const conns = [0, 1, 2, 3].map((i) => t.tcp({ client: `198.51.100.1:${41000 + i}`, server: '198.51.100.2:80' }));
    for (const c of conns) {
      c.handshake();
      c.client('PA', 'hello');
    }
    const r = analyse(t, { tcp: { maxFlows: 2 } });
    const f = withId(r, 'flow-evicted');
    expect(f.length).to.be.greaterThan(0);
    expect(f[0]!.frames.length).to.be.greaterThan(0);
    expect(r.connections).to.have.length(4);
    expect(withId(analyse(t, {}), 'flow-evicted')).to.have.length(0);
  });

  it('maxBufferedBytesPerFlow: out-of-order bytes beyond the cap are a reassembly-overflow', function () {
    const t = new TraceBuilder();
    const frames = holeyFlow(t, 42000, 3000);
    const r = analyse(t, { tcp: { maxBufferedBytesPerFlow: 1000 } });
    const f = withId(r, 'reassembly-overflow');
    expect(f).to.have.length(1);
    expect(f[0]!.frames.length).to.be.greaterThan(0);
    expect(frames).to.include(f[0]!.frames[0]);
    expect(withId(analyse(t, {}), 'reassembly-overflow')).to.have.length(0);
  });

  it('maxBufferedBytesTotal: flows each under their cap, over the total, give up the largest hole', function () {
    const t = new TraceBuilder();
    const small = holeyFlow(t, 43000, 1000);
    const big = holeyFlow(t, 43001, 2500);
    const limits = { tcp: { maxBufferedBytesPerFlow: 1 << 20, maxBufferedBytesTotal: 3000 } };
    const r = analyse(t, limits);
    const f = withId(r, 'reassembly-overflow');
    expect(f).to.have.length(1);
    // the flow holding the most is the one relieved, and the finding cites one of its frames
    expect(f[0]!.connection).to.equal(1);
    expect(big).to.include(f[0]!.frames[0]);
    expect(small).to.not.include(f[0]!.frames[0]);
    expect(withId(analyse(t, { tcp: { maxBufferedBytesPerFlow: 1 << 20 } }), 'reassembly-overflow')).to.have.length(0);
  });

  it('maxLine: a control line longer than the cap is control-line-too-long', function () {
    const t = new TraceBuilder();
    let long = 0;
    ftpSession(t, (ctl) => {
      long = ctl.client('PA', `CWD ${'a'.repeat(200)}\r\n`);
      ctl.server('PA', '250 ok\r\n');
      ctl.close();
    });
    const r = analyse(t, { ftp: { maxLine: 64 } });
    const f = withId(r, 'control-line-too-long');
    expect(f).to.have.length(1);
    expect(f[0]!.frames).to.include(long);
    expect(withId(analyse(t, {}), 'control-line-too-long')).to.have.length(0);
  });

  it('maxPending: commands beyond the cap awaiting replies are too-many-pending-commands', function () {
    const t = new TraceBuilder();
    const sent: number[] = [];
    ftpSession(t, (ctl) => {
      for (let i = 0; i < 10; i++) sent.push(ctl.client('PA', 'NOOP\r\n'));
      ctl.close();
    });
    const r = analyse(t, { ftp: { maxPending: 4 } });
    const f = withId(r, 'too-many-pending-commands');
    expect(f).to.have.length(1);
    expect(f[0]!.severity).to.equal('warning');
    expect(f[0]!.frames).to.deep.equal(sent.slice(4));
    expect(r.sessions[0]!.pendingOverflow).to.equal(6);
    expect(withId(analyse(t, {}), 'too-many-pending-commands')).to.have.length(0);
  });

  it('maxCommands: commands beyond the per-session cap are counted, not kept, and commands-not-kept says so', function () {
    const t = new TraceBuilder();
    const pasv: number[] = [];
    ftpSession(t, (ctl) => {
      for (let i = 0; i < 3; i++) {
        pasv.push(ctl.client('PA', 'PASV\r\n'));
        ctl.server('PA', `227 Entering Passive Mode (192,0,2,20,78,${32 + i})\r\n`);
        const d = t.tcp({ client: `192.0.2.10:${50000 + i}`, server: `192.0.2.20:${20000 + i}` });
        d.handshake();
        ctl.client('PA', `RETR f${i}\r\n`);
        ctl.server('PA', '150 here it comes\r\n');
        d.server('PA', 1000);
        d.close();
        ctl.server('PA', '226 done\r\n');
      }
      ctl.close();
    });
    // USER, PASS and the first PASV kept; its RETR and the two later transfers' commands counted
    const r = analyse(t, { ftp: { maxCommands: 3 } });
    const s = r.sessions[0]!;
    expect(s.commands.map((c) => c.verb)).to.deep.equal(['USER', 'PASS', 'PASV']);
    expect(s.commandsDropped).to.equal(5);
    expect(r.transfers.map((x) => [x.argument, x.bytes])).to.deep.equal([
      ['f0', 1000],
      ['f1', 1000],
      ['f2', 1000],
    ]);
    const f = withId(r, 'commands-not-kept');
    expect(f).to.have.length(1);
    expect(f[0]!.severity).to.equal('warning');
    expect(f[0]!.frames).to.deep.equal([pasv[0]]);
    expect(f[0]!.summary).to.contain(`kept the first 3 commands of the session; the 5 commands after frame ${pasv[0]}`);
    expect(renderText(r, { color: false })).to.contain('8 commands (the first 3 kept), 3 transfers');
    expect(withId(analyse(t, {}), 'commands-not-kept')).to.have.length(0);
  });
});

describe('cli: limit options', function () {
  it('parses counts and byte sizes, rejecting junk with the option name', function () {
    expect(parseLimit('max-line', '8K', true)).to.equal(8192);
    expect(parseLimit('max-total-buffer', '256MiB', true)).to.equal(256 * 1024 * 1024);
    expect(parseLimit('max-flows', '12', false)).to.equal(12);
    expect(() => parseLimit('max-flows', '12K', false)).to.throw(CliError, /--max-flows/);
    expect(() => parseLimit('max-line', '0', true)).to.throw(CliError, /at least 1/);
    expect(() => parseLimit('max-line', 'lots', true)).to.throw(CliError, /--max-line/);
    expect(cliLimits({ maxFlows: '3', maxPending: '7', maxFlowBuffer: undefined, maxTotalBuffer: '1M', maxLine: '100' }))
      .to.deep.equal({ tcp: { maxFlows: 3, maxBufferedBytesTotal: 1 << 20 }, ftp: { maxPending: 7, maxLine: 100 } });
  });

  it('analyze --max-pending reaches the FTP stage', async function () {
    const t = new TraceBuilder();
    ftpSession(t, (ctl) => {
      for (let i = 0; i < 6; i++) ctl.client('PA', 'NOOP\r\n');
      ctl.close();
    });
    const dir = mkdtempSync(join(tmpdir(), 'ftpdiag-limits-'));
    try {
      const file = join(dir, 'pending.pcap');
      t.writePcap(file);
      const run = async (args: string[]) => {
        let out = '';
        const io: CliIO = { out: (s) => void (out += s), err: () => {}, stdoutIsTTY: false, columns: undefined, env: {} };
        const code = await runCli(args, io);
        return { code, ids: (JSON.parse(out) as { findings: Finding[] }).findings.map((f) => f.id) };
      };
      expect((await run(['analyze', '--json', '--max-pending', '2', file])).ids).to.include('too-many-pending-commands');
      expect((await run(['analyze', '--json', file])).ids).to.not.include('too-many-pending-commands');
      let err = '';
      const bad = await runCli(['analyze', '--max-pending', 'x', file], { out: () => {}, err: (s) => void (err += s), stdoutIsTTY: false, columns: undefined, env: {} });
      expect(bad).to.equal(2);
      expect(err).to.match(/--max-pending/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
