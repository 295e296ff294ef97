// Text and JSON output of `ftpdiag compare`. Every string that came from a capture (payload text,
// file names) goes through escapeWire before it reaches a terminal.

import { escapeJsonText, escapeWire } from '../report/escape.ts';
import type { CompareResult, ConnectionReport, DirectionReport, PacketRef } from './compare.ts';

export const COMPARE_JSON_VERSION = 1;

export function renderCompareJson(r: CompareResult): string {
  return escapeJsonText(JSON.stringify({ version: COMPARE_JSON_VERSION, ...r }, null, 2)) + '\n';
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
  const out = [`${indent}${label} (${bucket.count}):`];
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
  let head = `  ${d.sender} → ${peer}${way}: ${d.packets.a} segments in A, ${d.packets.b} in B`;
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
    if (d.lengthShift) notes.push(`stream ${d.lengthShift > 0 ? 'lengthened' : 'shortened'} by ${Math.abs(d.lengthShift)} bytes (payload rewritten)`);
    if (d.synOptions) notes.push(`SYN options "${d.synOptions.a}" in A, "${d.synOptions.b}" in B`);
    if (notes.length) out.push(`    ${notes.join('; ')}`);
  }
  const up = d.upstream;
  out.push(...listLine(up ? `lost between ${up.toUpperCase()} and ${other(up)} (seen in ${up.toUpperCase()} only)` : '', d.lost, '    '));
  out.push(...listLine(up ? `appeared between ${up.toUpperCase()} and ${other(up)}: injected (seen in ${other(up)} only)` : '', d.injected, '    '));
  out.push(...listLine('seen in one capture only (which point is upstream is unknown)', d.oneSided, '    '));
  for (const ch of d.changes.slice(0, 10)) out.push(`    changed A#${ch.aFrame} → B#${ch.bFrame}: ${escapeWire(ch.what.join('; '))}`);
  return out;
}

export function renderCompareText(r: CompareResult): string {
  const out: string[] = [];
  const cap = (x: CompareResult['a'], n: string) =>
    `${n}: ${escapeWire(x.file)} (${x.frames} frames, ${x.tcpFrames} TCP, ${x.connections} ${x.connections === 1 ? 'connection' : 'connections'}${x.truncated ? ', cut at the segment limit' : ''}${x.error ? `; read error: ${escapeWire(x.error)}` : ''})`;
  out.push(cap(r.a, 'A'), cap(r.b, 'B'));
  if (r.clock.offset !== null) {
    const o = r.clock.offset;
    out.push(
      `Clock: B's clock is ${Math.abs(o) < 0.0005 ? 'in step with' : `${ms(Math.abs(o))} ${o > 0 ? 'ahead of' : 'behind'}`} A's` +
        `${r.clock.minDelay !== null ? `; minimum one-way delay ${ms(Math.max(0, r.clock.minDelay))}` : ''} (${r.clock.note}; ${r.clock.samples} segments)`,
    );
  } else out.push(`Clock: unknown (${r.clock.note})`);
  if (r.sides.a.length || r.sides.b.length) out.push(`Sides: A is nearer ${r.sides.a.join(', ') || '?'}; B is nearer ${r.sides.b.join(', ') || '?'}`);
  const t = r.totals;
  out.push(
    `Connections: ${t.matched} in both, ${t.onlyA} in A only, ${t.onlyB} in B only; segments lost in between: ${t.lost}, injected in between: ${t.injected}, changed in between: ${t.changed}`,
  );
  for (const c of r.connections) {
    out.push('');
    const a = c.a ? `A#${c.a.id} ${c.a.client} → ${c.a.server}` : null;
    const b = c.b ? `B#${c.b.id} ${c.b.client} → ${c.b.server}` : null;
    out.push(escapeWire(a && b ? `Connection ${a}  =  ${b}  (matched by ${c.matchedBy.join(', ')})` : `Connection ${a ?? b} — only in ${a ? 'A' : 'B'}`));
    for (const n of c.nat) out.push(`  NAT: ${escapeWire(n)}`);
    for (const d of c.directions) if (d.packets.a + d.packets.b > 0) out.push(...directionLines(c, d));
  }
  return out.join('\n') + '\n';
}
