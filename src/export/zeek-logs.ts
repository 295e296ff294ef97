// `--format zeek`: conn.log and ftp.log as Zeek writes them (base/protocols/conn and
// base/protocols/ftp), so that zeek-cut, RITA, a Zeek-fed SIEM or a plain awk script read
// ftpdiag's analysis of a capture as they read Zeek's. Mapped from the views (src/view): the
// connection's conn_state and history are the TCP engine's (tcp/conn-state.ts follows Zeek's
// definitions), paths and logins the FTP stage's, secrets hidden as the views hide them.
//
// The uid of a connection is the same in both files and in the eve events (ids.ts): ftp.log's uid
// is its control connection's, and ftpdiag.data_uid names the data connection of a transfer.

import type { UnitView, CommandView, SessionView, TransferView } from '../view/unit.ts';
import { announcedChannel } from '../report/log/operations.ts';
import { IdTable } from './ids.ts';
import { ZeekLogWriter, type ZeekColumn, type ZeekValue } from './zeek-tsv.ts';

const col = (spec: string): ZeekColumn[] =>
  spec
    .trim()
    .split(/\s+/)
    .map((f) => {
      const [name, type] = f.split(':') as [string, ZeekColumn['type']];
      return { name, type };
    });

/** conn.log's columns (Zeek 6), less ip_proto (Zeek 7.1's, after them all) . */
export const CONN_COLUMNS = col(`
  ts:time uid:string id.orig_h:addr id.orig_p:port id.resp_h:addr id.resp_p:port proto:enum service:string
  duration:interval orig_bytes:count resp_bytes:count conn_state:string local_orig:bool local_resp:bool
  missed_bytes:count history:string orig_pkts:count orig_ip_bytes:count resp_pkts:count resp_ip_bytes:count
  tunnel_parents:set[string]`);

/** ftp.log's columns (FTP::Info's logged fields), then ftpdiag's own, as a Zeek script that
 *  extends FTP::Info would add them. */
export const FTP_COLUMNS = col(`
  ts:time uid:string id.orig_h:addr id.orig_p:port id.resp_h:addr id.resp_p:port user:string password:string
  command:string arg:string mime_type:string file_size:count reply_code:count reply_msg:string
  data_channel.passive:bool data_channel.orig_h:addr data_channel.resp_h:addr data_channel.resp_p:port fuid:string
  ftpdiag.transfer:count ftpdiag.data_uid:string ftpdiag.outcome:string ftpdiag.findings:set[string]`);

/** FTP::logged_commands: the commands Zeek writes to ftp.log (with their final reply). */
export const LOGGED_COMMANDS: ReadonlySet<string> = new Set(['APPE', 'DELE', 'RETR', 'STOR', 'STOU', 'ACCT', 'PORT', 'PASV', 'EPRT', 'EPSV']);
/** Of those, the ones whose argument names a file: Zeek logs them as an ftp:// URL. */
const FILE_COMMANDS: ReadonlySet<string> = new Set(['APPE', 'DELE', 'RETR', 'STOR', 'STOU']);

/** Zeek's marks for a hidden password and an unknown user. */
const HIDDEN = '<hidden>';
const UNKNOWN_USER = '<unknown>';

/** Zeek's bounds on logged strings (FTP::max_user_length, max_password_length, max_arg_length,
 *  max_reply_msg_length), in characters. */
const MAX = { user: 128, password: 128, arg: 4096, reply: 4096 } as const;
const cap = (s: string, n: number) => (s.length > n ? s.slice(0, n) : s);

export interface ZeekLogOptions {
  showPasswords: boolean;
  opened: Date; // #open
  closed: Date; // #close
}

export interface ZeekLogs {
  conn: string; // conn.log's text
  ftp: string;
  connRows: number;
  ftpRows: number;
}

const uriHost = (addr: string) => (addr.includes(':') ? `[${addr}]` : addr);

export function zeekLogs(view: UnitView, opts: ZeekLogOptions, ids = new IdTable()): ZeekLogs {
  const conn = new ZeekLogWriter('conn', CONN_COLUMNS, opts.opened);
  const conns = [...view.connections].sort((a, b) => a.c.startTime - b.c.startTime || a.c.id - b.c.id);
  for (const v of conns) {
    const c = v.c;
    const duration = c.endTime - c.startTime;
    const timed = duration > 0; // Zeek leaves duration and bytes unset for a connection of no duration
    const missed = c.client.bytesSent - c.client.bytesCaptured + (c.server.bytesSent - c.server.bytesCaptured);
    const service = v.role === 'control' ? 'ftp' : v.role === 'data' ? 'ftp-data' : null;
    conn.row([
      c.startTime, ids.of(c).uid, c.client.addr, c.client.port, c.server.addr, c.server.port, 'tcp', service,
      timed ? duration : null, timed ? c.client.bytesSent : null, timed ? c.server.bytesSent : null, c.connState, null, null,
      missed, c.history || null, c.client.segments, null, c.server.segments, null, null,
    ]);
  }

  const ftp = new ZeekLogWriter('ftp', FTP_COLUMNS, opts.opened);
  const transfers = new Map<string, TransferView>(); // by session and command index
  for (const t of view.transfers) if (t.t.session !== null && t.t.commandIndex !== null) transfers.set(`${t.t.session}:${t.t.commandIndex}`, t);
  const findingsOf = new Map<number, string[]>(); // ids of findings about each transfer
  for (const r of view.findings) {
    const id = r.finding.transfer;
    if (id === null) continue;
    const list = findingsOf.get(id) ?? [];
    if (!list.includes(r.finding.id)) list.push(r.finding.id);
    findingsOf.set(id, list);
  }
  const connById = new Map(view.connections.map((v) => [v.c.id, v] as const));
  const rows: Array<{ ts: number; order: number; values: ZeekValue[] }> = [];
  for (const sv of view.sessions) {
    const control = connById.get(sv.s.control);
    const uid = control ? ids.of(control.c).uid : null;
    for (const cv of sv.commands) {
      if (!LOGGED_COMMANDS.has(cv.cmd.verb)) continue;
      const t = transfers.get(`${sv.s.id}:${cv.cmd.index}`) ?? null;
      const data = t?.t.dataConnection != null ? connById.get(t.t.dataConnection) : undefined;
      rows.push({ ts: cv.cmd.time, order: rows.length, values: ftpRow(sv, cv, uid, t, data ? ids.of(data.c).uid : null, findingsOf, opts) });
    }
  }
  rows.sort((a, b) => a.ts - b.ts || a.order - b.order);
  for (const r of rows) ftp.row(r.values);
  return { conn: conn.text(opts.closed), ftp: ftp.text(opts.closed), connRows: conn.rows, ftpRows: ftp.rows };
}

function ftpRow(sv: SessionView, cv: CommandView, uid: string | null, t: TransferView | null, dataUid: string | null, findingsOf: ReadonlyMap<number, string[]>, opts: ZeekLogOptions): ZeekValue[] {
  const s = sv.s;
  const cmd = cv.cmd;
  const login = cmd.login === null ? null : (sv.logins[cmd.login] ?? null);
  const password = login?.password == null ? null : opts.showPasswords ? cap(login.password, MAX.password) : HIDDEN;
  // the view hid a secret argument (ACCT): Zeek's mark for it
  let arg: string | null = cv.arg !== cmd.arg ? HIDDEN : cmd.arg;
  if (arg !== HIDDEN && FILE_COMMANDS.has(cmd.verb) && cmd.path !== null) arg = `ftp://${uriHost(s.server.addr)}${cmd.path.startsWith('/') ? '' : '/'}${cmd.path}`;
  const r = cmd.reply;
  const lines = r ? r.text.split('\n') : [];
  const ch = cmd.announcement ? announcedChannel(cmd.announcement, s) : null;
  return [
    cmd.time, uid, s.client.addr, s.client.port, s.server.addr, s.server.port,
    cap(login?.user ?? UNKNOWN_USER, MAX.user), password, cmd.verb, arg === '' ? null : cap(arg, MAX.arg),
    null, t?.t.announcedBytes ?? null, r && r.valid ? r.code : null, r ? cap(lines[lines.length - 1] ?? '', MAX.reply) : null,
    ch ? ch.passive : null, ch?.origH ?? null, ch?.respH ?? null, ch?.respP ?? null, null,
    t ? t.t.id : null, dataUid, t ? t.t.outcome : null, t ? (findingsOf.get(t.t.id) ?? []) : null,
  ];
}
