// Ladders show the evidence (issue 26): every frame a finding cites is drawn (text and SVG) or
// named with the option that draws it; pauses are marked with their duration; a forged RST's
// ladder shows the TTL and IP ID of the claimed sender's packets and of the RST; a lost
// segment's hole is marked with its size; a data-connection failure is one picture with the
// announcement and every attempt, whatever role the FTP stage gave it. On crafted traces, under
// several stack profiles and both modes.

import { expect } from 'chai';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { craftScenario, type ScenarioOptions } from '../../src/craft/ftp-scenarios.ts';
import { STACK_PROFILES } from '../../src/craft/stack-profiles.ts';
import { TraceBuilder, type TcpLadder } from '../../src/craft/trace-builder.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import type { AnalysisResult } from '../../src/pipeline/result.ts';
import { buildHtmlReport } from '../../src/report/html-report.ts';
import { gapText } from '../../src/report/ladder-text.ts';
import { cli } from '../support/cli.ts';
import { retrAndQuit } from '../support/many-sessions.ts';
import { expectFits, rowsByFrame } from './ladder-traces.ts';
import { analysis } from './support.ts';

/** The markup of the HTML article of `f` (its index in the result's findings). */
function article(html: string, r: AnalysisResult, f: Finding): string {
  const i = r.findings.indexOf(f);
  const from = html.indexOf(`<article class="finding ${f.severity}" id="finding-${i}"`);
  expect(from, `article of ${f.id}`).to.be.greaterThan(-1);
  return html.slice(from, html.indexOf('</article>', from));
}

const svgFrames = (markup: string) => new Set([...markup.matchAll(/<g class="pkt" data-frame="(\d+)">/g)].map((m) => Number(m[1])));
const svgTexts = (markup: string, cls: string) => [...markup.matchAll(new RegExp(`<text class="${cls}"[^>]*>([^<]*)</text>`, 'g'))].map((m) => m[1]!);

describe('report/ladder: the evidence is drawn', function () {
  this.timeout(60_000);
  let tmp: string;
  before(() => {
    tmp = mkdtempSync(join(tmpdir(), 'ftpdiag-evidence-'));
  });
  after(() => rmSync(tmp, { recursive: true, force: true }));

  let n = 0;
  function write(t: TraceBuilder, name: string): string {
    const file = join(tmp, `${n++}-${name}.pcap`);
    t.writePcap(file);
    return file;
  }
  const scenario = (o: Partial<ScenarioOptions> & Pick<ScenarioOptions, 'scenario'>) =>
    craftScenario({ client: STACK_PROFILES.linux, server: STACK_PROFILES.linux, tcpOptions: false, direction: 'download', mode: 'passive', ...o });

  const variants: Array<Pick<ScenarioOptions, 'client' | 'server' | 'mode' | 'direction'>> = [
    { client: STACK_PROFILES.linux, server: STACK_PROFILES.linux, mode: 'passive', direction: 'download' },
    { client: STACK_PROFILES.windows, server: STACK_PROFILES.bsd, mode: 'active', direction: 'upload' },
    { client: STACK_PROFILES.bsd, server: STACK_PROFILES.windows, mode: 'passive', direction: 'upload' },
  ];

  describe('an idle control connection dropped by a NAT (nat-idle)', () => {
    for (const v of variants) {
      const name = `${v.client.name}→${v.server.name} ${v.mode} ${v.direction}`;
      it(`${name}: every frame control-idle-timeout cites is drawn, the NOOP and the forged RST too, and the 425 s silence is marked`, async () => {
        const file = write(scenario({ scenario: 'nat-idle', ...v }), 'nat-idle');
        const r = await analysis(file);
        const f = r.findings.find((x) => x.id === 'control-idle-timeout');
        expect(f, 'the finding').to.not.equal(undefined);
        expect(f!.transfer).to.be.a('number');
        // text: the transfer's ladder, folded to a few rows
        const { code, out } = await cli(['ladder', file, '--transfer', String(f!.transfer), '--max', '30']);
        expect(code).to.equal(0);
        const rows = rowsByFrame(out);
        for (const fr of f!.frames) expect(rows.get(fr), `frame ${fr}`).to.include('control-idle-timeout');
        expect(out).to.not.include('not in this ladder');
        // the silence: a break mark says the control connection's silence and since when
        const s = r.sessions[r.transfers[f!.transfer!]!.session!]!;
        expect(out).to.match(/≈ +(\d+\.\d+ s later; )?control connection \d+ silent for \d+\.\d s \(since frame \d+\) +≈|≈ +C silent for \d+\.\d s/);
        // and a break mark stands between any two drawn rows a second or more apart
        const lines = out.split('\n');
        let prev: number | null = null;
        let marked = false;
        for (const line of lines) {
          const m = /^\s*(\d+\.\d+)\s+\d+\s/.exec(line);
          if (m) {
            const t = Number(m[1]);
            if (prev !== null && t - prev >= 1) expect(marked, `a pause before ${line}`).to.equal(true);
            prev = t;
            marked = false;
          } else if (line.includes('≈') || line.includes('┆')) marked = true;
        }
        expectFits(out);
        // SVG: the finding's ladder in the HTML report draws the same frames and the silence
        const html = await buildHtmlReport(file, r, { showPasswords: false });
        const a = article(html, r, f!);
        const drawn = svgFrames(a);
        for (const fr of f!.frames) expect(drawn.has(fr), `SVG frame ${fr}`).to.equal(true);
        expect(svgTexts(a, 'pause').join(' ')).to.match(new RegExp(`control connection ${s.control} silent for \\d+\\.\\d s`));
        expect(a).to.include('class="brk"');
      });
    }
  });

  it('frames a ladder leaves out are named with the option that draws them', async () => {
    const file = write(scenario({ scenario: 'nat-idle' }), 'nat-idle-connection');
    const r = await analysis(file);
    const f = r.findings.find((x) => x.id === 'control-idle-timeout')!;
    const control = r.sessions[0]!.control;
    // the control connection alone: the data connection's FIN it cites is elsewhere
    const { out } = await cli(['ladder', file, '--connection', String(control)]);
    const data = r.transfers[f.transfer!]!.dataConnection!;
    const elsewhere = f.frames.filter((fr) => {
      const c = r.connections[data]!;
      return fr >= c.firstFrame && fr <= c.lastFrame && !rowsByFrame(out).has(fr);
    });
    expect(elsewhere.length).to.be.greaterThan(0);
    expect(out.replace(/\n\s+/g, ' ')).to.include(`not in this ladder: ${elsewhere.join(', ')} (to draw them: --frame ${elsewhere[0]}`);
    // a budget too small for every cited frame of an info finding: folded ones say --max
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:80' });
    c.handshake();
    for (let i = 0; i < 60; i++) {
      c.client('PA', 100);
      c.client('PA', 100, { seq: 1 + i * 100, noAdvance: true, dt: 0.3 }); // sent again: retransmission (info)
      c.server('A');
    }
    const lossy = write(t, 'retransmissions');
    const rr = await analysis(lossy);
    expect(rr.findings.some((x) => x.id === 'retransmission' && x.frames.length > 20)).to.equal(true);
    const small = await cli(['ladder', lossy, '--connection', '0', '--max', '10']);
    expect(small.out.replace(/\n\s+/g, ' ')).to.match(/folded into "…": [\d, …]+(\(first \d+ of \d+ frames\) )?\(to draw them: --max \d+ draws the folded ones\)/);
  });

  describe('a reset forged in the server\'s name (forged-rst)', () => {
    for (const v of variants) {
      const name = `${v.client.name}→${v.server.name} ${v.mode} ${v.direction}`;
      it(`${name}: the ladder shows the TTL and IP ID of the server's packets and of the RST`, async () => {
        const file = write(scenario({ scenario: 'forged-rst', ...v }), 'forged-rst');
        const r = await analysis(file);
        const f = r.findings.find((x) => x.id === 'injected-reset');
        expect(f, 'injected-reset').to.not.equal(undefined);
        const rst = f!.frames[0]!;
        const control = r.connections[f!.connection!]!;
        const { out } = await cli(['ladder', file, '--connection', String(control.id)]);
        expect(out).to.include('ttl/id: IP TTL and ID');
        const rows = rowsByFrame(out);
        // the RST: the forger's TTL 61 and IP ID 0
        expect(rows.get(rst)).to.match(/ 61\/0 +│◀/);
        // the server's own packets: their TTL (initial minus 10 hops) and IDs; the client's: none
        const serverTtl = Math.max(1, v.server.ttl - 10);
        let serverRows = 0;
        for (const [fr, text] of rows) {
          if (fr === rst) continue;
          const row = text.split('\n')[0]!;
          if (row.includes('│◀')) {
            expect(row, `server row ${fr}`).to.match(new RegExp(` ${serverTtl}/\\d+ +│◀`));
            serverRows++;
          } else expect(row, `client row ${fr}`).to.match(/\d+ {2,}├/);
        }
        expect(serverRows).to.be.greaterThan(3);
        expectFits(out);
        // SVG: the same evidence in the finding's ladder
        const html = await buildHtmlReport(file, r, { showPasswords: false });
        const ips = svgTexts(article(html, r, f!), 'ip');
        expect(ips).to.include('ttl 61 id 0');
        expect(ips.filter((x) => x.startsWith(`ttl ${serverTtl} id `)).length).to.be.greaterThan(3);
      });
    }
  });

  it('a lost segment\'s hole is marked with its size, in the text and in the SVG', async () => {
    const t = new TraceBuilder();
    const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:21' });
    c.handshake();
    c.server('PA', '220 ready\r\n');
    c.client('PA', 'USER anonymous\r\n');
    c.server('PA', '230 in\r\n');
    c.client('PA', 'PASV\r\n');
    c.server('PA', '227 Entering Passive Mode (198,51,100,2,195,80)\r\n');
    const d = t.tcp({ client: '192.0.2.1:40001', server: '198.51.100.2:50000' });
    d.handshake();
    c.client('PA', 'RETR a.bin\r\n');
    c.server('PA', '150 here\r\n');
    d.server('A', 1460);
    d.client('A');
    // the next 2,920 bytes never reach the capture
    d.server('A', 1460, { seq: 1 + 3 * 1460 });
    d.client('A', undefined, { ack: 1 + 4 * 1460 });
    d.server('FA', undefined, { seq: 1 + 4 * 1460 });
    d.client('FA');
    d.server('A');
    c.server('PA', '226 done\r\n');
    c.client('PA', 'QUIT\r\n');
    c.server('PA', '221 bye\r\n');
    c.close();
    const file = write(t, 'hole');
    const r = await analysis(file);
    const f = r.findings.find((x) => x.id === 'lost-segment')!;
    expect(f, 'lost-segment').to.not.equal(undefined);
    const data = r.connections[f.connection!]!;
    expect(data.holes).to.deep.equal([{ frame: f.frames[0], by: 'server', offset: 1460, bytes: 2920 }]);
    const { out } = await cli(['ladder', file, '--transfer', '0']);
    const lines = out.split('\n');
    const at = lines.findIndex((l) => /^\s*\d+\.\d+\s+(\d+)\s/.exec(l)?.[1] === String(f.frames[0]));
    expect(lines[at - 1]).to.match(/│ +✕ 2,920 bytes missing( before it)? \(seq 1461–4380\) +│/);
    expectFits(out);
    const html = await buildHtmlReport(file, r, { showPasswords: false });
    expect(svgTexts(article(html, r, f), 'hole')).to.deep.equal(['✕ 2,920 bytes missing before it (seq 1461–4380)']);
  });

  describe('a data-connection failure is one picture: the announcement and every attempt', () => {
    function session(announce: (c: TcpLadder) => void): { t: TraceBuilder; c: TcpLadder } {
      const t = new TraceBuilder();
      const c = t.tcp({ client: '192.0.2.1:40000', server: '198.51.100.2:21', serverTtl: 63 });
      c.handshake();
      c.server('PA', '220 ready\r\n');
      c.client('PA', 'USER anonymous\r\n');
      c.server('PA', '230 in\r\n');
      announce(c);
      return { t, c };
    }
    const cases: Array<{ name: string; line: RegExp; announce: (c: TcpLadder) => void; active: boolean }> = [
      { name: 'PASV/227', line: /227 Entering Passive Mode/, active: false, announce: (c) => (c.client('PA', 'PASV\r\n'), c.server('PA', '227 Entering Passive Mode (198,51,100,2,195,80)\r\n')) },
      { name: 'EPSV/229', line: /229 Entering Extended Passive Mode/, active: false, announce: (c) => (c.client('PA', 'EPSV\r\n'), c.server('PA', '229 Entering Extended Passive Mode (|||50000|)\r\n')) },
      { name: 'PORT', line: /PORT 192,0,2,1,195,80/, active: true, announce: (c) => (c.client('PA', 'PORT 192,0,2,1,195,80\r\n'), c.server('PA', '200 PORT ok\r\n')) },
      { name: 'EPRT', line: /EPRT \|1\|192\.0\.2\.1\|50000\|/, active: true, announce: (c) => (c.client('PA', 'EPRT |1|192.0.2.1|50000|\r\n'), c.server('PA', '200 EPRT ok\r\n')) },
    ];
    for (const k of cases) {
      it(`${k.name}: SYNs never answered, a second connection tried, then 425`, async () => {
        const { t, c } = session(k.announce);
        c.client('PA', 'RETR a.bin\r\n');
        // two connections tried: the second from another port (passive) or with a new ISN
        const ends = (i: number) => (k.active ? { client: '198.51.100.2:20', server: '192.0.2.1:50000', clientIsn: 1000 + i * 5000 } : { client: `192.0.2.1:4000${1 + i}`, server: '198.51.100.2:50000' });
        for (const i of [0, 1]) {
          const d = t.tcp(ends(i));
          d.client('S', undefined, { dt: i ? 1 : 0 });
          d.client('S', undefined, { dt: 1, seq: 0, noAdvance: true });
        }
        c.server('PA', '425 Cannot open data connection.\r\n', { dt: 3 });
        c.client('PA', 'QUIT\r\n');
        c.server('PA', '221 bye\r\n');
        c.close();
        const file = write(t, `fail-${k.name.replace('/', '-')}`);
        const r = await analysis(file);
        const f = r.findings.find((x) => x.id === 'data-connection-failed')!;
        expect(f, 'data-connection-failed').to.not.equal(undefined);
        const tr = r.transfers[f.transfer!]!;
        const { out } = await cli(['ladder', file, '--transfer', String(tr.id)]);
        expect(out).to.match(k.line);
        const rows = rowsByFrame(out);
        // every SYN of every connection tried, whatever role the FTP stage gave it
        const syns = r.connections.filter((x) => x.server.port !== 21).flatMap((x) => (x.client.synFrame === null ? [] : [x.client.synFrame]));
        expect(syns.length).to.equal(2);
        for (const fr of [...syns, ...tr.dataSetupFrames]) expect(rows.get(fr), `SYN ${fr}`).to.match(/SYN seq=0/);
        for (const fr of f.frames) expect(rows.has(fr), `frame ${fr}`).to.equal(true);
        expect(rows.size).to.equal(r.connections.reduce((n, x) => n + (x.server.port === 21 ? 0 : x.client.segments + x.server.segments), 0) + [...rows.values()].filter((x) => / C [├│]/.test(x)).length);
        expectFits(out);
      });
    }

    it('a passive address the client cannot reach: the refused SYN to it, the fallback and the transfer in one picture (not "not an FTP connection")', async () => {
      const { t, c } = session((cc) => (cc.client('PA', 'PASV\r\n'), cc.server('PA', '227 Entering Passive Mode (10,0,0,5,195,80)\r\n')));
      const refused = t.tcp({ client: '192.0.2.1:40001', server: '10.0.0.5:50000' });
      refused.client('S');
      refused.server('RA', undefined, { ack: 1 });
      const d = t.tcp({ client: '192.0.2.1:40002', server: '198.51.100.2:50000', serverTtl: 63 });
      d.handshake();
      retrAndQuit(c, d);
      const file = write(t, 'pasv-unreachable');
      const r = await analysis(file);
      const tr = r.transfers[0]!;
      const attempt = r.connections.find((x) => x.server.addr === '10.0.0.5')!;
      expect(tr.dataCandidates).to.include(attempt.id);
      const refusal = r.findings.find((x) => x.connection === attempt.id)!;
      expect(refusal, 'a finding about the refused SYN').to.not.equal(undefined);
      // text: the transfer's ladder has the attempt as lane A, between the 227 and the data
      const { out } = await cli(['ladder', file, '--transfer', '0']);
      expect(out).to.match(new RegExp(`A\\s+attempt connection ${attempt.id}: 192\\.0\\.2\\.1:40001 ⇄ 10\\.0\\.0\\.5:50000`));
      const rows = rowsByFrame(out);
      expect(rows.get(attempt.firstFrame)).to.match(/ A ├─SYN seq=0/);
      expect(rows.get(attempt.lastFrame)).to.match(/ A │◀─*RST,ACK/);
      expect(rows.get(tr.announcement!.frame)).to.include('227 Entering Passive Mode (10,0,0,5,195,80)');
      // the attempt's own ladder points to the transfer
      const own = await cli(['ladder', file, '--connection', String(attempt.id)]);
      expect(own.out).to.include('tried for the data connection of RETR a.bin (transfer 0; --transfer 0');
      expect(own.out).to.not.include('not an FTP connection');
      // HTML: every finding of this story draws the transfer's picture with the attempt in it
      const html = await buildHtmlReport(file, r, { showPasswords: false });
      for (const x of r.findings.filter((y) => y.id === refusal.id || y.id === 'passive-address-mismatch')) {
        const a = article(html, r, x);
        expect(a, x.id).to.include('<figcaption>Transfer 0: RETR a.bin');
        expect(a).to.not.include('not an FTP connection');
        for (const fr of [attempt.firstFrame, attempt.lastFrame, tr.announcement!.frame, tr.commandFrame]) expect(svgFrames(a).has(fr), `${x.id} frame ${fr}`).to.equal(true);
      }
    });
  });

  it('folds a single packet as "frame N", not "frames N–N"', () => {
    const g = { kind: 'gap', packets: 1, dataPackets: 1, bytes: 1448, ftpLines: 0, controlFlags: 0, firstFrame: 165, lastFrame: 165, startTime: 1, endTime: 1 } as const;
    expect(gapText(g)).to.equal('… 1 packet of data (1.45 kB, frame 165) …');
    expect(gapText({ ...g, packets: 40, lastFrame: 204, endTime: 31 })).to.equal('… 40 packets of data (1.45 kB, over 30.0 s, frames 165–204) …');
  });
});
