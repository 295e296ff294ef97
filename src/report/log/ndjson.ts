// The operation log as newline-delimited JSON, one object per operation. Field names follow
// Zeek's ftp.log where the meaning is the same (ts, uid, id.orig_h, …, reply_code, reply_msg,
// data_channel.*; flat dotted keys as Zeek's JSON writer prints them), and fields without a value
// are left out, as Zeek does. ftpdiag's own fields (operation, path, bytes, outcome, finding, …)
// have plain names. Strings are raw (JSON escapes them); escapeJsonText makes the line safe to
// print on a terminal without changing its value.

import { escapeJsonText } from '../escape.ts';
import type { Operation } from './operations.ts';
import type { ByteCell } from '../../view/unit.ts';

/** A transfer's bytes that are not a count, named as the JSON report's bytesStatus names them. */
const BYTES_STATUS: Record<Exclude<ByteCell, number>, string> = { 'not captured': 'not-captured', 'not opened': 'not-opened', encrypted: 'encrypted' };

/** One operation as a Zeek-like record (keys in a fixed order). */
export function ndjsonRecord(op: Operation): Record<string, unknown> {
  const o: Record<string, unknown> = {};
  const put = (k: string, v: unknown) => {
    if (v !== null && v !== undefined && v !== '') o[k] = v;
  };
  put('ts', op.time);
  put('uid', op.session === null ? null : `S${op.session}`); //  Zeek's uid names the control connection; here its session
  put('id.orig_h', op.client.addr);
  put('id.orig_p', op.client.port);
  put('id.resp_h', op.server.addr);
  put('id.resp_p', op.server.port);
  put('user', op.user);
  put('password', op.password);
  put('command', op.command);
  put('arg', op.arg);
  put('file_size', op.announcedBytes); // Zeek: the size the server announced (150 "(N bytes)" or SIZE)
  if (op.reply) {
    put('reply_code', op.reply.valid ? op.reply.code : null);
    put('reply_msg', op.reply.text);
  }
  if (op.dataChannel) {
    o['data_channel.passive'] = op.dataChannel.passive;
    put('data_channel.orig_h', op.dataChannel.origH);
    put('data_channel.resp_h', op.dataChannel.respH);
    put('data_channel.resp_p', op.dataChannel.respP);
  }
  // ftpdiag's own fields
  put('operation', op.operation);
  put('protocol', op.protocol);
  put('session', op.session);
  put('path', op.path);
  put('path_to', op.pathTo);
  put('direction', op.direction);
  put('type', op.type);
  if (typeof op.bytes === 'number') put('bytes', op.bytes);
  else if (op.bytes !== null) put('bytes_status', BYTES_STATUS[op.bytes]);
  put('duration', op.duration);
  put('rate', op.rate);
  put('outcome', op.outcome);
  if (op.finding) {
    put('finding', op.finding.id);
    put('finding_severity', op.finding.severity);
  }
  put('transfer', op.transfer);
  if (op.frames.length) o['frames'] = op.frames;
  return o;
}

export function renderNdjson(ops: readonly Operation[]): string {
  return ops.map((op) => escapeJsonText(JSON.stringify(ndjsonRecord(op))) + '\n').join('');
}
