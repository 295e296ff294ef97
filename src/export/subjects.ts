// Where and when an exported event happened, read from the views: the connection it is about
// (its addresses, its role, its ids) and the time of its subject. Nothing is worked out here
// that the FTP stage or the TCP engine did not record; this only picks which record an event
// takes its place and time from.
//
// An event's time is when its subject was over, so that an event never comes before the facts
// it states: a transfer's end (its last reply or data packet, Transfer.endTime), a connection's
// last packet, a session's control connection's last packet. A finding takes its subject's
// time: its transfer's, else its connection's, else its session's.

import type { Finding } from '../diagnose/finding.ts';
import type { ConnectionView, SessionView, TransferView, UnitView } from '../view/unit.ts';

export interface Place {
  client: { addr: string; port: number }; // the originator (eve src, Zeek id.orig_*)
  server: { addr: string; port: number };
  conn: ConnectionView | null; //           the connection, when the unit holds it
}

/** Lookups over one unit view (a released unit, a provisional batch, or a whole result). */
export class UnitIndex {
  readonly connections = new Map<number, ConnectionView>();
  readonly sessions = new Map<number, SessionView>();
  readonly transfers = new Map<number, TransferView>();

  constructor(readonly view: Pick<UnitView, 'connections' | 'sessions' | 'transfers'>) {
    for (const v of view.connections) this.connections.set(v.c.id, v);
    for (const v of view.sessions) this.sessions.set(v.s.id, v);
    for (const v of view.transfers) this.transfers.set(v.t.id, v);
  }

  private connPlace(id: number | null): Place | null {
    const v = id === null ? undefined : this.connections.get(id);
    return v ? { client: v.c.client, server: v.c.server, conn: v } : null;
  }

  private sessionPlace(id: number | null): Place | null {
    const s = id === null ? undefined : this.sessions.get(id);
    if (!s) return null;
    return this.connPlace(s.s.control) ?? { client: s.s.client, server: s.s.server, conn: null };
  }

  /** A transfer's place: its data connection, else its session's control connection. */
  transferPlace(t: TransferView): Place | null {
    return this.connPlace(t.t.dataConnection) ?? this.sessionPlace(t.t.session);
  }

  /** A finding's place: the connection it names, else its transfer's, else its session's;
   *  null for a finding about the whole capture. */
  findingPlace(f: Finding): Place | null {
    const t = f.transfer === null ? undefined : this.transfers.get(f.transfer);
    return this.connPlace(f.connection) ?? (t ? this.transferPlace(t) : null) ?? this.sessionPlace(f.session);
  }

  sessionTime(s: SessionView): number {
    const control = this.connections.get(s.s.control);
    if (control) return control.c.endTime;
    let t = s.s.greeting?.time ?? 0;
    for (const c of s.s.commands) t = Math.max(t, c.time, c.reply?.time ?? 0);
    return t;
  }

  /** A finding's time (see above); null for one about the whole capture. */
  findingTime(f: Finding): number | null {
    const t = f.transfer === null ? undefined : this.transfers.get(f.transfer);
    if (t) return t.t.endTime;
    const c = f.connection === null ? undefined : this.connections.get(f.connection);
    if (c) return c.c.endTime;
    const s = f.session === null ? undefined : this.sessions.get(f.session);
    return s ? this.sessionTime(s) : null;
  }
}
