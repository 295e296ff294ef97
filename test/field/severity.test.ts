// Class 12 of issue 23: severity that means something. The same harm gets the same severity (and
// the same outcome) whichever way the data flowed; a transfer's outcome never contradicts its
// findings; and the traces here that show working sessions get no warning and no error.

import { expect } from 'chai';
import { existsSync } from 'node:fs';
import { basename, join } from 'node:path';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import { builtinRuleSet } from '../../src/diagnose/rule-loader.ts';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import type { AnalysisResult } from '../../src/pipeline/result.ts';
import { everyTrace, projectRoot, traceFiles } from '../support/trace-files.ts';
import { analyzeTrace, login, quit } from './support.ts';

type Dir = 'upload' | 'download';
type End = 'sender-rst' | 'receiver-rst-after-fin' | 'receiver-rst-early';

/** A passive transfer of 20,000 bytes whose data connection ends as `end` says, answered 226. */
function transfer(dir: Dir, end: End, preliminary = '150 Ok'): TraceBuilder {
  const t = new TraceBuilder();
  const c = login(t);
  c.client('PA', 'PASV\r\n');
  c.server('PA', '227 Entering Passive Mode (198,51,100,20,195,80)\r\n');
  c.client('PA', dir === 'upload' ? 'STOR a.bin\r\n' : 'RETR a.bin\r\n');
  const d = t.tcp({ client: '192.0.2.10:41000', server: '198.51.100.20:50000' });
  d.handshake();
  c.server('PA', `${preliminary}\r\n`);
  const sender = dir === 'upload' ? 'client' : 'server';
  const receiver = dir === 'upload' ? 'server' : 'client';
  d.stream(sender, 20_000);
  d.send(receiver, 'A');
  if (end === 'sender-rst') d.send(sender, 'RA');
  else if (end === 'receiver-rst-early') d.send(receiver, 'RA');
  else {
    d.send(sender, 'FA');
    d.send(receiver, 'A');
    d.send(receiver, 'RA');
  }
  c.server('PA', '226 Transfer complete\r\n');
  quit(c);
  return t;
}

const about = (r: AnalysisResult) => r.findings.filter((f) => f.transfer === 0 || f.connection === 1).map((f) => `${f.severity}:${f.id}`);

/** Traces of captures/ and of the shared corpus that show working sessions, and why. */
const HEALTHY_CORPUS: Record<string, string> = {
  'suricata-verify/bug-4877__input.pcap': 'active STOR and RETR with their data connections',
  'suricata-verify/filestore-v2.7-stream-depth__input.pcap': 'active RETR of 170 KB',
  'suricata-verify/ftp-active-mode.pcap': 'vsftpd active RETR over loopback',
  'suricata-verify/ftp-passive-mode.pcap': 'vsftpd passive RETR over loopback',
  'suricata-verify/ftp-download-active__input.pcap': 'active NLST and RETR',
  'suricata-verify/ftp-download-passive__input.pcap': 'passive NLST and RETR',
  'suricata-verify/ftp-upload-active__input.pcap': 'active NLST and STOR',
  'suricata-verify/ftp-upload-passive__input.pcap': 'passive NLST and STOR',
  'suricata-verify/ruletype-firewall-116-ftp-all-data-ipv4__input.pcap': 'every transfer command, both modes, IPv4',
  'suricata-verify/ruletype-firewall-117-ftp-all-data-ipv6__input.pcap': 'every transfer command, EPRT and EPSV, IPv6',
  'suricata-verify/ruletype-firewall-118-ftp-stou-no-filename-active__input.pcap': 'STOU without a name',
  'suricata-verify/bug-3519__input.pcap': 'control connection only (data not captured), all 226',
  'suricata-verify/ftp-retr-bypass-baseline__input.pcap': 'control connection only, RETR 226',
  'suricata-verify/output-eve-ftp-data__input.pcap': 'active NLST and RETR amid other traffic',
  'suricata-verify/ftp-ippair-leak-5204__input.pcap': 'ten replays of a working active session',
  'zeek/ipv4.pcap': 'active and passive LIST and RETR',
  'zeek/ipv6.pcap': 'EPRT and EPSV transfers over IPv6',
  'zeek/ipv6-retr-samba.pcap': 'EPSV RETR, data not captured',
  'zeek/pe-single.pcap': 'passive LIST and four RETRs',
  'zeek/retr.pcap': 'EPSV RETR (and a CWD probe on a file)',
  'zeek/bigtransfer.pcap': 'a large RETR the capture dropped segments of',
  'zeek/ftp-with-numbers-in-filename.pcap': 'a session captured from its middle',
  'zeek/fake-server-delays-all.pcap': 'a client pipelining before the greeting',
};
const HEALTHY_REALWORLD = ['karthik-ftp_ipv6.pcap', 'luguifang-ftp-cmd.pcap', 'paresh-ftp-data.pcap', 'samuelito-ftps.pcap'];

describe('field captures: severity that means something', function () {
  this.timeout(120_000);

  it('a sender that aborts with RST after everything was acknowledged: the same error and outcome both ways', () => {
    const up = analyzeTrace(transfer('upload', 'sender-rst'));
    const down = analyzeTrace(transfer('download', 'sender-rst'));
    expect(up.transfers[0]!.outcome).to.equal('aborted');
    expect(down.transfers[0]!.outcome).to.equal('aborted');
    expect(about(up)).to.deep.equal(['error:upload-reset']);
    expect(about(down)).to.deep.equal(['error:tcp-reset']);
  });

  it('a receiver that resets after the data and the FIN were acknowledged: information both ways, complete', () => {
    for (const dir of ['upload', 'download'] as const) {
      const r = analyzeTrace(transfer(dir, 'receiver-rst-after-fin'));
      expect(r.transfers[0]!.outcome, dir).to.equal('complete');
      expect(about(r), dir).to.deep.equal(['info:tcp-reset']);
      expect(r.findings[0]!.summary, dir).to.include('complete on the wire, closed abortively');
    }
  });

  it('a receiver that resets before the end of the file (no FIN yet), answered 226: the same error and outcome both ways', () => {
    const up = analyzeTrace(transfer('upload', 'receiver-rst-early'));
    const down = analyzeTrace(transfer('download', 'receiver-rst-early'));
    expect([up.transfers[0]!.outcome, down.transfers[0]!.outcome]).to.deep.equal(['aborted', 'aborted']);
    expect(about(up)).to.deep.equal(['error:receiver-reset']);
    expect(about(down)).to.deep.equal(['error:receiver-reset']);
    // one sentence for both, only the roles swapped
    const words = (r: AnalysisResult) => r.findings.find((f) => f.id === 'receiver-reset')!.summary.replace(/STOR|RETR/, 'X').replace(/upload|download/, 'D').replace('the server answered', 'R');
    expect(words(up).replace(/server/g, 'A').replace(/client/g, 'B')).to.equal(words(down).replace(/client/g, 'A').replace(/server/g, 'B'));
    expect(words(down)).to.include('reporting success for a transfer the client aborted');
  });

  it('a receiver that resets after every announced byte, before the FIN: information, complete, both ways', () => {
    for (const dir of ['upload', 'download'] as const) {
      const r = analyzeTrace(transfer(dir, 'receiver-rst-early', '150 Opening BINARY mode data connection for a.bin (20000 bytes)'));
      expect(r.transfers[0]!.outcome, dir).to.equal('complete');
      expect(about(r), dir).to.deep.equal(['info:receiver-reset']);
      expect(r.findings.find((f) => f.id === 'receiver-reset')!.summary, dir).to.include('complete on the wire, closed abortively');
    }
  });

  // The findings that judge a transfer's data (its connection, its bytes, its end). Not those about
  // the session around it: control-idle-timeout, for one, reports a control connection lost
  // after the file had all arrived.
  const DATA_VERDICTS = new Set(['upload-reset', 'receiver-reset', 'transfer-truncated', 'transfer-aborted', 'data-connection-failed', 'tcp-reset', 'lone-data-connection', 'encrypted-data-connection']);

  it('no transfer an error about its data concerns is "complete", on every trace here and in the corpus', async () => {
    const wrong: string[] = [];
    for (const path of everyTrace()) {
      const { result } = await analyzeFile(path, { rules: builtinRuleSet() });
      for (const f of result.findings) {
        const t = f.transfer === null ? undefined : result.transfers.find((x) => x.id === f.transfer);
        if (f.severity === 'error' && DATA_VERDICTS.has(f.id) && t && t.outcome === 'complete') wrong.push(`${basename(path)}: ${f.id} on transfer ${t.id}`);
      }
    }
    expect(wrong).to.deep.equal([]);
  });

  it('traces of working sessions get no warning and no error', async function () {
    const corpus = join(projectRoot, '..', 'shared', 'corpus');
    const paths = traceFiles(join(projectRoot, 'captures')).filter((p) => /clean|ipv6-epsv-eprt/.test(p));
    if (existsSync(corpus)) {
      paths.push(...Object.keys(HEALTHY_CORPUS).map((p) => join(corpus, 'public', p)));
      paths.push(...HEALTHY_REALWORLD.map((p) => join(corpus, 'realworld', 'traces', p)));
    } else console.log('      (../shared/corpus is absent: only captures/ checked)');
    expect(paths.length).to.be.at.least(8);
    const loud: string[] = [];
    for (const path of paths) {
      const { result } = await analyzeFile(path, { rules: builtinRuleSet() });
      for (const f of result.findings) if (f.severity !== 'info') loud.push(`${basename(path)}: ${f.severity} ${f.id}`);
    }
    expect(loud).to.deep.equal([]);
  });
});
