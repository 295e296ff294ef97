// Summarises a V8 .cpuprofile (node --cpu-prof): self time and total (inclusive) time per
// function, top N each. Usage: node --import tsx bench/read-profile.ts FILE.cpuprofile [N]
import * as fs from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number };
  hitCount?: number;
  children?: number[];
}
interface Profile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export function summarise(file: string, top = 30): string {
  const p = JSON.parse(fs.readFileSync(file, 'utf8')) as Profile;
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const parent = new Map<number, number>();
  for (const n of p.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  // time per node from the sample deltas (µs)
  const selfTime = new Map<number, number>();
  for (let i = 0; i < p.samples.length; i++) {
    const id = p.samples[i]!;
    selfTime.set(id, (selfTime.get(id) ?? 0) + (p.timeDeltas[i] ?? 0));
  }
  const name = (n: ProfileNode) => {
    const f = n.callFrame;
    const url = f.url.replace(/^.*\/(src|bench|node_modules)\//, '$1/');
    return `${f.functionName || '(anon)'} ${url}:${f.lineNumber + 1}`;
  };
  const self = new Map<string, number>();
  const total = new Map<string, number>();
  let all = 0;
  for (const [id, t] of selfTime) {
    all += t;
    const n = byId.get(id)!;
    self.set(name(n), (self.get(name(n)) ?? 0) + t);
    // inclusive: each distinct function on the stack once
    const seen = new Set<string>();
    for (let cur: number | undefined = id; cur !== undefined; cur = parent.get(cur)) {
      const k = name(byId.get(cur)!);
      if (seen.has(k)) continue;
      seen.add(k);
      total.set(k, (total.get(k) ?? 0) + t);
    }
  }
  const fmt = (m: Map<string, number>) =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([k, t]) => `${(t / 1000).toFixed(0).padStart(8)} ms ${((100 * t) / all).toFixed(1).padStart(5)}%  ${k}`)
      .join('\n');
  return `total sampled ${(all / 1000).toFixed(0)} ms\n-- self --\n${fmt(self)}\n-- inclusive --\n${fmt(total)}`;
}

if (process.argv[1]?.endsWith('read-profile.ts')) {
  console.log(summarise(process.argv[2]!, Number(process.argv[3] ?? 30)));
}
