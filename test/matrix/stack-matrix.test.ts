// The stack matrix: every seed scenario (src/craft/ftp-scenarios.ts) crafted under every stack
// profile (src/craft/stack-profiles.ts: Linux, old Windows, BSD/macOS, embedded, IP ID 0 + DF),
// with and without timestamps/SACK/window scaling, uploads and downloads, passive and active,
// must get the same diagnosis: exactly the findings below at warning or error, and no others.
// The healthy variant of every profile gets no warning and no error. A second pass crosses the
// profiles (client on one stack, server on another) for the scenarios whose verdict rests on
// header evidence (RSTs, stray ACKs, forged RSTs, NAT timeouts).

import { expect } from 'chai';
import { craftScenario, SEED_SCENARIOS, type ScenarioOptions, type SeedScenario } from '../../src/craft/ftp-scenarios.ts';
import { STACK_PROFILES, type StackProfile } from '../../src/craft/stack-profiles.ts';
import type { Finding } from '../../src/diagnose/finding.ts';
import { builtinRuleSet } from '../../src/diagnose/rule-loader.ts';
import { Analysis } from '../../src/pipeline/analyze.ts';

type Direction = ScenarioOptions['direction'];
type Expected = Readonly<Record<string, 'warning' | 'error'>>;

/** Findings at warning or error each scenario must get, by direction; nothing else may reach warning. */
const EXPECTED: Readonly<Record<SeedScenario, Readonly<Record<Direction, Expected>>>> = {
  healthy: { upload: {}, download: {} },
  // the same harm gets the same severity whichever way the data flowed: the transfer failed
  'transfer-rst': { upload: { 'upload-reset': 'error' }, download: { 'transfer-truncated': 'error' } },
  'stray-ack': { upload: { 'stray-ack-after-fin': 'warning' }, download: { 'stray-ack-after-fin': 'warning' } },
  'stray-ack-older': { upload: { 'stray-ack-after-fin': 'warning' }, download: { 'stray-ack-after-fin': 'warning' } },
  'early-half-close': { upload: { 'early-half-close': 'warning' }, download: { 'early-half-close': 'warning' } },
  'forged-rst': {
    upload: { 'injected-reset': 'error', 'control-reset': 'error', 'unanswered-command': 'warning' },
    download: { 'injected-reset': 'error', 'control-reset': 'error', 'unanswered-command': 'warning' },
  },
  'nat-idle': { upload: { 'control-idle-timeout': 'error' }, download: { 'control-idle-timeout': 'error' } },
  // the transfer failed (one finding, naming the forger) and the RSTs were forged (the evidence)
  'forged-cut': { upload: { 'injected-reset': 'error', 'transfer-aborted': 'error' }, download: { 'injected-reset': 'error', 'transfer-truncated': 'error' } },
};

/** What else each scenario's findings must show, whatever the stack. */
const CHECKS: Partial<Record<SeedScenario, (f: Finding[]) => string | null>> = {
  // the momentary zero window of flow control is measured and called what it is
  healthy: (f) => (f.some((x) => x.id === 'zero-window' && x.severity === 'info' && /flow control/.test(x.summary)) ? null : 'no info zero-window for the momentary stall'),
  // the RST answering a stray ACK is the host's own, never a forger's
  'stray-ack': (f) => (f.some((x) => x.id === 'injected-reset') ? 'injected-reset on the RST that answers the stray ACK' : null),
  'stray-ack-older': (f) => {
    if (f.some((x) => x.id === 'injected-reset')) return 'injected-reset on the RST that answers the stray ACK';
    return f.some((x) => x.id === 'stray-ack-after-fin' && /delayed older ACK 1 byte below/.test(x.summary)) ? null : 'the older ACK is not named as such';
  },
  // the forged RST is judged on the TTL, the one signal every stack makes informative
  'forged-rst': (f) => {
    const inj = f.find((x) => x.id === 'injected-reset');
    return inj && /TTL 61 vs \d+ on every other segment/.test(inj.summary) ? null : `injected-reset without its TTL evidence: ${inj?.summary}`;
  },
  // the RSTs carry the server's own TTL: the server's stack still speaking after them is the
  // evidence every stack gives; the transfer's finding names the forger, not the server
  'forged-cut': (f) => {
    const inj = f.find((x) => x.id === 'injected-reset');
    if (!inj || !/own stack still sent an ACK at frame \d+/.test(inj.summary)) return `injected-reset without the server's later ACK: ${inj?.summary}`;
    const t = f.find((x) => x.id === 'transfer-aborted' || x.id === 'transfer-truncated');
    return t && /a device in between, with an RST forged in the (FTP )?server's name/.test(t.summary) ? null : `the transfer's finding does not name the forger: ${t?.summary}`;
  },
};

const rules = builtinRuleSet();

function diagnose(o: ScenarioOptions): Finding[] {
  const a = new Analysis({ rules });
  for (const f of craftScenario(o).captureFrames()) a.frame(f);
  return a.finish().findings;
}

/** '' when the findings are as expected, else what is wrong. */
function judge(o: ScenarioOptions): string {
  const findings = diagnose(o);
  const want = EXPECTED[o.scenario][o.direction];
  const got = new Map<string, string>();
  for (const f of findings) if (f.severity !== 'info') got.set(f.id, f.severity);
  const wrong: string[] = [];
  for (const [id, sev] of Object.entries(want)) if (got.get(id) !== sev) wrong.push(`${id}: want ${sev}, got ${got.get(id) ?? 'none'}`);
  for (const [id, sev] of got) if (!(id in want)) wrong.push(`unexpected ${id} (${sev})`);
  const extra = CHECKS[o.scenario]?.(findings);
  if (extra) wrong.push(extra);
  return wrong.join('; ');
}

function expectedText(scenario: SeedScenario): string {
  const text = (e: Expected) => Object.entries(e).map(([id, s]) => `${id} (${s})`).join(', ') || 'no warning, no error';
  const { upload, download } = EXPECTED[scenario];
  return text(upload) === text(download) ? text(upload) : `upload ${text(upload)}, download ${text(download)}`;
}

function variantName(o: ScenarioOptions): string {
  return `${o.client.name}→${o.server.name} ${o.tcpOptions ? 'ts+sack+wscale' : 'no options'} ${o.direction} ${o.mode}`;
}

describe('stack matrix: each seed scenario diagnosed the same way on every stack', function () {
  this.timeout(60_000);
  const profiles: StackProfile[] = Object.values(STACK_PROFILES);

  for (const scenario of SEED_SCENARIOS) {
    it(`${scenario}: ${expectedText(scenario)} on ${profiles.length} stacks × options × directions × modes`, () => {
      const failures: string[] = [];
      let n = 0;
      for (const stack of profiles) {
        for (const tcpOptions of [false, true]) {
          for (const direction of ['upload', 'download'] as const) {
            for (const mode of ['passive', 'active'] as const) {
              const o: ScenarioOptions = { scenario, client: stack, server: stack, tcpOptions, direction, mode };
              const wrong = judge(o);
              n++;
              if (wrong) failures.push(`${variantName(o)}: ${wrong}`);
            }
          }
        }
      }
      expect(n).to.equal(profiles.length * 8);
      expect(failures.join("\n")).to.equal("");
    });
  }

  const evidential: SeedScenario[] = ['transfer-rst', 'stray-ack', 'stray-ack-older', 'forged-rst', 'nat-idle', 'forged-cut'];
  for (const scenario of evidential) {
    it(`${scenario}: the same with client and server on different stacks (${profiles.length * (profiles.length - 1)} pairs)`, () => {
      const failures: string[] = [];
      for (const client of profiles) {
        for (const server of profiles) {
          if (client === server) continue;
          for (const direction of ['upload', 'download'] as const) {
            const o: ScenarioOptions = { scenario, client, server, tcpOptions: direction === 'download', direction, mode: 'passive' };
            const wrong = judge(o);
            if (wrong) failures.push(`${variantName(o)}: ${wrong}`);
          }
        }
      }
      expect(failures.join("\n")).to.equal("");
    });
  }

  it('crafts what each profile says: IP IDs, TTLs and DF of the server host as the capture sees them', () => {
    // one trace per profile; the server host's segments on the control connection
    const seen: Record<string, { ttl: Set<number>; ids: number[]; df: Set<boolean> }> = {};
    for (const [name, stack] of Object.entries(STACK_PROFILES)) {
      const t = craftScenario({ scenario: 'healthy', client: stack, server: stack, tcpOptions: true, direction: 'download', mode: 'passive' });
      const s = (seen[name] = { ttl: new Set<number>(), ids: [] as number[], df: new Set<boolean>() });
      for (const f of t.frames()) {
        const ip = f.data.subarray(14);
        if (ip.readUInt16BE(12) !== 0xc633 || ip[15] !== 20 || ip.readUInt16BE(20) !== 21) continue; // from 198.51.100.20:21
        s.ttl.add(ip[8]!);
        s.ids.push(ip.readUInt16BE(4));
        s.df.add((ip[6]! & 0x40) !== 0);
      }
    }
    const steps = (ids: number[]) => ids.slice(1).map((id, i) => (id - ids[i]!) & 0xffff);
    expect([...seen['linux']!.ttl]).to.deep.equal([54]);
    expect(seen['linux']!.ids[0], 'Linux SYN-ACK').to.equal(0);
    expect(steps(seen['linux']!.ids.slice(1)).every((d) => d === 1), 'Linux: +1 per segment').to.equal(true);
    expect([...seen['windows']!.ttl]).to.deep.equal([118]);
    expect(steps(seen['windows']!.ids).some((d) => d > 1), 'Windows: the host’s other traffic moves the counter').to.equal(true);
    expect(steps(seen['windows']!.ids).every((d) => d >= 1 && d < 1000)).to.equal(true);
    expect(new Set(seen['bsd']!.ids).size, 'BSD: random').to.equal(seen['bsd']!.ids.length);
    expect([...seen['embedded']!.ttl]).to.deep.equal([245]);
    expect(new Set(seen['embedded']!.ids)).to.deep.equal(new Set([STACK_PROFILES.embedded.constantId]));
    expect([...seen['embedded']!.df]).to.deep.equal([false]);
    expect(new Set(seen['zeroId']!.ids)).to.deep.equal(new Set([0]));
    expect([...seen['zeroId']!.df]).to.deep.equal([true]);
  });
});
