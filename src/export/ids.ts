// Identifiers other tools use to join records of one connection: Zeek's uid (conn.log, ftp.log)
// and Suricata's flow_id (eve.json). Both tools draw theirs at random per run; here they are a
// hash of what identifies the connection in the capture (its 4-tuple, its first frame and the
// time of that frame), so that the same capture gives the same ids on every run (regress,
// tests, a re-export next week joins with last week's) while two connections never share one.

import { createHash } from 'node:crypto';
import type { Connection } from '../tcp/types.ts';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export interface ConnectionIds {
  uid: string; //     'C' + 17 base62 digits, as Zeek writes its connection uids (CHhAvVGS1DHFjwGM9)
  flowId: number; //  a positive integer below 2^53, so JSON readers keep every digit
}

function digest(c: Connection): Buffer {
  const key = `${c.client.addr}|${c.client.port}|${c.server.addr}|${c.server.port}|${c.firstFrame}|${c.startTime.toFixed(6)}`;
  return createHash('sha256').update(key).digest();
}

export function connectionIds(c: Connection): ConnectionIds {
  const d = digest(c);
  let n = (d.readBigUInt64BE(16) << 64n) | d.readBigUInt64BE(24); // 128 bits: 17 base62 digits hold 101
  let uid = '';
  for (let i = 0; i < 17; i++) {
    uid += BASE62[Number(n % 62n)];
    n /= 62n;
  }
  // 52 bits: 6 bytes and a nibble; never 0 (eve's flow_id 0 means "no flow")
  const flowId = d.readUIntBE(8, 6) * 16 + (d[14]! >> 4) || 1;
  return { uid: 'C' + uid, flowId };
}

/** The ids of a unit's connections, worked out once per export. */
export class IdTable {
  private readonly byId = new Map<number, ConnectionIds>();
  of(c: Connection): ConnectionIds {
    let ids = this.byId.get(c.id);
    if (!ids) this.byId.set(c.id, (ids = connectionIds(c)));
    return ids;
  }
}
