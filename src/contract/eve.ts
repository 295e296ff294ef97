// The eve.json-shaped events of `--format eve` (analyze and live): Suricata's common section
// (timestamp, flow_id, event_type, src/dest address and port, proto, app_proto; see Suricata's
// "Eve JSON Format") and one object per event type, declared once here. ftpdiag's own findings
// are event_type "ftpdiag" with an "ftpdiag" object, as Suricata names each type's object after
// the type; transfers are "ftp_data" events (Suricata's fields, filename and command, beside an
// ftpdiag object) and connections "flow" events. schema/eve.schema.json is written from this
// (scripts/build-schema.ts); a test validates every event the exporter writes against it.
//
// EVE_VERSION goes up with every change to a field's name, type or meaning.

import { bool, int, jsonSchema, list, nullable, num, obj, oneOf, optional, str, type JsonOf } from './schema.ts';

export const EVE_VERSION = 1;

const side = oneOf(['client', 'server']);

const finding = obj(
  {
    id: str('the rule id (rules/)'),
    severity: oneOf(['error', 'warning', 'info']),
    title: str(),
    summary: str('this instance, with numbers and frames'),
    action: str('what to do'),
    frames: list(int(), 'Wireshark frame numbers that prove it, ascending (the first 200)'),
    connection: nullable(int('ftpdiag connection id (tcp.stream)')),
    session: nullable(int()),
    transfer: nullable(int()),
  },
  'a finding: what went wrong, who did it and where',
);

const transfer = obj(
  {
    id: int(),
    session: nullable(int()),
    label: str("'RETR a.bin (transfer 3)'"),
    command: str(),
    path: nullable(str('the argument resolved against the working directory')),
    direction: oneOf(['download', 'upload', 'listing', 'unknown']),
    mode: nullable(oneOf(['active', 'passive'])),
    bytes: nullable(int('file bytes on the data connection; null: see bytes_status')),
    bytes_status: oneOf(['counted', 'not-captured', 'not-opened', 'encrypted']),
    reply_codes: list(int()),
    outcome: oneOf(['complete', 'aborted', 'failed', 'truncated', 'unknown']),
    start: str('when its command was sent (ISO 8601)'),
    end: str('its last reply or data packet'),
    data_uid: nullable(str("the data connection's uid in conn.log and the flow events")),
    control_uid: nullable(str("the control connection's uid")),
  },
  'a transfer as the FTP stage settled it',
);

const connection = obj(
  {
    id: int(),
    role: oneOf(['control', 'data', 'attempt', 'other']),
    label: str(),
    conn_state: str("Zeek's conn_state"),
    history: str("Zeek's history letters"),
    orig_bytes: int('payload bytes the client sent'),
    resp_bytes: int('payload bytes the server sent'),
    closed_by: nullable(side),
    close: nullable(oneOf(['fin', 'rst'])),
  },
  'a TCP connection as the engine ended it',
);

export const eveEventShape = obj({
  timestamp: str('when the event\'s subject was over: ISO 8601 with microseconds, +0000'),
  flow_id: optional(int('the connection\'s id, the same in every event about it')),
  pcap_filename: optional(str()),
  event_type: oneOf(['ftpdiag', 'ftp_data', 'flow']),
  src_ip: optional(str('the connection\'s client (originator)')),
  src_port: optional(int()),
  dest_ip: optional(str('its server (responder)')),
  dest_port: optional(int()),
  proto: optional(oneOf(['TCP'])),
  app_proto: optional(oneOf(['ftp', 'ftp-data'])),
  flow: optional(
    obj({
      pkts_toserver: int(),
      pkts_toclient: int(),
      start: str(),
      end: str('its last packet'),
      age: int('seconds'),
      state: oneOf(['new', 'established', 'closed']),
      reason: oneOf(['shutdown', 'timeout']),
      alerted: bool('a finding at warning or error is about it'),
    }),
  ),
  ftp_data: optional(obj({ filename: optional(str()), command: str() })),
  ftpdiag: obj({
    version: int('EVE_VERSION of this shape'),
    event: oneOf(['finding', 'transfer', 'connection']),
    uid: optional(str("the connection's Zeek uid (conn.log)")),
    time: num('the timestamp in seconds since 1970'),
    late: optional(bool('live only: told after later events were written, so stamped with their time (its own is in its fields)')),
    finding: optional(finding),
    transfer: optional(transfer),
    connection: optional(connection),
  }),
});

export type EveEvent = JsonOf<typeof eveEventShape>;

export function eveSchema(): Record<string, unknown> {
  return jsonSchema(eveEventShape, {
    id: `https://ftpdiag.invalid/schema/eve-${EVE_VERSION}.schema.json`,
    title: `ftpdiag eve event, version ${EVE_VERSION}`,
    description: 'One line of `ftpdiag analyze --format eve` (and `ftpdiag live --format eve`): an eve.json-shaped event.',
  });
}
