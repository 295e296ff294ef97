// The events `live` writes while it captures, with --json (ftpdiag's own NDJSON events) or
// --format eve: each finding and each settled transfer with its time and the addresses of the
// connection it is about, taken from the subjects the pipeline diagnosed with it (the
// provisional context), through the same views every output uses.

import type { Finding } from '../diagnose/finding.ts';
import type { Transfer } from '../ftp/types.ts';
import type { ProvisionalContext } from '../pipeline/release.ts';
import { unitView } from '../view/unit.ts';
import { findingJson, transferJson } from '../report/json.ts';
import { escapeJsonText } from '../report/escape.ts';
import { EveMapper, eveLine } from './eve.ts';
import { IdTable } from './ids.ts';
import { UnitIndex, type Place } from './subjects.ts';
import { eveTimestamp } from './times.ts';
import { TimeOrderedOutput, type Stamp } from './live-order.ts';

export type LiveEventFormat = 'json' | 'eve';

/** An event to write once its place in time has come: its subject's time and its line. */
export interface LiveEvent {
  time: number;
  rank: number; // at one time: transfers (1), then findings (2), as in analyze's eve output
  line(stamp: Stamp): string;
}

const ndjson = (o: Record<string, unknown>) => escapeJsonText(JSON.stringify(o)) + '\n';

export class LiveEvents {
  private readonly ids = new IdTable();
  private readonly eve: EveMapper;

  constructor(
    private readonly format: LiveEventFormat,
    private readonly showPasswords: boolean,
    file: string | null,
  ) {
    this.eve = new EveMapper(this.ids, file);
  }

  private index(about: ProvisionalContext): UnitIndex {
    return new UnitIndex(unitView({ ...about, findings: [] }, { showPasswords: this.showPasswords }));
  }

  /** The fields every ftpdiag NDJSON event has: when, and between whom. */
  private head(event: string, stamp: Stamp, place: Place | null): Record<string, unknown> {
    const ids = place?.conn ? this.ids.of(place.conn.c) : null;
    return {
      event,
      timestamp: eveTimestamp(stamp.time),
      ts: stamp.time,
      ...(stamp.late ? { late: true } : {}),
      ...(ids ? { uid: ids.uid, flow_id: ids.flowId } : {}),
      client: place ? { addr: place.client.addr, port: place.client.port } : null,
      server: place ? { addr: place.server.addr, port: place.server.port } : null,
    };
  }

  /** `captureNow`: the time of a finding about no connection, session or transfer. */
  finding(f: Finding, about: ProvisionalContext, captureNow: number): LiveEvent {
    const idx = this.index(about);
    if (this.format === 'eve') {
      const e = this.eve.finding(f, idx, captureNow);
      return { time: e.time, rank: e.rank, line: (stamp) => eveLine(restamp(e.event, stamp)) };
    }
    const time = idx.findingTime(f) ?? captureNow;
    const place = idx.findingPlace(f);
    return { time, rank: 2, line: (stamp) => ndjson({ ...this.head('finding', stamp, place), ...findingJson(f) }) };
  }

  transfer(t: Transfer, about: ProvisionalContext): LiveEvent {
    const idx = this.index(about);
    const v = idx.transfers.get(t.id)!;
    if (this.format === 'eve') {
      const e = this.eve.transfer(v, idx);
      return { time: e.time, rank: e.rank, line: (stamp) => eveLine(restamp(e.event, stamp)) };
    }
    const place = idx.transferPlace(v);
    return { time: t.endTime, rank: 1, line: (stamp) => ndjson({ ...this.head('transfer', stamp, place), ...transferJson(v) }) };
  }
}

/** The event with the timestamp it is written with (later than its own when it came late). */
function restamp<E extends { timestamp: string; ftpdiag: { time: number } }>(e: E, stamp: Stamp): E {
  if (stamp.time === e.ftpdiag.time) return e;
  return { ...e, timestamp: eveTimestamp(stamp.time), ftpdiag: { ...e.ftpdiag, time: stamp.time, late: true } };
}

/** What `live` does with its events when it streams them (--json, --format eve): each finding
 *  and transfer the pipeline tells goes through the time order (live-order.ts) to `out`, as the
 *  capture clock (frame times, the live clock's ticks) moves on. */
export class LiveEventStream {
  private readonly events: LiveEvents;
  private readonly ordered: TimeOrderedOutput<LiveEvent>;
  private clock = 0; // seconds since 1970: the latest frame time or tick

  constructor(o: { format: LiveEventFormat; showPasswords: boolean; file: string | null; holdSeconds: number }, out: (line: string) => void) {
    this.events = new LiveEvents(o.format, o.showPasswords, o.file);
    this.ordered = new TimeOrderedOutput<LiveEvent>(o.holdSeconds, (e, stamp) => out(e.line(stamp)));
  }

  finding(f: Finding, about: ProvisionalContext): void {
    this.ordered.push(...timed(this.events.finding(f, about, this.clock)));
    this.ordered.release(this.clock);
  }

  transfer(t: Transfer, about: ProvisionalContext): void {
    this.ordered.push(...timed(this.events.transfer(t, about)));
    this.ordered.release(this.clock);
  }

  /** The capture clock reached `time` (a frame's time, or a tick of the live clock). */
  advance(time: number): void {
    if (time > this.clock) this.clock = time;
    this.ordered.release(this.clock);
  }

  /** The capture is over: every event held, in order. */
  flush(): void {
    this.ordered.flush();
  }
}

const timed = (e: LiveEvent): [number, LiveEvent, number] => [e.time, e, e.rank];
