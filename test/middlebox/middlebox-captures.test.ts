// The middlebox-* captures (scripts/captures/scenarios/middlebox.ts): the same traffic recorded
// on the client's and on the server's side of a NAT router playing the middlebox. Expectations
// come from each truth file (what the router's counters and the client said), not from the traces.

import { expect } from 'chai';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { compareFiles } from '../../src/compare/compare.ts';
import { loadRules } from '../../src/diagnose/rule-loader.ts';
import { analyzeFile } from '../../src/pipeline/analyze.ts';
import { judgeResets } from '../../src/tcp/reset-origin.ts';
import { connectionsOfFile } from './support.ts';

const dir = fileURLToPath(new URL('../../captures/', import.meta.url));

interface MbTruth {
  trace: string;
  server: { address: string };
  sessions: Array<{ dialog: Array<{ command: string | null }> }>;
  transfers: Array<{ command: string; replies: number[] }>;
  middlebox: {
    point: 'client-side' | 'server-side';
    peerTrace: string;
    nat: { inside: string; outside: string };
    conntrackTimeoutEstablished: number | null;
    forgedResets: number;
    clientEvents: string[];
  };
}

const truth = (name: string) => JSON.parse(readFileSync(`${dir}${name}.truth.json`, 'utf8')) as MbTruth;
const PAIRS = ['middlebox-nat-idle', 'middlebox-ips-reset'];
const rules = loadRules();

async function judged(trace: string) {
  const conns = await connectionsOfFile(dir + trace);
  return conns.flatMap((c) => judgeResets(c).map((j) => ({ ...j, conn: c })));
}

describe('middlebox captures: both points of one path', function () {
  this.timeout(30000);

  for (const pair of PAIRS) {
    describe(pair, () => {
      const client = truth(`${pair}-client`);
      const server = truth(`${pair}-server`);

      it('judges forged exactly the RSTs the router made, in the name of the far side', async () => {
        for (const t of [client, server]) {
          const js = await judged(t.trace);
          const forged = js.filter((j) => j.forged);
          expect(forged.length, `${t.trace}: forged RSTs`).to.equal(t.middlebox.forgedResets);
          // the client side gets RSTs in the server's name and the other way round
          for (const j of forged) expect(j.by, t.trace).to.equal(t.middlebox.point === 'client-side' ? 'server' : 'client');
          for (const j of forged) expect(j.signals, t.trace).to.include('ttl');
        }
      });

      it('compare: matches every connection through the NAT, with the lost and injected segments', async () => {
        const r = await compareFiles(dir + client.trace, dir + server.trace);
        expect(client.middlebox.peerTrace).to.equal(server.trace);
        expect(r.totals.onlyA + r.totals.onlyB, 'connections seen at one point only').to.equal(0);
        expect(r.totals.matched).to.be.greaterThan(1);
        for (const c of r.connections) {
          const nat = c.nat.join(' ');
          expect(nat, 'NAT').to.contain(`${client.middlebox.nat.inside}:`).and.contain(`${client.middlebox.nat.outside}:`);
          for (const d of c.directions) {
            expect(d.ttlHops[0], 'one router between the points').to.deep.equal({ hops: 1, count: d.ttlHops[0]!.count });
            expect(d.delay!.min).to.be.at.least(0);
          }
        }
        // same machine, same clock: the offset is (nearly) zero
        expect(Math.abs(r.clock.offset!)).to.be.below(0.001);
        expect(r.sides).to.deep.equal({ a: [client.middlebox.nat.inside], b: [server.server.address] });
        expect(r.totals.injected, 'RSTs made in between').to.equal(client.middlebox.forgedResets + server.middlebox.forgedResets);
        // lost in between: the commands the server never saw, and the final replies the client never got
        const commandsLost = client.sessions[0]!.dialog.length - server.sessions[0]!.dialog.length;
        const repliesLost = server.transfers.reduce((n, t, i) => n + t.replies.length - client.transfers[i]!.replies.length, 0);
        expect(r.totals.lost).to.equal(commandsLost + repliesLost);
        expect(commandsLost + repliesLost).to.be.greaterThan(0);
      });
    });
  }

  it('nat-idle: both sides diagnose the idle control connection, longer than the conntrack timeout', async () => {
    for (const side of ['client', 'server']) {
      const t = truth(`middlebox-nat-idle-${side}`);
      const { result } = await analyzeFile(dir + t.trace, { rules });
      const f = result.findings.find((x) => x.id === 'control-idle-timeout');
      expect(f, `${t.trace}: ${result.findings.map((x) => x.id)}`).to.not.equal(undefined);
      const idle = Number(/silent for ([\d.]+) s/.exec(f!.summary)?.[1]);
      expect(idle, f!.summary).to.be.greaterThan(t.middlebox.conntrackTimeoutEstablished!);
      expect(f!.summary).to.contain(`forged in the ${side === 'client' ? 'server' : 'client'}'s name`);
      expect(f!.summary).to.contain('shorter than the common defaults');
      // the reset and the unanswered command are explained by it
      expect(result.findings.map((x) => x.id)).to.not.include.members(['control-reset', 'unanswered-command', 'injected-reset']);
    }
  });

  it('ips-reset: compare shows the PORT command rewritten by the NAT helper and the STOR lost', async () => {
    const c = truth('middlebox-ips-reset-client');
    const s = truth('middlebox-ips-reset-server');
    const r = await compareFiles(dir + c.trace, dir + s.trace);
    const control = r.connections[0]!;
    const c2s = control.directions[0]!;
    const commas = (a: string) => a.split('.').join(',');
    const change = c2s.changes.map((x) => x.what.join('; ')).join('\n');
    expect(change).to.match(new RegExp(`payload "PORT ${commas(c.middlebox.nat.inside)},\\d+,\\d+\\\\r\\\\n" → "PORT ${commas(c.middlebox.nat.outside)},\\d+,\\d+\\\\r\\\\n"`));
    expect(c2s.lengthShift).to.equal(c.middlebox.nat.outside.length - c.middlebox.nat.inside.length);
    const stor = c.transfers.length < 2 ? /^STOR / : /$^/;
    expect(c2s.lost.packets.map((p) => p.text ?? '').some((x) => stor.test(x))).to.equal(true);
    expect(c.middlebox.clientEvents.join(' ')).to.match(/STOR: .*ECONNRESET/);
  });
});
