// One entry point for every format of the operation log (`ftpdiag log`).

import type { Operation } from './operations.ts';
import { renderTable } from './table.ts';
import { renderCsv, renderTsv } from './delimited.ts';
import { renderNdjson } from './ndjson.ts';
import { renderXferlog } from './xferlog.ts';
import type { TimeZoneChoice } from './times.ts';
import type { LogFormat } from './formats.ts';


export interface LogRenderOptions {
  format: LogFormat;
  tz: TimeZoneChoice;
  color: boolean; //          table only
  width?: number; //          table only
}

export interface LogOutput {
  text: string;
  notes: string[]; //         one-line remarks for standard error (what a format had to leave out)
}

export function renderOperationLog(ops: readonly Operation[], o: LogRenderOptions): LogOutput {
  switch (o.format) {
    case 'table':
      return { text: renderTable(ops, { tz: o.tz, color: o.color, ...(o.width === undefined ? {} : { width: o.width }) }), notes: [] };
    case 'tsv':
      return { text: renderTsv(ops, o), notes: [] };
    case 'csv':
      return { text: renderCsv(ops, o), notes: [] };
    case 'ndjson':
      return { text: renderNdjson(ops), notes: [] };
    case 'xferlog': {
      const x = renderXferlog(ops, o);
      const notes: string[] = [];
      if (x.skippedEncrypted > 0) notes.push(`${x.skippedEncrypted} ${x.skippedEncrypted === 1 ? 'transfer' : 'transfers'} of encrypted sessions left out of the xferlog (file name and direction unreadable)`);
      if (x.skippedNoControl > 0) notes.push(`${x.skippedNoControl} ${x.skippedNoControl === 1 ? 'transfer' : 'transfers'} left out of the xferlog: the control connection is not in the capture (no file name, no user)`);
      if (x.skippedNotCaptured > 0) notes.push(`${x.skippedNotCaptured} ${x.skippedNotCaptured === 1 ? 'transfer' : 'transfers'} left out of the xferlog: the size is unknown (the data connection is not in the capture, or carried TLS)`);
      return { text: x.text, notes };
    }
  }
}
