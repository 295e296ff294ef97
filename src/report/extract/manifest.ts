// The manifest of an extraction: manifest.json (one entry per transfer, for tools) and
// manifest.txt (a table and the details, for people). Per transfer: the command and the path it
// named, direction, bytes on the wire, bytes the receiver acknowledged, the size announced, the
// REST offset, the SHA-256 of the file as written, and whether it is whole, cut (at which offset
// and why) or has holes (which ranges, and why they are missing).

import { escapeJsonText, escapeWire } from '../escape.ts';
import { plural } from '../../format/words.ts';
import type { ExtractedFile, ExtractLimits } from './extractor.ts';

/** The version of manifest.json's layout: changes when a field changes meaning or goes. */
export const MANIFEST_VERSION = 1;

/** whole: every byte of a transfer the FTP stage saw complete; unconfirmed: every byte the
 *  capture shows, the data connection closed normally, but no final reply confirms it. */
export type FileStatus = 'whole' | 'unconfirmed' | 'cut' | 'holes' | 'cut+holes' | 'not-written';

export function fileStatus(f: ExtractedFile): FileStatus {
  if (f.file === null) return 'not-written';
  if (f.cut && f.holeCount) return 'cut+holes';
  if (f.cut) return 'cut';
  if (f.holeCount) return 'holes';
  return f.unconfirmed ? 'unconfirmed' : 'whole';
}

export interface ManifestInput {
  capture: string; //       the capture file as given
  directory: string;
  limits: ExtractLimits;
  files: readonly ExtractedFile[];
  transfersLeftOut: number; // transfers past the plan's bound, not extracted
}

export interface ManifestTotals {
  transfers: number;
  files: number;
  bytesWritten: number;
  whole: number;
  unconfirmed: number;
  cut: number;
  holes: number; //         files with holes (cut or not)
  notWritten: number;
}

export function manifestTotals(files: readonly ExtractedFile[]): ManifestTotals {
  const t: ManifestTotals = { transfers: files.length, files: 0, bytesWritten: 0, whole: 0, unconfirmed: 0, cut: 0, holes: 0, notWritten: 0 };
  for (const f of files) {
    const s = fileStatus(f);
    if (s === 'not-written') {
      t.notWritten++;
      continue;
    }
    t.files++;
    t.bytesWritten += f.written;
    if (s === 'whole') t.whole++;
    if (s === 'unconfirmed') t.unconfirmed++;
    if (f.cut) t.cut++;
    if (f.holeCount) t.holes++;
  }
  return t;
}

function entryJson(f: ExtractedFile): Record<string, unknown> {
  const p = f.plan;
  return {
    file: f.file,
    status: fileStatus(f),
    session: p.session,
    transfer: p.transfer,
    command: p.command,
    argument: p.argument,
    path: p.path,
    direction: p.direction,
    mode: p.mode,
    type: p.type,
    transmissionMode: p.transmissionMode,
    restOffset: p.restOffset,
    announcedBytes: p.announcedBytes,
    bytesOnWire: p.bytes,
    bytesAcknowledged: p.bytesAcked,
    bytesMissingFromCapture: p.bytesMissing,
    bytesWritten: f.written,
    sha256: f.sha256,
    cut: f.cut,
    unconfirmed: f.unconfirmed,
    holes: f.holes,
    holeCount: f.holeCount,
    holeBytes: f.holeBytes,
    holesAllListed: f.holes.length === f.holeCount && !f.holesSaturated,
    outcome: p.outcome,
    finalReply: p.finalReply,
    dataConnection: p.data?.conn.id ?? null,
    dataClose: p.dataClose,
    notWritten: f.notWritten,
    notes: f.notes,
  };
}

/** manifest.json: terminal-safe (escapeJsonText) like the JSON report. */
export function manifestJson(m: ManifestInput): string {
  const doc = {
    manifestVersion: MANIFEST_VERSION,
    capture: m.capture,
    directory: m.directory,
    limits: { perFileBytes: m.limits.perFile, totalBytes: m.limits.total },
    totals: manifestTotals(m.files),
    transfersLeftOut: m.transfersLeftOut,
    files: m.files.map(entryJson),
  };
  return `${escapeJsonText(JSON.stringify(doc, null, 2))}\n`;
}

const HEAD = ['file', 'command', 'direction', 'on wire', 'acked', 'announced', 'REST', 'status'];

function row(f: ExtractedFile): string[] {
  const p = f.plan;
  const argument = p.argument === '' ? p.command : `${p.command} ${escapeWire(p.argument)}`;
  return [
    f.file ?? `(transfer ${p.transfer}: no file)`,
    argument.length > 40 ? `${argument.slice(0, 39)}…` : argument,
    p.direction,
    String(p.bytes),
    String(p.bytesAcked),
    p.announcedBytes === null ? '–' : String(p.announcedBytes),
    String(p.restOffset),
    fileStatus(f),
  ];
}

/** manifest.txt: a table, then what each file's status means. */
export function manifestText(m: ManifestInput): string {
  const t = manifestTotals(m.files);
  const lines: string[] = [];
  lines.push(`Transfers of ${escapeWire(m.capture)} rebuilt by ftpdiag into ${escapeWire(m.directory)}`);
  lines.push(
    `${plural(t.transfers, 'transfer')}: ${plural(t.files, 'file')} written (${t.bytesWritten} bytes) — ${t.whole} whole, ${t.unconfirmed} unconfirmed, ${t.cut} cut, ${t.holes} with holes; ${t.notWritten} not written`,
  );
  lines.push(`Limits: ${m.limits.perFile} bytes per file, ${m.limits.total} bytes in all (--extract-max)`);
  if (m.transfersLeftOut) lines.push(`${plural(m.transfersLeftOut, 'more transfer')} past the bound of transfers kept for extraction: not extracted`);
  lines.push('');
  const rows = [HEAD, ...m.files.map(row)];
  const widths = HEAD.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const right = new Set([3, 4, 5, 6]);
  for (const r of rows) lines.push(r.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd());
  lines.push('');
  for (const f of m.files) lines.push(...details(f));
  return `${lines.join('\n')}\n`;
}

function details(f: ExtractedFile): string[] {
  const p = f.plan;
  const named = p.path ?? p.argument;
  const out = [`${f.file ?? `transfer ${p.transfer}`} (${p.session === null ? 'no control connection in the capture' : `session ${p.session}`}, transfer ${p.transfer}, ${p.command}${named ? ` ${escapeWire(named)}` : ''})`];
  if (f.file === null) out.push(`  not written: ${f.notWritten}`);
  else {
    out.push(`  ${f.written} bytes, sha256 ${f.sha256}`);
    out.push(`  ${fileStatus(f)}${f.cut ? `: ends at offset ${f.cut.offset} (${f.cut.reason}): ${f.cut.text}` : f.unconfirmed && !f.holeCount ? `: ${f.unconfirmed}` : ''}`);
    if (f.holeCount) {
      const listed = f.holes.map((h) => `${h.from}–${h.to} (${h.reason})`).join(', ');
      out.push(`  ${plural(f.holeCount, 'hole')}, ${f.holeBytes} bytes, left as zeros: ${listed}${f.holes.length < f.holeCount ? ' …' : ''}`);
    }
    if (f.holesSaturated) out.push('  too many separate ranges to track them all: holes past a point are not listed');
  }
  for (const n of f.notes) out.push(`  note: ${n}`);
  return out;
}
