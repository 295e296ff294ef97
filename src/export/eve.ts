// `--format eve`: the analysis as eve.json-shaped events, one JSON object per line, for a SIEM
// that already ingests Suricata (src/contract/eve.ts declares every field). Mapped from the views
// of src/view: addresses and roles from the connection views, texts and redaction as the views
// have them, times and uids from the records (subjects.ts, ids.ts).

import type { Finding } from '../diagnose/finding.ts';
import { EVE_VERSION, type EveEvent } from '../contract/eve.ts';
import type { ConnectionView, TransferView, UnitView } from '../view/unit.ts';
import { escapeJsonText } from '../report/escape.ts';
import { IdTable } from './ids.ts';
import { UnitIndex, type Place } from './subjects.ts';
import { eveTimestamp } from './times.ts';

const APP_PROTO = { control: 'ftp', data: 'ftp-data' } as const;

/** An event with the time it sorts by (seconds since 1970) and what breaks ties. */
export interface TimedEvent {
  time: number;
  rank: number; //  flows, then transfers, then findings at one time
  id: number;
  event: EveEvent;
}

const RANK = { connection: 0, transfer: 1, finding: 2 } as const;

/** Orders events by time, then kind, then id. */
export const byTime = (a: TimedEvent, b: TimedEvent): number => a.time - b.time || a.rank - b.rank || a.id - b.id;

/** One event per line, terminal-safe (escapeJsonText keeps the parsed value). */
export const eveLine = (e: EveEvent): string => escapeJsonText(JSON.stringify(e)) + '\n';

export class EveMapper {
  constructor(
    private readonly ids = new IdTable(),
    private readonly file: string | null = null,
  ) {}

  private common(type: EveEvent['event_type'], place: Place | null, time: number, body: Pick<EveEvent['ftpdiag'], 'event' | 'finding' | 'transfer' | 'connection'>): EveEvent {
    const ids = place?.conn ? this.ids.of(place.conn.c) : null;
    const role = place?.conn?.role;
    // key order as Suricata writes it: the common section, then the type's objects
    return {
      timestamp: eveTimestamp(time),
      ...(ids ? { flow_id: ids.flowId } : {}),
      ...(this.file !== null ? { pcap_filename: this.file } : {}),
      event_type: type,
      ...(place ? { src_ip: place.client.addr, src_port: place.client.port, dest_ip: place.server.addr, dest_port: place.server.port, proto: 'TCP' as const } : {}),
      ...(role === 'control' || role === 'data' ? { app_proto: APP_PROTO[role] } : {}),
      ftpdiag: { version: EVE_VERSION, event: body.event, ...(ids ? { uid: ids.uid } : {}), time, ...detail(body) },
    };
  }

  finding(f: Finding, idx: UnitIndex, fallbackTime: number): TimedEvent {
    const time = idx.findingTime(f) ?? fallbackTime;
    const finding = { id: f.id, severity: f.severity, title: f.title, summary: f.summary, action: f.action, frames: f.frames, connection: f.connection, session: f.session, transfer: f.transfer };
    return { time, rank: RANK.finding, id: 0, event: this.common('ftpdiag', idx.findingPlace(f), time, { event: 'finding', finding }) };
  }

  transfer(v: TransferView, idx: UnitIndex): TimedEvent {
    const t = v.t;
    const place = idx.transferPlace(v);
    const conn = (id: number | null) => (id === null ? undefined : idx.connections.get(id));
    const data = conn(t.dataConnection);
    const control = t.session === null ? undefined : conn(idx.sessions.get(t.session)?.s.control ?? null);
    const transfer = {
      id: t.id,
      session: t.session,
      label: v.label,
      command: t.command,
      path: t.path,
      direction: t.direction,
      mode: t.mode,
      bytes: typeof v.bytes === 'number' ? v.bytes : null,
      bytes_status: t.bytesStatus,
      reply_codes: t.replyCodes,
      outcome: t.outcome,
      start: eveTimestamp(t.commandTime),
      end: eveTimestamp(t.endTime),
      data_uid: data ? this.ids.of(data.c).uid : null,
      control_uid: control ? this.ids.of(control.c).uid : null,
    };
    const e = this.common('ftp_data', place, t.endTime, { event: 'transfer', transfer });
    const ftpData = { ...(t.path !== null || t.argument !== '' ? { filename: t.path ?? t.argument } : {}), command: t.command };
    return { time: t.endTime, rank: RANK.transfer, id: t.id, event: insertBefore(e, 'ftpdiag', 'ftp_data', ftpData) };
  }

  connection(v: ConnectionView, alerted: boolean): TimedEvent {
    const c = v.c;
    const flow = {
      pkts_toserver: c.client.segments,
      pkts_toclient: c.server.segments,
      start: eveTimestamp(c.startTime),
      end: eveTimestamp(c.endTime),
      age: Math.round(c.endTime - c.startTime),
      state: v.close ? ('closed' as const) : c.server.segments > 0 ? ('established' as const) : ('new' as const),
      reason: v.close || c.idleEndedAt !== null ? ('timeout' as const) : ('shutdown' as const),
      alerted,
    };
    const connection = {
      id: c.id,
      role: v.role,
      label: v.label,
      conn_state: c.connState,
      history: c.history,
      orig_bytes: c.client.bytesSent,
      resp_bytes: c.server.bytesSent,
      closed_by: v.close?.by ?? null,
      close: v.close?.kind ?? null,
    };
    const e = this.common('flow', { client: c.client, server: c.server, conn: v }, c.endTime, { event: 'connection', connection });
    return { time: c.endTime, rank: RANK.connection, id: c.id, event: insertBefore(e, 'ftpdiag', 'flow', flow) };
  }
}

function detail(body: Pick<EveEvent['ftpdiag'], 'event' | 'finding' | 'transfer' | 'connection'>): Pick<EveEvent['ftpdiag'], 'finding' | 'transfer' | 'connection'> {
  const { event: _event, ...d } = body;
  return d;
}

/** `e` with `key: value` placed just before `before` (eve puts the type's object after the tuple). */
function insertBefore(e: EveEvent, before: keyof EveEvent, key: 'flow' | 'ftp_data', value: unknown): EveEvent {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(e)) {
    if (k === before) out[key] = value;
    out[k] = v;
  }
  return out as EveEvent;
}

/** Every event of one view (a whole result or a released unit), sorted by time. Findings about
 *  the whole capture take `captureEnd`. */
export function eveEvents(view: UnitView, mapper: EveMapper, captureEnd: number): TimedEvent[] {
  const idx = new UnitIndex(view);
  const out: TimedEvent[] = [];
  const alerted = new Set<number>();
  view.findings.forEach((r, i) => {
    const ev = mapper.finding(r.finding, idx, captureEnd);
    ev.id = i;
    out.push(ev);
    const conn = idx.findingPlace(r.finding)?.conn;
    if (conn && r.finding.severity !== 'info') alerted.add(conn.c.id);
  });
  for (const v of view.transfers) out.push(mapper.transfer(v, idx));
  for (const v of view.connections) out.push(mapper.connection(v, alerted.has(v.c.id)));
  return out.sort(byTime);
}
