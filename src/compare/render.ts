// Text and JSON output of `ftpdiag compare`. Every string that came from a capture (payload text,
// file names) goes through escapeWire before it reaches a terminal.

import { escapeJsonText, escapeWire } from '../report/escape.ts';
import { fitLines, PIPE_WIDTH } from '../report/layout.ts';
import { plural } from '../format/words.ts';
import { TOOL_VERSION } from '../report/tool-version.ts';
import type { CompareResult, ConnectionReport, DirectionReport, PacketRef } from './compare.ts';

export const COMPARE_JSON_VERSION = 1;

/** What heads each compare JSON document: its format's version and, as in the analyze report,
 *  the version of the tool (`ftpdiag.version`). */
export const compareJsonHead = (): { version: number; ftpdiag: { version: string } } => ({ version: COMPARE_JSON_VERSION, ftpdiag: { version: TOOL_VERSION } });

export function renderCompareJson(r: CompareResult): string {
  return escapeJsonText(JSON.stringify({ ...compareJsonHead(), ...r }, null, 2)) + '\n';
}

const ms = (s: number) => `${(s * 1000).toFixed(s < 0.01 ? 3 : 1)} ms`;

function other(x: 'a' | 'b'): 'A' | 'B' {
  return x === 'a' ? 'B' : 'A';
}

function packetLine(p: PacketRef): string {
  const text = p.text === null ? '' : ` ${JSON.stringify(p.text.length > 60 ? p.text.slice(0, 60) + '…' : p.text)}`;
  return `${p.capture.toUpperCase()}#${p.frame} ${p.flags} seq ${p.seq}${p.len > 0 ? ` len ${p.len}` : ''}${text}`;
}

function listLine(label: string, bucket: { count: number; packets: PacketRef[] }, indent: string): string[] {
  if (bucket.count === 0) return [];
  const out = [`${indent}${label} (${plural(bucket.count, 'segment')}):`];
  for (const p of bucket.packets.slice(0, 10)) out.push(`${indent}  ${escapeWire(packetLine(p))}`);
  if (bucket.count > 10) out.push(`${indent}  … ${bucket.count - 10} more (all of the first ${bucket.packets.length} in --json)`);
  return out;
}

function hopsText(d: DirectionReport): string {
  if (d.ttlHops.length === 0) return '';
  const main = d.ttlHops[0]!;
  const word = (h: number) => (h === 0 ? 'TTL unchanged' : h > 0 ? `TTL −${h} (${h === 1 ? '1 router' : `${h} routers`} between)` : `TTL +${-h} (rewritten upwards)`);
  const rest = d.ttlHops.slice(1).map((x) => `${x.hops} on ${x.count}`);
  return `; ${word(main.hops)}${rest.length ? ` on ${main.count}, other hop counts: ${rest.join(', ')}` : ''}`;
}

function directionLines(c: ConnectionReport, d: DirectionReport): string[] {
  const out: string[] = [];
  const peer = d.sender === 'client' ? 'server' : 'client';
  const way = d.upstream === null ? '' : ` (${d.upstream.toUpperCase()} → ${other(d.upstream)})`;
  const both = c.a !== null && c.b !== null;
  let head = `  ${d.sender} → ${peer}${way}: ${plural(d.packets.a, 'segment')} in A, ${d.packets.b} in B`;
  if (both) {
    head += `; ${d.matched} unchanged, ${d.changed} changed`;
    if (d.delay) head += `; one-way delay ${ms(d.delay.min)} min, ${ms(d.delay.median)} median, ${ms(d.delay.max)} max`;
    head += hopsText(d);
  }
  out.push(head);
  if (both) {
    const notes: string[] = [];
    if (d.windowChanged) notes.push(`window field changed on ${d.windowChanged}`);
    if (d.optionsChanged) notes.push(`TCP options changed on ${d.optionsChanged}`);
    if (d.ipIdChanged) notes.push(`IP ID changed on ${d.ipIdChanged}`);
    if (d.seqShift) notes.push(`sequence numbers shifted by ${d.seqShift} (a device randomises ISNs)`);
    if (d.lengthShift) notes.push(`stream ${d.lengthShift > 0 ? 'lengthened' : 'shortened'} by ${plural(Math.abs(d.lengthShift), 'byte')} (payload rewritten)`);
    if (d.synOptions) notes.push(`SYN options "${d.synOptions.a}" in A, "${d.synOptions.b}" in B`);
    if (notes.length) out.push(`    ${notes.join('; ')}`);
  }
  const up = d.upstream;
  out.push(...listLine(up ? `lost between ${up.toUpperCase()} and ${other(up)} (seen in ${up.toUpperCase()} only)` : '', d.lost, '    '));
  out.push(...listLine(up ? `appeared between ${up.toUpperCase()} and ${other(up)}: injected (seen in ${other(up)} only)` : '', d.injected, '    '));
  out.push(...listLine(c.a !== null && c.b !== null ? 'seen in one capture only (which point is upstream is unknown)' : 'seen in one capture only (nothing claimed)', d.oneSided, '    '));
  const seenIn = new Set(d.outside.packets.map((p) => p.capture));
  const only = seenIn.size === 1 ? [...seenIn][0]! : null;
  out.push(...listLine(only ? `seen in ${only.toUpperCase()} only, while ${other(only)} was not capturing (not judged)` : 'seen in one capture only, while the other was not capturing (not judged)', d.outside, '    '));
  for (const ch of d.changes.slice(0, 10)) out.push(`    changed A#${ch.aFrame} → B#${ch.bFrame}: ${escapeWire(ch.what.join('; '))}`);
  return out;
}

/** The comparison as text, every line fitted to `width` (a long line continues indented). */
export function renderCompareText(r: CompareResult, width = PIPE_WIDTH): string {
  const out: string[] = [];
  const cap = (x: CompareResult['a'], n: string) =>
    `${n}: ${escapeWire(x.file)} (${plural(x.frames, 'frame')}, ${x.tcpFrames} TCP, ${plural(x.connections, 'connection')}${x.truncated ? ', cut at the segment limit' : ''}${x.error ? `; read error: ${escapeWire(x.error)}` : ''})`;
  out.push(cap(r.a, 'A'), cap(r.b, 'B'));
  const v = r.sameTraffic;
  out.push(escapeWire(`Same traffic: ${v.verdict === 'unknown' ? 'cannot judge' : v.verdict} — ${v.summary}`));
  const claims = v.verdict === 'yes';
  if (!claims) {
    out.push(`  No NAT, loss, injection or change is claimed: ${v.verdict === 'no' ? 'the captures are not of the same traffic' : 'the evidence is too weak to say they are the same traffic'}.`);
    for (const x of v.rejected.slice(1, 6)) out.push(escapeWire(`  also A#${x.a} and B#${x.b}: ${x.reason}`));
    if (v.rejected.length > 6) out.push(`  … ${v.rejected.length - 6} more candidate pairs (all of the first ${v.rejected.length} in --json)`);
  }
  if (r.clock.offset !== null) {
    const o = r.clock.offset;
    out.push(
      `Clock: B's clock is ${Math.abs(o) < 0.0005 ? 'in step with' : `${ms(Math.abs(o))} ${o > 0 ? 'ahead of' : 'behind'}`} A's` +
        `${r.clock.minDelay !== null ? `; minimum one-way delay ${ms(Math.max(0, r.clock.minDelay))}` : ''} (${r.clock.note}; ${r.clock.samples} segments)`,
    );
  } else out.push(`Clock: unknown (${r.clock.note})`);
  if (r.sides.a.length || r.sides.b.length) out.push(`Sides: A is nearer ${r.sides.a.join(', ') || '?'}; B is nearer ${r.sides.b.join(', ') || '?'}`);
  const t = r.totals;
  const outside = t.outside > 0 ? `; seen while the other capture was not running: ${t.outside}` : '';
  out.push(
    claims
      ? `Connections: ${t.matched} in both, ${t.onlyA} in A only, ${t.onlyB} in B only; segments lost in between: ${t.lost}, injected in between: ${t.injected}, changed in between: ${t.changed}${outside}`
      : `Connections: ${t.matched} in both, ${t.onlyA} in A only, ${t.onlyB} in B only`,
  );
  for (const c of r.connections) {
    out.push('');
    const a = c.a ? `A#${c.a.id} ${c.a.client} → ${c.a.server}` : null;
    const b = c.b ? `B#${c.b.id} ${c.b.client} → ${c.b.server}` : null;
    if (a && b) out.push(escapeWire(`Connection ${a}  =  ${b}  (same connection: ${c.evidence.join(', ')})`));
    else {
      const [c2s, s2c] = c.directions.map((d) => d.packets.a + d.packets.b);
      out.push(escapeWire(`Connection ${a ?? b} — only in ${a ? 'A' : 'B'} (${c2s} ${c2s === 1 ? 'segment' : 'segments'} from the client, ${s2c} from the server)`));
    }
    // (without claims, why is the verdict above: a lone connection's note would repeat it)
    if (c.note !== null && claims) out.push(escapeWire(`  note: ${c.note}`));
    for (const n of c.nat) out.push(`  NAT: ${escapeWire(n)}`);
    // without a claim a lone connection is one line: its segments are in --json
    if (!claims && (c.a === null || c.b === null)) continue;
    for (const d of c.directions) if (d.packets.a + d.packets.b > 0) out.push(...directionLines(c, d));
  }
  return fitLines(out.join('\n'), width) + '\n';
}
