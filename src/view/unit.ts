// The view of a released unit: what every output shows of its connections, sessions, transfers
// and findings, worked out once from the FTP stage's and the TCP engine's records, with the
// user's options (showing passwords) applied here. Text, JSON, HTML, the log, ladders, live and
// compare only turn views into their markup: none of them works a role, a label, a byte count's
// meaning or a redaction out again.

import type { Connection, DataConflict, Side } from '../tcp/types.ts';
import type { ConnectionRole, FtpCommand, FtpReply, Session, Transfer } from '../ftp/types.ts';
import type { ReleasedFinding, ReleasedUnit } from '../pipeline/release.ts';
import type { Severity } from '../diagnose/finding.ts';
import { connectionEnds } from '../format/endpoint.ts';
import { connectionLabel, sessionLabel, transferLabel, transferWhat } from '../format/labels.ts';
import { conflictTexts, shownArgument, shownSecret } from '../format/redact.ts';
import { sessionTlsRows, type TlsRowView } from './tls-lines.ts';

/** A byte count as every output shows it: a number, or why there is none. */
export type ByteCell = number | 'not captured' | 'not opened' | 'encrypted';

export interface ViewOptions {
  showPasswords: boolean;
}

export interface ConflictView {
  conflict: DataConflict;
  first: string; //       what the first copy said (its command line, else its bytes), secrets hidden
  second: string;
  firstBytes: string; //  its bytes, secrets hidden
  secondBytes: string;
}

export interface ConnectionView {
  readonly c: Connection;
  role: ConnectionRole; // the FTP stage's
  label: string; //       'control connection of session 0 (a → b)'
  ends: string; //        'a → b'
  close: { kind: 'fin' | 'rst'; by: Side; frame: number | null } | null; // null: still open at the end of the capture
  conflicts: ConflictView[];
}

export interface CommandView {
  readonly cmd: FtpCommand;
  arg: string; //   secrets hidden unless shown
  line: string; //  verb and shown argument
}

export interface SessionView {
  readonly s: Session;
  label: string;
  password: string | null; // shown or REDACTED
  login: string; //           its login state in words: 'logged in', 'login state unknown (inside TLS)'
  tls: string[]; //           FTPS: one line per TLS connection (control, then each data connection), wire strings raw
  tlsRows: TlsRowView[]; //   the same, field by field
  logins: Array<{ user: string | null; password: string | null; commands: number[] }>;
  commands: CommandView[];
  /** The views of commands [from, to) — made for the range only, unless `commands` was read: a
   *  writer that goes through a long session's commands a batch at a time never holds them all. */
  commandRange(from: number, to: number): CommandView[];
  /** Its control connection, when the capture holds it in the same unit. */
  control: ConnectionView | null;
}

export interface TransferView {
  readonly t: Transfer;
  label: string; //    'RETR a.bin (transfer 3)'
  what: string; //     'RETR a.bin'; '' when the command is unreadable
  bytes: ByteCell;
  bytesAcked: ByteCell;
  bytesMissing: ByteCell;
}

export interface UnitView {
  connections: ConnectionView[];
  sessions: SessionView[];
  transfers: TransferView[];
  findings: ReleasedFinding[];
  severities: Record<Severity, number>;
}

/** How a transfer's byte counts read (Transfer.bytesStatus). */
export function byteCell(t: Transfer, n: number): ByteCell {
  switch (t.bytesStatus) {
    case 'counted':
      return n;
    case 'not-captured':
      return 'not captured';
    case 'not-opened':
      return 'not opened';
    case 'encrypted':
      return 'encrypted';
  }
}

/** A connection's view. Its texts are made when an output first reads them: the text report reads
 *  none of them, and a session of 10^5 transfers made them all at once at its release. */
class LazyConnectionView implements ConnectionView {
  private labelText: string | null = null;
  private endsText: string | null = null;
  private conflictViews: ConflictView[] | null = null;

  constructor(
    readonly c: Connection,
    readonly role: ConnectionRole,
    private readonly of: { session: number | null; transfer: Transfer | null },
    private readonly showPasswords: boolean,
  ) {}

  get label(): string {
    return (this.labelText ??= connectionLabel(this.c, this.role, { session: this.of.session, transfer: this.of.transfer ? transferLabel(this.of.transfer) : null }));
  }

  get ends(): string {
    return (this.endsText ??= connectionEnds(this.c));
  }

  get close(): ConnectionView['close'] {
    const c = this.c;
    return c.closeKind && c.closedBy ? { kind: c.closeKind, by: c.closedBy, frame: c.closeFrame } : null;
  }

  get conflicts(): ConflictView[] {
    return (this.conflictViews ??= this.c.conflicts.map((x) => ({ conflict: x, ...conflictTexts(x, this.showPasswords) })));
  }
}

export function connectionView(c: Connection, role: ConnectionRole, of: { session: number | null; transfer: Transfer | null }, opts: ViewOptions): ConnectionView {
  return new LazyConnectionView(c, role, of, opts.showPasswords);
}

export function commandView(cmd: FtpCommand, opts: ViewOptions): CommandView {
  const arg = shownArgument(cmd.verb, cmd.arg, opts.showPasswords);
  return { cmd, arg, line: arg === '' ? cmd.verb : `${cmd.verb} ${arg}` };
}

/** `transfers`: the transfers of its unit (its data connections' TLS lines come from them). Its
 *  command views are made when an output first reads them (the text report does not). */
export function sessionView(s: Session, control: ConnectionView | null, opts: ViewOptions, transfers: readonly Transfer[] = []): SessionView {
  const tlsRows = sessionTlsRows(s, transfers);
  let commands: CommandView[] | null = null;
  return {
    s,
    label: sessionLabel(s),
    password: shownSecret(s.password, opts.showPasswords),
    login: loginText(s),
    tls: tlsRows.map((r) => r.line),
    tlsRows,
    logins: s.logins.map((l) => ({ user: l.user, password: shownSecret(l.password, opts.showPasswords), commands: l.commands })),
    get commands() {
      return (commands ??= s.commands.map((c) => commandView(c, opts)));
    },
    commandRange(from: number, to: number) {
      return commands !== null ? commands.slice(from, to) : s.commands.slice(from, to).map((c) => commandView(c, opts));
    },
    control,
  };
}

/** A transfer's view; its texts made when an output first reads them (as LazyConnectionView). */
class LazyTransferView implements TransferView {
  private labelText: string | null = null;
  private whatText: string | null = null;

  constructor(readonly t: Transfer) {}

  get label(): string {
    return (this.labelText ??= transferLabel(this.t));
  }

  get what(): string {
    return (this.whatText ??= transferWhat(this.t));
  }

  get bytes(): ByteCell {
    return byteCell(this.t, this.t.bytes);
  }

  get bytesAcked(): ByteCell {
    return byteCell(this.t, this.t.bytesAcked);
  }

  get bytesMissing(): ByteCell {
    return byteCell(this.t, this.t.bytesMissing);
  }
}

export function transferView(t: Transfer): TransferView {
  return new LazyTransferView(t);
}

export function severityCounts(findings: Iterable<{ severity: Severity }>): Record<Severity, number> {
  const n: Record<Severity, number> = { error: 0, warning: 0, info: 0 };
  for (const f of findings) n[f.severity]++;
  return n;
}

/** The view of one released unit (or of a whole-capture result as one unit: resultUnit). */
export function unitView(u: ReleasedUnit, opts: ViewOptions): UnitView {
  const transferOfData = new Map<number, Transfer>();
  for (const t of u.transfers) if (t.dataConnection !== null) transferOfData.set(t.dataConnection, t);
  const sessionOfControl = new Map<number, number>();
  for (const s of u.sessions) sessionOfControl.set(s.control, s.id);
  const connections = u.connections.map((c) =>
    connectionView(c, u.roles.get(c.id) ?? 'other', { session: sessionOfControl.get(c.id) ?? null, transfer: transferOfData.get(c.id) ?? null }, opts),
  );
  const byId = new Map(connections.map((v) => [v.c.id, v] as const));
  return {
    connections,
    sessions: u.sessions.map((s) => sessionView(s, byId.get(s.control) ?? null, opts, u.transfers)),
    transfers: u.transfers.map(transferView),
    findings: u.findings,
    severities: severityCounts(u.findings.map((r) => r.finding)),
  };
}

/** A reply's first line, as tables show it: '226 Transfer complete' (+ how many more lines). */
export function replyFirstLine(r: FtpReply): { code: string; text: string; more: number } {
  return { code: r.valid ? String(r.code) : '', text: r.text.split('\n', 1)[0] ?? '', more: r.lines - 1 };
}

// ---- cells: the short texts every table shows -------------------------------------------------

/** A byte cell in a table: the count ('1,234' with `group`), 'n/c' (the data connection is not
 *  in the capture: unknown, not 0), '–' (none was opened) or 'TLS' (its bytes are TLS records). */
export function byteText(b: ByteCell, group = false): string {
  if (typeof b === 'number') return group ? b.toLocaleString('en-US') : String(b);
  return b === 'not captured' ? 'n/c' : b === 'not opened' ? '–' : 'TLS';
}

/** What a table's byte marks mean, for its legend. */
export const BYTE_MARKS: Readonly<Record<'n/c' | 'TLS', string>> = {
  'n/c': 'n/c: the data connection is not in the capture',
  TLS: 'TLS: the data connection carried TLS records, so file bytes are unknown',
};

/** How a connection ended: 'ended by RST from the client at frame 31', or 'still open at the end
 *  of the capture'. */
export function closeText(v: ConnectionView): string {
  const c = v.close;
  if (!c) return 'still open at the end of the capture';
  return `ended by ${c.kind.toUpperCase()} from the ${c.by} at frame ${c.frame}`;
}

/** A session's login as the reports say it. */
const LOGIN_TEXT: Readonly<Record<Session['loginState'], string>> = {
  'logged-in': 'logged in',
  failed: 'login failed',
  'not-logged-in': 'not logged in',
  unknown: 'login state unknown (began before the capture)',
};

/** A session's login state in words; seen from its start, a login unknown because it went on
 *  inside TLS says so. */
export function loginText(s: Session): string {
  if (s.loginState === 'unknown' && !s.startedMidSession && s.tls.encryptedFromFrame !== null) return 'login state unknown (inside TLS)';
  return LOGIN_TEXT[s.loginState];
}

/** A transfer's reply codes in order: '150 226', '–' for none. */
/** Reply codes listed in a transfer's cell before the rest are counted (50 are kept). */
const MAX_REPLY_CODES = 4;

/** `150 226`, `–` for none, or `150 150 150 150 … +46` for a long list (a table cell). */
export function repliesText(t: Transfer): string {
  // 0: a line that was not a valid reply ('230_no_space'), not a code
  const codes = t.replyCodes.map((c) => (c === 0 ? '???' : String(c)));
  if (codes.length === 0) return '–';
  if (codes.length <= MAX_REPLY_CODES + 1) return codes.join(' ');
  return `${codes.slice(0, MAX_REPLY_CODES).join(' ')} … +${codes.length - MAX_REPLY_CODES}`;
}
