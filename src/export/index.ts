// What the commands call: a whole analysis as eve lines or as Zeek logs in a directory, and the
// live event stream's order (live-order.ts).

import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AnalysisResult } from '../pipeline/result.ts';
import { resultView } from '../view/result.ts';
import { EveMapper, eveEvents, eveLine } from './eve.ts';
import { IdTable } from './ids.ts';
import { zeekLogs, type ZeekLogs } from './zeek-logs.ts';

export const EXPORT_FORMATS = ['eve', 'zeek'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];

/** The capture's last moment the analysis knows of (findings about the whole capture take it). */
function captureEnd(r: AnalysisResult): number {
  let end = 0;
  for (const c of r.connections) end = Math.max(end, c.endTime);
  return end;
}

/** The eve lines of a whole analysis, in time order. */
export function* eveLines(r: AnalysisResult): Generator<string> {
  const file = r.capture.file === '-' ? null : r.capture.file;
  for (const e of eveEvents(resultView(r).unit, new EveMapper(new IdTable(), file), captureEnd(r))) yield eveLine(e.event);
}

/** conn.log and ftp.log of a whole analysis, written into `dir` (as `zeek -r` writes them into
 *  the current directory). */
export function writeZeekLogs(dir: string, r: AnalysisResult, opened: Date, closed = new Date()): ZeekLogs {
  const logs = zeekLogs(resultView(r).unit, { showPasswords: r.showPasswords, opened, closed });
  writeFileSync(join(dir, 'conn.log'), logs.conn);
  writeFileSync(join(dir, 'ftp.log'), logs.ftp);
  return logs;
}
